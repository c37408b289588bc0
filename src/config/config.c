/* The config schema: defaults live in config_api.c; here the walk over the
 * YAML tree for the top level, server and vaults, and the environment
 * overrides. Scalar fields are described by tables so that the YAML walk and
 * the SIGIL_* overrides go through the same setter. */
#include "config/config.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_schema.h"
#include "base/errors.h"
#include "vault/vault.h"
#include "watermark/watermark.h"

#define CFG(m) offsetof(struct sigil_config, m)
static const struct field top_fields[] = {
	{"base_dir", FT_PATH, CFG(base_dir), 0, 0},
	{"log.level", FT_LOGLEVEL, CFG(log_level), 0, 0},
	{"log.json", FT_BOOL, CFG(log_json), 0, 0},
	{"server.address", FT_ADDR, CFG(server.address), 0, 0},
	{"server.utility_address", FT_ADDR, CFG(server.utility_address), 0, 0},
	{"server.tls.cert_file", FT_PATH, CFG(server.tls_cert_file), 0, 0},
	{"server.tls.key_file", FT_PATH, CFG(server.tls_key_file), 0, 0},
	{"server.allow_list_known_keys", FT_BOOL, CFG(server.allow_list_known_keys), 0, 0},
	/* The request parser refuses bodies over 1 MiB (API_BODY_MAX) whatever
	 * is set here, so a larger value would only mislead. */
	{"server.max_body_bytes", FT_SIZE, CFG(server.max_body_bytes), 1024, 1ull << 20},
	{"server.timeout_seconds", FT_UINT, CFG(server.timeout_seconds), 1, 3600},
	{"server.header_timeout_seconds", FT_UINT, CFG(server.header_timeout_seconds), 1, 300},
	/* 1/16 of the connections are kept for the host's own clients: 16
	 * leaves one. */
	{"server.max_connections", FT_UINT, CFG(server.max_connections), 16, 65536},
	{"server.max_connections_per_ip", FT_UINT, CFG(server.max_connections_per_ip), 1, 65536},
	{"server.max_buffered_bytes", FT_SIZE, CFG(server.max_buffered_bytes), 1024, 1ull << 36},
	{"server.threads", FT_UINT, CFG(server.threads), 0, 1024},
	{"server.backend_timeout_ms", FT_UINT, CFG(server.backend_timeout_ms), 1, 600000},
	{"server.ethereum_chain_id", FT_UINT, CFG(server.ethereum_chain_id), 1, 4294967295ull},
	{"watermark.driver", FT_WM_DRIVER, CFG(watermark_driver), 0, 0},
	{"auth.octez_requires_token", FT_BOOL, CFG(auth.octez_requires_token), 0, 0},
	{"atto_api.address", FT_ADDR, CFG(atto_api.address), 0, 0},
	{"atto_api.management_address", FT_ADDR, CFG(atto_api.management_address), 0, 0},
	{"atto_api.key", FT_STRING, CFG(atto_api.key), 0, 0},
};
static const char *const top_maps[] = {"log", "server", "server.tls", "watermark", "auth",
                                       "atto_api"};

#define VLT(m) offsetof(struct config_vault, m)
static const struct field vault_fields[] = {
	{"driver", FT_DRIVER, VLT(driver), 0, 0},
	{"verify_signatures", FT_TRI, VLT(verify_signatures), 0, 0},
};
static const char *const vault_maps[] = {"config"};

