/* The tpm2 KEK provider (src/enclave/kek/tpm2.c, tpm2_esys.c) against a
 * software TPM this test starts itself: swtpm in the foreground as a child,
 * on free ports below 32768, killed and its state removed at the end. After
 * every test nothing may be left loaded in the TPM (there is no resource
 * manager to flush what the provider forgets). */
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
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

#include "base/errors.h"
#include "enclave/kek/kek.h"
#include "kek_testlib.h"
#include "swtpm_testlib.h"

#define TPM2_FILE "kek-tpm2.bin"

static unsigned g_dirs;
static const char *g_tcti; /* when set, obtain's TCTI in place of swtpm's */

/* A fresh state directory (not created: the provider makes it). */
static void
new_dir(char *out, size_t cap)
{
	snprintf(out, cap, "%s/s%u", g_root, g_dirs++);
}

/* Obtains with pcrs (NULL: not given) and bank (NULL: not given). On
 * failure the KEK must come back zeroed, with a reason in err. */
static int
obtain(const char *dir, const char *pcrs, const char *bank, uint8_t kek[ENCLAVE_KEK_LEN],
       char *err, size_t errlen)
{
	struct enclave_credentials c;
	struct kek_env env = {.state_dir = dir, .tcti = g_tcti != NULL ? g_tcti : g_tpm.tcti};
	const struct kek_provider *p = kek_provider_find("tpm2");
	int rc;

	assert_ptr_equal(p, &kek_tpm2);
	memset(&c, 0, sizeof(c));
	kt_cred_add(&c, "provider", "tpm2", strlen("tpm2"));
	if (pcrs != NULL)
		kt_cred_add(&c, "pcrs", pcrs, strlen(pcrs));
	if (bank != NULL)
		kt_cred_add(&c, "pcr_bank", bank, strlen(bank));
	memset(kek, 0xaa, ENCLAVE_KEK_LEN);
	rc = p->obtain(&c, &env, kek, err, errlen);
	if (rc != 0) {
		assert_true(kt_all_zero(kek, ENCLAVE_KEK_LEN));
		assert_true(err[0] != '\0');
	}
	return rc;
}

static size_t
read_file(const char *dir, uint8_t *buf, size_t cap)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, TPM2_FILE);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

static void
write_file(const char *dir, const uint8_t *buf, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, TPM2_FILE);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_seal_then_unseal(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN], file[4096];
	char dir[128], path[160], err[ENCLAVE_ERR_MAX];
	struct stat st;
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, NULL, NULL, k1, err, sizeof(err)), 0);
	assert_false(kt_all_zero(k1, sizeof(k1)));
	snprintf(path, sizeof(path), "%s/%s", dir, TPM2_FILE);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* The defaults, spelt out, are the same selection. */
	assert_int_equal(obtain(dir, "7", "sha256", k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	assert_int_equal(obtain(dir, NULL, NULL, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));

	/* The stored object: sha256 bank, PCR 7, and an object that only its
	 * policy unseals (no userWithAuth; adminWithPolicy). */
	size_t len = read_file(dir, file, sizeof(file));
	assert_true(len > 46);
	assert_memory_equal(file, "SGT2", 4);
	assert_int_equal(file[6] << 8 | file[7], TPM2_ALG_SHA256);
	assert_int_equal((uint32_t)file[8] << 24 | (uint32_t)file[9] << 16 | file[10] << 8 | file[11],
	                 1 << 7);
	TPM2B_PUBLIC pub;
	size_t off = 14 + 32;
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(file, len, &off, &pub), TSS2_RC_SUCCESS);
	assert_int_equal(pub.publicArea.type, TPM2_ALG_KEYEDHASH);
	assert_int_equal(pub.publicArea.objectAttributes & TPMA_OBJECT_USERWITHAUTH, 0);
	assert_true(pub.publicArea.objectAttributes & TPMA_OBJECT_ADMINWITHPOLICY);
	assert_true(pub.publicArea.objectAttributes & TPMA_OBJECT_FIXEDTPM);
	assert_int_equal(pub.publicArea.authPolicy.size, 32);

	/* Nothing but the state file is left behind (no temp files). */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A %s)\" = %s", dir, TPM2_FILE);
	assert_int_equal(system(cmd), 0);
}

