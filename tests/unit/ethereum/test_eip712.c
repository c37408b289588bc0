/* eip712_hash: the EIP's own Mail example (its Example.js numbers), a
 * document hashed by ethers, the integer encodings at their edges, and
 * every way to get a document wrong. Documents sit flush against a
 * PROT_NONE page, so one byte read past len crashes. tests/integration/
 * test_eip712.sh compares random documents with ethers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "../unit_util.h"

#include "base/errors.h"
#include "chain/chain.h"
#include "chain/ethereum/eip712.h"
#include "crypto/keccak.h"

/* The EIP's example (EIPS/eip-712.md, the eth_signTypedData request, and
 * assets/eip-712/Example.js). */
static const char mail_doc[] =
	"{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},"
	"{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId\",\"type\":\"uint256\"},"
	"{\"name\":\"verifyingContract\",\"type\":\"address\"}],"
	"\"Person\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"wallet\",\"type\":\"address\"}],"
	"\"Mail\":[{\"name\":\"from\",\"type\":\"Person\"},{\"name\":\"to\",\"type\":\"Person\"},"
	"{\"name\":\"contents\",\"type\":\"string\"}]},"
	"\"primaryType\":\"Mail\","
	"\"domain\":{\"name\":\"Ether Mail\",\"version\":\"1\",\"chainId\":1,"
	"\"verifyingContract\":\"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},"
	"\"message\":{\"from\":{\"name\":\"Cow\","
	"\"wallet\":\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},"
	"\"to\":{\"name\":\"Bob\",\"wallet\":\"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},"
	"\"contents\":\"Hello, Bob!\"}}";

/* Example.js: encodeData(Mail, message) = typeHash ‖ hashStruct(from) ‖
 * hashStruct(to) ‖ keccak("Hello, Bob!"). */
static const char mail_encode_data[] =
	"a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2"
	"fc71e5fa27ff56c350aa531bc129ebdf613b772b6604664f5d8dbe21b85eb0c8"
	"cd54f074a4af31b4411ff6a60c9719dbd559c221c8ac3492d9d872b041d703d1"
	"b5aadf3154a261abdd9086fc627b61efca26ae5702701d05cd2305f7c52a2fc8";

/* Hashes doc[0..len) from a copy flush against a PROT_NONE page. */
static int
hash_n(const char *doc, size_t len, struct eip712_result *r, char *reason, size_t cap)
{
	void *map;
	size_t maplen;
	char *p = flush_copy(doc, len, &map, &maplen);
	int rc = eip712_hash(p, len, r, reason, cap);

	munmap(map, maplen);
	return rc;
}

static int
hash_doc(const char *doc, struct eip712_result *r, char *reason, size_t cap)
{
	return hash_n(doc, strlen(doc), r, reason, cap);
}

