#include "policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chain/tezos/b58.h"
#include "base/errors.h"

_Static_assert(TZ_OP_KIND_COUNT <= 64, "op kinds must fit the uint64_t mask");
_Static_assert(TZ_REQ_KINDS <= 32, "request kinds must fit the uint32_t mask");

#define BIT_KIND(k) (1u << (unsigned)(k))
#define BIT_OP(o) (UINT64_C(1) << (unsigned)(o))
#define ALL_OPS (TZ_OP_KIND_COUNT == 64 ? UINT64_MAX : (BIT_OP(TZ_OP_KIND_COUNT) - 1))

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
policy_key_init_default(struct policy_key *k, const char *address)
{
	size_t len;
	int rc;

	memset(k, 0, sizeof(*k));
	if (address == NULL)
		return SIGIL_E_INVALID;
	len = strlen(address);
	if (len == 0 || len >= sizeof(k->address))
		return SIGIL_E_INVALID;
	rc = tz_pkh_decode(address, len, &k->type, k->pkh);
	if (rc != 0) {
		memset(k, 0, sizeof(*k));
		return rc < 0 ? rc : SIGIL_E_INVALID;
	}
	memcpy(k->address, address, len + 1);
	k->allow_kinds = BIT_KIND(TZ_REQ_BLOCK) | BIT_KIND(TZ_REQ_PREATTESTATION) |
	                 BIT_KIND(TZ_REQ_ATTESTATION);
	return 0;
}

void
policy_clear_allow(struct policy_key *k)
{
	k->allow_kinds = 0;
	k->allow_ops = 0;
}

/* The names from before protocol 018 (Oxford) renamed endorsements to
 * attestations. Signatory still reads them, as request kinds and as generic
 * operation kinds alike (fixupRequests and PreparePolicy in its
 * pkg/signatory/signatory.go), so a configuration carried over keeps its
 * meaning. Its renames of double_(pre)endorsement_evidence lead to kinds
 * that 023 merged away; those stay unknown here, which stops the start. */
static const char *
policy_current_name(const char *name)
{
	if (strcmp(name, "endorsement") == 0)
		return "attestation";
	if (strcmp(name, "preendorsement") == 0)
		return "preattestation";
	return name;
}

int
policy_req_kind_from_name(const char *name)
{
	return name == NULL ? -1 : tz_req_kind_from_name(policy_current_name(name));
}

int
policy_allow_name(struct policy_key *k, const char *name)
{
	int kind = policy_req_kind_from_name(name);

	if (kind < 0 || kind >= TZ_REQ_KINDS)
		return SIGIL_E_INVALID;
	k->allow_kinds |= BIT_KIND(kind);
	return 0;
}

int
policy_allow_op_name(struct policy_key *k, const char *op)
{
	int kind;

	if (op == NULL)
		return SIGIL_E_INVALID;
	/* Signatory's shorthand: a bare "ballot" allows every vote. */
	if (strcmp(op, "ballot") == 0) {
		k->allow_ops |= BIT_OP(TZ_OP_BALLOT_YAY) | BIT_OP(TZ_OP_BALLOT_NAY) |
		                BIT_OP(TZ_OP_BALLOT_PASS);
	} else {
		kind = tz_op_kind_from_name(policy_current_name(op));
		if (kind < 0 || kind >= TZ_OP_KIND_COUNT)
			return SIGIL_E_INVALID;
		k->allow_ops |= BIT_OP(kind);
	}
	k->allow_kinds |= BIT_KIND(TZ_REQ_GENERIC);
	return 0;
}

int
policy_allow_chain(struct policy_key *k, const char *chain_b58)
{
	uint8_t id[4];
	size_t idlen = 0;
	int rc;

	if (chain_b58 == NULL)
		return SIGIL_E_INVALID;
	rc = tz_b58_decode(chain_b58, strlen(chain_b58), TZ_P_NET, id, sizeof(id), &idlen);
	if (rc != 0)
		return rc < 0 ? rc : SIGIL_E_INVALID;
	if (idlen != sizeof(id))
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < k->n_chains; i++)
		if (memcmp(k->chains[i], id, sizeof(id)) == 0)
			return 0;
	if (k->n_chains >= POLICY_MAX_CHAINS)
		return SIGIL_E_TOO_BIG;
	memcpy(k->chains[k->n_chains++], id, sizeof(id));
	return 0;
}

int
policy_add_auth_key(struct policy_key *k, const char *pk_b58)
{
	struct policy_pubkey pk;
	int rc;

	memset(&pk, 0, sizeof(pk));
	if (pk_b58 == NULL)
		return SIGIL_E_INVALID;
	rc = tz_pk_decode(pk_b58, strlen(pk_b58), &pk.type, pk.pk, &pk.pk_len);
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
		const struct policy_pubkey *a = &k->auth_keys[i];
		/* Public keys: an ordinary comparison leaks nothing secret. */
		if (a->type == t && a->pk_len == pklen && memcmp(a->pk, pk, pklen) == 0)
			return true;
	}
	return false;
}

static void
chain_reason(const uint8_t id[4], char *reason, size_t cap)
{
	char b58[TZ_B58_MAX];
	static const char hexd[] = "0123456789abcdef";

	if (tz_b58_encode(TZ_P_NET, id, 4, b58, sizeof(b58)) != 0) {
		/* Still name the chain, in hex, rather than say nothing. */
		for (size_t i = 0; i < 4; i++) {
			b58[2 * i] = hexd[id[i] >> 4];
			b58[2 * i + 1] = hexd[id[i] & 15];
		}
		b58[8] = '\0';
	}
	reason_set(reason, cap, "chain %s not allowed", b58);
}

int
policy_check(const struct policy_key *k, const struct tz_request *req, char *reason, size_t cap)
{
	const char *name;

	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (k == NULL || req == NULL) {
		reason_set(reason, cap, "%s", "no policy");
		return SIGIL_E_POLICY;
	}
	if ((unsigned)req->kind >= TZ_REQ_KINDS) {
		reason_set(reason, cap, "%s", "unknown request kind");
		return SIGIL_E_POLICY;
	}
	if ((k->allow_kinds & BIT_KIND(req->kind)) == 0) {
		name = tz_req_kind_name(req->kind);
		reason_set(reason, cap, "request kind %s not allowed", name ? name : "?");
		return SIGIL_E_POLICY;
	}
	if (req->has_chain_id && k->n_chains > 0) {
		bool found = false;
		for (size_t i = 0; i < k->n_chains && !found; i++)
			found = memcmp(k->chains[i], req->chain_id, 4) == 0;
		if (!found) {
			chain_reason(req->chain_id, reason, cap);
			return SIGIL_E_POLICY;
		}
	}
	if (req->kind == TZ_REQ_GENERIC) {
		uint64_t denied = req->op_kinds & ~k->allow_ops;

		if (req->op_kinds == 0) {
			reason_set(reason, cap, "%s", "generic request with no operations");
			return SIGIL_E_POLICY;
		}
		if ((req->op_kinds & ~ALL_OPS) != 0) {
			reason_set(reason, cap, "%s", "unknown operation kind");
			return SIGIL_E_POLICY;
		}
		if (denied != 0) {
			unsigned op = (unsigned)__builtin_ctzll(denied);
			name = tz_op_kind_name((enum tz_op_kind)op);
			reason_set(reason, cap, "operation kind %s not allowed", name ? name : "?");
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
