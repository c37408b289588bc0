/* The file vault as a driver (vault.h, registry.c): the encrypted JSON file
 * of vault/file/vault.c. */
#include "vault/vault.h"
#include "vault/file/file.h"

#include <stdio.h>

#include "base/errors.h"

static int
vf_driver_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	int rc = vault_file_open(cfg->path, cfg->passphrase, cfg->codec, out);
	if (rc == SIGIL_E_PASSPHRASE && cfg->passphrase[0] == '\0')
		snprintf(err, errlen, "vault %s (%s): no passphrase given (set SIGIL_PASSPHRASE, "
		         "or passphrase_file in the vault's config)", cfg->name, cfg->path);
	else if (rc != 0)
		snprintf(err, errlen, "vault %s (%s): %s", cfg->name, cfg->path, sigil_strerror(rc));
	return rc;
}

static int
vf_driver_add(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
              const uint8_t sk[static SIGIL_SECRET_LEN], struct vault_key *info, char *err,
              size_t errlen)
{
	int rc = vault_file_add(cfg->path, cfg->passphrase, cfg->codec, key_name, t, sk, info);
	if (rc != 0)
		snprintf(err, errlen, "cannot add key to %s: %s%s", cfg->path, sigil_strerror(rc),
		         rc == SIGIL_E_INVALID ? " (a key with that name or public key exists?)" : "");
	return rc;
}

const struct vault_driver vault_file_driver = {
	.name = "file",
	.open = vf_driver_open,
	.add = vf_driver_add,
};
