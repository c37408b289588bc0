/* Hooks for the tests: fault points and behaviours that only a test asks
 * for. They exist when the build defines SIGIL_TEST_HOOKS (`make check`
 * does; `make run` and release builds do not), and then act only when the
 * environment names them. Without it every hook compiles away. None makes
 * sigil less strict: a crash point kills the process, and the vault flag
 * makes signatures unreproducible, which the signing path must then
 * handle. */
#ifndef SIGIL_TESTHOOK_H
#define SIGIL_TESTHOOK_H
#include <stdbool.h>

#ifdef SIGIL_TEST_HOOKS
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* True when the environment variable name is "1". */
static inline bool
sigil_test_flag(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && strcmp(v, "1") == 0;
}

/* True when the environment variable name holds exactly value. */
static inline bool
sigil_test_named(const char *name, const char *value)
{
	const char *v = getenv(name);
	return v != NULL && strcmp(v, value) == 0;
}

/* SIGKILLs the process when SIGIL_TEST_CRASH_AT names this point: the
 * harshest crash, with nothing flushed or stored after it. */
static inline void
sigil_test_crash_point(const char *point)
{
	const char *v = getenv("SIGIL_TEST_CRASH_AT");
	if (v != NULL && strcmp(v, point) == 0)
		raise(SIGKILL);
}
#else
static inline bool
sigil_test_flag(const char *name)
{
	(void)name;
	return false;
}

static inline bool
sigil_test_named(const char *name, const char *value)
{
	(void)name;
	(void)value;
	return false;
}

static inline void
sigil_test_crash_point(const char *point)
{
	(void)point;
}
#endif

#endif
