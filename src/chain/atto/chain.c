/* Atto as a chain (chain.h): an Atto signer's three requests decoded into
 * an intent, and Atto's text forms (atto.h).
 *
 * The bytes alone do not say what they are (a CHANGE block and a RECEIVE
 * block are both 126 bytes of anything), so the API names the kind
 * (sign_request.kind: "block", "vote" or "challenge") and passes canonical
 * bytes: a block's or vote's as commons lays them out, a challenge's as the
 * challenge followed by the request's timestamp (8 bytes, little-endian).
 *
 * Watermarks (docs/ARCHITECTURE.md, "Atto"): a block is the signer's own
 * account at one height, and one block per height is the invariant, so a
 * block's slot is (network, key, height) with round 0. A vote names a
 * block hash only, never the account and height it votes at, so no slot
 * can tell two conflicting votes apart: votes have none. Challenges are a
 * handshake proof: none either. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "chain/atto/atto.h"
#include "chain/atto/chain.h"

enum atto_kind { ATTO_KIND_BLOCK, ATTO_KIND_VOTE, ATTO_KIND_CHALLENGE, ATTO_KINDS };
static const char *const atto_kinds[ATTO_KINDS] = {"block", "vote", "challenge"};
_Static_assert(ATTO_KINDS <= CHAIN_KINDS_MAX, "kinds fit the chain's table");
_Static_assert(ATTO_CHALLENGE_HASH_LEN <= sizeof(((struct sign_intent *)0)->sign_buf),
               "a challenge's message fits sign_buf");

/* A block's type is its one "operation": policy and metrics see them. */
static const char *const atto_ops[ATTO_BLOCK_TYPES] = {"open", "receive", "send", "change"};

static bool
atto_key_type_ok(enum sigil_key_type t)
{
	return t == SIGIL_KEY_ED25519;
}

static int
atto_kind_from_name(const char *name)
{
	for (int i = 0; name != NULL && i < ATTO_KINDS; i++)
		if (strcmp(name, atto_kinds[i]) == 0)
			return i;
	return -1;
}

static uint64_t
atto_ops_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < ATTO_BLOCK_TYPES; i++)
		if (strcmp(name, atto_ops[i]) == 0)
			return UINT64_C(1) << i;
	return 0;
}

static const char *
atto_op_name(unsigned op)
{
	return op < ATTO_BLOCK_TYPES ? atto_ops[op] : NULL;
}

/* The signer's own words (AttoSigner.checkPublicKey): the Atto API
 * answers them as they are. */
static int
atto_check_pk(const uint8_t *have, const uint8_t *pk, char *reason, size_t cap)
{
	char hex[ATTO_PK_TEXT_MAX];

	if (memcmp(have, pk, ATTO_PK_LEN) == 0)
		return 0;
	if (atto_hex_encode(pk, ATTO_PK_LEN, hex, sizeof(hex)) != 0)
		hex[0] = '\0';
	snprintf(reason, cap, "Different public key %s", hex);
	return SIGIL_E_INVALID;
}

static int
atto_decode_block(const struct sign_request *req, const uint8_t *pk, struct sign_intent *out,
                  char *reason, size_t cap)
{
	struct atto_block b;
	struct intent_op *op = &out->ops[0];
	int rc;

	if ((rc = atto_block_decode(req->payload, req->len, &b, reason, cap)) != 0)
		return rc;
	if ((rc = atto_check_pk(b.public_key, pk, reason, cap)) != 0)
		return rc;
	/* The watermark keeps levels as int32_t: a height past it would need
	 * a wider mark, and refusing is safe where wrapping is not. No
	 * account reaches 2^31 blocks at any rate Atto allows today. */
	if (b.height > INT32_MAX) {
		snprintf(reason, cap, "block height %" PRIu64 " is above %" PRId32
		         ": its watermark cannot be kept", b.height, INT32_MAX);
		return SIGIL_E_UNSUPPORTED;
	}
	out->kind = ATTO_KIND_BLOCK;
	out->has_slot = true;
	out->level = (int32_t)b.height;
	out->round = 0;
	out->slot_class = 0;
	out->network[0] = (uint8_t)b.network;
	out->network_len = 1;
	out->n_ops = 1;
	out->op_kinds = UINT64_C(1) << b.type;
	op->kind = b.type;
	if (b.type == ATTO_BLOCK_SEND) {
		snprintf(op->amount, sizeof(op->amount), "%" PRIu64, b.amount);
		if (atto_address_encode(b.receiver, op->destination, sizeof(op->destination)) != 0)
			op->destination[0] = '\0';
	}
	memcpy(out->digest, b.hash, ATTO_HASH_LEN);
	memcpy(out->sign_buf, b.hash, ATTO_HASH_LEN);
	out->msg_len = ATTO_HASH_LEN;
	return 0;
}

static int
atto_decode_vote(const struct sign_request *req, const uint8_t *pk, struct sign_intent *out,
                 char *reason, size_t cap)
{
	struct atto_vote v;
	int rc;

	if ((rc = atto_vote_decode(req->payload, req->len, &v, reason, cap)) != 0)
		return rc;
	if ((rc = atto_check_pk(v.public_key, pk, reason, cap)) != 0)
		return rc;
	out->kind = ATTO_KIND_VOTE;
	memcpy(out->digest, v.hash, ATTO_HASH_LEN);
	memcpy(out->sign_buf, v.hash, ATTO_HASH_LEN);
	out->msg_len = ATTO_HASH_LEN;
	return 0;
}

