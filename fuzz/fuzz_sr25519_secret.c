/* libFuzzer harness for sr25519 secret keys as text (crypto/sr25519.h,
 * sigil_sr25519_secret_parse: "sr25519:0x" and 64 or 128 hex digits). The
 * input is copied to a buffer of exactly its size so that ASan catches one
 * byte read past len. Whatever it accepts must make a key whose public key
 * both ways of deriving it agree on; whatever it refuses leaves nothing
 * behind and says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "crypto/sr25519.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sk[SIGIL_SR25519_SK_LEN], pk[SIGIL_PK_MAX], pk2[SIGIL_PK_MAX];
	struct sigil_key *k = NULL;
	const char *why;
	size_t sklen, pklen, pklen2;
	char *s = fuzz_copy(data, size);
	int rc;

	if (s == NULL)
		return 0;
	rc = sigil_sr25519_secret_parse(s, size, sk, &sklen, &why);
	if (rc != 0) {
		if (why == NULL || sklen != 0 || !sodium_is_zero(sk, sizeof(sk)))
			abort();
	} else if (why != NULL || (sklen != SIGIL_SR25519_MINI_LEN && sklen != SIGIL_SR25519_SK_LEN)) {
		abort();
	} else if (sigil_pubkey_sized(SIGIL_KEY_SR25519, sk, sklen, pk, &pklen) != 0 ||
	           sigil_key_new_sized(SIGIL_KEY_SR25519, sk, sklen, NULL, 0, &k) != 0) {
		abort(); /* every key the parser accepts is one */
	} else {
		sigil_key_pubkey(k, pk2, &pklen2);
		if (pklen != pklen2 || memcmp(pk, pk2, pklen) != 0)
			abort();
		sigil_key_free(k);
	}
	sodium_memzero(sk, sizeof(sk));
	free(s);
	return 0;
}
