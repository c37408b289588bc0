/* The signature schemes sigil signs with, behind one small interface.
 * Every secret is a 32-byte scalar or seed; callers keep it in secmem, and
 * a key that signs more than once is prepared (struct sigil_key). */
#ifndef SIGIL_CRYPTO_SIG_H
#define SIGIL_CRYPTO_SIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sigil_key_type {
	SIGIL_KEY_ED25519 = 0,   /* tz1: libsodium */
	SIGIL_KEY_SECP256K1 = 1, /* tz2: libsecp256k1 */
	SIGIL_KEY_P256 = 2,      /* tz3: OpenSSL */
	SIGIL_KEY_BLS = 3,       /* tz4: blst (bls.c) */
	SIGIL_KEY_SR25519 = 4,   /* Polkadot: schnorrkel on ristretto255 (sr25519.c) */
};
#define SIGIL_KEY_TYPES 5

/* What a signature is over, whatever asks for it (chain.h's intent, a
 * vault's sign). */
enum sigil_scheme {
	/* The key type's plain scheme: Ed25519 signs msg as its message (any
	 * length); ECDSA signs msg as a 32-byte digest; sr25519 signs msg (any
	 * length) under Substrate's signing context. */
	SIGIL_SCHEME_PLAIN = 0,
	SIGIL_SCHEME_BLS_POP,   /* BLS, proof-of-possession ciphersuite, raw bytes */
	SIGIL_SCHEME_BLS_AUG,   /* BLS, message augmentation: pk ‖ bytes */
	SIGIL_SCHEME_BLS_PROOF, /* BLS proof of possession of the key's own public key */
	/* secp256k1: BIP-340 Schnorr of a 32-byte message by the key tweaked
	 * for a taproot key-path output without scripts (BIP-341; bip340.h). */
	SIGIL_SCHEME_BIP340_TAPROOT,
};

#define SIGIL_SECRET_LEN 32
/* The longest form of a secret: sr25519's 64-byte secret key in the
 * ed25519 form (sr25519.h), which a file vault keeps as it was imported
 * when no 32-byte mini secret exists for it (polkadot-js's secretKey). */
#define SIGIL_SECRET_MAX 64
#define SIGIL_PK_MAX 48  /* ed25519 32, secp256k1/P-256 33 (compressed), BLS 48 */
#define SIGIL_SIG_MAX 96 /* ed25519/ECDSA 64 (r||s), BLS 96 */

/* "ed25519", "secp256k1", "p256", "bls" and back (-1 when unknown). */
const char *sigil_key_type_name(enum sigil_key_type t);
int sigil_key_type_from_name(const char *name);

/* A new random secret of that type (a valid scalar for the ECDSA curves;
 * for BLS a scalar in [1, r), little-endian as a BLsk stores it). */
__attribute__((warn_unused_result)) int
sigil_keygen(enum sigil_key_type t, uint8_t sk[static SIGIL_SECRET_LEN]);

/* The public key in Tezos form: ed25519 32 bytes, ECDSA 33 bytes compressed,
 * BLS 48 bytes (compressed G1).
 * SIGIL_E_CRYPTO when sk is not a valid secret (zero, >= the group order). */
__attribute__((warn_unused_result)) int
sigil_pubkey(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
             uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);

/* Whether a secret of type t may be sklen bytes long: SIGIL_SECRET_LEN for
 * every type (what sigil_keygen makes), and SIGIL_SECRET_MAX for sr25519
 * (the ed25519 form; the mini secret behind it cannot be recovered). */
bool sigil_secret_len_ok(enum sigil_key_type t, size_t sklen);

/* sigil_pubkey for a secret of sklen bytes (sigil_secret_len_ok):
 * SIGIL_E_INVALID for a length the type has not. */
__attribute__((warn_unused_result)) int
sigil_pubkey_sized(enum sigil_key_type t, const uint8_t *sk, size_t sklen,
                   uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);

