/* The key holder's RPC (enclave/proto.h): every request and reply through
 * encode and decode and back; byte vectors written by hand from RFC 8949,
 * so that another CBOR encoder's output is read the same; every field
 * given the wrong type, size or ceiling; a BLS secret's byte order; and
 * frames over a socketpair (round trips, ceilings, deadlines, end of
 * stream, a closed peer). Inputs are decoded from a copy flush against a
 * PROT_NONE page, so that one byte read past the end crashes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../unit_util.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "enclave/proto.h"

/* ---- a second CBOR writer, by the book (RFC 8949 §3), for inputs ---- */

struct tb {
	uint8_t *p;
	size_t n, cap;
};

static void
tb_put(struct tb *t, const void *s, size_t n)
{
	if (t->n + n > t->cap) {
		t->cap = (t->n + n) * 2 + 64;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	if (n > 0)
		memcpy(t->p + t->n, s, n);
	t->n += n;
}
#define TB_RAW(t, ...) \
	tb_put(t, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* The shortest head for major type m and argument v. */
static void
tb_head(struct tb *t, unsigned m, uint64_t v)
{
	uint8_t h[9];
	size_t k = v < 24 ? 0 : v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;

	h[0] = (uint8_t)(m << 5 | (k == 0 ? v : k == 1 ? 24 : k == 2 ? 25 : k == 4 ? 26 : 27));
	for (size_t i = 0; i < k; i++)
		h[1 + i] = (uint8_t)(v >> (8 * (k - 1 - i)));
	tb_put(t, h, 1 + k);
}

static void tb_u(struct tb *t, uint64_t v) { tb_head(t, 0, v); }
static void tb_map(struct tb *t, uint64_t n) { tb_head(t, 5, n); }
static void tb_arr(struct tb *t, uint64_t n) { tb_head(t, 4, n); }

static void
tb_s(struct tb *t, const char *s)
{
	tb_head(t, 3, strlen(s));
	tb_put(t, s, strlen(s));
}

static void
tb_b(struct tb *t, const uint8_t *p, size_t n)
{
	tb_head(t, 2, n);
	tb_put(t, p, n);
}

/* {op: …}: the caller writes the value. */
static struct tb
tb_req(const char *op)
{
	struct tb t = {0};
	tb_map(&t, 1);
	tb_s(&t, op);
	return t;
}

/* One item of each CBOR type, to put where another is expected. */
enum wrong { W_UINT, W_NEG, W_BYTES, W_TEXT, W_ARRAY, W_MAP, W_FLOAT, W_NULL, W_TRUE, W_TAG, W_N };
static const char *const wrong_name[W_N] = {
	"an unsigned integer", "a negative integer", "a byte string", "a text string", "an array",
	"a map", "a float or a simple value", "a float or a simple value", "a float or a simple value",
	"a tagged item",
};

static void
tb_wrong(struct tb *t, enum wrong w)
{
	switch (w) {
	case W_UINT: tb_u(t, 5); break;
	case W_NEG: TB_RAW(t, 0x20); break;
	case W_BYTES: TB_RAW(t, 0x42, 'a', 'b'); break;
	case W_TEXT: tb_s(t, "ab"); break;
	case W_ARRAY: TB_RAW(t, 0x81, 0x01); break;
	case W_MAP: TB_RAW(t, 0xa0); break;
	case W_FLOAT: TB_RAW(t, 0xf9, 0x3e, 0x00); break;
	case W_NULL: TB_RAW(t, 0xf6); break;
	case W_TRUE: TB_RAW(t, 0xf5); break;
	case W_TAG: TB_RAW(t, 0xc1, 0x01); break;
	case W_N: break;
	}
}

/* ---- decoding from a copy against a guard page ---- */

static int
req_decode(const uint8_t *p, size_t n, struct enclave_request *r, char *err, size_t errlen)
{
	void *map;
	size_t maplen;
	char *q = flush_copy(p, n, &map, &maplen);
	int rc = enclave_request_decode((const uint8_t *)q, n, r, err, errlen);
	munmap(map, maplen);
	return rc;
}

static int
rep_decode(enum enclave_op op, const uint8_t *p, size_t n, struct enclave_reply *r, char *err,
           size_t errlen)
{
	void *map;
	size_t maplen;
	char *q = flush_copy(p, n, &map, &maplen);
	int rc = enclave_reply_decode(op, (const uint8_t *)q, n, r, err, errlen);
	munmap(map, maplen);
	return rc;
}

/* The request in t must fail with rc and an error that says `says`. */
static void
req_fails(struct tb *t, int rc, const char *says)
{
	struct enclave_request r;
	char err[ENCLAVE_ERR_MAX];

	assert_int_equal(req_decode(t->p, t->n, &r, err, sizeof(err)), rc);
	if (strstr(err, says) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, says);
	assert_int_equal(r.op, ENCLAVE_OP_NONE);
	assert_null(r.blob);
	assert_null(r.msg);
	free(t->p);
	*t = (struct tb){0};
}

static void
rep_fails(enum enclave_op op, struct tb *t, int rc, const char *says)
{
	struct enclave_reply r;
	char err[ENCLAVE_ERR_MAX];

	assert_int_equal(rep_decode(op, t->p, t->n, &r, err, sizeof(err)), rc);
	if (strstr(err, says) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, says);
	free(t->p);
	*t = (struct tb){0};
}

static void
assert_req_equal(const struct enclave_request *a, const struct enclave_request *b)
{
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->cred.n, b->cred.n);
	for (size_t i = 0; i < a->cred.n; i++) {
		assert_string_equal(a->cred.item[i].key, b->cred.item[i].key);
		assert_int_equal(a->cred.item[i].value_len, b->cred.item[i].value_len);
		assert_memory_equal(a->cred.item[i].value, b->cred.item[i].value,
		                    a->cred.item[i].value_len + 1);
	}
	assert_int_equal(a->key_type, b->key_type);
	assert_memory_equal(a->secret, b->secret, sizeof(a->secret));
	assert_int_equal(a->handle, b->handle);
	assert_int_equal(a->blob_len, b->blob_len);
	if (a->blob_len)
		assert_memory_equal(a->blob, b->blob, a->blob_len);
	assert_int_equal(a->msg_len, b->msg_len);
	if (a->msg_len)
		assert_memory_equal(a->msg, b->msg, a->msg_len);
	assert_int_equal(a->has_version, b->has_version);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->scheme, b->scheme);
}

/* Encodes r, decodes it back into *back (the caller clears it) and checks
 * it is r again. */
