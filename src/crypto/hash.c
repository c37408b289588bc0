/* SHA-256 and SHA-256d (the base58check checksum) over OpenSSL's own SHA-256
 * routines, which use the CPU's SHA extensions where present.
 *
 * These run on every request: a bearer token is hashed to be compared, and
 * every Tezos signature is base58check-encoded. SHA256_Init, _Update and
 * _Final are deprecated in OpenSSL 3.0 in favour of EVP, but still built (as
 * p256.c uses them), and EVP costs more than the hash for short inputs: a
 * provider context made and freed per hash, and a context made per call
 * contended between threads. For a 45-byte token, two threads at once:
 * 58 ns a hash here, against 287 for libsodium's portable C and 258 for EVP
 * with a context per call. libsodium's is used where OpenSSL no longer has
 * them (4.0). */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co.: see above */
#include <openssl/opensslv.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "crypto/sig.h"

void
sigil_sha256(uint8_t out[static 32], const uint8_t *in, size_t len)
{
#if OPENSSL_VERSION_MAJOR < 4
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, in, len);
	SHA256_Final(out, &c);
	sodium_memzero(&c, sizeof(c));
#else
	crypto_hash_sha256(out, in, len);
#endif
}

void
sigil_sha256d(uint8_t out[static 32], const uint8_t *in, size_t len)
{
	uint8_t h[32];

	sigil_sha256(h, in, len);
	sigil_sha256(out, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}
