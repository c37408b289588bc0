/* Importing Signatory and octez-signer watermark files into the file store.
 *
 * The base58 strings below were produced by @taquito/utils 24.2.0
 * (b58Encode with PrefixV2.ChainID, Ed25519PublicKeyHash,
 * Secp256k1PublicKeyHash, BLS12_381PublicKeyHash, ValueHash,
 * Ed25519Signature, GenericSignature, Secp256k1Signature) from the byte
 * patterns named beside each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/keys.h"
#include "crypto/sig.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"
#include "chain/tezos/wm_import.h"
#include "watermark/import.h"
#include "watermark/watermark.h"
#include <sodium.h>

/* The CLI's imports (cli/watermark.c): a Tezos reader, then the store. */
static int
wm_import_signatory(struct wm_store *s, const char *path)
{
	struct chain_marks l = {0};
	int rc = tz_marks_signatory(path, &l);
	if (rc == 0)
		rc = wm_import_marks(s, path, &l);
	free(l.v);
	return rc;
}

static int
wm_import_octez(struct wm_store *s, const char *path, enum wm_kind kind, tz_pk_lookup lookup,
                void *arg)
{
	struct chain_marks l = {0};
	int rc = tz_marks_octez(path, (unsigned)kind, lookup, arg, &l);
	if (rc == 0)
		rc = wm_import_marks(s, path, &l);
	free(l.v);
	return rc;
}

#define NET_MAIN "NetXdQprcVkpaWU"  /* 7a06a770 */
#define NET_OTHER "NetXHAoG8TyXu4i" /* 01020304 */
#define TZ1 "tz1MCGdC9qYbSjtWEbup9i17WkohvzwCm2HV" /* ed25519, 0x11 x 20 */
#define TZ2 "tz2BRiXV32sy4x7U4FMwuVwNYSyR4gVvF7wZ" /* secp256k1, 0x22 x 20 */
#define TZ4 "tz4FEDKB6iFtnFNpqdHdkQJ1scwLazRg9YAy" /* bls, 0x44 x 20 */
#define VH_SEQ "vh1g8DPZMNxnqDHkq2npmkL4UWMc54RbG3UhgUxcbzwumQ8nioVd" /* 00 01 .. 1f */
#define VH_AB "vh2yjD44u9hPWqy57bfAqEz6sqNZZshgf424dFe4FbwDdTBSdCdK"  /* 0xab x 32 */
#define EDSIG_5A                                                                    \
	"edsigtjdN912nrpzeou1FaTstBmtLDw7qDnYc2N7eGUrQGk7emvtEBWdu8EzFaH46HwSfnQ4xUwah" \
	"xxtdnqh5ogGaurUfKeTEkE" /* 0x5a x 64 */
#define SIG_5B                                                                      \
	"sigZwWrFeRyskm8SjNz6A2CgL12JojsqbZxZbf6FCZZ4D3G6M6iqJaf6cJAtg49LQbsFKg8hWVKqc" \
	"UUzH5xa2jg8djTH8ouE" /* generic, 0x5b x 64 */
#define SPSIG_5C                                                                    \
	"spsig1Htp1d6DrCg3tMSZVtqVpnjZWLN9ab9pk1xjR9i1ecF6V9QNwcxjE8x7WUUu9bckUMoASw5F" \
	"xUSp1DcQHUpMYgQ1xMUUkU" /* 0x5c x 64 */
#define HEX_AB "abababababababababababababababababababababababababababababababab"
#define HEX_SEQ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

struct ctx {
	char dir[64];
	char store[96];
	struct wm_store *s;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "./wmimp.XXXXXX");
	if (mkdtemp(c->dir) == NULL)
		return -1;
	snprintf(c->store, sizeof(c->store), "%s/store", c->dir);
	bool created;
	if (wm_file_init(c->store, &created) != 0 || wm_file_open(c->store, &c->s) != 0)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[128];
	c->s->ops->close(c->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	int rc = system(cmd);
	free(c);
	return rc == 0 ? 0 : -1;
}

static const char *
fixture(struct ctx *c, const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0700);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static struct wm_id
id_of(const char *chain4, uint8_t tag, uint8_t fill, enum wm_kind kind)
{
	struct wm_id id;
	memset(&id, 0, sizeof(id));
	memcpy(id.chain_id, chain4, 4);
	id.key[0] = tag;
	memset(id.key + 1, fill, 20);
	id.kind = kind;
	return id;
}

#define MAIN "\x7a\x06\xa7\x70"
#define OTHER "\x01\x02\x03\x04"

