/* The Bitcoin chain (chain.h).
 *
 * The one request kind is "psbt": the payload is a PSBT's bytes (v1:
 * "encoding": "base64" takes the usual text form). sigil signs every input
 * the key owns, P2PKH and P2WPKH with ECDSA (low-S, RFC 6979) and P2TR
 * key-path inputs with BIP-340 by the taproot-tweaked key, and answers
 * the PSBT with partial_sigs / tap_key_sig added (sign_res.signed_text,
 * base64), beside the first signature as hex.
 *
 * What the request does comes from the bytes alone (sign_input.h): the
 * outputs that do not pay one of the key's own scripts are its operations
 * ("output": amount in satoshi and address); the fee is inputs minus
 * outputs only where the PSBT commits to every input's amount. A PSBT
 * whose input amounts are not all known, or with more outputs than are
 * described one by one, is opaque (routes take it only as unknown). An
 * input of the key signed with a sighash type other than ALL / DEFAULT
 * (which lets the transaction be changed after it is signed) adds the
 * operation kind "nonstandard_sighash", which a key's policy must allow by
 * name. No network ids: the address form is the chain entry's. */
#include "chain/bitcoin/chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/bitcoin/addr.h"
#include "chain/bitcoin/psbt.h"
#include "chain/bitcoin/sign_input.h"

enum { BTC_KIND_PSBT, BTC_KINDS };
static const char *const btc_kinds[BTC_KINDS] = {"psbt"};

enum { BTC_OP_OUTPUT, BTC_OP_NONSTANDARD_SIGHASH, BTC_OP_KINDS };
static const char *const btc_op_names[BTC_OP_KINDS] = {"output", "nonstandard_sighash"};

#define BTC_PK_LEN 33

static bool
btc_key_type_ok(enum sigil_key_type t)
{
	return t == SIGIL_KEY_SECP256K1;
}

static int
btc_kind_from_name(const char *name)
{
	return name != NULL && strcmp(name, btc_kinds[BTC_KIND_PSBT]) == 0 ? BTC_KIND_PSBT : -1;
}

static uint64_t
btc_ops_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < BTC_OP_KINDS; i++)
		if (strcmp(name, btc_op_names[i]) == 0)
			return UINT64_C(1) << i;
	return 0;
}

static const char *
btc_op_name(unsigned op)
{
	return op < BTC_OP_KINDS ? btc_op_names[op] : NULL;
}

/* The PSBT of req and the key's plan for it. */
static int
btc_plan_for(const uint8_t *payload, size_t len, const uint8_t *pk, size_t pklen,
             enum btc_net net, struct btc_psbt **p, struct btc_plan *plan, char *reason,
             size_t cap)
{
	int rc;

	memset(plan, 0, sizeof(*plan));
	if ((rc = btc_psbt_parse(payload, len, p, reason, cap)) != 0)
		return rc;
	if ((rc = btc_sign_plan(*p, pk, pklen, net, plan, reason, cap)) != 0) {
		btc_psbt_free(*p);
		*p = NULL;
		return rc;
	}
	return 0;
}

/* The outputs that leave, as operations; the fee where it is known. */
static void
btc_intent_ops(const struct btc_plan *plan, struct sign_intent *out)
{
	for (size_t i = 0; i < plan->n_outs; i++) {
		const struct btc_plan_out *o = &plan->outs[i];
		if (o->change)
			continue;
		if (out->n_ops < INTENT_OPS_MAX) {
			struct intent_op *op = &out->ops[out->n_ops];
			op->kind = BTC_OP_OUTPUT;
			snprintf(op->amount, sizeof(op->amount), "%" PRIu64, o->amount);
			snprintf(op->destination, sizeof(op->destination), "%s", o->address);
			/* Value into a script with no address: where it goes
			 * cannot be named. */
			if (o->address[0] == '\0' && o->amount > 0)
				out->opaque = true;
		} else {
			out->opaque = true; /* more than are described one by one */
		}
		out->n_ops++;
	}
	out->op_kinds |= out->n_ops > 0 ? UINT64_C(1) << BTC_OP_OUTPUT : 0;
	if (plan->fee_known)
		snprintf(out->ops[0].fee, sizeof(out->ops[0].fee), "%" PRIu64, plan->fee);
	else
		out->opaque = true; /* what leaves cannot be told from the bytes */
	if (plan->nonstandard_sighash)
		out->op_kinds |= UINT64_C(1) << BTC_OP_NONSTANDARD_SIGHASH;
}

