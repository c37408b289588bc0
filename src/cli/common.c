#include "cli/common.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/errors.h"
#include "base/secmem.h"
#include "vault/vault.h"

int
cli_load_config(struct sigil_config **cfg)
{
	char err[512] = "";
	int rc = config_load(cli_opts.config, cfg, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "sigil: config: %s\n", err[0] ? err : sigil_strerror(rc));
	return rc;
}

int
cli_prompt_secret(const char *prompt, char *out, size_t cap)
{
	struct termios old, noecho;
	size_t n;

	out[0] = '\0';
	if (!isatty(STDIN_FILENO))
		return SIGIL_E_NOT_FOUND;
	fprintf(stderr, "%s", prompt);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return SIGIL_E_IO;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	char *got = fgets(out, (int)cap, stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (got == NULL)
		return SIGIL_E_IO;
	n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return 0;
}

/* A vault whose driver can store keys. */
static bool
cli_vault_can_add(const struct config_vault *v)
{
	const struct vault_driver *d = vault_driver_find(v->driver);
	return d != NULL && (d->add != NULL || d->generate != NULL);
}

const struct config_vault *
cli_vault_pick(const struct sigil_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_vaults; i++)
		if ((name == NULL && cli_vault_can_add(&cfg->vaults[i])) ||
		    (name && strcmp(cfg->vaults[i].name, name) == 0))
			return cli_vault_can_add(&cfg->vaults[i]) ? &cfg->vaults[i] : NULL;
	return NULL;
}

int
cli_vault_target(const struct sigil_config *cfg, const char *name, char *path, size_t pathcap,
                 char *pass, size_t passcap, const struct config_vault **out)
{
	const struct config_vault *v = cli_vault_pick(cfg, name);
	int rc;

	*out = NULL;
	if (v == NULL) {
		fprintf(stderr, "sigil: no vault%s%s that can store keys in the configuration\n",
		        name ? " named " : "", name ? name : "");
		return SIGIL_E_NOT_FOUND;
	}
	*out = v;
	/* The vault's file, for a driver that keeps one (the file vault). */
	const char *rel = settings_get(&v->settings, "path");
	if (rel == NULL)
		path[0] = '\0';
	else if ((rc = config_resolve_path(cfg, rel, path, pathcap)) != 0) {
		fprintf(stderr, "sigil: vault %s: bad path\n", v->name);
		return rc;
	}
	/* A driver that reads no passphrase (an HSM has its PIN) asks for none. */
	const struct vault_driver *d = vault_driver_find(v->driver);
	bool reads_pass = false;
	for (size_t i = 0; d != NULL && i < d->n_settings; i++)
		reads_pass = reads_pass || strcmp(d->settings[i].key, "passphrase_file") == 0;
	if (!reads_pass) {
		pass[0] = '\0';
		return 0;
	}
	rc = config_vault_passphrase(cfg, v, pass, passcap);
	/* A key holder whose KEK comes from elsewhere (a TPM) asks for none. */
	const char *provider = settings_get(&v->settings, "credentials.provider");
	if (rc == SIGIL_E_NOT_FOUND && provider != NULL && strcmp(provider, "passphrase") != 0) {
		pass[0] = '\0';
		return 0;
	}
	if (rc == SIGIL_E_NOT_FOUND && access(path, F_OK) != 0) {
		/* A new vault: a typo here would make its first key unrecoverable,
		 * so the passphrase is asked twice. */
		char *again = secmem_alloc(passcap);
		if (again == NULL)
			return SIGIL_E_NOMEM;
		rc = cli_prompt_secret("new vault passphrase: ", pass, passcap);
		if (rc == 0 && pass[0] == '\0') {
			fprintf(stderr, "sigil: the passphrase is empty\n");
			rc = SIGIL_E_PASSPHRASE;
		}
		if (rc == 0 && (rc = cli_prompt_secret("again: ", again, passcap)) == 0 &&
		    (strlen(pass) != strlen(again) || sodium_memcmp(pass, again, strlen(pass)) != 0)) {
			fprintf(stderr, "sigil: the passphrases differ\n");
			rc = SIGIL_E_PASSPHRASE;
		}
		secmem_free(again);
		if (rc != 0)
			sodium_memzero(pass, passcap);
		return rc;
	} else if (rc == SIGIL_E_NOT_FOUND) {
		rc = cli_prompt_secret("vault passphrase: ", pass, passcap);
	}
	if (rc != 0)
		fprintf(stderr, "sigil: vault %s: no passphrase (set SIGIL_PASSPHRASE or "
		                "passphrase_file)\n", v->name);
	return rc;
}
