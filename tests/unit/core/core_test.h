/* Helpers shared by the core tests: stderr capture (the log writes to
 * fd 2 with write(2), so the fd itself is swapped) and a checker for the
 * Prometheus text exposition format. Include after <cmocka.h>. */
#ifndef SIGIL_CORE_TEST_H
#define SIGIL_CORE_TEST_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct capture {
	int fd, saved;
};

static inline void
capture_start(struct capture *c)
{
	char path[] = "/tmp/sigil-test-log-XXXXXX";
	c->fd = mkstemp(path);
	assert_true(c->fd >= 0);
	unlink(path);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->fd, STDERR_FILENO) >= 0);
}

/* Restores stderr; the caller frees what was written (NUL-terminated). */
static inline char *
capture_end(struct capture *c, size_t *len)
{
	off_t end;
	char *buf;

	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	end = lseek(c->fd, 0, SEEK_END);
	assert_true(end >= 0);
	buf = malloc((size_t)end + 1);
	assert_non_null(buf);
	assert_int_equal(pread(c->fd, buf, (size_t)end, 0), end);
	buf[end] = '\0';
	close(c->fd);
	if (len)
		*len = (size_t)end;
	return buf;
}

/* --- Prometheus text format 0.0.4 ------------------------------------
 * Checks what the exposition format and Prometheus's parser require: every
 * family is one contiguous group, "# HELP" then "# TYPE" then its samples,
 * and no family appears twice; each sample belongs to the family being
 * listed; histogram series have increasing "le" bounds, non-decreasing
 * cumulative counts, a "+Inf" bucket, _sum, and _count equal to +Inf. */

#define PROM_MAX_FAMILIES 64

struct prom_check {
	char families[PROM_MAX_FAMILIES][128];
	size_t n;
	char cur[128], type[16];
	bool typed, sampled;
	/* The histogram series being read: its labels without le. */
	char series[512];
	double last_le, last_bucket, inf;
	bool in_series, has_inf, has_sum;
	char err[4096]; /* the first violation; empty when the page is good */
};

#define PROM_FAIL(p, ...)                                                      \
	do {                                                                   \
		if ((p)->err[0] == '\0')                                       \
			snprintf((p)->err, sizeof((p)->err), __VA_ARGS__);     \
		return;                                                        \
	} while (0)

/* Copies with truncation (these are test diagnostics and short names). */
static inline void
prom_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static inline bool
prom_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

static inline void
prom_end_series(struct prom_check *p, const char *line)
{
	if (p->in_series)
		PROM_FAIL(p, "histogram %s series {%s} has no _count (at: %s)", p->cur, p->series,
		          line);
}

/* Parses `{k="v",...}` at s into labels-without-le and le; returns the
 * position after the closing brace, or NULL (p->err set). */
static inline const char *
prom_labels(struct prom_check *p, const char *s, const char *line, char *rest, size_t cap,
            char *le, size_t lecap)
{
	const char *why = NULL;
	size_t r = 0;

	rest[0] = le[0] = '\0';
	if (*s != '{')
		return s;
	s++;
	while (*s != '}' && why == NULL) {
		char key[64], val[256];
		size_t k = 0, v = 0;
		while (prom_name_char(*s, k == 0) && k + 1 < sizeof(key))
			key[k++] = *s++;
		key[k] = '\0';
		if (k == 0 || *s++ != '=' || *s++ != '"') {
			why = "bad label";
			break;
		}
		while (*s != '"' && why == NULL) {
			if (*s == '\0' || *s == '\n')
				why = "unterminated label value";
			else if (*s == '\\' && s[1] != '\\' && s[1] != '"' && s[1] != 'n')
				why = "bad escape";
			else if (*s == '\\')
				s++;
			if (why == NULL) {
				if (v + 1 < sizeof(val))
					val[v++] = *s;
				s++;
			}
		}
		if (why)
			break;
		val[v] = '\0';
		s++;
		if (strcmp(key, "le") == 0)
			prom_copy(le, lecap, val);
		else if (r < cap)
			r += (size_t)snprintf(rest + r, cap - r, "%s%s=\"%s\"", r ? "," : "", key, val);
		if (*s == ',')
			s++;
		else if (*s != '}')
			why = "bad label list";
	}
	if (why) {
		snprintf(p->err, sizeof(p->err), "%s in: %s", why, line);
		return NULL;
	}
	return s + 1;
}

static inline bool
prom_strip(char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	if (n <= m || strcmp(name + n - m, suffix) != 0)
		return false;
	name[n - m] = '\0';
	return true;
}

