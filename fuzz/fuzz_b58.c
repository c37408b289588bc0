/* libFuzzer harness for the Tezos base58check decoders and the secret-key
 * parser (src/chain/tezos/b58.c, keys.c). The input is copied to a buffer
 * of exactly its size so that ASan catches one byte read past slen. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tezos/b58.h"
#include "chain/tezos/keys.h"
#include "base/errors.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[128], sk[SIGIL_SECRET_LEN], pk[SIGIL_PK_MAX], sig[SIGIL_SIG_MAX];
	char enc[TZ_B58_MAX + 1];
	enum tz_prefix p;
	enum sigil_key_type t = SIGIL_KEY_ED25519;
	size_t n, pklen, siglen;
	bool generic;
	char *s = fuzz_copy(data, size);
	int rc;

	if (s == NULL)
		return 0;
	rc = tz_b58_decode_any(s, size, &p, out, sizeof(out), &n);
	if (rc == 0) {
		/* Whatever decodes must encode back to the same characters. */
		if (p >= TZ_P_COUNT || n != tz_prefix_payload_len(p) ||
		    tz_b58_encode(p, out, n, enc, sizeof(enc)) != 0 || strlen(enc) != size ||
		    memcmp(enc, s, size) != 0)
			abort();
	} else if (rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
	           rc != SIGIL_E_CHECKSUM) {
		abort();
	}
	if (b58check_decode(s, size, out, sizeof(out), &n) == 0 && n > sizeof(out))
		abort();
	/* A fixed passphrase: the encrypted forms are reached only with a good
	 * checksum, which keeps the slow PBKDF2 rare. */
	if (tz_sk_decode(s, size, "fuzz", &t, sk) == 0 && (unsigned)t >= SIGIL_KEY_TYPES)
		abort();
	if (tz_pk_decode(s, size, &t, pk, &pklen) == 0 && (pklen < 32 || pklen > SIGIL_PK_MAX))
		abort();
	if (tz_sig_decode(s, size, &t, sig, &siglen, &generic) == 0 &&
	    siglen != 64 && siglen != 96)
		abort();
	free(s);
	return 0;
}
