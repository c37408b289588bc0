/* The Atto signer's API in the config: `atto_api:`, and the Atto signer's
 * own environment variables, so that sigild takes that signer's place in
 * a pod with nothing else changed.
 *
 *   atto_api:
 *     address: 127.0.0.1:8080             # the API: GET /public-keys, POST /blocks…
 *     management_address: 127.0.0.1:8081  # /health, /prometheus, /metrics
 *     key: atto://…                       # the one key it signs with (under atto:)
 *
 * The variables, read after the SIGIL_* overrides (they win over the file):
 *   ATTO_SIGNER_PORT, ATTO_SIGNER_MANAGEMENT_PORT  8080 and 8081 by default
 *   ATTO_SIGNER_ADDRESS     sigil's own: the host both bind (127.0.0.1
 *                           unless set: 0.0.0.0 only when asked)
 *   ATTO_SIGNER_BACKEND     LOCAL (the key is ATTO_SIGNER_KEY itself, an
 *                           Ed25519 seed in hex, held by a memory vault) or
 *                           the name of a vault of the config; GCP is refused
 *   ATTO_SIGNER_KEY         LOCAL: the seed; a vault: the key's atto://
 *                           address or its public key in hex
 *   ATTO_SIGNER_CAPABILITIES  CHALLENGE, BLOCK, VOTE: the kinds the key may
 *                           sign (its allow list) and the token's
 *   ATTO_SIGNER_TOKEN       the Authorization value: a token named
 *                           "atto-signer", hashed at once and wiped
 * ATTO_SIGNER_BACKEND or ATTO_SIGNER_TOKEN set means the variables are
 * meant; then BACKEND, KEY and CAPABILITIES must all be there. */
#include <ctype.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/secenv.h"
#include "base/secmem.h"
#include "chain/atto/atto.h"
#include "config/config_schema.h"

#define ATTO_LOCAL_VAULT "atto"

/* ATTO_SIGNER_TOKEN is unset once read (its hash is kept by config_auth.c):
 * a reload must still make the token. */
static _Atomic bool atto_token_seen;

static bool
atto_token_given(void)
{
	if (getenv("ATTO_SIGNER_TOKEN") != NULL)
		atto_token_seen = true;
	return atto_token_seen;
}

static bool
atto_env_set(void)
{
	return getenv("ATTO_SIGNER_BACKEND") != NULL || atto_token_given();
}

bool
cfg_atto_replaces_default_vault(void)
{
	const char *b = getenv("ATTO_SIGNER_BACKEND");
	return b != NULL && strcasecmp(b, "LOCAL") == 0;
}

void
cfg_atto_free(struct config_atto_api *a)
{
	free(a->address);
	free(a->management_address);
	free(a->key);
	memset(a, 0, sizeof(*a));
}

int
config_atto_capabilities(const char *text, uint32_t *kinds, char *why, size_t cap)
{
	const struct chain_ops *atto = chain_find("atto");
	char name[32];

	*kinds = 0;
	if (atto == NULL || text == NULL) {
		snprintf(why, cap, "no capabilities given");
		return SIGIL_E_INVALID;
	}
	for (const char *p = text;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && isspace((unsigned char)*p))
			p++, n--;
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(name)) {
			snprintf(why, cap, "'%.*s' is not a capability (CHALLENGE, BLOCK, VOTE)",
			         (int)(n < 40 ? n : 40), p);
			*kinds = 0;
			return SIGIL_E_INVALID;
		}
		for (size_t i = 0; i < n; i++)
			name[i] = (char)tolower((unsigned char)p[i]);
		name[n] = '\0';
		int k = atto->kind_from_name(name);
		if (k < 0) {
			snprintf(why, cap, "'%.*s' is not a capability (CHALLENGE, BLOCK, VOTE)", (int)n,
			         p);
			*kinds = 0;
			return SIGIL_E_INVALID;
		}
		*kinds |= 1u << (unsigned)k;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

/* "host:port" from ATTO_SIGNER_ADDRESS (or the configured host, or
 * 127.0.0.1) and the port variable (or the configured port, or dflt). */
static int
atto_address(char **field, const char *port_var, unsigned dflt, const char *host_env,
             char *err, size_t errlen)
{
	char host[256] = CONFIG_ATTO_DEFAULT_HOST, buf[300];
	uint16_t port = (uint16_t)dflt;
	const char *pv = getenv(port_var);

	if (*field != NULL && config_split_address(*field, host, sizeof(host), &port) != 0)
		return SIGIL_E_INVALID; /* checked when it was set */
	if (host_env != NULL)
		snprintf(host, sizeof(host), "%s", host_env);
	if (pv != NULL) {
		char *end;
		unsigned long v = strtoul(pv, &end, 10);
		if (*pv == '\0' || *end != '\0' || v > 65535) {
			cfg_errf(err, errlen, 0, port_var, "'%.20s' is not a port (0 to 65535)", pv);
			return SIGIL_E_INVALID;
		}
		port = (uint16_t)v;
	}
	snprintf(buf, sizeof(buf), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
	if (config_split_address(buf, host, sizeof(host), &port) != 0) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_ADDRESS", "'%.80s' is not a host", host);
		return SIGIL_E_INVALID;
	}
	free(*field);
	return (*field = strdup(buf)) == NULL ? SIGIL_E_NOMEM : 0;
}