static inline void
prom_sample(struct prom_check *p, const char *line)
{
	char name[128], base[128], rest[512], le[64], *end;
	size_t n = 0;
	const char *s = line;

	while (prom_name_char(*s, n == 0) && n + 1 < sizeof(name))
		name[n++] = *s++;
	name[n] = '\0';
	if (n == 0)
		PROM_FAIL(p, "not a sample: %s", line);
	if ((s = prom_labels(p, s, line, rest, sizeof(rest), le, sizeof(le))) == NULL)
		return;
	if (*s++ != ' ')
		PROM_FAIL(p, "no value in: %s", line);
	double val = strtod(s, &end);
	if (end == s || *end != '\n')
		PROM_FAIL(p, "bad value in: %s", line);
	if (!p->typed)
		PROM_FAIL(p, "sample before # HELP/# TYPE of its family: %s", line);
	snprintf(base, sizeof(base), "%s", name);
	bool hist = strcmp(p->type, "histogram") == 0;
	if (!hist) {
		if (strcmp(name, p->cur) != 0)
			PROM_FAIL(p, "sample %s inside family %s", name, p->cur);
		p->sampled = true;
		return;
	}
	bool bucket = prom_strip(base, "_bucket"), sum = !bucket && prom_strip(base, "_sum"),
	     count = !bucket && !sum && prom_strip(base, "_count");
	if (!(bucket || sum || count) || strcmp(base, p->cur) != 0)
		PROM_FAIL(p, "sample %s inside histogram %s", name, p->cur);
	p->sampled = true;
	if (bucket) {
		if (le[0] == '\0')
			PROM_FAIL(p, "bucket without le: %s", line);
		if (!p->in_series || strcmp(rest, p->series) != 0) {
			prom_end_series(p, line);
			if (p->err[0])
				return;
			snprintf(p->series, sizeof(p->series), "%s", rest);
			p->in_series = true;
			p->has_inf = p->has_sum = false;
			p->last_le = -1;
			p->last_bucket = 0;
		}
		if (p->has_inf)
			PROM_FAIL(p, "bucket after +Inf: %s", line);
		double b = strcmp(le, "+Inf") == 0 ? 1e308 : strtod(le, NULL);
		if (!(b > p->last_le))
			PROM_FAIL(p, "le not increasing: %s", line);
		if (val < p->last_bucket)
			PROM_FAIL(p, "buckets not cumulative: %s", line);
		p->last_le = b;
		p->last_bucket = val;
		if (strcmp(le, "+Inf") == 0) {
			p->has_inf = true;
			p->inf = val;
		}
		return;
	}
	if (!p->in_series || strcmp(rest, p->series) != 0 || !p->has_inf)
		PROM_FAIL(p, "%s without its buckets up to +Inf: %s", sum ? "_sum" : "_count", line);
	if (sum) {
		p->has_sum = true;
		return;
	}
	if (!p->has_sum)
		PROM_FAIL(p, "_count before _sum: %s", line);
	if (val != p->inf)
		PROM_FAIL(p, "_count %g differs from the +Inf bucket %g: %s", val, p->inf, line);
	p->in_series = false;
}

/* Checks text into p (p->err says the first violation, if any). */
static inline void
prom_scan(struct prom_check *p, const char *text)
{
	char line[1024];

	memset(p, 0, sizeof(*p));
	if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
		PROM_FAIL(p, "the page does not end with a newline");
	for (const char *s = text; *s && !p->err[0];) {
		const char *nl = strchr(s, '\n');
		size_t n = (size_t)(nl - s) + 1;
		if (n >= sizeof(line))
			PROM_FAIL(p, "line too long");
		memcpy(line, s, n);
		line[n] = '\0';
		s = nl + 1;
		char name[128], word[32];
		if (strncmp(line, "# HELP ", 7) == 0) {
			if (sscanf(line + 7, "%127s", name) != 1)
				PROM_FAIL(p, "bad HELP: %s", line);
			prom_end_series(p, line);
			for (size_t i = 0; i < p->n; i++)
				if (strcmp(p->families[i], name) == 0)
					PROM_FAIL(p, "family %s appears twice (again at: %s)", name, line);
			if (p->n >= PROM_MAX_FAMILIES)
				PROM_FAIL(p, "too many families");
			snprintf(p->families[p->n++], sizeof(p->families[0]), "%s", name);
			snprintf(p->cur, sizeof(p->cur), "%s", name);
			p->typed = p->sampled = false;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			if (sscanf(line + 7, "%127s %31s", name, word) != 2)
				PROM_FAIL(p, "bad TYPE: %s", line);
			if (strcmp(name, p->cur) != 0 || p->typed || p->sampled)
				PROM_FAIL(p, "# TYPE out of place: %s", line);
			if (strcmp(word, "counter") && strcmp(word, "gauge") &&
			    strcmp(word, "histogram") && strcmp(word, "summary") &&
			    strcmp(word, "untyped"))
				PROM_FAIL(p, "unknown type: %s", line);
			prom_copy(p->type, sizeof(p->type), word);
			p->typed = true;
		} else if (line[0] == '#') {
			PROM_FAIL(p, "unexpected comment: %s", line);
		} else {
			prom_sample(p, line);
		}
	}
	prom_end_series(p, "end of page");
}

/* Fails the test on the first violation; fills p for further checks. */
static inline void
prom_check(struct prom_check *p, const char *text)
{
	prom_scan(p, text);
	if (p->err[0])
		fail_msg("%s\n--- page ---\n%s", p->err, text);
}

static inline bool
prom_has_family(const struct prom_check *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->families[i], name) == 0)
			return true;
	return false;
}

/* The secret 0x01…01 (see tests/unit/config/test_config.c). */
#define TZ1 "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH"
/* A generic transaction (tests/integration/test_secrets.sh). */
#define TX_HEX                                                                               \
	"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d4" \
	"54a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5" \
	"aa63c00"

static inline char *
tmpdir(void)
{
	char tmpl[] = "/tmp/sigil-test-ctx-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	char *d = strdup(tmpl);
	assert_non_null(d);
	return d;
}

static inline void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

#endif
