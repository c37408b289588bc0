/* The file vault's key management (vault.h: public_key, generate, import,
 * delete_key; file.h) and its recovery ids (vault_sig.recid).
 *
 * The known secrets and public keys are test_sig.c's: RFC 8032 section
 * 7.1 test 1 for Ed25519, @taquito/signer 24.2.0 for secp256k1 and P-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "../unit_util.h"
#include "vault/file/file.h"
#include "vault/vault.h"

#include "vault_testlib.h"

static const char *const ED_SK = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const ED_PK = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char *const SP_SK = "48f0040f7e58ccff23712e24785dd2b4f6ed755b447715b9c7885ec09c4feb6b";
static const char *const SP_PK = "031d932d5fe8f0c1f07a853b6bb3c4a0291101041a6ce30a0a6f9b96f2c6c987ca";
static const char *const P2_SK = "e32edcd0454aaf3b5d1c32e2593108e2ce3e2ad7fef35379747f3390499e9c02";
static const char *const P2_PK = "03d159e238d1d0bc5a827f055df54df2bc5a3064a77b7e259bd4a901207f136502";
/* blake2b-256 of 03a1a1a1a1a1a1a1a16c000102030405060708090a and taquito's
 * secp256k1 signature of it with SP_SK. */
static const char *const DIGEST = "67a36f93523394c20a6c6f6a7b074d53ba39e198e47fbdf47c570fb1065c0e34";
static const char *const SP_SIG =
	"04391137c846b93529609155aa94833852a683f73cdb73826bc380dfcf4d909d"
	"47968494958f12366264199791217f5556187f951f1dc64b00cfe0b7ecd008c9";

#define PASS "manage pass"

static char dir[64], path[128], path2[128];

static int
setup(void **state)
{
	(void)state;
	tl_tmpdir("/tmp/sigil-manage-XXXXXX", dir, sizeof(dir), path, sizeof(path));
	snprintf(path2, sizeof(path2), "%s/other.json", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tl_rmdir(dir);
}

static void
seed(uint8_t sk[32], uint8_t v)
{
	for (int i = 0; i < 32; i++)
		sk[i] = (uint8_t)(v + i);
}

/* Adds key name (type t, secret seed(v)) to the file at p. */
static void
add(const char *p, const char *pass, const char *name, enum sigil_key_type t, uint8_t v)
{
	uint8_t sk[32];

	seed(sk, v);
	assert_int_equal(vault_file_add(p, pass, tz_codec(), name, t, sk, NULL), 0);
}

static struct vault *
open_vault(const char *pass)
{
	struct vault *v = NULL;

	assert_int_equal(vault_file_open(path, pass, tz_codec(), &v), 0);
	return v;
}

/* The file's bytes (free them). */
static char *
snapshot(size_t *len)
{
	char *text;

	assert_int_equal(fileio_read(path, 1 << 20, &text, len), 0);
	return text;
}

/* The file is byte for byte what was. */
static void
assert_unchanged(const char *was, size_t wlen)
{
	size_t len;
	char *now = snapshot(&len);

	assert_int_equal(len, wlen);
	assert_memory_equal(now, was, len);
	free(now);
}

static void
assert_mode_0600(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* Index of the key named name in v, or -1. */
static long
find(struct vault *v, const char *name)
{
	for (size_t i = 0; i < v->ops->count(v); i++)
		if (strcmp(v->ops->key(v, i)->name, name) == 0)
			return (long)i;
	return -1;
}

/* Key i of v signs, and its signature verifies under pk. */
static void
assert_signs(struct vault *v, size_t i, const uint8_t *pk, size_t pklen)
{
	const struct vault_key *k = v->ops->key(v, i);
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	uint8_t digest[32];

	randombytes_buf(digest, sizeof(digest));
	if (k->type == SIGIL_KEY_BLS) {
		assert_int_equal(
			v->ops->sign(v, i, SIGIL_SCHEME_BLS_POP, digest, 32, NULL, &sig), 0);
		assert_int_equal(sigil_bls_verify(pk, pklen, SIGIL_BLS_POP, digest, 32, sig.sig, sig.len),
		                 0);
		return;
	}
	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, digest, 32, NULL, &sig), 0);
	assert_int_equal(sigil_verify(k->type, pk, pklen, SIGIL_SCHEME_PLAIN, digest, 32, sig.sig,
	                              sig.len), 0);
}