static void
assert_hex32(const uint8_t got[32], const char *want)
{
	uint8_t w[32];

	assert_int_equal(unhex(want, w, sizeof(w)), 32);
	assert_memory_equal(got, w, 32);
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
test_eip_example(void **state)
{
	static const char encode_type[] =
		"Mail(Person from,Person to,string contents)Person(string name,address wallet)";
	struct eip712_result r;
	char reason[CHAIN_REASON_MAX];
	uint8_t enc[128], h[32];

	(void)state;
	assert_int_equal(hash_doc(mail_doc, &r, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "");
	assert_hex32(r.type_hash, "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2");
	sigil_keccak256((const uint8_t *)encode_type, strlen(encode_type), h);
	assert_memory_equal(r.type_hash, h, 32);
	assert_int_equal(unhex(mail_encode_data, enc, sizeof(enc)), 128);
	sigil_keccak256(enc, sizeof(enc), h);
	assert_memory_equal(r.struct_hash, h, 32);
	assert_hex32(r.struct_hash, "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
	assert_hex32(r.domain_separator,
	             "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
	assert_hex32(r.digest, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
	assert_string_equal(r.primary_type, "Mail");
	assert_true(r.has_chain_id && r.chain_id_fits_u64);
	assert_int_equal(r.chain_id_u64, 1);
	assert_int_equal(r.chain_id[31], 1);
	assert_true(r.has_verifying_contract);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(r.verifying_contract[i], 0xcc);
}

/* Made by ethers 6.17 (TypedDataEncoder): arrays of structs, a nested
 * array of int16 at both ends, hex and negative-hex strings, the widest
 * uint256 and int256, bytes3, empty bytes, a domain of chainId (hex
 * string) and salt. */
static const char ethers_doc[] =
	"{\"types\":{\"EIP712Domain\":[{\"name\":\"chainId\",\"type\":\"uint256\"},"
	"{\"name\":\"salt\",\"type\":\"bytes32\"}],\"Order\":[{\"name\":\"maker\",\"type\":\"address\"},"
	"{\"name\":\"items\",\"type\":\"Item[]\"},{\"name\":\"grid\",\"type\":\"int16[2][]\"},"
	"{\"name\":\"tag\",\"type\":\"bytes3\"},{\"name\":\"memo\",\"type\":\"bytes\"},"
	"{\"name\":\"ok\",\"type\":\"bool\"},{\"name\":\"n\",\"type\":\"int256\"}],"
	"\"Item\":[{\"name\":\"id\",\"type\":\"uint256\"},{\"name\":\"note\",\"type\":\"string\"}]},"
	"\"primaryType\":\"Order\",\"domain\":{\"chainId\":\"0x89\",\"salt\":"
	"\"0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\"},"
	"\"message\":{\"maker\":\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\",\"items\":["
	"{\"id\":\"115792089237316195423570985008687907853269984665640564039457584007913129639935\","
	"\"note\":\"\xc3\xa9\"},{\"id\":0,\"note\":\"\"}],"
	"\"grid\":[[-32768,32767],[\"-0x1\",\"0x7fff\"]],\"tag\":\"0xabcdef\",\"memo\":\"0x\","
	"\"ok\":false,\"n\":"
	"\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\"}}";

static void
test_ethers_known_answer(void **state)
{
	static const char encode_type[] = "Order(address maker,Item[] items,int16[2][] grid,"
	                                  "bytes3 tag,bytes memo,bool ok,int256 n)"
	                                  "Item(uint256 id,string note)";
	struct eip712_result r;
	char reason[CHAIN_REASON_MAX];
	uint8_t h[32];

	(void)state;
	assert_int_equal(hash_doc(ethers_doc, &r, reason, sizeof(reason)), 0);
	sigil_keccak256((const uint8_t *)encode_type, strlen(encode_type), h);
	assert_memory_equal(r.type_hash, h, 32);
	assert_hex32(r.domain_separator,
	             "cdbd6345ccd55603e362e9e273cb9d4fee0b6c2941ee05185cf44e2f16b78859");
	assert_hex32(r.struct_hash, "6b66567c7746ab7806d4f5baa2750127c1311ab74d4cd0a449d7dc1aafe5176a");
	assert_hex32(r.digest, "50cf96c503151ed9aee7ac2ae2864dad700b7d7fe3d1b5512a58e6d00f0cd651");
	assert_true(r.has_chain_id && r.chain_id_fits_u64);
	assert_int_equal(r.chain_id_u64, 137);
	assert_false(r.has_verifying_contract);
}

/* ---- one field ------------------------------------------------------------ */

/* A document whose message is {"a": value} of type `type`, with an empty
 * domain. */
static int
one_field(const char *type, const char *value, struct eip712_result *r, char *reason, size_t cap)
{
	char doc[4096];
	int n = snprintf(doc, sizeof(doc),
	                 "{\"types\":{\"EIP712Domain\":[],\"M\":[{\"name\":\"a\",\"type\":\"%s\"}]},"
	                 "\"primaryType\":\"M\",\"domain\":{},\"message\":{\"a\":%s}}",
	                 type, value);

	assert_true(n > 0 && (size_t)n < sizeof(doc));
	return hash_doc(doc, r, reason, cap);
}

/* value of type hashes as encodeData = typeHash ‖ enc (64 hex digits). */
static void
expect_enc(const char *type, const char *value, const char *enc)
{
	struct eip712_result r;
	char reason[CHAIN_REASON_MAX], et[128];
	uint8_t buf[64];
	uint8_t h[32];
	int rc = one_field(type, value, &r, reason, sizeof(reason));

	if (rc != 0)
		fail_msg("%s %s: %s", type, value, reason);
	snprintf(et, sizeof(et), "M(%s a)", type);
	sigil_keccak256((const uint8_t *)et, strlen(et), buf);
	assert_int_equal(unhex(enc, buf + 32, 32), 32);
	sigil_keccak256(buf, sizeof(buf), h);
	if (memcmp(h, r.struct_hash, 32) != 0)
		fail_msg("%s %s: not encoded as %s", type, value, enc);
}

static void
expect_bad(const char *type, const char *value, int want)
{
	struct eip712_result r;
	char reason[CHAIN_REASON_MAX];
	int rc = one_field(type, value, &r, reason, sizeof(reason));

	if (rc != want)
		fail_msg("%s %s: %d (%s), want %d", type, value, rc, reason, want);
	assert_true(reason[0] != '\0');
	assert_true(all_zero(&r, sizeof(r)));
}

#define Z62 "00000000000000000000000000000000000000000000000000000000000000"
#define F62 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define Z64 Z62 "00"
#define F64 F62 "ff"
#define UINT256_MAX_DEC                                                                    \
	"115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define INT256_MIN_DEC                                                                     \
	"-57896044618658097711785492504343953926634992332820282019728792003956564819968"
#define INT256_MAX_DEC                                                                     \
	"57896044618658097711785492504343953926634992332820282019728792003956564819967"

static void
test_integers(void **state)
{
	(void)state;
	expect_enc("uint8", "255", Z62 "ff");
	expect_enc("uint8", "\"255\"", Z62 "ff");
	expect_enc("uint8", "\"0xff\"", Z62 "ff");
	expect_enc("uint8", "\"0xFF\"", Z62 "ff");
	expect_enc("uint8", "\"0x00000ff\"", Z62 "ff");
	expect_enc("uint8", "\"00255\"", Z62 "ff");
	expect_enc("uint8", "0", Z64);
	expect_enc("uint8", "\"-0\"", Z64);
	expect_enc("uint16", "\"0x1\"", Z62 "01");
	expect_enc("int8", "-128", F62 "80");
	expect_enc("int8", "\"-0x80\"", F62 "80");
	expect_enc("int8", "\"-128\"", F62 "80");
	expect_enc("int8", "127", Z62 "7f");
	expect_enc("int8", "-1", F64);
	expect_enc("int24", "-65536", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0000");
	expect_enc("uint256", "\"" UINT256_MAX_DEC "\"", F64);
	expect_enc("uint256", "\"0x" F64 "\"", F64);
	expect_enc("uint256", "\"0x000" F64 "\"", F64);
	expect_enc("int256", "\"" INT256_MIN_DEC "\"", "80" Z62);
	expect_enc("int256", "\"" INT256_MAX_DEC "\"", "7f" F62);
	expect_enc("int256", "\"-0x8" Z62 "0\"", "80" Z62);
	expect_enc("uint64", "9007199254740991",
	           "000000000000000000000000000000000000000000000000001fffffffffffff");
	expect_enc("int64", "-9007199254740991",
	           "ffffffffffffffffffffffffffffffffffffffffffffffffffe0000000000001");

	expect_bad("uint8", "256", SIGIL_E_INVALID);
	expect_bad("uint8", "\"0x100\"", SIGIL_E_INVALID);
	expect_bad("uint8", "-1", SIGIL_E_INVALID);
	expect_bad("uint8", "\"-0x1\"", SIGIL_E_INVALID);
	expect_bad("int8", "128", SIGIL_E_INVALID);
	expect_bad("int8", "-129", SIGIL_E_INVALID);
	expect_bad("int8", "\"-0x81\"", SIGIL_E_INVALID);
	/* one past each end */
	expect_bad("int256",
	           "\"-57896044618658097711785492504343953926634992332820282019728792003956564819969\"",
	           SIGIL_E_INVALID);
	expect_bad("int256",
	           "\"57896044618658097711785492504343953926634992332820282019728792003956564819968\"",
	           SIGIL_E_INVALID);
	expect_bad("uint256",
	           "\"115792089237316195423570985008687907853269984665640564039457584007913129639936\"",
	           SIGIL_E_INVALID);
	expect_bad("uint256", "\"" UINT256_MAX_DEC "0\"", SIGIL_E_INVALID);
	expect_bad("uint256", "\"0x1" Z64 "\"", SIGIL_E_INVALID);
	/* JSON numbers that JavaScript cannot hold exactly, or that are no
	 * integers */
	expect_bad("uint64", "9007199254740992", SIGIL_E_INVALID);
	expect_bad("int64", "-9007199254740992", SIGIL_E_INVALID);
	expect_bad("uint256", "99999999999999999999999", SIGIL_E_INVALID);
	expect_bad("uint8", "1.0", SIGIL_E_INVALID);
	expect_bad("uint8", "1e2", SIGIL_E_INVALID);
	/* strings sigil does not read as integers (ethers reads some) */
	static const char *const bad_strings[] = {
		"\"\"", "\"-\"", "\"0x\"", "\"-0x\"", "\"+1\"", "\" 1\"", "\"1 \"", "\"0b1\"",
		"\"0o7\"", "\"0X10\"", "\"1_000\"", "\"0xg\"", "\"--1\"", "\"1\\u00002\"", "\"١\"",
	};
	for (size_t i = 0; i < sizeof(bad_strings) / sizeof(bad_strings[0]); i++)
		expect_bad("uint32", bad_strings[i], SIGIL_E_INVALID);
	expect_bad("uint32", "true", SIGIL_E_INVALID);
	expect_bad("uint32", "null", SIGIL_E_INVALID);
	expect_bad("uint32", "[1]", SIGIL_E_INVALID);
	expect_bad("uint32", "{}", SIGIL_E_INVALID);
}

static void
test_atomics(void **state)
{
	uint8_t big[300], h[32];
	char val[700], enc[65];

	(void)state;
	expect_enc("bool", "true", Z62 "01");
	expect_enc("bool", "false", Z64);
	expect_bad("bool", "\"true\"", SIGIL_E_INVALID);
	expect_bad("bool", "1", SIGIL_E_INVALID);
	expect_bad("bool", "null", SIGIL_E_INVALID);

	/* addresses: lower, upper, and mixed case with a right checksum */
	expect_enc("address", "\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826\"",
	           "000000000000000000000000cd2a3d9f938e13cd947ec05abc7fe734df8dd826");
	expect_enc("address", "\"0xCD2A3D9F938E13CD947EC05ABC7FE734DF8DD826\"",
	           "000000000000000000000000cd2a3d9f938e13cd947ec05abc7fe734df8dd826");
	expect_enc("address", "\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"",
	           "000000000000000000000000cd2a3d9f938e13cd947ec05abc7fe734df8dd826");
	expect_bad("address", "\"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8Dd826\"", SIGIL_E_INVALID);
	expect_bad("address", "\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd82\"", SIGIL_E_INVALID);
	expect_bad("address", "\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd8260\"", SIGIL_E_INVALID);
	expect_bad("address", "\"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd8260a\"", SIGIL_E_INVALID);
	expect_bad("address", "\"cd2a3d9f938e13cd947ec05abc7fe734df8dd826\"", SIGIL_E_INVALID);
	expect_bad("address", "\"0Xcd2a3d9f938e13cd947ec05abc7fe734df8dd826\"", SIGIL_E_INVALID);
	expect_bad("address", "\"0xgd2a3d9f938e13cd947ec05abc7fe734df8dd826\"", SIGIL_E_INVALID);
	expect_bad("address", "1", SIGIL_E_INVALID);

	/* bytesN right-padded; bytes and string hashed */
	expect_enc("bytes1", "\"0xab\"", "ab" Z62);
	expect_enc("bytes3", "\"0xABcdEF\"",
	           "abcdef0000000000000000000000000000000000000000000000000000000000");
	expect_enc("bytes32", "\"0x" F64 "\"", F64);
	expect_bad("bytes2", "\"0xab\"", SIGIL_E_INVALID);
	expect_bad("bytes2", "\"0xabcdef\"", SIGIL_E_INVALID);
	expect_bad("bytes2", "\"abcd\"", SIGIL_E_INVALID);
	expect_bad("bytes2", "\"0xabcx\"", SIGIL_E_INVALID);
	expect_enc("bytes", "\"0x\"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	expect_enc("string", "\"\"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	expect_bad("bytes", "\"0x123\"", SIGIL_E_INVALID);
	expect_bad("bytes", "\"0xzz\"", SIGIL_E_INVALID);
	expect_bad("bytes", "\"hello\"", SIGIL_E_INVALID);
	expect_bad("bytes", "[1,2]", SIGIL_E_INVALID);
	expect_bad("string", "5", SIGIL_E_INVALID);
	expect_bad("string", "null", SIGIL_E_INVALID);
	/* bytes over several decoding blocks and keccak blocks */
	strcpy(val, "\"0x");
	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)(i * 7 + 1);
		snprintf(val + 3 + 2 * i, 3, "%02x", big[i]);
	}
	strcat(val, "\"");
	sigil_keccak256(big, sizeof(big), h);
	for (size_t i = 0; i < 32; i++)
		snprintf(enc + 2 * i, 3, "%02x", h[i]);
	expect_enc("bytes", val, enc);
	/* a string is its UTF-8 bytes, a NUL among them */
	sigil_keccak256((const uint8_t *)"a\0b\xc3\xa9", 5, h);
	for (size_t i = 0; i < 32; i++)
		snprintf(enc + 2 * i, 3, "%02x", h[i]);
	expect_enc("string", "\"a\\u0000b\\u00e9\"", enc);
}

static void
test_arrays(void **state)
{
	uint8_t a[64], e[32], h[32];
	char enc[65];

	(void)state;
	/* uint8[2] [1, 2]: keccak(enc(1) ‖ enc(2)); uint8[] [] : keccak("") */
	memset(a, 0, sizeof(a));
	a[31] = 1;
	a[63] = 2;
	sigil_keccak256(a, sizeof(a), h);
	for (size_t i = 0; i < 32; i++)
		snprintf(enc + 2 * i, 3, "%02x", h[i]);
	expect_enc("uint8[2]", "[1, 2]", enc);
	expect_enc("uint8[]", "[1, \"0x2\"]", enc);
	expect_enc("uint8[]", "[]", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	/* nested: uint8[2][1] [[1,2]] is keccak(keccak(enc 1 ‖ enc 2)) */
	memcpy(e, h, 32);
	sigil_keccak256(e, 32, h);
	for (size_t i = 0; i < 32; i++)
		snprintf(enc + 2 * i, 3, "%02x", h[i]);
	expect_enc("uint8[2][1]", "[[1, 2]]", enc);
	expect_enc("uint8[][]", "[[1, 2]]", enc);
	expect_bad("uint8[2][1]", "[[1, 2], [1, 2]]", SIGIL_E_INVALID);
	expect_bad("uint8[2][1]", "[[1]]", SIGIL_E_INVALID);
	expect_bad("uint8[2]", "[1, 2, 3]", SIGIL_E_INVALID);
	expect_bad("uint8[2]", "{\"0\": 1, \"1\": 2}", SIGIL_E_INVALID);
	expect_bad("uint8[]", "1", SIGIL_E_INVALID);
	expect_bad("uint8[]", "[256]", SIGIL_E_INVALID);
	expect_bad("uint8[][]", "[1]", SIGIL_E_INVALID);
}

/* Type strings EIP-712 has no place for. */
static void
test_bad_type_names(void **state)
{
	static const char *const bad[] = {
		"uint", "int", "uint7", "uint0", "uint264", "uint08", "int257", "bytes0", "bytes33",
		"bytes032", "byte", "bytes1 ", " uint8", "Uint8", "uint8[0]", "uint8[01]", "uint8[",
		"uint8]", "uint8[2", "uint8[x]", "uint8[-1]", "uint8[ 1]", "uint8[][", "uint8[]]", "[]",
		"", "Foo", "EIP712Domain", "M2", "M", "M[]", "M[2]", "uint8[1]x", "fixed128x18",
		"function",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], "0", SIGIL_E_INVALID);
	expect_bad("uint8[1025]", "[]", SIGIL_E_TOO_BIG);
	expect_bad("uint8[99999999999999999999]", "[]", SIGIL_E_TOO_BIG);
}

/* ---- documents -------------------------------------------------------------- */

/* Documents below write ' for ", to stay readable. */
static int
hash_q(const char *qdoc, struct eip712_result *r, char *reason, size_t cap)
{
	char *d = strdup(qdoc);
	int rc;

	assert_non_null(d);
	for (char *p = d; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	rc = hash_doc(d, r, reason, cap);
	free(d);
	return rc;
}

#define DOM_T "'EIP712Domain':[{'name':'chainId','type':'uint256'}]"
#define P_T "'P':[{'name':'a','type':'A'}]"
#define A_T "'A':[{'name':'x','type':'uint8'}]"
#define TAIL_OK "'primaryType':'P','domain':{'chainId':1},'message':{'a':{'x':1}}}"
#define GOOD "{'types':{" DOM_T "," P_T "," A_T "}," TAIL_OK

static void
test_documents_good(void **state)
{
	struct eip712_result r, r2;
	char reason[CHAIN_REASON_MAX];

	(void)state;
	assert_int_equal(hash_q(GOOD, &r, reason, sizeof(reason)), 0);
	assert_string_equal(r.primary_type, "P");
	/* keys the message's types do not name are not signed: ignored, as
	 * ethers ignores them */
	assert_int_equal(hash_q("{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P',"
	                        "'domain':{'chainId':1},'message':{'a':{'x':1,'y':'z'},'zz':[1]}}",
	                        &r2, reason, sizeof(reason)),
	                 0);
	assert_memory_equal(&r, &r2, sizeof(r));
	/* the same value in another form hashes the same */
	assert_int_equal(hash_q("{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P',"
	                        "'domain':{'chainId':'0x1'},'message':{'a':{'x':'1'}}}",
	                        &r2, reason, sizeof(reason)),
	                 0);
	assert_memory_equal(&r, &r2, sizeof(r));
	/* EIP712Domain's fields in any order, as its type gives them */
	assert_int_equal(hash_q("{'types':{'EIP712Domain':[{'name':'verifyingContract','type':"
	                        "'address'},{'name':'chainId','type':'uint256'}]," P_T "," A_T "},"
	                        "'primaryType':'P','domain':{'chainId':1,'verifyingContract':"
	                        "'0x0000000000000000000000000000000000000001'},'message':{'a':{'x':1}}}",
	                        &r2, reason, sizeof(reason)),
	                 0);
	assert_true(r2.has_verifying_contract && r2.verifying_contract[19] == 1);
	/* an empty domain, an empty struct */
	assert_int_equal(hash_q("{'types':{'EIP712Domain':[],'P':[]},'primaryType':'P','domain':{},"
	                        "'message':{}}",
	                        &r2, reason, sizeof(reason)),
	                 0);
	assert_false(r2.has_chain_id || r2.has_verifying_contract);
	/* a chainId past 64 bits */
	assert_int_equal(hash_q("{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P',"
	                        "'domain':{'chainId':'0x10000000000000000'},'message':{'a':{'x':1}}}",
	                        &r2, reason, sizeof(reason)),
	                 0);
	assert_true(r2.has_chain_id && !r2.chain_id_fits_u64 && r2.chain_id[23] == 1);
	/* whitespace around, names of every kind, sorted bytewise for encodeType */
	assert_int_equal(hash_q(" \n{'types':{'EIP712Domain':[],'P':[{'name':'$','type':'_b'},"
	                        "{'name':'_','type':'Ba'}],'_b':[],'Ba':[]},'primaryType':'P',"
	                        "'domain':{},'message':{'$':{},'_':{}}}\t\r\n",
	                        &r2, reason, sizeof(reason)),
	                 0);
	{
		static const char et[] = "P(_b $,Ba _)Ba()_b()";
		uint8_t h[32];
		sigil_keccak256((const uint8_t *)et, strlen(et), h);
		assert_memory_equal(r2.type_hash, h, 32);
	}
}

static const struct {
	const char *doc;
	int rc;
	const char *why; /* in the reason */
} bad_docs[] = {
	{"[]", SIGIL_E_INVALID, "typed-data document is"},
	{"1", SIGIL_E_INVALID, "not JSON"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1}}",
	 SIGIL_E_INVALID, "typed-data document is"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'foo':1," TAIL_OK, SIGIL_E_INVALID,
	 "typed-data document is"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':5,'domain':{'chainId':1},'message':{}}",
	 SIGIL_E_INVALID, "typed-data document is"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'Q','domain':{'chainId':1},'message':{}}",
	 SIGIL_E_INVALID, "primaryType is not one of types"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P\\u0000','domain':{'chainId':1},"
	 "'message':{}}",
	 SIGIL_E_INVALID, "primaryType is not one of types"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'EIP712Domain','domain':{'chainId':1},"
	 "'message':{'chainId':1}}",
	 SIGIL_E_INVALID, "primaryType is EIP712Domain"},
	{"{'types':[]," TAIL_OK, SIGIL_E_INVALID, "types is not an object"},
	{"{'types':{" DOM_T ",'P':{}," A_T "}," TAIL_OK, SIGIL_E_INVALID, "types.P: not an array"},
	{"{'types':{" DOM_T ",'P':['a']," A_T "}," TAIL_OK, SIGIL_E_INVALID, "types.P[0]: a field is"},
	{"{'types':{" DOM_T ",'P':[{'name':'a','type':'A','x':1}]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "types.P[0]: a field is"},
	{"{'types':{" DOM_T ",'P':[{'name':'a','type':1}]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "types.P[0]: a field is"},
	{"{'types':{" DOM_T ",'P':[{'name':'a b','type':'A'}]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "types.P[0]: a field's name is not an identifier"},
	{"{'types':{" DOM_T ",'P':[{'name':'1a','type':'A'}]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "not an identifier"},
	{"{'types':{" DOM_T ",'P':[{'name':'','type':'A'}]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "not an identifier"},
	{"{'types':{" DOM_T ",'P':[{'name':'a\\u0000','type':'A'}]," A_T "}," TAIL_OK,
	 SIGIL_E_INVALID, "not an identifier"},
	{"{'types':{" DOM_T ",'P':[{'name':'a','type':'A\\u0000'}]," A_T "}," TAIL_OK,
	 SIGIL_E_INVALID, "not an identifier"},
	{"{'types':{" DOM_T ",'P':[{'name':'a','type':'A'},{'name':'a','type':'A'}]," A_T "},"
	 TAIL_OK,
	 SIGIL_E_INVALID, "types.P.a: a field name appears twice"},
	{"{'types':{" DOM_T "," P_T ",'A-B':[]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "types: a type's name is not an identifier"},
	{"{'types':{" DOM_T "," P_T ",'uint256':[]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "atomic type"},
	{"{'types':{" DOM_T "," P_T ",'uint':[]," A_T "}," TAIL_OK, SIGIL_E_INVALID, "atomic type"},
	{"{'types':{" DOM_T "," P_T ",'uint7':[]," A_T "}," TAIL_OK, SIGIL_E_INVALID, "atomic type"},
	{"{'types':{" DOM_T "," P_T ",'bytes77':[]," A_T "}," TAIL_OK, SIGIL_E_INVALID,
	 "atomic type"},
	{"{'types':{" DOM_T "," P_T ",'string':[]," A_T "}," TAIL_OK, SIGIL_E_INVALID, "atomic type"},
	{"{'types':{" P_T "," A_T "}," TAIL_OK, SIGIL_E_INVALID, "EIP712Domain is missing"},
	{"{'types':{'EIP712Domain':[{'name':'foo','type':'uint256'}]," P_T "," A_T "},"
	 "'primaryType':'P','domain':{'foo':1},'message':{'a':{'x':1}}}",
	 SIGIL_E_INVALID, "EIP712Domain's fields are"},
	{"{'types':{'EIP712Domain':[{'name':'chainId','type':'uint64'}]," P_T "," A_T "}," TAIL_OK,
	 SIGIL_E_INVALID, "EIP712Domain's fields are"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{},'message':{'a':{'x':1}}}",
	 SIGIL_E_INVALID, "domain.chainId: missing"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1,'name':'x'},"
	 "'message':{'a':{'x':1}}}",
	 SIGIL_E_INVALID, "domain: a key that EIP712Domain does not name"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':null},"
	 "'message':{'a':{'x':1}}}",
	 SIGIL_E_INVALID, "domain.chainId: not an integer"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':[],'message':{'a':{'x':1}}}",
	 SIGIL_E_INVALID, "domain: not an object"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},'message':{}}",
	 SIGIL_E_INVALID, "message.a: missing"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
	 "'message':{'a':{'y':1}}}",
	 SIGIL_E_INVALID, "message.a.x: missing"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
	 "'message':{'a':[{'x':1}]}}",
	 SIGIL_E_INVALID, "message.a: not an object"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},'message':1}",
	 SIGIL_E_INVALID, "message: not an object"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
	 "'message':{'a':{'x':256}}}",
	 SIGIL_E_INVALID, "message.a.x: an integer out of range"},
	/* cycles, through a field and an array, and of one type */
	{"{'types':{" DOM_T "," P_T ",'A':[{'name':'b','type':'B'}],'B':[{'name':'a','type':'A[]'}]},"
	 TAIL_OK,
	 SIGIL_E_INVALID, "a cycle"},
	{"{'types':{" DOM_T "," P_T ",'A':[{'name':'a','type':'A'}]}," TAIL_OK, SIGIL_E_INVALID,
	 "types.A: the type refers to itself"},
	{"{'types':{" DOM_T "," P_T ",'A':[{'name':'a','type':'A[][2]'}]}," TAIL_OK, SIGIL_E_INVALID,
	 "a cycle"},
	/* types the primary type does not use, a cycle among them too */
	{"{'types':{" DOM_T "," P_T "," A_T ",'U':[]}," TAIL_OK, SIGIL_E_INVALID,
	 "types.U: the type is not used by primaryType"},
	{"{'types':{" DOM_T "," P_T "," A_T ",'U':[{'name':'v','type':'V'}],"
	 "'V':[{'name':'u','type':'U'}]}," TAIL_OK,
	 SIGIL_E_INVALID, "types.U"},
	{"{'types':{" DOM_T ",'P':[{'name':'a','type':'A'},{'name':'d','type':'EIP712Domain'}],"
	 A_T "}," TAIL_OK,
	 SIGIL_E_INVALID, "types.P.d: EIP712Domain is not a member type"},
	/* JSON itself */
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
	 "'message':{'a':{'x':1,'x':2}}}",
	 SIGIL_E_INVALID, "appears twice"},
	{"{'types':{" DOM_T "," P_T "," A_T ",'A':[]}," TAIL_OK, SIGIL_E_INVALID, "appears twice"},
	{"{'types':tru}", SIGIL_E_INVALID, "not JSON (line 1, column"},
	{GOOD " x", SIGIL_E_INVALID, "not JSON"},
	{GOOD "{}", SIGIL_E_INVALID, "not JSON"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P\xff','domain':{'chainId':1},"
	 "'message':{}}",
	 SIGIL_E_INVALID, "not JSON"},
	{"", SIGIL_E_INCOMPLETE, "ends early"},
	{"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
	 "'message':{'a':{'x':1}}",
	 SIGIL_E_INCOMPLETE, "ends early"},
};

static void
test_documents_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		struct eip712_result r;
		char reason[CHAIN_REASON_MAX];
		int rc = hash_q(bad_docs[i].doc, &r, reason, sizeof(reason));

		if (rc != bad_docs[i].rc || strstr(reason, bad_docs[i].why) == NULL)
			fail_msg("bad_docs[%zu]: %d \"%s\", want %d \"%s\"", i, rc, reason,
			         bad_docs[i].rc, bad_docs[i].why);
		assert_true(all_zero(&r, sizeof(r)));
	}
}

