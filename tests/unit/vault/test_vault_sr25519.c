/* The file vault and sr25519's 64-byte secret (vault/file/file.h,
 * vault_file_add_sized; "secret_form": "expanded").
 *
 * old_vault below is a file in the format as it was before the longer
 * form existed (AD "sigil-vault-v1" NUL name NUL type NUL address, a 32-byte
 * secret, no secret_form), written by a throwaway program straight from
 * that description with libsodium (Argon2id, opslimit 1, memlimit 8192,
 * salt 00..0f, passphrase "old vault"; nonces 01.. and 02..): an sr25519
 * key of mini secret 07..07 and an Ed25519 key of seed 40..5f. It must open
 * unchanged, and stay byte for byte the same when a 64-byte key joins it.
 * The 64-byte key is polkadot-js's secretKey for the seed 00..1f (its
 * public key and @scure/sr25519's signature with sigil's zero witness, as
 * in tests/unit/crypto/test_sr25519_import.c). */
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
#include <jansson.h>
#include <sodium.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "vault/file/file.h"
#include "vault/vault.h"

#include "vault_testlib.h"
#include "../unit_util.h"

static const char old_vault[] =
	"{\"version\":1,\"kdf\":{\"alg\":\"argon2id13\",\"salt\":\"000102030405060708090a0b0c0d0e0f\","
	"\"opslimit\":1,\"memlimit\":8192},\"keys\":["
	"{\"name\":\"dot\",\"type\":\"sr25519\",\"address\":"
	"\"5EsNLFaGe9XK5LzWH3i6eC2Wqv6YqZS1442N1C4yeSdP6uxy\",\"public_key\":"
	"\"0x7c0f469d3bd340bae718203fa30ca071a5e37c751e891dbded837b213d45d91d\",\"nonce\":"
	"\"010101010101010101010101010101010101010101010101\",\"ciphertext\":"
	"\"640d76fadc4602e6c42a82f7d853db7bb406da0ed5790fc2999ff43026b717f4"
	"42730abd1ae7d39bda79bdaa591193a1\"},"
	"{\"name\":\"baker\",\"type\":\"ed25519\",\"address\":\"tz1LinkqRnKiW5B2jqMRvHQWCtiQHmrjjmwb\","
	"\"public_key\":\"edpktvdouxamUuVP1B5vqQsNoy9XTQeKYPZ1x3CQuqtMcPbWDS3S8W\",\"nonce\":"
	"\"020202020202020202020202020202020202020202020202\",\"ciphertext\":"
	"\"2ff29c7bbab52cb589cb00f1f59d416e50a617cfe297d0df04c57704985ca577"
	"0cd91be95e259321851474e2699d10d4\"}]}";
#define OLD_PASS "old vault"
static const char old_dot_pk[] = "7c0f469d3bd340bae718203fa30ca071a5e37c751e891dbded837b213d45d91d";
static const char old_baker_pk[] = "2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d";

/* polkadot-js: sr25519PairFromSeed(00..1f) */
static const char exp_ed[] = "3894eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f"
                             "a9d71862a3e5746b571be3d187b0041046f52ebd850c7cbd5fde8ee38473b649";
static const char exp_pk[] = "e2111779981618705ecacea1af6ff9350bce2b2dccd03e0c3e01eb0c823d2666";
static const char exp_sig[] = "6a99976d0d13028c522ee7127ee619f1dffe68e6c8abc38916530c55811c6555"
                              "2026d60c10842045dba4ae40fff69fcd217d9a9a797528abe9462fa0634bf58a";
static const char msg[] = "sigil sr25519 import";

static char dir[64], path[128];

static int
setup(void **state)
{
	(void)state;
	tl_tmpdir("/tmp/sigil-vsr-XXXXXX", dir, sizeof(dir), path, sizeof(path));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tl_rmdir(dir);
}

static void
write_file(const char *text)
{
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
}

/* The index of the key with public key pk_hex in v, which must hold it. */
static size_t
find_key(struct vault *v, const char *pk_hex)
{
	uint8_t pk[32];

	unhex(pk_hex, pk, sizeof(pk));
	for (size_t i = 0; i < v->ops->count(v); i++) {
		const struct vault_key *k = v->ops->key(v, i);
		if (k->pk_len == 32 && memcmp(k->pk, pk, 32) == 0)
			return i;
	}
	fail_msg("no key %s", pk_hex);
	return 0;
}

/* Key i signs msg, and its public key verifies it. */
static void
sign_check(struct vault *v, size_t i, uint8_t sig[SIGIL_SIG_MAX])
{
	struct vault_sig s = {.recid = -1};
	const struct vault_key *k = v->ops->key(v, i);

	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, (const uint8_t *)msg, strlen(msg),
	                              NULL, &s),
	                 0);
	assert_int_equal(s.len, 64);
	assert_int_equal(sigil_verify(k->type, k->pk, k->pk_len, SIGIL_SCHEME_PLAIN,
	                              (const uint8_t *)msg, strlen(msg), s.sig, s.len),
	                 0);
	memcpy(sig, s.sig, 64);
}