static void
test_two_state_dirs_two_keks(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char d1[128], d2[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(d1, sizeof(d1));
	new_dir(d2, sizeof(d2));
	assert_int_equal(obtain(d1, "7", NULL, k1, err, sizeof(err)), 0);
	assert_int_equal(obtain(d2, "7", NULL, k2, err, sizeof(err)), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
}

static void
test_selected_pcr_extended_refuses(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", NULL, k1, err, sizeof(err)), 0);
	pcr_extend(7);
	assert_int_equal(obtain(dir, "7", NULL, k2, err, sizeof(err)), SIGIL_E_AUTH);
	assert_string_equal(err, "the TPM refused to unseal the KEK: PCR policy not satisfied "
	                         "(PCR 7 changed since it was sealed)");
	/* And it stays refused: nothing was re-sealed to the new value. */
	assert_int_equal(obtain(dir, "7", NULL, k2, err, sizeof(err)), SIGIL_E_AUTH);
}

/* With two PCRs selected, the message names the one that changed. */
static void
test_message_names_the_changed_pcr(void **state)
{
	uint8_t kek[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "0, 7", NULL, kek, err, sizeof(err)), 0);
	assert_int_equal(obtain(dir, "7,0", NULL, kek, err, sizeof(err)), 0);
	pcr_extend(0);
	assert_int_equal(obtain(dir, "0,7", NULL, kek, err, sizeof(err)), SIGIL_E_AUTH);
	kt_expect_err(err, "PCR policy not satisfied (PCR 0 changed since it was sealed)");
}

static void
test_other_pcr_extended_still_unseals(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", NULL, k1, err, sizeof(err)), 0);
	pcr_extend(8);
	pcr_extend(16);
	assert_int_equal(obtain(dir, "7", NULL, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
}

static void
test_other_bank(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", "sha1", k1, err, sizeof(err)), 0);
	/* pcr_extend touches only the sha256 bank. */
	pcr_extend(7);
	assert_int_equal(obtain(dir, "7", "sha1", k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
}

static void
test_bad_credentials(void **state)
{
	static const char *const bad_pcrs[] = {"", "24", "x", "7,7", "7,", ",7", "-1", "1000",
	                                       "0,,7", "7 7", "0x7"};
	uint8_t kek[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(bad_pcrs) / sizeof(bad_pcrs[0]); i++) {
		int rc = obtain(dir, bad_pcrs[i], NULL, kek, err, sizeof(err));
		if (rc != SIGIL_E_INVALID)
			fail_msg("pcrs \"%s\": %d", bad_pcrs[i], rc);
		kt_expect_err(err, "\"pcrs\"");
	}
	assert_int_equal(obtain(dir, "7", "md5", kek, err, sizeof(err)), SIGIL_E_INVALID);
	kt_expect_err(err, "\"pcr_bank\"");
	assert_int_equal(access(dir, F_OK), -1); /* nothing made for a refused request */

	/* Sealed to PCR 7 in sha256: the credentials must say so. */
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
	assert_int_equal(obtain(dir, "0,7", NULL, kek, err, sizeof(err)), SIGIL_E_INVALID);
	kt_expect_err(err, "sealed to PCR 7 (sha256); the credentials name PCR 0,7 (sha256)");
	assert_int_equal(obtain(dir, "7", "sha1", kek, err, sizeof(err)), SIGIL_E_INVALID);
	assert_int_equal(obtain(dir, "0", NULL, kek, err, sizeof(err)), SIGIL_E_INVALID);
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
}

static void
test_damaged_state_file(void **state)
{
	uint8_t good[4096], bad[4096], kek[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
	size_t len = read_file(dir, good, sizeof(good));
	for (size_t cut = 0; cut < len; cut += 13) {
		write_file(dir, good, cut);
		assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), SIGIL_E_CORRUPT);
		kt_expect_err(err, "damaged");
	}
	for (size_t i = 0; i < len; i += 11) {
		memcpy(bad, good, len);
		bad[i] ^= 0x01;
		write_file(dir, bad, len);
		assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), SIGIL_E_CORRUPT);
	}
	/* A fixed-up checksum over nonsense fields is still refused. */
	memcpy(bad, good, len);
	bad[13] = 48; /* a digest length that is not sha256's */
	crypto_generichash(bad + len - 16, 16, bad, len - 16, NULL, 0);
	write_file(dir, bad, len);
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), SIGIL_E_CORRUPT);
	/* An altered private part with a fixed-up checksum: the TPM refuses. */
	memcpy(bad, good, len);
	bad[len - 30] ^= 0x01;
	crypto_generichash(bad + len - 16, 16, bad, len - 16, NULL, 0);
	write_file(dir, bad, len);
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), SIGIL_E_IO);
	kt_expect_err(err, "cannot load the sealed KEK");

	write_file(dir, good, len);
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
}

