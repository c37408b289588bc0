/* The file vault as a driver (vault.h, registry.c): the encrypted JSON file
 * of vault/file/vault.c. */
#include "vault/vault.h"
#include "vault/file/file.h"

#include <stdio.h>

#include "base/errors.h"

/* The vault's `config:` map: the file, and where its passphrase is (read by
 * core/context.c, like every driver's passphrase_file). */
const struct setting_spec vault_file_settings[VAULT_FILE_N_SETTINGS] = {
	{.key = "path", .type = SETTING_PATH, .required = true},
	{.key = "passphrase_file", .type = SETTING_PATH},
};

static const char *
vf_path(const struct vault_config *cfg)
{
	const char *path = settings_get(cfg->settings, "path");
	return path ? path : "";
}

static int
vf_driver_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	const char *path = vf_path(cfg);
	int rc = vault_file_open(path, cfg->passphrase, cfg->codec, out);
	if (rc == SIGIL_E_PASSPHRASE && cfg->passphrase[0] == '\0')
		snprintf(err, errlen, "vault %s (%s): no passphrase given (set SIGIL_PASSPHRASE, "
		         "or passphrase_file in the vault's config)", cfg->name, path);
	else if (rc != 0)
		snprintf(err, errlen, "vault %s (%s): %s", cfg->name, path, sigil_strerror(rc));
	return rc;
}

static int
vf_driver_add(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
              const uint8_t *sk, size_t sklen, struct vault_key *info, char *err, size_t errlen)
{
	const char *path = vf_path(cfg);
	int rc = vault_file_add_sized(path, cfg->passphrase, cfg->codec, key_name, t, sk, sklen,
	                              info);
	if (rc != 0)
		snprintf(err, errlen, "cannot add key to %s: %s%s", path, sigil_strerror(rc),
		         rc == SIGIL_E_INVALID ? " (a key with that name or public key exists?)" : "");
	return rc;
}

const struct vault_driver vault_file_driver = {
	.name = "file",
	.settings = vault_file_settings,
	.n_settings = VAULT_FILE_N_SETTINGS,
	.open = vf_driver_open,
	.add = vf_driver_add,
};
