/* PSBT version 0 (chain/bitcoin/psbt.h).
 *
 * BIP-174's vectors (bip174_vectors.txt): each invalid one refused, for
 * the reason its case names; each valid one parsed and written back byte
 * for byte. Then: every prefix of a valid PSBT refused, flush against an
 * unreadable page; a non_witness_utxo whose txid is not the prevout's; a
 * version other than 0; PSBTv2's fields; the input ceiling; unknown and
 * proprietary records kept in place; base64 both ways; records set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/errors.h"
#include "chain/bitcoin/psbt.h"
#include "../unit_util.h"

struct vec {
	bool valid;
	char word[32];
	uint8_t *b;
	size_t n;
};

static struct vec vecs[64];
static size_t n_vecs;

static int
load(void **state)
{
	char path[1024], *line = NULL;
	const char *src = getenv("SIGIL_SOURCE_DIR");
	size_t cap = 0;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/unit/bitcoin/bip174_vectors.txt", src ? src : ".");
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (getline(&line, &cap, fp) > 0 && n_vecs < 64) {
		struct vec *v = &vecs[n_vecs];
		char *hex, *tok;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tok = strtok(line, " ");
		v->valid = strcmp(tok, "valid") == 0;
		if (!v->valid)
			snprintf(v->word, sizeof(v->word), "%s", strtok(NULL, " "));
		hex = strtok(NULL, " ");
		v->b = malloc(strlen(hex) / 2 + 1);
		v->n = unhex(hex, v->b, strlen(hex) / 2);
		n_vecs++;
	}
	free(line);
	fclose(fp);
	return 0;
}

static int
unload(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++)
		free(vecs[i].b);
	return 0;
}

/* Parses b flush against an unreadable page. */
static int
parse(const uint8_t *b, size_t n, struct btc_psbt **p, char *reason, size_t cap)
{
	void *map;
	size_t ml;
	const uint8_t *c = (const uint8_t *)flush_copy(b, n, &map, &ml);
	int rc = btc_psbt_parse(c, n, p, reason, cap);

	munmap(map, ml);
	return rc;
}

static void
test_bip174(void **state)
{
	size_t valid = 0, invalid = 0;

	(void)state;
	assert_true(n_vecs >= 20);
	for (size_t i = 0; i < n_vecs; i++) {
		struct btc_psbt *p = NULL;
		char reason[BTC_PSBT_REASON];
		uint8_t *out;
		size_t n;
		int rc = parse(vecs[i].b, vecs[i].n, &p, reason, sizeof(reason));

		if (!vecs[i].valid) {
			if (rc == 0 || strstr(reason, vecs[i].word) == NULL)
				fail_msg("vector %zu: %d '%s', expected a refusal naming '%s'", i, rc, reason,
				         vecs[i].word);
			assert_null(p);
			invalid++;
			continue;
		}
		if (rc != 0)
			fail_msg("vector %zu: %d %s", i, rc, reason);
		assert_int_equal(btc_psbt_write(p, &out, &n), 0);
		assert_int_equal(n, vecs[i].n);
		assert_memory_equal(out, vecs[i].b, n);
		free(out);
		btc_psbt_free(p);
		valid++;
	}
	assert_int_equal(invalid, 15);
	assert_int_equal(valid, 8);
}

static void
test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		if (!vecs[i].valid)
			continue;
		for (size_t k = 0; k < vecs[i].n; k++) {
			struct btc_psbt *p = NULL;
			char reason[BTC_PSBT_REASON];
			int rc = parse(vecs[i].b, k, &p, reason, sizeof(reason));

			assert_true(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID);
			assert_null(p);
			assert_true(reason[0] != '\0');
		}
	}
}

/* The valid vector whose input 0 starts with a non_witness_utxo: magic,
 * the 0xa0-byte unsigned tx record, the global separator, then 01 00 df. */
