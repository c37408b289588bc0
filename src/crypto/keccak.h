/* Keccak-f[1600] and the two 256-bit hashes built on it (FIPS 202).
 *
 * Ethereum hashes with Keccak-256, the submission to the SHA-3 competition
 * before NIST changed its padding: the same permutation and rate (136
 * bytes) as SHA3-256, but the padding starts with 0x01 where FIPS 202
 * writes 0x06 (two domain bits, then the 1 of pad10*1). OpenSSL 3.0 has
 * SHA3-256 only, so Keccak-256 is ours; SHA3-256 is here too, because
 * comparing it with OpenSSL's is how the tests check our permutation.
 *
 * The state is 25 lanes of 64 bits, read and written little-endian
 * whatever the host's byte order. Nothing here is secret-dependent in
 * timing; a finished state is wiped, as the input may have been. */
#ifndef SIGIL_CRYPTO_KECCAK_H
#define SIGIL_CRYPTO_KECCAK_H
#include <stddef.h>
#include <stdint.h>

#define SIGIL_KECCAK256_RATE 136 /* bytes absorbed per permutation: 1600/8 - 2*32 */
#define SIGIL_KECCAK256_LEN 32

/* An incremental hash: a[] is the state, pos the next byte of the rate to
 * absorb into (0 .. SIGIL_KECCAK256_RATE - 1). The rate is 136 bytes for
 * both Keccak-256 and SHA3-256, so one init serves both finals. */
struct sigil_keccak {
	uint64_t a[25];
	size_t pos;
};

/* The permutation itself: 24 rounds on the state, in place. */
void sigil_keccak_f1600(uint64_t a[25]);

/* Starts a hash (Keccak-256 or SHA3-256; the final chooses). */
void sigil_keccak256_init(struct sigil_keccak *k);

/* Absorbs len bytes (in may be NULL when len is 0). Any split of the
 * input over any number of calls gives the same hash. */
void sigil_keccak_update(struct sigil_keccak *k, const uint8_t *in, size_t len);

/* Pads, permutes and writes the 32-byte hash; the state is wiped after,
 * and must be initialised again before further use. Keccak-256 pads with
 * 0x01 (Ethereum), SHA3-256 with 0x06 (FIPS 202). */
void sigil_keccak256_final(struct sigil_keccak *k, uint8_t out[32]);
void sigil_sha3_256_final(struct sigil_keccak *k, uint8_t out[32]);

/* Keccak-256 of in, in one call. */
void sigil_keccak256(const uint8_t *in, size_t len, uint8_t out[32]);

#endif
