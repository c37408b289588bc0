/* BIP-340 Schnorr signatures and BIP-341 taproot key tweaking on
 * secp256k1 (libsecp256k1's extrakeys and schnorrsig modules).
 *
 * Taproot key-path spending without a script tree: the output key is
 * Q = P + t·G with t = H_TapTweak(x(P)) (BIP-341, "taproot_tweak_pubkey"),
 * and a spend is a BIP-340 signature by the tweaked secret. A merkle root
 * (32 bytes) extends the tweak to t = H_TapTweak(x(P) ‖ root); sigil itself
 * passes NULL (no script tree), the BIP-341 vectors pass their roots.
 *
 * Signatures are deterministic: aux_rand is 32 zero bytes. BIP-340 allows
 * it (the nonce is then H_BIP0340/nonce(d ‖ P ‖ m) masked by
 * H_BIP0340/aux(0), a function of the secret and message only, so no two
 * messages share a nonce); fresh randomness would only add protection
 * against differential power analysis, which a server's signer does not
 * face the way a hardware wallet does. sigil promises one signature per
 * request: an identical request signs into the identical signature, as
 * RFC 6979 ECDSA does, so a retried request can never give two different
 * valid signatures of one message. A tagged hash of message and key as
 * aux_rand would be just as deterministic and add nothing (both are
 * already inputs of the nonce), so zero it is; it is also what the BIP-341
 * wallet test vectors sign with, so their signatures are known answers. */
#ifndef SIGIL_CRYPTO_BIP340_H
#define SIGIL_CRYPTO_BIP340_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

#define SIGIL_BIP340_SIG_LEN 64
#define SIGIL_XONLY_LEN 32

/* t = H_TapTweak(xonly ‖ merkle_root), merkle_root 32 bytes or NULL (no
 * script tree: the hash of xonly alone). */
void sigil_taproot_tweak(const uint8_t xonly[static SIGIL_XONLY_LEN], const uint8_t *merkle_root,
                         uint8_t tweak[static 32]);

/* The x-only output key x(P + tG) of an internal key given x-only (the
 * point with even y, as BIP-340 lifts it), and the parity of its y (0
 * even, 1 odd: the control block's bit; NULL: not wanted).
 * SIGIL_E_CRYPTO when xonly is not on the curve or the tweak fails. */
__attribute__((warn_unused_result)) int
sigil_taproot_output_key(const uint8_t xonly[static SIGIL_XONLY_LEN], const uint8_t *merkle_root,
                         uint8_t out[static SIGIL_XONLY_LEN], int *parity);

/* The x-only form of a compressed public key (33 bytes, 02/03 ‖ x): x,
 * after checking that the point is on the curve. SIGIL_E_INVALID for
 * another length or prefix, SIGIL_E_CRYPTO for a point not on the curve. */
__attribute__((warn_unused_result)) int
sigil_xonly_from_compressed(const uint8_t *pk, size_t pklen, uint8_t xonly[static SIGIL_XONLY_LEN]);

/* BIP-340 signature of a 32-byte message by secret sk with aux_rand aux
 * (32 bytes; NULL: 32 zero bytes, sigil's choice above). For tests and
 * one-off tools: the signing path prepares its key (sigil_key_bip340_sign).
 * SIGIL_E_CRYPTO for a secret that is zero or not below n. */
__attribute__((warn_unused_result)) int
sigil_bip340_sign(const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t msg[static 32],
                  const uint8_t *aux, uint8_t sig[static SIGIL_BIP340_SIG_LEN]);

/* BIP-340 signature of msg (32 bytes) by a prepared secp256k1 key tweaked
 * for taproot: the secret of the output key of k's public key with
 * merkle_root (NULL for a key-path-only output: sigil's case). aux_rand
 * is zero. The signature is verified against the output key before it is
 * returned (a fault in the computation must not leak a bad signature).
 * SIGIL_E_UNSUPPORTED for a key of another type; sig zeroed on failure. */
__attribute__((warn_unused_result)) int
sigil_key_bip340_sign_taproot(const struct sigil_key *k, const uint8_t *merkle_root,
                              const uint8_t msg[static 32], uint8_t sig[static SIGIL_BIP340_SIG_LEN]);

/* sigil_key_bip340_sign_taproot with a secret prepared for this one
 * signature (tests, tools). */
__attribute__((warn_unused_result)) int
sigil_bip340_sign_taproot(const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t *merkle_root,
                          const uint8_t msg[static 32], uint8_t sig[static SIGIL_BIP340_SIG_LEN]);

/* 0 when sig is a valid BIP-340 signature of msg (len bytes, any length)
 * by the x-only public key; SIGIL_E_CRYPTO when not (a key off the curve
 * included). */
__attribute__((warn_unused_result)) int
sigil_bip340_verify(const uint8_t xonly[static SIGIL_XONLY_LEN], const uint8_t *msg, size_t len,
                    const uint8_t sig[static SIGIL_BIP340_SIG_LEN]);

#endif
