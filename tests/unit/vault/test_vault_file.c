/* The file vault: round trips, wrong passphrase, tampering, Signatory format. */
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

#include "core/errors.h"
#include "core/fileio.h"
#include "core/hex.h"
#include "vault/vault.h"

static char dir[64], path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sigil-vault-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
seed(uint8_t sk[32], uint8_t v)
{
	for (int i = 0; i < 32; i++)
		sk[i] = (uint8_t)(v + i);
}

static void
test_roundtrip(void **state)
{
	struct vault *v;
	struct vault_key info[3];
	uint8_t sk[32], digest[32], sig[SIGIL_SIG_MAX];
	size_t siglen;
	struct stat st;
	(void)state;

	for (int t = 0; t < 3; t++) {
		seed(sk, (uint8_t)(t * 40 + 1));
		char name[16];
		snprintf(name, sizeof(name), "k%d", t);
		assert_int_equal(vault_file_add(path, "pass", name, (enum sigil_key_type)t, sk, &info[t]), 0);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vault_file_open(path, "pass", &v), 0);
	assert_int_equal(v->ops->count(v), 3);
	memset(digest, 7, sizeof(digest));
	for (size_t i = 0; i < 3; i++) {
		const struct vault_key *k = v->ops->key(v, i);
		assert_string_equal(k->address, info[i].address);
		assert_string_equal(k->name, info[i].name);
		assert_int_equal(v->ops->sign(v, i, VAULT_SIGN_DIGEST, digest, 32, sig, &siglen), 0);
		assert_int_equal(siglen, 64);
		assert_int_equal(sigil_verify_digest(k->type, k->pk, k->pk_len, digest, sig, siglen), 0);
		assert_int_equal(v->ops->sign(v, i, VAULT_SIGN_DIGEST, digest, 31, sig, &siglen),
		                 SIGIL_E_INVALID);
	}
	assert_null(v->ops->key(v, 3));
	assert_int_equal(v->ops->sign(v, 3, VAULT_SIGN_DIGEST, digest, 32, sig, &siglen),
	                 SIGIL_E_UNKNOWN_KEY);
	v->ops->close(v);

	/* The secret never appears in the file, in hex or raw. */
	char *text;
	size_t len;
	char hex[65];
	assert_int_equal(fileio_read(path, 1 << 20, &text, &len), 0);
	seed(sk, 1);
	assert_int_equal(hex_encode(sk, 32, hex, sizeof(hex)), 0);
	assert_null(strstr(text, hex));
	free(text);
}

static void
test_wrong_passphrase_and_duplicates(void **state)
{
	struct vault *v = NULL;
	uint8_t sk[32];
	(void)state;

	seed(sk, 9);
	assert_int_equal(vault_file_add(path, "right", "a", SIGIL_KEY_ED25519, sk, NULL), 0);
	assert_int_equal(vault_file_open(path, "wrong", &v), SIGIL_E_PASSPHRASE);
	assert_null(v);
	assert_int_equal(vault_file_open(path, "", &v), SIGIL_E_PASSPHRASE);
	/* Adding under another passphrase would make a file nobody can open. */
	seed(sk, 10);
	assert_int_equal(vault_file_add(path, "wrong", "b", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_PASSPHRASE);
	assert_int_equal(vault_file_add(path, "right", "a", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_INVALID);
	seed(sk, 9);
	assert_int_equal(vault_file_add(path, "right", "c", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_INVALID);
	assert_int_equal(vault_file_open(path, "right", &v), 0);
	assert_int_equal(v->ops->count(v), 1);
	v->ops->close(v);
}

static void
replace_in_file(const char *from, const char *to)
{
	char *text;
	size_t len;
	assert_int_equal(fileio_read(path, 1 << 20, &text, &len), 0);
	char *at = strstr(text, from);
	assert_non_null(at);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
	assert_int_equal(fileio_write_atomic(path, text, len, 0600), 0);
	free(text);
}

static void
test_tampering(void **state)
{
	struct vault *v = NULL;
	struct vault_key info;
	uint8_t sk[32];
	(void)state;

	seed(sk, 3);
	assert_int_equal(vault_file_add(path, "p", "name1", SIGIL_KEY_ED25519, sk, &info), 0);
	/* Relabelling an entry breaks its associated data. */
	replace_in_file("\"name1\"", "\"name2\"");
	assert_int_equal(vault_file_open(path, "p", &v), SIGIL_E_PASSPHRASE);
	replace_in_file("\"name2\"", "\"name1\"");
	assert_int_equal(vault_file_open(path, "p", &v), 0);
	v->ops->close(v);
	replace_in_file("\"ed25519\"", "\"ed25520\"");
	assert_int_not_equal(vault_file_open(path, "p", &v), 0);
}

static void
test_garbage(void **state)
{
	struct vault *v = NULL;
	static const char *bad[] = {
		"", "{", "[]x", "{\"version\":2}", "{\"version\":1,\"kdf\":{}}",
		"{\"version\":1,\"kdf\":{\"alg\":\"argon2id13\",\"salt\":\"00\",\"opslimit\":2,"
		"\"memlimit\":65536},\"keys\":[]}",
		"{\"version\":1,\"kdf\":{\"alg\":\"argon2id13\",\"salt\":\"000102030405060708090a0b0c0d0e0f\","
		"\"opslimit\":1000000,\"memlimit\":65536},\"keys\":[]}",
		"[{\"name\":\"x\",\"value\":\"plain:edsk\"}]",
		"[{\"name\":\"x\"}]",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fileio_write_atomic(path, bad[i], strlen(bad[i]), 0600), 0);
		assert_int_not_equal(vault_file_open(path, "p", &v), 0);
		assert_null(v);
	}
	unlink(path);
	assert_int_equal(vault_file_open(path, "p", &v), SIGIL_E_NOT_FOUND);
}

static void
test_signatory_format(void **state)
{
	struct vault *v = NULL;
	uint8_t sk[32];
	char edsk[TZ_B58_MAX], text[512];
	struct vault_key info;
	(void)state;

	seed(sk, 5);
	assert_int_equal(tz_sk_encode(SIGIL_KEY_ED25519, sk, edsk, sizeof(edsk)), 0);
	assert_int_equal(vault_key_describe(SIGIL_KEY_ED25519, sk, "baker", &info), 0);
	snprintf(text, sizeof(text), "[{\"name\":\"baker\",\"value\":\"unencrypted:%s\"}]", edsk);
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(vault_file_open(path, NULL, &v), 0);
	assert_int_equal(v->ops->count(v), 1);
	assert_string_equal(v->ops->key(v, 0)->address, info.address);
	v->ops->close(v);
	/* Adding to a Signatory file is refused rather than mixing formats. */
	assert_int_equal(vault_file_add(path, "p", "x", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_UNSUPPORTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatory_format, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
