/* Bearer tokens and what they may do (the v1 API, the Atto API, and the
 * octez API where the config asks for them).
 *
 * A token is a name, the SHA-256 of its secret (the secret itself is never
 * kept: the config gives the hash, or a file or an environment variable
 * whose value is hashed at once and wiped), its capabilities, and
 * optionally the keys it may use. Capabilities:
 *   <chain>:<kind>  sign that chain's requests of that kind (tezos:attestation,
 *                   ethereum:transaction, atto:vote, …); <chain>:* every kind
 *   keys:read       list keys and read their public keys
 *   keys:admin      generate, import and delete keys
 *   sign:digest     sign a raw digest (it skips decoding: off unless granted)
 * A presented secret is hashed and compared with every token's hash in
 * constant time, all of them each time: neither timing nor the order of
 * the tokens tells which matched, or how close a wrong one came.
 *
 * auth/ sits beside chain/ (it reads chain names and kinds through the
 * chain tables) and below config/. */
#ifndef SIGIL_AUTH_TOKEN_H
#define SIGIL_AUTH_TOKEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"

#define AUTH_TOKEN_NAME_MAX 64
#define AUTH_CHAINS_MAX 16    /* chains a token may name (chain_at order) */
#define AUTH_TOKEN_KEYS_MAX 64
#define AUTH_SECRET_MIN 16    /* bytes: a shorter secret is refused */
#define AUTH_SECRET_MAX 1024

enum auth_cap_flag {
	AUTH_KEYS_READ = 1u << 0,
	AUTH_KEYS_ADMIN = 1u << 1,
	AUTH_SIGN_DIGEST = 1u << 2,
};

/* A plain value: copy it, keep it in an array, free nothing. */
struct auth_token {
	char name[AUTH_TOKEN_NAME_MAX];
	uint8_t hash[32];                 /* SHA-256 of the secret */
	uint32_t kinds[AUTH_CHAINS_MAX];  /* per chain_at(i): bit (1u << kind) */
	unsigned flags;                   /* enum auth_cap_flag */
	/* The keys it may use, as addresses of any chain or v1 key ids; 0:
	 * any key its capabilities allow. */
	char keys[AUTH_TOKEN_KEYS_MAX][CHAIN_ADDRESS_MAX];
	size_t n_keys;
};

/* A valid token name: 1 to 63 of [A-Za-z0-9_.-]. */
bool auth_token_name_ok(const char *name);

/* Adds one capability by its text. SIGIL_E_INVALID, with a secret-free
 * reason in why, for an unknown chain, kind or capability. */
int auth_token_add_cap(struct auth_token *t, const char *cap, char *why, size_t cap_len);

/* Adds a key the token may use. SIGIL_E_TOO_BIG past AUTH_TOKEN_KEYS_MAX,
 * SIGIL_E_INVALID for an empty or overlong text. */
int auth_token_add_key(struct auth_token *t, const char *key);

/* The hash of a secret given in text (a file's first line, a variable):
 * SIGIL_E_INVALID when it is shorter than AUTH_SECRET_MIN or longer than
 * AUTH_SECRET_MAX. The caller wipes the text. */
int auth_token_set_secret(struct auth_token *t, const char *secret, size_t len);

/* The hash given as 64 hex digits. */
int auth_token_set_hash(struct auth_token *t, const char *hex);

/* The token among tokens[0..n) whose secret is presented (len bytes), or
 * NULL. Every token is compared, in constant time each. */
const struct auth_token *auth_token_find(const struct auth_token *tokens, size_t n,
                                         const char *presented, size_t len);

/* The secret in an Authorization header: "Bearer <secret>" (the scheme in
 * any case) or the bare secret, as the Atto node sends it; NULL with *len 0
 * when the header is absent or empty. */
const char *auth_bearer(const char *header, size_t *len);

/* Whether t may sign requests of kind on chain. */
bool auth_token_may_sign(const struct auth_token *t, const struct chain_ops *chain,
                         unsigned kind);

/* Whether t may use the key known as address on its chain, or by key_id
 * (either may be NULL). */
bool auth_token_may_use(const struct auth_token *t, const char *address, const char *key_id);

#endif
