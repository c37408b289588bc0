/* Bitcoin transactions: parse, serialise, txid.
 *
 * Layout (little-endian integers, CompactSize counts and lengths):
 *   version u32 ‖ [0x00 0x01 if segwit (BIP-144)] ‖ n_in ‖ inputs ‖
 *   n_out ‖ outputs ‖ [one witness per input if segwit] ‖ locktime u32
 *   input  = prev txid (32, internal byte order) ‖ vout u32 ‖
 *            scriptSig (CompactSize ‖ bytes) ‖ sequence u32
 *   output = value u64 (satoshi) ‖ scriptPubKey (CompactSize ‖ bytes)
 *   witness = n_items ‖ items (CompactSize ‖ bytes)
 * txid = SHA256d of the form without marker, flag and witnesses: version,
 * the bytes from n_in to the last output, locktime.
 *
 * The parsed transaction points into the bytes it was read from (which
 * must outlive it); only its arrays are allocated (btc_tx_free). */
#ifndef SIGIL_BTC_TX_H
#define SIGIL_BTC_TX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/bitcoin/wire.h"

#define BTC_TX_MAX_BYTES (1u << 20)   /* the PSBT's own ceiling */
#define BTC_SCRIPT_MAX 10000          /* consensus MAX_SCRIPT_SIZE */
#define BTC_WITNESS_ITEMS_MAX 4096    /* per input; far above any standard spend */
#define BTC_MAX_MONEY 2100000000000000ull /* 21e6 BTC in satoshi */

enum btc_tx_flags {
	/* The PSBT's unsigned transaction: the legacy form only (a zero
	 * after the version is an empty input list, not a segwit marker),
	 * every scriptSig empty. */
	BTC_TX_UNSIGNED = 1u << 0,
};

struct btc_txin {
	uint8_t prev_txid[32]; /* internal byte order, as on the wire */
	uint32_t prev_vout;
	const uint8_t *script;
	size_t script_len;
	uint32_t sequence;
	const uint8_t *witness; /* the raw witness: n_items ‖ items; NULL when none */
	size_t witness_len;
};

struct btc_txout {
	uint64_t value;
	const uint8_t *script;
	size_t script_len;
};

struct btc_tx {
	uint32_t version;
	uint32_t locktime;
	bool segwit;          /* read with the marker and flag */
	size_t n_in, n_out;
	struct btc_txin *in;  /* malloc'ed */
	struct btc_txout *out;
	uint8_t txid[32];     /* internal byte order (display is reversed) */
};

/* Reads exactly len bytes as one transaction into *tx (zeroed first, and
 * again on failure). At most max_io inputs and as many outputs. Values over
 * 21e6 BTC are refused. SIGIL_E_INCOMPLETE when the bytes end early,
 * SIGIL_E_TOO_BIG past a ceiling, SIGIL_E_INVALID otherwise (trailing
 * bytes, non-canonical counts, a segwit form with no witness at all), with
 * a reason. */
__attribute__((warn_unused_result)) int
btc_tx_parse(const uint8_t *buf, size_t len, unsigned flags, size_t max_io, struct btc_tx *tx,
             char *reason, size_t cap);

void btc_tx_free(struct btc_tx *tx);

/* Writes tx: with its witnesses when with_witness and it has any
 * (marker and flag then), else the legacy form whose SHA256d is the txid. */
void btc_tx_write(const struct btc_tx *tx, bool with_witness, struct btc_w *w);

#endif