static void
req_round_trip(const struct enclave_request *r, struct enclave_request *back)
{
	uint8_t *buf;
	size_t n;
	char err[ENCLAVE_ERR_MAX];
	int rc;

	assert_int_equal(enclave_request_encode(r, &buf, &n), 0);
	rc = req_decode(buf, n, back, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: %s", enclave_op_name(r->op), err);
	assert_req_equal(r, back);
	free(buf);
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* ---- names and credentials ---- */

static void
test_names(void **state)
{
	static const char *const ops[] = {
		NULL,       "Initialize", "Import",   "ImportUnencrypted", "Generate",
		"GenerateAndImport", "Sign", "SignWith", "PublicKey",         "PublicKeyFrom",
		"ProvePossession",
	};

	(void)state;
	assert_null(enclave_op_name(ENCLAVE_OP_NONE));
	for (int op = 1; op <= ENCLAVE_PROVE_POSSESSION; op++)
		assert_string_equal(enclave_op_name((enum enclave_op)op), ops[op]);
	assert_null(enclave_op_name((enum enclave_op)(ENCLAVE_PROVE_POSSESSION + 1)));
	assert_null(enclave_op_name((enum enclave_op)-1));

	assert_string_equal(enclave_key_type_name(SIGIL_KEY_ED25519), "Ed25519");
	assert_string_equal(enclave_key_type_name(SIGIL_KEY_SECP256K1), "Secp256k1");
	assert_string_equal(enclave_key_type_name(SIGIL_KEY_P256), "NistP256");
	assert_string_equal(enclave_key_type_name(SIGIL_KEY_BLS), "Bls");
	assert_null(enclave_key_type_name((enum sigil_key_type)SIGIL_KEY_TYPES));
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		const char *n = enclave_key_type_name((enum sigil_key_type)t);
		assert_int_equal(enclave_key_type_from_name(n, strlen(n)), t);
	}
	assert_int_equal(enclave_key_type_from_name("Bls", 2), -1);
	assert_int_equal(enclave_key_type_from_name("Blsx", 4), -1);
	assert_int_equal(enclave_key_type_from_name("bls", 3), -1);
	assert_int_equal(enclave_key_type_from_name("", 0), -1);
	assert_int_equal(enclave_key_type_from_name(NULL, 0), -1);
}

static void
test_credentials(void **state)
{
	struct enclave_credentials c = {0};
	char key[ENCLAVE_CRED_KEY_MAX + 1], val[ENCLAVE_CRED_VALUE_MAX + 1];

	(void)state;
	assert_null(enclave_credentials_get(&c, "provider"));
	assert_int_equal(enclave_credentials_set(&c, "provider", "passphrase"), 0);
	assert_int_equal(enclave_credentials_set(&c, "passphrase", "correct horse"), 0);
	assert_string_equal(enclave_credentials_get(&c, "provider"), "passphrase");
	assert_string_equal(enclave_credentials_get(&c, "passphrase"), "correct horse");
	assert_int_equal(c.item[1].value_len, 13);
	/* Set again: replaced, not added twice. */
	assert_int_equal(enclave_credentials_set(&c, "passphrase", "x"), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(enclave_credentials_get(&c, "passphrase"), "x");
	assert_int_equal(c.item[1].value_len, 1);
	assert_null(enclave_credentials_get(&c, "pass"));
	assert_null(enclave_credentials_get(&c, NULL));

	/* The longest key and value fit; one more byte does not. */
	memset(key, 'k', sizeof(key));
	key[ENCLAVE_CRED_KEY_MAX - 1] = '\0';
	memset(val, 'v', sizeof(val));
	val[ENCLAVE_CRED_VALUE_MAX - 1] = '\0';
	assert_int_equal(enclave_credentials_set(&c, key, val), 0);
	assert_int_equal(enclave_credentials_get(&c, key)[ENCLAVE_CRED_VALUE_MAX - 2], 'v');
	key[ENCLAVE_CRED_KEY_MAX - 1] = 'k';
	key[ENCLAVE_CRED_KEY_MAX] = '\0';
	assert_int_equal(enclave_credentials_set(&c, key, "v"), SIGIL_E_TOO_BIG);
	val[ENCLAVE_CRED_VALUE_MAX - 1] = 'v';
	val[ENCLAVE_CRED_VALUE_MAX] = '\0';
	assert_int_equal(enclave_credentials_set(&c, "k", val), SIGIL_E_TOO_BIG);
	assert_int_equal(enclave_credentials_set(&c, NULL, "v"), SIGIL_E_INVALID);
	assert_int_equal(enclave_credentials_set(&c, "k", NULL), SIGIL_E_INVALID);

	/* Full. */
	while (c.n < ENCLAVE_CRED_MAX) {
		char k[8];
		snprintf(k, sizeof(k), "k%zu", c.n);
		assert_int_equal(enclave_credentials_set(&c, k, "v"), 0);
	}
	assert_int_equal(enclave_credentials_set(&c, "one-more", "v"), SIGIL_E_TOO_BIG);
	assert_int_equal(enclave_credentials_set(&c, "provider", "tpm2"), 0); /* replacing still works */
	assert_string_equal(enclave_credentials_get(&c, "provider"), "tpm2");
}

/* ---- requests ---- */

static void
test_request_round_trips(void **state)
{
	static uint8_t msg[ENCLAVE_MSG_MAX], blob[ENCLAVE_BLOB_MAX];
	struct enclave_request r, back;

	(void)state;
	fill(msg, sizeof(msg), 3);
	fill(blob, sizeof(blob), 9);

	/* Initialize: text, a value that is not UTF-8 (sent as bytes), an
	 * empty one, all eight entries. */
	memset(&r, 0, sizeof(r));
	r.op = ENCLAVE_INITIALIZE;
	r.scheme = ENCLAVE_SCHEME_TEZOS;
	req_round_trip(&r, &back); /* none at all */
	enclave_request_clear(&back);
	assert_int_equal(enclave_credentials_set(&r.cred, "provider", "passphrase"), 0);
	assert_int_equal(enclave_credentials_set(&r.cred, "passphrase", "h\xc3\xa9llo \xf0\x9f\x94\x91"),
	                 0);
	assert_int_equal(enclave_credentials_set(&r.cred, "raw", "\xff\xfe\x80"), 0);
	assert_int_equal(enclave_credentials_set(&r.cred, "empty", ""), 0);
	for (int i = 0; r.cred.n < ENCLAVE_CRED_MAX; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(enclave_credentials_set(&r.cred, k, "0,7"), 0);
	}
	req_round_trip(&r, &back);
	enclave_request_clear(&back);
	enclave_request_clear(&r);

	/* Every op with a blob, a key type, a secret or a handle. */
	for (int op = 1; op <= ENCLAVE_PROVE_POSSESSION; op++) {
		for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
			memset(&r, 0, sizeof(r));
			r.op = (enum enclave_op)op;
			r.scheme = ENCLAVE_SCHEME_TEZOS;
			r.key_type = (enum sigil_key_type)t;
			r.handle = t == 3 ? UINT64_MAX : (uint64_t)t * 1000003u;
			switch (r.op) {
			case ENCLAVE_IMPORT_UNENCRYPTED:
				fill(r.secret, sizeof(r.secret), (uint8_t)t);
				break;
			case ENCLAVE_IMPORT:
			case ENCLAVE_PUBLIC_KEY_FROM:
			case ENCLAVE_SIGN_WITH:
				r.blob = blob;
				r.blob_len = t == 0 ? 1 : sizeof(blob);
				break;
			default:
				break;
			}
			if (r.op == ENCLAVE_SIGN || r.op == ENCLAVE_SIGN_WITH) {
				r.msg = msg;
				r.msg_len = t == 0 ? 0 : t == 1 ? 1 : t == 2 ? 1000 : sizeof(msg);
				r.has_version = t & 1;
				r.version = r.has_version ? (unsigned)t : 0;
				r.scheme = t == 0 ? ENCLAVE_SCHEME_TEZOS : t - 1;
			}
			/* Fields of other ops are not sent: zero them in the
			 * expectation before comparing. */
			if (r.op != ENCLAVE_IMPORT_UNENCRYPTED && r.op != ENCLAVE_GENERATE &&
			    r.op != ENCLAVE_GENERATE_AND_IMPORT)
				r.key_type = 0;
			if (r.op != ENCLAVE_SIGN && r.op != ENCLAVE_PUBLIC_KEY &&
			    r.op != ENCLAVE_PROVE_POSSESSION)
				r.handle = 0;
			req_round_trip(&r, &back);
			enclave_request_clear(&back);
		}
	}
	/* Every scheme, with and without version. */
	for (int s = -1; s <= SIGIL_SCHEME_BLS_PROOF; s++) {
		memset(&r, 0, sizeof(r));
		r.op = ENCLAVE_SIGN;
		r.handle = 7;
		r.msg = msg;
		r.msg_len = 5;
		r.scheme = s;
		r.has_version = s >= 0;
		r.version = s >= 0 ? 2 : 0;
		req_round_trip(&r, &back);
		enclave_request_clear(&back);
	}
}

static void
test_request_encode_refuses(void **state)
{
	uint8_t blob[ENCLAVE_BLOB_MAX + 1] = {1}, *out = (uint8_t *)"x";
	struct enclave_request r;
	size_t n = 1;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID); /* no op */
	assert_null(out);
	assert_int_equal(n, 0);
	r.op = (enum enclave_op)99;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	r.op = ENCLAVE_IMPORT;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID); /* no blob */
	r.blob = blob;
	r.blob_len = sizeof(blob);
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_TOO_BIG);
	r.op = ENCLAVE_GENERATE;
	r.key_type = (enum sigil_key_type)SIGIL_KEY_TYPES;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	memset(&r, 0, sizeof(r));
	r.op = ENCLAVE_SIGN;
	r.msg_len = 3; /* and no msg */
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	r.msg = blob;
	r.msg_len = ENCLAVE_MSG_MAX + 1;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_TOO_BIG);
	r.msg_len = 1;
	r.scheme = SIGIL_SCHEME_BIP340_TAPROOT + 1;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	r.scheme = -2;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	memset(&r, 0, sizeof(r));
	r.op = ENCLAVE_INITIALIZE;
	r.cred.n = ENCLAVE_CRED_MAX + 1;
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	r.cred.n = 1;
	memset(r.cred.item[0].key, 'k', sizeof(r.cred.item[0].key)); /* no NUL */
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	memset(&r.cred, 0, sizeof(r.cred));
	assert_int_equal(enclave_credentials_set(&r.cred, "a\xff", "v"), 0); /* not UTF-8 */
	assert_int_equal(enclave_request_encode(&r, &out, &n), SIGIL_E_INVALID);
	assert_null(out);
}

