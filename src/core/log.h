/* Logging to stderr, as text or one JSON object per line.
 * Never pass key material, passphrases or tokens to these functions. */
#ifndef SIGIL_LOG_H
#define SIGIL_LOG_H
#include <stdbool.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
void log_set_json(bool json);
/* Parses "debug|info|warn|error"; -1 when unknown. */
int log_level_from_name(const char *name);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An audit record: fields as alternating key, value strings, NULL-terminated. */
void log_audit(const char *first_key, ...) __attribute__((sentinel));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
