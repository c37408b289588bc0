/* The log: one line per call whatever the values hold. A key id comes from
 * the URL path after percent-decoding, so /keys/tz1%0A... once wrote a
 * forged line into the audit log; text values are now escaped and JSON
 * lines always parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../unit_util.h"
#include <jansson.h>

#include "base/log.h"
#include "../core/core_test.h"

/* What follows the timestamp and level: "audit ..." or the message. */
static const char *
body(const char *line)
{
	const char *p = strstr(line, "Z ");
	assert_non_null(p);
	p += 2;
	while (*p && *p != ' ')
		p++; /* the level */
	while (*p == ' ')
		p++;
	return p;
}

static size_t
count_nl(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One audit record with key=v, in the current mode; returns the output. */
static char *
audit_one(const char *v)
{
	struct capture c;
	void *map;
	size_t maplen;
	char *p = flush_copy(v, strlen(v) + 1, &map, &maplen); /* the NUL against the guard */

	capture_start(&c);
	log_audit("key", p, "decision", "refused", NULL);
	char *out = capture_end(&c, NULL);
	munmap(map, maplen);
	assert_int_equal(count_nl(out), 1);
	assert_true(out[strlen(out) - 1] == '\n');
	return out;
}

static int
setup(void **state)
{
	(void)state;
	log_set_level(LOG_DEBUG);
	log_set_json(false);
	return 0;
}

static const struct {
	const char *in, *text;
} text_cases[] = {
	{"tz1abc", "key=tz1abc"},
	{"", NULL}, /* left out */
	{"a b", "key=\"a b\""},
	{"a=b", "key=\"a=b\""},
	{"a\"b\\c", "key=\"a\\\"b\\\\c\""},
	{"tz1\n2024-01-01T00:00:00.000Z info  audit key=tz1forged decision=signed",
	 "key=\"tz1\\n2024-01-01T00:00:00.000Z info  audit key=tz1forged decision=signed\""},
	{"\r\t\x01\x1b[31m\x7f", "key=\"\\r\\t\\x01\\x1b[31m\\x7f\""},
	{"\xc3\xa9\xff\xe2\x80\xa8", "key=\"\\xc3\\xa9\\xff\\xe2\\x80\\xa8\""},
};

static void
test_text_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		char *out = audit_one(text_cases[i].in);
		char want[512];
		if (text_cases[i].text)
			snprintf(want, sizeof(want), "audit %s decision=refused\n", text_cases[i].text);
		else
			snprintf(want, sizeof(want), "audit decision=refused\n");
		assert_string_equal(body(out), want);
		free(out);
	}
}

/* Undoes the text escapes of one value at s (bare or quoted); *end gets
 * the position after it. Returns the bytes (caller frees). */
static char *
text_unescape(const char *s, const char **end)
{
	char *out = malloc(strlen(s) + 1);
	size_t o = 0;

	assert_non_null(out);
	if (*s != '"') {
		while (*s && *s != ' ' && *s != '\n')
			out[o++] = *s++;
	} else {
		for (s++; *s != '"'; s++) {
			assert_true(*s != '\0');
			if (*s != '\\') {
				out[o++] = *s;
				continue;
			}
			s++;
			if (*s == 'n')
				out[o++] = '\n';
			else if (*s == 'r')
				out[o++] = '\r';
			else if (*s == 't')
				out[o++] = '\t';
			else if (*s == '\\' || *s == '"')
				out[o++] = *s;
			else if (*s == 'x') {
				unsigned v;
				assert_int_equal(sscanf(s + 1, "%2x", &v), 1);
				out[o++] = (char)v;
				s += 2;
			} else {
				fail_msg("unknown escape \\%c", *s);
			}
		}
		s++;
	}
	out[o] = '\0';
	*end = s;
	return out;
}

/* 1 to cap - 1 random bytes, none of them NUL, then a NUL. */
static void
random_text(char *v, size_t cap)
{
	size_t n = 1 + (size_t)rand() % (cap - 1);
	for (size_t i = 0; i < n; i++)
		v[i] = (char)(1 + rand() % 255);
	v[n] = '\0';
}

/* Random bytes: the line is printable ASCII, one line, and unescaping the
 * value gives back exactly what went in. */
static void
test_text_random(void **state)
{
	char v[300];

	(void)state;
	srand(12345);
	for (int round = 0; round < 2000; round++) {
		random_text(v, sizeof(v));
		char *out = audit_one(v);
		for (const char *p = out; *p != '\n'; p++)
			assert_true(*p >= 0x20 && *p <= 0x7e);
		const char *b = body(out), *end;
		assert_int_equal(strncmp(b, "audit key=", 10), 0);
		char *back = text_unescape(b + 10, &end);
		assert_string_equal(back, v);
		assert_string_equal(end, " decision=refused\n");
		free(back);
		free(out);
	}
}

