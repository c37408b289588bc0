/* sigil's configuration: one YAML file (libyaml), Signatory-compatible where
 * Signatory has the same notion. deploy/sigil.example.yaml documents every
 * field.
 *
 * Loading is strict: an unknown key, a value of the wrong shape, a bad
 * address or operation name is an error naming the path and line, written
 * to the caller's buffer. Nothing here exits or logs.
 *
 * Every scalar value from the file goes through ${VAR} expansion (an unset
 * variable is an error; "$$" is a literal dollar). Then every scalar field
 * may be overridden from the environment: SIGIL_ + the path upper-cased,
 * "__" between levels and any character other than [A-Z0-9] as "_", e.g.
 * SIGIL_SERVER__ADDRESS, SIGIL_VAULTS__MAIN__CONFIG__PATH,
 * SIGIL_TEZOS__TZ1ABC…__LOG_PAYLOADS (vaults and keys named in the file or
 * the defaults only; a back end's settings by the names its driver
 * declares, e.g. SIGIL_WATERMARK__DIR). Override values are taken
 * literally. */
#ifndef SIGIL_CONFIG_H
#define SIGIL_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "base/log.h"
#include "base/settings.h"
#include "chain/polkadot/extrinsic.h"
#include "policy/policy.h"
#include "policy/routes.h"

#define CONFIG_MAX_BYTES (1024 * 1024) /* larger files are refused */
#define CONFIG_MAX_DEPTH 10            /* nesting of maps and lists */
#define CONFIG_MAX_VAULTS 16
#define CONFIG_MAX_AUTH_KEYS 256
#define CONFIG_VAULT_NAME_MAX 64
#define CONFIG_MAX_TOKENS 64

#define CONFIG_DEFAULT_BASE_DIR "./var"
#define CONFIG_DEFAULT_ADDRESS "127.0.0.1:6732"
#define CONFIG_DEFAULT_UTILITY_ADDRESS "127.0.0.1:9583"
#define CONFIG_DEFAULT_VAULT_NAME "main"
#define CONFIG_DEFAULT_VAULT_PATH "keys.json"
/* A Tezos operation is at most 32 KiB (the protocols' max_operation_data_length);
 * as hex in a JSON string, with its magic byte and quotes, about 64 KiB.
 * Twice that leaves room for a larger limit or another chain's requests;
 * API_BODY_MAX (1 MiB) is the hard ceiling. */
#define CONFIG_DEFAULT_MAX_BODY (128 * 1024)
#define CONFIG_DEFAULT_TIMEOUT 10
#define CONFIG_DEFAULT_HEADER_TIMEOUT 5
#define CONFIG_DEFAULT_MAX_CONNECTIONS 1024
#define CONFIG_DEFAULT_MAX_CONNECTIONS_PER_IP 64
#define CONFIG_DEFAULT_MAX_BUFFERED (64 * 1024 * 1024)
/* How long a vault or watermark store that leaves the machine (an HSM, a
 * key holder, a database) has to answer one call of a request. */
#define CONFIG_DEFAULT_BACKEND_TIMEOUT_MS 5000

/* A yes or no that may be left unsaid: then the default is someone else's. */
enum config_tri { CONFIG_UNSAID = 0, CONFIG_NO, CONFIG_YES };

/* Strings are NUL-terminated and owned by the config; NULL when absent. */
struct config_vault {
	char name[CONFIG_VAULT_NAME_MAX];
	char *driver;          /* "file" */
	/* Every signature of this vault verified against its key before it
	 * is returned; unsaid: the driver's verify_default (vault.h). */
	enum config_tri verify_signatures;
	/* Its `config:` map, checked against the driver's settings table
	 * (vault.h): unknown keys and wrong types are refused, defaults are
	 * in. Paths are as written (relative to base_dir unless absolute). */
	struct settings settings;
};

struct config_server {
	char *address;         /* "host:port" or "[v6]:port" */
	char *utility_address;
	bool tls;              /* both files below are set when true */
	char *tls_cert_file;
	char *tls_key_file;
	bool allow_list_known_keys;
	size_t max_body_bytes;
	unsigned timeout_seconds;        /* silence; and the whole body */
	unsigned header_timeout_seconds; /* the whole request head */
	unsigned max_connections;
	unsigned max_connections_per_ip; /* 127.0.0.1 and ::1 are not counted */
	size_t max_buffered_bytes;       /* request bodies held in memory, in all */
	unsigned threads;      /* 0: the server's default */
	unsigned backend_timeout_ms; /* each vault or store call (base/deadline.h) */
	unsigned ethereum_chain_id;  /* what POST /ethereum's eth_chainId answers */
	/* Empty: authentication is off. */
	struct chain_pubkey *authorized_keys;
	size_t n_authorized_keys;
};

/* Where a token's secret comes from, as the config says: exactly one of
 * the three (the secret itself is never written in the file). */
struct config_token_src {
	char *secret_sha256; /* 64 hex digits */
	char *secret_file;   /* its first line; relative to base_dir */
	char *secret_env;    /* the name of an environment variable */
	/* A secret of any length from 1 byte: the Atto signer's token, which
	 * sets no minimum (ATTO_SIGNER_TOKEN). */
	bool any_len;
	unsigned line;
};

/* `auth:`. Bearer tokens for the v1 and Atto APIs (auth/token.h); tokens[i]
 * has its hash once the config is loaded. */
struct config_auth {
	struct auth_token *tokens;
	struct config_token_src *src;
	size_t n_tokens;
	/* The octez API also wants a token (with the request's capability),
	 * besides its own authentication. */
	bool octez_requires_token;
};

