/* The passphrase KEK provider (src/enclave/kek/passphrase.c): its state
 * file, a wrong passphrase told at once, damaged files told apart from a
 * wrong passphrase. Argon2id runs at its minimum cost here
 * (SIGIL_ENCLAVE_ARGON2_FAST, a SIGIL_TEST_HOOKS build) except in the one
 * test that checks the real cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "enclave/kek/kek.h"
#include "kek_testlib.h"

#define PP_FILE "kek-passphrase.bin"
#define PP_SIZE 127
#define PP_OFF_VERSION 4
#define PP_OFF_OPS 8
#define PP_OFF_MEM 16
#define PP_OFF_SALT 24
#define PP_OFF_CHECK 64
#define PP_OFF_SUM 111

struct pp_fixture {
	char root[64];
	char dir[128];
	char path[256];
};

static void
cred_pass(struct enclave_credentials *c, const char *pass)
{
	memset(c, 0, sizeof(*c));
	kt_cred_add(c, "provider", "passphrase", strlen("passphrase"));
	kt_cred_add(c, "passphrase", pass, strlen(pass));
}

static int
setup(void **state)
{
	struct pp_fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/sigil-kek-pp-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->root);
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, PP_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct pp_fixture *f = *state;
	kt_rm_tree(f->root);
	free(f);
	return 0;
}

static int
obtain(const char *dir, const char *pass, uint8_t kek[ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	struct enclave_credentials c;
	struct kek_env env = {.state_dir = dir};
	int rc;

	cred_pass(&c, pass);
	memset(kek, 0xaa, ENCLAVE_KEK_LEN);
	rc = kek_passphrase.obtain(&c, &env, kek, err, errlen);
	sodium_memzero(&c, sizeof(c));
	return rc;
}

static size_t
read_all(const char *path, uint8_t *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

static void
write_all(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
test_registered(void **state)
{
	(void)state;
	assert_ptr_equal(kek_provider_find("passphrase"), &kek_passphrase);
}

static void
test_first_use_creates_file_then_same_kek(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];
	struct stat st;

	/* The state directory does not exist yet: first use makes it, 0700. */
	assert_int_equal(obtain(f->dir, "correct horse", k1, err, sizeof(err)), 0);
	assert_false(kt_all_zero(k1, sizeof(k1)));
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, PP_SIZE);

	assert_int_equal(obtain(f->dir, "correct horse", k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));

	/* Nothing but the state file is left behind (no temp files). */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = %s", f->dir, PP_FILE);
	assert_int_equal(system(cmd), 0);
}

/* The KEK is Argon2id of the passphrase and the stored salt, at the
 * stored cost, which here is the test build's fast one. */
static void
test_kek_is_argon2id_of_stored_salt(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t kek[ENCLAVE_KEK_LEN], want[ENCLAVE_KEK_LEN], file[PP_SIZE];
	char err[ENCLAVE_ERR_MAX];

	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), 0);
	assert_int_equal(read_all(f->path, file, sizeof(file)), PP_SIZE);
	assert_memory_equal(file, "SGPP", 4);
	assert_int_equal(file[PP_OFF_VERSION], 1);
	assert_int_equal(get64(file + PP_OFF_OPS), crypto_pwhash_OPSLIMIT_MIN);
	assert_int_equal(get64(file + PP_OFF_MEM), crypto_pwhash_MEMLIMIT_MIN);
	assert_int_equal(crypto_pwhash(want, sizeof(want), "pw", 2, file + PP_OFF_SALT,
	                               crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
	                               crypto_pwhash_ALG_ARGON2ID13),
	                 0);
	assert_memory_equal(kek, want, sizeof(kek));
}

