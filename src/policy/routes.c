/* Routes (routes.h). */
#include "policy/routes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/errors.h"

int
route_set_chain(struct route *r, const char *name, char *why, size_t cap)
{
	if ((r->chain = chain_find(name)) == NULL) {
		snprintf(why, cap, "no chain %.60s", name);
		return SIGIL_E_INVALID;
	}
	return 0;
}

int
route_add_kind(struct route *r, const char *name, char *why, size_t cap)
{
	int k;

	if (strcmp(name, "unknown") == 0) {
		r->kind_unknown = true;
		return 0;
	}
	if (r->chain == NULL) {
		snprintf(why, cap, "a kind needs the route's chain");
		return SIGIL_E_INVALID;
	}
	if ((k = r->chain->kind_from_name(name)) < 0 || k >= 32) {
		snprintf(why, cap, "%s has no request kind %.60s", r->chain->name, name);
		return SIGIL_E_INVALID;
	}
	r->kinds |= 1u << k;
	return 0;
}

int
route_set_amount(char out[static ROUTE_AMOUNT_MAX], const char *text)
{
	size_t n = strlen(text);

	if (n == 0 || n >= ROUTE_AMOUNT_MAX || (n > 1 && text[0] == '0'))
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < n; i++)
		if (text[i] < '0' || text[i] > '9')
			return SIGIL_E_INVALID;
	memcpy(out, text, n + 1);
	return 0;
}

static int
route_list_add(char list[][CHAIN_ADDRESS_MAX], size_t *n, const char *addr)
{
	size_t len = strlen(addr);

	if (len == 0 || len >= CHAIN_ADDRESS_MAX)
		return SIGIL_E_INVALID;
	if (*n >= ROUTE_LIST_MAX)
		return SIGIL_E_TOO_BIG;
	memcpy(list[(*n)++], addr, len + 1);
	return 0;
}

int
route_add_to(struct route *r, const char *addr)
{
	return route_list_add(r->to, &r->n_to, addr);
}

int
route_add_key(struct route *r, const char *addr)
{
	return route_list_add(r->keys, &r->n_keys, addr);
}

int
route_amount_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

/* Addresses as the chains write them: Ethereum's hex in any case. */
static bool
route_same_address(const char *a, const char *b)
{
	if (strncmp(a, "0x", 2) == 0 && strncmp(b, "0x", 2) == 0)
		return strcasecmp(a, b) == 0;
	return strcmp(a, b) == 0;
}

static bool
route_in(const char list[][CHAIN_ADDRESS_MAX], size_t n, const char *a)
{
	for (size_t i = 0; a != NULL && i < n; i++)
		if (route_same_address(list[i], a))
			return true;
	return false;
}

/* Every described operation within the route's asset, amount and
 * destination conditions. An operation that names no amount counts as 0;
 * one that names no destination is outside any allow-list. */
static bool
route_ops_ok(const struct route *r, const struct sign_intent *in)
{
	for (uint32_t i = 0; i < in->n_ops && i < INTENT_OPS_MAX; i++) {
		const struct intent_op *op = &in->ops[i];
		const char *amount = op->amount[0] ? op->amount : "0";
		if (r->has_asset && !route_same_address(r->asset, op->asset))
			return false;
		if (r->amount_gte[0] && route_amount_cmp(amount, r->amount_gte) < 0)
			return false;
		if (r->amount_lt[0] && route_amount_cmp(amount, r->amount_lt) >= 0)
			return false;
		if (r->n_to > 0 && !route_in(r->to, r->n_to, op->destination))
			return false;
	}
	return true;
}

const struct route *
route_match(const struct route *routes, size_t n, const struct chain_ops *chain,
            const struct sign_intent *in, const char *address, const char *key_id)
{
	/* What the chain could not account for in full: only an explicit
	 * "unknown" takes it. */
	bool opaque = in->opaque || in->n_ops > INTENT_OPS_MAX;

	for (size_t i = 0; i < n; i++) {
		const struct route *r = &routes[i];
		if (r->chain != NULL && r->chain != chain)
			continue;
		if (opaque ? !r->kind_unknown
		           : (r->kinds != 0 || r->kind_unknown) && !(r->kinds & (1u << in->kind)))
			continue;
		if (r->n_keys > 0 && !route_in(r->keys, r->n_keys, address) &&
		    !route_in(r->keys, r->n_keys, key_id))
			continue;
		if (!opaque && !route_ops_ok(r, in))
			continue;
		/* Amount or destination conditions, and nothing to hold them
		 * against: not this route. */
		if ((r->amount_gte[0] || r->amount_lt[0] || r->n_to > 0 || r->has_asset) &&
		    (opaque || in->n_ops == 0))
			continue;
		return r;
	}
	return NULL;
}