/* Each byte value at each place of a value of 1 to 19 bytes (so at every
 * offset of the eight-byte tests and in the tail after them): the value
 * stands bare exactly when every byte is printable ASCII other than space,
 * '"', '\\' and '=', and is quoted otherwise. */
static void
test_text_every_byte(void **state)
{
	char v[20];

	(void)state;
	for (size_t len = 1; len < sizeof(v); len++) {
		for (size_t at = 0; at < len; at++) {
			for (unsigned c = 1; c < 256; c++) {
				memset(v, 'a', len);
				v[len] = '\0';
				v[at] = (char)c;
				bool bare = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
				char *out = audit_one(v);
				const char *b = body(out), *end;
				assert_int_equal(strncmp(b, "audit key=", 10), 0);
				assert_int_equal(b[10] != '"', bare);
				char *back = text_unescape(b + 10, &end);
				assert_string_equal(back, v);
				assert_string_equal(end, " decision=refused\n");
				free(back);
				free(out);
			}
		}
	}
}

static void
test_text_message(void **state)
{
	struct capture c;

	(void)state;
	capture_start(&c);
	log_warn("key %s is configured but no vault holds it", "tz1\nfake\\line\x1b");
	char *out = capture_end(&c, NULL);
	assert_int_equal(count_nl(out), 1);
	assert_string_equal(body(out),
	                    "key tz1\\nfake\\\\line\\x1b is configured but no vault holds it\n");
	assert_non_null(strstr(out, "Z warn  key"));
	free(out);
}

/* Gathered lines (log_out.c): none lost, none reordered, from many threads;
 * a warning leaves at once, after what was gathered before it; stop writes
 * the rest. */
#define GATHER_THREADS 4
#define GATHER_LINES 500

static void *
gather_thread(void *arg)
{
	char v[32];
	for (int i = 0; i < GATHER_LINES; i++) {
		snprintf(v, sizeof(v), "%d.%d", (int)(intptr_t)arg, i);
		log_audit("n", v, NULL);
	}
	return NULL;
}

static void
test_gathered(void **state)
{
	struct capture c;
	pthread_t th[GATHER_THREADS];
	int next[GATHER_THREADS] = {0}, lines = 0;

	(void)state;
	capture_start(&c);
	assert_int_equal(log_out_async_start(), 0);
	log_audit("n", "first", NULL);
	log_warn("urgent");
	for (intptr_t t = 0; t < GATHER_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, gather_thread, (void *)t), 0);
	for (int t = 0; t < GATHER_THREADS; t++)
		pthread_join(th[t], NULL);
	log_out_async_stop();
	log_audit("n", "after", NULL);
	char *out = capture_end(&c, NULL);
	char *first = strstr(out, "n=first"), *urgent = strstr(out, "urgent");
	assert_non_null(first);
	assert_non_null(urgent);
	assert_true(first < urgent);
	for (char *l = strstr(out, " n="); l; l = strstr(l + 1, " n=")) {
		int t, i;
		if (sscanf(l, " n=%d.%d", &t, &i) == 2) {
			assert_true(t >= 0 && t < GATHER_THREADS);
			assert_int_equal(i, next[t]); /* each thread's lines in order */
			next[t]++;
			lines++;
		}
	}
	assert_int_equal(lines, GATHER_THREADS * GATHER_LINES);
	assert_non_null(strstr(out, "n=after"));
	assert_int_equal(count_nl(out), GATHER_THREADS * GATHER_LINES + 3);
	free(out);
}

/* Whether what was captured so far holds needle, waiting for it up to 5 s:
 * gathered lines must leave on the writer's timer, without a stop. */
static bool
captured_soon(const struct capture *c, const char *needle)
{
	for (int i = 0; i < 5000; i++) {
		struct stat st;
		char *buf;
		bool found = false;

		assert_int_equal(fstat(c->fd, &st), 0);
		buf = malloc((size_t)st.st_size + 1);
		assert_non_null(buf);
		assert_int_equal(pread(c->fd, buf, (size_t)st.st_size, 0), st.st_size);
		buf[st.st_size] = '\0';
		found = strstr(buf, needle) != NULL;
		free(buf);
		if (found)
			return true;
		usleep(1000);
	}
	return false;
}

static void *
stream_thread(void *arg)
{
	char v[32];
	(void)arg;
	for (int i = 0; i < 200; i++) {
		snprintf(v, sizeof(v), "s%d", i);
		log_audit("n", v, NULL);
		usleep(100);
	}
	return NULL;
}

/* While sigild serves, gathered lines are written by the writer thread on
 * its own: the first line of a quiet spell, a line after the writer went
 * back to waiting, and the last lines of a stream that kept it busy for
 * many batches all appear before any stop. */