/* ATTO_SIGNER_BACKEND=LOCAL: a memory vault holds the seed; its address
 * from the seed's public key (the seed itself stays in locked memory). */
static int
atto_local(struct sigil_config *c, char *addr, size_t cap, char *err, size_t errlen)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], *sk = NULL, *seed = NULL;
	size_t n = 0;
	int too_long = 0, rc = SIGIL_E_INVALID;

	const char *hex = secenv_take("ATTO_SIGNER_KEY", &too_long);
	if (hex == NULL) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_KEY",
		         "not set: LOCAL needs the key's 32-byte Ed25519 seed in hex");
		return SIGIL_E_INVALID;
	}
	if (config_find_vault(c, ATTO_LOCAL_VAULT) != NULL || c->n_vaults >= CONFIG_MAX_VAULTS) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_BACKEND",
		         "LOCAL needs a vault named '" ATTO_LOCAL_VAULT "' of its own, and the "
		         "config has one (or no room for it)");
		return SIGIL_E_INVALID;
	}
	if ((seed = secmem_alloc(crypto_sign_SEEDBYTES)) == NULL ||
	    (sk = secmem_alloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	/* Never the value in a message: it is the secret. */
	if (strlen(hex) != 2 * crypto_sign_SEEDBYTES ||
	    hex_decode(hex, strlen(hex), seed, crypto_sign_SEEDBYTES, &n) != 0 ||
	    n != crypto_sign_SEEDBYTES) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_KEY",
		         "not a 32-byte Ed25519 seed in hex (64 digits)");
		goto out;
	}
	crypto_sign_seed_keypair(pk, sk, seed);
	if (atto_address_encode(pk, addr, cap) != 0)
		goto out;
	struct config_vault *v = &c->vaults[c->n_vaults];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", ATTO_LOCAL_VAULT);
	if ((v->driver = strdup("memory")) == NULL ||
	    settings_set(&v->settings, "seed_env", "ATTO_SIGNER_KEY") != 0) {
		free(v->driver);
		settings_free(&v->settings);
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	c->n_vaults++;
	rc = 0;
out:
	secmem_free(seed); /* wipes */
	secmem_free(sk);
	return rc;
}

/* ATTO_SIGNER_BACKEND=<vault>: the key by its address or public key. */
static int
atto_vault_key(struct sigil_config *c, const char *backend, char *addr, size_t cap, char *err,
               size_t errlen)
{
	const char *key = getenv("ATTO_SIGNER_KEY");
	uint8_t pk[ATTO_PK_LEN];

	if (config_find_vault(c, backend) == NULL) {
		char names[256] = "";
		for (size_t i = 0; i < c->n_vaults; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			         i ? ", " : "", c->vaults[i].name);
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_BACKEND",
		         "'%.40s' is neither LOCAL nor a vault of the config (%s)", backend, names);
		return SIGIL_E_INVALID;
	}
	if (key == NULL || (atto_address_parse(key, pk) != 0 &&
	                    (strlen(key) != 2 * ATTO_PK_LEN ||
	                     atto_hex_decode(key, strlen(key), pk, ATTO_PK_LEN) != 0))) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_KEY",
		         "with a vault, the key's atto:// address or its public key in hex");
		return SIGIL_E_INVALID;
	}
	return atto_address_encode(pk, addr, cap);
}

/* The served key under atto:, allowed exactly the capabilities' kinds. */
static int
atto_configure_key(struct sigil_config *c, const char *addr, uint32_t kinds)
{
	const struct chain_ops *atto = chain_find("atto");
	struct policy_key *k = NULL, *nk;

	for (size_t i = 0; i < c->n_keys; i++)
		if (c->keys[i].chain == atto && strcmp(c->keys[i].address, addr) == 0)
			k = &c->keys[i];
	if (k == NULL) {
		if ((nk = realloc(c->keys, (c->n_keys + 1) * sizeof(*nk))) == NULL)
			return SIGIL_E_NOMEM;
		c->keys = nk;
		k = &c->keys[c->n_keys];
		if (policy_key_init_default(k, atto, addr) != 0)
			return SIGIL_E_INVALID;
		c->n_keys++;
	}
	k->allow_kinds = kinds;
	free(c->atto_api.key);
	return (c->atto_api.key = strdup(addr)) == NULL ? SIGIL_E_NOMEM : 0;
}

/* ATTO_SIGNER_TOKEN: a token of auth.tokens, its secret from the
 * variable (config_auth.c hashes it and wipes it). */