/* The KEK never crosses the wire in the clear: Create's inSensitive and
 * Unseal's reply go in encrypted sessions. The pcap TCTI records every
 * command and response; the KEK must be in none, while the object's
 * policy digest (sent in the clear in Create's template) is found, to show
 * the search would find what is there. */
static void
test_kek_never_on_the_wire(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN], file[4096];
	char dir[128], cap[160], tcti[128], err[ENCLAVE_ERR_MAX];
	TPM2B_PUBLIC pub;
	size_t off = 14 + 32;
	(void)state;

	new_dir(dir, sizeof(dir));
	snprintf(cap, sizeof(cap), "%s/wire.pcap", g_root);
	setenv("TCTI_PCAP_FILE", cap, 1);
	snprintf(tcti, sizeof(tcti), "pcap:%s", g_tpm.tcti);
	g_tcti = tcti;
	int rc1 = obtain(dir, "7", NULL, k1, err, sizeof(err));
	int rc2 = obtain(dir, "7", NULL, k2, err, sizeof(err));
	g_tcti = NULL;
	unsetenv("TCTI_PCAP_FILE");
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	assert_memory_equal(k1, k2, sizeof(k1));

	size_t len = read_file(dir, file, sizeof(file));
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(file, len, &off, &pub), TSS2_RC_SUCCESS);
	FILE *fp = fopen(cap, "rb");
	assert_non_null(fp);
	static uint8_t wire[1 << 20];
	size_t n = fread(wire, 1, sizeof(wire), fp);
	fclose(fp);
	assert_true(n > 0 && n < sizeof(wire));
	assert_non_null(memmem(wire, n, pub.publicArea.authPolicy.buffer, 32));
	assert_null(memmem(wire, n, k1, sizeof(k1)));
}

/* Neither the provider nor ESYS (which decrypts Unseal's reply in a
 * buffer on its stack) leaves the KEK on the stack. */
