/* The file vault: round trips, wrong passphrase, tampering, Signatory format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "vault/file/format.h"
#include "vault/file/file.h"
#include "vault/vault.h"

#include "vault_testlib.h"

static char dir[64], path[128];

static int
setup(void **state)
{
	(void)state;
	tl_tmpdir("/tmp/sigil-vault-XXXXXX", dir, sizeof(dir), path, sizeof(path));
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

static void
test_roundtrip(void **state)
{
	struct vault *v;
	struct vault_key info[3];
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	uint8_t sk[32], digest[32];
	char a1[CHAIN_ADDRESS_MAX], a2[CHAIN_ADDRESS_MAX];
	struct stat st;
	(void)state;

	for (int t = 0; t < 3; t++) {
		seed(sk, (uint8_t)(t * 40 + 1));
		char name[16];
		snprintf(name, sizeof(name), "k%d", t);
		assert_int_equal(vault_file_add(path, "pass", tz_codec(), name, (enum sigil_key_type)t,
		                                sk, &info[t]),
		                 0);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vault_file_open(path, "pass", tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 3);
	memset(digest, 7, sizeof(digest));
	for (size_t i = 0; i < 3; i++) {
		const struct vault_key *k = v->ops->key(v, i);
		assert_string_equal(tz_address_of(k, a1), tz_address_of(&info[i], a2));
		assert_string_equal(k->name, info[i].name);
		assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, digest, 32, NULL, &sig), 0);
		assert_int_equal(sig.len, 64);
		assert_int_equal(sigil_verify_digest(k->type, k->pk, k->pk_len, digest, sig.sig, sig.len),
		                 0);
		if (k->type == SIGIL_KEY_ED25519) {
			/* SIGIL_SCHEME_PLAIN: Ed25519 signs its message, of any
			 * length (RFC 8032, vault.h, crypto/sig.h). */
			assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, digest, 31, NULL, &sig), 0);
			assert_int_equal(sig.len, 64);
			assert_int_equal(crypto_sign_verify_detached(sig.sig, digest, 31, k->pk), 0);
		} else {
			/* ECDSA signs a 32-byte digest, nothing else. */
			assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, digest, 31, NULL, &sig),
			                 SIGIL_E_INVALID);
			assert_int_equal(sig.len, 0);
		}
	}
	assert_null(v->ops->key(v, 3));
	assert_int_equal(v->ops->sign(v, 3, SIGIL_SCHEME_PLAIN, digest, 32, NULL, &sig),
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
	assert_int_equal(vault_file_add(path, "right", tz_codec(), "a", SIGIL_KEY_ED25519, sk, NULL),
	                 0);
	assert_int_equal(vault_file_open(path, "wrong", tz_codec(), &v), SIGIL_E_PASSPHRASE);
	assert_null(v);
	assert_int_equal(vault_file_open(path, "", tz_codec(), &v), SIGIL_E_PASSPHRASE);
	/* Adding under another passphrase would make a file nobody can open. */
	seed(sk, 10);
	assert_int_equal(vault_file_add(path, "wrong", tz_codec(), "b", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_PASSPHRASE);
	/* A second key under a name already there. */
	assert_int_equal(vault_file_add(path, "right", tz_codec(), "a", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_INVALID);
	/* The same key (public key) again under another name. */
	seed(sk, 9);
	assert_int_equal(vault_file_add(path, "right", tz_codec(), "c", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_INVALID);
	assert_int_equal(vault_file_open(path, "right", tz_codec(), &v), 0);
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
	assert_int_equal(
		vault_file_add(path, "p", tz_codec(), "name1", SIGIL_KEY_ED25519, sk, &info), 0);
	/* Relabelling an entry breaks its associated data. */
	replace_in_file("\"name1\"", "\"name2\"");
	assert_int_equal(vault_file_open(path, "p", tz_codec(), &v), SIGIL_E_PASSPHRASE);
	replace_in_file("\"name2\"", "\"name1\"");
	assert_int_equal(vault_file_open(path, "p", tz_codec(), &v), 0);
	v->ops->close(v);
	replace_in_file("\"ed25519\"", "\"ed25520\"");
	assert_int_not_equal(vault_file_open(path, "p", tz_codec(), &v), 0);
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
		assert_int_not_equal(vault_file_open(path, "p", tz_codec(), &v), 0);
		assert_null(v);
	}
	unlink(path);
	assert_int_equal(vault_file_open(path, "p", tz_codec(), &v), SIGIL_E_NOT_FOUND);
}

static void
test_signatory_format(void **state)
{
	struct vault *v = NULL;
	uint8_t sk[32];
	char edsk[TZ_B58_MAX], text[512];
	struct vault_key info;
	char a1[CHAIN_ADDRESS_MAX], a2[CHAIN_ADDRESS_MAX];
	(void)state;

	seed(sk, 5);
	assert_int_equal(tz_sk_encode(SIGIL_KEY_ED25519, sk, edsk, sizeof(edsk)), 0);
	assert_int_equal(vault_key_describe(SIGIL_KEY_ED25519, sk, "baker", &info), 0);
	snprintf(text, sizeof(text), "[{\"name\":\"baker\",\"value\":\"unencrypted:%s\"}]", edsk);
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(vault_file_open(path, NULL, tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 1);
	assert_string_equal(tz_address_of(v->ops->key(v, 0), a1), tz_address_of(&info, a2));
	v->ops->close(v);
	/* Adding to a Signatory file is refused rather than mixing formats. */
	assert_int_equal(vault_file_add(path, "p", tz_codec(), "x", SIGIL_KEY_ED25519, sk, NULL),
	                 SIGIL_E_UNSUPPORTED);
}

/* A file written by hand may hold one key twice, or two keys under one
 * name: either makes the whole vault invalid, wherever the two sit. */
static void
test_duplicates_in_file(void **state)
{
	struct vault *v = NULL;
	uint8_t sk[32];
	char edsk[8][TZ_B58_MAX], text[4096];
	(void)state;

	for (int i = 0; i < 8; i++) {
		seed(sk, (uint8_t)(20 + i));
		assert_int_equal(tz_sk_encode(SIGIL_KEY_ED25519, sk, edsk[i], sizeof(edsk[i])), 0);
	}
	/* cases: none, key 0 again as the last, name of key 2 on key 6 */
	for (int c = 0; c < 3; c++) {
		size_t n = 0;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[");
		for (int i = 0; i < 8; i++) {
			int key = c == 1 && i == 7 ? 0 : i;
			int name = c == 2 && i == 6 ? 2 : i;
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			                      "%s{\"name\":\"k%d\",\"value\":\"unencrypted:%s\"}",
			                      i ? "," : "", name, edsk[key]);
		}
		snprintf(text + n, sizeof(text) - n, "]");
		assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
		int rc = vault_file_open(path, NULL, tz_codec(), &v);
		if (c == 0) {
			assert_int_equal(rc, 0);
			assert_int_equal(v->ops->count(v), 8);
			v->ops->close(v);
		} else {
			assert_int_equal(rc, SIGIL_E_INVALID);
			assert_null(v);
		}
		v = NULL;
	}
}

/* Keys encrypted the way octez-client does (PBKDF2-HMAC-SHA512, 32768
 * rounds, secretbox with a zero nonce) by @stablelib/nacl's secretBox and
 * node's pbkdf2Sync, then opened by @taquito/signer 24.2.0's InMemorySigner
 * with the same passphrase to get the addresses below. Seeds 0x21.., 0x41..
 * and (plain) 0x61.., salts 0102030405060708 and a1a2a3a4a5a6a7a8. */
#define SIG_PASS "correct horse"
#define EDESK "edesk1GBQ31Tu4CffTw7eaMPrGrTVKYNoE697y2oiTXKKhpBQAEBosVPgrJHG9JK7nra6tv3swdXH5MLGHQDVurM"
#define EDESK_TZ1 "tz1N9t9QiUnueNM2mtYitjXPn2Ftaq7Z6WgM"
#define EDESK_PK "edpkvQNcB4Mru8jPv2LpTmMf8Mdx6wqyE7m9Y1vGLYnufJjAH3w1JM"
#define SPESK "spesk1vTu1g28YFZn92BjEHYDcPGbWVoDipTjgeKyh6CpnU8u81sCHB1yG6qFxczbqRj8139N8RNrKEp546zH3qE"
#define SPESK_TZ2 "tz2WA1BF29KexJ4KB4o6ps7UXvi1Np2z2soC"
#define EDSK_PLAIN "edsk3QnqBTMH4EgbdQN2bDzj8NwB66c2dgodRioMQHrsgJ7STvUUds"
#define EDSK_PLAIN_TZ1 "tz1S52zC6ESCcRaGFcs1h1WuayW38pGkpk99"

static void
write_text(const char *text)
{
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
}

static void
test_signatory_encrypted(void **state)
{
	struct vault *v = NULL;
	uint8_t digest[32];
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	char text[CHAIN_TEXT_MAX];
	json_malloc_t m;
	json_free_t f;
	(void)state;

	write_text("[{\"name\":\"baker\",\"value\":\"encrypted:" EDESK "\"},"
	           "{\"name\":\"wallet\",\"value\":\"encrypted:" SPESK "\"},"
	           "{\"name\":\"hot\",\"value\":\"unencrypted:" EDSK_PLAIN "\"}]");
	assert_int_equal(vault_file_open(path, SIG_PASS, tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 3);
	assert_string_equal(v->ops->key(v, 0)->name, "baker");
	assert_string_equal(tz_address_of(v->ops->key(v, 0), text), EDESK_TZ1);
	assert_string_equal(tz_public_key_of(v->ops->key(v, 0), text), EDESK_PK);
	assert_string_equal(tz_address_of(v->ops->key(v, 1), text), SPESK_TZ2);
	assert_string_equal(tz_address_of(v->ops->key(v, 2), text), EDSK_PLAIN_TZ1);
	memset(digest, 3, sizeof(digest));
	for (size_t i = 0; i < 3; i++) {
		const struct vault_key *k = v->ops->key(v, i);
		assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, digest, 32, NULL, &sig), 0);
		assert_int_equal(
			sigil_verify_digest(k->type, k->pk, k->pk_len, digest, sig.sig, sig.len), 0);
	}
	v->ops->close(v);
	/* The file's strings are freed through a wiping free from now on. */
	json_get_alloc_funcs(&m, &f);
	assert_true(f != free);

	/* Wrong or missing passphrase: nothing opens, nothing is returned. */
	assert_int_equal(vault_file_open(path, "wrong horse", tz_codec(), &v), SIGIL_E_PASSPHRASE);
	assert_null(v);
	assert_int_equal(vault_file_open(path, NULL, tz_codec(), &v), SIGIL_E_PASSPHRASE);
	assert_null(v);
	/* "encrypted:" must hold what it says, and so must "unencrypted:". */
	write_text("[{\"name\":\"baker\",\"value\":\"unencrypted:" EDESK "\"}]");
	assert_int_not_equal(vault_file_open(path, SIG_PASS, tz_codec(), &v), 0);
	assert_null(v);
	write_text("[{\"name\":\"baker\",\"value\":\"encrypted:" EDSK_PLAIN "\"}]");
	assert_int_not_equal(vault_file_open(path, SIG_PASS, tz_codec(), &v), 0);
	assert_null(v);
	/* A truncated ciphertext does not open. */
	write_text("[{\"name\":\"baker\",\"value\":\"encrypted:edesk1GBQ31Tu4CffTw7ea\"}]");
	assert_int_not_equal(vault_file_open(path, SIG_PASS, tz_codec(), &v), 0);
	/* Two entries for one key. */
	write_text("[{\"name\":\"a\",\"value\":\"encrypted:" EDESK "\"},"
	           "{\"name\":\"b\",\"value\":\"encrypted:" EDESK "\"}]");
	assert_int_equal(vault_file_open(path, SIG_PASS, tz_codec(), &v), SIGIL_E_INVALID);
	assert_null(v);
}

/* Concurrent adds, as two `sigil generate` would make them: separate
 * processes (this binary again, see main), each adding its own keys; none
 * may be lost. The vault starts empty with the cheapest KDF the format
 * accepts so that the writers spend their time racing, not hashing. */
#define N_WRITERS 6
#define KEYS_PER_WRITER 3

static int
writer_main(const char *vault, const char *who)
{
	uint8_t sk[32];
	char name[32];
	int w = atoi(who), rc = 0;

	for (int j = 0; j < KEYS_PER_WRITER && rc == 0; j++) {
		seed(sk, (uint8_t)(1 + w * KEYS_PER_WRITER + j));
		snprintf(name, sizeof(name), "w%d-%d", w, j);
		rc = vault_file_add(vault, "p", tz_codec(), name, SIGIL_KEY_ED25519, sk, NULL);
	}
	return rc == 0 ? 0 : 1;
}

static void
test_concurrent_add(void **state)
{
	struct vault *v = NULL;
	pid_t pids[N_WRITERS];
	int status;
	(void)state;

	write_text("{\"version\":1,\"kdf\":{\"alg\":\"argon2id13\","
	           "\"salt\":\"000102030405060708090a0b0c0d0e0f\",\"opslimit\":1,"
	           "\"memlimit\":8192},\"keys\":[]}");
	for (int i = 0; i < N_WRITERS; i++) {
		char who[16];

		snprintf(who, sizeof(who), "%d", i);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			/* exec rather than run here: the locked key arena is not
			 * inherited across fork (MADV_DONTFORK) */
			execl("/proc/self/exe", "test_vault_file", "--add", path, who, (char *)NULL);
			_exit(127);
		}
	}
	for (int i = 0; i < N_WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(vault_file_open(path, "p", tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), N_WRITERS * KEYS_PER_WRITER);
	v->ops->close(v);
}

/* A reload opens every vault again: with the same passphrase and salt, the
 * key-encryption key comes from the process's cache (vault/file/kek.c), not from
 * another Argon2id run; another passphrase or a new vault derives afresh. */
static void
test_kek_cache(void **state)
{
	struct vault *v = NULL;
	uint8_t sk[32];
	(void)state;

	seed(sk, 21);
	unsigned long n0 = vf_kdf_argon2_runs();
	assert_int_equal(
		vault_file_add(path, "kek pass", tz_codec(), "a", SIGIL_KEY_ED25519, sk, NULL), 0);
	assert_int_equal(vf_kdf_argon2_runs(), n0 + 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vault_file_open(path, "kek pass", tz_codec(), &v), 0);
		assert_int_equal(v->ops->count(v), 1);
		v->ops->close(v);
	}
	assert_int_equal(vf_kdf_argon2_runs(), n0 + 1);
	/* Another passphrase: derived, and still refused; so again. */
	assert_int_equal(vault_file_open(path, "kek pasS", tz_codec(), &v), SIGIL_E_PASSPHRASE);
	assert_int_equal(vf_kdf_argon2_runs(), n0 + 2);
	assert_int_equal(vault_file_open(path, "kek pasS", tz_codec(), &v), SIGIL_E_PASSPHRASE);
	assert_null(v);
	/* A new vault (a new salt) with the same passphrase: derived. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
		vault_file_add(path, "kek pass", tz_codec(), "a", SIGIL_KEY_ED25519, sk, NULL), 0);
	assert_int_equal(vf_kdf_argon2_runs(), n0 + 3);
	assert_int_equal(vault_file_open(path, "kek pass", tz_codec(), &v), 0);
	v->ops->close(v);
	assert_int_equal(vf_kdf_argon2_runs(), n0 + 3);
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--add") == 0)
		return writer_main(argv[2], argv[3]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatory_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_in_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatory_encrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kek_cache, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
