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

/* The nonce generator of RFC 6979 section 3.2 for P-256 with HMAC-SHA-256,
 * which p256_impl_sign draws k from (here for the tests' known answers).
 * init runs steps a to g for the secret x (32 bytes, in [1, n-1]) and the
 * digest h1 (reduced mod n here, bits2octets); next gives the next
 * candidate T of step h, after step h.3's K = HMAC_K(V || 0x00),
 * V = HMAC_K(V) from the second call on. The caller uses T as k only when
 * it is in [1, n-1] and r, s are not 0. key and v are as secret as x:
 * st must be wiped (p256_rfc6979_wipe) on every path. */
struct p256_rfc6979 {
	uint8_t key[32], v[32]; /* K and V */
	int drawn;
};
void p256_rfc6979_init(struct p256_rfc6979 *st, const uint8_t x[32], const uint8_t h1[32]);
void p256_rfc6979_next(struct p256_rfc6979 *st, uint8_t t[32]);
void p256_rfc6979_wipe(struct p256_rfc6979 *st);

/* bls.c: sk is a little-endian BLsk; pubkey refuses one outside [1, r). */
int bls_impl_keygen(uint8_t sk[32]);
int bls_impl_pubkey(const uint8_t sk[32], uint8_t pk[48]);

#endif
