/* Ethereum unsigned transactions (tx.h): decoding, writing them again,
 * writing them signed, and what they do. Layouts from EIP-155, EIP-2718,
 * EIP-2930 and EIP-1559; the strictness from geth's rlp package (core/types
 * decodes with it) and EIP-2 for low s. */
#include "chain/ethereum/tx.h"

#include <string.h>

#include "base/decimal.h"
#include "base/errors.h"
#include "chain/ethereum/rlp.h"
#include "crypto/keccak.h"

/* Lists a transaction holds: itself, the access list, an entry, its keys. */
#define TX_DEPTH 4
#define TX_FIELDS_MAX 12

/* Where each field sits in a type's list (-1: the type has none). */
struct tx_layout {
	const char *name;
	size_t n;              /* unsigned fields */
	int chain_id, nonce, gas_price, prio, max_fee, gas, to, value, data, access_list;
};

static const struct tx_layout layout_legacy = {
	"legacy transaction", 9, 6, 0, 1, -1, -1, 2, 3, 4, 5, -1,
};
static const struct tx_layout layout_2930 = {
	"type 1 (EIP-2930) transaction", 8, 0, 1, 2, -1, -1, 3, 4, 5, 6, 7,
};
static const struct tx_layout layout_1559 = {
	"type 2 (EIP-1559) transaction", 9, 0, 1, -1, 2, 3, 4, 5, 6, 7, 8,
};
static const struct tx_layout layout_pre155 = {
	"legacy transaction (pre-EIP-155)", 6, -1, 0, 1, -1, -1, 2, 3, 4, 5, -1,
};

static const struct tx_layout *
tx_layout(enum eth_tx_type t)
{
	return t == ETH_TX_LEGACY ? &layout_legacy
	       : t == ETH_TX_ACCESS_LIST ? &layout_2930 : &layout_1559;
}

/* ---- numbers ------------------------------------------------------------ */