/* A BLS scalar is big-endian on the wire, little-endian in sigil. */
static void
test_bls_secret_order(void **state)
{
	static const char name[] = "ImportUnencrypted";
	struct enclave_request r, back;
	uint8_t *buf, want[64];
	size_t n, w = 0;
	char err[ENCLAVE_ERR_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.op = ENCLAVE_IMPORT_UNENCRYPTED;
	r.key_type = SIGIL_KEY_BLS;
	for (int i = 0; i < SIGIL_SECRET_LEN; i++)
		r.secret[i] = (uint8_t)(i + 1); /* little-endian: 0x01 lowest */
	assert_int_equal(enclave_request_encode(&r, &buf, &n), 0);
	/* a1 71 "ImportUnencrypted" a1 63 "Bls" 58 20 20 1f … 01 */
	want[w++] = 0xa1;
	want[w++] = 0x60 + sizeof(name) - 1;
	memcpy(want + w, name, sizeof(name) - 1), w += sizeof(name) - 1;
	memcpy(want + w, "\xa1\x63" "Bls\x58\x20", 7), w += 7;
	for (int i = 0; i < SIGIL_SECRET_LEN; i++)
		want[w++] = (uint8_t)(SIGIL_SECRET_LEN - i);
	assert_int_equal(n, w);
	assert_memory_equal(buf, want, w);
	assert_int_equal(req_decode(buf, n, &back, err, sizeof(err)), 0);
	assert_memory_equal(back.secret, r.secret, SIGIL_SECRET_LEN);
	enclave_request_clear(&back);
	free(buf);

	/* Ed25519's seed is bytes as they are: not reversed. */
	r.key_type = SIGIL_KEY_ED25519;
	assert_int_equal(enclave_request_encode(&r, &buf, &n), 0);
	assert_int_equal(n, w + 4); /* "Ed25519" is four longer than "Bls" */
	assert_memory_equal(buf + n - SIGIL_SECRET_LEN, r.secret, SIGIL_SECRET_LEN);
	free(buf);
}

/* Fixed vectors, written byte by byte from RFC 8949: what any conforming
 * encoder may send, including the forms ours never makes (longer integer
 * heads, indefinite lengths, chunked strings, keys in another order). */
static void
test_fixed_vectors(void **state)
{
	static const uint8_t pk1[] = {0xa1, 0x69, 'P', 'u', 'b', 'l', 'i', 'c', 'K', 'e', 'y', 0x01};
	static const struct {
		uint8_t head[9];
		size_t n;
		uint64_t v;
	} ints[] = {
		{{0x01}, 1, 1},
		{{0x17}, 1, 23},
		{{0x18, 0x18}, 2, 24},
		{{0x18, 0x01}, 2, 1}, /* not the shortest form, still 1 */
		{{0x19, 0x00, 0x01}, 3, 1},
		{{0x19, 0x12, 0x34}, 3, 0x1234},
		{{0x1a, 0x00, 0x00, 0x00, 0x01}, 5, 1},
		{{0x1a, 0xde, 0xad, 0xbe, 0xef}, 5, 0xdeadbeef},
		{{0x1b, 0, 0, 0, 0, 0, 0, 0, 1}, 9, 1},
		{{0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, UINT64_MAX},
	};
	struct enclave_request r;
	struct enclave_reply rep;
	char err[ENCLAVE_ERR_MAX];
	uint8_t *buf;
	size_t n;

	(void)state;
	/* {"PublicKey": 1}, and ours is byte for byte the same. */
	assert_int_equal(req_decode(pk1, sizeof(pk1), &r, err, sizeof(err)), 0);
	assert_int_equal(r.op, ENCLAVE_PUBLIC_KEY);
	assert_int_equal(r.handle, 1);
	assert_int_equal(enclave_request_encode(&r, &buf, &n), 0);
	assert_int_equal(n, sizeof(pk1));
	assert_memory_equal(buf, pk1, sizeof(pk1));
	free(buf);

	/* The handle in every integer width. */
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		uint8_t v[24];
		memcpy(v, pk1, 11);
		memcpy(v + 11, ints[i].head, ints[i].n);
		assert_int_equal(req_decode(v, 11 + ints[i].n, &r, err, sizeof(err)), 0);
		assert_int_equal(r.handle, ints[i].v);
	}

	/* An indefinite map {_ "PublicKey": 1}, and a chunked key
	 * {_ (_ "Publ", "icKey"): 1}. */
	{
		static const uint8_t v1[] = {0xbf, 0x69, 'P', 'u', 'b', 'l', 'i', 'c',
		                             'K',  'e',  'y', 0x02, 0xff};
		static const uint8_t v2[] = {0xbf, 0x7f, 0x64, 'P', 'u', 'b', 'l', 0x65, 'i',
		                             'c',  'K',  'e',  'y', 0xff, 0x03, 0xff};
		assert_int_equal(req_decode(v1, sizeof(v1), &r, err, sizeof(err)), 0);
		assert_int_equal(r.handle, 2);
		assert_int_equal(req_decode(v2, sizeof(v2), &r, err, sizeof(err)), 0);
		assert_int_equal(r.op, ENCLAVE_PUBLIC_KEY);
		assert_int_equal(r.handle, 3);
	}

	/* {"Sign": {"scheme": "bls_aug", "version": 1, "message": h'010203',
	 *           "handle": 7, "extra": {"x": []}}}: any order, and a key
	 * Sign does not know is passed over. The message as a chunked byte
	 * string (_ h'01', h'0203'). */
	{
		static const uint8_t v[] = {
			0xa1, 0x64, 'S', 'i', 'g', 'n', 0xa5,
			0x66, 's', 'c', 'h', 'e', 'm', 'e', 0x67, 'b', 'l', 's', '_', 'a', 'u', 'g',
			0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01,
			0x67, 'm', 'e', 's', 's', 'a', 'g', 'e', 0x5f, 0x41, 0x01, 0x42, 0x02, 0x03, 0xff,
			0x66, 'h', 'a', 'n', 'd', 'l', 'e', 0x07,
			0x65, 'e', 'x', 't', 'r', 'a', 0xa1, 0x61, 'x', 0x80,
		};
		assert_int_equal(req_decode(v, sizeof(v), &r, err, sizeof(err)), 0);
		assert_int_equal(r.op, ENCLAVE_SIGN);
		assert_int_equal(r.handle, 7);
		assert_int_equal(r.msg_len, 3);
		assert_memory_equal(r.msg, "\x01\x02\x03", 3);
		assert_true(r.has_version);
		assert_int_equal(r.version, 1);
		assert_int_equal(r.scheme, SIGIL_SCHEME_BLS_AUG);
		enclave_request_clear(&r);
	}

	/* {"Initialize": {"provider": "tpm2", "pcrs": [0, 7], "n": 42,
	 *                 "pass": h'00ff'}} */
	{
		static const uint8_t v[] = {
			0xa1, 0x6a, 'I', 'n', 'i', 't', 'i', 'a', 'l', 'i', 'z', 'e', 0xa4,
			0x68, 'p', 'r', 'o', 'v', 'i', 'd', 'e', 'r', 0x64, 't', 'p', 'm', '2',
			0x64, 'p', 'c', 'r', 's', 0x82, 0x00, 0x07,
			0x61, 'n', 0x18, 0x2a,
			0x64, 'p', 'a', 's', 's', 0x42, 0x00, 0xff,
		};
		assert_int_equal(req_decode(v, sizeof(v), &r, err, sizeof(err)), 0);
		assert_int_equal(r.op, ENCLAVE_INITIALIZE);
		assert_int_equal(r.cred.n, 4);
		assert_string_equal(enclave_credentials_get(&r.cred, "provider"), "tpm2");
		assert_string_equal(enclave_credentials_get(&r.cred, "pcrs"), "0,7");
		assert_string_equal(enclave_credentials_get(&r.cred, "n"), "42");
		assert_int_equal(r.cred.item[3].value_len, 2);
		assert_memory_equal(r.cred.item[3].value, "\x00\xff", 3);
		enclave_request_clear(&r);
	}

	/* {"Generate": "Bls"}, and ours is the same. */
	{
		static const uint8_t v[] = {0xa1, 0x68, 'G', 'e', 'n', 'e', 'r', 'a', 't', 'e',
		                            0x63, 'B',  'l', 's'};
		assert_int_equal(req_decode(v, sizeof(v), &r, err, sizeof(err)), 0);
		assert_int_equal(r.op, ENCLAVE_GENERATE);
		assert_int_equal(r.key_type, SIGIL_KEY_BLS);
		assert_int_equal(enclave_request_encode(&r, &buf, &n), 0);
		assert_int_equal(n, sizeof(v));
		assert_memory_equal(buf, v, sizeof(v));
		free(buf);
	}

	/* Replies: {"Ok": {}} for Initialize; {"Err": {"message": "nope"}};
	 * {"Ok": {"Ed25519": h'00…'}} for Sign. */
	{
		static const uint8_t ok[] = {0xa1, 0x62, 'O', 'k', 0xa0};
		static const uint8_t bad[] = {0xa1, 0x63, 'E', 'r', 'r', 0xa1, 0x67, 'm', 'e', 's',
		                              's',  'a',  'g', 'e', 0x64, 'n', 'o', 'p', 'e'};
		uint8_t sig[15 + 64] = {0xa1, 0x62, 'O', 'k', 0xa1, 0x67, 'E', 'd',
		                                   '2',  '5',  '5', '1', '9', 0x58, 0x40};
		struct enclave_reply mine = {.ok = true};

		assert_int_equal(rep_decode(ENCLAVE_INITIALIZE, ok, sizeof(ok), &rep, err, sizeof(err)), 0);
		assert_true(rep.ok);
		assert_int_equal(enclave_reply_encode(ENCLAVE_INITIALIZE, &mine, &buf, &n), 0);
		assert_int_equal(n, sizeof(ok));
		assert_memory_equal(buf, ok, sizeof(ok));
		free(buf);

		assert_int_equal(rep_decode(ENCLAVE_SIGN, bad, sizeof(bad), &rep, err, sizeof(err)), 0);
		assert_false(rep.ok);
		assert_string_equal(rep.message, "nope");
		mine.ok = false;
		strcpy(mine.message, "nope");
		assert_int_equal(enclave_reply_encode(ENCLAVE_SIGN, &mine, &buf, &n), 0);
		assert_int_equal(n, sizeof(bad));
		assert_memory_equal(buf, bad, sizeof(bad));
		free(buf);

		fill(sig + 15, 64, 1);
		assert_int_equal(rep_decode(ENCLAVE_SIGN, sig, sizeof(sig), &rep, err, sizeof(err)), 0);
		assert_true(rep.ok && rep.has_sig && !rep.has_public_key);
		assert_int_equal(rep.key_type, SIGIL_KEY_ED25519);
		assert_int_equal(rep.sig_len, 64);
		assert_memory_equal(rep.sig, sig + 15, 64);
	}
}

/* Not CBOR, not one item, not a map of one known op. */
static void
test_bad_framing(void **state)
{
	static const uint8_t pk1[] = {0xa1, 0x69, 'P', 'u', 'b', 'l', 'i', 'c', 'K', 'e', 'y', 0x01};
	struct enclave_request r;
	char err[ENCLAVE_ERR_MAX];
	struct tb t = {0};

	(void)state;
	/* Every proper prefix of a good request is refused (and the empty one). */
	for (size_t n = 0; n < sizeof(pk1); n++) {
		assert_int_equal(req_decode(pk1, n, &r, err, sizeof(err)), SIGIL_E_INVALID);
		assert_non_null(strstr(err, n ? "truncated" : "empty"));
	}
	assert_int_equal(enclave_request_decode(NULL, 0, &r, err, sizeof(err)), SIGIL_E_INVALID);
	assert_int_equal(enclave_request_decode(pk1, sizeof(pk1), &r, NULL, 0), 0);

	/* A byte after the map; a second map. */
	tb_put(&t, pk1, sizeof(pk1));
	TB_RAW(&t, 0x00);
	req_fails(&t, SIGIL_E_INVALID, "1 bytes after the CBOR item");
	tb_put(&t, pk1, sizeof(pk1));
	tb_put(&t, pk1, sizeof(pk1));
	req_fails(&t, SIGIL_E_INVALID, "after the CBOR item");

	/* Not a map; a map of none, of two. */
	TB_RAW(&t, 0x81, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "request: expected a map with one entry (got an array)");
	TB_RAW(&t, 0xa0);
	req_fails(&t, SIGIL_E_INVALID, "request: expected a map with one entry (got 0)");
	TB_RAW(&t, 0xbf, 0xff);
	req_fails(&t, SIGIL_E_INVALID, "(got 0)");
	tb_map(&t, 2);
	tb_s(&t, "PublicKey");
	tb_u(&t, 1);
	tb_s(&t, "ProvePossession");
	tb_u(&t, 1);
	req_fails(&t, SIGIL_E_INVALID, "(got 2)");

	/* Keys that are not text, or name nothing known. */
	TB_RAW(&t, 0xa1, 0x01, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "request: the key is not a text string (got an unsigned integer)");
	TB_RAW(&t, 0xa1, 0x49, 'P', 'u', 'b', 'l', 'i', 'c', 'K', 'e', 'y', 0x01);
	req_fails(&t, SIGIL_E_INVALID, "(got a byte string)");
	t = tb_req("Frobnicate");
	tb_u(&t, 1);
	req_fails(&t, SIGIL_E_INVALID, "unknown request \"Frobnicate\"");
	t = tb_req("publickey");
	tb_u(&t, 1);
	req_fails(&t, SIGIL_E_INVALID, "unknown request");
	TB_RAW(&t, 0xa1, 0x6a, 'P', 'u', 'b', 'l', 'i', 'c', 'K', 'e', 'y', 0x00, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "unknown request \"PublicKey?\""); /* a NUL is no end */
	t = tb_req("PublicKeyPublicKeyPublicKeyPublicKeyPublicKey");
	tb_u(&t, 1);
	req_fails(&t, SIGIL_E_INVALID, "unknown request \"PublicKeyPublicKeyPublicKeyPubli...\"");
	t = tb_req("\x1b[31mred\"");
	tb_u(&t, 1);
	req_fails(&t, SIGIL_E_INVALID, "unknown request \"?[31mred?\""); /* no raw bytes echoed */

	/* CBOR that is not well-formed. */
	TB_RAW(&t, 0xff);
	req_fails(&t, SIGIL_E_INVALID, "a break outside an indefinite item");
	TB_RAW(&t, 0xbf, 0x61, 'a', 0xff);
	req_fails(&t, SIGIL_E_INVALID, "between a key and its value");
	TB_RAW(&t, 0xa1, 0x5f, 0x61, 'a', 0xff, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "chunks of its type");
	TB_RAW(&t, 0xa1, 0x7f, 0x80, 0xff, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "chunks of its type");
	TB_RAW(&t, 0xa1, 0x62, 0xc3, 0x28, 0x01); /* not UTF-8 */
	req_fails(&t, SIGIL_E_INVALID, "not UTF-8");
	TB_RAW(&t, 0xa1, 0x63, 0xed, 0xa0, 0x80, 0x01); /* a surrogate */
	req_fails(&t, SIGIL_E_INVALID, "not UTF-8");
	TB_RAW(&t, 0xa1, 0x62, 0xc0, 0x80, 0x01); /* overlong NUL */
	req_fails(&t, SIGIL_E_INVALID, "not UTF-8");
	TB_RAW(&t, 0xa1, 0x1c); /* reserved additional information */
	req_fails(&t, SIGIL_E_INVALID, "malformed");

	/* A header promising more than follows is refused before libcbor
	 * allocates for it: eight bytes asking for 2^36 slots (ASan would
	 * abort on the allocation). */
	t = tb_req("Sign");
	TB_RAW(&t, 0xa1, 0x61, 'x', 0x9b, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00);
	req_fails(&t, SIGIL_E_INVALID, "promises more items than follow");
	t = tb_req("Sign");
	TB_RAW(&t, 0xa1, 0x61, 'x', 0xbb, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00);
	req_fails(&t, SIGIL_E_INVALID, "promises more items than follow");
	t = tb_req("Sign");
	tb_map(&t, 3); /* nested promises that each fit, but not together */
	tb_s(&t, "x");
	tb_arr(&t, 3);
	TB_RAW(&t, 0x01, 0x01, 0x01, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "promises more items than follow");

	/* Nested past the ceiling, in a key Sign would ignore. */
	t = tb_req("Sign");
	tb_map(&t, 3);
	tb_s(&t, "handle");
	tb_u(&t, 1);
	tb_s(&t, "message");
	tb_b(&t, (const uint8_t *)"m", 1);
	tb_s(&t, "deep");
	for (int i = 0; i < 20; i++)
		TB_RAW(&t, 0x81);
	TB_RAW(&t, 0x01);
	req_fails(&t, SIGIL_E_INVALID, "nested too deeply");
	/* … while within it, it is passed over. */
	t = tb_req("Sign");
	tb_map(&t, 3);
	tb_s(&t, "handle");
	tb_u(&t, 1);
	tb_s(&t, "message");
	tb_b(&t, (const uint8_t *)"m", 1);
	tb_s(&t, "deep");
	for (int i = 0; i < 12; i++)
		TB_RAW(&t, 0x81);
	TB_RAW(&t, 0xf6);
	assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
	enclave_request_clear(&r);
	free(t.p);
}

/* The value of each op, with every type but the one it takes. */
static void
test_wrong_types(void **state)
{
	static const struct {
		const char *op;
		unsigned ok; /* the types (1 << enum wrong) it takes, or that mean something else */
		const char *says;
	} ops[] = {
		{"Initialize", 1u << W_MAP, "Initialize: expected a map of credentials"},
		{"Import", 1u << W_BYTES, "Import: expected a byte string"},
		{"ImportUnencrypted", 0, "ImportUnencrypted: expected a map from one key type"},
		{"Generate", 0, "Generate: "},
		{"GenerateAndImport", 0, "GenerateAndImport: "},
		{"Sign", 0, "Sign"},
		{"SignWith", 0, "SignWith"},
		{"PublicKey", 1u << W_UINT, "PublicKey: expected an unsigned integer"},
		{"PublicKeyFrom", 1u << W_BYTES, "PublicKeyFrom: expected a byte string"},
		{"ProvePossession", 1u << W_UINT, "ProvePossession: expected an unsigned integer"},
	};
	struct tb t;

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (int w = 0; w < W_N; w++) {
			if (ops[i].ok & (1u << w))
				continue;
			t = tb_req(ops[i].op);
			tb_wrong(&t, (enum wrong)w);
			req_fails(&t, SIGIL_E_INVALID, ops[i].says);
		}
	}
	/* The error names what came. */
	for (int w = 1; w < W_N; w++) {
		char says[96];
		t = tb_req("PublicKey");
		tb_wrong(&t, (enum wrong)w);
		snprintf(says, sizeof(says), "PublicKey: expected an unsigned integer (got %s)",
		         wrong_name[w]);
		req_fails(&t, SIGIL_E_INVALID, says);
	}
	t = tb_req("Generate");
	tb_s(&t, "Rsa");
	req_fails(&t, SIGIL_E_INVALID, "Generate: unknown key type \"Rsa\"");
	t = tb_req("GenerateAndImport");
	tb_u(&t, 0);
	req_fails(&t, SIGIL_E_INVALID, "GenerateAndImport: expected a key type (got an unsigned integer)");
}

