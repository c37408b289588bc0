/* Partially signed Bitcoin transactions, version 0 (BIP-174).
 *
 * Layout: "psbt" 0xff, then key-value maps, each ended by a 0x00 byte:
 * the global map, one map per input of the unsigned transaction, one per
 * output. A record is CompactSize key length ‖ key ‖ CompactSize value
 * length ‖ value; the key starts with its type (a CompactSize: types
 * 0xfd and up are unknown here) and the rest of it is the key data.
 *
 * Every record is kept, in order, as the bytes it came with: known or
 * not, it is written back byte for byte (btc_psbt_write of what
 * btc_psbt_parse read gives the very input), and the records sigil adds
 * (signatures) go at the end of their input's map. The known types
 * (BIP-174, BIP-371 for taproot) are checked on the way in:
 *   global 0x00 unsigned tx (required; legacy form, every scriptSig empty)
 *          0x01 xpub (key data 78 bytes), 0xfb version (must be 0);
 *          0x02..0x06 are PSBTv2's and refused here.
 *   input  0x00 non_witness_utxo (its txid must be the input's prevout
 *          txid, and it must have the output the input spends),
 *          0x01 witness_utxo (amount ‖ script), 0x02 partial_sig (key
 *          data a public key), 0x03 sighash type (u32), 0x04 redeem
 *          script, 0x05 witness script, 0x06 bip32 derivation, 0x07 final
 *          scriptSig, 0x08 final witness, 0x09 proof of reserves, 0x0a..
 *          0x0d preimages, 0x13 tap_key_sig (64 or 65 bytes), 0x14 tap
 *          script sig, 0x15 tap leaf script, 0x16 tap bip32 derivation,
 *          0x17 tap internal key (32), 0x18 tap merkle root (32);
 *          0x0e..0x12 are PSBTv2's and refused.
 *   output 0x00 redeem script, 0x01 witness script, 0x02 bip32
 *          derivation, 0x05 tap internal key, 0x06 tap tree, 0x07 tap
 *          bip32 derivation; 0x03, 0x04 are PSBTv2's and refused.
 * A key type that takes no key data refuses any; a public key is 33 bytes
 * (02/03, on the curve) or 65 (04); a repeated key is refused; where both
 * utxo forms are given they must name the same output.
 *
 * Ceilings: 1 MiB in all, 256 inputs and 256 outputs, 1024 records in a
 * map, keys of at most 1024 bytes, scripts of at most 10,000. */
#ifndef SIGIL_BTC_PSBT_H
#define SIGIL_BTC_PSBT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/bitcoin/tx.h"

#define BTC_PSBT_MAX_BYTES (1u << 20)
#define BTC_PSBT_MAX_IO 256
#define BTC_PSBT_MAP_MAX 1024
#define BTC_PSBT_KEY_MAX 1024
#define BTC_PSBT_REASON 160

enum btc_psbt_in_type {
	BTC_IN_NON_WITNESS_UTXO = 0x00,
	BTC_IN_WITNESS_UTXO = 0x01,
	BTC_IN_PARTIAL_SIG = 0x02,
	BTC_IN_SIGHASH_TYPE = 0x03,
	BTC_IN_REDEEM_SCRIPT = 0x04,
	BTC_IN_WITNESS_SCRIPT = 0x05,
	BTC_IN_BIP32_DERIVATION = 0x06,
	BTC_IN_FINAL_SCRIPTSIG = 0x07,
	BTC_IN_FINAL_SCRIPTWITNESS = 0x08,
	BTC_IN_TAP_KEY_SIG = 0x13,
	BTC_IN_TAP_INTERNAL_KEY = 0x17,
	BTC_IN_TAP_MERKLE_ROOT = 0x18,
};

/* One record. key and val point into the PSBT's copy of its bytes, or
 * into own (malloc'ed) for a record sigil added. */
struct btc_psbt_rec {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *val;
	size_t val_len;
	uint8_t *own;
};

struct btc_psbt_map {
	struct btc_psbt_rec *v; /* malloc'ed */
	size_t n, cap;
};

/* An input's map, and what sigil reads from it. */
struct btc_psbt_in {
	struct btc_psbt_map map;
	/* The output this input spends, from non_witness_utxo (checked
	 * against the prevout) and/or witness_utxo. */
	bool has_nwu, has_wu;
	uint64_t amount;
	const uint8_t *script;
	size_t script_len;
	bool has_sighash;
	uint32_t sighash;
	const uint8_t *redeem_script;
	size_t redeem_len;
	const uint8_t *witness_script;
	size_t witness_script_len;
	bool has_tap_internal_key, has_tap_merkle_root, has_tap_key_sig;
	uint8_t tap_internal_key[32];
	bool finalized; /* a final scriptSig or witness is present */
	size_t n_partial_sigs;
};

struct btc_psbt_out {
	struct btc_psbt_map map;
};

struct btc_psbt {
	uint8_t *buf; /* a copy of the bytes parsed: every record points into it */
	size_t len;
	struct btc_psbt_map global;
	struct btc_tx tx; /* the unsigned transaction */
	struct btc_psbt_in *in;   /* tx.n_in of them */
	struct btc_psbt_out *out; /* tx.n_out */
};

/* Reads a PSBT of len bytes (binary, not base64) into a new *out (NULL on
 * failure). SIGIL_E_INCOMPLETE when the bytes end early, SIGIL_E_TOO_BIG
 * past a ceiling, SIGIL_E_UNSUPPORTED for a version other than 0,
 * SIGIL_E_INVALID otherwise; reason (cap bytes) says which map, which
 * record and what, never more. */
__attribute__((warn_unused_result)) int
btc_psbt_parse(const uint8_t *buf, size_t len, struct btc_psbt **out, char *reason, size_t cap);

void btc_psbt_free(struct btc_psbt *p);

/* The PSBT as bytes: *out malloc'ed (the caller frees it), *len bytes. */
__attribute__((warn_unused_result)) int
btc_psbt_write(const struct btc_psbt *p, uint8_t **out, size_t *len);

/* Sets the record key ‖ val in input idx's map: replaced in place when the
 * key is there, else appended. For signatures (sign_input.h): the caller
 * checks what it adds. */
__attribute__((warn_unused_result)) int
btc_psbt_in_set(struct btc_psbt *p, size_t idx, const uint8_t *key, size_t key_len,
                const uint8_t *val, size_t val_len);

/* The record of input idx with this key, or NULL. */
const struct btc_psbt_rec *btc_psbt_in_get(const struct btc_psbt *p, size_t idx,
                                           const uint8_t *key, size_t key_len);

/* base64 (RFC 4648, padded) as PSBTs travel in text: the decoded bytes
 * malloc'ed into *out. SIGIL_E_INVALID for anything but canonical base64,
 * SIGIL_E_TOO_BIG past BTC_PSBT_MAX_BYTES. */
__attribute__((warn_unused_result)) int
btc_psbt_from_base64(const char *text, size_t len, uint8_t **out, size_t *out_len);
/* NUL-terminated base64 of bytes, malloc'ed into *out. */
__attribute__((warn_unused_result)) int
btc_psbt_to_base64(const uint8_t *bytes, size_t len, char **out);

#endif