/* Without the test switch the cost is the file vault's for new vaults. */
static void
test_default_cost_is_the_vaults(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t kek[ENCLAVE_KEK_LEN], file[PP_SIZE];
	char err[ENCLAVE_ERR_MAX];

	unsetenv("SIGIL_ENCLAVE_ARGON2_FAST");
	int rc = obtain(f->dir, "pw", kek, err, sizeof(err));
	setenv("SIGIL_ENCLAVE_ARGON2_FAST", "1", 1);
	assert_int_equal(rc, 0);
	assert_int_equal(read_all(f->path, file, sizeof(file)), PP_SIZE);
	assert_int_equal(get64(file + PP_OFF_OPS), crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_int_equal(get64(file + PP_OFF_MEM), crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

static void
test_wrong_passphrase(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];

	assert_int_equal(obtain(f->dir, "right", kek, err, sizeof(err)), 0);
	assert_int_equal(obtain(f->dir, "wrong", kek, err, sizeof(err)), SIGIL_E_PASSPHRASE);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	assert_string_equal(err, "wrong passphrase");
	/* A prefix is wrong too, and the right one still works after. */
	assert_int_equal(obtain(f->dir, "righ", kek, err, sizeof(err)), SIGIL_E_PASSPHRASE);
	assert_int_equal(obtain(f->dir, "right", kek, err, sizeof(err)), 0);
}

/* A byte-string passphrase is all its value_len bytes, a NUL included:
 * "ab\0cd" and "ab" are different passphrases. */
static void
test_passphrase_with_nul_byte(void **state)
{
	struct pp_fixture *f = *state;
	struct enclave_credentials c;
	struct kek_env env = {.state_dir = f->dir};
	uint8_t kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];

	memset(&c, 0, sizeof(c));
	kt_cred_add(&c, "passphrase", "ab\0cd", 5);
	assert_int_equal(kek_passphrase.obtain(&c, &env, kek, err, sizeof(err)), 0);
	assert_int_equal(obtain(f->dir, "ab", kek, err, sizeof(err)), SIGIL_E_PASSPHRASE);
	assert_int_equal(kek_passphrase.obtain(&c, &env, kek, err, sizeof(err)), 0);
}

static void
test_missing_passphrase(void **state)
{
	struct pp_fixture *f = *state;
	struct enclave_credentials c;
	struct kek_env env = {.state_dir = f->dir};
	uint8_t kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];

	memset(&c, 0, sizeof(c));
	kt_cred_add(&c, "provider", "passphrase", strlen("passphrase"));
	memset(kek, 0xaa, sizeof(kek));
	assert_int_equal(kek_passphrase.obtain(&c, &env, kek, err, sizeof(err)), SIGIL_E_INVALID);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	assert_non_null(strstr(err, "passphrase"));

	memset(kek, 0xaa, sizeof(kek));
	assert_int_equal(obtain(f->dir, "", kek, err, sizeof(err)), SIGIL_E_INVALID);
	assert_true(kt_all_zero(kek, sizeof(kek)));

	/* No state directory at all. */
	cred_pass(&c, "pw");
	env.state_dir = NULL;
	assert_int_equal(kek_passphrase.obtain(&c, &env, kek, err, sizeof(err)), SIGIL_E_INVALID);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	/* Nothing was created for a refused request. */
	assert_int_equal(access(f->dir, F_OK), -1);
}

/* Rewrites the checksum after an edit, so the edit reaches the parser. */
static void
resum(uint8_t file[PP_SIZE])
{
	crypto_generichash(file + PP_OFF_SUM, PP_SIZE - PP_OFF_SUM, file, PP_OFF_SUM, NULL, 0);
}

static void
expect_damaged(struct pp_fixture *f, const uint8_t *buf, size_t len, int want, const char *msg)
{
	uint8_t kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];

	write_all(f->path, buf, len);
	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), want);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	kt_expect_err(err, msg);
}

