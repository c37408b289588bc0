/* Signature hashes: the 32 bytes an input's signature signs.
 *
 * - legacy (pre-segwit, P2PKH): SHA256d of the transaction with every
 *   scriptSig emptied but the signed input's, which holds the scriptCode,
 *   then the hash type as u32; NONE, SINGLE and ANYONECANPAY reshape it
 *   (Bitcoin Core's SignatureHash, SigVersion::BASE).
 * - BIP-143 (segwit v0, P2WPKH): SHA256d of version, hashPrevouts,
 *   hashSequence, the outpoint, scriptCode, amount, sequence, hashOutputs,
 *   locktime, hash type.
 * - BIP-341 (taproot key path, no annex): TapSighash tagged hash of
 *   0x00 ‖ SigMsg(hash_type, ext_flag 0).
 *
 * Hash types: 0x00 DEFAULT (taproot only: ALL, 64-byte signature), 0x01
 * ALL, 0x02 NONE, 0x03 SINGLE, each optionally | 0x80 ANYONECANPAY. Any
 * other value is refused (SIGIL_E_UNSUPPORTED): Core gives legacy hash
 * types outside these a meaning nobody should sign, and BIP-341 makes
 * them invalid. SINGLE for an input without an output of its index is
 * refused too: legacy would sign the constant 1 (a signature valid for any
 * transaction), BIP-341 forbids it. */
#ifndef SIGIL_BTC_SIGHASH_H
#define SIGIL_BTC_SIGHASH_H
#include <stddef.h>
#include <stdint.h>

#include "chain/bitcoin/tx.h"

enum btc_sighash {
	BTC_SIGHASH_DEFAULT = 0x00,
	BTC_SIGHASH_ALL = 0x01,
	BTC_SIGHASH_NONE = 0x02,
	BTC_SIGHASH_SINGLE = 0x03,
	BTC_SIGHASH_ANYONECANPAY = 0x80,
};

/* What an input spends: the output it consumes (amount, scriptPubKey). */
struct btc_spent {
	uint64_t amount;
	const uint8_t *script;
	size_t script_len;
};

/* Longest BIP-341 SigMsg: 206 bytes of fixed fields, plus the
 * scriptPubKey and its length for ANYONECANPAY. */
#define BTC_TAPROOT_MSG_MAX (220 + BTC_SCRIPT_MAX)

/* A hash type sigil can compute for ECDSA (1, 2, 3, 0x81, 0x82, 0x83) or
 * for taproot (those and 0). */
bool btc_sighash_valid_ecdsa(uint32_t t);
bool btc_sighash_valid_taproot(uint32_t t);

/* Legacy sighash of input idx, with script_code (the spent scriptPubKey
 * for P2PKH; OP_CODESEPARATOR is not removed: a P2PKH script has none). */
__attribute__((warn_unused_result)) int
btc_sighash_legacy(const struct btc_tx *tx, size_t idx, const uint8_t *script_code,
                   size_t sc_len, uint32_t hash_type, uint8_t out[static 32]);

/* BIP-143 sighash of input idx spending amount, with script_code (for
 * P2WPKH: 76 a9 14 ‖ hash160 ‖ 88 ac, written here with its length). */
__attribute__((warn_unused_result)) int
btc_sighash_segwit_v0(const struct btc_tx *tx, size_t idx, const uint8_t *script_code,
                      size_t sc_len, uint64_t amount, uint32_t hash_type, uint8_t out[static 32]);

/* BIP-341's five precomputed hashes (single SHA-256 each). */
struct btc_taproot_mid {
	uint8_t prevouts[32], amounts[32], scripts[32], sequences[32], outputs[32];
};
void btc_taproot_midstate(const struct btc_tx *tx, const struct btc_spent *spent,
                          struct btc_taproot_mid *mid);

/* BIP-341 SigMsg for key-path spending of input idx (ext_flag 0, no
 * annex) into msg (cap bytes), its length into *len; spent has one entry
 * per input of tx, in order. */
__attribute__((warn_unused_result)) int
btc_taproot_sigmsg(const struct btc_tx *tx, size_t idx, const struct btc_spent *spent,
                   uint32_t hash_type, uint8_t *msg, size_t cap, size_t *len);

/* The BIP-341 sighash: TapSighash(0x00 ‖ SigMsg). */
__attribute__((warn_unused_result)) int
btc_sighash_taproot(const struct btc_tx *tx, size_t idx, const struct btc_spent *spent,
                    uint32_t hash_type, uint8_t out[static 32]);

#endif
