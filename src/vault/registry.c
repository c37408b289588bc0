/* The vault drivers sigil knows, by name: one line each. */
#include "vault/vault.h"
#include "vault/registry_test.h"
#include "vault/enclave/enclave.h"
#include "vault/file/file.h"
#include "vault/memory/memory.h"
#include "vault/pkcs11/pkcs11.h"

#include <string.h>

static const struct vault_driver *const vault_drivers[] = {
	&vault_file_driver,
	&vault_enclave_driver,
	&vault_pkcs11_driver,
	&vault_memory_driver,
};

/* registry_test.h: one more driver, set by a test before anything opens. */
static const struct vault_driver *vault_test_driver;

void
vault_driver_add_for_tests(const struct vault_driver *d)
{
	vault_test_driver = d;
}

const struct vault_driver *
vault_driver_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(vault_drivers) / sizeof(vault_drivers[0]); i++)
		if (strcmp(vault_drivers[i]->name, name) == 0)
			return vault_drivers[i];
	if (name != NULL && vault_test_driver != NULL && strcmp(vault_test_driver->name, name) == 0)
		return vault_test_driver;
	return NULL;
}
