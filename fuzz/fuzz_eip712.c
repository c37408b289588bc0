/* libFuzzer harness for eip712_hash: any bytes must give either the hashes
 * or a defined error with a reason, never a crash, a leak or a read past
 * len; a success must hold together (the digest is keccak256(0x19 0x01 ‖
 * domain separator ‖ struct hash)) and come out the same twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/ethereum/eip712.h"
#include "crypto/keccak.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eip712_result r, again;
	char reason[160], reason2[160];
	uint8_t pre[66], d[32];
	char *copy;
	int rc;

	/* An exact-size copy, so that AddressSanitizer sees a read past the
	 * end: the parser must not rely on a terminating NUL. */
	if ((copy = fuzz_copy(data, size)) == NULL)
		return 0;
	rc = eip712_hash(copy, size, &r, reason, sizeof(reason));
	if (memchr(reason, '\0', sizeof(reason)) == NULL)
		abort();
	if (rc != 0) {
		if (reason[0] == '\0' || !all_zero(&r, sizeof(r)))
			abort();
		if (rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
		    rc != SIGIL_E_NOMEM)
			abort();
	} else {
		pre[0] = 0x19;
		pre[1] = 0x01;
		memcpy(pre + 2, r.domain_separator, 32);
		memcpy(pre + 34, r.struct_hash, 32);
		sigil_keccak256(pre, sizeof(pre), d);
		if (memcmp(d, r.digest, 32) != 0 || r.primary_type[0] == '\0' ||
		    memchr(r.primary_type, '\0', sizeof(r.primary_type)) == NULL ||
		    (r.chain_id_fits_u64 && !r.has_chain_id))
			abort();
	}
	if (eip712_hash(copy, size, &again, reason2, sizeof(reason2)) != rc ||
	    memcmp(&r, &again, sizeof(r)) != 0 || strcmp(reason, reason2) != 0)
		abort();
	free(copy);
	return 0;
}
