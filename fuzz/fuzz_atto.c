/* libFuzzer harness for the Atto codec (src/chain/atto/atto.h): the same
 * bytes as a block, a vote, a challenge, an address and hex. Any input
 * must give 0 or a defined error with a reason; on error the outputs are
 * zeroed; a success must write back to the very bytes it read, with the
 * hash of those bytes, and an address must read back to its key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/atto/atto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
zeroed(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
expect_defined(int rc, const char *reason)
{
	if (rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG)
		abort();
	if (reason[0] == '\0' || memchr(reason, '\0', 160) == NULL)
		abort();
}

static void
fuzz_block(const uint8_t *data, size_t size)
{
	struct atto_block b, again;
	uint8_t back[ATTO_BLOCK_MAX], h[ATTO_HASH_LEN];
	size_t len;
	char reason[160];
	int rc = atto_block_decode(data, size, &b, reason, sizeof(reason));

	if (rc != 0) {
		expect_defined(rc, reason);
		if (!zeroed(&b, sizeof(b)))
			abort();
		return;
	}
	again = b;
	if (atto_block_encode(&again, back, &len, reason, sizeof(reason)) != 0 || len != size ||
	    memcmp(back, data, size) != 0 || memcmp(again.hash, b.hash, sizeof(h)) != 0)
		abort();
	atto_blake2b(h, sizeof(h), data, size);
	if (memcmp(h, b.hash, sizeof(h)) != 0 || b.timestamp < 0 || b.version > ATTO_VERSION_MAX ||
	    (b.type == ATTO_BLOCK_OPEN) != (b.height == 1) || b.balance > ATTO_AMOUNT_MAX)
		abort();
}

static void
fuzz_vote(const uint8_t *data, size_t size)
{
	struct atto_vote v, again;
	uint8_t back[ATTO_VOTE_LEN];
	char reason[160];
	int rc = atto_vote_decode(data, size, &v, reason, sizeof(reason));

	if (rc != 0) {
		expect_defined(rc, reason);
		if (!zeroed(&v, sizeof(v)))
			abort();
		return;
	}
	again = v;
	if (size != ATTO_VOTE_LEN || atto_vote_encode(&again, back, reason, sizeof(reason)) != 0 ||
	    memcmp(back, data, size) != 0 || memcmp(again.hash, v.hash, sizeof(v.hash)) != 0 ||
	    v.final != (v.timestamp == ATTO_TIMESTAMP_FINAL))
		abort();
}

static void
fuzz_challenge(const uint8_t *data, size_t size)
{
	uint8_t h[ATTO_CHALLENGE_HASH_LEN];
	char reason[160];
	int64_t ts = 0;
	int rc;

	if (size < ATTO_PK_LEN + 8)
		return;
	memcpy(&ts, data + ATTO_PK_LEN, sizeof(ts));
	rc = atto_challenge_hash(data, data + ATTO_PK_LEN + 8, size - ATTO_PK_LEN - 8, ts, h,
	                         reason, sizeof(reason));
	if (rc != 0) {
		expect_defined(rc, reason);
		if (!zeroed(h, sizeof(h)))
			abort();
	}
}

static void
fuzz_text(const uint8_t *data, size_t size)
{
	char text[2 * ATTO_ADDRESS_TEXT_MAX], again[ATTO_ADDRESS_TEXT_MAX];
	uint8_t pk[ATTO_PK_LEN], pk2[ATTO_PK_LEN], hexout[64];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	int rc;

	memcpy(text, data, n);
	text[n] = '\0';
	rc = atto_address_parse(text, pk);
	if (rc != 0) {
		if (rc != SIGIL_E_INVALID && rc != SIGIL_E_CHECKSUM && rc != SIGIL_E_UNSUPPORTED)
			abort();
		if (!zeroed(pk, sizeof(pk)))
			abort();
	} else {
		/* One key, one address: what was read is what we write. */
		if (atto_address_encode(pk, again, sizeof(again)) != 0 ||
		    atto_address_parse(again, pk2) != 0 || memcmp(pk, pk2, sizeof(pk)) != 0)
			abort();
		if (strcmp(again + strlen(ATTO_ADDRESS_SCHEME),
		           text + (strncmp(text, ATTO_ADDRESS_SCHEME, 7) == 0 ? 7 : 0)) != 0)
			abort();
	}
	if (n % 2 == 0 && n / 2 <= sizeof(hexout) &&
	    atto_hex_decode(text, n, hexout, n / 2) == 0) {
		char back[2 * sizeof(hexout) + 1];
		if (atto_hex_encode(hexout, n / 2, back, sizeof(back)) != 0 ||
		    strncasecmp(back, text, n) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_block(data, size);
	fuzz_vote(data, size);
	fuzz_challenge(data, size);
	fuzz_text(data, size);
	return 0;
}
