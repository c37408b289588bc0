#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static void
log_stamp(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Writes s as the body of a JSON string (without quotes). */
static void
log_json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char msg[1024], ts[40];
	va_list ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_stamp(ts, sizeof(ts));
	pthread_mutex_lock(&log_mu);
	if (log_json) {
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts, log_names[lvl]);
		log_json_str(stderr, msg);
		fputs("\"}\n", stderr);
	} else {
		fprintf(stderr, "%s %-5s %s\n", ts, log_names[lvl], msg);
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_mu);
}

void
log_audit(const char *first_key, ...)
{
	char ts[40];
	va_list ap;

	if (LOG_INFO < log_min)
		return;
	log_stamp(ts, sizeof(ts));
	pthread_mutex_lock(&log_mu);
	if (log_json)
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"audit\"", ts);
	else
		fprintf(stderr, "%s info  audit", ts);
	va_start(ap, first_key);
	for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		if (v == NULL || v[0] == '\0')
			continue; /* absent fields are left out, not printed empty */
		if (log_json) {
			fprintf(stderr, ",\"%s\":\"", k);
			log_json_str(stderr, v);
			fputc('"', stderr);
		} else {
			fprintf(stderr, " %s=%s", k, v);
		}
	}
	va_end(ap);
	fputs(log_json ? "}\n" : "\n", stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_mu);
}
