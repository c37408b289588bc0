/* tz4 keys in the file vault: add, open, sign with each BLS scheme, verify.
 *
 * The BLsk, BLpk, tz4 address and BLsig strings are what @taquito/signer
 * 24.2.0 InMemorySigner returned for this key (publicKey(), publicKeyHash(),
 * sign(MSG).prefixSig, provePossession().prefixSig); the AUG signature is
 * @noble/curves 2.4.0 longSignatures over pk ‖ MSG under the AUG tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "vault/file/file.h"
#include "vault/vault.h"

#include "vault_testlib.h"

static const char *const BLSK = "BLsk2EsczrFLS5n1D99b6yGCXu8fFnhKWiQhq9WsSgq4YqxmMUAw7j";
static const char *const BLPK = "BLpk1z8C4bWX4aaS1VH6NJM8gqnoQAWXdFxAB8Acydq3FNyp331EWfmc9vsSQehXRriameNoTToD";
static const char *const TZ4 = "tz4Eguaqt8pp7B5EiUVWBHHPbttUCkjCjZvx";
/* 03 ‖ "sigil tz4 known answer" */
static const char *const MSG = "03736967696c20747a34206b6e6f776e20616e73776572";
static const char *const SIG_POP =
	"BLsigAKq6MQhRorxtwYKtYrRbrMpoXmC7DQ72Q213xKGDZwvp4a3rGqF4msmwvTcjGphau3buQTY98iD58PTuNGFvuZW3a"
	"y581yH7YjJ94MMKbkfk1sTXMCyoyjCE5h2Jas6WqwYkc3TEt";
static const char *const SIG_PROOF =
	"BLsigAHJhKJGDA1r3bWFHMZW61sZkzHq6xnRELekGCFb6niBpxQNEHkKs6r4fJenpeC8QijRtgHDdHmZ5AaDTA3tvCMpfno"
	"rXq5DbqAGiCJNVJdM6oXaWhHEqBFDeLr372MGMXk8BVYisV";
static const char *const SIG_AUG_HEX =
	"b4b7ed71cc85fa8579d81e86042ef00b0d3828debfdbe0c6ca54d00fe996a2e4b3bd28e4883e6a27110831cbebc044e8"
	"0f804fab868cabff754609c4c2a8c4192fe704265c9e468ee1f8dc46b349b3ff9a198f479ab453078af86cb0f479e4de";

static char dir[64], path[128];

static int
setup(void **state)
{
	(void)state;
	tl_tmpdir("/tmp/sigil-vbls-XXXXXX", dir, sizeof(dir), path, sizeof(path));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tl_rmdir(dir);
}

static void
unhex(const char *h, uint8_t *out, size_t len)
{
	size_t n;

	assert_int_equal(hex_decode(h, strlen(h), out, len, &n), 0);
	assert_int_equal(n, len);
}

static void
load_blsk(uint8_t sk[32])
{
	enum sigil_key_type t = SIGIL_KEY_ED25519;

	assert_int_equal(tz_sk_decode(BLSK, strlen(BLSK), NULL, &t, sk), 0);
	assert_int_equal(t, SIGIL_KEY_BLS);
}

/* Signs with every BLS scheme through the vault and checks the answers. */
static void
check_signs(struct vault *v, size_t i)
{
	const struct vault_key *k = v->ops->key(v, i);
	uint8_t msg[32], want[96], digest[32] = {0};
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	char b58[TZ_B58_MAX], addr[CHAIN_ADDRESS_MAX], pk[CHAIN_TEXT_MAX];
	size_t len = strlen(MSG) / 2;

	assert_non_null(k);
	assert_int_equal(k->type, SIGIL_KEY_BLS);
	assert_int_equal(k->pk_len, 48);
	assert_string_equal(tz_address_of(k, addr), TZ4);
	assert_string_equal(tz_public_key_of(k, pk), BLPK);
	unhex(MSG, msg, len);

	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_BLS_POP, msg, len, NULL, &sig), 0);
	assert_int_equal(sig.len, 96);
	assert_int_equal(chain_tezos.signature_text(SIGIL_KEY_BLS, sig.sig, sig.len, b58, sizeof(b58)),
	                 0);
	assert_string_equal(b58, SIG_POP);
	assert_int_equal(
		sigil_bls_verify(k->pk, k->pk_len, SIGIL_BLS_POP, msg, len, sig.sig, sig.len), 0);

	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_BLS_AUG, msg, len, NULL, &sig), 0);
	assert_int_equal(sig.len, 96);
	unhex(SIG_AUG_HEX, want, sizeof(want));
	assert_memory_equal(sig.sig, want, sizeof(want));
	assert_int_equal(
		sigil_bls_verify(k->pk, k->pk_len, SIGIL_BLS_AUG, msg, len, sig.sig, sig.len), 0);
	assert_int_equal(
		sigil_bls_verify(k->pk, k->pk_len, SIGIL_BLS_POP, msg, len, sig.sig, sig.len),
		SIGIL_E_CRYPTO);

	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_BLS_PROOF, NULL, 0, NULL, &sig), 0);
	assert_int_equal(chain_tezos.signature_text(SIGIL_KEY_BLS, sig.sig, sig.len, b58, sizeof(b58)),
	                 0);
	assert_string_equal(b58, SIG_PROOF);
	assert_int_equal(
		sigil_bls_verify(k->pk, k->pk_len, SIGIL_BLS_PROOF, NULL, 0, sig.sig, sig.len), 0);
	/* The proof names the key's own public key or nothing. */
	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_BLS_PROOF, k->pk, k->pk_len, NULL, &sig), 0);
	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_BLS_PROOF, msg, len, NULL, &sig),
	                 SIGIL_E_INVALID);
	assert_int_equal(sig.len, 0);

	/* A tz4 key never signs a digest; unknown schemes are refused. */
	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_PLAIN, digest, 32, NULL, &sig),
	                 SIGIL_E_UNSUPPORTED);
	assert_int_equal(sig.len, 0);
	assert_int_equal(v->ops->sign(v, i, (enum sigil_scheme)9, msg, len, NULL, &sig),
	                 SIGIL_E_INVALID);
	assert_int_equal(v->ops->sign(v, i, SIGIL_SCHEME_BLS_POP, NULL, 4, NULL, &sig),
	                 SIGIL_E_INVALID);
}

