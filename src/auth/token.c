/* Bearer tokens (token.h). */
#include "auth/token.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/hex.h"
#include "crypto/sig.h"

bool
auth_token_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= AUTH_TOKEN_NAME_MAX)
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '_' && *name != '-' && *name != '.')
			return false;
	return true;
}

/* The index of chain in the registry (chain_at), or -1. */
static int
auth_chain_index(const struct chain_ops *chain)
{
	for (size_t i = 0; i < AUTH_CHAINS_MAX && chain_at(i) != NULL; i++)
		if (chain_at(i) == chain)
			return (int)i;
	return -1;
}

int
auth_token_add_cap(struct auth_token *t, const char *cap, char *why, size_t why_len)
{
	static const struct {
		const char *name;
		unsigned flag;
	} plain[] = {
		{"keys:read", AUTH_KEYS_READ},
		{"keys:admin", AUTH_KEYS_ADMIN},
		{"sign:digest", AUTH_SIGN_DIGEST},
	};
	const char *colon = strchr(cap, ':');
	char chain_name[64];
	const struct chain_ops *chain;
	int ci, kind;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(cap, plain[i].name) == 0) {
			t->flags |= plain[i].flag;
			return 0;
		}
	}
	if (colon == NULL || colon == cap || (size_t)(colon - cap) >= sizeof(chain_name)) {
		snprintf(why, why_len, "'%.60s' is not a capability (chain:kind, keys:read, "
		         "keys:admin, sign:digest)", cap);
		return SIGIL_E_INVALID;
	}
	memcpy(chain_name, cap, (size_t)(colon - cap));
	chain_name[colon - cap] = '\0';
	if ((chain = chain_find(chain_name)) == NULL || (ci = auth_chain_index(chain)) < 0) {
		snprintf(why, why_len, "'%.60s': no chain %.40s", cap, chain_name);
		return SIGIL_E_INVALID;
	}
	if (strcmp(colon + 1, "*") == 0) {
		t->kinds[ci] |= chain->n_kinds >= 32 ? UINT32_MAX : (1u << chain->n_kinds) - 1;
		return 0;
	}
	if ((kind = chain->kind_from_name(colon + 1)) < 0 || kind >= 32) {
		snprintf(why, why_len, "'%.60s': %s has no request kind %.40s", cap, chain->name,
		         colon + 1);
		return SIGIL_E_INVALID;
	}
	t->kinds[ci] |= 1u << kind;
	return 0;
}

int
auth_token_add_key(struct auth_token *t, const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n >= CHAIN_ADDRESS_MAX)
		return SIGIL_E_INVALID;
	if (t->n_keys >= AUTH_TOKEN_KEYS_MAX)
		return SIGIL_E_TOO_BIG;
	memcpy(t->keys[t->n_keys++], key, n + 1);
	return 0;
}

int
auth_token_set_secret(struct auth_token *t, const char *secret, size_t len)
{
	if (len < AUTH_SECRET_MIN || len > AUTH_SECRET_MAX)
		return SIGIL_E_INVALID;
	crypto_hash_sha256(t->hash, (const unsigned char *)secret, len);
	return 0;
}

int
auth_token_set_hash(struct auth_token *t, const char *hex)
{
	size_t n;

	if (strlen(hex) != 64 || hex_decode(hex, 64, t->hash, sizeof(t->hash), &n) != 0 || n != 32)
		return SIGIL_E_INVALID;
	return 0;
}

const struct auth_token *
auth_token_find(const struct auth_token *tokens, size_t n, const char *presented, size_t len)
{
	const struct auth_token *found = NULL;
	uint8_t h[32];

	if (presented == NULL || len == 0 || len > AUTH_SECRET_MAX)
		return NULL;
	sigil_sha256(h, (const uint8_t *)presented, len);
	/* All of them, whatever matched: the time says nothing of which. */
	for (size_t i = 0; i < n; i++) {
		int same = sodium_memcmp(h, tokens[i].hash, sizeof(h)) == 0;
		/* Branch-free choice of the first match. */
		uintptr_t mask = (uintptr_t)0 - (uintptr_t)(same & (found == NULL));
		found = (const struct auth_token *)(((uintptr_t)&tokens[i] & mask) |
		                                    ((uintptr_t)found & ~mask));
	}
	sodium_memzero(h, sizeof(h));
	return found;
}

const char *
auth_bearer(const char *header, size_t *len)
{
	*len = 0;
	if (header == NULL)
		return NULL;
	while (*header == ' ' || *header == '\t')
		header++;
	if (strncasecmp(header, "Bearer ", 7) == 0) {
		header += 7;
		while (*header == ' ')
			header++;
	}
	size_t n = strlen(header);
	while (n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	if (n == 0)
		return NULL;
	*len = n;
	return header;
}

bool
auth_token_may_sign(const struct auth_token *t, const struct chain_ops *chain, unsigned kind)
{
	int ci = auth_chain_index(chain);
	return ci >= 0 && kind < 32 && (t->kinds[ci] & (1u << kind)) != 0;
}

bool
auth_token_may_use(const struct auth_token *t, const char *address, const char *key_id)
{
	if (t->n_keys == 0)
		return true;
	for (size_t i = 0; i < t->n_keys; i++) {
		if ((address && strcmp(t->keys[i], address) == 0) ||
		    (key_id && strcmp(t->keys[i], key_id) == 0))
			return true;
	}
	return false;
}