static int
btc_decode_net(enum btc_net net, const struct sign_request *req, enum sigil_key_type t,
               const uint8_t *pk, size_t pklen, struct sign_intent *out, char *reason, size_t cap)
{
	struct btc_psbt *p = NULL;
	struct btc_plan plan;
	int rc;

	memset(out, 0, sizeof(*out));
	if (t != SIGIL_KEY_SECP256K1 || pklen != BTC_PK_LEN) {
		snprintf(reason, cap, "bitcoin keys are secp256k1 keys");
		return SIGIL_E_UNSUPPORTED;
	}
	if (req->kind != NULL && btc_kind_from_name(req->kind) < 0) {
		snprintf(reason, cap, "bitcoin has no request kind %.40s (psbt: a PSBT's bytes)",
		         req->kind);
		return SIGIL_E_INVALID;
	}
	if ((rc = btc_plan_for(req->payload, req->len, pk, pklen, net, &p, &plan, reason, cap)) != 0)
		return rc;
	if (plan.n_items == 0) {
		snprintf(reason, cap, "no input of this PSBT is this key's to sign (P2PKH, P2WPKH, "
		         "P2TR key path, each with its spent output given)");
		rc = SIGIL_E_INVALID;
	} else if (plan.n_items > CHAIN_PARTS_MAX) {
		snprintf(reason, cap, "%zu inputs of this key in one PSBT, over %d: split it",
		         plan.n_items, CHAIN_PARTS_MAX);
		rc = SIGIL_E_TOO_BIG;
	}
	if (rc == 0) {
		out->kind = BTC_KIND_PSBT;
		out->n_parts = (uint16_t)plan.n_items;
		for (size_t i = 0; i < plan.n_items; i++) {
			out->parts[i].scheme = plan.items[i].scheme == BTC_SIGN_BIP340_TAPROOT
			                               ? SIGIL_SCHEME_BIP340_TAPROOT
			                               : SIGIL_SCHEME_PLAIN;
			memcpy(out->parts[i].msg, plan.items[i].msg, 32);
		}
		out->scheme = out->parts[0].scheme;
		out->msg = out->parts[0].msg;
		out->msg_len = 32;
		btc_intent_ops(&plan, out);
		sigil_blake2b(out->digest, sizeof(out->digest), req->payload, req->len);
	}
	btc_plan_free(&plan);
	btc_psbt_free(p);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The PSBT with the signatures put in, base64. The plan is made again
 * from the same bytes, so the parts come in the same order. The
 * signatures are the pipeline's, checked as the vault's verify_signatures
 * says (core/sign.c), the BIP-340 ones always (bip340.h). */
static int
btc_signed_net(enum btc_net net, const uint8_t *payload, size_t len, enum sigil_key_type t,
               const uint8_t *pk, size_t pklen, const uint8_t (*sigs)[64], size_t n, char **out)
{
	struct btc_psbt *p = NULL;
	struct btc_plan plan;
	uint8_t *bytes = NULL;
	size_t blen = 0;
	char reason[CHAIN_REASON_MAX];
	int rc;

	*out = NULL;
	if (t != SIGIL_KEY_SECP256K1)
		return SIGIL_E_UNSUPPORTED;
	if ((rc = btc_plan_for(payload, len, pk, pklen, net, &p, &plan, reason, sizeof(reason))) != 0)
		return rc;
	if (plan.n_items != n)
		rc = SIGIL_E_INTERNAL;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = btc_sign_put(p, &plan, &plan.items[i], sigs[i], 64);
	if (rc == 0 && (rc = btc_psbt_write(p, &bytes, &blen)) == 0)
		rc = btc_psbt_to_base64(bytes, blen, out);
	free(bytes);
	btc_plan_free(&plan);
	btc_psbt_free(p);
	return rc;
}

/* The key's address: P2WPKH, the single-key output wallets default to. */
static int
btc_address_net(enum btc_net net, enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                char *out, size_t cap)
{
	struct btc_key_scripts ks;
	int rc;

	if (t != SIGIL_KEY_SECP256K1)
		return SIGIL_E_UNSUPPORTED;
	if ((rc = btc_key_scripts(pk, pklen, &ks)) != 0)
		return rc;
	return btc_script_address(net, ks.p2wpkh, sizeof(ks.p2wpkh), out, cap);
}

static const char *const btc_address_forms[] = {"p2tr"};

/* The key's P2TR address (key path only, BIP-86's output key). */
static int
btc_other_address_net(enum btc_net net, unsigned form, enum sigil_key_type t, const uint8_t *pk,
                      size_t pklen, char *out, size_t cap)
{
	struct btc_key_scripts ks;
	int rc;

	if (t != SIGIL_KEY_SECP256K1 || form != 0)
		return SIGIL_E_UNSUPPORTED;
	if ((rc = btc_key_scripts(pk, pklen, &ks)) != 0)
		return rc;
	return btc_script_address(net, ks.p2tr, sizeof(ks.p2tr), out, cap);
}

/* Any address of the net that names a script (an address in the config
 * or a route's allow list); keys are named by their P2WPKH address. */
static int
btc_address_check_net(enum btc_net net, const char *text)
{
	uint8_t script[BTC_ADDR_SCRIPT_MAX];
	size_t n = 0;

	if (text == NULL || btc_address_script(net, text, strlen(text), script, &n) != 0)
		return SIGIL_E_INVALID;
	return 0;
}

static int
btc_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_SECP256K1 || pklen != BTC_PK_LEN)
		return SIGIL_E_UNSUPPORTED;
	return hex_encode(pk, pklen, out, cap);
}