/* Sign's and SignWith's fields, each given every wrong type. */
static void
sign_with_field(struct tb *t, bool with, const char *field, int w, uint64_t version)
{
	const char *fields[] = {with ? "encrypted_private_key" : "handle", "message", "version",
	                        "scheme"};

	*t = tb_req(with ? "SignWith" : "Sign");
	tb_map(t, 4);
	for (size_t i = 0; i < 4; i++) {
		tb_s(t, fields[i]);
		if (strcmp(fields[i], field) == 0 && w >= 0)
			tb_wrong(t, (enum wrong)w);
		else if (i == 0 && with)
			tb_b(t, (const uint8_t *)"blob", 4);
		else if (i == 0 || i == 2)
			tb_u(t, i == 2 ? version : 1);
		else if (i == 1)
			tb_b(t, (const uint8_t *)"msg", 3);
		else
			tb_s(t, "plain");
	}
}

static void
test_sign_fields(void **state)
{
	static const struct {
		const char *field;
		enum wrong right;
	} fields[] = {
		{"handle", W_UINT}, {"encrypted_private_key", W_BYTES}, {"message", W_BYTES},
		{"version", W_UINT}, {"scheme", W_TEXT},
	};
	struct enclave_request r;
	char err[ENCLAVE_ERR_MAX], says[96];
	struct tb t;

	(void)state;
	for (int with = 0; with < 2; with++) {
		const char *op = with ? "SignWith" : "Sign";

		sign_with_field(&t, with, "", -1, 2);
		assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
		assert_int_equal(r.scheme, SIGIL_SCHEME_PLAIN);
		assert_int_equal(r.version, 2);
		enclave_request_clear(&r);
		free(t.p);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			if ((f == 0 && with) || (f == 1 && !with))
				continue;
			for (int w = 0; w < W_N; w++) {
				if (w == (int)fields[f].right)
					continue;
				sign_with_field(&t, with, fields[f].field, w, 2);
				snprintf(says, sizeof(says), "%s.%s: expected", op, fields[f].field);
				req_fails(&t, SIGIL_E_INVALID, says);
			}
		}
		/* Out of range, unknown, missing, twice, a key that is not text. */
		sign_with_field(&t, with, "", -1, (uint64_t)UINT32_MAX + 1);
		req_fails(&t, SIGIL_E_INVALID, "version: 4294967296 is out of range");
		sign_with_field(&t, with, "", -1, UINT32_MAX);
		assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
		assert_int_equal(r.version, UINT32_MAX);
		enclave_request_clear(&r);
		free(t.p);
		t = tb_req(op);
		TB_RAW(&t, 0xa2, 0x67, 'm', 'e', 's', 's', 'a', 'g', 'e', 0x40, 0x66, 's', 'c', 'h', 'e',
		       'm', 'e', 0x63, 'p', 'o', 'p');
		req_fails(&t, SIGIL_E_INVALID, "missing");
		t = tb_req(op);
		tb_map(&t, 1);
		tb_s(&t, with ? "encrypted_private_key" : "handle");
		with ? tb_b(&t, (const uint8_t *)"b", 1) : tb_u(&t, 1);
		snprintf(says, sizeof(says), "%s: missing \"message\"", op);
		req_fails(&t, SIGIL_E_INVALID, says);
		t = tb_req(op);
		tb_map(&t, 3);
		tb_s(&t, with ? "encrypted_private_key" : "handle");
		with ? tb_b(&t, (const uint8_t *)"b", 1) : tb_u(&t, 1);
		tb_s(&t, "message");
		tb_b(&t, (const uint8_t *)"b", 1);
		tb_s(&t, "message");
		tb_b(&t, (const uint8_t *)"b", 1);
		snprintf(says, sizeof(says), "%s.message: given twice", op);
		req_fails(&t, SIGIL_E_INVALID, says);
		t = tb_req(op);
		tb_map(&t, 1);
		tb_u(&t, 1);
		tb_u(&t, 1);
		snprintf(says, sizeof(says), "%s: a key is not a text string (got an unsigned integer)", op);
		req_fails(&t, SIGIL_E_INVALID, says);
		t = tb_req(op);
		tb_map(&t, 3);
		tb_s(&t, with ? "encrypted_private_key" : "handle");
		with ? tb_b(&t, (const uint8_t *)"b", 1) : tb_u(&t, 1);
		tb_s(&t, "message");
		tb_b(&t, (const uint8_t *)"b", 1);
		tb_s(&t, "scheme");
		tb_s(&t, "bls");
		req_fails(&t, SIGIL_E_INVALID, "unknown scheme \"bls\"");
	}
	/* SignWith's blob is not empty. */
	t = tb_req("SignWith");
	tb_map(&t, 2);
	tb_s(&t, "encrypted_private_key");
	tb_b(&t, NULL, 0);
	tb_s(&t, "message");
	tb_b(&t, NULL, 0);
	req_fails(&t, SIGIL_E_INVALID, "SignWith.encrypted_private_key: expected at least 1 bytes");
}