static void
test_gathered_written_while_serving(void **state)
{
	struct capture c;
	pthread_t th;

	(void)state;
	capture_start(&c);
	assert_int_equal(log_out_async_start(), 0);
	log_audit("n", "alone", NULL);
	assert_true(captured_soon(&c, "n=alone\n"));
	usleep(20000); /* the writer found nothing more and waits */
	log_audit("n", "later", NULL);
	assert_true(captured_soon(&c, "n=later\n"));
	assert_int_equal(pthread_create(&th, NULL, stream_thread, NULL), 0);
	pthread_join(th, NULL);
	assert_true(captured_soon(&c, "n=s199\n"));
	log_audit("n", "last", NULL);
	assert_true(captured_soon(&c, "n=last\n"));
	log_out_async_stop();
	char *out = capture_end(&c, NULL);
	assert_int_equal(count_nl(out), 203);
	free(out);
}

/* Parses one JSON line; returns the object (caller decrefs). */
static json_t *
json_line(const char *out)
{
	json_error_t e;
	json_t *j = json_loads(out, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, out);
	assert_true(json_is_object(j));
	return j;
}

static const struct {
	const char *in, *decoded;
} json_cases[] = {
	{"tz1abc", "tz1abc"},
	{"tz1\n{\"forged\":1}\r\t\x01\x1f\x7f\"\\", "tz1\n{\"forged\":1}\r\t\x01\x1f\x7f\"\\"},
	{"caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80"}, /* valid UTF-8 kept */
	{"a\xffz", "a\xef\xbf\xbdz"},                                    /* stray byte */
	{"\xc3", "\xef\xbf\xbd"},                                        /* cut at the end */
	{"\xf0\x9f\x98", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},         /* cut, flush */
	{"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                         /* overlong '/' */
	{"\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},         /* overlong NUL */
	{"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},         /* surrogate */
	{"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
	{"\xe2\x80\xa8\xe2\x80\xa9", "\xe2\x80\xa8\xe2\x80\xa9"},
};

static void
test_json_values(void **state)
{
	(void)state;
	log_set_json(true);
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		char *out = audit_one(json_cases[i].in);
		json_t *j = json_line(out);
		assert_string_equal(json_string_value(json_object_get(j, "msg")), "audit");
		assert_string_equal(json_string_value(json_object_get(j, "key")),
		                    json_cases[i].decoded);
		assert_string_equal(json_string_value(json_object_get(j, "decision")), "refused");
		json_decref(j);
		free(out);
	}
	/* The line separators travel escaped, never raw. */
	char *out = audit_one("\xe2\x80\xa8");
	assert_non_null(strstr(out, "\"key\":\"\\u2028\""));
	free(out);
	log_set_json(false);
}

static void
test_json_random(void **state)
{
	char v[300];

	(void)state;
	log_set_json(true);
	srand(54321);
	for (int round = 0; round < 2000; round++) {
		random_text(v, sizeof(v));
		char *out = audit_one(v);
		json_t *j = json_line(out);
		assert_true(json_is_string(json_object_get(j, "key")));
		json_decref(j);
		free(out);

		struct capture c;
		capture_start(&c);
		log_error("bad key %s", v);
		out = capture_end(&c, NULL);
		assert_int_equal(count_nl(out), 1);
		j = json_line(out);
		assert_string_equal(json_string_value(json_object_get(j, "level")), "error");
		json_decref(j);
		free(out);
	}
	log_set_json(false);
}

/* Lines past the 2 KB stack buffer go through the heap, still whole. */
static void
test_long(void **state)
{
	size_t n = 10000;
	char *v = malloc(n + 1);

	(void)state;
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = i % 100 == 99 ? '\n' : 'a';
	v[n] = '\0';
	char *out = audit_one(v);
	const char *end;
	char *back = text_unescape(body(out) + 10, &end);
	assert_string_equal(back, v);
	free(back);
	free(out);
	log_set_json(true);
	out = audit_one(v);
	json_t *j = json_line(out);
	assert_string_equal(json_string_value(json_object_get(j, "key")), v);
	json_decref(j);
	free(out);
	log_set_json(false);
	free(v);
}

static void
test_level(void **state)
{
	struct capture c;

	(void)state;
	log_set_level(LOG_WARN);
	capture_start(&c);
	log_audit("key", "tz1abc", NULL);
	log_info("hidden");
	log_warn("shown");
	char *out = capture_end(&c, NULL);
	assert_int_equal(count_nl(out), 1);
	assert_string_equal(body(out), "shown\n");
	free(out);
	log_set_level(LOG_DEBUG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_text_values, setup),
		cmocka_unit_test_setup(test_text_random, setup),
		cmocka_unit_test_setup(test_text_every_byte, setup),
		cmocka_unit_test_setup(test_text_message, setup),
		cmocka_unit_test_setup(test_json_values, setup),
		cmocka_unit_test_setup(test_json_random, setup),
		cmocka_unit_test_setup(test_long, setup),
		cmocka_unit_test_setup(test_level, setup),
		cmocka_unit_test_setup(test_gathered, setup),
		cmocka_unit_test_setup(test_gathered_written_while_serving, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
