/* The Ethereum chain (chain.h): secp256k1 keys, EIP-55 addresses, and three
 * request kinds, named by the API (sign_request.kind) where the bytes do
 * not say:
 *   transaction  an unsigned legacy (EIP-155), EIP-2930 or EIP-1559
 *                transaction (tx.h); its one operation is what its bytes
 *                do (an ether transfer, an ERC-20 call, or a contract call
 *                of unknown effect: opaque for routes); network = chain id
 *   message      EIP-191 personal_sign of the bytes
 *   typed_data   EIP-712 v4, the JSON document (eip712.h); opaque (a permit
 *                may move tokens); network = the domain's chain id
 * Signatures are r ‖ s ‖ v (v = 27 + recovery id), as ethers writes them; a
 * signed transaction is its serialisation with the signature in it. */
#include "chain/ethereum/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/decimal.h"
#include "base/errors.h"
#include "base/hex.h"
#include "base/str.h"
#include "chain/ethereum/addr.h"
#include "chain/ethereum/eip712.h"
#include "chain/ethereum/tx.h"

enum { ETH_KIND_TX, ETH_KIND_MESSAGE, ETH_KIND_TYPED };
static const char *const eth_kinds[] = {"transaction", "message", "typed_data"};

#define ETH_MESSAGE_MAX (64 * 1024)

static bool
eth_key_type_ok(enum sigil_key_type t)
{
	return t == SIGIL_KEY_SECP256K1;
}

static int
eth_kind_from_name(const char *name)
{
	for (int i = 0; name != NULL && i < 3; i++)
		if (strcmp(name, eth_kinds[i]) == 0)
			return i;
	return -1;
}

static uint64_t
eth_ops_from_name(const char *name)
{
	int k = eth_op_kind_from_name(name);
	return k < 0 ? 0 : UINT64_C(1) << k;
}

static const char *
eth_op_name(unsigned op)
{
	return op < ETH_OP_KINDS ? eth_op_kind_name((enum eth_op_kind)op) : NULL;
}

/* A chain id as the intent's network: 8 bytes, big-endian. */
static void
eth_network(uint64_t id, struct sign_intent *out)
{
	for (int i = 0; i < 8; i++)
		out->network[i] = (uint8_t)(id >> (56 - 8 * i));
	out->network_len = 8;
}

static int
eth_decode_tx(const struct sign_request *req, struct sign_intent *out, char *reason, size_t cap)
{
	struct eth_tx tx;
	struct eth_op op;
	int rc;

	if ((rc = eth_tx_decode(req->payload, req->len, 0, &tx, reason, cap)) != 0)
		return rc;
	eth_tx_describe(&tx, &op);
	out->kind = ETH_KIND_TX;
	eth_network(tx.chain_id, out);
	out->n_ops = 1;
	out->ops[0].kind = op.kind;
	out->op_kinds = UINT64_C(1) << op.kind;
	str_copy(out->ops[0].asset, sizeof(out->ops[0].asset), op.asset);
	str_copy(out->ops[0].amount, sizeof(out->ops[0].amount), op.amount);
	str_copy(out->ops[0].destination, sizeof(out->ops[0].destination), op.destination);
	str_copy(out->ops[0].fee, sizeof(out->ops[0].fee), op.max_fee);
	/* What a contract does with a call, or what a new one will do, the
	 * bytes do not say. */
	out->opaque = op.kind == ETH_OP_CONTRACT_CALL || op.kind == ETH_OP_CONTRACT_CREATION;
	memcpy(out->digest, tx.hash, 32);
	return 0;
}

static int
eth_decode(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk, size_t pklen,
           struct sign_intent *out, char *reason, size_t cap)
{
	int kind;
	int rc = 0;

