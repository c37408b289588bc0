/* The vault drivers sigil knows, by name: one line each. */
#include "vault/vault.h"

#include <string.h>

extern const struct vault_driver vault_file_driver;

static const struct vault_driver *const vault_drivers[] = {
	&vault_file_driver,
};

const struct vault_driver *
vault_driver_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(vault_drivers) / sizeof(vault_drivers[0]); i++)
		if (strcmp(vault_drivers[i]->name, name) == 0)
			return vault_drivers[i];
	return NULL;
}
