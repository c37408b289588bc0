/* The memory vault (memory.h). */
#include "vault/memory/memory.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/secenv.h"
#include "base/secmem.h"

struct vault_memory {
	struct vault base;
	struct vault_key key;
	struct sigil_key *secret; /* freed (and wiped) by vm_close */
};

static const struct setting_spec vm_settings[] = {
	{.key = "seed_env", .type = SETTING_STRING, .required = true},
	{.key = "name", .type = SETTING_STRING, .dflt = "atto"},
};

static size_t
vm_count(const struct vault *v)
{
	(void)v;
	return 1;
}

static const struct vault_key *
vm_key(const struct vault *v, size_t i)
{
	return i == 0 ? &((const struct vault_memory *)v)->key : NULL;
}

static int
vm_sign(struct vault *v, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
        const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct vault_memory *m = (struct vault_memory *)v;

	(void)dl; /* in memory: nothing to wait for */
	memset(out, 0, sizeof(*out));
	out->recid = -1; /* Ed25519 has none */
	if (i != 0)
		return SIGIL_E_UNKNOWN_KEY;
	return sigil_key_sign(m->secret, scheme, msg, len, out->sig, &out->len);
}

static int
vm_commit(struct vault *v, size_t i, const uint8_t *msg, size_t len,
          uint8_t nonce[static SIGIL_ED25519_NONCE_LEN])
{
	if (i != 0)
		return SIGIL_E_UNKNOWN_KEY;
	return sigil_ed25519_commit(((struct vault_memory *)v)->secret, msg, len, nonce);
}

static int
vm_sign_committed(struct vault *v, size_t i, const uint8_t nonce[static SIGIL_ED25519_NONCE_LEN],
                  const uint8_t *msg, size_t len, uint8_t sig[static SIGIL_SIG_MAX],
                  size_t *siglen)
{
	int rc;

	*siglen = 0;
	memset(sig, 0, SIGIL_SIG_MAX);
	if (i != 0)
		return SIGIL_E_UNKNOWN_KEY;
	if ((rc = sigil_ed25519_finish(((struct vault_memory *)v)->secret, nonce, msg, len, sig)) ==
	    0)
		*siglen = 64;
	return rc;
}

static void
vm_close(struct vault *v)
{
	struct vault_memory *m = (struct vault_memory *)v;

	if (m == NULL)
		return;
	sigil_key_free(m->secret);
	free(m);
}

static const struct vault_ops vault_memory_ops = {
	.name = "memory",
	.local = true,
	.count = vm_count,
	.key = vm_key,
	.sign = vm_sign,
	.commit = vm_commit,
	.sign_committed = vm_sign_committed,
	.close = vm_close,
};

static int
vm_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	const char *var = settings_get(cfg->settings, "seed_env");
	const char *name = settings_get(cfg->settings, "name");
	struct vault_memory *m = NULL;
	uint8_t *seed = NULL;
	size_t n = 0;
	int too_long = 0, rc;

	*out = NULL;
	const char *hex = secenv_take(var, &too_long);
	/* Never the value in a message: it is the secret. */
	if (hex == NULL) {
		snprintf(err, errlen, "vault %s: %s is not set%s", cfg->name, var ? var : "seed_env",
		         too_long ? " (or too long)" : "");
		return SIGIL_E_NOT_FOUND;
	}
	if ((seed = secmem_alloc(SIGIL_SECRET_LEN)) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL) {
		rc = SIGIL_E_NOMEM;
		snprintf(err, errlen, "vault %s: %s", cfg->name, sigil_strerror(rc));
		goto out;
	}
	if (strlen(hex) != 2 * SIGIL_SECRET_LEN ||
	    hex_decode(hex, 2 * SIGIL_SECRET_LEN, seed, SIGIL_SECRET_LEN, &n) != 0 ||
	    n != SIGIL_SECRET_LEN) {
		rc = SIGIL_E_INVALID;
		snprintf(err, errlen, "vault %s: %s is not a 32-byte Ed25519 seed in hex (64 digits)",
		         cfg->name, var);
		goto out;
	}
	m->base.ops = &vault_memory_ops;
	m->key.type = SIGIL_KEY_ED25519;
	m->key.deterministic = true; /* RFC 8032 */
	snprintf(m->key.name, sizeof(m->key.name), "%s", name ? name : "atto");
	if ((rc = sigil_pubkey(SIGIL_KEY_ED25519, seed, m->key.pk, &m->key.pk_len)) != 0 ||
	    (rc = sigil_key_new(SIGIL_KEY_ED25519, seed, m->key.pk, m->key.pk_len, &m->secret)) !=
	            0) {
		snprintf(err, errlen, "vault %s: %s holds no usable key", cfg->name, var);
		goto out;
	}
	*out = &m->base;
	m = NULL;
out:
	secmem_free(seed); /* wipes */
	vm_close(m ? &m->base : NULL);
	return rc;
}

const struct vault_driver vault_memory_driver = {
	.name = "memory",
	.verify_default = false, /* sigil makes the signature itself */
	.settings = vm_settings,
	.n_settings = sizeof(vm_settings) / sizeof(vm_settings[0]),
	.open = vm_open,
};
