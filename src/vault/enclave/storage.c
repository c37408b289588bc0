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

bool
enclave_storage_pkh_ok(const char *p, size_t len)
{
	if (len == 0 || len >= ENCLAVE_PKH_MAX || strlen(p) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return false;
	return true;
}