static int
atto_decode_challenge(const struct sign_request *req, const uint8_t *pk, struct sign_intent *out,
                      char *reason, size_t cap)
{
	uint64_t ts = 0;
	size_t n;
	int rc;

	if (req->len < 8 + ATTO_CHALLENGE_MIN) {
		snprintf(reason, cap, "Challenge should have at least %d bytes", ATTO_CHALLENGE_MIN);
		return SIGIL_E_INVALID;
	}
	n = req->len - 8;
	for (size_t i = 0; i < 8; i++)
		ts |= (uint64_t)req->payload[n + i] << (8 * i);
	if ((rc = atto_challenge_hash(pk, req->payload, n, (int64_t)ts, out->sign_buf, reason,
	                              cap)) != 0)
		return rc;
	out->kind = ATTO_KIND_CHALLENGE;
	out->msg_len = ATTO_CHALLENGE_HASH_LEN;
	sigil_blake2b(out->digest, sizeof(out->digest), out->sign_buf, ATTO_CHALLENGE_HASH_LEN);
	return 0;
}

static int
atto_decode(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk,
            size_t pklen, struct sign_intent *out, char *reason, size_t cap)
{
	int kind = atto_kind_from_name(req->kind), rc;

	memset(out, 0, sizeof(*out));
	if (t != SIGIL_KEY_ED25519 || pklen != ATTO_PK_LEN) {
		snprintf(reason, cap, "Atto keys are Ed25519 keys");
		return SIGIL_E_UNSUPPORTED;
	}
	switch (kind) {
	case ATTO_KIND_BLOCK: rc = atto_decode_block(req, pk, out, reason, cap); break;
	case ATTO_KIND_VOTE: rc = atto_decode_vote(req, pk, out, reason, cap); break;
	case ATTO_KIND_CHALLENGE: rc = atto_decode_challenge(req, pk, out, reason, cap); break;
	default:
		snprintf(reason, cap, "an Atto request is a block, a vote or a challenge: the API "
		                      "must say which");
		rc = SIGIL_E_INVALID;
	}
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->scheme = SIGIL_SCHEME_PLAIN; /* Ed25519 over the hash, not pre-hashed */
	out->msg = out->sign_buf;
	return 0;
}

static int
atto_address_check(const char *text)
{
	uint8_t pk[ATTO_PK_LEN];

	/* One spelling per key in the config and the key ring: the full form. */
	if (text == NULL || strncmp(text, ATTO_ADDRESS_SCHEME, sizeof(ATTO_ADDRESS_SCHEME) - 1) != 0)
		return SIGIL_E_INVALID;
	return atto_address_parse(text, pk) == 0 ? 0 : SIGIL_E_INVALID;
}

static int
atto_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || pklen != ATTO_PK_LEN)
		return SIGIL_E_UNSUPPORTED;
	return atto_address_encode(pk, out, cap);
}

static int
atto_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || pklen != ATTO_PK_LEN)
		return SIGIL_E_UNSUPPORTED;
	return atto_hex_encode(pk, pklen, out, cap);
}

static int
atto_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
              size_t *pklen)
{
	*pklen = 0;
	if (text == NULL || strlen(text) != 2 * ATTO_PK_LEN ||
	    atto_hex_decode(text, 2 * ATTO_PK_LEN, pk, ATTO_PK_LEN) != 0)
		return SIGIL_E_INVALID;
	*t = SIGIL_KEY_ED25519;
	*pklen = ATTO_PK_LEN;
	return 0;
}

static int
atto_sig_text(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || siglen != ATTO_SIG_LEN)
		return SIGIL_E_INVALID;
	return atto_hex_encode(sig, siglen, out, cap);
}

static int
atto_network_parse(const char *text, uint8_t out[static CHAIN_NETWORK_MAX], size_t *len)
{
	int n = text ? atto_network_from_name(text, strlen(text)) : -1;

	*len = 0;
	if (n < 0)
		return SIGIL_E_INVALID;
	out[0] = (uint8_t)n;
	*len = 1;
	return 0;
}

static int
atto_network_text(const uint8_t *net, size_t len, char *out, size_t cap)
{
	const char *name = len == 1 ? atto_network_name((enum atto_network)net[0]) : NULL;

	if (name == NULL || (size_t)snprintf(out, cap, "%s", name) >= cap)
		return SIGIL_E_INVALID;
	return 0;
}

const struct chain_ops chain_atto = {
	.name = "atto",
	.address_form = "atto://… (61 base32 letters)",
	.network_form = "network (LIVE, BETA, DEV, LOCAL, CASH)",
	.kinds = atto_kinds,
	.n_kinds = ATTO_KINDS,
	/* A key with no allow list signs nothing of Atto's: the Atto API
	 * gives its key the kinds of ATTO_SIGNER_CAPABILITIES. */
	.default_kinds = 0,
	.ops_kind = -1,
	.key_type_ok = atto_key_type_ok,
	.kind_from_name = atto_kind_from_name,
	.ops_from_name = atto_ops_from_name,
	.op_name = atto_op_name,
	.decode = atto_decode,
	.address_check = atto_address_check,
	.address = atto_address,
	.key_id = chain_key_id_blake2b,
	.public_key_text = atto_pk_text,
	.public_key_parse = atto_pk_parse,
	.signature_text = atto_sig_text,
	.network_parse = atto_network_parse,
	.network_text = atto_network_text,
};