static bool
is_zero(const uint8_t *b, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

/* a × b, both 32 bytes big-endian, into 64 bytes: schoolbook on bytes,
 * from the first byte that is not zero (a gas limit and a fee per gas take
 * a few bytes each: all 32 × 32 products were most of a request's decoding,
 * bench section 8). Gas and fees are public: the skip hides nothing. */
static void
mul256(const uint8_t a[32], const uint8_t b[32], uint8_t out[64])
{
	uint32_t acc[64] = {0};
	int ia = 0, ib = 0;

	while (ia < 32 && a[ia] == 0)
		ia++;
	while (ib < 32 && b[ib] == 0)
		ib++;
	for (int i = 31; i >= ia; i--)
		for (int j = 31; j >= ib; j--)
			acc[i + j + 1] += (uint32_t)a[i] * b[j];
	/* Each column holds at most 32 products under 2^16: no overflow. */
	for (int k = 63; k > 0; k--) {
		acc[k - 1] += acc[k] >> 8;
		out[k] = (uint8_t)acc[k];
	}
	out[0] = (uint8_t)acc[0];
}

/* ---- decoding ----------------------------------------------------------- */

#define FAIL(code, ...)                                   \
	do {                                                  \
		rc = (code);                                      \
		sigil_errf(reason, cap, __VA_ARGS__);             \
		goto out;                                         \
	} while (0)

/* [[address(20), [key(32), …]], …]: counts entries and keys. */
static int
rd_access_list(const struct eth_rlp *al, struct eth_tx *tx)
{
	struct eth_rlp_iter it, kit;
	struct eth_rlp entry, parts[2], key;
	size_t n;
	int rc;

	if (!al->list)
		return SIGIL_E_INVALID;
	eth_rlp_iter_init(&it, al);
	while ((rc = eth_rlp_next(&it, &entry)) == 1) {
		if (eth_rlp_items(&entry, parts, 2, &n) != 0 || n != 2 || parts[0].list ||
		    parts[0].len != ETH_ADDR_LEN || !parts[1].list)
			return SIGIL_E_INVALID;
		eth_rlp_iter_init(&kit, &parts[1]);
		while ((rc = eth_rlp_next(&kit, &key)) == 1) {
			if (key.list || key.len != 32)
				return SIGIL_E_INVALID;
			tx->storage_keys++;
		}
		if (rc != 0)
			return rc;
		tx->access_list_len++;
	}
	return rc;
}

/* Reads the fields of a list laid out as l into tx. */
static int
rd_fields(const struct eth_rlp *f, const struct tx_layout *l, unsigned flags, struct eth_tx *tx,
          char *reason, size_t cap)
{
	int rc = 0;

	if (l->chain_id >= 0) {
		if (eth_rlp_u64(&f[l->chain_id], &tx->chain_id) != 0)
			FAIL(SIGIL_E_INVALID, "%s: chain id is not a canonical integer of at most 8 bytes",
			     l->name);
		if (tx->chain_id == 0)
			FAIL(SIGIL_E_INVALID, "%s: chain id 0", l->name);
		tx->has_chain_id = true;
	}
	if (eth_rlp_u64(&f[l->nonce], &tx->nonce) != 0)
		FAIL(SIGIL_E_INVALID, "%s: nonce is not a canonical integer of at most 8 bytes", l->name);
	const struct {
		int at;
		uint8_t *out;
		const char *what;
	} nums[] = {
		{l->gas_price, tx->gas_price, "gasPrice"},
		{l->prio, tx->max_priority_fee, "maxPriorityFeePerGas"},
		{l->max_fee, tx->max_fee, "maxFeePerGas"},
		{l->gas, tx->gas, "gas limit"},
		{l->value, tx->value, "value"},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i].at >= 0 && eth_rlp_uint(&f[nums[i].at], nums[i].out, 32) != 0)
			FAIL(SIGIL_E_INVALID, "%s: %s is not a canonical integer of at most 32 bytes",
			     l->name, nums[i].what);
	/* geth's ErrTipAboveFeeCap, and ethers will not write one: a tip over
	 * the fee cap makes a transaction no block can hold. */
	if (l->prio >= 0 && memcmp(tx->max_priority_fee, tx->max_fee, 32) > 0)
		FAIL(SIGIL_E_INVALID, "%s: maxPriorityFeePerGas is over maxFeePerGas", l->name);
	if (f[l->to].list || (f[l->to].len != 0 && f[l->to].len != ETH_ADDR_LEN))
		FAIL(SIGIL_E_INVALID, "%s: `to` is neither empty nor a 20-byte address", l->name);
	tx->create = f[l->to].len == 0;
	if (!tx->create)
		memcpy(tx->to, f[l->to].p, ETH_ADDR_LEN);
	if (f[l->data].list)
		FAIL(SIGIL_E_INVALID, "%s: data is a list", l->name);
	tx->data = f[l->data].p;
	tx->data_len = f[l->data].len;
	if (l->access_list >= 0) {
		const struct eth_rlp *al = &f[l->access_list];

		if (rd_access_list(al, tx) != 0)
			FAIL(SIGIL_E_INVALID, "%s: malformed access list", l->name);
		tx->access_list = al->raw;
		tx->access_list_rlp_len = al->raw_len;
	}
	if (!(flags & ETH_TX_NO_TEXT) &&
	    uint_decimal(tx->value, sizeof(tx->value), tx->value_dec, sizeof(tx->value_dec)) != 0)
		FAIL(SIGIL_E_INTERNAL, "%s: value", l->name);
out:
	return rc;
}

