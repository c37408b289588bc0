/* A chain's map of keys in the config (`tezos:`): one policy_key per
 * address, its names read through the chain's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_schema.h"
#include "base/errors.h"

#define KEY(m) offsetof(struct policy_key, m)
const struct field cfg_key_fields[] = {
	{"log_payloads", FT_BOOL, KEY(log_payloads), 0, 0},
	{"allow_proof_of_possession", FT_BOOL, KEY(allow_proof_of_possession), 0, 0},
};
const size_t cfg_n_key_fields = NELEM(cfg_key_fields);

static int
key_chain(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	int rc = policy_allow_chain(obj, item);
	if (rc == SIGIL_E_TOO_BIG)
		cfg_errf(x->err, x->errlen, line, full, "more than %d chains", POLICY_MAX_CHAINS);
	else if (rc != 0)
		cfg_errf(x->err, x->errlen, line, full, "'%.80s' is not a %s", item,
		         ((struct policy_key *)obj)->chain->network_form
		                 ? ((struct policy_key *)obj)->chain->network_form : "network id");
	return rc ? SIGIL_E_INVALID : 0;
}

static int
key_auth(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	int rc = policy_add_auth_key(obj, item);
	if (rc == SIGIL_E_TOO_BIG)
		cfg_errf(x->err, x->errlen, line, full, "more than %d keys", POLICY_MAX_AUTH_KEYS);
	else if (rc != 0)
		cfg_errf(x->err, x->errlen, line, full, "'%.80s' is not a public key", item);
	return rc ? SIGIL_E_INVALID : 0;
}

static int
key_op(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	if (policy_allow_op_name(obj, item) != 0) {
		cfg_errf(x->err, x->errlen, line, full, "unknown operation kind '%.60s'", item);
		return SIGIL_E_INVALID;
	}
	return 0;
}


static int
key_allow(struct ctx *x, struct policy_key *k, const char *full, const struct cnode *v)
{
	char full2[PATHBUF];
	bool on;
	int rc;

	policy_clear_allow(k);
	if (v->type == CNODE_SCALAR && v->null)
		return 0;
	if (v->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, v->line, full, "expected a map, got %s", cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *it = v->items[i];
		const char *name = v->keys[i];

		cfg_join(full2, sizeof(full2), full, name);
		if (k->chain->ops_kind >= 0 && strcmp(name, k->chain->kinds[k->chain->ops_kind]) == 0) {
			/* Only a non-empty list allows generic requests at all. */
			if (it->type == CNODE_SCALAR && it->null)
				continue;
			rc = cfg_each_item(x, full2, it, key_op, k);
			if (rc != 0)
				return rc;
			continue;
		}
		on = true;
		if (it->type != CNODE_SCALAR || (!it->null && cfg_parse_bool(it->str, &on) != 0)) {
			cfg_errf(x->err, x->errlen, it->line, full2,
			         "expected no value (or true/false)");
			return SIGIL_E_INVALID;
		}
		if (policy_req_kind_from_name(k, name) < 0) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full2, "unknown request kind");
			return SIGIL_E_INVALID;
		}
		if (on && policy_allow_name(k, name) != 0) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full2, "unknown request kind");
			return SIGIL_E_INVALID;
		}
	}
	return 0;
}

static int
key_special(struct ctx *x, void *obj, const char *rel, const char *full, const struct cnode *v,
            unsigned line)
{
	struct policy_key *k = obj;
	int rc;

	(void)line;
	if (strcmp(rel, "allow") == 0) {
		rc = key_allow(x, k, full, v);
		return rc ? rc : 1;
	}
	if (strcmp(rel, "allowed_chains") == 0 || strcmp(rel, "authorized_keys") == 0) {
		bool chains = strcmp(rel, "allowed_chains") == 0;
		if (v->type == CNODE_SEQ && v->n == 0) {
			/* An empty list would read as "any"; say so instead. */
			cfg_errf(x->err, x->errlen, v->line, full,
			         "empty list: leave the field out instead");
			return SIGIL_E_INVALID;
		}
		rc = cfg_each_item(x, full, v, chains ? key_chain : key_auth, k);
		return rc ? rc : 1;
	}
	return 0;
}

static const struct schema key_schema = {cfg_key_fields, NELEM(cfg_key_fields), NULL, 0,
                                         key_special};

static int
add_key(struct ctx *x, const struct policy_key *k)
{
	struct sigil_config *c = x->c;

	if (c->n_keys == x->keys_cap) {
		size_t ncap = x->keys_cap ? x->keys_cap * 2 : 8;
		struct policy_key *nk = realloc(c->keys, ncap * sizeof(*nk));
		if (nk == NULL)
			return SIGIL_E_NOMEM;
		c->keys = nk;
		x->keys_cap = ncap;
	}
	c->keys[c->n_keys++] = *k;
	return 0;
}

int
cfg_walk_chain_keys(struct ctx *x, const struct chain_ops *chain, const struct cnode *v)
{
	char full[PATHBUF];
	struct policy_key k;
	int rc;

	if (v->type == CNODE_SCALAR && v->null)
		return 0;
	if (v->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, v->line, chain->name, "expected a map, got %s",
		         cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *kv = v->items[i];

		cfg_join(full, sizeof(full), chain->name, v->keys[i]);
		if (policy_key_init_default(&k, chain, v->keys[i]) != 0) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full, "not a key address (%s)",
			         chain->address_form);
			return SIGIL_E_INVALID;
		}
		if (!(kv->type == CNODE_SCALAR && kv->null)) {
			if (kv->type != CNODE_MAP) {
				cfg_errf(x->err, x->errlen, kv->line, full, "expected a map, got %s",
				         cfg_type_name(kv));
				return SIGIL_E_INVALID;
			}
			rc = cfg_walk_map(x, &key_schema, &k, NULL, full, kv);
			if (rc != 0)
				return rc;
		}
		if ((rc = add_key(x, &k)) != 0)
			return rc;
	}
	return 0;
}
