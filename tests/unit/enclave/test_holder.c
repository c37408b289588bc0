/* sigil-enclave's requests (enclave/holder/holder.h), every one and every
 * error: the state table (uninitialized, already initialized), keys of the
 * four types generated, imported and signed with, invalid handles, blobs
 * of another holder, and frames that are not requests. The signatures are
 * checked with sigil's verifiers here; the integration test checks them
 * with implementations we did not write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "enclave/holder/holder.h"

struct fx {
	char dir[64];
	struct holder *h;
};

static void
req_init(struct enclave_request *r, enum enclave_op op)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->scheme = ENCLAVE_SCHEME_TEZOS;
}

static struct holder *
holder_in(const char *dir)
{
	struct holder_options o = {.env = {.state_dir = dir}, .confine = false};
	struct holder *h;
	assert_int_equal(holder_new(&o, &h), 0);
	return h;
}

static void
initialize(struct holder *h, const char *pass, bool ok, const char *msg)
{
	struct enclave_request r;
	struct enclave_reply rep;

	req_init(&r, ENCLAVE_INITIALIZE);
	if (pass != NULL) {
		assert_int_equal(enclave_credentials_set(&r.cred, "provider", "passphrase"), 0);
		assert_int_equal(enclave_credentials_set(&r.cred, "passphrase", pass), 0);
	}
	holder_handle(h, &r, &rep);
	assert_int_equal(rep.ok, ok);
	if (msg)
		assert_non_null(strstr(rep.message, msg));
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/sigil-holder.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->h = holder_in(f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	holder_free(f->h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_state_table(void **state)
{
	struct fx *f = *state;
	struct enclave_request r;
	struct enclave_reply rep;

	for (int op = ENCLAVE_IMPORT; op <= ENCLAVE_PROVE_POSSESSION; op++) {
		req_init(&r, (enum enclave_op)op);
		holder_handle(f->h, &r, &rep);
		assert_false(rep.ok);
		assert_string_equal(rep.message, "uninitialized");
	}
	initialize(f->h, NULL, false, "provider");
	req_init(&r, ENCLAVE_INITIALIZE);
	assert_int_equal(enclave_credentials_set(&r.cred, "provider", "kms-of-nowhere"), 0);
	holder_handle(f->h, &r, &rep);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.message, "unknown KEK provider"));
	initialize(f->h, "correct horse", true, NULL);
	initialize(f->h, "correct horse", false, "already initialized");
	req_init(&r, ENCLAVE_OP_NONE);
	holder_handle(f->h, &r, &rep);
	assert_false(rep.ok);
}

static void
test_wrong_passphrase(void **state)
{
	struct fx *f = *state;
	struct holder *h2;

	initialize(f->h, "first passphrase", true, NULL);
	/* Another holder on the same state directory, another passphrase. */
	h2 = holder_in(f->dir);
	initialize(h2, "second passphrase", false, "wrong passphrase");
	/* Still uninitialized: the right one then works. */
	initialize(h2, "first passphrase", true, NULL);
	holder_free(h2);
}

/* Verifies sig over msg as a Sign without scheme makes it. */
static void
verify_tezos(enum sigil_key_type t, const uint8_t *pk, size_t pklen, const uint8_t *msg,
             size_t len, const uint8_t *sig, size_t siglen, unsigned version)
{
	if (t == SIGIL_KEY_BLS) {
		assert_int_equal(sigil_bls_verify(pk, pklen, version == 1 ? SIGIL_BLS_AUG : SIGIL_BLS_POP,
		                                  msg, len, sig, siglen), 0);
	} else {
		uint8_t d[32];
		sigil_blake2b(d, sizeof(d), msg, len);
		assert_int_equal(sigil_verify_digest(t, pk, pklen, d, sig, siglen), 0);
	}
}

