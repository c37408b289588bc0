/* The Atto signer's request bodies (api/atto_body.h): the strict JSON
 * reader, numbers up to UINT64_MAX, each body's canonical bytes against
 * the codec, and the refusals. Inputs sit flush against a PROT_NONE page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "../unit_util.h"

#include "api/atto_body.h"
#include "api/json_lite.h"
#include "base/errors.h"

#define PK "A5E7E4B3B93150314E1177D5B9DE0057626B16A4B3C3F1DB37DF67628A5EF457"
#define H "6CC2D3A7513723B1BA59DE784BA546BAF6447464D0BA3D80004752D6F9F4BA23"
#define RPK "552254E101B51B22080D084C12C94BF7DFC5BE0D973025D62C0BC1FF4D9B145F"

static int
parse(enum atto_req r, const char *s, struct atto_body *out)
{
	void *map;
	size_t maplen, len = strlen(s);
	char *p = flush_copy(s, len, &map, &maplen);
	char reason[160];
	int rc = atto_body_parse(r, p, len, out, reason, sizeof(reason));
	munmap(map, maplen);
	if (rc != 0)
		assert_true(reason[0] != '\0');
	return rc;
}

static void
test_uint(void **state)
{
	uint64_t u;
	int neg;
	(void)state;
	assert_int_equal(jl_uint("18446744073709551615", 20, &u, &neg), 0);
	assert_true(u == UINT64_MAX && !neg);
	assert_int_equal(jl_uint("18000000000000000000", 20, &u, &neg), 0);
	assert_true(u == UINT64_C(18000000000000000000));
	assert_int_equal(jl_uint("-5", 2, &u, &neg), 0);
	assert_true(u == 5 && neg);
	assert_int_equal(jl_uint("0", 1, &u, &neg), 0);
	assert_int_equal(jl_uint("18446744073709551616", 20, &u, &neg), SIGIL_E_INVALID);
	assert_int_equal(jl_uint("01", 2, &u, &neg), SIGIL_E_INVALID);
	assert_int_equal(jl_uint("-", 1, &u, &neg), SIGIL_E_INVALID);
	assert_int_equal(jl_uint("", 0, &u, &neg), SIGIL_E_INVALID);
	assert_int_equal(jl_uint("1-", 2, &u, &neg), SIGIL_E_INVALID);
}

static const char send_block[] =
	"{\"target\":{\"type\":\"SEND\",\"network\":\"LOCAL\",\"version\":0,\"algorithm\":\"V1\","
	"\"publicKey\":\"" PK "\",\"height\":2,\"balance\":1,\"timestamp\":1704616009211,"
	"\"previous\":\"" H "\",\"receiverAlgorithm\":\"V1\",\"receiverPublicKey\":\"" RPK "\","
	"\"amount\":18000000000000000000}}";

static void
test_block(void **state)
{
	struct atto_body out;
	struct atto_block b;
	char reason[160];
	(void)state;
	assert_int_equal(parse(ATTO_REQ_BLOCK, send_block, &out), 0);
	assert_int_equal(out.len, ATTO_BLOCK_SEND_LEN);
	assert_int_equal(atto_block_decode(out.bytes, out.len, &b, reason, sizeof(reason)), 0);
	assert_int_equal(b.type, ATTO_BLOCK_SEND);
	assert_true(b.amount == ATTO_AMOUNT_MAX && b.height == 2 && b.timestamp == 1704616009211);
	/* The node's output-only members, either address form. */
	char buf[1024], addr[ATTO_ADDRESS_TEXT_MAX];
	uint8_t pk[32];
	assert_int_equal(atto_hex_decode(PK, 64, pk, 32), 0);
	assert_int_equal(atto_address_encode(pk, addr, sizeof(addr)), 0);
	snprintf(buf, sizeof(buf), "%.*s,\"address\":\"%s\"}}", (int)(sizeof(send_block) - 3),
	         send_block, addr + 7);
	assert_int_equal(parse(ATTO_REQ_BLOCK, buf, &out), 0);
	snprintf(buf, sizeof(buf), "%.*s,\"address\":\"%s\"}}", (int)(sizeof(send_block) - 3),
	         send_block, "atto://aarfzz26z5pfwrkdcwt4jdhhe2vvixscqwehgmfjqxku43rgtjso5p5cjw6fw");
	assert_int_equal(parse(ATTO_REQ_BLOCK, buf, &out), SIGIL_E_INVALID);
	assert_int_equal(out.len, 0);
}