/* --- prepared keys ------------------------------------------------------
 * A key as a long-lived holder keeps it: the library's own key object,
 * built once (libsodium's 64-byte signing key, a libsecp256k1 keypair, an
 * OpenSSL EC_KEY beside the secret RFC 6979 reads, blst's scalar) and the
 * public key, so that a signature costs what the primitive costs. The
 * secret part lives in locked memory (base/secmem.h), the EC_KEY's scalar
 * on OpenSSL's secure heap (p256.c); sigil_key_free releases and wipes
 * everything. A key is read-only once made: any number of threads may
 * sign with it at once. */
struct sigil_key;

/* Prepares sk (32 bytes, as sigil_keygen makes them) into *out. pk (pklen
 * bytes) is NULL, or what sigil_pubkey gave for this very secret: it then
 * saves deriving it a second time. It must be right: an Ed25519 signature
 * made with a wrong public key, beside a right one of the same bytes,
 * gives the secret away (secp256k1 checks it; Ed25519, P-256 and BLS keep
 * it as given). SIGIL_E_CRYPTO when sk is not a valid secret, and *out
 * stays NULL on any failure. sk is not kept: the caller wipes it. */
__attribute__((warn_unused_result)) int
sigil_key_new(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN], const uint8_t *pk,
              size_t pklen, struct sigil_key **out);

/* sigil_key_new for a secret of sklen bytes (sigil_secret_len_ok); an
 * sr25519 key made from the ed25519 form of a mini secret's expansion is
 * the very key that mini secret makes (same public key, same signatures).
 * SIGIL_E_INVALID for a length the type has not. */
__attribute__((warn_unused_result)) int
sigil_key_new_sized(enum sigil_key_type t, const uint8_t *sk, size_t sklen, const uint8_t *pk,
                    size_t pklen, struct sigil_key **out);

/* Releases and wipes a key; NULL is allowed. */
void sigil_key_free(struct sigil_key *k);

/* The key's public key, as sigil_pubkey gives it. */
void sigil_key_pubkey(const struct sigil_key *k, uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);

/* Tezos signing for tz1/tz2/tz3: sign the 32-byte blake2b digest of the
 * request bytes. Ed25519 signs the digest as its message; ECDSA signs the
 * digest directly (RFC 6979 nonces) and returns r||s normalised to low-S.
 * SIGIL_E_UNSUPPORTED for a BLS key (sigil_key_bls_sign). */
__attribute__((warn_unused_result)) int
sigil_key_sign_digest(const struct sigil_key *k, const uint8_t digest[static 32],
                      uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen);

/* sigil_key_sign_digest with a secret that is prepared for this one
 * signature and dropped: for tests and one-off tools, never the signing
 * path (it pays what sigil_key_new saves). */
__attribute__((warn_unused_result)) int
sigil_sign_digest(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
                  const uint8_t digest[static 32], uint8_t sig[static SIGIL_SIG_MAX],
                  size_t *siglen);

/* Ed25519 in two halves (ed25519.c): commit makes the nonce r, its
 * commitment R = rB and a tag binding the two to the message under a key
 * only the signer holds, into nonce (r, R, then the tag), which is no
 * signature; finish makes the signature (R, S), byte for byte what
 * sigil_key_sign_digest gives for the same message. finish refuses
 * (SIGIL_E_INVALID, sig zeroed) a nonce that was not made by commit for
 * this key and message, or that changed since by as much as one bit. r is
 * as secret as the key: keep nonce in locked memory and wipe it after
 * finish (a signature and its r give the key away). The layout is private
 * to ed25519.c. Both answer SIGIL_E_UNSUPPORTED for a key of another type. */
#define SIGIL_ED25519_NONCE_LEN 96
__attribute__((warn_unused_result)) int
sigil_ed25519_commit(const struct sigil_key *k, const uint8_t *msg, size_t len,
                     uint8_t nonce[static SIGIL_ED25519_NONCE_LEN]);
