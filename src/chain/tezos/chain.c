/* Tezos as a chain (chain.h): the octez signer's bytes decoded into an
 * intent, and Tezos's text forms of addresses, keys and signatures. */
#include "chain/tezos/chain.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "chain/tezos/auth.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/decode.h"
#include "chain/tezos/intent_ops.h"
#include "chain/tezos/keys.h"

_Static_assert(TZ_REQ_KINDS <= CHAIN_KINDS_MAX, "request kinds must fit the chain's table");
_Static_assert(TZ_OP_KIND_COUNT <= 64, "op kinds must fit the uint64_t mask");
_Static_assert(TZ_PKH_BIN_LEN == CHAIN_KEY_ID_LEN, "a key id is tag and hash");

#define BIT(k) (1u << (unsigned)(k))
#define BIT_OP(o) (UINT64_C(1) << (unsigned)(o))

static bool
tz_key_type_ok(enum sigil_key_type t)
{
	return (unsigned)t <= SIGIL_KEY_BLS; /* tz1 to tz4 */
}

/* The names from before protocol 018 (Oxford) renamed endorsements to
 * attestations. Signatory still reads them, as request kinds and as generic
 * operation kinds alike (fixupRequests and PreparePolicy in its
 * pkg/signatory/signatory.go), so a configuration carried over keeps its
 * meaning. Its renames of double_(pre)endorsement_evidence lead to kinds
 * that 023 merged away; those stay unknown here, which stops the start. */
static const char *
tz_current_name(const char *name)
{
	if (strcmp(name, "endorsement") == 0)
		return "attestation";
	if (strcmp(name, "preendorsement") == 0)
		return "preattestation";
	return name;
}

static int
tz_kind_from_name(const char *name)
{
	return name == NULL ? -1 : tz_req_kind_from_name(tz_current_name(name));
}

static uint64_t
tz_ops_from_name(const char *name)
{
	int op;

	if (name == NULL)
		return 0;
	/* Signatory's shorthand: a bare "ballot" allows every vote. */
	if (strcmp(name, "ballot") == 0)
		return BIT_OP(TZ_OP_BALLOT_YAY) | BIT_OP(TZ_OP_BALLOT_NAY) | BIT_OP(TZ_OP_BALLOT_PASS);
	op = tz_op_kind_from_name(tz_current_name(name));
	return op < 0 || op >= TZ_OP_KIND_COUNT ? 0 : BIT_OP(op);
}

static const char *
tz_op_name(unsigned op)
{
	return tz_op_kind_name((enum tz_op_kind)op);
}

/* Watermarks are kept per magic byte, as octez-signer keeps them: an
 * attestation and an attestation_with_dal share one (both are 0x13). */
static unsigned
tz_slot_class(uint8_t magic)
{
	switch (magic) {
	case TZ_MAGIC_BLOCK: return TZ_SLOT_BLOCK;
	case TZ_MAGIC_PREATTESTATION: return TZ_SLOT_PREATTESTATION;
	default: return TZ_SLOT_ATTESTATION;
	}
}

/* A tz4 signature depends on the scheme as well as the bytes: the same
 * bytes signed with version 1 (AUG) and version 2 (POP) give different
 * signatures, so a stored POP signature must never answer an AUG request.
 * Version 2, octez's default, keeps the plain blake2b of the bytes so that
 * imported marks still match; version 1 hashes that digest once more under
 * its own label, so the same bytes at the same level under the other scheme
 * are "different bytes". */
static void
tz_bls_aug_digest(uint8_t digest[static 32])
{
	static const char label[] = "sigil: tz4 AUG signature of";
	uint8_t buf[sizeof(label) + 32];

	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), digest, 32);
	sigil_blake2b(digest, 32, buf, sizeof(buf));
}

