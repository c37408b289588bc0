/* SHA-256d, the base58check checksum. Every signature sigil answers with is
 * base58check-encoded, so this runs once per request: OpenSSL's SHA-256
 * uses the CPU's SHA extensions where present and, with the digest fetched
 * once, runs about three times faster than libsodium's portable C here
 * (bench: 0.41-0.53 µs against 1.37 µs for the 69-byte payload of a
 * signature). libsodium stays the fallback if OpenSSL cannot provide it. */
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "crypto/sig.h"

static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static EVP_MD *hash_sha256; /* fetched once, kept for the process's life */

static void
hash_fetch(void)
{
	hash_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int
hash_openssl(EVP_MD_CTX *c, const uint8_t *in, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	return EVP_DigestInit_ex(c, hash_sha256, NULL) == 1 && EVP_DigestUpdate(c, in, len) == 1 &&
	       EVP_DigestFinal_ex(c, out, &n) == 1 && n == 32;
}

void
sigil_sha256d(uint8_t out[static 32], const uint8_t *in, size_t len)
{
	EVP_MD_CTX *c;
	uint8_t h[32];

	pthread_once(&hash_once, hash_fetch);
	if (hash_sha256 != NULL && (c = EVP_MD_CTX_new()) != NULL) {
		int ok = hash_openssl(c, in, len, h) && hash_openssl(c, h, sizeof(h), out);
		EVP_MD_CTX_free(c);
		if (ok)
			goto out;
	}
	crypto_hash_sha256(h, in, len);
	crypto_hash_sha256(out, h, sizeof(h));
out:
	sodium_memzero(h, sizeof(h));
}