/* Every proper prefix of a good document ends early. */
static void
test_truncated(void **state)
{
	struct eip712_result r;
	char reason[CHAIN_REASON_MAX];

	(void)state;
	for (size_t n = 0; n < strlen(mail_doc); n++) {
		int rc = hash_n(mail_doc, n, &r, reason, sizeof(reason));
		if (rc != SIGIL_E_INCOMPLETE)
			fail_msg("prefix of %zu bytes: %d (%s)", n, rc, reason);
		assert_true(all_zero(&r, sizeof(r)));
	}
	/* with a tiny or no reason buffer too */
	assert_int_equal(hash_n(mail_doc, 10, &r, reason, 1), SIGIL_E_INCOMPLETE);
	assert_string_equal(reason, "");
	assert_int_equal(hash_n(mail_doc, 10, &r, NULL, 0), SIGIL_E_INCOMPLETE);
}

/* Reasons name places, never values: the values below would be secrets
 * if typed data carried any. */
static void
test_reason_secret_free(void **state)
{
	static const char *const docs[] = {
		"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':'s3cr3t'},"
		"'message':{'a':{'x':1}}}",
		"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
		"'message':{'a':{'x':'0xs3cr3t'}}}",
		"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
		"'message':{'a':{'x':s3cr3t}}}",
		"{'types':{" DOM_T "," P_T "," A_T ",'s3cr3t!':[]}," TAIL_OK,
		"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'s3cr3t','domain':{'chainId':1},"
		"'message':{}}",
		"{'types':{" DOM_T ",'P':[{'name':'a','type':'s3cr3t'}]," A_T "}," TAIL_OK,
		"{'types':{" DOM_T "," P_T "," A_T "},'primaryType':'P','domain':{'chainId':1},"
		"'message':{'a':{'x':1}}, 's3cr3t'",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct eip712_result r;
		char reason[CHAIN_REASON_MAX];

		assert_int_not_equal(hash_q(docs[i], &r, reason, sizeof(reason)), 0);
		assert_true(reason[0] != '\0');
		if (strstr(reason, "s3cr3t") != NULL)
			fail_msg("docs[%zu]: %s", i, reason);
	}
}

