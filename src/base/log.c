#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/sbuf.h"

/* Atomic because SIGHUP changes them while request threads log. */
static _Atomic int log_min = LOG_INFO;
static atomic_bool log_json;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level lvl)
{
	atomic_store_explicit(&log_min, (int)lvl, memory_order_relaxed);
}

void
log_set_json(bool json)
{
	atomic_store_explicit(&log_json, json, memory_order_relaxed);
}

static bool
log_enabled(enum log_level lvl)
{
	return (int)lvl >= atomic_load_explicit(&log_min, memory_order_relaxed);
}

int
log_level_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, log_names[i]) == 0)
			return i;
	return -1;
}

/* A line is built in one buffer and written with one write(2): the sign
 * path logs every decision, and stdio's locking and flushing cost more than
 * the formatting. The buffer starts on the stack and moves to the heap only
 * for a long line. The format is read once per line so that a reload
 * switching to JSON never gives a line that is half text. */
struct log_line {
	char stack[2048];
	struct sbuf b; /* out of memory, the line is cut there: sticky b.err */
	bool json;
	bool urgent; /* a warning or an error: written at once (log_out.c) */
};

static void
log_line_init(struct log_line *l)
{
	sbuf_init_with(&l->b, l->stack, sizeof(l->stack));
	l->json = atomic_load_explicit(&log_json, memory_order_relaxed);
}

/* Never fails as such: a line that cannot grow is cut (log_finish). */
static void
log_put(struct log_line *l, const char *s, size_t n)
{
	(void)sbuf_put(&l->b, s, n);
}

static void
log_puts(struct log_line *l, const char *s)
{
	log_put(l, s, strlen(s));
}

/* Text lines are printable ASCII whatever a caller passes, because values
 * come from the network (a key id is the URL path after percent-decoding):
 * a newline would start a forged audit line, and raw bytes >= 0x80 could
 * carry terminal escapes, Unicode line separators or bidi overrides to an
 * operator's terminal. So '\\' is written "\\\\", LF, CR and TAB as "\\n",
 * "\\r", "\\t", and every other byte outside 0x20..0x7e as "\\xNN" (two
 * lower-case hex digits; UTF-8 text shows as its bytes). In a quoted value,
 * '"' is written "\\\"". Undoing these escapes gives back the exact bytes. */
static void
log_put_text(struct log_line *l, const char *str, bool quoted)
{
	const unsigned char *s = (const unsigned char *)str, *run = s;

	for (; *s; s++) {
		unsigned char c = *s;
		if (c >= 0x20 && c <= 0x7e && c != '\\' && !(quoted && c == '"'))
			continue;
		log_put(l, (const char *)run, (size_t)(s - run));
		char esc[8];
		if (c == '\\' || c == '"')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\r')
			snprintf(esc, sizeof(esc), "\\r");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		log_puts(l, esc);
		run = s + 1;
	}
	log_put(l, (const char *)run, (size_t)(s - run));
}

/* Whether none of the eight bytes of w keeps a text value from standing
 * bare: those JSON would escape (sbuf_json_plain8: controls, 0x7f and up,
 * '"', '\\'), and space and '='. Each equality test is on all eight bytes
 * at once and exact, as sbuf_json_plain8's are. */
static inline bool
log_bare8(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), tops = ones << 7;
	uint64_t sp = w ^ ' ' * ones, eq = w ^ '=' * ones;

	return sbuf_json_plain8(w) && ((((sp - ones) & ~sp) | ((eq - ones) & ~eq)) & tops) == 0;
}

static bool
log_bare(const char *v, size_t n)
{
	size_t i = 0;

	for (uint64_t w; i + 8 <= n; i += 8)
		if (memcpy(&w, v + i, 8), !log_bare8(w))
			return false;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=')
			return false;
	}
	return true;
}

/* An audit value in a text line, logfmt style: bare when it is only
 * printable ASCII other than space, '"', '\\' and '=' (addresses, kinds,
 * numbers: the common case stays greppable as key=value); otherwise in
 * double quotes with the escapes of log_put_text, so that a space or an '='
 * inside a value can never pass for another field. n is strlen(v). */