static int
btc_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen)
{
	struct btc_key_scripts ks;
	size_t n = 0;

	*pklen = 0;
	if (text == NULL || strlen(text) != 2 * BTC_PK_LEN ||
	    hex_decode(text, 2 * BTC_PK_LEN, pk, SIGIL_PK_MAX, &n) != 0 || n != BTC_PK_LEN ||
	    btc_key_scripts(pk, n, &ks) != 0)
		return SIGIL_E_INVALID;
	*t = SIGIL_KEY_SECP256K1;
	*pklen = n;
	return 0;
}

/* The first input's signature, r ‖ s or BIP-340's, in hex; the PSBT in
 * signed_text holds them all in Bitcoin's own forms. */
static int
btc_sig_text(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_SECP256K1 || siglen != 64)
		return SIGIL_E_INVALID;
	return hex_encode(sig, siglen, out, cap);
}

#define BTC_NET_FUNCS(suffix, net)                                                          \
	static int btc_decode_##suffix(const struct sign_request *req, enum sigil_key_type t,  \
	                               const uint8_t *pk, size_t pklen, struct sign_intent *out, \
	                               char *reason, size_t cap)                                \
	{                                                                                     \
		return btc_decode_net(net, req, t, pk, pklen, out, reason, cap);               \
	}                                                                                     \
	static int btc_signed_##suffix(const uint8_t *payload, size_t len, enum sigil_key_type t, \
	                               const uint8_t *pk, size_t pklen,                        \
	                               const uint8_t (*sigs)[64], size_t n, char **out)        \
	{                                                                                     \
		return btc_signed_net(net, payload, len, t, pk, pklen, sigs, n, out);          \
	}                                                                                     \
	static int btc_address_##suffix(enum sigil_key_type t, const uint8_t *pk, size_t pklen, \
	                                char *out, size_t cap)                                 \
	{                                                                                     \
		return btc_address_net(net, t, pk, pklen, out, cap);                           \
	}                                                                                     \
	static int btc_address_check_##suffix(const char *text)                               \
	{                                                                                     \
		return btc_address_check_net(net, text);                                       \
	}                                                                                     \
	static int btc_other_address_##suffix(unsigned form, enum sigil_key_type t,           \
	                                      const uint8_t *pk, size_t pklen, char *out,     \
	                                      size_t cap)                                     \
	{                                                                                     \
		return btc_other_address_net(net, form, t, pk, pklen, out, cap);               \
	}

BTC_NET_FUNCS(main, BTC_MAINNET)
BTC_NET_FUNCS(test, BTC_TESTNET)

#define BTC_CHAIN(chain_name, suffix, form)                                                 \
	{                                                                                     \
		.name = chain_name, .address_form = form, .network_form = NULL,               \
		.kinds = btc_kinds, .n_kinds = BTC_KINDS, .default_kinds = 0,                 \
		.ops_kind = BTC_KIND_PSBT, .key_type_ok = btc_key_type_ok,                    \
		.kind_from_name = btc_kind_from_name, .ops_from_name = btc_ops_from_name,     \
		.op_name = btc_op_name, .decode = btc_decode_##suffix,                        \
		.address_check = btc_address_check_##suffix, .address = btc_address_##suffix, \
		.key_id = chain_key_id_blake2b, .public_key_text = btc_pk_text,                         \
		.public_key_parse = btc_pk_parse, .signature_text = btc_sig_text,             \
		.signed_parts = btc_signed_##suffix, .address_forms = btc_address_forms,      \
		.n_address_forms = 1, .other_address = btc_other_address_##suffix,            \
	}

const struct chain_ops chain_bitcoin =
	BTC_CHAIN("bitcoin", main, "a mainnet address (bc1…, 1…, 3…); keys by their P2WPKH bc1q…");
const struct chain_ops chain_bitcoin_testnet =
	BTC_CHAIN("bitcoin-testnet", test,
	          "a testnet or signet address (tb1…, m…, n…, 2…); keys by their P2WPKH tb1q…");
