/* libFuzzer harness for the PKCS#11 attribute readers (vault/pkcs11/der.h):
 * the input as CKA_EC_PARAMS, and as CKA_EC_POINT of every key type. The
 * input is copied to a buffer of exactly its size so that ASan catches one
 * byte read past len.
 *
 * What is accepted must be what the readers promise: params only in one of
 * the five encodings we know, a point as the key in sigil's form that reads
 * back as itself alone and wrapped. What is refused must be refused with a
 * documented code; the libraries do not fail under the fuzzer, so
 * SIGIL_E_NOMEM or SIGIL_E_INTERNAL would be a bug too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "crypto/sig.h"
#include "vault/pkcs11/der.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	uint8_t der[14];
	size_t len;
	enum sigil_key_type type;
} known[] = {
	{ { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a }, 7, SIGIL_KEY_SECP256K1 },
	{ { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, 10, SIGIL_KEY_P256 },
	{ { 0x06, 0x03, 0x2b, 0x65, 0x70 }, 5, SIGIL_KEY_ED25519 },
	{ { 0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9' }, 14,
	  SIGIL_KEY_ED25519 },
	{ { 0x0c, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9' }, 14,
	  SIGIL_KEY_ED25519 },
};

static void
check_params(const uint8_t *in, size_t size)
{
	enum sigil_key_type t = (enum sigil_key_type)77;
	int rc = p11_ec_params_curve(in, size, &t);

	if (rc != 0) {
		if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_UNSUPPORTED) || t != 77)
			abort();
		return;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].len == size && memcmp(known[i].der, in, size) == 0) {
			if (known[i].type != t)
				abort();
			return;
		}
	abort(); /* accepted, but none of the encodings we know */
}

/* pk (pklen bytes), read again alone and as 04 n ‖ pk, gives itself. */
static void
check_again(enum sigil_key_type t, const uint8_t *pk, size_t pklen)
{
	uint8_t w[2 + SIGIL_PK_MAX], out[SIGIL_PK_MAX];
	size_t outlen;

	if (p11_ec_point(t, pk, pklen, out, &outlen) != 0 || outlen != pklen ||
	    memcmp(out, pk, pklen) != 0)
		abort();
	w[0] = 0x04;
	w[1] = (uint8_t)pklen;
	memcpy(w + 2, pk, pklen);
	if (p11_ec_point(t, w, pklen + 2, out, &outlen) != 0 || outlen != pklen ||
	    memcmp(out, pk, pklen) != 0)
		abort();
}

static void
check_point(enum sigil_key_type t, const uint8_t *in, size_t size)
{
	static const uint8_t zero[SIGIL_PK_MAX];
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;
	int rc = p11_ec_point(t, in, size, pk, &pklen);

	if (rc != 0) {
		if (rc != SIGIL_E_INVALID || pklen != 0 || memcmp(pk, zero, sizeof(pk)) != 0)
			abort();
		return;
	}
	if (size > P11_EC_POINT_MAX)
		abort();
	if (t == SIGIL_KEY_ED25519) {
		/* the key is the input, or its last 32 bytes behind 04 20 */
		if (pklen != 32 || memcmp(pk, in + size - 32, 32) != 0 ||
		    (size != 32 && (size != 34 || in[0] != 0x04 || in[1] != 0x20)))
			abort();
	} else {
		if (pklen != 33 || (pk[0] != 0x02 && pk[0] != 0x03))
			abort();
		/* the same X as the input's point, and a compressed input as is */
		if (size != 33 && size != 35 && size != 65 && size != 67)
			abort();
		if (memcmp(pk + 1, in + size - (size >= 65 ? 64 : 32), 32) != 0)
			abort();
		if ((size == 33 || size == 35) && pk[0] != in[size - 33])
			abort();
		if (size >= 65 && in[size - 65] != 0x04)
			abort();
		if ((size == 35 || size == 67) && (in[0] != 0x04 || in[1] != size - 2))
			abort();
	}
	check_again(t, pk, pklen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sigil_key_type types[] = { SIGIL_KEY_ED25519, SIGIL_KEY_SECP256K1,
		                                     SIGIL_KEY_P256 };
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;
	uint8_t *in = fuzz_copy(data, size);

	if (in == NULL)
		return 0;
	check_params(in, size);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		check_point(types[i], in, size);
	if (p11_ec_point(SIGIL_KEY_BLS, in, size, pk, &pklen) != SIGIL_E_UNSUPPORTED || pklen != 0)
		abort();
	free(in);
	return 0;
}
