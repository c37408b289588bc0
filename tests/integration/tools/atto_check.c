/* Holds sigil's Atto codec (src/chain/atto) to vectors made by an
 * implementation we did not write (tests/js/atto_vectors.mjs: @noble/hashes
 * and @noble/curves over commons' published layouts), one JSON object a
 * line on stdin:
 *
 *   block, vote   decoded with the fields the vector names, the hash equal
 *                 to ours, the bytes written back the same, the vector's
 *                 Ed25519 signature valid for our hash, the address ours;
 *   challenge     our 64-byte message equal, the signature valid over it;
 *   bad-block, bad-vote   refused.
 *
 * Prints "atto_check: N passed, 0 failed" and exits 0, or names the first
 * line that fails and exits 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "chain/atto/atto.h"

static unsigned long lineno;

static void
fail(const char *what)
{
	fprintf(stderr, "atto_check: line %lu: %s\n", lineno, what);
	printf("atto_check: 0 passed, 1 failed\n");
	exit(1);
}

/* A hex string member into a malloc'ed buffer of *len bytes. */
static uint8_t *
get_hex(json_t *o, const char *name, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, name));
	uint8_t *b;

	if (s == NULL || strlen(s) % 2 != 0)
		fail(name);
	*len = strlen(s) / 2;
	b = malloc(*len + 1);
	if (b == NULL || atto_hex_decode(s, strlen(s), b, *len) != 0)
		fail(name);
	return b;
}

static void
get_fixed(json_t *o, const char *name, uint8_t *out, size_t len)
{
	size_t n;
	uint8_t *b = get_hex(o, name, &n);

	if (n != len)
		fail(name);
	memcpy(out, b, len);
	free(b);
}

/* Numbers arrive as decimal strings (they pass 2^53). */
static uint64_t
get_u64(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));
	char *end;
	uint64_t v;

	if (s == NULL || *s == '\0')
		fail(name);
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		fail(name);
	return v;
}

static void
check_sig(json_t *o, const uint8_t *msg, size_t len, const uint8_t pk[32])
{
	uint8_t sig[64];

	get_fixed(o, "sig", sig, sizeof(sig));
	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		fail("signature does not verify over our message");
}

static void
check_block(json_t *o)
{
	size_t len, back_len;
	uint8_t *bytes = get_hex(o, "bytes", &len), hash[32], pk[32], back[ATTO_BLOCK_MAX];
	struct atto_block b;
	char reason[160], addr[ATTO_ADDRESS_TEXT_MAX];
	const char *type = json_string_value(json_object_get(o, "type"));
	uint8_t pk_back[32];

	if (atto_block_decode(bytes, len, &b, reason, sizeof(reason)) != 0)
		fail(reason);
	get_fixed(o, "hash", hash, sizeof(hash));
	get_fixed(o, "pk", pk, sizeof(pk));
	if (memcmp(hash, b.hash, 32) != 0)
		fail("block hash differs");
	if (type == NULL || strcmp(type, atto_block_type_name(b.type)) != 0 ||
	    (json_int_t)b.network != json_integer_value(json_object_get(o, "network")) ||
	    b.height != get_u64(o, "height") || b.balance != get_u64(o, "balance") ||
	    (uint64_t)b.timestamp != get_u64(o, "timestamp") ||
	    b.amount != get_u64(o, "amount") || memcmp(b.public_key, pk, 32) != 0)
		fail("block fields differ");
	if (atto_block_encode(&b, back, &back_len, reason, sizeof(reason)) != 0 ||
	    back_len != len || memcmp(back, bytes, len) != 0)
		fail("block written back differs");
	check_sig(o, b.hash, sizeof(b.hash), pk);
	if (atto_address_encode(pk, addr, sizeof(addr)) != 0 ||
	    strcmp(addr, json_string_value(json_object_get(o, "address"))) != 0)
		fail("address differs");
	if (atto_address_parse(addr, pk_back) != 0 || memcmp(pk_back, pk, 32) != 0)
		fail("address does not parse back");
	free(bytes);
}

static void
check_vote(json_t *o)
{
	size_t len;
	uint8_t *bytes = get_hex(o, "bytes", &len), hash[32], pk[32], back[ATTO_VOTE_LEN];
	struct atto_vote v;
	char reason[160];

	if (atto_vote_decode(bytes, len, &v, reason, sizeof(reason)) != 0)
		fail(reason);
	get_fixed(o, "hash", hash, sizeof(hash));
	get_fixed(o, "pk", pk, sizeof(pk));
	if (memcmp(hash, v.hash, 32) != 0 || memcmp(v.public_key, pk, 32) != 0 ||
	    (uint64_t)v.timestamp != get_u64(o, "timestamp") ||
	    v.final != json_is_true(json_object_get(o, "final")))
		fail("vote differs");
	if (atto_vote_encode(&v, back, reason, sizeof(reason)) != 0 ||
	    memcmp(back, bytes, ATTO_VOTE_LEN) != 0)
		fail("vote written back differs");
	check_sig(o, v.hash, sizeof(v.hash), pk);
	free(bytes);
}

static void
check_challenge(json_t *o)
{
	size_t len;
	uint8_t *ch = get_hex(o, "challenge", &len), pk[32], want[64], got[64];
	char reason[160];

	get_fixed(o, "pk", pk, sizeof(pk));
	get_fixed(o, "hash", want, sizeof(want));
	if (atto_challenge_hash(pk, ch, len, (int64_t)get_u64(o, "timestamp"), got, reason,
	                        sizeof(reason)) != 0)
		fail(reason);
	if (memcmp(got, want, 64) != 0)
		fail("challenge message differs");
	check_sig(o, got, sizeof(got), pk);
	free(ch);
}

static void
check_bad(json_t *o, int vote)
{
	size_t len;
	uint8_t *bytes = get_hex(o, "bytes", &len);
	struct atto_block b;
	struct atto_vote v;
	char reason[160];

	if ((vote ? atto_vote_decode(bytes, len, &v, reason, sizeof(reason))
	          : atto_block_decode(bytes, len, &b, reason, sizeof(reason))) == 0)
		fail("broken bytes accepted");
	if (reason[0] == '\0')
		fail("refused without a reason");
	free(bytes);
}

int
main(void)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned long n = 0;

	if (sodium_init() < 0)
		return 1;
	while (getline(&line, &cap, stdin) > 0) {
		json_error_t err;
		json_t *o;
		const char *kind;

		lineno++;
		o = json_loads(line, 0, &err);
		kind = json_string_value(json_object_get(o, "kind"));
		if (o == NULL || kind == NULL)
			fail("not a vector");
		if (strcmp(kind, "block") == 0)
			check_block(o);
		else if (strcmp(kind, "vote") == 0)
			check_vote(o);
		else if (strcmp(kind, "challenge") == 0)
			check_challenge(o);
		else if (strcmp(kind, "bad-block") == 0)
			check_bad(o, 0);
		else if (strcmp(kind, "bad-vote") == 0)
			check_bad(o, 1);
		else
			fail("unknown kind");
		json_decref(o);
		n++;
	}
	free(line);
	if (n == 0)
		fail("no vectors");
	printf("atto_check: %lu passed, 0 failed\n", n);
	return 0;
}
