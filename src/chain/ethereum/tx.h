/* Ethereum transactions as a signer receives them: unsigned, serialised
 * the way ethers' Transaction.unsignedSerialized (and geth's signer,
 * and every wallet) writes them, the bytes whose keccak256 is signed.
 *
 * Three forms are read:
 *   legacy with EIP-155 replay protection:
 *     rlp[nonce, gasPrice, gas, to, value, data, chainId, 0, 0]
 *   EIP-2930 (type 1):
 *     0x01 ‖ rlp[chainId, nonce, gasPrice, gas, to, value, data, accessList]
 *   EIP-1559 (type 2):
 *     0x02 ‖ rlp[chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas,
 *                to, value, data, accessList]
 * with accessList = [[address(20), [storageKey(32), …]], …].
 *
 * A legacy transaction of six fields (before EIP-155) names no chain: its
 * signature is valid on every chain, so it is refused unless the caller
 * passes ETH_TX_ALLOW_PRE155. Blob transactions (type 3, EIP-4844), set-code
 * transactions (type 4, EIP-7702) and any other type are refused with
 * SIGIL_E_UNSUPPORTED and a reason that names them. A signed transaction
 * (with v, r, s or yParity, r, s) is not a request to sign: refused.
 *
 * Every integer is canonical RLP (rlp.h): big-endian, no leading zero, at
 * most 32 bytes; chainId and nonce at most 8 bytes (EIP-2681 bounds the
 * nonce to 2^64 - 1; chains' ids fit in 64 bits), and the chain id is not
 * zero. `to` is empty (contract creation) or exactly 20 bytes. */
#ifndef SIGIL_ETH_TX_H
#define SIGIL_ETH_TX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/ethereum/addr.h"

#define ETH_TX_MAX (128 * 1024) /* geth's txpool refuses larger (txMaxSize) */
#define ETH_U256_DEC 79         /* 2^256 - 1 is 78 digits, and the NUL */
#define ETH_FEE_DEC 156         /* gas × fee per gas: up to 2^512, 155 digits */
/* What eth_tx_signed adds to the unsigned bytes at most: v (9 bytes and a
 * header) or yParity, then r and s (33 bytes each), and a list header a
 * byte or two longer (76 for legacy, 68 for typed; some room spare). */
#define ETH_TX_SIGNED_EXTRA 96

enum eth_tx_type {
	ETH_TX_LEGACY = 0,
	ETH_TX_ACCESS_LIST = 1, /* EIP-2930 */
	ETH_TX_DYNAMIC_FEE = 2, /* EIP-1559 */
};

enum eth_tx_flags {
	ETH_TX_ALLOW_PRE155 = 1u << 0, /* accept a legacy transaction with no chain id */
	ETH_TX_NO_HASH = 1u << 1,      /* leave hash zero: the caller does not need it */
	ETH_TX_NO_TEXT = 1u << 2,      /* leave value_dec empty: the caller does not need it */
	/* Read the frame alone: the type, the list's fields (fields,
	 * fields_len) and the chain id, each header checked, but not what is
	 * inside the fields (integers, `to`, the access list's entries), and
	 * no hash. For bytes that eth_tx_decode has accepted already in full:
	 * the signed form after the pipeline's decode (eth_tx_signed). */
	ETH_TX_FRAME = 1u << 3,
};

/* A decoded unsigned transaction. The pointers point into the bytes it
 * was decoded from, which must outlive it. Integers of up to 256 bits are
 * 32 bytes big-endian; fields a type does not have are zero. */
struct eth_tx {
	enum eth_tx_type type;
	bool has_chain_id;            /* false only for a pre-EIP-155 legacy tx */
	uint64_t chain_id;
	uint64_t nonce;
	uint8_t gas_price[32];        /* legacy, type 1 */
	uint8_t max_priority_fee[32]; /* type 2 */
	uint8_t max_fee[32];          /* type 2 */
	uint8_t gas[32];              /* the gas limit */
	bool create;                  /* no `to`: a contract creation */
	uint8_t to[ETH_ADDR_LEN];
	uint8_t value[32];            /* wei */
	char value_dec[ETH_U256_DEC]; /* the same in decimal */
	const uint8_t *data;
	size_t data_len;
	const uint8_t *access_list;   /* its RLP encoding (types 1, 2), header included */
	size_t access_list_rlp_len;
	size_t access_list_len;       /* entries (addresses) */
	size_t storage_keys;          /* storage keys over all entries */
	uint8_t hash[32];             /* keccak256 of the bytes: what is signed */
	/* The unsigned fields as the bytes encode them (canonical: as they
	 * would be written again), without EIP-155's (chainId, 0, 0): what
	 * the signed form keeps before its signature. */
	const uint8_t *fields;
	size_t fields_len;
};