int
eth_tx_decode(const uint8_t *buf, size_t len, unsigned flags, struct eth_tx *tx, char *reason,
              size_t cap)
{
	struct eth_rlp outer, f[TX_FIELDS_MAX];
	const struct tx_layout *l;
	const uint8_t *body = buf;
	size_t blen = len, n;
	int rc = 0;

	memset(tx, 0, sizeof(*tx));
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (len == 0)
		FAIL(SIGIL_E_INCOMPLETE, "empty transaction");
	if (len > ETH_TX_MAX)
		FAIL(SIGIL_E_TOO_BIG, "transaction over %d bytes", ETH_TX_MAX);
	/* EIP-2718: a first byte up to 0x7f is a type; a legacy transaction
	 * is an RLP list, from 0xc0. */
	if (buf[0] == ETH_TX_ACCESS_LIST || buf[0] == ETH_TX_DYNAMIC_FEE) {
		tx->type = (enum eth_tx_type)buf[0];
		body++;
		blen--;
	} else if (buf[0] == 0x03) {
		FAIL(SIGIL_E_UNSUPPORTED, "blob transactions (type 3, EIP-4844) are not signed here");
	} else if (buf[0] == 0x04) {
		FAIL(SIGIL_E_UNSUPPORTED,
		     "set-code transactions (type 4, EIP-7702) are not signed here");
	} else if (buf[0] <= 0x7f) {
		FAIL(SIGIL_E_UNSUPPORTED, "transaction type 0x%02x is not signed here", buf[0]);
	} else if (buf[0] < 0xc0) {
		FAIL(SIGIL_E_INVALID, "neither a typed transaction nor an RLP list");
	}
	l = tx_layout(tx->type);
	rc = eth_rlp_head(body, blen, &outer);
	if (rc == 0 && !outer.list)
		FAIL(SIGIL_E_INVALID, "%s: not an RLP list", l->name);
	if (rc == 0 && outer.raw_len != blen)
		FAIL(SIGIL_E_INVALID, "%s: trailing bytes after the list", l->name);
	if (rc == 0 && !(flags & ETH_TX_FRAME))
		rc = eth_rlp_decode(body, blen, TX_DEPTH, &outer);
	if (rc == SIGIL_E_INCOMPLETE)
		FAIL(rc, "%s: cut short", l->name);
	if (rc == SIGIL_E_TOO_BIG)
		FAIL(rc, "%s: an item over the RLP length ceiling", l->name);
	if (rc != 0)
		FAIL(rc, "%s: not canonical RLP, or lists nested too deep", l->name);
	if (eth_rlp_items(&outer, f, TX_FIELDS_MAX, &n) != 0)
		FAIL(SIGIL_E_INVALID, "%s: too many fields", l->name);
	if (tx->type == ETH_TX_LEGACY && n == 6) {
		if (!(flags & ETH_TX_ALLOW_PRE155))
			FAIL(SIGIL_E_UNSUPPORTED,
			     "legacy transaction without a chain id (before EIP-155): its signature "
			     "would be valid on every chain, refused");
		l = &layout_pre155;
	} else if (tx->type == ETH_TX_LEGACY && n == 9) {
		/* EIP-155 writes 0 and 0 where r and s will go; anything else is
		 * a signed transaction, or not an unsigned one at all. */
		if (f[7].list || f[7].len != 0 || f[8].list || f[8].len != 0)
			FAIL(SIGIL_E_INVALID,
			     "legacy transaction: fields 8 and 9 are not 0 and 0 (a signed transaction?)");
	} else if (n == l->n + 3) {
		FAIL(SIGIL_E_INVALID, "%s: a signed transaction (with signature fields), not an "
		     "unsigned one", l->name);
	} else if (n != l->n) {
		FAIL(SIGIL_E_INVALID, "%s: %zu fields, %zu expected", l->name, n, l->n);
	}
	if (flags & ETH_TX_FRAME) {
		if (l->chain_id >= 0 && (eth_rlp_u64(&f[l->chain_id], &tx->chain_id) != 0 ||
		                         tx->chain_id == 0))
			FAIL(SIGIL_E_INVALID, "%s: chain id", l->name);
		tx->has_chain_id = l->chain_id >= 0;
	} else if ((rc = rd_fields(f, l, flags, tx, reason, cap)) != 0) {
		goto out;
	}
	tx->fields = outer.p;
	tx->fields_len = l == &layout_legacy ? (size_t)(f[6].raw - outer.p) : outer.len;
	if (!(flags & (ETH_TX_NO_HASH | ETH_TX_FRAME)))
		sigil_keccak256(buf, len, tx->hash);
out:
	if (rc != 0)
		memset(tx, 0, sizeof(*tx));
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* A signature, as the signed form ends. */
struct tx_sig {
	uint8_t v[9];   /* legacy v, or yParity, big-endian */
	const uint8_t *r, *s;
};

/* The list's items of the unsigned form: the fields, then EIP-155's
 * (chainId, 0, 0) for a legacy transaction that has a chain id. */
static void
put_items(struct eth_rlp_w *w, const struct eth_tx *tx)
{
	if (tx->type != ETH_TX_LEGACY) {
		eth_rlp_put_u64(w, tx->chain_id);
		eth_rlp_put_u64(w, tx->nonce);
	} else {
		eth_rlp_put_u64(w, tx->nonce);
	}
	if (tx->type == ETH_TX_DYNAMIC_FEE) {
		eth_rlp_put_uint(w, tx->max_priority_fee, sizeof(tx->max_priority_fee));
		eth_rlp_put_uint(w, tx->max_fee, sizeof(tx->max_fee));
	} else {
		eth_rlp_put_uint(w, tx->gas_price, sizeof(tx->gas_price));
	}
	eth_rlp_put_uint(w, tx->gas, sizeof(tx->gas));
	eth_rlp_put_bytes(w, tx->to, tx->create ? 0 : ETH_ADDR_LEN);
	eth_rlp_put_uint(w, tx->value, sizeof(tx->value));
	eth_rlp_put_bytes(w, tx->data, tx->data_len);
	if (tx->type != ETH_TX_LEGACY)
		eth_rlp_put_raw(w, tx->access_list, tx->access_list_rlp_len);
	if (tx->type == ETH_TX_LEGACY && tx->has_chain_id) {
		eth_rlp_put_u64(w, tx->chain_id);
		eth_rlp_put_u64(w, 0);
		eth_rlp_put_u64(w, 0);
	}
}

static void
put_sig(struct eth_rlp_w *w, const struct tx_sig *sig)
{
	eth_rlp_put_uint(w, sig->v, sizeof(sig->v));
	eth_rlp_put_uint(w, sig->r, 32);
	eth_rlp_put_uint(w, sig->s, 32);
}

/* The list's items: the unsigned form's written from tx's fields (sig
 * NULL), or the signed form's, the fields' own bytes (tx->fields) and the
 * signature. The decoder accepts only canonical RLP, so those bytes are
 * what writing the fields again would give (the fuzzer checks both),
 * without the cost of writing them: a visible share of an Ethereum
 * request (bench section 8). */
static void
put_list(struct eth_rlp_w *w, const struct eth_tx *tx, const struct tx_sig *sig)
{
	if (sig == NULL) {
		put_items(w, tx);
	} else {
		eth_rlp_put_raw(w, tx->fields, tx->fields_len);
		put_sig(w, sig);
	}
}

/* The type byte of a typed transaction, then the list. */
static int
put_tx(const struct eth_tx *tx, const struct tx_sig *sig, uint8_t *out, size_t cap, size_t *n)
{
	struct eth_rlp_w w;
	uint8_t type = (uint8_t)tx->type;
	size_t payload;

	*n = 0;
	eth_rlp_w_init(&w, NULL, 0); /* measures the list's payload */
	put_list(&w, tx, sig);
	payload = w.len;
	if (payload > ETH_TX_MAX + ETH_TX_SIGNED_EXTRA)
		return SIGIL_E_TOO_BIG;
	eth_rlp_w_init(&w, out, cap);
	if (tx->type != ETH_TX_LEGACY)
		eth_rlp_put_raw(&w, &type, 1);
	eth_rlp_put_list_head(&w, payload);
	put_list(&w, tx, sig);
	return eth_rlp_w_end(&w, n);
}

int
eth_tx_encode(const struct eth_tx *tx, uint8_t *out, size_t cap, size_t *n)
{
	return put_tx(tx, NULL, out, cap, n);
}

/* secp256k1's group order n and n/2 (SEC 2, section 2.4.1). */
static const uint8_t secp_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t secp_half_n[32] = {
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

int
eth_tx_signed(const uint8_t *utx, size_t len, unsigned flags, const uint8_t r[static 32],
              const uint8_t s[static 32], int recid, uint8_t *out, size_t cap, size_t *n)
{
	struct tx_sig sig = {.r = r, .s = s};
	struct eth_tx tx;
	int rc;

	*n = 0;
	if (recid < 0 || recid > 1 || is_zero(r, 32) || memcmp(r, secp_n, 32) >= 0 ||
	    is_zero(s, 32) || memcmp(s, secp_half_n, 32) > 0)
		return SIGIL_E_CRYPTO;
	flags |= ETH_TX_NO_HASH | ETH_TX_NO_TEXT; /* no text or hash is needed again */
	if ((rc = eth_tx_decode(utx, len, flags, &tx, NULL, 0)) != 0)
		return rc;
	if (tx.type != ETH_TX_LEGACY) {
		sig.v[8] = (uint8_t)recid; /* yParity */
	} else if (!tx.has_chain_id) {
		sig.v[8] = (uint8_t)(27 + recid);
	} else {
		/* chainId * 2 + 35 + recid needs 65 bits when the id needs 64. */
		uint64_t lo = tx.chain_id << 1, sum = lo + 35 + (uint64_t)recid;

		sig.v[0] = (uint8_t)((tx.chain_id >> 63) + (sum < lo));
		for (int i = 8; i >= 1; i--, sum >>= 8)
			sig.v[i] = (uint8_t)sum;
	}
	return put_tx(&tx, &sig, out, cap, n);
}

/* ---- what it does ------------------------------------------------------- */

static const char *const op_names[ETH_OP_KINDS] = {
	"transfer",      "erc20_transfer", "erc20_transfer_from", "erc20_approve",
	"contract_call", "contract_creation",
};

const char *
eth_op_kind_name(enum eth_op_kind k)
{
	return (unsigned)k < ETH_OP_KINDS ? op_names[k] : NULL;
}

int
eth_op_kind_from_name(const char *name)
{
	for (int k = 0; name != NULL && k < ETH_OP_KINDS; k++)
		if (strcmp(op_names[k], name) == 0)
			return k;
	return -1;
}

/* The calls of ERC-20 (EIP-20) read here: the first 4 bytes of keccak256
 * of the signature, the words that follow, which of them are addresses
 * (bit i for word i), and which words are the amount and destination. */
struct erc20_call {
	uint8_t selector[4];
	enum eth_op_kind kind;
	unsigned words, addr_words, amount, dest;
	int owner;
};

static const struct erc20_call erc20_calls[] = {
	{{0xa9, 0x05, 0x9c, 0xbb}, ETH_OP_ERC20_TRANSFER, 2, 0x1, 1, 0, -1},      /* transfer(to, v) */
	{{0x23, 0xb8, 0x72, 0xdd}, ETH_OP_ERC20_TRANSFER_FROM, 3, 0x3, 2, 1, 0},  /* (from, to, v) */
	{{0x09, 0x5e, 0xa7, 0xb3}, ETH_OP_ERC20_APPROVE, 2, 0x1, 1, 0, -1},       /* (spender, v) */
};

/* An address word: 12 zero bytes, then the address. */
static bool
addr_word(const uint8_t *w)
{
	return is_zero(w, 32 - ETH_ADDR_LEN);
}

static bool
erc20_describe(const struct eth_tx *tx, struct eth_op *op)
{
	const uint8_t *words;

	if (tx->data_len < 4 || !is_zero(tx->value, sizeof(tx->value)))
		return false;
	words = tx->data + 4;
	for (size_t i = 0; i < sizeof(erc20_calls) / sizeof(erc20_calls[0]); i++) {
		const struct erc20_call *c = &erc20_calls[i];

		if (memcmp(tx->data, c->selector, 4) != 0)
			continue;
		if (tx->data_len != 4 + 32 * (size_t)c->words)
			return false;
		for (unsigned wd = 0; wd < c->words; wd++)
			if ((c->addr_words >> wd & 1) && !addr_word(words + 32 * wd))
				return false;
		if (uint_decimal(words + 32 * c->amount, 32, op->amount, sizeof(op->amount)) != 0)
			return false;
		op->kind = c->kind;
		eth_address_text(tx->to, op->asset);
		eth_address_text(words + 32 * c->dest + 12, op->destination);
		if (c->owner >= 0)
			eth_address_text(words + 32 * c->owner + 12, op->owner);
		return true;
	}
	return false;
}

void
eth_tx_describe(const struct eth_tx *tx, struct eth_op *op)
{
	uint8_t fee[64];

	memset(op, 0, sizeof(*op));
	mul256(tx->gas, tx->type == ETH_TX_DYNAMIC_FEE ? tx->max_fee : tx->gas_price, fee);
	if (uint_decimal(fee, sizeof(fee), op->max_fee, sizeof(op->max_fee)) != 0)
		op->max_fee[0] = '\0'; /* cannot happen: 2^512 has 155 digits */
	if (tx->create) {
		op->kind = ETH_OP_CONTRACT_CREATION;
	} else if (tx->data_len == 0) {
		op->kind = ETH_OP_TRANSFER;
		eth_address_text(tx->to, op->destination);
	} else if (erc20_describe(tx, op)) {
		return;
	} else {
		op->kind = ETH_OP_CONTRACT_CALL;
		eth_address_text(tx->to, op->destination);
	}
	memcpy(op->amount, tx->value_dec, sizeof(op->amount));
}