static void
test_keys(void **state)
{
	struct fx *f = *state;
	static const uint8_t msg[] = "\x03 a generic operation";

	initialize(f->h, "pass", true, NULL);
	for (int t = 0; t <= SIGIL_KEY_BLS; t++) { /* the types Tezos signs with */
		struct enclave_request r;
		struct enclave_reply gen, rep, rep2;
		uint64_t handle;

		/* Generate: a blob and its public key, nothing held. */
		req_init(&r, ENCLAVE_GENERATE);
		r.key_type = (enum sigil_key_type)t;
		holder_handle(f->h, &r, &gen);
		assert_true(gen.ok && gen.has_blob && gen.has_public_key && !gen.has_handle);
		assert_int_equal(gen.key_type, t);
		/* PublicKeyFrom: the same key, still nothing held. */
		req_init(&r, ENCLAVE_PUBLIC_KEY_FROM);
		r.blob = gen.blob;
		r.blob_len = gen.blob_len;
		holder_handle(f->h, &r, &rep);
		assert_true(rep.ok && rep.has_public_key && !rep.has_handle);
		assert_int_equal(rep.pk_len, gen.pk_len);
		assert_memory_equal(rep.pk, gen.pk, gen.pk_len);
		/* Import, twice: one handle. */
		req_init(&r, ENCLAVE_IMPORT);
		r.blob = gen.blob;
		r.blob_len = gen.blob_len;
		holder_handle(f->h, &r, &rep);
		assert_true(rep.ok && rep.has_handle && rep.handle != 0);
		handle = rep.handle;
		holder_handle(f->h, &r, &rep);
		assert_int_equal(rep.handle, handle);
		/* PublicKey by handle. */
		req_init(&r, ENCLAVE_PUBLIC_KEY);
		r.handle = handle;
		holder_handle(f->h, &r, &rep);
		assert_true(rep.ok);
		assert_memory_equal(rep.pk, gen.pk, gen.pk_len);
		/* Sign as Signatory does, then SignWith: the same signature. */
		req_init(&r, ENCLAVE_SIGN);
		r.handle = handle;
		r.msg = (uint8_t *)msg;
		r.msg_len = sizeof(msg) - 1;
		holder_handle(f->h, &r, &rep);
		assert_true(rep.ok && rep.has_sig);
		verify_tezos((enum sigil_key_type)t, gen.pk, gen.pk_len, msg, sizeof(msg) - 1, rep.sig,
		             rep.sig_len, 2);
		req_init(&r, ENCLAVE_SIGN_WITH);
		r.blob = gen.blob;
		r.blob_len = gen.blob_len;
		r.msg = (uint8_t *)msg;
		r.msg_len = sizeof(msg) - 1;
		holder_handle(f->h, &r, &rep2);
		assert_true(rep2.ok);
		assert_int_equal(rep2.sig_len, rep.sig_len);
		assert_memory_equal(rep2.sig, rep.sig, rep.sig_len);
		/* ProvePossession: Bls keys only. */
		req_init(&r, ENCLAVE_PROVE_POSSESSION);
		r.handle = handle;
		holder_handle(f->h, &r, &rep);
		assert_int_equal(rep.ok, t == SIGIL_KEY_BLS);
		if (t == SIGIL_KEY_BLS)
			assert_int_equal(sigil_bls_verify(gen.pk, gen.pk_len, SIGIL_BLS_PROOF, gen.pk,
			                                  gen.pk_len, rep.sig, rep.sig_len), 0);
		else
			assert_non_null(strstr(rep.message, "Bls keys only"));
	}
}

static void
test_schemes(void **state)
{
	struct fx *f = *state;
	struct enclave_request r;
	struct enclave_reply gen, rep;
	uint8_t digest[32];
	static const uint8_t msg[] = "consensus bytes";

	initialize(f->h, "pass", true, NULL);
	/* Bls: version 1 is message augmentation, 0 is refused. */
	req_init(&r, ENCLAVE_GENERATE_AND_IMPORT);
	r.key_type = SIGIL_KEY_BLS;
	holder_handle(f->h, &r, &gen);
	assert_true(gen.ok && gen.has_handle && gen.has_blob);
	req_init(&r, ENCLAVE_SIGN);
	r.handle = gen.handle;
	r.msg = (uint8_t *)msg;
	r.msg_len = sizeof(msg) - 1;
	r.has_version = true;
	r.version = 1;
	holder_handle(f->h, &r, &rep);
	assert_true(rep.ok);
	verify_tezos(SIGIL_KEY_BLS, gen.pk, gen.pk_len, msg, sizeof(msg) - 1, rep.sig, rep.sig_len, 1);
	r.version = 0;
	holder_handle(f->h, &r, &rep);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.message, "version 0"));
	/* "plain" on ECDSA signs a 32-byte digest as given, and refuses others. */
	req_init(&r, ENCLAVE_GENERATE_AND_IMPORT);
	r.key_type = SIGIL_KEY_P256;
	holder_handle(f->h, &r, &gen);
	assert_true(gen.ok);
	sigil_blake2b(digest, sizeof(digest), msg, sizeof(msg) - 1);
	req_init(&r, ENCLAVE_SIGN);
	r.handle = gen.handle;
	r.scheme = SIGIL_SCHEME_PLAIN;
	r.msg = digest;
	r.msg_len = sizeof(digest);
	holder_handle(f->h, &r, &rep);
	assert_true(rep.ok);
	assert_int_equal(sigil_verify_digest(SIGIL_KEY_P256, gen.pk, gen.pk_len, digest, rep.sig,
	                                     rep.sig_len), 0);
	r.msg_len = 31;
	holder_handle(f->h, &r, &rep);
	assert_false(rep.ok);
	/* A Bls scheme for an ECDSA key. */
	r.msg_len = 32;
	r.scheme = SIGIL_SCHEME_BLS_POP;
	holder_handle(f->h, &r, &rep);
	assert_false(rep.ok);
}