/* generate writes a new key of each type at once; the open vault does not
 * change, and opening the file again finds each key as generate
 * described it. */
static void
test_generate(void **state)
{
	struct vault_key info[SIGIL_KEY_TYPES];
	struct vault *v, *w;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;
	(void)state;

	add(path, PASS, "base", SIGIL_KEY_ED25519, 1);
	v = open_vault(PASS);
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		char name[16];

		snprintf(name, sizeof(name), "gen%d", t);
		assert_int_equal(v->ops->generate(v, name, (enum sigil_key_type)t, NULL, &info[t]), 0);
		assert_string_equal(info[t].name, name);
		assert_int_equal(info[t].type, t);
		assert_true(info[t].pk_len > 0);
		assert_true(info[t].deterministic);
		assert_mode_0600();
	}
	/* The open vault's keys stay as they were (indices never move). */
	assert_int_equal(v->ops->count(v), 1);
	assert_int_equal(find(v, "gen0"), -1);
	w = open_vault(PASS);
	assert_int_equal(w->ops->count(w), 1 + SIGIL_KEY_TYPES);
	assert_int_equal(find(w, "base"), 0);
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		long i = find(w, info[t].name);
		const struct vault_key *k;

		assert_true(i > 0);
		k = w->ops->key(w, (size_t)i);
		assert_int_equal(k->type, t);
		assert_int_equal(k->pk_len, info[t].pk_len);
		assert_memory_equal(k->pk, info[t].pk, k->pk_len);
		assert_int_equal(w->ops->public_key(w, (size_t)i, NULL, pk, &pklen), 0);
		assert_int_equal(pklen, info[t].pk_len);
		assert_memory_equal(pk, info[t].pk, pklen);
		assert_signs(w, (size_t)i, info[t].pk, info[t].pk_len);
	}
	/* Two generated keys are two keys. */
	assert_memory_not_equal(info[SIGIL_KEY_SECP256K1].pk, info[SIGIL_KEY_P256].pk, 33);
	assert_int_equal(w->ops->public_key(w, w->ops->count(w), NULL, pk, &pklen),
	                 SIGIL_E_UNKNOWN_KEY);
	assert_int_equal(pklen, 0);
	w->ops->close(w);
	v->ops->close(v);
}

/* A known secret imported gives its known public key, in info and in the
 * file; the secp256k1 key then signs what @noble/curves does. */
static void
test_import_known(void **state)
{
	static const struct {
		const char *name, *sk, *pk;
		enum sigil_key_type t;
	} known[] = {
		{"ed", ED_SK, ED_PK, SIGIL_KEY_ED25519},
		{"sp", SP_SK, SP_PK, SIGIL_KEY_SECP256K1},
		{"p2", P2_SK, P2_PK, SIGIL_KEY_P256},
	};
	struct vault *v, *w;
	struct vault_key info;
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	uint8_t sk[32], want[SIGIL_PK_MAX], pk[SIGIL_PK_MAX], digest[32], sp_sig[64];
	size_t wlen, pklen;
	long i;
	(void)state;

	add(path, PASS, "base", SIGIL_KEY_BLS, 9);
	v = open_vault(PASS);
	for (size_t n = 0; n < sizeof(known) / sizeof(known[0]); n++) {
		unhex(known[n].sk, sk, sizeof(sk));
		wlen = unhex(known[n].pk, want, sizeof(want));
		assert_int_equal(v->ops->import(v, known[n].name, known[n].t, sk, NULL, &info), 0);
		assert_int_equal(info.pk_len, wlen);
		assert_memory_equal(info.pk, want, wlen);
	}
	sodium_memzero(sk, sizeof(sk));
	assert_mode_0600();
	v->ops->close(v);
	w = open_vault(PASS);
	assert_int_equal(w->ops->count(w), 4);
	for (size_t n = 0; n < sizeof(known) / sizeof(known[0]); n++) {
		assert_true((i = find(w, known[n].name)) > 0);
		wlen = unhex(known[n].pk, want, sizeof(want));
		assert_int_equal(w->ops->public_key(w, (size_t)i, NULL, pk, &pklen), 0);
		assert_int_equal(pklen, wlen);
		assert_memory_equal(pk, want, wlen);
	}
	unhex(DIGEST, digest, sizeof(digest));
	unhex(SP_SIG, sp_sig, sizeof(sp_sig));
	i = find(w, "sp");
	assert_int_equal(w->ops->sign(w, (size_t)i, SIGIL_SCHEME_PLAIN, digest, 32, NULL, &sig), 0);
	assert_memory_equal(sig.sig, sp_sig, 64);
	w->ops->close(w);
}