/* ---- ceilings ------------------------------------------------------------- */

struct doc {
	char *p;
	size_t len;
	FILE *f;
};

static void
doc_open(struct doc *d)
{
	d->p = NULL;
	d->f = open_memstream(&d->p, &d->len);
	assert_non_null(d->f);
}

static int
doc_hash(struct doc *d, char *reason, size_t cap)
{
	struct eip712_result r;
	int rc;

	assert_int_equal(fclose(d->f), 0);
	rc = hash_n(d->p, d->len, &r, reason, cap);
	free(d->p);
	return rc;
}

/* P with n fields a0.. of type `type` (each value `value`), n_leaf empty
 * types L0.. that P names with fields l0.. */
static int
wide(unsigned n, const char *type, const char *value, unsigned n_leaf, char *reason, size_t cap)
{
	struct doc d;

	doc_open(&d);
	fprintf(d.f, "{\"types\":{\"EIP712Domain\":[],\"P\":[");
	for (unsigned i = 0; i < n; i++)
		fprintf(d.f, "%s{\"name\":\"a%u\",\"type\":\"%s\"}", i ? "," : "", i, type);
	for (unsigned i = 0; i < n_leaf; i++)
		fprintf(d.f, "%s{\"name\":\"l%u\",\"type\":\"L%u\"}", i || n ? "," : "", i, i);
	fprintf(d.f, "]");
	for (unsigned i = 0; i < n_leaf; i++)
		fprintf(d.f, ",\"L%u\":[]", i);
	fprintf(d.f, "},\"primaryType\":\"P\",\"domain\":{},\"message\":{");
	for (unsigned i = 0; i < n; i++)
		fprintf(d.f, "%s\"a%u\":%s", i ? "," : "", i, value);
	for (unsigned i = 0; i < n_leaf; i++)
		fprintf(d.f, "%s\"l%u\":{}", i || n ? "," : "", i);
	fprintf(d.f, "}}");
	return doc_hash(&d, reason, cap);
}

