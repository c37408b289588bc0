/* Secrets given in environment variables (a container's way: the Atto
 * signer's ATTO_SIGNER_KEY and ATTO_SIGNER_TOKEN): the value is moved into
 * locked memory the first time it is asked for, wiped in the environment
 * (whose pages /proc/PID/environ and a core would show) and unset. The
 * copy stays for the life of the process, so that a reload (SIGHUP) still
 * finds it. */
#ifndef SIGIL_BASE_SECENV_H
#define SIGIL_BASE_SECENV_H
#include <stddef.h>

#define SECENV_MAX 16     /* variables kept */
#define SECENV_LEN_MAX 2048 /* a longer value is refused, and wiped all the same */

/* The value of variable name, from the environment or the copy taken
 * before; NULL when neither has it (or it is too long: then *too_long is
 * set when too_long is not NULL). The pointer stays valid for the life of
 * the process; never write to it, never log it. */
const char *secenv_take(const char *name, int *too_long);

#endif