static void
log_put_text_value(struct log_line *l, const char *v, size_t n)
{
	if (log_bare(v, n)) {
		log_put(l, v, n);
		return;
	}
	log_puts(l, "\"");
	log_put_text(l, v, true);
	log_puts(l, "\"");
}

/* The time as the log writes it, 2026-12-04T13:24:55.123Z, into ts (at
 * least 32 bytes). The date and time up to the second are made once a
 * second per thread (gmtime_r and strftime were a percent of a busy
 * signer's CPU, with a line per request); the milliseconds each time. */
static void
log_time(char *ts)
{
	static _Thread_local time_t sec = -1;
	static _Thread_local char head[24];
	static _Thread_local size_t n;
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != sec) {
		struct tm tm;
		gmtime_r(&now.tv_sec, &tm);
		n = strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
		sec = now.tv_sec;
	}
	memcpy(ts, head, n);
	ms = now.tv_nsec / 1000000;
	ts[n] = '.';
	ts[n + 1] = (char)('0' + ms / 100);
	ts[n + 2] = (char)('0' + ms / 10 % 10);
	ts[n + 3] = (char)('0' + ms % 10);
	ts[n + 4] = 'Z';
	ts[n + 5] = '\0';
}

static void
log_start(struct log_line *l, enum log_level lvl)
{
	char ts[48];

	log_line_init(l);
	l->urgent = lvl >= LOG_WARN;
	log_time(ts);
	if (l->json) {
		log_puts(l, "{\"time\":\"");
		log_puts(l, ts);
		log_puts(l, "\",\"level\":\"");
		log_puts(l, log_names[lvl]);
		log_puts(l, "\",\"msg\":\"");
	} else {
		/* "%-5s " as before: levels line up in text logs. */
		static const char *const pad[] = {" ", "  ", "  ", " "};
		log_puts(l, ts);
		log_puts(l, " ");
		log_puts(l, log_names[lvl]);
		log_puts(l, pad[lvl]);
	}
}

static void
log_finish(struct log_line *l)
{
	/* A JSON line cut short would not parse: say what happened instead. */
	static const char lost[] =
		"{\"level\":\"error\",\"msg\":\"log line lost: out of memory\"}\n";
	const char *p = l->b.p;
	size_t len;

	/* Where sbuf keeps its NUL: there is always room for it. */
	l->b.p[l->b.len] = '\n';
	len = l->b.len + 1;
	if (l->b.err != 0 && l->json) {
		p = lost;
		len = sizeof(lost) - 1;
	}
	log_out_write(p, len, l->urgent);
	sbuf_free(&l->b); /* frees only a line that moved to the heap */
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct log_line l;
	char msg[1024];
	va_list ap;

	if (!log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_start(&l, lvl);
	if (l.json) {
		sbuf_put_json(&l.b, msg);
		log_puts(&l, "\"}");
	} else {
		log_put_text(&l, msg, false);
	}
	log_finish(&l);
}

void
log_audit(const char *first_key, ...)
{
	struct log_line l;
	va_list ap;

	if (!log_enabled(LOG_INFO))
		return;
	log_start(&l, LOG_INFO);
	log_puts(&l, l.json ? "audit\"" : "audit");
	va_start(ap, first_key);
	for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		if (v == NULL || v[0] == '\0')
			continue; /* absent fields are left out, not printed empty */
		if (l.json) {
			log_puts(&l, ",\"");
			sbuf_put_json(&l.b, k);
			log_puts(&l, "\":\"");
			sbuf_put_json(&l.b, v);
			log_puts(&l, "\"");
			continue;
		}
		/* " key=": the names are the callers' own words, bare but for a
		 * mistake, which log_put_text would still make harmless. */
		size_t kn = strlen(k), vn = strlen(v);
		char head[40];
		if (kn + 2 <= sizeof(head) && log_bare(k, kn)) {
			head[0] = ' ';
			memcpy(head + 1, k, kn);
			head[kn + 1] = '=';
			log_put(&l, head, kn + 2);
		} else {
			log_puts(&l, " ");
			log_put_text(&l, k, false);
			log_puts(&l, "=");
		}
		log_put_text_value(&l, v, vn);
	}
	va_end(ap);
	if (l.json)
		log_puts(&l, "}");
	log_finish(&l);
}