	(void)pk, (void)pklen;
	memset(out, 0, sizeof(*out));
	if (t != SIGIL_KEY_SECP256K1) {
		snprintf(reason, cap, "ethereum keys are secp256k1 keys");
		return SIGIL_E_INVALID;
	}
	if (req->kind != NULL) {
		if ((kind = eth_kind_from_name(req->kind)) < 0) {
			snprintf(reason, cap, "ethereum has no request kind %.40s (transaction, message, "
			         "typed_data)", req->kind);
			return SIGIL_E_INVALID;
		}
	} else if (req->len > 0 && (req->payload[0] == 0x01 || req->payload[0] == 0x02 ||
	                            req->payload[0] >= 0xc0)) {
		kind = ETH_KIND_TX; /* a typed transaction's type, or a legacy one's RLP list */
	} else {
		snprintf(reason, cap, "these bytes are no transaction: say what they are (kind "
		         "message or typed_data)");
		return SIGIL_E_INVALID;
	}
	if (kind == ETH_KIND_TX) {
		rc = eth_decode_tx(req, out, reason, cap);
	} else if (kind == ETH_KIND_MESSAGE) {
		if (req->len == 0 || req->len > ETH_MESSAGE_MAX) {
			snprintf(reason, cap, "a message is 1 to %d bytes", ETH_MESSAGE_MAX);
			return req->len == 0 ? SIGIL_E_INVALID : SIGIL_E_TOO_BIG;
		}
		out->kind = ETH_KIND_MESSAGE;
		eth_personal_hash(req->payload, req->len, out->digest);
	} else {
		struct eip712_result r;
		if ((rc = eip712_hash((const char *)req->payload, req->len, &r, reason, cap)) != 0)
			return rc;
		if (r.has_chain_id && !r.chain_id_fits_u64) {
			snprintf(reason, cap, "typed data: a chain id above 2^64");
			return SIGIL_E_INVALID;
		}
		out->kind = ETH_KIND_TYPED;
		if (r.has_chain_id)
			eth_network(r.chain_id_u64, out);
		out->opaque = true;
		memcpy(out->digest, r.digest, 32);
	}
	if (rc != 0)
		return rc;
	out->scheme = SIGIL_SCHEME_PLAIN;
	memcpy(out->sign_buf, out->digest, 32);
	out->msg = out->sign_buf;
	out->msg_len = 32;
	return 0;
}

static int
eth_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	uint8_t a[ETH_ADDR_LEN];

	if (t != SIGIL_KEY_SECP256K1)
		return SIGIL_E_UNSUPPORTED;
	if (cap < ETH_ADDR_TEXT)
		return SIGIL_E_TOO_BIG;
	if (eth_address_from_pubkey(pk, pklen, a) != 0)
		return SIGIL_E_INVALID;
	eth_address_text(a, out);
	return 0;
}

static int
eth_address_check(const char *text)
{
	uint8_t a[ETH_ADDR_LEN];
	/* One spelling per address: the EIP-55 one, as eth_address writes. */
	char canon[ETH_ADDR_TEXT];

	if (text == NULL || eth_address_parse(text, strlen(text), a) != 0)
		return SIGIL_E_INVALID;
	eth_address_text(a, canon);
	return strcmp(canon, text) == 0 ? 0 : SIGIL_E_INVALID;
}

static void
eth_key_id(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
           uint8_t id[static CHAIN_KEY_ID_LEN])
{
	memset(id, 0, CHAIN_KEY_ID_LEN);
	id[0] = (uint8_t)t;
	if (eth_address_from_pubkey(pk, pklen, id + 1) != 0)
		memset(id + 1, 0, CHAIN_KEY_ID_LEN - 1);
}

/* The compressed public key, as sigil keeps it. */
static int
eth_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_SECP256K1 || pklen != 33)
		return SIGIL_E_UNSUPPORTED;
	return hex_encode_0x(pk, pklen, out, cap);
}

