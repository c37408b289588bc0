/* Logging to stderr, as text or one JSON object per line.
 * Never pass key material, passphrases or tokens to these functions.
 *
 * Whatever the strings hold, one call writes exactly one line, with one
 * write(2). Text lines are printable ASCII: '\\' becomes "\\\\", LF, CR and
 * TAB "\\n", "\\r", "\\t", any other byte outside 0x20..0x7e "\\xNN". An
 * audit value is written bare when it is only printable ASCII other than
 * space, '"', '\\' and '=', else in double quotes (with '"' as "\\\"").
 * JSON lines always parse: control characters are escaped and bytes that
 * are not well-formed UTF-8 become \ufffd. */
#ifndef SIGIL_LOG_H
#define SIGIL_LOG_H
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Both may be called while other threads log (a reload applies log.*). */
void log_set_level(enum log_level lvl);
void log_set_json(bool json);
/* Parses "debug|info|warn|error"; -1 when unknown. */
int log_level_from_name(const char *name);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An audit record: fields as alternating key, value strings, NULL-terminated.
 * Keys are identifiers from the code; values may be anything (a NULL or
 * empty value leaves its field out). */
void log_audit(const char *first_key, ...) __attribute__((sentinel));

/* Where lines go (log_out.c). Until log_out_async_start, each is written
 * at once with one write(2). After it, info and debug lines are gathered by
 * a writer thread and leave in batches a couple of milliseconds later;
 * warnings and errors are still written at once, after everything gathered
 * before them. log_out_async_stop writes what is left and goes back to
 * writing at once. */
void log_out_write(const char *p, size_t len, bool urgent);
int log_out_async_start(void);
void log_out_async_stop(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
