#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_min = LOG_INFO;
static bool log_json;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level lvl) { log_min = lvl; }
void log_set_json(bool json) { log_json = json; }

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
 * the formatting. Lines longer than the stack buffer move to the heap. */
struct log_line {
	char stack[2048];
	char *p;
	size_t len, cap;
};

static void
log_line_init(struct log_line *l)
{
	l->p = l->stack;
	l->len = 0;
	l->cap = sizeof(l->stack);
}

static void
log_grow(struct log_line *l, size_t need)
{
	size_t cap = l->cap;
	while (cap - l->len < need)
		cap *= 2;
	char *p = l->p == l->stack ? malloc(cap) : realloc(l->p, cap);
	if (p == NULL)
		return;
	if (l->p == l->stack)
		memcpy(p, l->stack, l->len);
	l->p = p;
	l->cap = cap;
}

static void
log_put(struct log_line *l, const char *s, size_t n)
{
	if (l->cap - l->len < n + 1)
		log_grow(l, n + 1);
	if (l->cap - l->len < n + 1)
		return; /* out of memory: the line is cut, never overrun */
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void
log_puts(struct log_line *l, const char *s)
{
	log_put(l, s, strlen(s));
}

/* Appends s as the body of a JSON string (without quotes). */
static void
log_put_json(struct log_line *l, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		log_put(l, run, (size_t)(s - run));
		char esc[8];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		log_puts(l, esc);
		run = s + 1;
	}
	log_put(l, run, (size_t)(s - run));
}

static void
log_start(struct log_line *l, enum log_level lvl)
{
	char ts[48];
	struct timespec now;
	struct tm tm;

	log_line_init(l);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);
	if (log_json) {
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
	log_puts(l, "\n");
	pthread_mutex_lock(&log_mu);
	for (size_t off = 0; off < l->len;) {
		ssize_t n = write(STDERR_FILENO, l->p + off, l->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	pthread_mutex_unlock(&log_mu);
	if (l->p != l->stack)
		free(l->p);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct log_line l;
	char msg[1024];
	va_list ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_start(&l, lvl);
	if (log_json) {
		log_put_json(&l, msg);
		log_puts(&l, "\"}");
	} else {
		log_puts(&l, msg);
	}
	log_finish(&l);
}

void
log_audit(const char *first_key, ...)
{
	struct log_line l;
	va_list ap;

	if (LOG_INFO < log_min)
		return;
	log_start(&l, LOG_INFO);
	log_puts(&l, log_json ? "audit\"" : "audit");
	va_start(ap, first_key);
	for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		if (v == NULL || v[0] == '\0')
			continue; /* absent fields are left out, not printed empty */
		if (log_json) {
			log_puts(&l, ",\"");
			log_puts(&l, k);
			log_puts(&l, "\":\"");
			log_put_json(&l, v);
			log_puts(&l, "\"");
		} else {
			log_puts(&l, " ");
			log_puts(&l, k);
			log_puts(&l, "=");
			log_puts(&l, v);
		}
	}
	va_end(ap);
	if (log_json)
		log_puts(&l, "}");
	log_finish(&l);
}