__attribute__((warn_unused_result)) int
sigil_ed25519_finish(const struct sigil_key *k, const uint8_t nonce[static SIGIL_ED25519_NONCE_LEN],
                     const uint8_t *msg, size_t len, uint8_t sig[static 64]);

/* Signs msg under scheme with k: what a vault does with a prepared key.
 * SIGIL_SCHEME_PLAIN: Ed25519 signs msg as its message (any length,
 * RFC 8032, the same signature sigil_key_sign_digest gives for 32 bytes);
 * ECDSA signs msg as a digest, which must be 32 bytes (SIGIL_E_INVALID
 * otherwise); a BLS key has none (SIGIL_E_UNSUPPORTED). The BLS schemes
 * are sigil_key_bls_sign's, for a BLS key only (SIGIL_E_INVALID for
 * another). */
__attribute__((warn_unused_result)) int
sigil_key_sign(const struct sigil_key *k, enum sigil_scheme scheme, const uint8_t *msg,
               size_t len, uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen);

/* sigil_key_sign, and the recovery id of the signature it makes, as
 * Ethereum writes it: for ECDSA (secp256k1, P-256) under SIGIL_SCHEME_PLAIN,
 * 0..3, bit 0 the parity of R's y and bit 1 set when R's x was >= the group
 * order n, counted for the low-S signature returned; -1 for Ed25519, BLS
 * and the BLS schemes, and on failure. The signature is byte for byte
 * sigil_key_sign's (RFC 6979, low-S). secp256k1 signs through the
 * library's recoverable signer, P-256 also reads R's y: no cost measured
 * for the first, under 1 % for the second, but the Tezos path keeps to
 * sigil_key_sign and only a caller that wants the id asks for it. */
__attribute__((warn_unused_result)) int
sigil_key_sign_recid(const struct sigil_key *k, enum sigil_scheme scheme, const uint8_t *msg,
                     size_t len, uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen, int *recid);

/* The recovery id (as sigil_key_sign_recid gives it) of sig, a low-S
 * ECDSA signature (r ‖ s, 64 bytes) of digest by pk, made where sigil could
 * not see (an HSM, the key holder): found by recovering the key for each
 * candidate and keeping the one that gives pk. SIGIL_E_CRYPTO when none
 * does (the signature is not pk's); SIGIL_E_UNSUPPORTED for Ed25519 and
 * BLS. */
__attribute__((warn_unused_result)) int
sigil_ecdsa_recid(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                  const uint8_t digest[static 32], const uint8_t sig[static 64], int *recid);

/* Verifies a signature made by sigil_key_sign_digest. 0 when valid,
 * SIGIL_E_CRYPTO when not; high-S ECDSA signatures are rejected. */
__attribute__((warn_unused_result)) int
sigil_verify_digest(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                    const uint8_t digest[static 32], const uint8_t *sig, size_t siglen);

/* Verifies sig of msg under scheme by the public key pk of type t, as
 * sigil_key_sign makes it: Ed25519 over msg of any length, ECDSA over a
 * 32-byte digest (high-S rejected), BLS under its scheme. 0 when valid,
 * SIGIL_E_CRYPTO when not, SIGIL_E_INVALID for a scheme or length that
 * does not apply to t. */
__attribute__((warn_unused_result)) int
sigil_verify(enum sigil_key_type t, const uint8_t *pk, size_t pklen, enum sigil_scheme scheme,
             const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen);

/* An ECDSA signature r ‖ s (64 bytes, big-endian) of a key of type t
 * (secp256k1 or P-256) made low-S in place: s replaced by n - s when over
 * n / 2, as Tezos and Bitcoin require (a signature from a device that does
 * not). SIGIL_E_INVALID for another type, or r or s zero or not under n. */
__attribute__((warn_unused_result)) int
sigil_ecdsa_low_s(enum sigil_key_type t, uint8_t sig[static 64]);

