/* JSON-RPC transactions (rpc_tx.h). */
#include "chain/ethereum/rpc_tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/ethereum/rlp.h"
#include "chain/ethereum/tx.h"

#define RPC_ACCESS_MAX 256 /* entries; storage keys in all as many times 16 */

/* A quantity ("0x" and 1 to 64 hex digits) into 32 big-endian bytes. */
static int
rpc_quantity(const json_t *o, const char *name, bool required, uint8_t out[32], bool *given,
             char *reason, size_t cap)
{
	const json_t *v = json_object_get(o, name);
	const char *s;
	uint8_t tmp[32];
	size_t n, got = 0;
	char padded[65];

	memset(out, 0, 32);
	if (given)
		*given = v != NULL && !json_is_null(v);
	if (v == NULL || json_is_null(v)) {
		if (required)
			snprintf(reason, cap, "the transaction needs %s", name);
		return required ? SIGIL_E_INVALID : 0;
	}
	if (!json_is_string(v) || strncmp(s = json_string_value(v), "0x", 2) != 0 ||
	    (n = strlen(s + 2)) == 0 || n > 64) {
		snprintf(reason, cap, "%s: not a hex quantity (0x…, at most 256 bits)", name);
		return SIGIL_E_INVALID;
	}
	/* An odd count of digits is a quantity too ("0x1"). */
	memset(padded, '0', 64 - n);
	memcpy(padded + 64 - n, s + 2, n);
	if (hex_decode(padded, 64, tmp, sizeof(tmp), &got) != 0 || got != 32) {
		snprintf(reason, cap, "%s: not a hex quantity", name);
		return SIGIL_E_INVALID;
	}
	memcpy(out, tmp, 32);
	return 0;
}

static int
rpc_u64(const json_t *o, const char *name, bool required, uint64_t *v, bool *given, char *reason,
        size_t cap)
{
	uint8_t b[32];
	int rc = rpc_quantity(o, name, required, b, given, reason, cap);

	*v = 0;
	if (rc != 0)
		return rc;
	for (int i = 0; i < 24; i++) {
		if (b[i]) {
			snprintf(reason, cap, "%s: above 2^64", name);
			return SIGIL_E_INVALID;
		}
	}
	for (int i = 24; i < 32; i++)
		*v = *v << 8 | b[i];
	return 0;
}

static int
rpc_address(const json_t *v, uint8_t a[ETH_ADDR_LEN])
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	return s != NULL && eth_address_parse(s, strlen(s), a) == 0 ? 0 : SIGIL_E_INVALID;
}

/* accessList: [{address, storageKeys: [32-byte hex…]}…] as RLP, written
 * with w (a counting writer first, then the real one). */
static int
rpc_access_list(const json_t *al, struct eth_rlp_w *w, char *reason, size_t cap)
{
	size_t i, payload = 0, keys = 0;
	const json_t *e;

	if (al != NULL && !json_is_null(al) &&
	    (!json_is_array(al) || json_array_size(al) > RPC_ACCESS_MAX)) {
		snprintf(reason, cap, "accessList: a list of at most %d entries", RPC_ACCESS_MAX);
		return SIGIL_E_INVALID;
	}
	/* The list's payload first: each entry [address, [keys…]]. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			eth_rlp_put_list_head(w, payload);
		json_array_foreach(al, i, e) {
			const json_t *sk = json_object_get(e, "storageKeys");
			uint8_t a[ETH_ADDR_LEN], k[32];
			size_t j, nk = json_is_array(sk) ? json_array_size(sk) : 0, kp = nk * 33;
			const json_t *kv;
			if (!json_is_object(e) || rpc_address(json_object_get(e, "address"), a) != 0 ||
			    (sk != NULL && !json_is_array(sk)) ||
			    (pass == 0 && (keys += nk) > 16 * RPC_ACCESS_MAX)) {
				snprintf(reason, cap, "accessList[%zu]: {address, storageKeys}", i);
				return SIGIL_E_INVALID;
			}
			size_t entry = 21 + eth_rlp_head_len(kp) + kp; /* [address, [keys…]] */
			if (pass == 0) {
				payload += eth_rlp_head_len(entry) + entry;
				continue;
			}
			eth_rlp_put_list_head(w, entry);
			eth_rlp_put_bytes(w, a, sizeof(a));
			eth_rlp_put_list_head(w, kp);
			json_array_foreach(sk, j, kv) {
				const char *s = json_is_string(kv) ? json_string_value(kv) : "";
				size_t got = 0;
				if (strncmp(s, "0x", 2) != 0 || strlen(s) != 66 ||
				    hex_decode(s + 2, 64, k, sizeof(k), &got) != 0) {
					snprintf(reason, cap, "accessList[%zu].storageKeys[%zu]: 32 bytes of hex",
					         i, j);
					return SIGIL_E_INVALID;
				}
				eth_rlp_put_bytes(w, k, sizeof(k));
			}
		}
	}
	return 0;
}

