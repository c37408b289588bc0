/* Private to src/crypto: the per-curve halves of sig.c. Each function has the
 * contract of the public one in sig.h for its curve; sig.c checks the key
 * type, zeroes outputs and initialises the libraries before calling here. */
#ifndef SIGIL_CRYPTO_SIG_IMPL_H
#define SIGIL_CRYPTO_SIG_IMPL_H
#include <stddef.h>
#include <stdint.h>

/* Our buffers are wiped one by one, but the frames of the library calls
 * that sign are not: test_secrets found 32 bytes of SHA-512(seed) left on a
 * thread's stack after an Ed25519 commit, where a core dump would hold
 * them. So whatever calls a library with a secret then wipes this much of
 * the stack below it, straight from that function (sodium_stackzero): a
 * few hundred nanoseconds, with room for a sanitizer's larger frames. */
#define SIGIL_STACK_SCRUB 8192

/* sodium_init() exactly once, from any thread; 0 or SIGIL_E_INTERNAL. */
int sigil_crypto_init(void);

int secp256k1_impl_keygen(uint8_t sk[32]);
int secp256k1_impl_pubkey(const uint8_t sk[32], uint8_t pk[33]);
int secp256k1_impl_sign(const uint8_t sk[32], const uint8_t digest[32], uint8_t sig[64]);
int secp256k1_impl_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
                          const uint8_t sig[64]);

int p256_impl_keygen(uint8_t sk[32]);
int p256_impl_pubkey(const uint8_t sk[32], uint8_t pk[33]);
int p256_impl_sign(const uint8_t sk[32], const uint8_t digest[32], uint8_t sig[64]);
int p256_impl_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
                     const uint8_t sig[64]);

/* bls.c: sk is a little-endian BLsk; pubkey refuses one outside [1, r). */
int bls_impl_keygen(uint8_t sk[32]);
int bls_impl_pubkey(const uint8_t sk[32], uint8_t pk[48]);

#endif
