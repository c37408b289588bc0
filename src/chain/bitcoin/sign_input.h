/* What signing a PSBT with one secp256k1 key means, and the signatures
 * put back into it.
 *
 * btc_sign_plan reads a parsed PSBT for a 33-byte compressed public key:
 * - the inputs the key owns: those whose spent output (non_witness_utxo or
 *   witness_utxo) is the key's P2PKH, P2WPKH or P2TR key-path script
 *   (addr.h, btc_key_scripts), not yet finalised; each with the 32 bytes
 *   to sign, the scheme (ECDSA over the digest, or BIP-340 by the
 *   taproot-tweaked key) and the sighash type (the PSBT's, else ALL for
 *   ECDSA and DEFAULT for taproot). A type other than ALL or DEFAULT is
 *   computed and flagged (nonstandard_sighash) so that policy can refuse
 *   it; one sigil cannot compute is refused outright;
 * - the outputs: amount in satoshi, address text on the caller's network
 *   ("" for a script without one), and whether it pays one of the key's
 *   own scripts (change);
 * - the fee, Σ inputs − Σ outputs, only when every input's amount is
 *   committed: a non_witness_utxo (whose txid the parser checked) for any
 *   input, or a witness_utxo for a segwit input (a witness program, or
 *   P2SH whose redeem script is one): BIP-143 and BIP-341 sign the amount,
 *   so a wrong one makes the signature invalid. A legacy input with only a
 *   witness_utxo, or with neither, leaves the fee unknown.
 *
 * A taproot input's sighash commits to every input's spent output
 * (BIP-341): when one of them is unknown the plan is refused.
 * btc_sign_add checks a signature against the key and the message and
 * writes it into the PSBT: partial_sigs[pk] = DER ‖ type byte for ECDSA;
 * tap_key_sig = 64 bytes (65 with the type byte when not DEFAULT). */
#ifndef SIGIL_BTC_SIGN_INPUT_H
#define SIGIL_BTC_SIGN_INPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/bitcoin/addr.h"
#include "chain/bitcoin/psbt.h"
#include "chain/bitcoin/sighash.h"

enum btc_sign_scheme {
	BTC_SIGN_ECDSA = 0,       /* secp256k1 ECDSA of msg as a digest, low-S */
	BTC_SIGN_BIP340_TAPROOT,  /* BIP-340 of msg by the key tweaked with H_TapTweak(x(P)) */
};

struct btc_sign_item {
	size_t input;
	enum btc_script_type kind; /* P2PKH, P2WPKH or P2TR */
	enum btc_sign_scheme scheme;
	uint32_t sighash_type;
	uint8_t msg[32];
};

struct btc_plan_out {
	uint64_t amount;
	enum btc_script_type type;
	char address[BTC_ADDR_MAX]; /* "" when the script has none */
	bool change;
};

struct btc_plan {
	struct btc_sign_item *items; /* malloc'ed, n_items of them */
	size_t n_items;
	struct btc_plan_out *outs;   /* malloc'ed, n_outs (the PSBT's outputs) */
	size_t n_outs;
	uint64_t total_out, change_out;
	bool fee_known;
	uint64_t total_in, fee;      /* when fee_known */
	/* An owned input signs with a type other than ALL / DEFAULT. */
	bool nonstandard_sighash;
	/* Inputs not signed here: someone else's, finalised, or unknown. */
	size_t n_other_inputs;
	struct btc_key_scripts keys;
};

/* The plan for pk (33 bytes compressed) over p, on net (for the address
 * text). SIGIL_E_INVALID with a reason for a PSBT it cannot sign
 * honestly (outputs above the inputs, a taproot input without every
 * spent output), SIGIL_E_UNSUPPORTED for a sighash type it cannot
 * compute; *plan is zeroed on failure, and btc_plan_free releases it. */
__attribute__((warn_unused_result)) int
btc_sign_plan(const struct btc_psbt *p, const uint8_t *pk, size_t pklen, enum btc_net net,
              struct btc_plan *plan, char *reason, size_t cap);

void btc_plan_free(struct btc_plan *plan);

/* Adds the signature of item (from plan) to p: for ECDSA sig is r ‖ s (64
 * bytes) and must be low-S, for taproot the 64-byte BIP-340 signature. It
 * is verified first (against pk, or the taproot output key): SIGIL_E_CRYPTO
 * when it does not verify, and nothing is added. */
__attribute__((warn_unused_result)) int
btc_sign_add(struct btc_psbt *p, const struct btc_plan *plan, const struct btc_sign_item *item,
             const uint8_t *sig, size_t siglen);

/* btc_sign_add without the check of the signature (an ECDSA one must still
 * be low-S): for signatures the signing pipeline has checked already as
 * the vault's verify_signatures says (an ECDSA check costs more than the
 * signature), and BIP-340 ones, which sigil_key_bip340_sign_taproot checks
 * before it returns them. */
__attribute__((warn_unused_result)) int
btc_sign_put(struct btc_psbt *p, const struct btc_plan *plan, const struct btc_sign_item *item,
             const uint8_t *sig, size_t siglen);

#endif