static void
test_import_unencrypted(void **state)
{
	struct fx *f = *state;
	struct enclave_request r;
	struct enclave_reply rep;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;

	initialize(f->h, "pass", true, NULL);
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		req_init(&r, ENCLAVE_IMPORT_UNENCRYPTED);
		r.key_type = (enum sigil_key_type)t;
		assert_int_equal(sigil_keygen(r.key_type, r.secret), 0);
		assert_int_equal(sigil_pubkey(r.key_type, r.secret, pk, &pklen), 0);
		holder_handle(f->h, &r, &rep);
		assert_true(rep.ok && rep.has_handle && rep.has_blob);
		assert_int_equal(rep.pk_len, pklen);
		assert_memory_equal(rep.pk, pk, pklen);
	}
	/* Zero is no secret for the ECDSA curves or BLS. */
	req_init(&r, ENCLAVE_IMPORT_UNENCRYPTED);
	r.key_type = SIGIL_KEY_SECP256K1;
	holder_handle(f->h, &r, &rep);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.message, "not a valid"));
}

static void
test_bad_handles_and_blobs(void **state)
{
	struct fx *f = *state;
	struct enclave_request r;
	struct enclave_reply gen, rep;
	static const enum enclave_op by_handle[] = {ENCLAVE_SIGN, ENCLAVE_PUBLIC_KEY,
	                                            ENCLAVE_PROVE_POSSESSION};
	char dir2[] = "/tmp/sigil-holder2.XXXXXX", cmd[64];
	struct holder *h2;

	initialize(f->h, "pass", true, NULL);
	for (size_t i = 0; i < sizeof(by_handle) / sizeof(by_handle[0]); i++) {
		req_init(&r, by_handle[i]);
		r.handle = 4242;
		holder_handle(f->h, &r, &rep);
		assert_false(rep.ok);
		assert_string_equal(rep.message, "invalid handle");
	}
	/* A blob of another holder (another KEK) is refused by every op. */
	assert_non_null(mkdtemp(dir2));
	h2 = holder_in(dir2);
	initialize(h2, "pass", true, NULL); /* same passphrase, another salt */
	req_init(&r, ENCLAVE_GENERATE);
	r.key_type = SIGIL_KEY_ED25519;
	holder_handle(h2, &r, &gen);
	assert_true(gen.ok);
	holder_free(h2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir2);
	assert_int_equal(system(cmd), 0);
	for (int op = ENCLAVE_IMPORT; op <= ENCLAVE_PUBLIC_KEY_FROM; op++) {
		if (op != ENCLAVE_IMPORT && op != ENCLAVE_SIGN_WITH && op != ENCLAVE_PUBLIC_KEY_FROM)
			continue;
		req_init(&r, (enum enclave_op)op);
		r.blob = gen.blob;
		r.blob_len = gen.blob_len;
		r.msg = (uint8_t *)"x";
		r.msg_len = 1;
		holder_handle(f->h, &r, &rep);
		assert_false(rep.ok);
		assert_non_null(strstr(rep.message, "does not decrypt"));
	}
}

static void
test_frames(void **state)
{
	struct fx *f = *state;
	struct enclave_request r;
	struct enclave_reply rep;
	uint8_t *in = NULL, *out = NULL;
	size_t inlen, outlen;
	static const uint8_t junk[] = {0xff, 0x00, 0x13};
	char err[256];

	/* Not CBOR: an Err to send, and the frame counts as bad. */
	assert_int_equal(holder_frame(f->h, junk, sizeof(junk), &out, &outlen), SIGIL_E_INVALID);
	assert_non_null(out);
	assert_int_equal(enclave_reply_decode(ENCLAVE_OP_NONE, out, outlen, &rep, err, sizeof(err)),
	                 0);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.message, "bad request"));
	free(out);
	/* A good frame: its reply. */
	req_init(&r, ENCLAVE_PUBLIC_KEY);
	r.handle = 1;
	assert_int_equal(enclave_request_encode(&r, &in, &inlen), 0);
	assert_int_equal(holder_frame(f->h, in, inlen, &out, &outlen), 0);
	assert_int_equal(enclave_reply_decode(ENCLAVE_PUBLIC_KEY, out, outlen, &rep, err,
	                                      sizeof(err)), 0);
	assert_string_equal(rep.message, "uninitialized");
	free(in);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schemes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_unencrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_handles_and_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames, setup, teardown),
	};
	/* Argon2id at its test cost (a build with the test hooks only). */
	setenv("SIGIL_ENCLAVE_ARGON2_FAST", "1", 1);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
