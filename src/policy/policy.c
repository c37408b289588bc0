#include "policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"

_Static_assert(CHAIN_KINDS_MAX <= 32, "request kinds must fit the uint32_t mask");

#define BIT_KIND(k) (1u << (unsigned)(k))

static void __attribute__((format(printf, 3, 4)))
reason_set(char *reason, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (reason == NULL || cap == 0)
		return;
	/* A truncated reason is still a refusal; nothing more to do. */
	va_start(ap, fmt);
	(void)vsnprintf(reason, cap, fmt, ap);
	va_end(ap);
}

int
policy_key_init_default(struct policy_key *k, const struct chain_ops *chain, const char *address)
{
	size_t len;

	memset(k, 0, sizeof(*k));
	if (chain == NULL || address == NULL)
		return SIGIL_E_INVALID;
	len = strlen(address);
	if (len == 0 || len >= sizeof(k->address) || chain->address_check(address) != 0)
		return SIGIL_E_INVALID;
	k->chain = chain;
	memcpy(k->address, address, len + 1);
	k->allow_kinds = chain->default_kinds;
	return 0;
}

void
policy_clear_allow(struct policy_key *k)
{
	k->allow_kinds = 0;
	k->allow_ops = 0;
}

int
policy_req_kind_from_name(const struct policy_key *k, const char *name)
{
	int kind;

	if (k->chain == NULL || name == NULL)
		return -1;
	kind = k->chain->kind_from_name(name);
	return kind < 0 || (unsigned)kind >= k->chain->n_kinds ? -1 : kind;
}

int
policy_allow_name(struct policy_key *k, const char *name)
{
	int kind = policy_req_kind_from_name(k, name);

	if (kind < 0)
		return SIGIL_E_INVALID;
	k->allow_kinds |= BIT_KIND(kind);
	return 0;
}

int
policy_allow_op_name(struct policy_key *k, const char *op)
{
	uint64_t ops;

	if (k->chain == NULL || op == NULL || k->chain->ops_kind < 0)
		return SIGIL_E_INVALID;
	if ((ops = k->chain->ops_from_name(op)) == 0)
		return SIGIL_E_INVALID;
	k->allow_ops |= ops;
	k->allow_kinds |= BIT_KIND(k->chain->ops_kind);
	return 0;
}

int
policy_allow_chain(struct policy_key *k, const char *network)
{
	uint8_t id[CHAIN_NETWORK_MAX];
	size_t idlen = 0;
	int rc;

	if (k->chain == NULL || k->chain->network_parse == NULL || network == NULL)
		return SIGIL_E_INVALID;
	if ((rc = k->chain->network_parse(network, id, &idlen)) != 0)
		return rc < 0 ? rc : SIGIL_E_INVALID;
	for (size_t i = 0; i < k->n_networks; i++)
		if (k->network_len[i] == idlen && memcmp(k->networks[i], id, idlen) == 0)
			return 0;
	if (k->n_networks >= POLICY_MAX_CHAINS)
		return SIGIL_E_TOO_BIG;
	memcpy(k->networks[k->n_networks], id, idlen);
	k->network_len[k->n_networks++] = idlen;
	return 0;
}

int
policy_add_auth_key(struct policy_key *k, const char *public_key)
{
	struct chain_pubkey pk;
	int rc;

	memset(&pk, 0, sizeof(pk));
	if (k->chain == NULL || public_key == NULL)
		return SIGIL_E_INVALID;
	rc = k->chain->public_key_parse(public_key, &pk.type, pk.pk, &pk.pk_len);
	if (rc != 0)
		return rc < 0 ? rc : SIGIL_E_INVALID;
	if (pk.pk_len == 0 || pk.pk_len > sizeof(pk.pk))
		return SIGIL_E_INVALID;
	if (policy_auth_key_allowed(k, pk.type, pk.pk, pk.pk_len) && k->n_auth_keys > 0)
		return 0;
	if (k->n_auth_keys >= POLICY_MAX_AUTH_KEYS)
		return SIGIL_E_TOO_BIG;
	k->auth_keys[k->n_auth_keys++] = pk;
	return 0;
}

bool
policy_auth_key_allowed(const struct policy_key *k, enum sigil_key_type t, const uint8_t *pk,
                        size_t pklen)
{
	if (k->n_auth_keys == 0)
		return true;
	for (size_t i = 0; i < k->n_auth_keys; i++) {
		const struct chain_pubkey *a = &k->auth_keys[i];
		/* Public keys: an ordinary comparison leaks nothing secret. */
		if (a->type == t && a->pk_len == pklen && memcmp(a->pk, pk, pklen) == 0)
			return true;
	}
	return false;
}

static void
network_reason(const struct policy_key *k, const struct sign_intent *in, char *reason, size_t cap)
{
	char text[CHAIN_TEXT_MAX];

	if (k->chain->network_text == NULL ||
	    k->chain->network_text(in->network, in->network_len, text, sizeof(text)) != 0) {
		/* Still name the network, in hex, rather than say nothing. */
		if (hex_encode(in->network, in->network_len, text, sizeof(text)) != 0)
			text[0] = '\0';
	}
	reason_set(reason, cap, "chain %s not allowed", text);
}

int
policy_check(const struct policy_key *k, const struct sign_intent *in, char *reason, size_t cap)
{
	const struct chain_ops *c;
	const char *name;

	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (k == NULL || in == NULL || k->chain == NULL) {
		reason_set(reason, cap, "%s", "no policy");
		return SIGIL_E_POLICY;
	}
	c = k->chain;
	if (in->kind >= c->n_kinds) {
		reason_set(reason, cap, "%s", "unknown request kind");
		return SIGIL_E_POLICY;
	}
	if ((k->allow_kinds & BIT_KIND(in->kind)) == 0) {
		reason_set(reason, cap, "request kind %s not allowed", c->kinds[in->kind]);
		return SIGIL_E_POLICY;
	}
	if (in->network_len > 0 && k->n_networks > 0) {
		bool found = false;
		for (size_t i = 0; i < k->n_networks && !found; i++)
			found = k->network_len[i] == in->network_len &&
			        memcmp(k->networks[i], in->network, in->network_len) == 0;
		if (!found) {
			network_reason(k, in, reason, cap);
			return SIGIL_E_POLICY;
		}
	}
	if (c->ops_kind >= 0 && in->kind == (unsigned)c->ops_kind) {
		uint64_t denied = in->op_kinds & ~k->allow_ops;

		if (in->op_kinds == 0) {
			reason_set(reason, cap, "%s request with no operations", c->kinds[in->kind]);
			return SIGIL_E_POLICY;
		}
		if (denied != 0) {
			unsigned op = (unsigned)__builtin_ctzll(denied);
			if ((name = c->op_name(op)) == NULL)
				reason_set(reason, cap, "%s", "unknown operation kind");
			else
				reason_set(reason, cap, "operation kind %s not allowed", name);
			return SIGIL_E_POLICY;
		}
	}
	return 0;
}

int
policy_check_pop(const struct policy_key *k, char *reason, size_t cap)
{
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (k == NULL || !k->allow_proof_of_possession) {
		reason_set(reason, cap, "%s", "proof of possession not allowed");
		return SIGIL_E_POLICY;
	}
	return 0;
}