static int
eth_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen)
{
	uint8_t a[ETH_ADDR_LEN];

	if (text == NULL || strncmp(text, "0x", 2) != 0 || strlen(text) != 68 ||
	    hex_decode(text + 2, 66, pk, SIGIL_PK_MAX, pklen) != 0 || *pklen != 33 ||
	    eth_address_from_pubkey(pk, 33, a) != 0)
		return SIGIL_E_INVALID;
	*t = SIGIL_KEY_SECP256K1;
	return 0;
}

/* r ‖ s ‖ v with v = 27 + recovery id. */
static int
eth_sig_text(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t cap)
{
	uint8_t rsv[65];

	if (t != SIGIL_KEY_SECP256K1 || siglen != 65 || sig[64] > 1)
		return SIGIL_E_INVALID;
	memcpy(rsv, sig, 64);
	rsv[64] = (uint8_t)(27 + sig[64]);
	return hex_encode_0x(rsv, sizeof(rsv), out, cap);
}

static int
eth_signed_payload(const uint8_t *payload, size_t len, const char *kind, const uint8_t *sig,
                   size_t sig_len, char **out)
{
	uint8_t *buf;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (kind == NULL || strcmp(kind, eth_kinds[ETH_KIND_TX]) != 0)
		return SIGIL_E_UNSUPPORTED;
	/* r ‖ s ‖ recovery id, as eth_sig_text takes it. */
	if (sig == NULL || sig_len != 65 || sig[64] > 1)
		return SIGIL_E_INVALID;
	/* One block: the text first, the signed bytes after it, where the
	 * text cannot reach them while it is written from them. */
	size_t max = len + ETH_TX_SIGNED_EXTRA, cap = 2 * max + 3;
	if ((*out = malloc(cap + max)) == NULL)
		return SIGIL_E_NOMEM;
	buf = (uint8_t *)*out + cap;
	/* The pipeline's decode read these bytes in full: the frame is
	 * enough now (a fifth of the cost of reading them again). */
	rc = eth_tx_signed(payload, len, ETH_TX_FRAME, sig, sig + 32, sig[64], buf, max, &n);
	if (rc == 0 && hex_encode_0x(buf, n, *out, cap) != 0)
		rc = SIGIL_E_INTERNAL; /* cannot happen: n <= max */
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static int
eth_network_parse(const char *text, uint8_t out[static CHAIN_NETWORK_MAX], size_t *len)
{
	uint64_t v = 0;

	if (text == NULL || *text == '\0' || (text[0] == '0' && text[1] != '\0') ||
	    strlen(text) > 20)
		return SIGIL_E_INVALID;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9' || v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			return SIGIL_E_INVALID;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	if (v == 0)
		return SIGIL_E_INVALID;
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
	*len = 8;
	return 0;
}

static int
eth_network_text(const uint8_t *net, size_t len, char *out, size_t cap)
{
	if (len != 8)
		return SIGIL_E_INVALID;
	/* Every audit line names it: the bytes' decimal without a format. */
	return uint_decimal(net, len, out, cap) == 0 ? 0 : SIGIL_E_TOO_BIG;
}

const struct chain_ops chain_ethereum = {
	.name = "ethereum",
	.address_form = "0x and 40 hex digits, EIP-55 mixed case",
	.network_form = "chain id (decimal)",
	.kinds = eth_kinds,
	.n_kinds = 3,
	.default_kinds = 0, /* nothing unless the key's policy says */
	.ops_kind = ETH_KIND_TX,
	.key_type_ok = eth_key_type_ok,
	.kind_from_name = eth_kind_from_name,
	.ops_from_name = eth_ops_from_name,
	.op_name = eth_op_name,
	.decode = eth_decode,
	.address_check = eth_address_check,
	.address = eth_address,
	.key_id = eth_key_id,
	.public_key_text = eth_pk_text,
	.public_key_parse = eth_pk_parse,
	.signature_text = eth_sig_text,
	.recid = true,
	.signed_payload = eth_signed_payload,
	.network_parse = eth_network_parse,
	.network_text = eth_network_text,
};
