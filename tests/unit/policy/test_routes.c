/* Routes (policy/routes.h): first match wins, every operation within the
 * bounds (a batch cannot hide a large transfer behind a small one), opaque
 * requests only for "unknown", decimal amounts of any size, addresses as
 * the chains write them, and routes read from the config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/errors.h"
#include "config/config.h"
#include "policy/routes.h"

static const struct chain_ops *tezos;

/* An intent of kind `generic` with the given (amount, destination) ops. */
static struct sign_intent
intent(size_t n, const char *const *amounts, const char *const *dests)
{
	struct sign_intent in;
	memset(&in, 0, sizeof(in));
	in.kind = (unsigned)tezos->kind_from_name("generic");
	in.n_ops = (uint32_t)n;
	for (size_t i = 0; i < n && i < 2; i++) { /* the arrays hold two at most */
		snprintf(in.ops[i].amount, sizeof(in.ops[i].amount), "%s", amounts[i]);
		snprintf(in.ops[i].destination, sizeof(in.ops[i].destination), "%s", dests[i]);
	}
	return in;
}

static struct route
route(const char *id, const char *gte, const char *lt)
{
	struct route r;
	char why[128];
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	assert_int_equal(route_set_chain(&r, "tezos", why, sizeof(why)), 0);
	assert_int_equal(route_add_kind(&r, "generic", why, sizeof(why)), 0);
	if (gte)
		assert_int_equal(route_set_amount(r.amount_gte, gte), 0);
	if (lt)
		assert_int_equal(route_set_amount(r.amount_lt, lt), 0);
	return r;
}

static void
test_amounts(void **state)
{
	struct route rs[2] = {route("small", NULL, "2000000"), route("big", "2000000", NULL)};
	const char *d[] = {"tz1a", "tz1b"};
	(void)state;

	const char *one[] = {"1000000"};
	struct sign_intent in = intent(1, one, d);
	assert_string_equal(route_match(rs, 2, tezos, &in, "tz1k", NULL)->id, "small");
	const char *edge[] = {"2000000"};
	in = intent(1, edge, d);
	assert_string_equal(route_match(rs, 2, tezos, &in, "tz1k", NULL)->id, "big");
	/* 2^256 - 1 and more digits than any 64-bit number. */
	const char *huge[] = {"115792089237316195423570985008687907853269984665640564039457584007913129639935"};
	in = intent(1, huge, d);
	assert_string_equal(route_match(rs, 2, tezos, &in, "tz1k", NULL)->id, "big");
	/* A batch: a small transfer in front of a large one matches neither. */
	const char *mixed[] = {"1", "5000000"};
	in = intent(2, mixed, d);
	assert_null(route_match(rs, 2, tezos, &in, "tz1k", NULL));
	const char *two_small[] = {"1", "1999999"};
	in = intent(2, two_small, d);
	assert_string_equal(route_match(rs, 2, tezos, &in, "tz1k", NULL)->id, "small");
	/* More operations than the chain describes: only "unknown" takes it. */
	in = intent(INTENT_OPS_MAX + 1, two_small, d);
	assert_null(route_match(rs, 2, tezos, &in, "tz1k", NULL));
	struct route any[3] = {rs[0], rs[1], route("unknown", NULL, NULL)};
	char why[64];
	any[2].kinds = 0;
	assert_int_equal(route_add_kind(&any[2], "unknown", why, sizeof(why)), 0);
	assert_string_equal(route_match(any, 3, tezos, &in, "tz1k", NULL)->id, "unknown");
	in = intent(1, one, d);
	in.opaque = true;
	assert_string_equal(route_match(any, 3, tezos, &in, "tz1k", NULL)->id, "unknown");
	/* A route for unknown does not take what is fully known. */
	in.opaque = false;
	assert_string_equal(route_match(&any[2], 1, tezos, &in, "tz1k", NULL) ? "x" : "none", "none");
	/* Another kind: no generic route takes it. */
	in.kind = (unsigned)tezos->kind_from_name("attestation");
	in.n_ops = 0;
	assert_null(route_match(rs, 2, tezos, &in, "tz1k", NULL));
}

