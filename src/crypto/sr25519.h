/* sr25519: schnorrkel's Schnorr signatures over ristretto255, as Polkadot
 * and Substrate sign extrinsics (w3f/schnorrkel, src/keys.rs, sign.rs,
 * context.rs), on libsodium's ristretto255 and a Merlin transcript
 * (merlin.h).
 *
 * Keys, in schnorrkel's terms:
 *   mini secret   32 bytes, what a seed phrase or `subkey` gives (the
 *                 "seed" of polkadot-js's sr25519PairFromSeed);
 *   secret key    64 bytes, schnorrkel's SecretKey::to_bytes: the scalar x
 *                 (32 bytes little-endian, canonical, < l) ‖ the nonce
 *                 seed (32 bytes). This is sigil's sk below;
 *   "ed25519 bytes"  64 bytes, SecretKey::to_ed25519_bytes: 8x as a 256-bit
 *                 integer ‖ the nonce seed. This is the secretKey of
 *                 polkadot-js (sr25519PairFromSeed) and of @scure/sr25519
 *                 (secretFromSeed); from a mini secret it is the clamped
 *                 first half of SHA-512 ‖ the second half, byte for byte;
 *   public key    32 bytes, x·B compressed as ristretto255.
 *
 * A signature is R (32 bytes, ristretto255) ‖ s (32 bytes little-endian,
 * canonical) with the top bit of byte 63 set: schnorrkel's marker, which
 * tells it from an Ed25519 signature; verification refuses a signature
 * without it. The context of Substrate's signatures is "substrate"
 * (SIGIL_SR25519_CTX_SUBSTRATE); a payload over 256 bytes is hashed by the
 * chain's own rules before it comes here, which is not this file's business.
 *
 * Secrets pass through the caller's buffers (keep them in locked memory);
 * every intermediate here is wiped before return. */
#ifndef SIGIL_CRYPTO_SR25519_H
#define SIGIL_CRYPTO_SR25519_H
#include <stddef.h>
#include <stdint.h>

#define SIGIL_SR25519_MINI_LEN 32
#define SIGIL_SR25519_SK_LEN 64 /* scalar ‖ nonce seed */
#define SIGIL_SR25519_PK_LEN 32
#define SIGIL_SR25519_SIG_LEN 64
#define SIGIL_SR25519_CTX_SUBSTRATE "substrate"

/* The mini secret expanded in schnorrkel's Ed25519 mode
 * (MiniSecretKey::expand_ed25519, as polkadot-js and subkey expand it):
 * h = SHA-512(mini); the first half clamped as Ed25519 clamps (low three
 * bits cleared, bit 255 cleared, bit 254 set) and divided by the cofactor
 * 8, which keeps it below l; the second half is the nonce seed. */
__attribute__((warn_unused_result)) int
sigil_sr25519_expand_mini(const uint8_t mini[static SIGIL_SR25519_MINI_LEN],
                          uint8_t sk[static SIGIL_SR25519_SK_LEN]);

/* Why ed is no secret key in the ed25519 form, as a short secret-free
 * sentence, or NULL when it is one: a first half with any of its low three
 * bits set (not 8x), or whose eighth is not below l, or is zero; a nonce
 * seed of 32 zero bytes (sigil's nonces are deterministic, sr25519.c: with
 * no secret seed, r follows from public data and one signature gives the
 * key away). */
const char *sigil_sr25519_ed25519_bytes_problem(const uint8_t ed[static SIGIL_SR25519_SK_LEN]);

/* The polkadot-js / @scure 64-byte secretKey ("ed25519 bytes") into sk, as
 * schnorrkel's SecretKey::from_ed25519_bytes reads it: the first half
 * divided by 8, the second half kept. SIGIL_E_CRYPTO (sk zeroed) for what
 * sigil_sr25519_ed25519_bytes_problem refuses, which is stricter than
 * schnorrkel: it drops the low three bits without a word, where sigil
 * refuses them, because to_ed25519_bytes never sets them and a key that has
 * them is most likely another form (schnorrkel's to_bytes: x itself), which
 * would be read as another key. And back (SecretKey::to_ed25519_bytes). */