static void
test_file_vault(void **state)
{
	struct vault *v = NULL;
	struct vault_key info;
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	uint8_t sk[32], edsk[32];
	char addr[CHAIN_ADDRESS_MAX], pk[CHAIN_TEXT_MAX];
	(void)state;

	load_blsk(sk);
	assert_int_equal(vault_file_add(path, "pass", tz_codec(), "baker", SIGIL_KEY_BLS, sk, &info),
	                 0);
	assert_string_equal(tz_address_of(&info, addr), TZ4);
	assert_string_equal(tz_public_key_of(&info, pk), BLPK);
	for (int i = 0; i < 32; i++)
		edsk[i] = (uint8_t)(i + 1);
	assert_int_equal(
		vault_file_add(path, "pass", tz_codec(), "tz1", SIGIL_KEY_ED25519, edsk, NULL), 0);

	assert_int_equal(vault_file_open(path, "pass", tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 2);
	check_signs(v, 0);
	/* A BLS scheme asked of a tz1 key is refused, not attempted. */
	memset(&sig, 0x55, sizeof(sig));
	assert_int_equal(v->ops->sign(v, 1, SIGIL_SCHEME_BLS_POP, sk, 1, NULL, &sig),
	                 SIGIL_E_INVALID);
	assert_int_equal(sig.len, 0);
	assert_int_equal(v->ops->sign(v, 2, SIGIL_SCHEME_BLS_POP, sk, 1, NULL, &sig),
	                 SIGIL_E_UNKNOWN_KEY);
	v->ops->close(v);

	/* The scalar never appears in the file, in hex or raw. */
	char *text, hex[65];
	size_t len;
	assert_int_equal(fileio_read(path, 1 << 20, &text, &len), 0);
	assert_int_equal(hex_encode(sk, 32, hex, sizeof(hex)), 0);
	assert_null(strstr(text, hex));
	assert_null(memmem(text, len, sk, sizeof(sk)));
	free(text);
}

static void
test_bad_secret(void **state)
{
	uint8_t sk[32];
	static const uint8_t r_le[32] = {
		0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0x02, 0xa4, 0xbd, 0x53,
		0x05, 0xd8, 0xa1, 0x09, 0x08, 0xd8, 0x39, 0x33, 0x48, 0x7d, 0x9d, 0x29, 0x53, 0xa7, 0xed, 0x73,
	};
	struct vault_key info;
	(void)state;

	memset(sk, 0, sizeof(sk));
	assert_int_not_equal(vault_file_add(path, "pass", tz_codec(), "zero", SIGIL_KEY_BLS, sk, &info),
	                     0);
	assert_int_not_equal(vault_file_add(path, "pass", tz_codec(), "r", SIGIL_KEY_BLS, r_le, &info),
	                     0);
	assert_int_not_equal(vault_key_describe(SIGIL_KEY_BLS, r_le, "r", &info), 0);
}

static void
test_signatory_format(void **state)
{
	struct vault *v = NULL;
	char text[256];
	(void)state;

	snprintf(text, sizeof(text), "[{\"name\":\"baker\",\"value\":\"unencrypted:%s\"}]", BLSK);
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(vault_file_open(path, NULL, tz_codec(), &v), 0);
	assert_int_equal(v->ops->count(v), 1);
	check_signs(v, 0);
	v->ops->close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_vault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatory_format, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