static void
test_damaged_state_file(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t good[PP_SIZE], bad[8192], kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];

	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), 0);
	assert_int_equal(read_all(f->path, good, sizeof(good)), PP_SIZE);

	for (size_t len = 0; len < PP_SIZE; len += 7)
		expect_damaged(f, good, len, SIGIL_E_CORRUPT, "damaged");
	expect_damaged(f, good, PP_SIZE - 1, SIGIL_E_CORRUPT, "damaged");
	memcpy(bad, good, PP_SIZE);
	bad[PP_SIZE] = 0;
	expect_damaged(f, bad, PP_SIZE + 1, SIGIL_E_CORRUPT, "damaged");
	memset(bad, 'x', sizeof(bad));
	expect_damaged(f, bad, sizeof(bad), SIGIL_E_CORRUPT, "damaged");

	/* One flipped bit anywhere: the checksum catches it, and the error
	 * says "damaged", not "wrong passphrase". */
	for (size_t i = 0; i < PP_SIZE; i += 5) {
		memcpy(bad, good, PP_SIZE);
		bad[i] ^= 0x10;
		expect_damaged(f, bad, PP_SIZE, SIGIL_E_CORRUPT, "damaged");
	}

	/* Edits with a valid checksum reach the parser's own checks. */
	memcpy(bad, good, PP_SIZE);
	bad[PP_OFF_VERSION] = 2;
	resum(bad);
	expect_damaged(f, bad, PP_SIZE, SIGIL_E_UNSUPPORTED, "version 2");
	memcpy(bad, good, PP_SIZE);
	bad[PP_OFF_OPS] = 0x7f; /* hours of Argon2id */
	resum(bad);
	expect_damaged(f, bad, PP_SIZE, SIGIL_E_CORRUPT, "out of bounds");
	memcpy(bad, good, PP_SIZE);
	bad[PP_OFF_MEM + 2] = 0x01; /* a terabyte */
	resum(bad);
	expect_damaged(f, bad, PP_SIZE, SIGIL_E_CORRUPT, "out of bounds");
	/* The cost and salt are bound to the check value by its AD: a changed
	 * salt with a fixed-up checksum opens nothing. */
	memcpy(bad, good, PP_SIZE);
	bad[PP_OFF_SALT] ^= 1;
	resum(bad);
	expect_damaged(f, bad, PP_SIZE, SIGIL_E_PASSPHRASE, "wrong passphrase");

	/* A directory where the file should be. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), SIGIL_E_IO);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	assert_int_equal(rmdir(f->path), 0);

	/* The original still opens. */
	write_all(f->path, good, PP_SIZE);
	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), 0);
}

static void
test_two_state_dirs_two_keks(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char other[160], err[ENCLAVE_ERR_MAX];

	snprintf(other, sizeof(other), "%s/other", f->root);
	assert_int_equal(obtain(f->dir, "same", k1, err, sizeof(err)), 0);
	assert_int_equal(obtain(other, "same", k2, err, sizeof(err)), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
}

/* Neither provider code nor libsodium leaves the KEK on the stack, nor
 * anywhere else in memory. */
static void
test_no_kek_left_behind(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX];

	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), 0);
	assert_false(kt_stack_holds(kek, 32 * 1024));
	assert_int_equal(obtain(f->dir, "pw", kek, err, sizeof(err)), 0);
	assert_false(kt_stack_holds(kek, 32 * 1024));
	const uint8_t *mine[] = {kek};
	assert_int_equal(kt_memory_holds(kek, mine, 1, true), 0);
}

static void
test_unwritable_state_dir(void **state)
{
	struct pp_fixture *f = *state;
	uint8_t kek[ENCLAVE_KEK_LEN];
	char err[ENCLAVE_ERR_MAX], file[160];

	/* A regular file where the directory should be. */
	snprintf(file, sizeof(file), "%s/plainfile", f->root);
	write_all(file, (const uint8_t *)"x", 1);
	assert_int_not_equal(obtain(file, "pw", kek, err, sizeof(err)), 0);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	assert_true(err[0] != '\0');
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	setenv("SIGIL_ENCLAVE_ARGON2_FAST", "1", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test_setup_teardown(test_first_use_creates_file_then_same_kek, setup,
		                                 teardown),
		cmocka_unit_test_setup_teardown(test_kek_is_argon2id_of_stored_salt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_cost_is_the_vaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passphrase_with_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_state_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_state_dirs_two_keks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_kek_left_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_state_dir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
