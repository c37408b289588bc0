/* The table of KEK providers (kek.h): one line each. */
#include "enclave/kek/kek.h"

#include <string.h>

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
