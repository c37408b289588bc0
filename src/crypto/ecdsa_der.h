/* ECDSA signatures in DER, as Bitcoin writes them (BIP-66 strict DER):
 *   0x30 len 0x02 rlen r 0x02 slen s
 * r and s are unsigned big-endian integers in their shortest form: no
 * leading zero byte unless the next byte has its top bit set (which would
 * make the integer negative), never empty. 8 to 72 bytes. */
#ifndef SIGIL_CRYPTO_ECDSA_DER_H
#define SIGIL_CRYPTO_ECDSA_DER_H
#include <stddef.h>
#include <stdint.h>

#define SIGIL_DER_SIG_MAX 72

/* The DER form of rs (r ‖ s, 32 bytes each, big-endian) into out, its
 * length into *len. SIGIL_E_INVALID when r or s is zero. */
__attribute__((warn_unused_result)) int
sigil_ecdsa_der_encode(const uint8_t rs[static 64], uint8_t out[static SIGIL_DER_SIG_MAX],
                       size_t *len);

/* r ‖ s from a strict DER signature of exactly len bytes (no sighash byte
 * after it): every rule of BIP-66's IsValidSignatureEncoding, r and s of at
 * most 32 bytes once their sign byte is dropped, and not zero.
 * SIGIL_E_INVALID otherwise, rs zeroed. Whether s is low is the caller's
 * question (sigil_ecdsa_low_s). */
__attribute__((warn_unused_result)) int
sigil_ecdsa_der_decode(const uint8_t *der, size_t len, uint8_t rs[static 64]);

#endif