static void
test_refused(void **state)
{
	struct atto_body out;
	char buf[1024];
	static const char *const bad[] = {
		"", "{", "[]", "{\"target\":{}}", "{\"target\":1}", "{\"target\":{\"type\":\"OPEN\"}}",
		"{\"target\":{\"type\":\"BOGUS\"}}", "{\"target\":{},\"target\":{}}",
		"{\"target\":{\"a\":{\"b\":{}}}}", "{\"target\":\"\\u0041\"}", "{\"x\":1}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(ATTO_REQ_BLOCK, bad[i], &out), SIGIL_E_INVALID);
		assert_int_equal(parse(ATTO_REQ_VOTE, bad[i], &out), SIGIL_E_INVALID);
		assert_int_equal(parse(ATTO_REQ_CHALLENGE, bad[i], &out), SIGIL_E_INVALID);
	}
	/* An amount above 18e18, above UINT64_MAX, a fraction, trailing bytes. */
	static const char *const edits[][2] = {
		{"18000000000000000000}", "18000000000000000001}"},
		{"18000000000000000000}", "18446744073709551616}"},
		{"\"height\":2", "\"height\":2.0"},
		{"\"height\":2", "\"height\":2e0"},
		{"\"height\":2", "\"height\":-2"},
		{"\"height\":2", "\"height\":\"2\""},
		{"\"version\":0", "\"version\":65536"},
		{"\"network\":\"LOCAL\"", "\"network\":\"UNKNOWN\""},
		{"\"algorithm\":\"V1\"", "\"algorithm\":\"V2\""},
		{"}}", "}} x"},
		{"}}", "},\"extra\":1}"},
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(send_block, edits[i][0]);
		assert_non_null(at);
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - send_block), send_block, edits[i][1],
		         at + strlen(edits[i][0]));
		assert_int_equal(parse(ATTO_REQ_BLOCK, buf, &out), SIGIL_E_INVALID);
	}
	char *big = malloc(ATTO_BODY_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', ATTO_BODY_MAX + 1);
	big[ATTO_BODY_MAX + 1] = '\0';
	assert_int_equal(parse(ATTO_REQ_VOTE, big, &out), SIGIL_E_TOO_BIG);
	free(big);
}

static void
test_vote_and_challenge(void **state)
{
	struct atto_body out;
	struct atto_vote v;
	char reason[160], buf[4096];
	(void)state;
	assert_int_equal(parse(ATTO_REQ_VOTE,
	                       " {\"target\" : {\"version\":0,\"algorithm\":\"V1\",\"publicKey\":\"" PK
	                       "\",\"blockAlgorithm\":\"V1\",\"blockHash\":\"" H
	                       "\",\"timestamp\":9223372036854775807}}\n", &out), 0);
	assert_int_equal(atto_vote_decode(out.bytes, out.len, &v, reason, sizeof(reason)), 0);
	assert_true(v.final);
	/* 64 zero bytes and a timestamp: the bytes, then 8 little-endian. */
	snprintf(buf, sizeof(buf), "{\"timestamp\":258,\"target\":\"%0128d\"}", 0);
	assert_int_equal(parse(ATTO_REQ_CHALLENGE, buf, &out), 0);
	assert_int_equal(out.len, 72);
	assert_int_equal(out.bytes[64], 2);
	assert_int_equal(out.bytes[65], 1);
	snprintf(buf, sizeof(buf), "{\"timestamp\":1,\"target\":\"%0126d\"}", 0);
	assert_int_equal(parse(ATTO_REQ_CHALLENGE, buf, &out), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{\"timestamp\":-1,\"target\":\"%0128d\"}", 0);
	assert_int_equal(parse(ATTO_REQ_CHALLENGE, buf, &out), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{\"target\":\"%0128d\"}", 0);
	assert_int_equal(parse(ATTO_REQ_CHALLENGE, buf, &out), SIGIL_E_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_vote_and_challenge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
