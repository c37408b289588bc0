/* `routes:` in the config (policy/routes.h): a list of routes, each with
 * an id, a `match` map and an `action` map. Refused: an unknown key, a
 * chain or kind that does not exist, an amount that is not a decimal
 * number, an id given twice, a vault that is not configured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "config/config_schema.h"

/* A scalar's text, or NULL with an error when v is not one. */
static const char *
route_scalar(struct ctx *x, const struct cnode *v, const char *full)
{
	if (v->type != CNODE_SCALAR || v->null) {
		cfg_errf(x->err, x->errlen, v->line, full, "expected a value, got %s",
		         v->null ? "nothing" : cfg_type_name(v));
		return NULL;
	}
	return v->str;
}

static int
route_kind_item(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	char why[128];
	if (route_add_kind(obj, item, why, sizeof(why)) != 0) {
		cfg_errf(x->err, x->errlen, line, full, "%s", why);
		return SIGIL_E_INVALID;
	}
	return 0;
}

/* An item of to_allowlist or of keys. */
struct route_list_ctx {
	struct route *r;
	bool keys;
};

static int
route_list_item(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	struct route_list_ctx *l = obj;
	int rc = l->keys ? route_add_key(l->r, item) : route_add_to(l->r, item);
	if (rc == SIGIL_E_TOO_BIG)
		cfg_errf(x->err, x->errlen, line, full, "more than %d items", ROUTE_LIST_MAX);
	else if (rc != 0)
		cfg_errf(x->err, x->errlen, line, full, "'%.60s' is not an address", item);
	return rc ? SIGIL_E_INVALID : 0;
}

static int
walk_match(struct ctx *x, struct route *r, const char *full, const struct cnode *m)
{
	char full2[PATHBUF], why[128];
	const char *s;
	int rc;

	if (m->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, m->line, full, "expected a map, got %s", cfg_type_name(m));
		return SIGIL_E_INVALID;
	}
	/* The chain first: kinds are its names. */
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->keys[i], "chain") != 0)
			continue;
		cfg_join(full2, sizeof(full2), full, "chain");
		if ((s = route_scalar(x, m->items[i], full2)) == NULL)
			return SIGIL_E_INVALID;
		if (route_set_chain(r, s, why, sizeof(why)) != 0) {
			cfg_errf(x->err, x->errlen, m->items[i]->line, full2, "%s", why);
			return SIGIL_E_INVALID;
		}
	}
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i];
		const struct cnode *v = m->items[i];
		cfg_join(full2, sizeof(full2), full, k);
		if (strcmp(k, "chain") == 0)
			continue;
		if (strcmp(k, "kind") == 0) {
			rc = v->type == CNODE_SCALAR && !v->null
			             ? route_kind_item(x, r, v->str, full2, v->line)
			             : cfg_each_item(x, full2, v, route_kind_item, r);
		} else if (strcmp(k, "asset") == 0) {
			/* "" (the chain's own coin) is a value here. */
			if (v->type != CNODE_SCALAR || (!v->null && strlen(v->str) >= sizeof(r->asset))) {
				cfg_errf(x->err, x->errlen, v->line, full2, "expected an asset");
				return SIGIL_E_INVALID;
			}
			r->has_asset = true;
			memcpy(r->asset, v->null ? "" : v->str, v->null ? 1 : strlen(v->str) + 1);
			rc = 0;
		} else if (strcmp(k, "amount_gte") == 0 || strcmp(k, "amount_lt") == 0) {
			if ((s = route_scalar(x, v, full2)) == NULL)
				return SIGIL_E_INVALID;
			rc = route_set_amount(k[7] == 'g' ? r->amount_gte : r->amount_lt, s);
			if (rc != 0)
				cfg_errf(x->err, x->errlen, v->line, full2,
				         "'%.60s' is not a whole number in the chain's smallest unit", s);
		} else if (strcmp(k, "to_allowlist") == 0 || strcmp(k, "keys") == 0) {
			struct route_list_ctx l = {r, k[0] == 'k'};
			rc = cfg_each_item(x, full2, v, route_list_item, &l);
		} else {
			cfg_errf(x->err, x->errlen, m->key_lines[i], full2, "unknown key");
			return SIGIL_E_INVALID;
		}
		if (rc != 0)
			return SIGIL_E_INVALID;
	}
	return 0;
}

