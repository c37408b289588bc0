/* The Polkadot chain (chain.h).
 *
 * The one request kind is "extrinsic": the payload is the signing payload
 * of a signed extrinsic (extrinsic.h), which names its network by the
 * genesis hash in its additional data. sigil knows Polkadot, Kusama and
 * Westend; a payload for any other chain is refused, since its calls and
 * signed extensions are not known. The key signs the payload, or its
 * blake2b-256 when it is over 256 bytes (Substrate's rule): sr25519 under
 * the "substrate" context, Ed25519 plainly.
 *
 * A key has one address, SS58 under the generic Substrate prefix 42 (the
 * form Westend and most tools show); destinations in intents are written
 * with their network's prefix. Public keys are 0x and 64 hex digits;
 * signatures are MultiSignature as an extrinsic carries them: 0x, then 00
 * (Ed25519) or 01 (sr25519), then the 64 bytes. Network ids are the first
 * 8 bytes of the genesis hash, named "polkadot", "kusama", "westend". */
#include "chain/polkadot/chain.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/polkadot/extrinsic.h"
#include "chain/polkadot/ss58.h"

#define DOT_ADDRESS_PREFIX 42
#define DOT_NET_ID_LEN 8

enum { DOT_KIND_EXTRINSIC, DOT_KINDS };
static const char *const dot_kinds[DOT_KINDS] = {"extrinsic"};

_Static_assert(DOT_OPS_MAX <= INTENT_OPS_MAX, "every described call has an intent op");
_Static_assert(DOT_SS58_TEXT <= CHAIN_ADDRESS_MAX && DOT_DEST_TEXT <= CHAIN_ADDRESS_MAX &&
               SCALE_U128_DEC <= sizeof(((struct intent_op *)0)->amount),
               "texts fit the intent");

static bool
dot_key_type_ok(enum sigil_key_type t)
{
	return t == SIGIL_KEY_SR25519 || t == SIGIL_KEY_ED25519;
}

static int
dot_kind_from_name(const char *name)
{
	return name != NULL && strcmp(name, dot_kinds[DOT_KIND_EXTRINSIC]) == 0 ? DOT_KIND_EXTRINSIC
	                                                                       : -1;
}

static uint64_t
dot_ops_from_name(const char *name)
{
	int k = dot_op_kind_from_name(name);
	return k < 0 ? 0 : UINT64_C(1) << k;
}

static const char *
dot_op_name(unsigned op)
{
	return dot_op_kind_name((enum dot_op_kind)op);
}

/* The network a payload names. Its additional data sits at the end with a
 * length the network's description fixes, and Polkadot's, Kusama's and
 * Westend's have the same shape; read with Polkadot's description and no
 * genesis check, a payload of any of them gives its genesis hash (its
 * calls may read as unknown there: another runtime numbers its pallets
 * otherwise). The payload is then decoded again as that network's. */
static int
dot_payload_network(const struct sign_request *req, const struct dot_network **net,
                    char *reason, size_t cap)
{
	const struct dot_conf *conf = req->chain_conf;
	struct dot_network probe = dot_net_polkadot;
	struct dot_payload p;
	int rc;

	*net = NULL;
	probe.check_genesis = false;
	rc = dot_payload_decode(req->payload, req->len, &probe, &p, reason, cap);
	/* A network of the config may have no CheckMetadataHash: that shape
	 * too. */
	if (rc != 0 || !p.has_genesis) {
		char why[CHAIN_REASON_MAX];
		struct dot_payload q;
		probe.metadata_hash = false;
		if (dot_payload_decode(req->payload, req->len, &probe, &q, why, sizeof(why)) == 0 &&
		    q.has_genesis)
			p = q, rc = 0;
	}
	if (rc != 0)
		return rc;
	if (!p.has_genesis) {
		snprintf(reason, cap, "polkadot extrinsic: its genesis hash cannot be told");
		return SIGIL_E_INVALID;
	}
	if ((*net = dot_conf_by_genesis(conf, p.genesis)) != NULL)
		return 0;
	snprintf(reason, cap, "polkadot extrinsic: genesis hash 0x%02x%02x%02x%02x… is no network "
	         "sigil knows (polkadot, kusama, westend, or the config's polkadot_networks)",
	         p.genesis[0], p.genesis[1], p.genesis[2], p.genesis[3]);
	return SIGIL_E_INVALID;
}

static int
dot_decode(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk,
           size_t pklen, struct sign_intent *out, char *reason, size_t cap)
{
	const struct dot_network *net;
	struct dot_payload p;
	int rc;

	(void)pk;
	memset(out, 0, sizeof(*out));
	if (!dot_key_type_ok(t) || pklen != DOT_ACCOUNT_LEN) {
		snprintf(reason, cap, "polkadot keys are sr25519 or Ed25519 keys");
		return SIGIL_E_UNSUPPORTED;
	}
	if (req->kind != NULL && dot_kind_from_name(req->kind) < 0) {
		snprintf(reason, cap, "polkadot has no request kind %.40s (extrinsic: a signing "
		         "payload)", req->kind);
		return SIGIL_E_INVALID;
	}
	if ((rc = dot_payload_network(req, &net, reason, cap)) != 0 ||
	    (rc = dot_payload_decode(req->payload, req->len, net, &p, reason, cap)) != 0)
		return rc;
	out->kind = DOT_KIND_EXTRINSIC;
	memcpy(out->network, net->genesis, DOT_NET_ID_LEN);
	out->network_len = DOT_NET_ID_LEN;
	out->n_ops = p.n_ops;
	out->opaque = p.opaque;
	for (uint32_t i = 0; i < p.n_ops && i < DOT_OPS_MAX; i++) {
		struct intent_op *op = &out->ops[i];
		op->kind = p.ops[i].kind;
		snprintf(op->amount, sizeof(op->amount), "%s", p.ops[i].amount);
		snprintf(op->destination, sizeof(op->destination), "%s", p.ops[i].destination);
		out->op_kinds |= UINT64_C(1) << p.ops[i].kind;
	}
	/* Calls past the described ones are counted, not seen. */
	if (p.n_ops > DOT_OPS_MAX)
		out->opaque = true;
	out->scheme = SIGIL_SCHEME_PLAIN;
	dot_signing_bytes(req->payload, req->len, out->sign_buf, &out->msg, &out->msg_len);
	dot_blake2_256(req->payload, req->len, out->digest);
	return 0;
}