static const struct vec *
with_nwu(void)
{
	for (size_t i = 0; i < n_vecs; i++)
		if (vecs[i].valid && vecs[i].n > 200 && vecs[i].b[7] == 0xa0 &&
		    memcmp(vecs[i].b + 8 + 0xa0, "\x00\x01\x00\xdf", 4) == 0)
			return &vecs[i];
	return NULL;
}

static void
test_nwu(void **state)
{
	const struct vec *v = with_nwu();
	char reason[BTC_PSBT_REASON];
	struct btc_psbt *p;
	uint8_t *b;

	(void)state;
	assert_non_null(v);
	assert_int_equal(parse(v->b, v->n, &p, reason, sizeof(reason)), 0);
	assert_true(p->in[0].has_nwu);
	assert_int_equal(p->in[0].amount, 99999699); /* output 0 of the utxo, P2PKH */
	assert_int_equal(p->in[0].script_len, 25);
	assert_true(p->in[1].has_wu);
	assert_false(p->in[1].has_nwu);
	btc_psbt_free(p);
	/* One byte of the utxo's version changed: its txid is another. */
	b = malloc(v->n);
	memcpy(b, v->b, v->n);
	b[8 + 0xa0 + 4] ^= 1;
	assert_int_equal(parse(b, v->n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "txid"));
	free(b);
}

/* A minimal PSBT: one input, one output, then the records given. */
static size_t
build(uint8_t *out, const char *global_extra, const char *in_extra, const char *out_extra)
{
	char hex[4096];

	snprintf(hex, sizeof(hex),
	         "70736274ff" "01003c" "02000000" "01" "%064x" "00000000" "00" "ffffffff" "01"
	         "e803000000000000" "00" "00000000" "%s00" "%s00" "%s00",
	         1, global_extra, in_extra, out_extra);
	return unhex(hex, out, 2048);
}

static void
test_records(void **state)
{
	uint8_t b[2048], *out;
	char reason[BTC_PSBT_REASON];
	struct btc_psbt *p;
	size_t n, m;

	(void)state;
	/* The skeleton parses; the version record 0 is accepted. */
	n = build(b, "01fb0400000000", "", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), 0);
	btc_psbt_free(p);
	/* Version 1: not this parser's. */
	n = build(b, "01fb0401000000", "", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_UNSUPPORTED);
	/* PSBTv2 fields in a version 0 PSBT. */
	n = build(b, "01020402000000", "", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	n = build(b, "", "010e20" "0000000000000000000000000000000000000000000000000000000000000000", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	n = build(b, "", "", "0103080000000000000000");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	/* Taproot records: a 63-byte key signature, a 31-byte internal key. */
	n = build(b, "", "01133f" "00000000000000000000000000000000000000000000000000000000000000"
	                 "00000000000000000000000000000000000000000000000000000000000000"
	                 "000000",
	          "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	n = build(b, "", "01171f" "00000000000000000000000000000000000000000000000000000000000000", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	/* A 65-byte tap_key_sig whose type byte is DEFAULT is no valid form. */
	n = build(b, "", "011341" "0101010101010101010101010101010101010101010101010101010101010101"
	                 "0101010101010101010101010101010101010101010101010101010101010101" "00",
	          "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	/* Unknown and proprietary records everywhere stay in their places. */
	n = build(b, "02f0010102" "06fc03666f6f000100",
	          "03fd010001ff" "037e7e7e00" "0113" "40"
	          "0101010101010101010101010101010101010101010101010101010101010101"
	          "0101010101010101010101010101010101010101010101010101010101010101",
	          "01f700");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), 0);
	assert_true(p->in[0].has_tap_key_sig);
	assert_int_equal(btc_psbt_write(p, &out, &m), 0);
	assert_int_equal(m, n);
	assert_memory_equal(out, b, n);
	free(out);
	/* A record set twice: replaced, not added. */
	assert_int_equal(btc_psbt_in_set(p, 0, (const uint8_t *)"\xf0\x01", 2, (const uint8_t *)"ab", 2), 0);
	assert_int_equal(btc_psbt_in_set(p, 0, (const uint8_t *)"\xf0\x01", 2, (const uint8_t *)"cd", 2), 0);
	assert_int_equal(p->in[0].map.n, 4);
	assert_memory_equal(btc_psbt_in_get(p, 0, (const uint8_t *)"\xf0\x01", 2)->val, "cd", 2);
	assert_int_equal(btc_psbt_in_set(p, 1, (const uint8_t *)"\xf0", 1, NULL, 0), SIGIL_E_INVALID);
	btc_psbt_free(p);
	/* Two records with one key in the global map. */
	n = build(b, "01f00101" "01f00102", "", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "duplicate"));
	/* A key past the ceiling. */
	n = build(b, "fd0104", "", "");
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_TOO_BIG);
	/* Trailing bytes after the last map. */
	n = build(b, "", "", "");
	b[n++] = 0;
	assert_int_equal(parse(b, n, &p, reason, sizeof(reason)), SIGIL_E_INVALID);
}