/* A uint8[] (or uint8[n] when fixed) of n elements. */
static int
long_array(unsigned n, bool fixed, char *reason, size_t cap)
{
	struct doc d;

	doc_open(&d);
	fprintf(d.f, "{\"types\":{\"EIP712Domain\":[],\"P\":[{\"name\":\"a\",\"type\":\"uint8[");
	if (fixed)
		fprintf(d.f, "%u", n);
	fprintf(d.f, "]\"}]},\"primaryType\":\"P\",\"domain\":{},\"message\":{\"a\":[");
	for (unsigned i = 0; i < n; i++)
		fprintf(d.f, "%s%u", i ? "," : "", i % 256);
	fprintf(d.f, "]}}");
	return doc_hash(&d, reason, cap);
}

/* S0 names S1 ... names S(k), which holds a uint8: k + 1 nested values. */
static int
chain(unsigned k, char *reason, size_t cap)
{
	struct doc d;

	doc_open(&d);
	fprintf(d.f, "{\"types\":{\"EIP712Domain\":[]");
	for (unsigned i = 0; i < k; i++)
		fprintf(d.f, ",\"S%u\":[{\"name\":\"n\",\"type\":\"S%u\"}]", i, i + 1);
	fprintf(d.f, ",\"S%u\":[{\"name\":\"x\",\"type\":\"uint8\"}]},\"primaryType\":\"S0\","
	             "\"domain\":{},\"message\":",
	        k);
	for (unsigned i = 0; i < k; i++)
		fprintf(d.f, "{\"n\":");
	fprintf(d.f, "{\"x\":1}");
	for (unsigned i = 0; i < k; i++)
		fprintf(d.f, "}");
	fprintf(d.f, "}");
	return doc_hash(&d, reason, cap);
}