int
eth_tx_from_rpc(const json_t *o, uint64_t chain_id, uint8_t *out, size_t cap, size_t *n,
                char from[static ETH_ADDR_TEXT], char *reason, size_t rcap)
{
	struct eth_tx tx;
	uint64_t type = 0;
	bool has_type, has_1559, has_price, has_chain;
	const json_t *data, *to, *f;
	uint8_t a[ETH_ADDR_LEN], *al = NULL, *bytes = NULL;
	size_t al_len = 0, data_len = 0;
	int rc;

	*n = 0;
	from[0] = '\0';
	memset(&tx, 0, sizeof(tx));
	if (!json_is_object(o)) {
		snprintf(reason, rcap, "the transaction must be an object");
		return SIGIL_E_INVALID;
	}
	if ((f = json_object_get(o, "from")) != NULL) {
		if (rpc_address(f, a) != 0) {
			snprintf(reason, rcap, "from: not an address");
			return SIGIL_E_INVALID;
		}
		eth_address_text(a, from);
	}
	if ((rc = rpc_u64(o, "type", false, &type, &has_type, reason, rcap)) != 0 ||
	    (rc = rpc_u64(o, "chainId", false, &tx.chain_id, &has_chain, reason, rcap)) != 0 ||
	    (rc = rpc_u64(o, "nonce", true, &tx.nonce, NULL, reason, rcap)) != 0 ||
	    (rc = rpc_quantity(o, json_object_get(o, "gas") ? "gas" : "gasLimit", true, tx.gas,
	                       NULL, reason, rcap)) != 0 ||
	    (rc = rpc_quantity(o, "value", false, tx.value, NULL, reason, rcap)) != 0 ||
	    (rc = rpc_quantity(o, "maxFeePerGas", false, tx.max_fee, &has_1559, reason, rcap)) != 0 ||
	    (rc = rpc_quantity(o, "maxPriorityFeePerGas", has_1559, tx.max_priority_fee, NULL,
	                       reason, rcap)) != 0 ||
	    (rc = rpc_quantity(o, "gasPrice", false, tx.gas_price, &has_price, reason, rcap)) != 0)
		return rc;
	if (!has_type)
		type = has_1559 ? ETH_TX_DYNAMIC_FEE : ETH_TX_LEGACY;
	if (type > ETH_TX_DYNAMIC_FEE || (type == ETH_TX_DYNAMIC_FEE) != has_1559 ||
	    (type != ETH_TX_DYNAMIC_FEE && !has_price)) {
		snprintf(reason, rcap, "type %llu with %s: types 0 and 1 take gasPrice, type 2 "
		         "maxFeePerGas and maxPriorityFeePerGas", (unsigned long long)type,
		         has_1559 ? "maxFeePerGas" : "gasPrice");
		return SIGIL_E_INVALID;
	}
	tx.type = (enum eth_tx_type)type;
	tx.has_chain_id = true;
	if (!has_chain)
		tx.chain_id = chain_id;
	if ((to = json_object_get(o, "to")) == NULL || json_is_null(to)) {
		tx.create = true;
	} else if (rpc_address(to, tx.to) != 0) {
		snprintf(reason, rcap, "to: not an address");
		return SIGIL_E_INVALID;
	}
	if ((data = json_object_get(o, "data")) == NULL)
		data = json_object_get(o, "input");
	if (data != NULL && !json_is_null(data)) {
		const char *s = json_is_string(data) ? json_string_value(data) : NULL;
		size_t len = s ? strlen(s) : 0;
		if (s == NULL || strncmp(s, "0x", 2) != 0 || len % 2 != 0 || len - 2 > 2 * ETH_TX_MAX ||
		    (bytes = malloc(len / 2 + 1)) == NULL ||
		    (len > 2 && hex_decode(s + 2, len - 2, bytes, len / 2 + 1, &data_len) != 0)) {
			free(bytes);
			snprintf(reason, rcap, "data: 0x and an even count of hex digits");
			return SIGIL_E_INVALID;
		}
		tx.data = bytes;
		tx.data_len = data_len;
	}
	if (tx.type != ETH_TX_LEGACY) {
		struct eth_rlp_w w;
		const json_t *list = json_object_get(o, "accessList");
		eth_rlp_w_init(&w, NULL, 0);
		if ((rc = rpc_access_list(list, &w, reason, rcap)) == 0 && (rc = eth_rlp_w_end(&w, &al_len)) == 0 &&
		    (al = malloc(al_len)) == NULL)
			rc = SIGIL_E_NOMEM;
		if (rc == 0) {
			eth_rlp_w_init(&w, al, al_len);
			if ((rc = rpc_access_list(list, &w, reason, rcap)) == 0)
				rc = eth_rlp_w_end(&w, &al_len);
		}
		tx.access_list = al;
		tx.access_list_rlp_len = al_len;
	}
	if (rc == 0 && (rc = eth_tx_encode(&tx, out, cap, n)) == 0) {
		/* What the chain will sign must read back as itself. */
		struct eth_tx check;
		rc = eth_tx_decode(out, *n, 0, &check, reason, rcap);
	}
	free(bytes);
	free(al);
	return rc;
}