static void
test_ceiling(void **state)
{
	size_t n_in = BTC_PSBT_MAX_IO + 1, len = 0;
	uint8_t *b = calloc(1, 64 + n_in * 42);
	char reason[BTC_PSBT_REASON];
	struct btc_psbt *p;
	size_t txlen = 4 + 3 + n_in * 41 + 1 + 4;

	(void)state;
	memcpy(b, "psbt\xff\x01\x00\xfd", 8);
	len = 8;
	b[len++] = (uint8_t)txlen;
	b[len++] = (uint8_t)(txlen >> 8);
	memcpy(b + len, "\x02\x00\x00\x00\xfd", 5);
	len += 5;
	b[len++] = (uint8_t)n_in;
	b[len++] = (uint8_t)(n_in >> 8);
	for (size_t i = 0; i < n_in; i++) {
		b[len] = (uint8_t)i; /* distinct prevouts; empty scripts */
		len += 41;
	}
	len += 5; /* no outputs, locktime 0 */
	b[len++] = 0; /* the global map ends */
	assert_int_equal(parse(b, len, &p, reason, sizeof(reason)), SIGIL_E_TOO_BIG);
	free(b);
}

static void
test_base64(void **state)
{
	uint8_t *bin;
	char *text;
	size_t n;

	(void)state;
	for (size_t i = 0; i < n_vecs; i++) {
		assert_int_equal(btc_psbt_to_base64(vecs[i].b, vecs[i].n, &text), 0);
		assert_int_equal(btc_psbt_from_base64(text, strlen(text), &bin, &n), 0);
		assert_int_equal(n, vecs[i].n);
		assert_memory_equal(bin, vecs[i].b, n);
		free(bin);
		free(text);
	}
	/* BIP-174's own base64 of its smallest valid vector. */
	assert_int_equal(btc_psbt_from_base64("cHNidP8BAAoAAAAAAAAAAAAAAA==", 28, &bin, &n), 0);
	assert_int_equal(n, 19);
	free(bin);
	/* Not canonical: padding bits set, no padding, a stray character. */
	assert_int_equal(btc_psbt_from_base64("cHNidP8BAAoAAAAAAAAAAAAAAB==", 28, &bin, &n), SIGIL_E_INVALID);
	assert_int_equal(btc_psbt_from_base64("cHNidP8BAAoAAAAAAAAAAAAAAA", 26, &bin, &n), SIGIL_E_INVALID);
	assert_int_equal(btc_psbt_from_base64("cHNidP8BAAoAAAAAAAAAAAAA*A==", 28, &bin, &n), SIGIL_E_INVALID);
	assert_null(bin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bip174),  cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_nwu),     cmocka_unit_test(test_records),
		cmocka_unit_test(test_ceiling), cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