/* The JSON object of the key named name in the file (a new reference). */
static json_t *
entry_of(const char *name)
{
	json_t *root = json_load_file(path, 0, NULL), *it, *found = NULL;
	size_t i;

	assert_non_null(root);
	json_array_foreach(json_object_get(root, "keys"), i, it)
		if (strcmp(json_string_value(json_object_get(it, "name")), name) == 0)
			found = json_incref(it);
	json_decref(root);
	assert_non_null(found);
	return found;
}

/* The old file opens as it is; a 64-byte key joins it without touching a
 * byte of the old entries. */
static void
test_old_file(void **state)
{
	struct vault *v = NULL;
	struct vault_key info;
	uint8_t ed[64], sig[SIGIL_SIG_MAX], want[64];
	json_t *before[2], *after[2];
	char *a, *b;
	static const char *const names[2] = {"dot", "baker"};

	(void)state;
	write_file(old_vault);
	assert_int_equal(vault_file_open(path, OLD_PASS, tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 2);
	sign_check(v, find_key(v, old_dot_pk), sig);
	sign_check(v, find_key(v, old_baker_pk), sig);
	v->ops->close(v);
	for (int i = 0; i < 2; i++)
		before[i] = entry_of(names[i]);
	unhex(exp_ed, ed, sizeof(ed));
	assert_int_equal(vault_file_add_sized(path, OLD_PASS, tz_codec(), "exp", SIGIL_KEY_SR25519,
	                                      ed, sizeof(ed), &info),
	                 0);
	for (int i = 0; i < 2; i++) {
		after[i] = entry_of(names[i]);
		a = json_dumps(before[i], JSON_SORT_KEYS | JSON_COMPACT);
		b = json_dumps(after[i], JSON_SORT_KEYS | JSON_COMPACT);
		assert_string_equal(a, b);
		assert_null(json_object_get(after[i], "secret_form"));
		free(a);
		free(b);
		json_decref(before[i]);
		json_decref(after[i]);
	}
	assert_int_equal(vault_file_open(path, OLD_PASS, tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 3);
	sign_check(v, find_key(v, exp_pk), sig);
	unhex(exp_sig, want, sizeof(want));
	assert_memory_equal(sig, want, 64);
	v->ops->close(v);
}

/* A new vault: the entry is tagged, 64 bytes under the AEAD, mode 0600;
 * listed with its public key and SS58 address; the seed of the same key is
 * refused as a duplicate. */
static void
test_expanded_entry(void **state)
{
	struct vault *v = NULL;
	struct vault_key info;
	uint8_t ed[64], seed[32], pk[32], sig[SIGIL_SIG_MAX], want[64];
	char address[CHAIN_ADDRESS_MAX];
	struct stat st;
	json_t *e;

	(void)state;
	unhex(exp_ed, ed, sizeof(ed));
	unhex(exp_pk, pk, sizeof(pk));
	assert_int_equal(vault_file_add_sized(path, "p", tz_codec(), "exp", SIGIL_KEY_SR25519, ed,
	                                      sizeof(ed), &info),
	                 0);
	assert_int_equal(info.type, SIGIL_KEY_SR25519);
	assert_int_equal(info.pk_len, 32);
	assert_memory_equal(info.pk, pk, 32);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	e = entry_of("exp");
	assert_string_equal(json_string_value(json_object_get(e, "secret_form")), "expanded");
	assert_int_equal(strlen(json_string_value(json_object_get(e, "ciphertext"))), 2 * (64 + 16));
	assert_int_equal(tl_address(SIGIL_KEY_SR25519, pk, 32, address, sizeof(address)), 0);
	assert_string_equal(json_string_value(json_object_get(e, "address")), address);
	json_decref(e);
	assert_int_equal(vault_file_open(path, "p", tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 1);
	assert_memory_equal(v->ops->key(v, 0)->pk, pk, 32);
	assert_true(v->ops->key(v, 0)->deterministic);
	sign_check(v, 0, sig);
	unhex(exp_sig, want, sizeof(want));
	assert_memory_equal(sig, want, 64);
	v->ops->close(v);
	/* its seed is the same key */
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	assert_int_equal(
		vault_file_add(path, "p", tz_codec(), "seed", SIGIL_KEY_SR25519, seed, &info),
		SIGIL_E_INVALID);
}

/* Nothing that is not a 64-byte sr25519 key reaches the file. */
static void
test_refused_adds(void **state)
{
	struct vault_key info;
	uint8_t ed[65];

	(void)state;
	unhex(exp_ed, ed, 64);
	ed[64] = 0;
	assert_int_equal(vault_file_add_sized(path, "p", tz_codec(), "x", SIGIL_KEY_ED25519, ed, 64,
	                                      &info),
	                 SIGIL_E_INVALID);
	assert_int_equal(vault_file_add_sized(path, "p", tz_codec(), "x", SIGIL_KEY_SR25519, ed, 65,
	                                      &info),
	                 SIGIL_E_INVALID);
	assert_int_equal(vault_file_add_sized(path, "p", tz_codec(), "x", SIGIL_KEY_SR25519, ed, 48,
	                                      &info),
	                 SIGIL_E_INVALID);
	ed[0] |= 1; /* not 8x */
	assert_int_equal(vault_file_add_sized(path, "p", tz_codec(), "x", SIGIL_KEY_SR25519, ed, 64,
	                                      &info),
	                 SIGIL_E_CRYPTO);
	assert_int_equal(access(path, F_OK), -1); /* never written */
}

/* Each change to the tag or the ciphertext's length is refused. */
static void
test_tag_tampering(void **state)
{
	static const struct {
		const char *entry; /* which entry */
		const char *form;  /* "secret_form" set to this; NULL: removed */
		int json_int;      /* or set to an integer */
		int rc;
	} cases[] = {
		{"exp", NULL, 0, SIGIL_E_INVALID},                  /* dropped: 80 bytes for 32 */
		{"exp", "expanded2", 0, SIGIL_E_UNSUPPORTED},       /* a form we do not know */
		{"exp", "Expanded", 0, SIGIL_E_UNSUPPORTED},
		{"exp", "", 0, SIGIL_E_UNSUPPORTED},
		{"exp", NULL, 1, SIGIL_E_INVALID},                  /* no string */
		{"baker", "expanded", 0, SIGIL_E_INVALID},         /* Ed25519 has no such form */
		{"dot", "expanded", 0, SIGIL_E_INVALID},           /* 32 bytes under the tag */
	};
	struct vault *v = NULL;
	struct vault_key info;
	uint8_t ed[64];
	char *good;
	size_t goodlen;

	(void)state;
	write_file(old_vault);
	unhex(exp_ed, ed, sizeof(ed));
	assert_int_equal(vault_file_add_sized(path, OLD_PASS, tz_codec(), "exp", SIGIL_KEY_SR25519,
	                                      ed, sizeof(ed), &info),
	                 0);
	assert_int_equal(fileio_read(path, 1 << 20, &good, &goodlen), 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		json_t *root = json_loads(good, 0, NULL), *it;
		size_t i;

		json_array_foreach(json_object_get(root, "keys"), i, it) {
			if (strcmp(json_string_value(json_object_get(it, "name")), cases[c].entry) != 0)
				continue;
			if (cases[c].form != NULL)
				json_object_set_new(it, "secret_form", json_string(cases[c].form));
			else if (cases[c].json_int)
				json_object_set_new(it, "secret_form", json_integer(1));
			else
				json_object_del(it, "secret_form");
		}
		assert_int_equal(json_dump_file(root, path, 0), 0);
		json_decref(root);
		assert_int_equal(vault_file_open(path, OLD_PASS, tz_codec(), &v), cases[c].rc);
		assert_null(v);
	}
	/* The 64-byte entry's sealed secret and tag moved into another entry
	 * (its name and address) do not open: the associated data binds them. */
	{
		json_t *root = json_loads(good, 0, NULL), *keys = json_object_get(root, "keys");
		json_t *dot = json_array_get(keys, 0), *exp = json_array_get(keys, 2);
		static const char *const moved[] = {"nonce", "ciphertext", "secret_form"};

		assert_string_equal(json_string_value(json_object_get(exp, "name")), "exp");
		for (size_t m = 0; m < sizeof(moved) / sizeof(moved[0]); m++)
			json_object_set(dot, moved[m], json_object_get(exp, moved[m]));
		json_array_remove(keys, 2);
		assert_int_equal(json_dump_file(root, path, 0), 0);
		json_decref(root);
		assert_int_equal(vault_file_open(path, OLD_PASS, tz_codec(), &v), SIGIL_E_PASSPHRASE);
	}
	write_file(good);
	assert_int_equal(vault_file_open(path, OLD_PASS, tz_codec(), &v), 0);
	v->ops->close(v);
	free(good);
}

/* The key holder and PKCS#11 keep 32-byte secrets: each driver refuses the
 * 64-byte form itself, with a reason, before it reaches for its back end. */
static void
test_other_drivers_refuse(void **state)
{
	static const char *const drivers[] = {"enclave", "pkcs11"};
	struct vault_config cfg = {.name = "v", .passphrase = ""};
	struct vault_key info;
	uint8_t ed[64];
	char err[512];

	(void)state;
	unhex(exp_ed, ed, sizeof(ed));
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		const struct vault_driver *d = vault_driver_find(drivers[i]);

		assert_non_null(d);
		assert_non_null(d->add);
		err[0] = '\0';
		assert_int_equal(d->add(&cfg, "x", SIGIL_KEY_SR25519, ed, sizeof(ed), &info, err,
		                        sizeof(err)),
		                 SIGIL_E_UNSUPPORTED);
		assert_non_null(strstr(err, "32-byte"));
		assert_non_null(strstr(err, "file vault"));
	}
	/* the file driver takes it */
	assert_non_null(vault_driver_find("file")->add);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expanded_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_adds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_tampering, setup, teardown),
		cmocka_unit_test(test_other_drivers_refuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