static void
test_no_kek_left_on_the_stack(void **state)
{
	uint8_t kek[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
	assert_false(kt_stack_holds(kek, 64 * 1024));
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
	assert_false(kt_stack_holds(kek, 64 * 1024));
}

/* Nor anywhere else in memory, freed or not: ESYS keeps Create's
 * inSensitive in its context and decrypts Unseal's reply in its command
 * buffer, and frees both unwiped (tpm2.c, tpm2_esys.c say how that is
 * dealt with). A copy the test makes and frees is found, to show the
 * search reaches freed heap. */
static void
test_no_kek_left_in_memory(void **state)
{
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	const uint8_t *mine[] = {k1, k2};
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", NULL, k1, err, sizeof(err)), 0);
	assert_int_equal(kt_memory_holds(k1, mine, 1, true), 0);
	assert_int_equal(obtain(dir, "7", NULL, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	assert_int_equal(kt_memory_holds(k1, mine, 2, true), 0);

	/* The copy sits past the allocator's own use of a freed block's first
	 * bytes; the barrier keeps the compiler from eliding it. */
	uint8_t *leak = malloc(64);
	assert_non_null(leak);
	memcpy(leak + 16, k1, ENCLAVE_KEK_LEN);
	__asm__ volatile("" : : "r"(leak) : "memory");
	free(leak);
	assert_true(kt_memory_holds(k1, mine, 2, false) > 0);
}

/* No TCTI given: TPM2TOOLS_TCTI, as tpm2-tools read it (kek.h). */
static void
test_tcti_from_environment(void **state)
{
	struct enclave_credentials c;
	struct kek_env env = {.tcti = NULL};
	uint8_t k1[ENCLAVE_KEK_LEN], k2[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	env.state_dir = dir;
	memset(&c, 0, sizeof(c));
	setenv("TPM2TOOLS_TCTI", g_tpm.tcti, 1);
	int rc = kek_tpm2.obtain(&c, &env, k1, err, sizeof(err));
	unsetenv("TPM2TOOLS_TCTI");
	assert_int_equal(rc, 0);
	assert_int_equal(obtain(dir, NULL, NULL, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
}

static void
test_no_tpm_there(void **state)
{
	struct enclave_credentials c;
	struct kek_env env = {.tcti = "swtpm:host=127.0.0.1,port=1"};
	uint8_t kek[ENCLAVE_KEK_LEN];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	env.state_dir = dir;
	memset(&c, 0, sizeof(c));
	memset(kek, 0xaa, sizeof(kek));
	assert_int_equal(kek_tpm2.obtain(&c, &env, kek, err, sizeof(err)), SIGIL_E_IO);
	assert_true(kt_all_zero(kek, sizeof(kek)));
	kt_expect_err(err, "TPM");
	env.tcti = "nosuchtcti";
	assert_int_equal(kek_tpm2.obtain(&c, &env, kek, err, sizeof(err)), SIGIL_E_IO);
	kt_expect_err(err, "nosuchtcti");
	assert_int_equal(access(dir, F_OK), -1);
}

/* Last: swaps the TPM for a fresh one (a new owner seed), keeping a state
 * file sealed by the first. */
static void
test_object_from_another_tpm(void **state)
{
	uint8_t kek[ENCLAVE_KEK_LEN], before[4096], after[4096];
	char dir[128], err[ENCLAVE_ERR_MAX];
	(void)state;

	new_dir(dir, sizeof(dir));
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), 0);
	size_t len = read_file(dir, before, sizeof(before));
	swtpm_stop(&g_tpm);
	assert_int_equal(swtpm_start(&g_tpm), 0);
	assert_int_equal(obtain(dir, "7", NULL, kek, err, sizeof(err)), SIGIL_E_IO);
	kt_expect_err(err, "cannot load the sealed KEK (sealed by another TPM");
	/* The stored object is kept as it was, for the TPM it belongs to. */
	assert_int_equal(read_file(dir, after, sizeof(after)), len);
	assert_memory_equal(before, after, len);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	/* ESYS logs every TPM error it passes on; the tests provoke many. */
	setenv("TSS2_LOG", "all+none", 1);
	unsetenv("TPM2TOOLS_TCTI"); /* test_no_tpm_there must reach no TPM */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_seal_then_unseal, check_tpm_clean),
		cmocka_unit_test_teardown(test_two_state_dirs_two_keks, check_tpm_clean),
		cmocka_unit_test_teardown(test_selected_pcr_extended_refuses, check_tpm_clean),
		cmocka_unit_test_teardown(test_message_names_the_changed_pcr, check_tpm_clean),
		cmocka_unit_test_teardown(test_other_pcr_extended_still_unseals, check_tpm_clean),
		cmocka_unit_test_teardown(test_other_bank, check_tpm_clean),
		cmocka_unit_test_teardown(test_bad_credentials, check_tpm_clean),
		cmocka_unit_test_teardown(test_damaged_state_file, check_tpm_clean),
		cmocka_unit_test_teardown(test_kek_never_on_the_wire, check_tpm_clean),
		cmocka_unit_test_teardown(test_no_kek_left_on_the_stack, check_tpm_clean),
		cmocka_unit_test_teardown(test_no_kek_left_in_memory, check_tpm_clean),
		cmocka_unit_test_teardown(test_tcti_from_environment, check_tpm_clean),
		cmocka_unit_test_teardown(test_no_tpm_there, check_tpm_clean),
		cmocka_unit_test_teardown(test_object_from_another_tpm, check_tpm_clean),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