/* The ceilings: message, blob, credentials. */
static void
test_ceilings(void **state)
{
	uint8_t *big = calloc(1, ENCLAVE_MSG_MAX + 1);
	struct enclave_request r;
	char err[ENCLAVE_ERR_MAX], key[ENCLAVE_CRED_KEY_MAX + 1], says[96];
	struct tb t;

	(void)state;
	assert_non_null(big);
	for (size_t extra = 0; extra < 2; extra++) {
		t = tb_req("Sign");
		tb_map(&t, 2);
		tb_s(&t, "handle");
		tb_u(&t, 1);
		tb_s(&t, "message");
		tb_b(&t, big, ENCLAVE_MSG_MAX + extra);
		if (extra) {
			snprintf(says, sizeof(says), "Sign.message: %u bytes, over the ceiling of %u",
			         ENCLAVE_MSG_MAX + 1, ENCLAVE_MSG_MAX);
			req_fails(&t, SIGIL_E_TOO_BIG, says);
		} else {
			assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
			assert_int_equal(r.msg_len, ENCLAVE_MSG_MAX);
			enclave_request_clear(&r);
			free(t.p);
		}
		t = tb_req("Import");
		tb_b(&t, big, ENCLAVE_BLOB_MAX + extra);
		if (extra) {
			snprintf(says, sizeof(says), "Import: %u bytes, over the ceiling of %u",
			         ENCLAVE_BLOB_MAX + 1, ENCLAVE_BLOB_MAX);
			req_fails(&t, SIGIL_E_TOO_BIG, says);
		} else {
			assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
			assert_int_equal(r.blob_len, ENCLAVE_BLOB_MAX);
			enclave_request_clear(&r);
			free(t.p);
		}
	}
	t = tb_req("PublicKeyFrom");
	tb_b(&t, big, 0);
	req_fails(&t, SIGIL_E_INVALID, "PublicKeyFrom: expected at least 1 bytes (got 0)");
	t = tb_req("SignWith");
	tb_map(&t, 2);
	tb_s(&t, "encrypted_private_key");
	tb_b(&t, big, ENCLAVE_BLOB_MAX + 1);
	tb_s(&t, "message");
	tb_b(&t, big, 1);
	snprintf(says, sizeof(says), "SignWith.encrypted_private_key: %u bytes", ENCLAVE_BLOB_MAX + 1);
	req_fails(&t, SIGIL_E_TOO_BIG, says);

	/* Credentials: count, key and value length, an array as text. */
	t = tb_req("Initialize");
	tb_map(&t, ENCLAVE_CRED_MAX + 1);
	for (int i = 0; i <= ENCLAVE_CRED_MAX; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		tb_s(&t, key);
		tb_u(&t, (uint64_t)i);
	}
	snprintf(says, sizeof(says), "Initialize: %d credentials, over the %d allowed",
	         ENCLAVE_CRED_MAX + 1, ENCLAVE_CRED_MAX);
	req_fails(&t, SIGIL_E_TOO_BIG, says);
	memset(key, 'k', sizeof(key));
	key[ENCLAVE_CRED_KEY_MAX] = '\0';
	t = tb_req("Initialize");
	tb_map(&t, 1);
	tb_s(&t, key);
	tb_u(&t, 1);
	snprintf(says, sizeof(says), "name over %d bytes", ENCLAVE_CRED_KEY_MAX - 1);
	req_fails(&t, SIGIL_E_TOO_BIG, says);
	t = tb_req("Initialize");
	tb_map(&t, 1);
	tb_s(&t, "passphrase");
	memset(big, 'P', ENCLAVE_CRED_VALUE_MAX);
	tb_b(&t, big, ENCLAVE_CRED_VALUE_MAX);
	snprintf(says, sizeof(says), "Initialize.passphrase: value over %d bytes",
	         ENCLAVE_CRED_VALUE_MAX - 1);
	req_fails(&t, SIGIL_E_TOO_BIG, says);
	t = tb_req("Initialize");
	tb_map(&t, 1);
	tb_s(&t, "pcrs");
	tb_arr(&t, 60);
	for (int i = 0; i < 60; i++)
		tb_u(&t, UINT64_MAX);
	snprintf(says, sizeof(says), "Initialize.pcrs: over %d bytes as text",
	         ENCLAVE_CRED_VALUE_MAX - 1);
	req_fails(&t, SIGIL_E_TOO_BIG, says);
	/* The longest that fits. */
	t = tb_req("Initialize");
	tb_map(&t, 2);
	key[ENCLAVE_CRED_KEY_MAX - 1] = '\0';
	tb_s(&t, key);
	tb_b(&t, big, ENCLAVE_CRED_VALUE_MAX - 1);
	tb_s(&t, "pcrs");
	tb_arr(&t, 2);
	tb_u(&t, 0);
	tb_u(&t, UINT64_MAX);
	assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
	assert_int_equal(r.cred.item[0].value_len, ENCLAVE_CRED_VALUE_MAX - 1);
	assert_string_equal(enclave_credentials_get(&r.cred, "pcrs"), "0,18446744073709551615");
	enclave_request_clear(&r);
	free(t.p);
	free(big);
}

/* Initialize's values and names, and ImportUnencrypted's key. */
static void
test_credentials_and_secrets(void **state)
{
	uint8_t s31[31];
	struct tb t;

	(void)state;
	for (int w = 0; w < W_N; w++) {
		if (w == W_UINT || w == W_BYTES || w == W_TEXT || w == W_ARRAY)
			continue;
		t = tb_req("Initialize");
		tb_map(&t, 1);
		tb_s(&t, "provider");
		tb_wrong(&t, (enum wrong)w);
		req_fails(&t, SIGIL_E_INVALID, "Initialize.provider: expected text, bytes, an unsigned");
	}
	for (int w = 0; w < W_N; w++) {
		if (w == W_UINT)
			continue;
		t = tb_req("Initialize");
		tb_map(&t, 1);
		tb_s(&t, "pcrs");
		tb_arr(&t, 2);
		tb_u(&t, 1);
		tb_wrong(&t, (enum wrong)w);
		req_fails(&t, SIGIL_E_INVALID, "Initialize.pcrs: expected an array of unsigned integers");
	}
	t = tb_req("Initialize");
	TB_RAW(&t, 0xa1, 0x41, 'k', 0x01);
	req_fails(&t, SIGIL_E_INVALID, "a credential's name is not a text string (got a byte string)");
	t = tb_req("Initialize");
	tb_map(&t, 2);
	tb_s(&t, "k");
	tb_u(&t, 1);
	tb_s(&t, "k");
	tb_u(&t, 2);
	req_fails(&t, SIGIL_E_INVALID, "Initialize.k: given twice");
	t = tb_req("Initialize");
	TB_RAW(&t, 0xa1, 0x63, 'k', 0x00, 'x', 0x01);
	req_fails(&t, SIGIL_E_INVALID, "a NUL in the name");

	/* ImportUnencrypted: {KeyType: 32 bytes}, exactly. */
	for (int k = 0; k < SIGIL_KEY_TYPES; k++) {
		for (size_t len = 31; len <= 33; len += 2) {
			uint8_t s[33];
			char says[64];
			const char *name = enclave_key_type_name((enum sigil_key_type)k);

			memset(s, 'S', sizeof(s));
			t = tb_req("ImportUnencrypted");
			tb_map(&t, 1);
			tb_s(&t, name);
			tb_b(&t, s, len);
			snprintf(says, sizeof(says), "ImportUnencrypted.%s: expected 32 bytes (got %zu)", name,
			         len);
			req_fails(&t, SIGIL_E_INVALID, says);
		}
	}
	memset(s31, 'S', sizeof(s31));
	t = tb_req("ImportUnencrypted");
	tb_map(&t, 1);
	tb_s(&t, "Ed25519");
	tb_s(&t, "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS");
	req_fails(&t, SIGIL_E_INVALID, "ImportUnencrypted.Ed25519: expected a byte string (got a text");
	t = tb_req("ImportUnencrypted");
	tb_map(&t, 2);
	tb_s(&t, "Ed25519");
	tb_b(&t, s31, 31);
	tb_s(&t, "Bls");
	tb_b(&t, s31, 31);
	req_fails(&t, SIGIL_E_INVALID, "of another size");
	t = tb_req("ImportUnencrypted");
	tb_map(&t, 1);
	tb_s(&t, "Dsa");
	tb_b(&t, s31, 31);
	req_fails(&t, SIGIL_E_INVALID, "ImportUnencrypted: unknown key type \"Dsa\"");
	t = tb_req("ImportUnencrypted");
	tb_map(&t, 1);
	tb_u(&t, 0);
	tb_b(&t, s31, 31);
	req_fails(&t, SIGIL_E_INVALID, "the key type is not a text string");
}