static int
walk_action(struct ctx *x, struct route *r, const char *full, const struct cnode *m)
{
	char full2[PATHBUF];
	const char *s;

	if (m->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, m->line, full, "expected a map, got %s", cfg_type_name(m));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i];
		cfg_join(full2, sizeof(full2), full, k);
		if (strcmp(k, "vault") != 0 && strcmp(k, "require_approvals") != 0 &&
		    strcmp(k, "fail_mode") != 0) {
			cfg_errf(x->err, x->errlen, m->key_lines[i], full2, "unknown key");
			return SIGIL_E_INVALID;
		}
		if ((s = route_scalar(x, m->items[i], full2)) == NULL)
			return SIGIL_E_INVALID;
		if (k[0] == 'v') {
			if (strlen(s) >= sizeof(r->vault)) {
				cfg_errf(x->err, x->errlen, m->items[i]->line, full2, "too long");
				return SIGIL_E_INVALID;
			}
			memcpy(r->vault, s, strlen(s) + 1);
		} else if (k[0] == 'r') {
			char *end;
			unsigned long n = strtoul(s, &end, 10);
			if (*s < '0' || *s > '9' || *end != '\0' || n > 64) {
				cfg_errf(x->err, x->errlen, m->items[i]->line, full2,
				         "'%.40s' is not a number from 0 to 64", s);
				return SIGIL_E_INVALID;
			}
			r->require_approvals = (unsigned)n;
		} else if (strcmp(s, "fail_closed") == 0 || strcmp(s, "defer") == 0) {
			r->fail_mode = s[0] == 'd' ? ROUTE_DEFER : ROUTE_FAIL_CLOSED;
		} else {
			cfg_errf(x->err, x->errlen, m->items[i]->line, full2,
			         "'%.40s' is not fail_closed or defer", s);
			return SIGIL_E_INVALID;
		}
	}
	return 0;
}

int
cfg_walk_routes(struct ctx *x, const struct cnode *v)
{
	struct sigil_config *c = x->c;
	char full[PATHBUF];
	int rc;

	if (v->type == CNODE_SCALAR && v->null)
		return 0;
	if (v->type != CNODE_SEQ) {
		cfg_errf(x->err, x->errlen, v->line, "routes", "expected a list, got %s",
		         cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *it = v->items[i];
		struct route *r, *nr;
		snprintf(full, sizeof(full), "routes[%zu]", i);
		if (it->type != CNODE_MAP) {
			cfg_errf(x->err, x->errlen, it->line, full, "expected a map, got %s",
			         cfg_type_name(it));
			return SIGIL_E_INVALID;
		}
		if (c->n_routes >= ROUTES_MAX) {
			cfg_errf(x->err, x->errlen, it->line, full, "more than %d routes", ROUTES_MAX);
			return SIGIL_E_INVALID;
		}
		if ((nr = realloc(c->routes, (c->n_routes + 1) * sizeof(*nr))) == NULL)
			return SIGIL_E_NOMEM;
		c->routes = nr;
		r = &c->routes[c->n_routes++];
		memset(r, 0, sizeof(*r));
		r->line = it->line;
		for (size_t j = 0; j < it->n; j++) {
			const char *k = it->keys[j];
			char full2[PATHBUF];
			cfg_join(full2, sizeof(full2), full, k);
			if (strcmp(k, "id") == 0) {
				const char *s = route_scalar(x, it->items[j], full2);
				if (s == NULL)
					return SIGIL_E_INVALID;
				if (s[0] == '\0' || strlen(s) >= sizeof(r->id)) {
					cfg_errf(x->err, x->errlen, it->items[j]->line, full2,
					         "1 to %d characters", ROUTE_ID_MAX - 1);
					return SIGIL_E_INVALID;
				}
				memcpy(r->id, s, strlen(s) + 1);
				rc = 0;
			} else if (strcmp(k, "match") == 0) {
				rc = walk_match(x, r, full2, it->items[j]);
			} else if (strcmp(k, "action") == 0) {
				rc = walk_action(x, r, full2, it->items[j]);
			} else {
				cfg_errf(x->err, x->errlen, it->key_lines[j], full2, "unknown key");
				rc = SIGIL_E_INVALID;
			}
			if (rc != 0)
				return rc;
		}
		if (r->id[0] == '\0') {
			cfg_errf(x->err, x->errlen, it->line, full, "needs an id");
			return SIGIL_E_INVALID;
		}
		for (size_t j = 0; j + 1 < c->n_routes; j++) {
			if (strcmp(c->routes[j].id, r->id) == 0) {
				cfg_errf(x->err, x->errlen, it->line, full, "id %s is taken by an earlier "
				         "route", r->id);
				return SIGIL_E_INVALID;
			}
		}
	}
	return 0;
}

int
cfg_routes_validate(const struct sigil_config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct route *r = &c->routes[i];
		char path[PATHBUF];
		snprintf(path, sizeof(path), "routes[%zu].action.vault", i);
		if (r->vault[0] && config_find_vault(c, r->vault) == NULL) {
			cfg_errf(err, errlen, r->line, path, "no vault %s is configured", r->vault);
			return SIGIL_E_INVALID;
		}
	}
	return 0;
}