static int
try_adv(struct wm_store *s, struct wm_id id, int32_t level, int32_t round, uint8_t fill,
        struct wm_mark *prev)
{
	struct wm_mark m, tmp;
	memset(&m, 0, sizeof(m));
	m.level = level;
	m.round = round;
	m.has_digest = true;
	memset(m.digest, fill, 32);
	return s->ops->check_advance(s, &id, &m, prev ? prev : &tmp, NULL);
}

static int
count_cb(void *arg, const struct wm_id *id, const struct wm_mark *m)
{
	(void)id;
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static int
count(struct wm_store *s)
{
	int n = 0;
	assert_int_equal(s->ops->each(s, count_cb, &n, NULL), 0);
	return n;
}

static void
test_signatory(void **state)
{
	struct ctx *c = *state;
	struct wm_store *s = c->s;
	struct wm_mark g, prev;

	/* Already higher than the file: must stay. Lower: must be raised. */
	struct wm_id pre = id_of(MAIN, 0, 0x11, WM_PREATTESTATION);
	g = (struct wm_mark){.level = 20};
	assert_int_equal(s->ops->set(s, &pre, &g, NULL), 0);
	struct wm_id tz4att = id_of(MAIN, 3, 0x44, WM_ATTESTATION);
	g = (struct wm_mark){.level = 3, .round = 9};
	assert_int_equal(s->ops->set(s, &tz4att, &g, NULL), 0);

	const char *p = fixture(c, "watermark_v2/" NET_MAIN ".json",
		"{\"" TZ1 "\": {"
		"  \"block\": {\"level\": 7, \"round\": 2, \"hash\": \"" VH_SEQ "\"},"
		"  \"preattestation\": {\"level\": 9, \"round\": 1, \"hash\": \"" VH_AB "\"},"
		"  \"attestation\": {\"level\": 9, \"round\": 0, \"hash\": \"" VH_SEQ "\"},"
		"  \"attestation_with_dal\": {\"level\": 9, \"round\": 3, \"hash\": \"" VH_AB "\"}},"
		" \"" TZ4 "\": {\"attestation\": {\"level\": 12}}}");
	assert_int_equal(wm_import_signatory(s, p), 0);

	/* Block: the level is spent whatever the round (Signatory's block
	 * round is the payload round). */
	struct wm_id blk = id_of(MAIN, 0, 0x11, WM_BLOCK);
	assert_int_equal(s->ops->get(s, &blk, &g, NULL), 0);
	assert_int_equal(g.level, 7);
	assert_int_equal(g.round, INT32_MAX);
	assert_true(g.has_digest);
	assert_int_equal(g.digest[0], 0x00);
	assert_int_equal(g.digest[31], 0x1f);
	assert_int_equal(try_adv(s, blk, 7, 5, 0x01, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(try_adv(s, blk, 8, 0, 0x01, NULL), WM_ADVANCED);

	/* Preattestation: the store's 20 stays. */
	assert_int_equal(s->ops->get(s, &pre, &g, NULL), 0);
	assert_int_equal(g.level, 20);

	/* Attestation: the higher of attestation and attestation_with_dal. */
	struct wm_id att = id_of(MAIN, 0, 0x11, WM_ATTESTATION);
	assert_int_equal(s->ops->get(s, &att, &g, NULL), 0);
	assert_int_equal(g.level, 9);
	assert_int_equal(g.round, 3);
	assert_int_equal(try_adv(s, att, 9, 3, 0xab, &prev), WM_IDENTICAL);
	assert_int_equal(prev.sig_len, 0);
	assert_int_equal(try_adv(s, att, 9, 3, 0xac, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(try_adv(s, att, 9, 2, 0xab, NULL), SIGIL_E_WATERMARK);

	/* tz4: raised from (3, 9) to (12, 0), no digest so no identity. */
	assert_int_equal(s->ops->get(s, &tz4att, &g, NULL), 0);
	assert_int_equal(g.level, 12);
	assert_int_equal(g.round, 0);
	assert_false(g.has_digest);
	assert_int_equal(try_adv(s, tz4att, 12, 0, 0x00, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(try_adv(s, tz4att, 12, 1, 0x00, NULL), WM_ADVANCED);

	/* Importing again never lowers what has since advanced. */
	assert_int_equal(wm_import_signatory(s, p), 0);
	assert_int_equal(s->ops->get(s, &blk, &g, NULL), 0);
	assert_int_equal(g.level, 8);
}

static void
test_octez(void **state)
{
	struct ctx *c = *state;
	struct wm_store *s = c->s;
	struct wm_mark g, prev;

	const char *p = fixture(c, "attestation_high_watermark",
		"{\"" NET_MAIN "\": {"
		"   \"" TZ1 "\": {\"level\": 30, \"round\": 1, \"hash\": \"" HEX_AB "\","
		"                \"signature\": \"" EDSIG_5A "\"},"
		"   \"" TZ2 "\": {\"level\": 31, \"hash\": \"" HEX_SEQ "\", \"signature\": \"" SIG_5B "\"}},"
		" \"" NET_OTHER "\": {\"" TZ1 "\": {\"level\": 5, \"round\": 0, \"hash\": \"" HEX_SEQ "\"}}}");
	assert_int_equal(wm_import_octez(s, p, WM_ATTESTATION, NULL, NULL), 0);
	assert_int_equal(count(s), 3);

	struct wm_id a1 = id_of(MAIN, 0, 0x11, WM_ATTESTATION);
	/* The signatures cannot be checked (no key): dropped, marks kept. */
	assert_int_equal(try_adv(s, a1, 30, 1, 0xab, &prev), WM_IDENTICAL);
	assert_int_equal(prev.sig_len, 0);
	assert_int_equal(try_adv(s, a1, 30, 1, 0xac, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(try_adv(s, a1, 30, 2, 0xac, NULL), WM_ADVANCED);

	/* No round: the whole level stays refused. Generic "sig" accepted. */
	struct wm_id a2 = id_of(MAIN, 1, 0x22, WM_ATTESTATION);
	assert_int_equal(s->ops->get(s, &a2, &g, NULL), 0);
	assert_int_equal(g.level, 31);
	assert_int_equal(g.round, INT32_MAX);
	assert_int_equal(g.sig_len, 0);
	assert_int_equal(g.digest[1], 0x01);

	struct wm_id o1 = id_of(OTHER, 0, 0x11, WM_ATTESTATION);
	assert_int_equal(s->ops->get(s, &o1, &g, NULL), 0);
	assert_int_equal(g.level, 5);
	assert_int_equal(g.sig_len, 0);

	/* The same file as block marks: a separate kind. */
	assert_int_equal(wm_import_octez(s, p, WM_BLOCK, NULL, NULL), 0);
	struct wm_id b1 = id_of(MAIN, 0, 0x11, WM_BLOCK);
	assert_int_equal(s->ops->get(s, &b1, &g, NULL), 0);
	assert_int_equal(g.level, 30);
	assert_int_equal(count(s), 6);
	assert_int_equal(wm_import_octez(s, p, (enum wm_kind)7, NULL, NULL), SIGIL_E_INVALID);
}

static void
expect_nothing(struct ctx *c, int got, int want)
{
	assert_int_equal(got, want);
	assert_int_equal(count(c->s), 0);
}

static void
test_malformed(void **state)
{
	struct ctx *c = *state;
	struct wm_store *s = c->s;
	const char *p;
	const char *good = "\"" TZ1 "\": {\"block\": {\"level\": 7, \"round\": 2}}";

#define SIGN_FILE "watermark_v2/" NET_MAIN ".json"
	p = fixture(c, SIGN_FILE, "{");
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	p = fixture(c, SIGN_FILE, "[]");
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	/* One good entry, then a bad one: all or nothing. */
	char buf[1024];
	snprintf(buf, sizeof(buf), "{%s, \"" TZ2 "\": {\"block\": {\"level\": \"8\"}}}", good);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{%s, \"" TZ2 "\": {\"endorsement\": {\"level\": 8}}}", good);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{%s, \"" TZ2 "\": {\"block\": {\"level\": -1}}}", good);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{%s, \"" TZ2 "\": {\"block\": {\"level\": 2147483648}}}", good);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{%s, \"" TZ2 "\": {\"block\": {\"round\": 1}}}", good);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	/* A value hash with its last character changed (checksum). */
	snprintf(buf, sizeof(buf),
	         "{%s, \"" TZ2 "\": {\"block\": {\"level\": 8, \"hash\": \"%.*sL\"}}}", good,
	         (int)strlen(VH_SEQ) - 1, VH_SEQ);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{%s, \"tz1notanaddress\": {}}", good);
	p = fixture(c, SIGN_FILE, buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	snprintf(buf, sizeof(buf), "{%s}", good);
	p = fixture(c, "watermark_v2/mainnet.json", buf);
	expect_nothing(c, wm_import_signatory(s, p), SIGIL_E_INVALID);
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/watermark_v2/" NET_OTHER ".json", c->dir);
	expect_nothing(c, wm_import_signatory(s, missing), SIGIL_E_NOT_FOUND);

	const char *ok = "\"" NET_MAIN "\": {\"" TZ1 "\": {\"level\": 1, \"hash\": \"" HEX_AB "\"}}";
	const char *bad_octez[] = {
		"\"NetXdQprcVkpaWV\": {}", /* chain id checksum */
		"\"" NET_OTHER "\": {\"" TZ1 "\": {\"level\": 1}}", /* no hash */
		"\"" NET_OTHER "\": {\"" TZ1 "\": {\"level\": 1, \"hash\": \"abab\"}}", /* short */
		"\"" NET_OTHER "\": {\"" TZ1 "\": {\"level\": 1, \"hash\": \"" HEX_AB
		"\", \"signature\": \"" SPSIG_5C "\"}}", /* secp256k1 signature for tz1 */
		"\"" NET_OTHER "\": {\"" TZ1 "\": {\"level\": 1, \"round\": 1.5, \"hash\": \"" HEX_AB
		"\"}}",
		"\"" NET_OTHER "\": {\"" TZ1 "\": {\"level\": 1, \"hash\": \"" HEX_AB
		"\", \"extra\": 1}}",
		"\"" NET_OTHER "\": []",
	};
	for (size_t i = 0; i < sizeof(bad_octez) / sizeof(bad_octez[0]); i++) {
		snprintf(buf, sizeof(buf), "{%s, %s}", ok, bad_octez[i]);
		p = fixture(c, "block_high_watermark", buf);
		expect_nothing(c, wm_import_octez(s, p, WM_BLOCK, NULL, NULL), SIGIL_E_INVALID);
	}
	/* And the good part alone does import. */
	snprintf(buf, sizeof(buf), "{%s}", ok);
	p = fixture(c, "block_high_watermark", buf);
	assert_int_equal(wm_import_octez(s, p, WM_BLOCK, NULL, NULL), 0);
	assert_int_equal(count(s), 1);
}

/* A stored signature is handed back for identical requests: kept only when
 * it verifies with the key, else dropped (the mark stays). */
struct one_key {
	uint8_t pkh[21], pk[32];
};

static int
one_key_lookup(void *arg, const uint8_t pkh[21], uint8_t *pk, size_t *pklen)
{
	struct one_key *k = arg;
	if (memcmp(pkh, k->pkh, 21) != 0)
		return SIGIL_E_NOT_FOUND;
	memcpy(pk, k->pk, 32);
	*pklen = 32;
	return 0;
}

static void
test_octez_signature_checked(void **state)
{
	struct ctx *c = *state;
	struct wm_store *s = c->s;
	struct one_key k;
	uint8_t seed[32], sk[64], digest[32], sig[64];
	char addr[TZ_B58_MAX], good[TZ_B58_MAX], bad[TZ_B58_MAX], json[1024];
	struct wm_mark prev;

	memset(seed, 0x31, sizeof(seed));
	assert_int_equal(crypto_sign_seed_keypair(k.pk, sk, seed), 0);
	k.pkh[0] = SIGIL_KEY_ED25519;
	sigil_blake2b(k.pkh + 1, 20, k.pk, 32);
	assert_int_equal(tz_pkh_encode(SIGIL_KEY_ED25519, k.pkh + 1, addr, sizeof(addr)), 0);
	memset(digest, 0xab, sizeof(digest));
	crypto_sign_detached(sig, NULL, digest, 32, sk);
	assert_int_equal(tz_sig_encode(SIGIL_KEY_ED25519, sig, 64, good, sizeof(good)), 0);
	sig[10] ^= 1;
	assert_int_equal(tz_sig_encode(SIGIL_KEY_ED25519, sig, 64, bad, sizeof(bad)), 0);
	for (int round = 0; round < 2; round++) {
		snprintf(json, sizeof(json), "{\"" NET_MAIN "\": {\"%s\": {\"level\": 40, \"round\": %d, "
		         "\"hash\": \"" HEX_AB "\", \"signature\": \"%s\"}}}", addr, round,
		         round == 0 ? good : bad);
		const char *p = fixture(c, "block_high_watermark", json);
		assert_int_equal(wm_import_octez(s, p, WM_BLOCK, one_key_lookup, &k), 0);
		struct wm_id id = {.kind = WM_BLOCK};
		memcpy(id.chain_id, "\x7a\x06\xa7\x70", 4);
		memcpy(id.key, k.pkh, 21);
		struct wm_mark m = {.level = 40, .round = round, .has_digest = true};
		memcpy(m.digest, digest, 32);
		assert_int_equal(s->ops->check_advance(s, &id, &m, &prev, NULL), WM_IDENTICAL);
		if (round == 0) {
			assert_int_equal(prev.sig_len, 64);
			sig[10] ^= 1;
			assert_memory_equal(prev.sig, sig, 64);
			sig[10] ^= 1;
		} else {
			assert_int_equal(prev.sig_len, 0); /* forged: dropped */
		}
	}
}

int
main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signatory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_octez, setup, teardown),
		cmocka_unit_test_setup_teardown(test_octez_signature_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