/* P.a of type A + `outer` dims, A.b of uint8 + `inner` dims, every array
 * holding one element: 1 + outer + 1 + inner nested values. */
static int
deep_arrays(unsigned outer, unsigned inner, char *reason, size_t cap)
{
	struct doc d;

	doc_open(&d);
	fprintf(d.f, "{\"types\":{\"EIP712Domain\":[],\"P\":[{\"name\":\"a\",\"type\":\"A");
	for (unsigned i = 0; i < outer; i++)
		fprintf(d.f, "[]");
	fprintf(d.f, "\"}],\"A\":[{\"name\":\"b\",\"type\":\"uint8");
	for (unsigned i = 0; i < inner; i++)
		fprintf(d.f, "[1]");
	fprintf(d.f, "\"}]},\"primaryType\":\"P\",\"domain\":{},\"message\":{\"a\":");
	for (unsigned i = 0; i < outer; i++)
		fprintf(d.f, "[");
	fprintf(d.f, "{\"b\":");
	for (unsigned i = 0; i < inner; i++)
		fprintf(d.f, "[");
	fprintf(d.f, "7");
	for (unsigned i = 0; i < inner; i++)
		fprintf(d.f, "]");
	fprintf(d.f, "}");
	for (unsigned i = 0; i < outer; i++)
		fprintf(d.f, "]");
	fprintf(d.f, "}}");
	return doc_hash(&d, reason, cap);
}