/* What was sent as a secret is never in an error. */
static void
test_errors_hold_no_secret(void **state)
{
	uint8_t s[40], *big;
	struct enclave_request r;
	char err[ENCLAVE_ERR_MAX];
	struct tb t;

	(void)state;
	memset(s, 'S', sizeof(s));
	for (size_t len = 0; len < sizeof(s); len++) {
		if (len == SIGIL_SECRET_LEN)
			continue;
		t = tb_req("ImportUnencrypted");
		tb_map(&t, 1);
		tb_s(&t, "Bls");
		tb_b(&t, s, len);
		assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), SIGIL_E_INVALID);
		assert_non_null(strstr(err, "ImportUnencrypted.Bls: expected 32 bytes"));
		assert_null(strstr(err, "SS"));
		free(t.p);
	}
	big = malloc(ENCLAVE_CRED_VALUE_MAX);
	assert_non_null(big);
	memset(big, 'S', ENCLAVE_CRED_VALUE_MAX);
	t = tb_req("Initialize");
	tb_map(&t, 1);
	tb_s(&t, "passphrase");
	tb_b(&t, big, ENCLAVE_CRED_VALUE_MAX);
	assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), SIGIL_E_TOO_BIG);
	assert_non_null(strstr(err, "passphrase"));
	assert_null(strstr(err, "SS"));
	free(t.p);
	free(big);
	/* Nor in the request, once it failed. */
	t = tb_req("Initialize");
	tb_map(&t, 2);
	tb_s(&t, "passphrase");
	tb_s(&t, "SSSSSSSS");
	tb_s(&t, "bad");
	TB_RAW(&t, 0x20);
	assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), SIGIL_E_INVALID);
	assert_null(strstr(err, "SS"));
	assert_int_equal(r.cred.n, 0);
	assert_null(memmem(&r, sizeof(r), "SS", 2));
	free(t.p);
	/* enclave_request_clear leaves nothing either. */
	t = tb_req("ImportUnencrypted");
	tb_map(&t, 1);
	tb_s(&t, "Bls");
	tb_b(&t, s, 32);
	assert_int_equal(req_decode(t.p, t.n, &r, err, sizeof(err)), 0);
	assert_non_null(memmem(r.secret, sizeof(r.secret), "SS", 2));
	enclave_request_clear(&r);
	assert_null(memmem(&r, sizeof(r), "SS", 2));
	free(t.p);
}

/* ---- replies ---- */

static void
rep_round_trip(enum enclave_op op, const struct enclave_reply *r)
{
	struct enclave_reply back;
	char err[ENCLAVE_ERR_MAX];
	uint8_t *buf;
	size_t n;
	int rc;

	assert_int_equal(enclave_reply_encode(op, r, &buf, &n), 0);
	rc = rep_decode(op, buf, n, &back, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: %s", enclave_op_name(op), err);
	assert_int_equal(back.ok, r->ok);
	assert_string_equal(back.message, r->message);
	assert_int_equal(back.has_public_key, r->has_public_key);
	assert_int_equal(back.has_sig, r->has_sig);
	assert_int_equal(back.has_handle, r->has_handle);
	assert_int_equal(back.has_blob, r->has_blob);
	if (r->has_public_key || r->has_sig)
		assert_int_equal(back.key_type, r->key_type);
	if (r->has_public_key) {
		assert_int_equal(back.pk_len, r->pk_len);
		assert_memory_equal(back.pk, r->pk, r->pk_len);
	}
	if (r->has_sig) {
		assert_int_equal(back.sig_len, r->sig_len);
		assert_memory_equal(back.sig, r->sig, r->sig_len);
	}
	if (r->has_handle)
		assert_int_equal(back.handle, r->handle);
	if (r->has_blob) {
		assert_int_equal(back.blob_len, r->blob_len);
		assert_memory_equal(back.blob, r->blob, r->blob_len);
	}
	free(buf);
}

static void
test_reply_round_trips(void **state)
{
	static const size_t pk[] = {32, 33, 33, 48, 32}, sig[] = {64, 64, 64, 96, 64};

	(void)state;
	for (int op = 1; op <= ENCLAVE_PROVE_POSSESSION; op++) {
		for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
			struct enclave_reply r = {.ok = true, .key_type = (enum sigil_key_type)t};
			bool fields = op == ENCLAVE_IMPORT || op == ENCLAVE_IMPORT_UNENCRYPTED ||
			              op == ENCLAVE_GENERATE || op == ENCLAVE_GENERATE_AND_IMPORT;

			r.has_sig = op == ENCLAVE_SIGN || op == ENCLAVE_SIGN_WITH ||
			            op == ENCLAVE_PROVE_POSSESSION;
			r.has_public_key = fields || op == ENCLAVE_PUBLIC_KEY || op == ENCLAVE_PUBLIC_KEY_FROM;
			r.has_handle = op == ENCLAVE_IMPORT || op == ENCLAVE_IMPORT_UNENCRYPTED ||
			               op == ENCLAVE_GENERATE_AND_IMPORT;
			r.has_blob = fields && op != ENCLAVE_IMPORT;
			r.pk_len = r.has_public_key ? pk[t] : 0;
			r.sig_len = r.has_sig ? sig[t] : 0;
			fill(r.pk, r.pk_len, (uint8_t)(op + t));
			fill(r.sig, r.sig_len, (uint8_t)(op * t));
			r.handle = t == 3 ? UINT64_MAX : (uint64_t)t;
			r.blob_len = t == 0 ? 1 : ENCLAVE_BLOB_MAX;
			fill(r.blob, r.blob_len, 5);
			if (!r.has_handle)
				r.handle = 0;
			if (!r.has_blob)
				r.blob_len = 0;
			rep_round_trip((enum enclave_op)op, &r);

			/* And the Err of every op. */
			memset(&r, 0, sizeof(r));
			snprintf(r.message, sizeof(r.message), "key %d: no such handle \xe2\x9c\x97", t);
			rep_round_trip((enum enclave_op)op, &r);
		}
	}
}

static void
test_reply_encode_refuses(void **state)
{
	struct enclave_reply r = {.ok = true};
	uint8_t *buf;
	size_t n;

	(void)state;
	assert_int_equal(enclave_reply_encode(ENCLAVE_OP_NONE, &r, &buf, &n), SIGIL_E_INVALID);
	assert_int_equal(enclave_reply_encode((enum enclave_op)99, &r, &buf, &n), SIGIL_E_INVALID);
	r.ok = false; /* an Err needs no op */
	assert_int_equal(enclave_reply_encode(ENCLAVE_OP_NONE, &r, &buf, &n), 0);
	free(buf);
	assert_int_equal(enclave_reply_encode((enum enclave_op)99, &r, &buf, &n), SIGIL_E_INVALID);
	r.ok = true;
	assert_int_equal(enclave_reply_encode(ENCLAVE_SIGN, &r, &buf, &n), SIGIL_E_INVALID);
	r.has_sig = true;
	r.sig_len = 96; /* Ed25519's is 64 */
	assert_int_equal(enclave_reply_encode(ENCLAVE_SIGN, &r, &buf, &n), SIGIL_E_INVALID);
	r.key_type = SIGIL_KEY_BLS;
	assert_int_equal(enclave_reply_encode(ENCLAVE_SIGN, &r, &buf, &n), 0);
	free(buf);
	r.key_type = (enum sigil_key_type)7;
	assert_int_equal(enclave_reply_encode(ENCLAVE_SIGN, &r, &buf, &n), SIGIL_E_INVALID);
	r = (struct enclave_reply){.ok = true, .has_public_key = true, .pk_len = 32};
	assert_int_equal(enclave_reply_encode(ENCLAVE_PUBLIC_KEY, &r, &buf, &n), 0);
	free(buf);
	assert_int_equal(enclave_reply_encode(ENCLAVE_IMPORT, &r, &buf, &n), SIGIL_E_INVALID);
	r.has_handle = true;
	assert_int_equal(enclave_reply_encode(ENCLAVE_IMPORT, &r, &buf, &n), 0);
	free(buf);
	assert_int_equal(enclave_reply_encode(ENCLAVE_GENERATE, &r, &buf, &n), SIGIL_E_INVALID);
	r.has_blob = true;
	assert_int_equal(enclave_reply_encode(ENCLAVE_GENERATE, &r, &buf, &n), SIGIL_E_INVALID);
	r.blob_len = ENCLAVE_BLOB_MAX + 1;
	assert_int_equal(enclave_reply_encode(ENCLAVE_GENERATE, &r, &buf, &n), SIGIL_E_INVALID);
	r.blob_len = 1;
	assert_int_equal(enclave_reply_encode(ENCLAVE_GENERATE, &r, &buf, &n), 0);
	free(buf);

	/* An Err that is not UTF-8 still goes out as text. */
	{
		struct enclave_reply back;
		char err[ENCLAVE_ERR_MAX];

		r = (struct enclave_reply){0};
		strcpy(r.message, "bad \xff\xfe key");
		assert_int_equal(enclave_reply_encode(ENCLAVE_SIGN, &r, &buf, &n), 0);
		assert_int_equal(rep_decode(ENCLAVE_SIGN, buf, n, &back, err, sizeof(err)), 0);
		assert_string_equal(back.message, "bad ?? key");
		free(buf);
	}
}

