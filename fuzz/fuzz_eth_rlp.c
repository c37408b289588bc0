/* libFuzzer harness for Ethereum's RLP decoder and the unsigned
 * transaction decoder (chain/ethereum/rlp.h, tx.h): any input gives 0 or
 * a defined error with outputs zeroed, and whatever decodes is canonical,
 * so writing it again gives the very bytes it came from: an RLP item
 * through the writer, a transaction from its fields (eth_tx_encode). A
 * decoded transaction's signing hash is keccak256 of the input, its
 * reading names a known kind with decimal amounts, and it signs into a
 * well-formed signed transaction that carries the unsigned fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/ethereum/rlp.h"
#include "chain/ethereum/tx.h"
#include "crypto/keccak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[ETH_TX_MAX + ETH_TX_SIGNED_EXTRA];
static uint8_t frame[ETH_TX_MAX + ETH_TX_SIGNED_EXTRA];
static uint8_t again[1 << 20];

static bool
decimal(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && (s[0] != '0' || s[1] == '\0');
}

/* Writes a decoded item again with the writer. */
static void
rewrite(struct eth_rlp_w *w, const struct eth_rlp *it, unsigned depth)
{
	struct eth_rlp_w count;
	struct eth_rlp_iter iter;
	struct eth_rlp sub;

	if (!it->list) {
		eth_rlp_put_bytes(w, it->p, it->len);
		return;
	}
	if (depth > ETH_RLP_DEPTH_MAX)
		abort();
	eth_rlp_w_init(&count, NULL, 0);
	eth_rlp_iter_init(&iter, it);
	while (eth_rlp_next(&iter, &sub) == 1)
		rewrite(&count, &sub, depth + 1);
	eth_rlp_put_list_head(w, count.len);
	eth_rlp_iter_init(&iter, it);
	while (eth_rlp_next(&iter, &sub) == 1)
		rewrite(w, &sub, depth + 1);
}

static void
check_rlp(const uint8_t *data, size_t size)
{
	static const struct eth_rlp zero;
	struct eth_rlp item;
	struct eth_rlp_w w;
	size_t n;
	int rc = eth_rlp_head(data, size, &item);

	if (rc == 0 && (item.raw != data || item.raw_len > size || item.p < data ||
	                item.p + item.len != data + item.raw_len))
		abort();
	rc = eth_rlp_decode(data, size, ETH_RLP_DEPTH_MAX, &item);
	if (rc != 0) {
		if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG) ||
		    memcmp(&item, &zero, sizeof(item)) != 0)
			abort();
		return;
	}
	if (item.raw != data || item.raw_len != size)
		abort();
	eth_rlp_w_init(&w, again, sizeof(again));
	rewrite(&w, &item, 0);
	if (eth_rlp_w_end(&w, &n) != 0 || n != size || memcmp(again, data, size) != 0)
		abort();
}

/* The signed form: type byte, then one list of the unsigned fields (the
 * legacy ones without chainId, 0, 0) and three more. */
static void
check_signed(const uint8_t *data, size_t size, unsigned flags, const struct eth_tx *tx)
{
	static const uint8_t one[32] = {[31] = 1};
	struct eth_rlp list, items[16];
	size_t n, k, body = tx->type != ETH_TX_LEGACY;
	int rc;

	for (int recid = 0; recid <= 1; recid++) {
		rc = eth_tx_signed(data, size, flags, one, one, recid, out, sizeof(out), &n);
		if (rc != 0 || n > size + ETH_TX_SIGNED_EXTRA || (body && out[0] != data[0]))
			abort();
		if (eth_rlp_decode(out + body, n - body, 4, &list) != 0 ||
		    eth_rlp_items(&list, items, 16, &k) != 0)
			abort();
		if (k != (tx->type == ETH_TX_LEGACY ? 9 : tx->type == ETH_TX_ACCESS_LIST ? 11 : 12))
			abort();
		if (items[k - 1].len != 1 || items[k - 1].p[0] != 1 || items[k - 2].len != 1)
			abort(); /* s and r are 1, written without leading zeros */
		/* Before v, r and s: the unsigned fields' own bytes. */
		if (items[k - 3].raw != items[0].raw + tx->fields_len ||
		    memcmp(items[0].raw, tx->fields, tx->fields_len) != 0)
			abort();
		/* Read as a frame only (what the signer does after its full
		 * decode), the same bytes come out. */
		size_t fn;
		if (eth_tx_signed(data, size, flags | ETH_TX_FRAME, one, one, recid, frame,
		                  sizeof(frame), &fn) != 0 ||
		    fn != n || memcmp(frame, out, n) != 0)
			abort();
	}
}

static void
check_tx(const uint8_t *data, size_t size, unsigned flags)
{
	static const struct eth_tx zero;
	struct eth_tx tx;
	struct eth_op op;
	char reason[160];
	uint8_t h[32];
	size_t n;
	int rc = eth_tx_decode(data, size, flags, &tx, reason, sizeof(reason));

	if (memchr(reason, '\0', sizeof(reason)) == NULL)
		abort();
	if (rc != 0) {
		if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
		     rc != SIGIL_E_UNSUPPORTED) ||
		    reason[0] == '\0' || memcmp(&tx, &zero, sizeof(tx)) != 0)
			abort();
		return;
	}
	if (reason[0] != '\0' || tx.type > ETH_TX_DYNAMIC_FEE ||
	    (tx.has_chain_id && tx.chain_id == 0) || (!tx.has_chain_id && !(flags & ETH_TX_ALLOW_PRE155)))
		abort();
	sigil_keccak256(data, size, h);
	if (memcmp(h, tx.hash, 32) != 0 || !decimal(tx.value_dec))
		abort();
	if (eth_tx_encode(&tx, out, sizeof(out), &n) != 0 || n != size || memcmp(out, data, size) != 0)
		abort();
	eth_tx_describe(&tx, &op);
	if (!eth_op_kind_name(op.kind) || !decimal(op.amount) || !decimal(op.max_fee) ||
	    (op.kind == ETH_OP_CONTRACT_CREATION) != tx.create ||
	    (op.asset[0] != '\0' && op.kind > ETH_OP_ERC20_APPROVE) ||
	    (op.destination[0] != '\0' && strncmp(op.destination, "0x", 2) != 0))
		abort();
	check_signed(data, size, flags, &tx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_rlp(data, size);
	check_tx(data, size, 0);
	check_tx(data, size, ETH_TX_ALLOW_PRE155);
	return 0;
}
