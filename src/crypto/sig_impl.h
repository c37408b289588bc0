/* Private to src/crypto: what a key type's back end provides. Each back end
 * is one file (ed25519.c, secp256k1.c, p256.c, bls.c, sr25519_key.c) that
 * fills one const
 * struct sigil_key_impl; sig.c finds it by type in one table and dispatches
 * through it, after checking arguments, zeroing outputs and initialising
 * libsodium. */
#ifndef SIGIL_CRYPTO_SIG_IMPL_H
#define SIGIL_CRYPTO_SIG_IMPL_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

/* Our buffers are wiped one by one, but the frames of the library calls
 * that sign are not: test_secrets found 32 bytes of SHA-512(seed) left on a
 * thread's stack after an Ed25519 commit, where a core dump would hold
 * them. So whatever calls a library with a secret then wipes this much of
 * the stack below it, straight from that function (sodium_stackzero): about
 * 0.1 µs (bench: 0.5 % of an Ed25519 signature), with room for a
 * sanitizer's larger frames. */
#define SIGIL_STACK_SCRUB 8192

/* secp256k1.c: libsecp256k1's one context of the process, randomised
 * once when first asked for (blinding for the signing multiplications) and
 * then only read, as libsecp256k1 allows from any number of threads;
 * secp256k1.c and bip340.c sign with it. NULL when it could not be made.
 * The type is opaque here: include <secp256k1.h> to use it. */
struct secp256k1_context_struct;
const struct secp256k1_context_struct *sigil_secp256k1_ctx(void);

/* sodium_init() exactly once, from any thread; 0 or SIGIL_E_INTERNAL. */
int sigil_crypto_init(void);

/* A prepared key. Only its secret state is in locked memory, and only as
 * much as the back end needs (impl->secret_size: libsodium's 64-byte
 * signing key, a 32-byte scalar...), so that 1000 tz1 keys still fit one
 * 64 KiB locked chunk, within the locked-memory limit common in
 * containers; the rest is public and lives in the ordinary heap. */
struct sigil_key {
	const struct sigil_key_impl *impl;
	void *secret; /* impl->secret_size bytes of locked memory (base/secmem.h) */
	void *obj;    /* a library object the back end keeps outside it, or NULL */
	size_t pk_len;
	uint8_t pk[SIGIL_PK_MAX];
};

struct sigil_key_impl {
	enum sigil_key_type type;
	const char *name;   /* sigil_key_type_name */
	size_t pk_len;      /* of the public key */
	size_t secret_size; /* of its part of a key in locked memory; at most 4096 */
	/* A new random secret: sigil_keygen. */
	int (*keygen)(uint8_t sk[SIGIL_SECRET_LEN]);
	/* The public key of a secret (pk_len bytes): sigil_pubkey. */
	int (*pubkey)(const uint8_t sk[SIGIL_SECRET_LEN], uint8_t pk[SIGIL_PK_MAX]);
	/* Builds the library's key objects into k (zeroed, with impl and the
	 * zeroed secret set) from sk, and k->pk: from pk when it is not NULL
	 * (pk_len bytes, what pubkey gave for sk), else derived. On failure
	 * free is still called. */
	int (*prepare)(struct sigil_key *k, const uint8_t sk[SIGIL_SECRET_LEN], const uint8_t *pk);
	/* Optional (0 and NULL for a type that has none): a second, longer
	 * form of the secret, of wide_len bytes (at most SIGIL_SECRET_MAX;
	 * sr25519: the ed25519 form), that pubkey_wide and prepare_wide take as
	 * pubkey and prepare take SIGIL_SECRET_LEN bytes. */
	size_t wide_len;
	int (*pubkey_wide)(const uint8_t *sk, uint8_t pk[SIGIL_PK_MAX]);
	int (*prepare_wide)(struct sigil_key *k, const uint8_t *sk, const uint8_t *pk);
	/* 64 bytes of signature of a 32-byte digest; NULL when the scheme
	 * signs messages instead (BLS: sigil_key_bls_sign). */
	int (*sign_digest)(const struct sigil_key *k, const uint8_t digest[32], uint8_t sig[64]);
	/* sign_digest's very signature, byte for byte, and its recovery id
	 * (0..3: bit 0 the parity of R's y, bit 1 set when R's x was >= n),
	 * counted after low-S normalisation, which flips bit 0. Optional: NULL
	 * for a type without one (Ed25519, BLS). Only asked for when a caller
	 * wants it (sigil_key_sign_recid): sign_digest stays the Tezos path. */
	int (*sign_digest_recid)(const struct sigil_key *k, const uint8_t digest[32],
	                         uint8_t sig[64], int *recid);
	/* The recovery id (as sign_digest_recid counts it) of a valid low-S
	 * signature by pk over digest, made elsewhere (an HSM, the key
	 * holder): the candidate whose recovered key is pk. Optional, as
	 * sign_digest_recid. */
	int (*recid_of)(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
	                const uint8_t sig[64], int *recid);
	/* sigil_verify_digest once type, lengths and NULLs are checked
	 * (siglen is 64; pklen is not checked); NULL when sign_digest is. */
	int (*verify_digest)(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
	                     const uint8_t sig[64]);
	/* For a type that signs messages of any length with no digest of its
	 * own (sr25519): 64 bytes of signature of msg under the plain scheme,
	 * and its check. NULL for the others. */
	int (*sign_msg)(const struct sigil_key *k, const uint8_t *msg, size_t len, uint8_t sig[64]);
	int (*verify_msg)(const uint8_t *pk, size_t pklen, const uint8_t *msg, size_t len,
	                  const uint8_t sig[64]);
	/* Releases k->obj; NULL when the back end keeps none. sig.c then wipes
	 * and frees the secret and k. */
	void (*free)(struct sigil_key *k);
};

extern const struct sigil_key_impl sigil_ed25519_impl;
extern const struct sigil_key_impl sigil_secp256k1_impl;
extern const struct sigil_key_impl sigil_p256_impl;
extern const struct sigil_key_impl sigil_bls_impl;
extern const struct sigil_key_impl sigil_sr25519_impl;

/* The table of sig.c: the back end of t, or NULL for an unknown type. */
const struct sigil_key_impl *sigil_key_impl_of(enum sigil_key_type t);

/* --- P-256 internals (p256.c, p256_inv.c), here for the tests -------- */

/* p256_impl_verify: the verify_digest of sigil_p256_impl. */
int p256_impl_verify(const uint8_t *pk, size_t pklen, const uint8_t digest[32],
                     const uint8_t sig[64]);

/* The nonce generator of RFC 6979 section 3.2 for P-256 with HMAC-SHA-256,
 * which P-256 signing draws k from (here for the tests' known answers).
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

/* inv = k^-1 mod n, the P-256 group order, for k in [1, n-1] (32 bytes
 * big-endian each), in constant time (p256_inv.c). */
void p256_scalar_inverse(uint8_t inv[32], const uint8_t k[32]);

#endif