static void
test_bad_replies(void **state)
{
	uint8_t b[ENCLAVE_BLOB_MAX + 1] = {0};
	struct enclave_reply r;
	char err[ENCLAVE_ERR_MAX], big[2 * ENCLAVE_ERR_MAX + 88], says[96];
	struct tb t = {0};

	(void)state;
	/* No op: an Err (to a request that did not decode), never an Ok. */
	TB_RAW(&t, 0xa1, 0x62, 'O', 'k', 0xa0);
	rep_fails(ENCLAVE_OP_NONE, &t, SIGIL_E_INVALID, "reply: an Ok to no known request");
	TB_RAW(&t, 0xa1, 0x63, 'E', 'r', 'r', 0xa1, 0x67, 'm', 'e', 's', 's', 'a', 'g', 'e', 0x60);
	rep_fails((enum enclave_op)99, &t, SIGIL_E_INVALID, "a reply to no known request");
	TB_RAW(&t, 0xa1, 0x63, 'E', 'r', 'r', 0xa1, 0x67, 'm', 'e', 's', 's', 'a', 'g', 'e', 0x61, 'x');
	assert_int_equal(rep_decode(ENCLAVE_OP_NONE, t.p, t.n, &r, err, sizeof(err)), 0);
	assert_false(r.ok);
	assert_string_equal(r.message, "x");
	free(t.p), t = (struct tb){0};
	TB_RAW(&t, 0xa1, 0x62, 'O', 'k', 0xa0, 0x00);
	rep_fails(ENCLAVE_INITIALIZE, &t, SIGIL_E_INVALID, "after the CBOR item");
	TB_RAW(&t, 0xa1, 0x62, 'O', 'k', 0x80);
	rep_fails(ENCLAVE_INITIALIZE, &t, SIGIL_E_INVALID, "Initialize.Ok: expected a map (got an array)");
	TB_RAW(&t, 0xa1, 0x62, 'O', 'K', 0xa0);
	rep_fails(ENCLAVE_INITIALIZE, &t, SIGIL_E_INVALID, "expected \"Ok\" or \"Err\"");
	TB_RAW(&t, 0xa2, 0x62, 'O', 'k', 0xa0, 0x63, 'E', 'r', 'r', 0xa0);
	rep_fails(ENCLAVE_INITIALIZE, &t, SIGIL_E_INVALID, "reply: expected a map with one entry (got 2)");
	TB_RAW(&t, 0xa1, 0x42, 'O', 'k', 0xa0);
	rep_fails(ENCLAVE_INITIALIZE, &t, SIGIL_E_INVALID, "reply: the key is not a text string");

	/* Ok of the wrong shape for the op. */
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_s(&t, "Ed25519"), tb_b(&t, b, 64);
	rep_fails(ENCLAVE_PUBLIC_KEY, &t, SIGIL_E_INVALID,
	          "PublicKey.Ok.Ed25519: expected 32 bytes (got 64)");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_s(&t, "Bls"), tb_b(&t, b, 64);
	rep_fails(ENCLAVE_SIGN, &t, SIGIL_E_INVALID, "Sign.Ok.Bls: expected 96 bytes (got 64)");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_s(&t, "Secp256k1"), tb_b(&t, b, 32);
	rep_fails(ENCLAVE_PUBLIC_KEY_FROM, &t, SIGIL_E_INVALID, "expected 33 bytes (got 32)");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_s(&t, "NistP256"), tb_s(&t, "x");
	rep_fails(ENCLAVE_PROVE_POSSESSION, &t, SIGIL_E_INVALID, "expected a byte string");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_s(&t, "Rsa"), tb_b(&t, b, 64);
	rep_fails(ENCLAVE_SIGN_WITH, &t, SIGIL_E_INVALID, "SignWith.Ok: unknown key type \"Rsa\"");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_b(&t, b, 64);
	rep_fails(ENCLAVE_SIGN, &t, SIGIL_E_INVALID, "Sign.Ok: expected a map from one key type");

	/* Import, Generate and the rest: named fields. */
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_s(&t, "public_key"), tb_map(&t, 1);
	tb_s(&t, "Ed25519"), tb_b(&t, b, 32);
	rep_fails(ENCLAVE_IMPORT, &t, SIGIL_E_INVALID, "Import.Ok: missing \"handle\"");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 2), tb_s(&t, "public_key"), tb_map(&t, 1);
	tb_s(&t, "Ed25519"), tb_b(&t, b, 32), tb_s(&t, "handle"), tb_s(&t, "1");
	rep_fails(ENCLAVE_IMPORT, &t, SIGIL_E_INVALID, "Import.Ok.handle: expected an unsigned integer");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 2), tb_s(&t, "public_key"), tb_map(&t, 1);
	tb_s(&t, "Ed25519"), tb_b(&t, b, 32), tb_s(&t, "encrypted_private_key");
	tb_b(&t, b, ENCLAVE_BLOB_MAX + 1);
	snprintf(says, sizeof(says), "Generate.Ok.encrypted_private_key: %u bytes", ENCLAVE_BLOB_MAX + 1);
	rep_fails(ENCLAVE_GENERATE, &t, SIGIL_E_TOO_BIG, says);
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 2), tb_s(&t, "public_key"), tb_b(&t, b, 32);
	tb_s(&t, "encrypted_private_key"), tb_b(&t, b, 200);
	rep_fails(ENCLAVE_GENERATE, &t, SIGIL_E_INVALID, "Generate.Ok.public_key: expected a map");
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 1), tb_u(&t, 1), tb_u(&t, 1);
	rep_fails(ENCLAVE_GENERATE_AND_IMPORT, &t, SIGIL_E_INVALID, "a key is not a text string");
	/* An extra key is passed over. */
	tb_map(&t, 1), tb_s(&t, "Ok"), tb_map(&t, 3), tb_s(&t, "public_key"), tb_map(&t, 1);
	tb_s(&t, "Bls"), tb_b(&t, b, 48), tb_s(&t, "handle"), tb_u(&t, 9), tb_s(&t, "note"), tb_u(&t, 1);
	assert_int_equal(rep_decode(ENCLAVE_IMPORT, t.p, t.n, &r, err, sizeof(err)), 0);
	assert_true(r.ok && r.has_public_key && r.has_handle && !r.has_blob && !r.has_sig);
	assert_int_equal(r.key_type, SIGIL_KEY_BLS);
	assert_int_equal(r.handle, 9);
	free(t.p), t = (struct tb){0};

	/* Err: a text message, cut where a character starts. */
	tb_map(&t, 1), tb_s(&t, "Err"), tb_map(&t, 0);
	rep_fails(ENCLAVE_SIGN, &t, SIGIL_E_INVALID, "Err: missing \"message\"");
	tb_map(&t, 1), tb_s(&t, "Err"), tb_map(&t, 1), tb_s(&t, "message"), tb_b(&t, b, 3);
	rep_fails(ENCLAVE_SIGN, &t, SIGIL_E_INVALID, "Err.message: expected a text string (got a byte");
	tb_map(&t, 1), tb_s(&t, "Err"), tb_s(&t, "no");
	rep_fails(ENCLAVE_SIGN, &t, SIGIL_E_INVALID, "Err: expected a map (got a text string)");
	memset(big, 'a', sizeof(big));
	memcpy(big + ENCLAVE_ERR_MAX - 2, "\xe2\x9c\x97", 3); /* straddles the cut */
	big[sizeof(big) - 1] = '\0';
	tb_map(&t, 1), tb_s(&t, "Err"), tb_map(&t, 1), tb_s(&t, "message"), tb_s(&t, big);
	assert_int_equal(rep_decode(ENCLAVE_SIGN, t.p, t.n, &r, err, sizeof(err)), 0);
	assert_false(r.ok);
	assert_int_equal(strlen(r.message), ENCLAVE_ERR_MAX - 2);
	free(t.p);
}