static int
tz_chain_decode(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk,
                size_t pklen, struct sign_intent *out, char *reason, size_t cap)
{
	struct tz_request tr;
	int rc;

	(void)pk, (void)pklen;
	memset(out, 0, sizeof(*out));
	if ((rc = tz_decode(req->payload, req->len, &tr)) != 0) {
		snprintf(reason, cap, "cannot decode request: %s", sigil_strerror(rc));
		return rc;
	}
	out->kind = tr.kind;
	out->has_slot = tr.consensus;
	out->level = tr.level;
	out->round = tr.round;
	out->slot_class = tz_slot_class(tr.magic);
	if (tr.has_chain_id) {
		memcpy(out->network, tr.chain_id, 4);
		out->network_len = 4;
	}
	out->op_kinds = tr.op_kinds;
	out->n_ops = tr.n_ops;
	if (tr.kind == TZ_REQ_GENERIC)
		tz_intent_ops(req->payload, req->len, out);
	if (t == SIGIL_KEY_BLS && req->version == 0) {
		snprintf(reason, cap, "version 0 is not supported for tz4");
		return SIGIL_E_INVALID;
	}
	sigil_blake2b(out->digest, 32, req->payload, req->len);
	if (t == SIGIL_KEY_BLS) {
		/* tz4 signs the bytes themselves. */
		out->scheme = req->version == 1 ? SIGIL_SCHEME_BLS_AUG : SIGIL_SCHEME_BLS_POP;
		out->msg = req->payload;
		out->msg_len = req->len;
		if (req->version == 1)
			tz_bls_aug_digest(out->digest);
	} else {
		/* tz1-3 sign the blake2b-256 digest of the bytes. */
		out->scheme = SIGIL_SCHEME_PLAIN;
		memcpy(out->sign_buf, out->digest, 32);
		out->msg = out->sign_buf;
		out->msg_len = 32;
	}
	return 0;
}

static void
tz_key_id(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
          uint8_t id[static CHAIN_KEY_ID_LEN])
{
	id[0] = (uint8_t)t;
	tz_pkh(pk, pklen, id + 1);
}

static int
tz_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	uint8_t pkh[TZ_PKH_LEN];
	tz_pkh(pk, pklen, pkh);
	return tz_pkh_encode(t, pkh, out, cap);
}

static int
tz_address_check(const char *text)
{
	enum sigil_key_type t;
	uint8_t pkh[TZ_PKH_LEN];

	if (text == NULL || tz_pkh_decode(text, strlen(text), &t, pkh) != 0)
		return SIGIL_E_INVALID;
	return 0;
}

static int
tz_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
            size_t *pklen)
{
	int rc;

	if (text == NULL)
		return SIGIL_E_INVALID;
	rc = tz_pk_decode(text, strlen(text), t, pk, pklen);
	if (rc != 0)
		return rc < 0 ? rc : SIGIL_E_INVALID;
	return *pklen == 0 ? SIGIL_E_INVALID : 0;
}

static int
tz_network_parse(const char *text, uint8_t out[static CHAIN_NETWORK_MAX], size_t *len)
{
	size_t n = 0;
	int rc;

	*len = 0;
	if (text == NULL)
		return SIGIL_E_INVALID;
	rc = tz_b58_decode(text, strlen(text), TZ_P_NET, out, CHAIN_NETWORK_MAX, &n);
	if (rc != 0)
		return rc < 0 ? rc : SIGIL_E_INVALID;
	if (n != 4)
		return SIGIL_E_INVALID;
	*len = n;
	return 0;
}

static int
tz_network_text(const uint8_t *net, size_t len, char *out, size_t cap)
{
	return tz_b58_encode(TZ_P_NET, net, len, out, cap);
}

static int
tz_authenticate(const struct sign_request *req, const uint8_t id[static CHAIN_KEY_ID_LEN],
                const struct chain_pubkey *allowed, size_t n_allowed)
{
	return auth_check(allowed, n_allowed, id, req->payload, req->len, req->auth);
}

static int
tz_secret_parse(const char *text, const char *passphrase, enum sigil_key_type *t,
                uint8_t sk[static SIGIL_SECRET_LEN])
{
	return tz_sk_decode(text, strlen(text), passphrase, t, sk);
}

static bool
tz_secret_encrypted(const char *text)
{
	return tz_sk_is_encrypted(text, strlen(text));
}

const struct chain_ops chain_tezos = {
	.name = "tezos",
	.address_form = "tz1, tz2, tz3 or tz4",
	.network_form = "chain id (Net…)",
	.kinds = tz_req_names,
	.n_kinds = TZ_REQ_KINDS,
	/* Signatory's default: block, preattestation, attestation. */
	.default_kinds = BIT(TZ_REQ_BLOCK) | BIT(TZ_REQ_PREATTESTATION) | BIT(TZ_REQ_ATTESTATION),
	.ops_kind = TZ_REQ_GENERIC,
	.key_type_ok = tz_key_type_ok,
	.kind_from_name = tz_kind_from_name,
	.ops_from_name = tz_ops_from_name,
	.op_name = tz_op_name,
	.decode = tz_chain_decode,
	.address_check = tz_address_check,
	.address = tz_address,
	.key_id = tz_key_id,
	.public_key_text = tz_pk_encode,
	.public_key_parse = tz_pk_parse,
	.signature_text = tz_sig_encode,
	.network_parse = tz_network_parse,
	.network_text = tz_network_text,
	.authenticate = tz_authenticate,
	.secret_parse = tz_secret_parse,
	.secret_encrypted = tz_secret_encrypted,
};