static int
atto_token(struct sigil_config *c, const char *addr, uint32_t kinds, char *err, size_t errlen)
{
	const struct chain_ops *atto = chain_find("atto");
	struct config_auth *a = &c->auth;
	char cap[64], why[128];

	for (size_t i = 0; i < a->n_tokens; i++) {
		if (strcmp(a->tokens[i].name, CONFIG_ATTO_TOKEN_NAME) == 0) {
			cfg_errf(err, errlen, 0, "ATTO_SIGNER_TOKEN",
			         "auth.tokens has a token named " CONFIG_ATTO_TOKEN_NAME " already");
			return SIGIL_E_INVALID;
		}
	}
	if (a->n_tokens >= CONFIG_MAX_TOKENS) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_TOKEN", "more than %d tokens", CONFIG_MAX_TOKENS);
		return SIGIL_E_INVALID;
	}
	struct auth_token *t;
	struct config_token_src *s;
	if (cfg_auth_add_token(a, &t, &s) != 0)
		return SIGIL_E_NOMEM;
	snprintf(t->name, sizeof(t->name), "%s", CONFIG_ATTO_TOKEN_NAME);
	s->any_len = true;
	if ((s->secret_env = strdup("ATTO_SIGNER_TOKEN")) == NULL)
		return SIGIL_E_NOMEM;
	for (unsigned k = 0; k < atto->n_kinds; k++) {
		if (!(kinds & (1u << k)))
			continue;
		snprintf(cap, sizeof(cap), "atto:%s", atto->kinds[k]);
		if (auth_token_add_cap(t, cap, why, sizeof(why)) != 0) {
			cfg_errf(err, errlen, 0, "ATTO_SIGNER_CAPABILITIES", "%s", why);
			return SIGIL_E_INVALID;
		}
	}
	return auth_token_add_key(t, addr) == 0 ? 0 : SIGIL_E_INVALID;
}

int
cfg_atto_env(struct sigil_config *c, bool from_file, char *err, size_t errlen)
{
	const char *backend = getenv("ATTO_SIGNER_BACKEND");
	const char *caps = getenv("ATTO_SIGNER_CAPABILITIES");
	char addr[ATTO_ADDRESS_TEXT_MAX], why[128];
	uint32_t kinds = 0;
	int rc;

	if (!atto_env_set()) {
		if (c->atto_api.address != NULL && c->atto_api.key == NULL) {
			cfg_errf(err, errlen, 0, "atto_api.key", "the key the Atto API signs with is "
			                                         "missing");
			return SIGIL_E_INVALID;
		}
		if (c->atto_api.address != NULL && c->atto_api.management_address == NULL) {
			char host[256];
			uint16_t port;
			if (config_split_address(c->atto_api.address, host, sizeof(host), &port) != 0)
				return SIGIL_E_INVALID;
			return atto_address(&c->atto_api.management_address, "ATTO_SIGNER_MANAGEMENT_PORT",
			                    CONFIG_ATTO_DEFAULT_MANAGEMENT_PORT,
			                    strchr(host, ':') ? NULL : host, err, errlen);
		}
		return 0;
	}
	if (backend == NULL || caps == NULL) {
		cfg_errf(err, errlen, 0, backend == NULL ? "ATTO_SIGNER_BACKEND"
		                                         : "ATTO_SIGNER_CAPABILITIES",
		         "not set (the Atto signer's variables go together: ATTO_SIGNER_TOKEN, "
		         "ATTO_SIGNER_CAPABILITIES, ATTO_SIGNER_BACKEND, ATTO_SIGNER_KEY)");
		return SIGIL_E_INVALID;
	}
	if (config_atto_capabilities(caps, &kinds, why, sizeof(why)) != 0) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_CAPABILITIES", "%s", why);
		return SIGIL_E_INVALID;
	}
	if (strcasecmp(backend, "GCP") == 0) {
		cfg_errf(err, errlen, 0, "ATTO_SIGNER_BACKEND",
		         "GCP (Google Cloud KMS) is not supported by sigil: use LOCAL, or the name "
		         "of a sigil vault (file, enclave, pkcs11)");
		return SIGIL_E_UNSUPPORTED;
	}
	rc = strcasecmp(backend, "LOCAL") == 0 ? atto_local(c, addr, sizeof(addr), err, errlen)
	                                       : atto_vault_key(c, backend, addr, sizeof(addr), err,
	                                                        errlen);
	if (rc != 0)
		return rc;
	const char *host = getenv("ATTO_SIGNER_ADDRESS");
	if ((rc = atto_address(&c->atto_api.address, "ATTO_SIGNER_PORT", CONFIG_ATTO_DEFAULT_PORT,
	                       host, err, errlen)) != 0 ||
	    (rc = atto_address(&c->atto_api.management_address, "ATTO_SIGNER_MANAGEMENT_PORT",
	                       CONFIG_ATTO_DEFAULT_MANAGEMENT_PORT, host, err, errlen)) != 0 ||
	    (rc = atto_configure_key(c, addr, kinds)) != 0)
		return rc;
	if (atto_token_given() && (rc = atto_token(c, addr, kinds, err, errlen)) != 0)
		return rc;
	c->atto_api.env_only = !from_file;
	return 0;
}
