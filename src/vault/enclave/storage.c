/* The table of the enclave vault's storage drivers (storage.h). */
#include "vault/enclave/storage.h"

#include <string.h>

static const struct enclave_storage_ops *const enclave_storages[] = {
	&enclave_storage_file,
	&enclave_storage_postgres,
};

const struct enclave_storage_ops *
enclave_storage_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(enclave_storages) / sizeof(enclave_storages[0]); i++)
		if (strcmp(enclave_storages[i]->name, name) == 0)
			return enclave_storages[i];
	return NULL;
}