__attribute__((warn_unused_result)) int
sigil_sr25519_from_ed25519_bytes(const uint8_t ed[static SIGIL_SR25519_SK_LEN],
                                 uint8_t sk[static SIGIL_SR25519_SK_LEN]);
__attribute__((warn_unused_result)) int
sigil_sr25519_to_ed25519_bytes(const uint8_t sk[static SIGIL_SR25519_SK_LEN],
                               uint8_t ed[static SIGIL_SR25519_SK_LEN]);

/* x·B. SIGIL_E_CRYPTO when the scalar is not canonical or is zero. */
__attribute__((warn_unused_result)) int
sigil_sr25519_public(const uint8_t sk[static SIGIL_SR25519_SK_LEN],
                     uint8_t pk[static SIGIL_SR25519_PK_LEN]);

/* schnorrkel's sign_simple(ctx, msg), deterministic: the same key, pk, ctx
 * and msg give the same signature (sr25519.c says why that is safe). pk
 * must be sk's public key or the signature will not verify; a wrong one
 * gives away nothing (the nonce depends on it). SIGIL_E_CRYPTO for a bad
 * scalar, SIGIL_E_TOO_BIG for ctx or msg of 2^32 bytes or more; sig is
 * zeroed on any failure. */
__attribute__((warn_unused_result)) int
sigil_sr25519_sign(const uint8_t sk[static SIGIL_SR25519_SK_LEN],
                   const uint8_t pk[static SIGIL_SR25519_PK_LEN], const uint8_t *ctx,
                   size_t ctx_len, const uint8_t *msg, size_t msg_len,
                   uint8_t sig[static SIGIL_SR25519_SIG_LEN]);

/* schnorrkel's verify_simple(ctx, msg, sig): 0 when valid, SIGIL_E_CRYPTO
 * when not, including a missing marker bit, an s not below l, a public key
 * that is not a canonical ristretto255 encoding or is the identity, and
 * the (negligibly rare) s = 0 or challenge 0, which libsodium's
 * multiplications refuse. */
__attribute__((warn_unused_result)) int
sigil_sr25519_verify(const uint8_t pk[static SIGIL_SR25519_PK_LEN], const uint8_t *ctx,
                     size_t ctx_len, const uint8_t *msg, size_t msg_len,
                     const uint8_t sig[static SIGIL_SR25519_SIG_LEN]);

/* --- secret keys as text (sigil import; sr25519_text.c) ---------------
 * "sr25519:0x" and then either 64 hex digits, the 32-byte mini secret
 * (subkey's "Secret seed", polkadot-js's seed), or 128, the 64-byte secret
 * key in the ed25519 form (polkadot-js's sr25519PairFromSeed(seed)
 * .secretKey, @scure/sr25519's secretFromSeed(seed), schnorrkel's
 * to_ed25519_bytes). Digits of either case. */
#define SIGIL_SR25519_TEXT_TAG "sr25519:0x"
#define SIGIL_SR25519_TEXT_MAX (sizeof(SIGIL_SR25519_TEXT_TAG) - 1 + 2 * SIGIL_SR25519_SK_LEN)

/* Reads the len bytes of text (no NUL needed; nothing past len is read)
 * into sk, sklen bytes of it: SIGIL_SR25519_MINI_LEN or
 * SIGIL_SR25519_SK_LEN, the latter checked as
 * sigil_sr25519_ed25519_bytes_problem checks it but kept in the ed25519
 * form. sk is the caller's (locked memory); on failure it is zeroed, *sklen
 * is 0 and *why says, without a byte of the secret, what is wrong:
 * SIGIL_E_INVALID for another tag or a digit that is none; SIGIL_E_INCOMPLETE
 * for fewer digits than either form; SIGIL_E_TOO_BIG for more than
 * SIGIL_SR25519_TEXT_MAX bytes; SIGIL_E_CRYPTO for 64 bytes that are no key
 * in the ed25519 form. */
__attribute__((warn_unused_result)) int
sigil_sr25519_secret_parse(const char *text, size_t len, uint8_t sk[static SIGIL_SR25519_SK_LEN],
                           size_t *sklen, const char **why);

#endif
