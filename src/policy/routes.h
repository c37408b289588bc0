/* Routes (SignRoutes, in the shape of the Integritee Signer Layer's): an
 * ordered list the config's `routes:` gives; a request that passed its
 * key's policy is matched against them, the first match wins, and one that
 * matches none is refused. A route matches on what the chain decoded from
 * the bytes (never on what the caller says): chain, request kind, asset,
 * amount, destination, and on the key.
 *
 *   routes:
 *     - id: small-transfers
 *       match:
 *         chain: ethereum
 *         kind: [transaction]        # a name or a list; "unknown" for requests
 *                                    # whose effect the chain cannot account for
 *         asset: ""                  # "" the chain's own coin, else a token contract
 *         amount_gte: "0"            # decimal, the chain's smallest unit
 *         amount_lt: "1000000000000000000"
 *         to_allowlist: [0x…]
 *         keys: [0x…]                # addresses (or v1 key ids)
 *       action:
 *         vault: main                # the key must be in this vault
 *         require_approvals: 0       # > 0: refused until approvals exist
 *         fail_mode: fail_closed     # or defer: 503 and Retry-After while the
 *                                    # vault cannot serve
 *
 * Every operation of a request must satisfy the amount, asset and
 * destination conditions (a batch cannot hide a large transfer behind a
 * small one). A request with more operations than the chain describes,
 * or an opaque one (sign_intent.opaque), matches only a route whose kinds
 * include "unknown". A route is a plain value. */
#ifndef SIGIL_POLICY_ROUTES_H
#define SIGIL_POLICY_ROUTES_H
#include <stdbool.h>
#include <stddef.h>

#include "chain/chain.h"

#define ROUTE_ID_MAX 64
#define ROUTE_LIST_MAX 32      /* items of to_allowlist and keys */
#define ROUTE_AMOUNT_MAX 80    /* decimal digits of an amount, NUL included */
#define ROUTES_MAX 128
#define ROUTE_VAULT_MAX 64

enum route_fail_mode { ROUTE_FAIL_CLOSED = 0, ROUTE_DEFER };

struct route {
	char id[ROUTE_ID_MAX];
	/* match */
	const struct chain_ops *chain;      /* NULL: any chain */
	uint32_t kinds;                     /* of chain; 0: any kind */
	bool kind_unknown;                  /* "unknown" is among the kinds */
	bool has_asset;
	char asset[CHAIN_ADDRESS_MAX];
	char amount_gte[ROUTE_AMOUNT_MAX];  /* "" when absent */
	char amount_lt[ROUTE_AMOUNT_MAX];
	char to[ROUTE_LIST_MAX][CHAIN_ADDRESS_MAX];
	size_t n_to;                        /* 0: any destination */
	char keys[ROUTE_LIST_MAX][CHAIN_ADDRESS_MAX];
	size_t n_keys;                      /* 0: any key */
	/* action */
	char vault[ROUTE_VAULT_MAX];        /* "" any */
	unsigned require_approvals;
	enum route_fail_mode fail_mode;
	unsigned line;                      /* in the config, for messages */
};

/* Sets one match or action field from its text; SIGIL_E_INVALID with a
 * reason for a bad value (an unknown chain or kind, an amount that is not
 * a decimal number, a list too long). Kinds need the chain set first. */
int route_set_chain(struct route *r, const char *name, char *why, size_t cap);
int route_add_kind(struct route *r, const char *name, char *why, size_t cap);
int route_set_amount(char out[static ROUTE_AMOUNT_MAX], const char *text);
int route_add_to(struct route *r, const char *addr);
int route_add_key(struct route *r, const char *addr);

/* The first of routes[0..n) that the request matches, or NULL. in is what
 * chain decoded; address the key's, key_id its v1 id (may be NULL). */
const struct route *route_match(const struct route *routes, size_t n,
                                const struct chain_ops *chain, const struct sign_intent *in,
                                const char *address, const char *key_id);

/* Compares two decimal numbers without leading zeros ("0" itself is
 * fine): <0, 0, >0. */
int route_amount_cmp(const char *a, const char *b);

#endif
