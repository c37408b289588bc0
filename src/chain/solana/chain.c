/* The Solana chain (chain.h).
 *
 * The one request kind is "transaction": the payload is a transaction's
 * message (message.h), never the whole serialised transaction, and the
 * key signs those bytes as they are (Ed25519, SIGIL_SCHEME_PLAIN), as
 * every Solana wallet does. The key must be one of the message's required
 * signers. Solana's off-chain messages (a different, 0xff-led envelope)
 * are not offered: a message that begins with 0xff reads as version 127
 * here and is refused, so the two can never be confused.
 *
 * Messages name no network, only a recent blockhash: no network ids and
 * no consensus slots. Addresses and public keys are the base58 of the
 * 32-byte public key, signatures the base58 of their 64 bytes. */
#include "chain/solana/chain.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/b58.h"
#include "base/errors.h"
#include "chain/solana/intent.h"
#include "chain/solana/message.h"

enum { SOL_KIND_TX, SOL_KINDS };
static const char *const sol_kinds[SOL_KINDS] = {"transaction"};

/* Base58 of 64 bytes is at most 88 characters. */
#define SOL_TEXT_MAX 90
_Static_assert(SOL_TEXT_MAX <= CHAIN_TEXT_MAX && 45 <= CHAIN_ADDRESS_MAX, "texts fit");

static bool
sol_key_type_ok(enum sigil_key_type t)
{
	return t == SIGIL_KEY_ED25519;
}

static int
sol_kind_from_name(const char *name)
{
	return name != NULL && strcmp(name, sol_kinds[SOL_KIND_TX]) == 0 ? SOL_KIND_TX : -1;
}

static uint64_t
sol_ops_from_name(const char *name)
{
	int k = sol_op_kind_from_name(name);
	return k < 0 ? 0 : UINT64_C(1) << k;
}

static const char *
sol_op_name(unsigned op)
{
	return sol_op_kind_name(op);
}

static int
sol_decode(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk,
           size_t pklen, struct sign_intent *out, char *reason, size_t cap)
{
	struct sol_message m;
	int rc;

	memset(out, 0, sizeof(*out));
	if (t != SIGIL_KEY_ED25519 || pklen != SOL_KEY_LEN) {
		snprintf(reason, cap, "solana keys are Ed25519 keys");
		return SIGIL_E_UNSUPPORTED;
	}
	if (req->kind != NULL && sol_kind_from_name(req->kind) < 0) {
		snprintf(reason, cap, "solana has no request kind %.40s (transaction: a message's "
		         "bytes)", req->kind);
		return SIGIL_E_INVALID;
	}
	if ((rc = sol_message_decode(req->payload, req->len, &m, reason, cap)) != 0)
		return rc;
	if (!sol_message_is_signer(&m, pk)) {
		snprintf(reason, cap, "solana message: this key is not one of its %u required "
		         "signers", m.n_signers);
		return SIGIL_E_INVALID;
	}
	if ((rc = sol_intent_ops(&m, out, reason, cap)) != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->kind = SOL_KIND_TX;
	out->scheme = SIGIL_SCHEME_PLAIN;
	out->msg = req->payload;
	out->msg_len = req->len;
	sigil_blake2b(out->digest, sizeof(out->digest), req->payload, req->len);
	return 0;
}

/* Exactly 32 bytes, spelled the one way b58_encode spells them. */
static int
sol_key_parse(const char *text, uint8_t key[static SOL_KEY_LEN])
{
	uint8_t buf[B58_BYTES_MAX];
	char canon[SOL_TEXT_MAX];
	size_t n = 0, len = text ? strlen(text) : 0;

	if (text == NULL || len == 0 || len >= sizeof(canon) ||
	    b58_decode(text, len, buf, sizeof(buf), &n) != 0 || n != SOL_KEY_LEN ||
	    b58_encode(buf, n, canon, sizeof(canon)) != 0 || strcmp(canon, text) != 0)
		return SIGIL_E_INVALID;
	memcpy(key, buf, SOL_KEY_LEN);
	return 0;
}

static int
sol_address_check(const char *text)
{
	uint8_t key[SOL_KEY_LEN];

	return sol_key_parse(text, key);
}

static int
sol_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || pklen != SOL_KEY_LEN)
		return SIGIL_E_UNSUPPORTED;
	return b58_encode(pk, pklen, out, cap);
}

static int
sol_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen)
{
	*pklen = 0;
	/* An address may be off the curve (a program-derived one); a public
	 * key that authenticates must be a point. */
	if (sol_key_parse(text, pk) != 0 || crypto_core_ed25519_is_valid_point(pk) != 1)
		return SIGIL_E_INVALID;
	*t = SIGIL_KEY_ED25519;
	*pklen = SOL_KEY_LEN;
	return 0;
}

static int
sol_sig_text(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || siglen != SOL_SIG_LEN)
		return SIGIL_E_INVALID;
	return b58_encode(sig, siglen, out, cap);
}

const struct chain_ops chain_solana = {
	.name = "solana",
	.address_form = "base58 of a 32-byte Ed25519 public key",
	.network_form = NULL,
	.kinds = sol_kinds,
	.n_kinds = SOL_KINDS,
	.default_kinds = 0, /* nothing unless the key's policy says */
	.ops_kind = SOL_KIND_TX,
	.key_type_ok = sol_key_type_ok,
	.kind_from_name = sol_kind_from_name,
	.ops_from_name = sol_ops_from_name,
	.op_name = sol_op_name,
	.decode = sol_decode,
	.address_check = sol_address_check,
	.address = sol_address,
	.key_id = chain_key_id_blake2b,
	.public_key_text = sol_address, /* the same text */
	.public_key_parse = sol_pk_parse,
	.signature_text = sol_sig_text,
};
