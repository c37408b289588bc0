/* sigil's watermark documents (watermark/json.h): a store's marks written
 * and read back (the same bytes on a second export), and every way a file
 * can be wrong refused whole: truncated, oversized, wrong format, version,
 * type or range, duplicates, labels that do not match. A lower mark in a
 * file never lowers the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit_util.h"
#include "wm_testlib.h"
#include "watermark/json.h"

/* A labeller for the tests: ids whose network starts with 0x7a are "test"
 * marks, with the network and the key's first byte as text. */
static int
lab(void *arg, const struct wm_id *id, struct wm_json_label *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	if (id->chain_id[0] != 0x7a)
		return SIGIL_E_NOT_FOUND;
	snprintf(out->chain, sizeof(out->chain), "test");
	snprintf(out->chain_id, sizeof(out->chain_id), "net-%02x", id->chain_id[3]);
	snprintf(out->address, sizeof(out->address), "k%02x%02x", id->key[0], id->key[1]);
	return 0;
}

static struct wm_id
jid(uint8_t net0, uint8_t net3, uint8_t keyfill, enum wm_kind kind)
{
	struct wm_id id;
	memset(&id, 0, sizeof(id));
	id.chain_id[0] = net0;
	id.chain_id[3] = net3;
	memset(id.key, keyfill, sizeof(id.key));
	id.kind = kind;
	return id;
}

static struct wm_mark
jmark(int32_t level, int32_t round, int digest, size_t siglen)
{
	struct wm_mark m;
	memset(&m, 0, sizeof(m));
	m.level = level;
	m.round = round;
	if (digest >= 0) {
		memset(m.digest, digest, sizeof(m.digest));
		m.has_digest = true;
	}
	memset(m.sig, 0x5a, siglen);
	m.sig_len = siglen;
	return m;
}

/* A store with marks of two networks (one the labeller knows), three
 * kinds, with and without digest and signature, set in no sorted order. */
