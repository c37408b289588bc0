/* libFuzzer harness for the Atto signer's request bodies
 * (src/api/atto_body.h): any input, read as a block, a vote and a
 * challenge body, must give 0 or SIGIL_E_INVALID / SIGIL_E_TOO_BIG with a
 * reason and zeroed output; a block or vote that is read must decode back
 * with the codec (src/chain/atto/atto.h) to the same bytes; a challenge is
 * 64..1024 bytes and a timestamp. The input is copied to a buffer of
 * exactly its size so that ASan sees one byte read past it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/atto_body.h"
#include "api/json_lite.h"
#include "base/errors.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(enum atto_req r, const char *buf, size_t len)
{
	struct atto_body out;
	struct atto_block b;
	struct atto_vote v;
	char reason[160];
	int rc = atto_body_parse(r, buf, len, &out, reason, sizeof(reason));

	if (rc != 0) {
		if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_TOO_BIG) || reason[0] == '\0' ||
		    out.len != 0)
			abort();
		return;
	}
	switch (r) {
	case ATTO_REQ_BLOCK:
		if (atto_block_decode(out.bytes, out.len, &b, reason, sizeof(reason)) != 0)
			abort();
		break;
	case ATTO_REQ_VOTE:
		if (out.len != ATTO_VOTE_LEN ||
		    atto_vote_decode(out.bytes, out.len, &v, reason, sizeof(reason)) != 0)
			abort();
		break;
	case ATTO_REQ_CHALLENGE:
		if (out.len < ATTO_CHALLENGE_MIN + 8 || out.len > ATTO_CHALLENGE_MAX + 8)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	uint64_t mag;
	int neg;

	if (buf == NULL)
		return 0;
	one(ATTO_REQ_BLOCK, buf, size);
	one(ATTO_REQ_VOTE, buf, size);
	one(ATTO_REQ_CHALLENGE, buf, size);
	if (jl_uint(buf, size, &mag, &neg) == 0) {
		/* Read back: the same digits. */
		char text[32];
		int n = snprintf(text, sizeof(text), "%s%llu", neg ? "-" : "",
		                 (unsigned long long)mag);
		if (n < 0 || (size_t)n != size || memcmp(text, buf, size) != 0)
			abort();
	}
	free(buf);
	return 0;
}