int
cfg_parse_bool(const char *v, bool *out)
{
	static const char *const t[] = {"true", "yes", "on", "1"};
	static const char *const f[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < NELEM(t); i++) {
		if (strcasecmp(v, t[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, f[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return SIGIL_E_INVALID;
}

static int
parse_uint(const char *v, unsigned long long min, unsigned long long max,
           unsigned long long *out)
{
	unsigned long long n = 0;

	if (*v == '\0')
		return SIGIL_E_INVALID;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return SIGIL_E_INVALID;
		if (n > (ULLONG_MAX - 9) / 10)
			return SIGIL_E_INVALID;
		n = n * 10 + (unsigned)(*v - '0');
	}
	if (n < min || n > max)
		return SIGIL_E_INVALID;
	*out = n;
	return 0;
}

/* Sets one scalar field of obj. where is the path (or environment variable)
 * for the error message, line 0 when not from the file. */
int
cfg_set_field(struct ctx *x, const struct field *f, void *obj, const char *v, const char *where,
          unsigned line)
{
	char *base = obj, host[256], **sp;
	unsigned long long n = 0;
	uint16_t port;
	bool b = false;
	int lvl;

	switch (f->t) {
	case FT_PATH:
	case FT_STRING:
	case FT_ADDR:
	case FT_DRIVER:
	case FT_WM_DRIVER:
		if (*v == '\0') {
			cfg_errf(x->err, x->errlen, line, where, "needs a value");
			return SIGIL_E_INVALID;
		}
		if (strlen(v) >= PATH_MAX) {
			cfg_errf(x->err, x->errlen, line, where, "value too long");
			return SIGIL_E_INVALID;
		}
		if (f->t == FT_ADDR && config_split_address(v, host, sizeof(host), &port) != 0) {
			cfg_errf(x->err, x->errlen, line, where,
			         "'%.80s' is not host:port or [v6]:port", v);
			return SIGIL_E_INVALID;
		}
		if ((f->t == FT_DRIVER && vault_driver_find(v) == NULL) ||
		    (f->t == FT_WM_DRIVER && wm_driver_find(v) == NULL)) {
			cfg_errf(x->err, x->errlen, line, where,
			         "unsupported driver '%.40s'", v);
			return SIGIL_E_INVALID;
		}
		sp = (char **)(void *)(base + f->off);
		free(*sp);
		*sp = strdup(v);
		if (*sp == NULL) {
			cfg_errf(x->err, x->errlen, line, where, "out of memory");
			return SIGIL_E_NOMEM;
		}
		return 0;
	case FT_BOOL:
	case FT_TRI:
		if (cfg_parse_bool(v, &b) != 0) {
			cfg_errf(x->err, x->errlen, line, where, "'%.40s' is not true or false", v);
			return SIGIL_E_INVALID;
		}
		if (f->t == FT_TRI)
			*(enum config_tri *)(void *)(base + f->off) = b ? CONFIG_YES : CONFIG_NO;
		else
			*(bool *)(void *)(base + f->off) = b;
		return 0;
	case FT_SIZE:
	case FT_UINT:
		if (parse_uint(v, f->min, f->max, &n) != 0) {
			cfg_errf(x->err, x->errlen, line, where,
			         "'%.40s' is not a whole number from %llu to %llu", v, f->min, f->max);
			return SIGIL_E_INVALID;
		}
		if (f->t == FT_SIZE)
			*(size_t *)(void *)(base + f->off) = (size_t)n;
		else
			*(unsigned *)(void *)(base + f->off) = (unsigned)n;
		return 0;
	case FT_LOGLEVEL:
		lvl = log_level_from_name(v);
		if (lvl < 0) {
			cfg_errf(x->err, x->errlen, line, where,
			         "'%.40s' is not debug, info, warn or error", v);
			return SIGIL_E_INVALID;
		}
		*(enum log_level *)(void *)(base + f->off) = (enum log_level)lvl;
		return 0;
	}
	return SIGIL_E_INTERNAL;
}

const char *
cfg_type_name(const struct cnode *v)
{
	return v->type == CNODE_MAP ? "a map" : v->type == CNODE_SEQ ? "a list" : "a value";
}

void
cfg_join(char *out, size_t cap, const char *a, const char *b)
{
	/* Truncation only shortens an error path or makes a lookup miss. */
	if (a == NULL || a[0] == '\0')
		(void)snprintf(out, cap, "%s", b);
	else
		(void)snprintf(out, cap, "%s.%s", a, b);
}

int
cfg_walk_map(struct ctx *x, const struct schema *s, void *obj, const char *rel, const char *full,
         const struct cnode *m)
{
	char rel2[PATHBUF], full2[PATHBUF];
	int rc;

	for (size_t i = 0; i < m->n; i++) {
		const struct cnode *v = m->items[i];
		const char *key = m->keys[i];
		unsigned line = m->key_lines[i];
		bool done = false;

		cfg_join(rel2, sizeof(rel2), rel, key);
		cfg_join(full2, sizeof(full2), full, key);
		/* A dotted key would otherwise pose as a nested path. */
		if (strchr(key, '.') != NULL || key[0] == '\0')
			goto unknown;
		for (size_t j = 0; j < s->nfields && !done; j++) {
			if (strcmp(s->fields[j].path, rel2) != 0)
				continue;
			if (v->type != CNODE_SCALAR) {
				cfg_errf(x->err, x->errlen, v->line, full2, "expected a value, got %s",
				         cfg_type_name(v));
				return SIGIL_E_INVALID;
			}
			rc = cfg_set_field(x, &s->fields[j], obj, v->null ? "" : v->str, full2, v->line);
			if (rc != 0)
				return rc;
			done = true;
		}
		for (size_t j = 0; j < s->nmaps && !done; j++) {
			if (strcmp(s->maps[j], rel2) != 0)
				continue;
			if (v->type == CNODE_SCALAR && v->null) {
				done = true; /* an empty section keeps its defaults */
				break;
			}
			if (v->type != CNODE_MAP) {
				cfg_errf(x->err, x->errlen, v->line, full2, "expected a map, got %s",
				         cfg_type_name(v));
				return SIGIL_E_INVALID;
			}
			rc = cfg_walk_map(x, s, obj, rel2, full2, v);
			if (rc != 0)
				return rc;
			done = true;
		}
		if (!done && s->special != NULL) {
			rc = s->special(x, obj, rel2, full2, v, line);
			if (rc < 0)
				return rc;
			done = rc == 1;
		}
		if (done)
			continue;
unknown:
		cfg_errf(x->err, x->errlen, line, full2, "unknown key");
		return SIGIL_E_INVALID;
	}
	return 0;
}

/* --- lists ------------------------------------------------------------ */

/* Calls fn on every item of a list of plain values (a single value is not a
 * list: operators should see the shape they wrote is wrong). */
int
cfg_each_item(struct ctx *x, const char *full, const struct cnode *v,
          int (*fn)(struct ctx *x, void *obj, const char *item, const char *full,
                    unsigned line),
          void *obj)
{
	int rc;

	if (v->type != CNODE_SEQ) {
		cfg_errf(x->err, x->errlen, v->line, full, "expected a list, got %s", cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *it = v->items[i];
		if (it->type != CNODE_SCALAR || it->null) {
			cfg_errf(x->err, x->errlen, it->line, full, "list items must be values");
			return SIGIL_E_INVALID;
		}
		rc = fn(x, obj, it->str, full, it->line);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
server_auth_key(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	struct config_server *s = obj;
	struct chain_pubkey pk, *nk;

	memset(&pk, 0, sizeof(pk));
	/* They authenticate requests of the octez signer protocol, which
	 * writes public keys as Tezos does. */
	const struct chain_ops *tezos = chain_find("tezos");
	if (tezos == NULL || tezos->public_key_parse(item, &pk.type, pk.pk, &pk.pk_len) != 0 ||
	    pk.pk_len == 0 || pk.pk_len > sizeof(pk.pk)) {
		cfg_errf(x->err, x->errlen, line, full, "'%.80s' is not a public key", item);
		return SIGIL_E_INVALID;
	}
	if (s->n_authorized_keys >= CONFIG_MAX_AUTH_KEYS) {
		cfg_errf(x->err, x->errlen, line, full, "more than %d keys", CONFIG_MAX_AUTH_KEYS);
		return SIGIL_E_INVALID;
	}
	nk = realloc(s->authorized_keys, (s->n_authorized_keys + 1) * sizeof(*nk));
	if (nk == NULL)
		return SIGIL_E_NOMEM;
	s->authorized_keys = nk;
	nk[s->n_authorized_keys++] = pk;
	return 0;
}

/* --- vaults ----------------------------------------------------------- */

/* A value of a back end's map (`config.<key>` of a vault, `watermark.<key>`
 * of the store) into settings; what the key may be is checked in validate,
 * once the driver is known for sure. 1 when rel was one, 0 when not. */
static int
walk_setting(struct ctx *x, struct settings *s, const char *prefix, const char *rel,
             const char *full, const struct cnode *v, unsigned line)
{
	size_t n = strlen(prefix);
	int rc;

	if (strncmp(rel, prefix, n) != 0 || rel[n] == '\0')
		return 0;
	/* A map within the back end's map (the enclave vault's `storage:` and
	 * `credentials:`) gives dotted keys: storage.driver, storage.config. */
	if (v->type == CNODE_MAP) {
		char rel2[PATHBUF], full2[PATHBUF];
		for (size_t i = 0; i < v->n; i++) {
			if (strchr(v->keys[i], '.') != NULL || v->keys[i][0] == '\0') {
				cfg_errf(x->err, x->errlen, v->key_lines[i], full, "bad key \"%s\"",
				         v->keys[i]);
				return SIGIL_E_INVALID;
			}
			cfg_join(rel2, sizeof(rel2), rel, v->keys[i]);
			cfg_join(full2, sizeof(full2), full, v->keys[i]);
			if ((rc = walk_setting(x, s, prefix, rel2, full2, v->items[i],
			                       v->key_lines[i])) < 0)
				return rc;
		}
		return 1;
	}
	if (v->type != CNODE_SCALAR || v->null) {
		cfg_errf(x->err, x->errlen, v->line, full, "expected a value, got %s",
		         v->null ? "nothing" : cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	if ((rc = settings_set_line(s, rel + n, v->str, line)) == SIGIL_E_TOO_BIG) {
		cfg_errf(x->err, x->errlen, line, full, "more than %d settings", SETTINGS_MAX);
		return SIGIL_E_INVALID;
	}
	return rc ? rc : 1;
}

static int
vault_special(struct ctx *x, void *obj, const char *rel, const char *full, const struct cnode *v,
              unsigned line)
{
	return walk_setting(x, &((struct config_vault *)obj)->settings, "config.", rel, full, v,
	                    line);
}

static const struct schema vault_schema = {vault_fields, NELEM(vault_fields), vault_maps,
                                           NELEM(vault_maps), vault_special};

static bool
vault_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_VAULT_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int
walk_vaults(struct ctx *x, const struct cnode *v)
{
	struct sigil_config *c = x->c;
	char full[PATHBUF];
	int rc;

	x->saw_vaults = true;
	if (v->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, v->line, "vaults", "expected a map, got %s",
		         cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *vv = v->items[i];
		struct config_vault *cv;

		cfg_join(full, sizeof(full), "vaults", v->keys[i]);
		if (!vault_name_ok(v->keys[i])) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full,
			         "vault names are 1-63 of [A-Za-z0-9_-]");
			return SIGIL_E_INVALID;
		}
		if (c->n_vaults >= CONFIG_MAX_VAULTS) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full, "more than %d vaults",
			         CONFIG_MAX_VAULTS);
			return SIGIL_E_INVALID;
		}
		if (vv->type != CNODE_MAP) {
			cfg_errf(x->err, x->errlen, vv->line, full, "expected a map, got %s",
			         cfg_type_name(vv));
			return SIGIL_E_INVALID;
		}
		cv = &c->vaults[c->n_vaults++];
		memcpy(cv->name, v->keys[i], strlen(v->keys[i]) + 1);
		rc = cfg_walk_map(x, &vault_schema, cv, NULL, full, vv);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
top_special(struct ctx *x, void *obj, const char *rel, const char *full, const struct cnode *v,
            unsigned line)
{
	int rc;

	(void)obj;
	(void)line;
	if (strcmp(rel, "vaults") == 0) {
		if (v->type == CNODE_SCALAR && v->null)
			return 1; /* same as absent: the default vault */
		rc = walk_vaults(x, v);
		return rc ? rc : 1;
	}
	if (chain_find(rel) != NULL) {
		rc = cfg_walk_chain_keys(x, chain_find(rel), v);
		return rc ? rc : 1;
	}
	if ((rc = walk_setting(x, &x->c->watermark, "watermark.", rel, full, v, line)) != 0)
		return rc;
	if (strcmp(rel, "routes") == 0) {
		rc = cfg_walk_routes(x, v);
		return rc ? rc : 1;
	}
	if (strcmp(rel, "polkadot_networks") == 0) {
		rc = cfg_walk_polkadot_networks(x, v);
		return rc ? rc : 1;
	}
	if (strcmp(rel, "auth.tokens") == 0) {
		rc = cfg_walk_auth_tokens(x, v);
		return rc ? rc : 1;
	}
	if (strcmp(rel, "server.authorized_keys") == 0) {
		if (v->type == CNODE_SCALAR && v->null)
			return 1;
		rc = cfg_each_item(x, full, v, server_auth_key, &x->c->server);
		return rc ? rc : 1;
	}
	return 0;
}

static const struct schema top_schema = {top_fields, NELEM(top_fields), top_maps,
                                         NELEM(top_maps), top_special};

int
config_walk_root(struct sigil_config *c, const struct cnode *root, char *err, size_t errlen,
                 bool *saw_vaults)
{
	struct ctx x = {c, err, errlen, c->n_keys, false};
	int rc;

	*saw_vaults = false;
	if (root == NULL)
		return 0;
	if (root->type != CNODE_MAP) {
		cfg_errf(err, errlen, root->line, NULL, "the top level must be a map, not %s",
		         cfg_type_name(root));
		return SIGIL_E_INVALID;
	}
	rc = cfg_walk_map(&x, &top_schema, c, NULL, NULL, root);
	*saw_vaults = x.saw_vaults;
	return rc;
}

/* "SIGIL_" + path upper-cased, "__" for each dot, "_" for anything else
 * that is not a letter or digit. */
static int
env_name(char *out, size_t cap, const char *prefix, const char *path)
{
	size_t o = 0;
	const char *parts[2] = {prefix, path};

	if (cap < 7)
		return SIGIL_E_TOO_BIG;
	memcpy(out, "SIGIL_", 6);
	o = 6;
	for (int p = 0; p < 2; p++) {
		const char *s = parts[p];
		if (s == NULL)
			continue;
		for (; *s; s++) {
			if (o + 3 > cap)
				return SIGIL_E_TOO_BIG;
			if (*s == '.') {
				out[o++] = '_';
				out[o++] = '_';
			} else if (isalnum((unsigned char)*s)) {
				out[o++] = (char)toupper((unsigned char)*s);
			} else {
				out[o++] = '_';
			}
		}
	}
	out[o] = '\0';
	return 0;
}

static int
env_fields(struct ctx *x, const struct field *f, size_t nf, void *obj, const char *prefix)
{
	char name[PATHBUF];
	const char *v;
	int rc;

	for (size_t i = 0; i < nf; i++) {
		if (env_name(name, sizeof(name), prefix, f[i].path) != 0)
			continue; /* a name that long cannot have been set for us */
		v = getenv(name);
		if (v == NULL)
			continue;
		rc = cfg_set_field(x, &f[i], obj, v, name, 0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A back end's settings from the environment, by the names its driver
 * declares (SIGIL_VAULTS__MAIN__CONFIG__PATH, SIGIL_WATERMARK__DIR). */
static int
env_settings(struct settings *s, const struct setting_spec *specs, size_t n, const char *prefix,
             const char *map)
{
	char path[PATHBUF], name[PATHBUF];
	const char *v;
	int rc;

	for (size_t i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s%s", map, specs[i].key);
		if (env_name(name, sizeof(name), prefix, path) != 0 || (v = getenv(name)) == NULL)
			continue;
		if ((rc = settings_set(s, specs[i].key, v)) != 0)
			return rc;
	}
	return 0;
}

int
config_apply_env(struct sigil_config *c, char *err, size_t errlen)
{
	struct ctx x = {c, err, errlen, c->n_keys, false};
	char prefix[PATHBUF];
	int rc;

	rc = env_fields(&x, top_fields, NELEM(top_fields), c, NULL);
	if (rc == 0)
		rc = cfg_auth_env(c);
	for (size_t i = 0; rc == 0 && i < c->n_vaults; i++) {
		const struct vault_driver *d;
		cfg_join(prefix, sizeof(prefix), "vaults", c->vaults[i].name);
		strncat(prefix, ".", sizeof(prefix) - strlen(prefix) - 1);
		rc = env_fields(&x, vault_fields, NELEM(vault_fields), &c->vaults[i], prefix);
		if (rc == 0 && (d = vault_driver_find(c->vaults[i].driver)) != NULL)
			rc = env_settings(&c->vaults[i].settings, d->settings, d->n_settings, prefix,
			                  "config.");
	}
	const struct wm_driver *wd = wm_driver_find(c->watermark_driver);
	if (rc == 0 && wd != NULL)
		rc = env_settings(&c->watermark, wd->settings, wd->n_settings, NULL, "watermark.");
	for (size_t i = 0; rc == 0 && i < c->n_keys; i++) {
		cfg_join(prefix, sizeof(prefix), c->keys[i].chain->name, c->keys[i].address);
		strncat(prefix, ".", sizeof(prefix) - strlen(prefix) - 1);
		rc = env_fields(&x, cfg_key_fields, cfg_n_key_fields, &c->keys[i], prefix);
	}
	return rc;
}
