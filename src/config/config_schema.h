/* Internal to the config loader: the schema machinery shared by config.c
 * (top level, server, vaults, overrides) and config_keys.c (per-key
 * policy). Not a public interface. */
#ifndef SIGIL_CONFIG_SCHEMA_H
#define SIGIL_CONFIG_SCHEMA_H
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "config/config_tree.h"

#define PATHBUF 256

/* FT_DRIVER: a vault driver; FT_WM_DRIVER: a watermark store (by registry). */
/* FT_TRI: true or false into an enum config_tri (CONFIG_UNSAID when absent). */
/* FT_STRING: any text, kept as written. */
enum ftype { FT_PATH, FT_STRING, FT_ADDR, FT_DRIVER, FT_WM_DRIVER, FT_BOOL, FT_TRI, FT_SIZE, FT_UINT,
             FT_LOGLEVEL };

struct field {
	const char *path; /* relative to the section, dotted */
	enum ftype t;
	size_t off;
	unsigned long long min, max;
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct ctx {
	struct sigil_config *c;
	char *err;
	size_t errlen;
	size_t keys_cap;
	bool saw_vaults;
};

struct schema {
	const struct field *fields;
	size_t nfields;
	const char *const *maps;
	size_t nmaps;
	/* 1 when it handled rel, 0 when rel is not its business, <0 on error. */
	int (*special)(struct ctx *x, void *obj, const char *rel, const char *full,
	               const struct cnode *v, unsigned line);
};

int cfg_parse_bool(const char *v, bool *out);
/* Sets one scalar field of obj; where names the path or variable, line 0
 * when the value did not come from the file. */
int cfg_set_field(struct ctx *x, const struct field *f, void *obj, const char *v,
                  const char *where, unsigned line);
const char *cfg_type_name(const struct cnode *v);
void cfg_join(char *out, size_t cap, const char *a, const char *b);
int cfg_walk_map(struct ctx *x, const struct schema *s, void *obj, const char *rel,
                 const char *full, const struct cnode *m);
int cfg_each_item(struct ctx *x, const char *full, const struct cnode *v,
                  int (*fn)(struct ctx *x, void *obj, const char *item, const char *full,
                            unsigned line),
                  void *obj);

/* config_keys.c: a chain's map of keys (`tezos:`), and the per-key scalar
 * fields. */
int cfg_walk_chain_keys(struct ctx *x, const struct chain_ops *chain, const struct cnode *v);
extern const struct field cfg_key_fields[];
extern const size_t cfg_n_key_fields;

/* config_auth.c: `auth.tokens`, their environment overrides, their
 * secrets (read and hashed once the overrides are in), and freeing. */
int cfg_walk_auth_tokens(struct ctx *x, const struct cnode *v);

/* config_polkadot.c: `polkadot_networks:`, and freeing them. */
int cfg_walk_polkadot_networks(struct ctx *x, const struct cnode *v);
void cfg_polkadot_free(struct sigil_config *c);
/* One more token, zeroed, in *t and its source in *s. */
int cfg_auth_add_token(struct config_auth *a, struct auth_token **t, struct config_token_src **s);
int cfg_auth_env(struct sigil_config *c);
int cfg_auth_resolve(struct sigil_config *c, char *err, size_t errlen);
void cfg_auth_free(struct config_auth *a);

/* config_routes.c: `routes:`, and the checks that need the vaults. */
int cfg_walk_routes(struct ctx *x, const struct cnode *v);
int cfg_routes_validate(const struct sigil_config *c, char *err, size_t errlen);
/* config_atto.c: the ATTO_SIGNER_* variables into the config (after the
 * SIGIL_* overrides), and whether they replace the default vault. */
int cfg_atto_env(struct sigil_config *c, bool from_file, char *err, size_t errlen);
bool cfg_atto_replaces_default_vault(void);
void cfg_atto_free(struct config_atto_api *a);

/* config.c to config_api.c. */
int config_walk_root(struct sigil_config *c, const struct cnode *root, char *err, size_t errlen,
                     bool *saw_vaults);
int config_apply_env(struct sigil_config *c, char *err, size_t errlen);

#endif
