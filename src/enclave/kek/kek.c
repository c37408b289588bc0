/* The table of KEK providers (kek.h): one line each. */
#include "enclave/kek/kek.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"

static const struct kek_provider *const kek_providers[] = {
	&kek_passphrase,
	&kek_tpm2,
};

const struct kek_provider *
kek_provider_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(kek_providers) / sizeof(kek_providers[0]); i++)
		if (strcmp(kek_providers[i]->name, name) == 0)
			return kek_providers[i];
	return NULL;
}

int
kek_state_path(const struct kek_env *env, const char *provider, const char *file, char *path,
               size_t cap, char *err, size_t errlen)
{
	int n;

	if (env == NULL || env->state_dir == NULL || env->state_dir[0] == '\0') {
		snprintf(err, errlen, "the %s KEK provider needs a state directory", provider);
		return SIGIL_E_INVALID;
	}
	n = snprintf(path, cap, "%s/%s", env->state_dir, file);
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errlen, "the state directory's path is too long");
		return SIGIL_E_INVALID;
	}
	return 0;
}