static void
fill(struct wm_store *s)
{
	struct {
		struct wm_id id;
		struct wm_mark m;
	} v[] = {
		{jid(0x7a, 2, 0x22, WM_ATTESTATION), jmark(100, 0, 0xab, 0)},
		{jid(0x01, 1, 0x11, WM_BLOCK), jmark(7, 3, -1, 0)},
		{jid(0x7a, 2, 0x22, WM_BLOCK), jmark(99, 2, 0xcd, 64)},
		{jid(0x7a, 1, 0x33, WM_PREATTESTATION), jmark(INT32_MAX, INT32_MAX, 0x01, 96)},
		{jid(0x7a, 2, 0x11, WM_BLOCK), jmark(0, 0, -1, 0)},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(s->ops->set(s, &v[i].id, &v[i].m, NULL), 0);
}

static char *
export_of(struct wm_store *s, size_t *len, size_t *n)
{
	struct wm_json_list l;
	char *text;
	assert_int_equal(wm_json_collect(s, &l), 0);
	*n = l.n;
	assert_int_equal(wm_json_write(&l, lab, NULL, &text, len), 0);
	wm_json_list_free(&l);
	return text;
}

static void
test_round_trip(void **state)
{
	(void)state;
	char *d1 = mkstore(), *d2 = mkstore();
	struct wm_store *s1, *s2;
	struct wm_json_list l;
	char err[256];
	size_t len1, len2, n, set, kept;

	assert_int_equal(wm_file_open(d1, &s1), 0);
	assert_int_equal(wm_file_open(d2, &s2), 0);
	fill(s1);
	char *t1 = export_of(s1, &len1, &n);
	assert_int_equal(n, 5);
	/* Sorted: network 01… first, then 7a…01, then 7a…02 by key, kind. */
	const char *a = strstr(t1, "\"network\": \"01000001\"");
	const char *b = strstr(t1, "\"network\": \"7a000001\"");
	const char *c = strstr(t1, "\"key\": \"111111");
	const char *e = strstr(t1, "\"key\": \"222222");
	assert_true(a && b && c && e && a < b && b < strstr(b + 1, "7a000002") && c < e);
	assert_non_null(strstr(t1, "{\"chain\": \"test\", \"chain_id\": \"net-02\", \"address\": "
	                           "\"k2222\", \"kind\": \"attestation\", \"level\": 100"));
	assert_null(strstr(t1, "\"address\": \"k1111\", \"kind\": \"block\", \"level\": 7"));
	/* Read back: the same marks, field for field. */
	assert_int_equal(wm_json_read(t1, len1, lab, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < l.n; i++) {
		struct wm_mark m;
		assert_int_equal(s1->ops->get(s1, &l.v[i].id, &m, NULL), 0);
		assert_int_equal(m.level, l.v[i].mark.level);
		assert_int_equal(m.round, l.v[i].mark.round);
		assert_int_equal(m.has_digest, l.v[i].mark.has_digest);
		assert_int_equal(m.sig_len, l.v[i].mark.sig_len);
		assert_memory_equal(m.sig, l.v[i].mark.sig, m.sig_len);
		if (m.has_digest)
			assert_memory_equal(m.digest, l.v[i].mark.digest, 32);
	}
	/* Into a fresh store, and out again: the same bytes. */
	assert_int_equal(wm_json_raise(s2, &l, &set, &kept), 0);
	assert_int_equal(set, 5);
	assert_int_equal(kept, 0);
	char *t2 = export_of(s2, &len2, &n);
	assert_int_equal(len1, len2);
	assert_memory_equal(t1, t2, len1);
	/* A second import changes nothing. */
	assert_int_equal(wm_json_raise(s2, &l, &set, &kept), 0);
	assert_int_equal(set, 0);
	assert_int_equal(kept, 5);
	wm_json_list_free(&l);
	free(t1);
	free(t2);
	s1->ops->close(s1);
	s2->ops->close(s2);
	rmstore(d1);
	rmstore(d2);
}

static void
test_empty_store(void **state)
{
	(void)state;
	char *d = mkstore(), *t, err[256];
	struct wm_store *s;
	struct wm_json_list l;
	size_t len, n;

	assert_int_equal(wm_file_open(d, &s), 0);
	t = export_of(s, &len, &n);
	assert_string_equal(t, "{\"format\": \"sigil-watermarks\", \"version\": 1, \"marks\": [\n]}\n");
	assert_int_equal(wm_json_read(t, len, NULL, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	free(t);
	s->ops->close(s);
	rmstore(d);
}

/* A lower (or equal) mark in a file leaves the store's as it is; a higher
 * one of another id in the same file is still set. */
static void
test_lower_never_lowers(void **state)
{
	(void)state;
	char *d = mkstore(), err[256];
	struct wm_store *s;
	struct wm_json_list l;
	struct wm_id id = jid(0x7a, 2, 0x22, WM_BLOCK), id2 = jid(0x7a, 2, 0x22, WM_ATTESTATION);
	struct wm_mark m = jmark(100, 5, 0xab, 64), got;
	size_t set, kept;
	static const char doc[] =
		"{\"format\": \"sigil-watermarks\", \"version\": 1, \"marks\": [\n"
		"{\"kind\": \"block\", \"level\": 100, \"round\": 4, \"network\": \"7a000002\", "
		"\"key\": \"222222222222222222222222222222222222222222\"},\n"
		"{\"kind\": 0, \"level\": 50, \"round\": 9, \"network\": \"7a000003\", "
		"\"key\": \"222222222222222222222222222222222222222222\"},\n"
		"{\"kind\": \"attestation\", \"level\": 3, \"round\": 0, \"network\": \"7a000002\", "
		"\"key\": \"222222222222222222222222222222222222222222\"}\n]}";

	assert_int_equal(wm_file_open(d, &s), 0);
	assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
	m.level = 10;
	assert_int_equal(s->ops->set(s, &id2, &m, NULL), 0);
	assert_int_equal(wm_json_read(doc, strlen(doc), lab, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(wm_json_raise(s, &l, &set, &kept), 0);
	assert_int_equal(set, 1); /* the other network's block */
	assert_int_equal(kept, 2);
	assert_int_equal(s->ops->get(s, &id, &got, NULL), 0);
	assert_int_equal(got.level, 100);
	assert_int_equal(got.round, 5);
	assert_int_equal(got.sig_len, 64); /* the stored signature stays too */
	assert_int_equal(s->ops->get(s, &id2, &got, NULL), 0);
	assert_int_equal(got.level, 10);
	wm_json_list_free(&l);
	s->ops->close(s);
	rmstore(d);
}

#define HEAD "{\"format\": \"sigil-watermarks\", \"version\": 1, \"marks\": ["
#define KEY "\"key\": \"222222222222222222222222222222222222222222\""
#define NET "\"network\": \"7a000002\""
#define GOOD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", " KEY "}"

static void
refused(const char *doc, int want_rc, const char *want_err)
{
	struct wm_json_list l = {(void *)1, 7, 7};
	char err[256];
	void *map;
	size_t maplen, len = strlen(doc);
	/* Flush against a PROT_NONE page: one byte read past len crashes. */
	char *p = flush_copy(doc, len, &map, &maplen);
	int rc = wm_json_read(p, len, lab, NULL, &l, err, sizeof(err));
	if (rc != want_rc || strstr(err, want_err) == NULL)
		fail_msg("%s\n  gave %d \"%s\", wanted %d \"%s\"", doc, rc, err, want_rc, want_err);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
	for (char *q = err; *q; q++)
		assert_true((unsigned char)*q >= 0x20 && *q != 0x7f);
	munmap(map, maplen);
}

static void
test_wrong_tag_and_type(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		int rc;
		const char *err;
	} cases[] = {
		{"[]", SIGIL_E_INVALID, "document: not a JSON object"},
		{"{\"marks\": []}", SIGIL_E_INVALID, "format: missing"},
		{"{\"format\": \"sigil-marks\", \"version\": 1, \"marks\": []}", SIGIL_E_UNSUPPORTED,
		 "format: not sigil-watermarks"},
		{"{\"format\": 7, \"version\": 1, \"marks\": []}", SIGIL_E_UNSUPPORTED, "format"},
		{"{\"format\": \"sigil-watermarks\", \"version\": 2, \"marks\": []}",
		 SIGIL_E_UNSUPPORTED, "version: 2: this sigil reads version 1"},
		{"{\"format\": \"sigil-watermarks\", \"version\": \"1\", \"marks\": []}",
		 SIGIL_E_INVALID, "version: missing or not a number"},
		{"{\"format\": \"sigil-watermarks\", \"version\": 1}", SIGIL_E_INVALID,
		 "marks: missing"},
		{"{\"format\": \"sigil-watermarks\", \"version\": 1, \"marks\": {}}", SIGIL_E_INVALID,
		 "marks: not an array"},
		{"{\"format\": \"sigil-watermarks\", \"version\": 1, \"marks\": [], \"x\": 1}",
		 SIGIL_E_INVALID, "document: unknown field \"x\""},
		{HEAD "5]}", SIGIL_E_INVALID, "marks[0]: not an object"},
		{HEAD GOOD ", {\"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", " KEY
		       ", \"lvl\": 2}]}", SIGIL_E_INVALID, "marks[1]: unknown field \"lvl\""},
		{HEAD "{\"kind\": \"bake\", \"level\": 1, \"round\": 0, " NET ", " KEY "}]}",
		 SIGIL_E_INVALID, "marks[0].kind: is not block"},
		{HEAD "{\"kind\": 3, \"level\": 1, \"round\": 0, " NET ", " KEY "}]}", SIGIL_E_INVALID,
		 "marks[0].kind"},
		{HEAD "{\"kind\": \"block\", \"level\": 2147483648, \"round\": 0, " NET ", " KEY "}]}",
		 SIGIL_E_INVALID, "marks[0].level: is not a 32-bit integer"},
		{HEAD "{\"kind\": \"block\", \"level\": 1.0, \"round\": 0, " NET ", " KEY "}]}",
		 SIGIL_E_INVALID, "marks[0].level"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": -2147483649, " NET ", " KEY "}]}",
		 SIGIL_E_INVALID, "marks[0].round"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": null, " NET ", " KEY "}]}",
		 SIGIL_E_INVALID, "marks[0].round"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, " NET ", " KEY "}]}", SIGIL_E_INVALID,
		 "marks[0].round: missing"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, \"network\": \"7a0000\", " KEY
		       "}]}", SIGIL_E_INVALID, "marks[0].network: is not 4 bytes of hex"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, \"network\": \"7a00000g\", " KEY
		       "}]}", SIGIL_E_INVALID, "marks[0].network"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", \"key\": \"22\"}]}",
		 SIGIL_E_INVALID, "marks[0].key: is not 21 bytes of hex"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", " KEY
		       ", \"digest\": \"abab\"}]}", SIGIL_E_INVALID, "marks[0].digest"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", " KEY
		       ", \"signature\": \"5a5a\"}]}", SIGIL_E_INVALID,
		 "marks[0]: a signature without its digest"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", " KEY
		       ", \"signature\": \"\"}]}", SIGIL_E_INVALID, "marks[0].signature"},
		{HEAD GOOD ", " GOOD "]}", SIGIL_E_INVALID, "marks: network 7a000002, key 2222"},
		{HEAD "{\"kind\": \"block\", \"level\": 1, \"level\": 9, \"round\": 0, " NET ", " KEY
		       "}]}", SIGIL_E_INVALID, "document: not JSON"},
		{HEAD "{\"address\": \"k2223\", \"kind\": \"block\", \"level\": 1, \"round\": 0, " NET
		       ", " KEY "}]}", SIGIL_E_INVALID,
		 "marks[0].address: does not match the network and key, which are k2222 on net-02"},
		{HEAD "{\"chain\": \"test\", \"kind\": \"block\", \"level\": 1, \"round\": 0, "
		       "\"network\": \"01000002\", " KEY "}]}", SIGIL_E_INVALID,
		 "marks[0]: it names a chain"},
		{HEAD "{\"chain\": \"\", \"kind\": \"block\", \"level\": 1, \"round\": 0, " NET ", " KEY
		       "}]}", SIGIL_E_INVALID, "marks[0].chain: is not a short string"},
		{HEAD "{\"chain\": \"a\x01" "b\", \"kind\": 1, \"level\": 1, \"round\": 0, " NET ", " KEY
		       "}]}", SIGIL_E_INVALID, "document: not JSON"},
		{HEAD "{\"x\\u0007y\": 1}]}", SIGIL_E_INVALID, "marks[0]: unknown field \"x?y\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refused(cases[i].doc, cases[i].rc, cases[i].err);
}

/* Every proper prefix of a good document is refused, none read past. */
static void
test_truncated(void **state)
{
	(void)state;
	static const char doc[] = HEAD "\n{\"chain\": \"test\", \"chain_id\": \"net-02\", "
	                          "\"address\": \"k2222\", \"kind\": \"preattestation\", "
	                          "\"level\": 12, \"round\": 3, " NET ", " KEY ", \"digest\": \""
	                          "abababababababababababababababababababababababababababababababab"
	                          "\", \"signature\": \"5a5a5a\"}\n]}\n";
	struct wm_json_list l;
	char err[256], *buf;
	void *map;
	size_t maplen;

	assert_int_equal(wm_json_read(doc, strlen(doc), lab, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].id.kind, WM_PREATTESTATION);
	assert_int_equal(l.v[0].mark.sig_len, 3);
	wm_json_list_free(&l);
	/* Up to the closing brace: the trailing newline alone may go. */
	for (size_t n = 0; n < strlen(doc) - 1; n++) {
		buf = flush_copy(doc, n, &map, &maplen);
		int rc = wm_json_read(buf, n, lab, NULL, &l, err, sizeof(err));
		if (rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_INVALID)
			fail_msg("prefix of %zu bytes gave %d", n, rc);
		assert_null(l.v);
		munmap(map, maplen);
	}
}

static void
test_oversized(void **state)
{
	(void)state;
	struct wm_json_list l;
	char err[256];
	size_t n = WM_JSON_MAX_BYTES + 1;
	char *big = calloc(1, n);

	assert_non_null(big);
	assert_int_equal(wm_json_read(big, n, lab, NULL, &l, err, sizeof(err)), SIGIL_E_TOO_BIG);
	assert_non_null(strstr(err, "over"));
	free(big);

	/* One mark too many, each an empty object: refused by count before any
	 * is looked at. */
	size_t cap = strlen(HEAD) + 3 * (WM_JSON_MAX_MARKS + 1) + 8, len;
	char *doc = malloc(cap);
	assert_non_null(doc);
	len = (size_t)snprintf(doc, cap, "%s", HEAD);
	for (size_t i = 0; i <= WM_JSON_MAX_MARKS; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%s{}", i ? "," : "");
	len += (size_t)snprintf(doc + len, cap - len, "]}");
	assert_int_equal(wm_json_read(doc, len, lab, NULL, &l, err, sizeof(err)), SIGIL_E_TOO_BIG);
	assert_non_null(strstr(err, "marks: more than 65536 marks"));
	assert_null(l.v);
	free(doc);

	/* A string past its field's length. */
	char addr[256];
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	char d2[600];
	snprintf(d2, sizeof(d2), HEAD "{\"address\": \"%s\", \"kind\": 0, \"level\": 1, "
	         "\"round\": 0, " NET ", " KEY "}]}", addr);
	refused(d2, SIGIL_E_INVALID, "marks[0].address: is not a short string");
	snprintf(d2, sizeof(d2), HEAD "{\"kind\": 0, \"level\": 1, \"round\": 0, " NET ", " KEY
	         ", \"digest\": \"%064d\", \"signature\": \"%0194d\"}]}", 0, 0);
	refused(d2, SIGIL_E_INVALID, "marks[0].signature: is not 1 to 96 bytes of hex");
}

/* The writer refuses what the reader would: a signature without digest. */
static void
test_write_refuses_bad_mark(void **state)
{
	(void)state;
	struct wm_json_list l = {0};
	struct wm_json_entry e;
	char *t = (char *)1;
	size_t len = 9;

	memset(&e, 0, sizeof(e));
	e.mark.sig_len = 64;
	l.v = &e;
	l.n = l.cap = 1;
	assert_int_equal(wm_json_write(&l, NULL, NULL, &t, &len), SIGIL_E_INVALID);
	assert_null(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_store),
		cmocka_unit_test(test_lower_never_lowers),
		cmocka_unit_test(test_wrong_tag_and_type),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_write_refuses_bad_mark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