/* Decodes an unsigned transaction (buf, len bytes, type byte first for
 * typed ones) into *tx, zeroed first and again on error. flags: enum
 * eth_tx_flags. Errors, with a secret-free reason in reason (cap bytes,
 * may be NULL): SIGIL_E_INCOMPLETE (empty, cut short), SIGIL_E_TOO_BIG (over
 * ETH_TX_MAX), SIGIL_E_UNSUPPORTED (a type or form not signed here, pre-EIP-155
 * without the flag), SIGIL_E_INVALID (anything malformed or non-canonical,
 * a signed transaction, trailing bytes). */
__attribute__((warn_unused_result)) int
eth_tx_decode(const uint8_t *buf, size_t len, unsigned flags, struct eth_tx *tx, char *reason,
              size_t cap);

/* The unsigned serialisation of tx, written again from its fields: for a
 * transaction eth_tx_decode accepted, the very bytes it read (the fuzzer
 * checks it). 0 and *n, or SIGIL_E_TOO_BIG when out is short. */
__attribute__((warn_unused_result)) int
eth_tx_encode(const struct eth_tx *tx, uint8_t *out, size_t cap, size_t *n);

/* The signed serialisation of the unsigned transaction utx (len bytes,
 * decoded as eth_tx_decode does with flags) under the signature (r, s) of
 * its hash with recovery id recid (0 or 1, the parity of R's y):
 *   legacy: rlp[nonce, gasPrice, gas, to, value, data, v, r, s] with
 *     v = chainId * 2 + 35 + recid (EIP-155), or 27 + recid without a
 *     chain id;
 *   typed: type ‖ rlp[the unsigned fields…, yParity, r, s].
 * r and s are written as integers (no leading zeros). r must be in
 * [1, n) and s in [1, n/2] (EIP-2: a high s is invalid on Ethereum), and
 * recid 0 or 1: ids 2 and 3 (R's x at or past n, about one signature in
 * 2^127) cannot be written, as Ethereum's v keeps only the parity.
 * SIGIL_E_CRYPTO for such a signature; the decoder's errors for utx;
 * SIGIL_E_TOO_BIG when out (cap bytes; len + ETH_TX_SIGNED_EXTRA is enough)
 * is short. *n is 0 on error. */
__attribute__((warn_unused_result)) int
eth_tx_signed(const uint8_t *utx, size_t len, unsigned flags, const uint8_t r[static 32],
              const uint8_t s[static 32], int recid, uint8_t *out, size_t cap, size_t *n);

/* ---- what a transaction does --------------------------------------------
 * For policy: one operation per transaction, as far as its bytes tell. */
enum eth_op_kind {
	ETH_OP_TRANSFER,            /* ether to `to`, no data */
	ETH_OP_ERC20_TRANSFER,      /* transfer(address,uint256) */
	ETH_OP_ERC20_TRANSFER_FROM, /* transferFrom(address,address,uint256) */
	ETH_OP_ERC20_APPROVE,       /* approve(address,uint256) */
	ETH_OP_CONTRACT_CALL,       /* any other data: a call of unknown effect */
	ETH_OP_CONTRACT_CREATION,   /* no `to` */
	ETH_OP_KINDS
};

struct eth_op {
	enum eth_op_kind kind;
	char asset[ETH_ADDR_TEXT];       /* "" for ether, else the token contract (EIP-55) */
	char amount[ETH_U256_DEC];       /* decimal: wei, or the token's smallest unit */
	char destination[ETH_ADDR_TEXT]; /* recipient, spender, callee; "" for a creation */
	char owner[ETH_ADDR_TEXT];       /* transferFrom's `from`; "" otherwise */
	char max_fee[ETH_FEE_DEC];       /* gas × (gasPrice or maxFeePerGas), wei */
};

/* Describes tx into *op (zeroed first):
 * - no `to`: a contract creation, amount = value;
 * - no data: an ether transfer, amount = value, destination = to;
 * - data that is exactly an ERC-20 transfer, transferFrom or approve call
 *   (the selector, then 32-byte words only, 4 + 32n bytes, every address
 *   word 12 zero bytes and 20 bytes of address) with no ether sent: the
 *   token is `to`, amount and destination (the spender for approve) from
 *   the words;
 * - anything else: a contract call of unknown effect, amount = value,
 *   destination = to. An ERC-20 selector with ether attached is one too:
 *   the call may then do more than its name says. */
void eth_tx_describe(const struct eth_tx *tx, struct eth_op *op);

/* "transfer", "erc20_transfer", "erc20_transfer_from", "erc20_approve",
 * "contract_call", "contract_creation"; NULL / -1 when unknown. */
const char *eth_op_kind_name(enum eth_op_kind k);
int eth_op_kind_from_name(const char *name);


#endif