static int
dot_address_check(const char *text)
{
	uint8_t id[DOT_ACCOUNT_LEN];
	uint16_t prefix;

	if (text == NULL || dot_ss58_decode(text, strlen(text), &prefix, id) != 0 ||
	    prefix != DOT_ADDRESS_PREFIX)
		return SIGIL_E_INVALID;
	return 0;
}

static int
dot_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (!dot_key_type_ok(t) || pklen != DOT_ACCOUNT_LEN)
		return SIGIL_E_UNSUPPORTED;
	return dot_ss58_encode(DOT_ADDRESS_PREFIX, pk, out, cap);
}

static int
dot_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (!dot_key_type_ok(t) || pklen != DOT_ACCOUNT_LEN)
		return SIGIL_E_UNSUPPORTED;
	return hex_encode_0x(pk, pklen, out, cap);
}

/* "sr25519:0x…" or "ed25519:0x…": the bytes alone do not tell the type. */
static int
dot_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen)
{
	const char *colon = text ? strchr(text, ':') : NULL;
	size_t n = 0;
	int type;

	*pklen = 0;
	if (colon == NULL || (size_t)(colon - text) >= 16)
		return SIGIL_E_INVALID;
	char name[16];
	memcpy(name, text, (size_t)(colon - text));
	name[colon - text] = '\0';
	type = sigil_key_type_from_name(name);
	if (type < 0 || !dot_key_type_ok((enum sigil_key_type)type) || strncmp(colon + 1, "0x", 2) != 0 ||
	    strlen(colon + 3) != 2 * DOT_ACCOUNT_LEN ||
	    hex_decode(colon + 3, 2 * DOT_ACCOUNT_LEN, pk, SIGIL_PK_MAX, &n) != 0 ||
	    n != DOT_ACCOUNT_LEN)
		return SIGIL_E_INVALID;
	*t = (enum sigil_key_type)type;
	*pklen = n;
	return 0;
}

static int
dot_sig_text(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t cap)
{
	uint8_t multi[1 + 64];

	if (!dot_key_type_ok(t) || siglen != 64)
		return SIGIL_E_INVALID;
	multi[0] = t == SIGIL_KEY_SR25519 ? 1 : 0; /* MultiSignature's variant */
	memcpy(multi + 1, sig, 64);
	return hex_encode_0x(multi, sizeof(multi), out, cap);
}

/* A built-in network's name, or its genesis hash in hex (0x and 64
 * digits: any network, those of polkadot_networks included). */
static int
dot_network_parse(const char *text, uint8_t out[static CHAIN_NETWORK_MAX], size_t *len)
{
	const struct dot_network *net = dot_network_find(text);
	uint8_t genesis[DOT_HASH_LEN];
	size_t n = 0;

	*len = 0;
	if (net != NULL) {
		memcpy(out, net->genesis, DOT_NET_ID_LEN);
	} else if (text != NULL && strncmp(text, "0x", 2) == 0 &&
	           strlen(text + 2) == 2 * DOT_HASH_LEN &&
	           hex_decode(text + 2, 2 * DOT_HASH_LEN, genesis, sizeof(genesis), &n) == 0) {
		memcpy(out, genesis, DOT_NET_ID_LEN);
	} else {
		return SIGIL_E_INVALID;
	}
	*len = DOT_NET_ID_LEN;
	return 0;
}

/* A built-in network's name, else 0x and the 8 bytes of the id. */
static int
dot_network_text(const uint8_t *id, size_t len, char *out, size_t cap)
{
	const struct dot_network *net;

	if (len != DOT_NET_ID_LEN)
		return SIGIL_E_INVALID;
	for (size_t i = 0; (net = dot_network_at(i)) != NULL; i++)
		if (memcmp(net->genesis, id, DOT_NET_ID_LEN) == 0)
			return snprintf(out, cap, "%s", net->name) < (int)cap ? 0 : SIGIL_E_TOO_BIG;
	return hex_encode_0x(id, len, out, cap);
}

const struct chain_ops chain_polkadot = {
	.name = "polkadot",
	.address_form = "SS58 with prefix 42 of a 32-byte sr25519 or Ed25519 public key",
	.network_form = "network (polkadot, kusama, westend, or 0x and a genesis hash)",
	.kinds = dot_kinds,
	.n_kinds = DOT_KINDS,
	.default_kinds = 0, /* nothing unless the key's policy says */
	.ops_kind = DOT_KIND_EXTRINSIC,
	.key_type_ok = dot_key_type_ok,
	.kind_from_name = dot_kind_from_name,
	.ops_from_name = dot_ops_from_name,
	.op_name = dot_op_name,
	.decode = dot_decode,
	.address_check = dot_address_check,
	.address = dot_address,
	.key_id = chain_key_id_blake2b,
	.public_key_text = dot_pk_text,
	.public_key_parse = dot_pk_parse,
	.signature_text = dot_sig_text,
	.network_parse = dot_network_parse,
	.network_text = dot_network_text,
};
