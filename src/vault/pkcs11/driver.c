/* The pkcs11 vault as a driver (vault.h, registry.c): its settings, with
 * Signatory's names and environment variables. */
#include "vault/pkcs11/pkcs11.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/secmem.h"

static const struct setting_spec p11_settings[] = {
	{.key = "library_path", .type = SETTING_PATH},
	{.key = "pin", .type = SETTING_STRING},
	{.key = "pin_file", .type = SETTING_PATH},
	{.key = "slot", .type = SETTING_UINT, .min = 0, .max = 0xffffffffu},
	{.key = "token_label", .type = SETTING_STRING},
	{.key = "label", .type = SETTING_STRING},
	{.key = "object_id", .type = SETTING_STRING},
	{.key = "sessions", .type = SETTING_UINT, .min = 1, .max = P11_SESSIONS_MAX},
};
#define P11_N_SETTINGS (sizeof(p11_settings) / sizeof(p11_settings[0]))

/* The setting key, else the environment variable env (Signatory's), else
 * NULL. */
static const char *
p11_get(const struct settings *s, const char *key, const char *env)
{
	const char *v = settings_get(s, key);
	if (v != NULL && v[0])
		return v;
	v = env ? getenv(env) : NULL;
	return v != NULL && v[0] ? v : NULL;
}

/* The PIN: pin, PKCS11_PIN, or the first line of pin_file, into locked
 * memory. Never printed. */
static int
p11_pin(const struct settings *s, struct p11_params *p, char *err, size_t errlen)
{
	const char *pin = p11_get(s, "pin", "PKCS11_PIN"), *file = settings_get(s, "pin_file");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if ((p->pin = secmem_alloc(256)) == NULL)
		return SIGIL_E_NOMEM;
	p->pin[0] = '\0';
	if (pin != NULL) {
		if (strlen(pin) >= 256) {
			snprintf(err, errlen, "pin: too long");
			return SIGIL_E_INVALID;
		}
		memcpy(p->pin, pin, strlen(pin) + 1);
		return 0;
	}
	if (file == NULL || !file[0])
		return 0; /* a token without a PIN, or one that asks for none */
	if ((rc = fileio_read(file, 4096, &buf, &len)) != 0) {
		snprintf(err, errlen, "pin_file %s: %s", file, sigil_strerror(rc));
		return rc;
	}
	size_t n = 0;
	while (n < len && buf[n] != '\n' && buf[n] != '\r' && n < 255)
		n++;
	memcpy(p->pin, buf, n);
	p->pin[n] = '\0';
	sodium_memzero(buf, len);
	free(buf);
	return 0;
}

int
p11_params_read(const struct vault_config *cfg, struct p11_params *p, char *err, size_t errlen)
{
	const struct settings *s = cfg->settings;
	const char *lib = p11_get(s, "library_path", "PKCS11_PATH");
	const char *slot = p11_get(s, "slot", "PKCS11_SLOT");
	const char *tok = settings_get(s, "token_label"), *label = p11_get(s, "label", "PKCS11_LABEL");
	const char *id = p11_get(s, "object_id", "PKCS11_OBJECT_ID");
	const char *sessions = settings_get(s, "sessions");
	int rc;

	memset(p, 0, sizeof(*p));
	if (lib == NULL) {
		snprintf(err, errlen, "vault %s: library_path (or PKCS11_PATH) names no module",
		         cfg->name);
		return SIGIL_E_INVALID;
	}
	if (snprintf(p->library, sizeof(p->library), "%s", lib) >= (int)sizeof(p->library) ||
	    (tok && snprintf(p->token_label, sizeof(p->token_label), "%s", tok) >=
	                (int)sizeof(p->token_label)) ||
	    (label && snprintf(p->label, sizeof(p->label), "%s", label) >= (int)sizeof(p->label))) {
		snprintf(err, errlen, "vault %s: library_path, token_label or label too long",
		         cfg->name);
		return SIGIL_E_INVALID;
	}
	if (slot != NULL) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(slot, &end, 10);
		if (errno || *end || end == slot) {
			snprintf(err, errlen, "vault %s: slot: not a number", cfg->name);
			return SIGIL_E_INVALID;
		}
		p->has_slot = true;
		p->slot = v;
	}
	if (id != NULL) {
		size_t n = strlen(id);
		if (n == 0 || hex_decode(id, n, p->id, sizeof(p->id), &p->id_len) != 0) {
			snprintf(err, errlen, "vault %s: object_id: not hex of 1 to %zu bytes", cfg->name,
			         sizeof(p->id));
			return SIGIL_E_INVALID;
		}
	}
	if (sessions != NULL) {
		p->sessions = (unsigned)strtoul(sessions, NULL, 10);
	} else {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		p->sessions = ncpu > 0 ? (unsigned)ncpu : 2;
	}
	if (p->sessions == 0 || p->sessions > P11_SESSIONS_MAX)
		p->sessions = P11_SESSIONS_MAX;
	if ((rc = p11_pin(s, p, err, errlen)) != 0)
		p11_params_free(p);
	return rc;
}

void
p11_params_free(struct p11_params *p)
{
	secmem_free(p->pin);
	p->pin = NULL;
}

const struct vault_driver vault_pkcs11_driver = {
	.name = "pkcs11",
	/* A token's signature is made where sigil cannot see: checked. */
	.verify_default = true,
	.settings = p11_settings,
	.n_settings = P11_N_SETTINGS,
	.open = vault_pkcs11_open,
	.generate = vault_pkcs11_generate,
	.add = vault_pkcs11_add,
};