/* ---- frames ---- */

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void
test_frame_round_trip(void **state)
{
	static const uint8_t msg[] = {0xa1, 0x69, 'P', 'u', 'b', 'l', 'i', 'c', 'K', 'e', 'y', 0x01};
	struct sigil_deadline dl = sigil_deadline_in(5000);
	uint8_t *got, hdr[16];
	size_t n;
	int sv[2];

	(void)state;
	pair(sv);
	/* On the wire: the length big-endian, then the body. */
	assert_int_equal(enclave_frame_write(sv[0], msg, sizeof(msg), &dl), 0);
	assert_int_equal(read(sv[1], hdr, sizeof(hdr)), 4 + sizeof(msg));
	assert_memory_equal(hdr, "\x00\x00\x00\x0c", 4);
	assert_memory_equal(hdr + 4, msg, sizeof(msg));
	assert_int_equal(enclave_frame_write(sv[0], msg, sizeof(msg), NULL), 0);
	assert_int_equal(enclave_frame_read(sv[1], ENCLAVE_FRAME_MAX, NULL, &got, &n), 0);
	assert_int_equal(n, sizeof(msg));
	assert_memory_equal(got, msg, n);
	free(got);

	/* An empty frame is a frame (its CBOR is what is wrong). */
	assert_int_equal(enclave_frame_write(sv[0], NULL, 0, &dl), 0);
	assert_int_equal(enclave_frame_read(sv[1], 16, &dl, &got, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(got);
	free(got);
	/* Exactly max. */
	assert_int_equal(enclave_frame_write(sv[0], msg, sizeof(msg), &dl), 0);
	assert_int_equal(enclave_frame_read(sv[1], sizeof(msg), &dl, &got, &n), 0);
	free(got);
	close(sv[0]);
	close(sv[1]);
}

struct pump {
	int fd;
	const uint8_t *p;
	size_t n, step;
	unsigned delay_us;
	int rc;
};

/* Writes p in pieces of step bytes, delay_us apart (raw, or framed when
 * step is 0). */
static void *
pump_write(void *arg)
{
	struct pump *w = arg;

	if (w->step == 0) {
		w->rc = enclave_frame_write(w->fd, w->p, w->n, NULL);
		return NULL;
	}
	for (size_t off = 0; off < w->n; off += w->step) {
		size_t k = w->n - off < w->step ? w->n - off : w->step;
		if (write(w->fd, w->p + off, k) != (ssize_t)k)
			w->rc = -1;
		usleep(w->delay_us);
	}
	return NULL;
}

/* The longest frame, between threads; a non-blocking reader fed a byte
 * at a time; a pipe. */
static void
test_frame_partial(void **state)
{
	uint8_t *big = malloc(ENCLAVE_FRAME_MAX), *got, slow[4 + 40];
	struct sigil_deadline dl = sigil_deadline_in(10000);
	struct pump w;
	pthread_t th;
	size_t n;
	int sv[2], pp[2];

	(void)state;
	assert_non_null(big);
	fill(big, ENCLAVE_FRAME_MAX, 1);
	pair(sv);
	w = (struct pump){.fd = sv[0], .p = big, .n = ENCLAVE_FRAME_MAX};
	assert_int_equal(pthread_create(&th, NULL, pump_write, &w), 0);
	assert_int_equal(enclave_frame_read(sv[1], ENCLAVE_FRAME_MAX, &dl, &got, &n), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_int_equal(n, ENCLAVE_FRAME_MAX);
	assert_memory_equal(got, big, n);
	free(got);

	/* Both ends non-blocking: the writer meets EAGAIN, the reader too. */
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	w = (struct pump){.fd = sv[0], .p = big, .n = ENCLAVE_FRAME_MAX};
	assert_int_equal(pthread_create(&th, NULL, pump_write, &w), 0);
	assert_int_equal(enclave_frame_read(sv[1], ENCLAVE_FRAME_MAX, &dl, &got, &n), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_memory_equal(got, big, n);
	free(got);
	memcpy(slow, "\x00\x00\x00\x28", 4);
	fill(slow + 4, 40, 2);
	w = (struct pump){.fd = sv[0], .p = slow, .n = sizeof(slow), .step = 1, .delay_us = 500};
	assert_int_equal(pthread_create(&th, NULL, pump_write, &w), 0);
	assert_int_equal(enclave_frame_read(sv[1], 64, &dl, &got, &n), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(n, 40);
	assert_memory_equal(got, slow + 4, 40);
	free(got);
	close(sv[0]);
	close(sv[1]);

	/* Not a socket: read and write plainly. */
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(enclave_frame_write(pp[1], slow + 4, 40, &dl), 0);
	assert_int_equal(enclave_frame_read(pp[0], 64, &dl, &got, &n), 0);
	assert_int_equal(n, 40);
	assert_memory_equal(got, slow + 4, 40);
	free(got);
	close(pp[0]);
	close(pp[1]);
	free(big);
}

static void
test_frame_too_big(void **state)
{
	uint8_t *got = (uint8_t *)"x", c = 0;
	size_t n = 1;
	int sv[2];

	(void)state;
	pair(sv);
	/* max + 1: refused on the length, the body left unread. */
	assert_int_equal(write(sv[0], "\x00\x00\x00\x11" "X", 5), 5);
	assert_int_equal(enclave_frame_read(sv[1], 16, NULL, &got, &n), SIGIL_E_TOO_BIG);
	assert_null(got);
	assert_int_equal(n, 0);
	assert_int_equal(read(sv[1], &c, 1), 1);
	assert_int_equal(c, 'X');
	/* Over ENCLAVE_FRAME_MAX whatever max says. */
	assert_int_equal(write(sv[0], "\x00\x10\x00\x01", 4), 4);
	assert_int_equal(enclave_frame_read(sv[1], SIZE_MAX, NULL, &got, &n), SIGIL_E_TOO_BIG);
	assert_int_equal(write(sv[0], "\xff\xff\xff\xff", 4), 4);
	assert_int_equal(enclave_frame_read(sv[1], SIZE_MAX, NULL, &got, &n), SIGIL_E_TOO_BIG);
	/* Nor is one written. */
	assert_int_equal(enclave_frame_write(sv[0], &c, ENCLAVE_FRAME_MAX + 1, NULL), SIGIL_E_TOO_BIG);
	close(sv[0]);
	close(sv[1]);
}

static void
test_frame_deadline(void **state)
{
	uint8_t *big = calloc(1, ENCLAVE_FRAME_MAX), *got;
	struct sigil_deadline dl;
	uint64_t t0;
	size_t n;
	int sv[2], small = 4096;

	(void)state;
	assert_non_null(big);
	pair(sv);
	/* A silent peer: 50 ms, not more. */
	t0 = sigil_monotonic_ms();
	dl = sigil_deadline_in(50);
	assert_int_equal(enclave_frame_read(sv[1], 64, &dl, &got, &n), SIGIL_E_TIMEOUT);
	assert_true(sigil_monotonic_ms() - t0 >= 45);
	assert_true(sigil_monotonic_ms() - t0 < 1000);
	assert_null(got);
	/* A peer that stops in the middle. */
	assert_int_equal(write(sv[0], "\x00\x00\x00\x10" "abc", 7), 7);
	t0 = sigil_monotonic_ms();
	dl = sigil_deadline_in(50);
	assert_int_equal(enclave_frame_read(sv[1], 64, &dl, &got, &n), SIGIL_E_TIMEOUT);
	assert_true(sigil_monotonic_ms() - t0 < 1000);
	assert_null(got);
	/* A deadline already gone. */
	dl.at_ms = 1;
	assert_int_equal(enclave_frame_read(sv[1], 64, &dl, &got, &n), SIGIL_E_TIMEOUT);
	assert_int_equal(enclave_frame_write(sv[0], big, 1, &dl), SIGIL_E_TIMEOUT);
	/* A peer that does not read, on a blocking socket: the write does not
	 * block past the deadline. */
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	t0 = sigil_monotonic_ms();
	dl = sigil_deadline_in(50);
	assert_int_equal(enclave_frame_write(sv[0], big, ENCLAVE_FRAME_MAX, &dl), SIGIL_E_TIMEOUT);
	assert_true(sigil_monotonic_ms() - t0 >= 45);
	assert_true(sigil_monotonic_ms() - t0 < 1000);
	close(sv[0]);
	close(sv[1]);
	free(big);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Signals arriving while waiting (EINTR) change nothing. */
static void
test_frame_eintr(void **state)
{
	static const uint8_t frame[] = {0, 0, 0, 2, 0xa0, 0xa0};
	struct sigaction sa = {.sa_handler = on_alarm}, old; /* no SA_RESTART */
	struct itimerval it = {{0, 2000}, {0, 2000}}, off = {{0, 0}, {0, 0}};
	struct sigil_deadline dl = sigil_deadline_in(5000);
	struct pump w;
	pthread_t th;
	uint8_t *got;
	size_t n;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	w = (struct pump){.fd = sv[0], .p = frame, .n = sizeof(frame), .step = 3, .delay_us = 30000};
	assert_int_equal(pthread_create(&th, NULL, pump_write, &w), 0);
	assert_int_equal(enclave_frame_read(sv[1], 16, &dl, &got, &n), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	assert_int_equal(n, 2);
	free(got);
	close(sv[0]);
	close(sv[1]);
}

static void
test_frame_eof(void **state)
{
	uint8_t *got = NULL;
	size_t n;
	int sv[2];

	(void)state;
	/* Before a frame: the peer is done. */
	pair(sv);
	close(sv[0]);
	assert_int_equal(enclave_frame_read(sv[1], 64, NULL, &got, &n), SIGIL_E_NOT_FOUND);
	close(sv[1]);
	/* Within the length. */
	pair(sv);
	assert_int_equal(write(sv[0], "\x00\x00", 2), 2);
	close(sv[0]);
	assert_int_equal(enclave_frame_read(sv[1], 64, NULL, &got, &n), SIGIL_E_IO);
	close(sv[1]);
	/* Within the body. */
	pair(sv);
	assert_int_equal(write(sv[0], "\x00\x00\x00\x08" "abc", 7), 7);
	close(sv[0]);
	assert_int_equal(enclave_frame_read(sv[1], 64, NULL, &got, &n), SIGIL_E_IO);
	assert_null(got);
	close(sv[1]);
	/* Writing to a peer that went away: SIGIL_E_IO, and no SIGPIPE (it
	 * would end this test). */
	pair(sv);
	close(sv[1]);
	assert_int_equal(enclave_frame_write(sv[0], (const uint8_t *)"abc", 3, NULL), SIGIL_E_IO);
	close(sv[0]);
	/* A closed fd. */
	assert_int_equal(enclave_frame_read(sv[0], 64, NULL, &got, &n), SIGIL_E_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_request_round_trips),
		cmocka_unit_test(test_request_encode_refuses),
		cmocka_unit_test(test_bls_secret_order),
		cmocka_unit_test(test_fixed_vectors),
		cmocka_unit_test(test_bad_framing),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_sign_fields),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_credentials_and_secrets),
		cmocka_unit_test(test_errors_hold_no_secret),
		cmocka_unit_test(test_reply_round_trips),
		cmocka_unit_test(test_reply_encode_refuses),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_frame_partial),
		cmocka_unit_test(test_frame_too_big),
		cmocka_unit_test(test_frame_deadline),
		cmocka_unit_test(test_frame_eintr),
		cmocka_unit_test(test_frame_eof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