/* A taken name or a key already there (under any name) is refused, and
 * the file is left byte for byte as it was. */
static void
test_duplicates(void **state)
{
	struct vault *v;
	struct vault_key info;
	uint8_t sk[32];
	char longname[sizeof(info.name) + 1];
	size_t len;
	char *was;
	(void)state;

	add(path, PASS, "taken", SIGIL_KEY_ED25519, 1);
	add(path, PASS, "sp", SIGIL_KEY_SECP256K1, 40);
	v = open_vault(PASS);
	was = snapshot(&len);
	memset(&info, 0xaa, sizeof(info));
	assert_int_equal(v->ops->generate(v, "taken", SIGIL_KEY_P256, NULL, &info), SIGIL_E_INVALID);
	assert_true(sodium_is_zero((const uint8_t *)&info, sizeof(info)));
	assert_unchanged(was, len);
	seed(sk, 7);
	assert_int_equal(v->ops->import(v, "sp", SIGIL_KEY_SECP256K1, sk, NULL, NULL),
	                 SIGIL_E_INVALID);
	assert_unchanged(was, len);
	/* The same secrets under new names. */
	seed(sk, 1);
	assert_int_equal(v->ops->import(v, "again", SIGIL_KEY_ED25519, sk, NULL, &info),
	                 SIGIL_E_INVALID);
	assert_unchanged(was, len);
	seed(sk, 40);
	assert_int_equal(v->ops->import(v, "again", SIGIL_KEY_SECP256K1, sk, NULL, NULL),
	                 SIGIL_E_INVALID);
	assert_unchanged(was, len);
	/* No name, or one too long for a vault_key. */
	assert_int_equal(v->ops->generate(v, "", SIGIL_KEY_ED25519, NULL, NULL), SIGIL_E_INVALID);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(v->ops->generate(v, longname, SIGIL_KEY_ED25519, NULL, NULL),
	                 SIGIL_E_INVALID);
	assert_unchanged(was, len);
	free(was);
	sodium_memzero(sk, sizeof(sk));
	v->ops->close(v);
}

/* delete_key removes the entry from the file; the open vault keeps it
 * (and signs with it) until it is opened again. */