/* `atto_api:` (config_atto.c): the Atto signer's HTTP API, off unless an
 * address is configured or the ATTO_SIGNER_* variables ask for it. */
#define CONFIG_ATTO_DEFAULT_HOST "127.0.0.1"
#define CONFIG_ATTO_DEFAULT_PORT 8080
#define CONFIG_ATTO_DEFAULT_MANAGEMENT_PORT 8081
#define CONFIG_ATTO_TOKEN_NAME "atto-signer" /* the token of ATTO_SIGNER_TOKEN */
struct config_atto_api {
	char *address;            /* NULL: the Atto API is off */
	char *management_address; /* /health, /prometheus */
	char *key;                /* the one key it signs with: its atto:// address */
	/* Started from the ATTO_SIGNER_* variables with no config file: the
	 * watermark store is created when there is none (core/context.c). */
	bool env_only;
};

struct sigil_config {
	char *base_dir;
	enum log_level log_level;
	bool log_json;
	struct config_server server;
	struct config_auth auth;
	struct config_atto_api atto_api;
	struct config_vault vaults[CONFIG_MAX_VAULTS];
	size_t n_vaults;
	char *watermark_driver; /* "file" */
	/* The rest of the `watermark:` map, as the store's driver declared it
	 * (the file store: dir). */
	struct settings watermark;
	/* Keys sorted by chain name, then address; only these may be used.
	 * Each chain has its map at the top of the file, named after it
	 * ("tezos:"), holding one policy per address. */
	struct policy_key *keys;
	size_t n_keys;
	/* `routes:`, in order (policy/routes.h); none: no routing. */
	struct route *routes;
	size_t n_routes;
	/* `polkadot_networks:` (config_polkadot.c), and dot_conf over them. */
	struct dot_network *dot_nets;
	size_t n_dot_nets;
	struct dot_conf dot_conf;
};

/* Loads path, or the embedded defaults when path is NULL: base_dir ./var,
 * file vault "main" at keys.json, watermarks in "watermarks",
 * 127.0.0.1:6732 and 127.0.0.1:9583, no keys. Environment overrides apply in
 * both cases. On success *out is the caller's (config_free); on error *out
 * is NULL, err holds "line N: path: what" or "path: what", and the result is
 * SIGIL_E_INVALID, SIGIL_E_TOO_BIG (file or nesting), SIGIL_E_NOT_FOUND,
 * SIGIL_E_IO or SIGIL_E_NOMEM. */
__attribute__((warn_unused_result)) int
config_load(const char *path, struct sigil_config **out, char *err, size_t errlen);

/* The same from a buffer (need not be NUL-terminated). len 0 gives the
 * defaults. */
__attribute__((warn_unused_result)) int
config_load_string(const char *yaml, size_t len, struct sigil_config **out, char *err,
                   size_t errlen);

void config_free(struct sigil_config *c);

/* A chain's own settings from the config, for sign_request.chain_conf
 * (Polkadot: its networks), or NULL. */
const void *config_chain_conf(const struct sigil_config *c, const struct chain_ops *chain);

/* The policy of the key at address on chain, or NULL when the key is not
 * configured (not usable). */
const struct policy_key *config_find_key(const struct sigil_config *c,
                                         const struct chain_ops *chain, const char *address);

/* ATTO_SIGNER_CAPABILITIES: a comma list of CHALLENGE, BLOCK and VOTE,
 * each trimmed of blanks and in any case, duplicates merged (as Spring
 * binds a Set of enums), into *kinds (bit (1u << kind) of the atto chain's
 * kinds). SIGIL_E_INVALID, why saying which, for an unknown or empty
 * name. */
__attribute__((warn_unused_result)) int
config_atto_capabilities(const char *text, uint32_t *kinds, char *why, size_t cap);

/* The token whose secret an Authorization header value carries ("Bearer
 * <secret>" or the bare secret: auth/token.h), or NULL. */
const struct auth_token *config_find_token(const struct sigil_config *c,
                                           const char *authorization);

/* The vault by name, or NULL. */
const struct config_vault *config_find_vault(const struct sigil_config *c, const char *name);

/* The public keys that may authenticate a request for key k (k may be NULL):
 * k's own list when it has one, else server.authorized_keys. *n == 0 means
 * authentication is off. */
const struct chain_pubkey *config_auth_keys(const struct sigil_config *c,
                                             const struct policy_key *k, size_t *n);

/* rel if absolute, else base_dir/rel. SIGIL_E_TOO_BIG when out is short,
 * SIGIL_E_INVALID for a NULL or empty rel. */
__attribute__((warn_unused_result)) int
config_resolve_path(const struct sigil_config *c, const char *rel, char *out, size_t cap);

/* Splits "host:port" or "[v6]:port" (host without brackets).
 * SIGIL_E_INVALID when malformed or the port is not 0..65535,
 * SIGIL_E_TOO_BIG when host does not fit. */
__attribute__((warn_unused_result)) int
config_split_address(const char *addr, char *host, size_t hostcap, uint16_t *port);

/* The vault's passphrase: SIGIL_PASSPHRASE when set, else the first line of
 * passphrase_file (resolved against base_dir; a trailing newline is not part
 * of it). SIGIL_E_NOT_FOUND when neither is given; SIGIL_E_TOO_BIG when it
 * does not fit out. The caller wipes out (sodium_memzero) after use. */
__attribute__((warn_unused_result)) int
config_vault_passphrase(const struct sigil_config *c, const struct config_vault *v, char *out,
                        size_t cap);

#endif