static void
test_ceilings(void **state)
{
	char reason[CHAIN_REASON_MAX], name[EIP712_NAME_MAX + 2], *big;
	struct eip712_result r;
	size_t n = strlen(mail_doc);

	(void)state;
	/* the document: up to EIP712_DOC_MAX, white space included */
	big = malloc(EIP712_DOC_MAX + 1);
	assert_non_null(big);
	memcpy(big, mail_doc, n);
	memset(big + n, ' ', EIP712_DOC_MAX + 1 - n);
	assert_int_equal(hash_n(big, EIP712_DOC_MAX, &r, reason, sizeof(reason)), 0);
	assert_int_equal(hash_n(big, EIP712_DOC_MAX + 1, &r, reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	free(big);
	/* struct types (EIP712Domain and P are two), fields of one type */
	assert_int_equal(wide(0, "", "", EIP712_TYPES_MAX - 2, reason, sizeof(reason)), 0);
	assert_int_equal(wide(0, "", "", EIP712_TYPES_MAX - 1, reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	assert_int_equal(wide(EIP712_FIELDS_MAX, "bool", "true", 0, reason, sizeof(reason)), 0);
	assert_int_equal(wide(EIP712_FIELDS_MAX + 1, "bool", "true", 0, reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	assert_non_null(strstr(reason, "types.P: more fields"));
	/* array elements, dynamic and fixed */
	assert_int_equal(long_array(EIP712_ARRAY_MAX, false, reason, sizeof(reason)), 0);
	assert_int_equal(long_array(EIP712_ARRAY_MAX, true, reason, sizeof(reason)), 0);
	assert_int_equal(long_array(EIP712_ARRAY_MAX + 1, false, reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	assert_non_null(strstr(reason, "message.a: an array longer"));
	assert_int_equal(long_array(EIP712_ARRAY_MAX + 1, true, reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	/* names */
	memset(name, 'n', sizeof(name));
	name[EIP712_NAME_MAX] = '\0';
	{
		char q[512];
		snprintf(q, sizeof(q), "{'types':{'EIP712Domain':[],'P':[{'name':'%s','type':'uint8'}]},"
		         "'primaryType':'P','domain':{},'message':{'%s':1}}", name, name);
		assert_int_equal(hash_q(q, &r, reason, sizeof(reason)), 0);
		snprintf(q, sizeof(q), "{'types':{'EIP712Domain':[],'%s':[]},'primaryType':'%s',"
		         "'domain':{},'message':{}}", name, name);
		assert_int_equal(hash_q(q, &r, reason, sizeof(reason)), 0);
		assert_string_equal(r.primary_type, name);
		name[EIP712_NAME_MAX] = 'n';
		name[EIP712_NAME_MAX + 1] = '\0';
		snprintf(q, sizeof(q), "{'types':{'EIP712Domain':[],'P':[{'name':'%s','type':'uint8'}]},"
		         "'primaryType':'P','domain':{},'message':{'%s':1}}", name, name);
		assert_int_equal(hash_q(q, &r, reason, sizeof(reason)), SIGIL_E_INVALID);
		snprintf(q, sizeof(q), "{'types':{'EIP712Domain':[],'%s':[]},'primaryType':'%s',"
		         "'domain':{},'message':{}}", name, name);
		assert_int_equal(hash_q(q, &r, reason, sizeof(reason)), SIGIL_E_INVALID);
	}
}

static void
test_depth(void **state)
{
	char reason[CHAIN_REASON_MAX], type[256];

	(void)state;
	/* nested structs: the message is level 1 */
	assert_int_equal(chain(EIP712_DEPTH_MAX - 1, reason, sizeof(reason)), 0);
	assert_int_equal(chain(EIP712_DEPTH_MAX, reason, sizeof(reason)), SIGIL_E_TOO_BIG);
	assert_non_null(strstr(reason, "nested deeper"));
	/* nested arrays inside nested structs */
	assert_int_equal(deep_arrays(EIP712_DIMS_MAX, EIP712_DEPTH_MAX - EIP712_DIMS_MAX - 2,
	                             reason, sizeof(reason)),
	                 0);
	assert_int_equal(deep_arrays(EIP712_DIMS_MAX, EIP712_DEPTH_MAX - EIP712_DIMS_MAX - 1,
	                             reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	assert_int_equal(deep_arrays(EIP712_DEPTH_MAX - 2, 1, reason, sizeof(reason)),
	                 SIGIL_E_TOO_BIG);
	/* array dimensions of one type */
	strcpy(type, "uint8");
	for (unsigned i = 0; i < EIP712_DIMS_MAX; i++)
		strcat(type, "[]");
	expect_enc(type, "[]", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	strcat(type, "[]");
	expect_bad(type, "[]", SIGIL_E_TOO_BIG);
	/* JSON deeper than jansson's own limit */
	{
		struct doc d;
		doc_open(&d);
		for (unsigned i = 0; i < 3000; i++)
			fputc('[', d.f);
		assert_int_equal(doc_hash(&d, reason, sizeof(reason)), SIGIL_E_TOO_BIG);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eip_example),
		cmocka_unit_test(test_ethers_known_answer),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_atomics),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_bad_type_names),
		cmocka_unit_test(test_documents_good),
		cmocka_unit_test(test_documents_bad),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_reason_secret_free),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