static void
test_lists(void **state)
{
	struct route r = route("allow", NULL, NULL);
	const char *a[] = {"1"};
	const char *to_ok[] = {"0xAbCdEf0000000000000000000000000000000001"};
	const char *to_bad[] = {"0xabcdef0000000000000000000000000000000002"};
	(void)state;

	assert_int_equal(route_add_to(&r, "0xabcdef0000000000000000000000000000000001"), 0);
	assert_int_equal(route_add_key(&r, "tz1key"), 0);
	struct sign_intent in = intent(1, a, to_ok);
	/* Ethereum's hex in any case is the same address. */
	assert_non_null(route_match(&r, 1, tezos, &in, "tz1key", NULL));
	assert_null(route_match(&r, 1, tezos, &in, "tz1other", NULL));
	assert_non_null(route_match(&r, 1, tezos, &in, "tz1other", "tz1key"));
	in = intent(1, a, to_bad);
	assert_null(route_match(&r, 1, tezos, &in, "tz1key", NULL));
	/* No operation to hold an allow-list against: not this route. */
	in = intent(0, a, to_ok);
	assert_null(route_match(&r, 1, tezos, &in, "tz1key", NULL));
	for (int i = 1; i < ROUTE_LIST_MAX; i++)
		assert_int_equal(route_add_key(&r, "tz1more"), 0);
	assert_int_equal(route_add_key(&r, "tz1toomany"), SIGIL_E_TOO_BIG);
	/* Another chain's route never takes it. */
	struct route other = route("x", NULL, NULL);
	other.chain = chain_find("raw-ed25519");
	if (other.chain != NULL) {
		in = intent(1, a, to_ok);
		assert_null(route_match(&other, 1, tezos, &in, "tz1key", NULL));
	}
}

static void
test_amount_text(void **state)
{
	char out[ROUTE_AMOUNT_MAX];
	(void)state;

	assert_int_equal(route_set_amount(out, "0"), 0);
	assert_int_equal(route_set_amount(out, "10"), 0);
	assert_int_equal(route_set_amount(out, "010"), SIGIL_E_INVALID);
	assert_int_equal(route_set_amount(out, "-1"), SIGIL_E_INVALID);
	assert_int_equal(route_set_amount(out, "1.5"), SIGIL_E_INVALID);
	assert_int_equal(route_set_amount(out, ""), SIGIL_E_INVALID);
	assert_true(route_amount_cmp("9", "10") < 0);
	assert_true(route_amount_cmp("10", "9") > 0);
	assert_true(route_amount_cmp("123", "123") == 0);
}

static struct sigil_config *
load(const char *yaml, int want, const char *err_part)
{
	struct sigil_config *c = NULL;
	char err[512] = "";
	int rc = config_load_string(yaml, strlen(yaml), &c, err, sizeof(err));
	if (rc != want)
		fail_msg("gave %d (%s), not %d, for:\n%s", rc, err, want, yaml);
	if (err_part && strstr(err, err_part) == NULL)
		fail_msg("error '%s' lacks '%s'", err, err_part);
	return c;
}

static void
test_config(void **state)
{
	(void)state;
	struct sigil_config *c = load(
		"routes:\n"
		"  - id: small\n"
		"    match: {chain: tezos, kind: [generic], amount_lt: '2000000', to_allowlist: [tz1a]}\n"
		"    action: {vault: main, fail_mode: defer}\n"
		"  - id: big\n"
		"    match: {chain: tezos, kind: generic, asset: ''}\n"
		"    action: {require_approvals: 2}\n",
		0, NULL);
	assert_int_equal(c->n_routes, 2);
	assert_string_equal(c->routes[0].id, "small");
	assert_string_equal(c->routes[0].amount_lt, "2000000");
	assert_int_equal(c->routes[0].n_to, 1);
	assert_int_equal(c->routes[0].fail_mode, ROUTE_DEFER);
	assert_string_equal(c->routes[0].vault, "main");
	assert_true(c->routes[1].has_asset);
	assert_int_equal(c->routes[1].require_approvals, 2);
	assert_int_equal(c->routes[1].fail_mode, ROUTE_FAIL_CLOSED);
	config_free(c);

	load("routes:\n  - match: {chain: tezos}\n", SIGIL_E_INVALID, "needs an id");
	load("routes:\n  - {id: a}\n  - {id: a}\n", SIGIL_E_INVALID, "taken");
	load("routes:\n  - {id: a, match: {chain: nochain}}\n", SIGIL_E_INVALID, "no chain nochain");
	load("routes:\n  - {id: a, match: {kind: generic}}\n", SIGIL_E_INVALID, "needs the route's chain");
	load("routes:\n  - {id: a, match: {chain: tezos, kind: nope}}\n", SIGIL_E_INVALID,
	     "no request kind nope");
	load("routes:\n  - {id: a, match: {chain: tezos, amount_lt: '1e6'}}\n", SIGIL_E_INVALID,
	     "not a whole number");
	load("routes:\n  - {id: a, action: {fail_mode: maybe}}\n", SIGIL_E_INVALID,
	     "not fail_closed or defer");
	load("routes:\n  - {id: a, action: {vault: nowhere}}\n", SIGIL_E_INVALID,
	     "no vault nowhere");
	load("routes:\n  - {id: a, action: {require_approvals: -1}}\n", SIGIL_E_INVALID,
	     "not a number");
	load("routes:\n  - {id: a, match: {colour: red}}\n", SIGIL_E_INVALID, "unknown key");
	load("routes: {id: a}\n", SIGIL_E_INVALID, "expected a list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_amount_text),
		cmocka_unit_test(test_config),
	};
	tezos = chain_find("tezos");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