/* --- BLS12-381 (tz4) -------------------------------------------------
 * Min-pk: 48-byte compressed G1 public keys, 96-byte compressed G2
 * signatures. The secret is a BLsk: a little-endian scalar in [1, r). BLS
 * never signs a digest: sigil_key_sign_digest, sigil_sign_digest and
 * sigil_verify_digest answer SIGIL_E_UNSUPPORTED for it; the functions
 * below take the raw message. */
#define SIGIL_BLS_PK_LEN 48
#define SIGIL_BLS_SIG_LEN 96

enum sigil_bls_scheme {
	/* tz4 signature version 2 (octez's default): the raw bytes under
	 * BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_. */
	SIGIL_BLS_POP = 0,
	/* tz4 version 1: pk(48) ‖ bytes under BLS_SIG_…_AUG_. */
	SIGIL_BLS_AUG = 1,
	/* Proof of possession: the key's own 48-byte compressed public key
	 * under BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_. msg must be empty
	 * or equal to that public key (SIGIL_E_INVALID otherwise). */
	SIGIL_BLS_PROOF = 2,
};

/* Signs msg (len bytes; msg may be NULL when len is 0) with scheme, one of
 * enum sigil_bls_scheme, and a prepared BLS key. Deterministic.
 * SIGIL_E_INVALID for an unknown scheme; SIGIL_E_UNSUPPORTED for a key of
 * another type. sig is zeroed on failure. */
__attribute__((warn_unused_result)) int
sigil_key_bls_sign(const struct sigil_key *k, int scheme, const uint8_t *msg, size_t len,
                   uint8_t sig[static SIGIL_BLS_SIG_LEN]);

/* sigil_key_bls_sign with a secret prepared for this one signature (tests,
 * tools). SIGIL_E_CRYPTO when sk is not in [1, r). */
__attribute__((warn_unused_result)) int
sigil_bls_sign(const uint8_t sk[static SIGIL_SECRET_LEN], int scheme, const uint8_t *msg,
               size_t len, uint8_t sig[static SIGIL_BLS_SIG_LEN]);

/* 0 when sig is a valid scheme signature of msg by pk. SIGIL_E_INVALID for
 * bad lengths or arguments; SIGIL_E_CRYPTO when pk or sig is not a valid
 * point of its prime-order subgroup (the identity included) or the pairing
 * check fails. */
__attribute__((warn_unused_result)) int
sigil_bls_verify(const uint8_t *pk, size_t pklen, int scheme, const uint8_t *msg, size_t len,
                 const uint8_t *sig, size_t siglen);

/* A secp256k1 signature (64 bytes r ‖ s, low-S) of a 32-byte digest by a
 * prepared secp256k1 key, with extra (32 bytes, or NULL) as RFC 6979's
 * additional data: with fresh random bytes, a hedged signature that is
 * different every time, as an HSM's may be. Tests use it to stand for
 * such signers; tz2 signing passes NULL (plain RFC 6979).
 * SIGIL_E_UNSUPPORTED for a key of another type. */
__attribute__((warn_unused_result)) int
sigil_secp256k1_sign_hedged(const struct sigil_key *k, const uint8_t digest[static 32],
                            const uint8_t *extra, uint8_t sig[static 64]);

/* sigil_secp256k1_sign_hedged, and the signature's recovery id into
 * *recid (NULL: not wanted; -1 on failure), as sigil_key_sign_recid gives
 * it. */
__attribute__((warn_unused_result)) int
sigil_secp256k1_sign_hedged_recid(const struct sigil_key *k, const uint8_t digest[static 32],
                                  const uint8_t *extra, uint8_t sig[static 64], int *recid);

/* SHA-256 of in (hash.c: OpenSSL's, with the CPU's SHA extensions). */
void sigil_sha256(uint8_t out[static 32], const uint8_t *in, size_t len);

/* SHA-256 of SHA-256 of in (the base58check checksum is its first 4 bytes). */
void sigil_sha256d(uint8_t out[static 32], const uint8_t *in, size_t len);

/* blake2b with a 32- or 20-byte output (libsodium's generichash). */
void sigil_blake2b(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen);

#endif
