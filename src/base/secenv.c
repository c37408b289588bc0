/* Secrets from the environment (secenv.h). */
#include "base/secenv.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/secmem.h"

struct secenv_var {
	char name[64];
	char *value; /* locked memory */
};
static struct secenv_var secenv_vars[SECENV_MAX];
static pthread_mutex_t secenv_mu = PTHREAD_MUTEX_INITIALIZER;

const char *
secenv_take(const char *name, int *too_long)
{
	const char *out = NULL;
	size_t k;

	if (too_long != NULL)
		*too_long = 0;
	if (name == NULL || strlen(name) >= sizeof(secenv_vars[0].name))
		return NULL;
	pthread_mutex_lock(&secenv_mu);
	for (k = 0; k < SECENV_MAX && secenv_vars[k].value != NULL; k++)
		if (strcmp(secenv_vars[k].name, name) == 0)
			break;
	char *env = getenv(name);
	if (env != NULL) {
		size_t len = strlen(env);
		char *copy = len <= SECENV_LEN_MAX && k < SECENV_MAX ? secmem_alloc(len + 1) : NULL;
		if (copy != NULL) {
			memcpy(copy, env, len + 1);
			if (secenv_vars[k].value != NULL)
				secmem_free(secenv_vars[k].value);
			memcpy(secenv_vars[k].name, name, strlen(name) + 1);
			secenv_vars[k].value = copy;
		} else if (len > SECENV_LEN_MAX && too_long != NULL) {
			*too_long = 1;
		}
		/* Wiped whatever became of it: an unusable secret is still one. */
		sodium_memzero(env, len);
		unsetenv(name);
	}
	if (k < SECENV_MAX && secenv_vars[k].value != NULL &&
	    strcmp(secenv_vars[k].name, name) == 0)
		out = secenv_vars[k].value;
	pthread_mutex_unlock(&secenv_mu);
	return out;
}