static void
test_delete(void **state)
{
	struct vault *v, *w;
	const struct vault_key *k;
	size_t len;
	char *was;
	(void)state;

	add(path, PASS, "a", SIGIL_KEY_ED25519, 1);
	add(path, PASS, "b", SIGIL_KEY_P256, 2);
	add(path, PASS, "c", SIGIL_KEY_SECP256K1, 3);
	v = open_vault(PASS);
	was = snapshot(&len);
	assert_int_equal(v->ops->delete_key(v, "nope", NULL), SIGIL_E_NOT_FOUND);
	assert_int_equal(v->ops->delete_key(v, "", NULL), SIGIL_E_INVALID);
	assert_unchanged(was, len);
	free(was);
	assert_int_equal(v->ops->delete_key(v, "b", NULL), 0);
	assert_mode_0600();
	assert_int_equal(v->ops->count(v), 3);
	k = v->ops->key(v, 1);
	assert_string_equal(k->name, "b");
	assert_signs(v, 1, k->pk, k->pk_len);
	w = open_vault(PASS);
	assert_int_equal(w->ops->count(w), 2);
	assert_string_equal(w->ops->key(w, 0)->name, "a");
	assert_string_equal(w->ops->key(w, 1)->name, "c");
	assert_int_equal(find(w, "b"), -1);
	w->ops->close(w);
	/* Gone for good: a second delete finds nothing and changes nothing. */
	was = snapshot(&len);
	assert_int_equal(v->ops->delete_key(v, "b", NULL), SIGIL_E_NOT_FOUND);
	assert_unchanged(was, len);
	free(was);
	/* The name is free again. */
	assert_int_equal(v->ops->generate(v, "b", SIGIL_KEY_ED25519, NULL, NULL), 0);
	/* The last keys go too, leaving an empty vault that still opens. */
	assert_int_equal(v->ops->delete_key(v, "a", NULL), 0);
	assert_int_equal(v->ops->delete_key(v, "b", NULL), 0);
	assert_int_equal(v->ops->delete_key(v, "c", NULL), 0);
	assert_mode_0600();
	w = open_vault(PASS);
	assert_int_equal(w->ops->count(w), 0);
	w->ops->close(w);
	v->ops->close(v);
	/* No file at all. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(vault_file_delete(path, PASS, tz_codec(), "a"), SIGIL_E_NOT_FOUND);
	assert_int_equal(access(path, F_OK), -1);
}

/* A passphrase that does not open the file's entries changes nothing:
 * vault_file_delete with a wrong one, and an open vault whose file was
 * since replaced by one under another passphrase. */
static void
test_wrong_passphrase(void **state)
{
	struct vault *v;
	size_t len;
	char *was;
	(void)state;

	add(path, PASS, "a", SIGIL_KEY_ED25519, 1);
	add(path, PASS, "b", SIGIL_KEY_SECP256K1, 2);
	was = snapshot(&len);
	assert_int_equal(vault_file_delete(path, "wrong", tz_codec(), "a"), SIGIL_E_PASSPHRASE);
	assert_int_equal(vault_file_delete(path, NULL, tz_codec(), "a"), SIGIL_E_PASSPHRASE);
	assert_int_equal(vault_file_delete(path, "", tz_codec(), "a"), SIGIL_E_PASSPHRASE);
	assert_unchanged(was, len);
	free(was);

	v = open_vault(PASS);
	add(path2, "another pass", "a", SIGIL_KEY_P256, 3);
	add(path2, "another pass", "x", SIGIL_KEY_ED25519, 4);
	assert_int_equal(rename(path2, path), 0);
	was = snapshot(&len);
	assert_int_equal(v->ops->delete_key(v, "a", NULL), SIGIL_E_PASSPHRASE);
	assert_int_equal(v->ops->generate(v, "new", SIGIL_KEY_ED25519, NULL, NULL),
	                 SIGIL_E_PASSPHRASE);
	assert_unchanged(was, len);
	free(was);
	v->ops->close(v);
}

/* Signatory's format is read, never rewritten. */
static void
test_signatory_file(void **state)
{
	struct vault *v = NULL;
	uint8_t sk[32];
	char edsk[TZ_B58_MAX], text[512];
	size_t len;
	char *was;
	(void)state;

	seed(sk, 5);
	assert_int_equal(tz_sk_encode(SIGIL_KEY_ED25519, sk, edsk, sizeof(edsk)), 0);
	snprintf(text, sizeof(text), "[{\"name\":\"baker\",\"value\":\"unencrypted:%s\"}]", edsk);
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(vault_file_open(path, NULL, tz_codec(), &v), 0);
	was = snapshot(&len);
	assert_int_equal(v->ops->generate(v, "x", SIGIL_KEY_ED25519, NULL, NULL),
	                 SIGIL_E_UNSUPPORTED);
	assert_int_equal(v->ops->delete_key(v, "baker", NULL), SIGIL_E_UNSUPPORTED);
	assert_unchanged(was, len);
	free(was);
	v->ops->close(v);
	sodium_memzero(sk, sizeof(sk));
}

/* A passphrase too long for locked memory is refused at open. */
static void
test_long_passphrase(void **state)
{
	char *pass = malloc(VAULT_FILE_PASSPHRASE_MAX + 1);
	struct vault *v = NULL;
	(void)state;

	assert_non_null(pass);
	add(path, PASS, "a", SIGIL_KEY_ED25519, 1);
	memset(pass, 'p', VAULT_FILE_PASSPHRASE_MAX);
	pass[VAULT_FILE_PASSPHRASE_MAX] = '\0';
	assert_int_equal(vault_file_open(path, pass, tz_codec(), &v), SIGIL_E_TOO_BIG);
	assert_null(v);
	free(pass);
}

/* ---- recovery ids through the vault ------------------------------------ */

static secp256k1_context *secp;

/* The key secp256k1_ecdsa_recover finds for (sig, recid) is pk. */
static void
assert_recovers(const uint8_t digest[32], const struct vault_sig *sig, const uint8_t pk[33])
{
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey pub;
	uint8_t got[33];
	size_t len = sizeof(got);

	assert_true(secp256k1_ecdsa_recoverable_signature_parse_compact(secp, &rs, sig->sig,
	                                                                sig->recid));
	assert_true(secp256k1_ecdsa_recover(secp, &pub, &rs, digest));
	assert_true(secp256k1_ec_pubkey_serialize(secp, got, &len, &pub, SECP256K1_EC_COMPRESSED));
	assert_memory_equal(got, pk, 33);
}

/* Each key of the file at path, signed with and without the wish. */
static void
check_recids(bool hedged)
{
	struct vault *v = open_vault(PASS);
	struct vault_sig plain, with;
	uint8_t digest[32];

	for (size_t i = 0; i < v->ops->count(v); i++) {
		const struct vault_key *k = v->ops->key(v, i);
		enum sigil_scheme sc = k->type == SIGIL_KEY_BLS ? SIGIL_SCHEME_BLS_POP
		                                                 : SIGIL_SCHEME_PLAIN;
		bool ecdsa = k->type == SIGIL_KEY_SECP256K1 || k->type == SIGIL_KEY_P256;

		for (int n = 0; n < 16; n++) {
			randombytes_buf(digest, sizeof(digest));
			plain.recid = 0; /* not the wish: left at -1 */
			assert_int_equal(v->ops->sign(v, i, sc, digest, 32, NULL, &plain), 0);
			assert_int_equal(plain.recid, -1);
			with.recid = VAULT_RECID_WANTED;
			assert_int_equal(v->ops->sign(v, i, sc, digest, 32, NULL, &with), 0);
			assert_int_equal(with.len, plain.len);
			if (!hedged || k->type != SIGIL_KEY_SECP256K1)
				assert_memory_equal(with.sig, plain.sig, plain.len);
			if (!ecdsa) {
				assert_int_equal(with.recid, -1);
				continue;
			}
			assert_in_range(with.recid, 0, 3);
			if (k->type == SIGIL_KEY_SECP256K1)
				assert_recovers(digest, &with, k->pk);
		}
		/* A failed signature leaves -1 too. */
		with.recid = VAULT_RECID_WANTED;
		if (ecdsa)
			assert_int_equal(v->ops->sign(v, i, sc, digest, 31, NULL, &with),
			                 SIGIL_E_INVALID);
		else
			(void)v->ops->sign(v, i, sc, digest, 31, NULL, &with);
		assert_int_equal(with.recid, -1);
	}
	with.recid = VAULT_RECID_WANTED;
	assert_int_equal(v->ops->sign(v, v->ops->count(v), SIGIL_SCHEME_PLAIN, digest, 32, NULL,
	                              &with),
	                 SIGIL_E_UNKNOWN_KEY);
	assert_int_equal(with.recid, -1);
	v->ops->close(v);
}

static void
test_recid(void **state)
{
	(void)state;
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		char name[16];
		snprintf(name, sizeof(name), "k%d", t);
		add(path, PASS, name, (enum sigil_key_type)t, (uint8_t)(10 * t + 1));
	}
	check_recids(false);
	/* Keys that sign as an HSM may, afresh each time (SIGIL_TEST_HOOKS
	 * builds; elsewhere the same checks again). */
	assert_int_equal(setenv("SIGIL_TEST_VAULT_RANDOM", "1", 1), 0);
	check_recids(true);
	assert_int_equal(unsetenv("SIGIL_TEST_VAULT_RANDOM"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatory_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recid, setup, teardown),
	};
	int rc;

	if ((secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	secp256k1_context_destroy(secp);
	return rc;
}
