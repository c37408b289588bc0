/* Tezos authenticated requests (auth_check): the caller signs
 * 0x04 ‖ 0x01 ‖ pkh (21 bytes) ‖ data with one of the authorized keys.
 *
 * Signatures made by @taquito/signer 24.2.0: InMemorySigner over the
 * secrets 0x11…11 (edsk), 0x12…12 (spsk), 0x13…13 (p2sk), 0x14…14 (BLsk),
 * sign(hex of the message), which signs blake2b-256 of it for tz1/tz2/tz3
 * and the bytes themselves for tz4; prefixSig is the typed form, sig the
 * generic one. The key asked for is tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH
 * (InMemorySigner over 0x01…01, the policy tests' TZ1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../unit_util.h"

#include "chain/tezos/auth.h"
#include "chain/tezos/chain.h"
#include "config/config.h"
#include "base/errors.h"

#define TZ1 "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH"
#define TZ2 "tz2XVTRqkKBQNDfyFKzNDb1UcHxrirzyYWf8"
#define PKH_HEX "00b4decd5a5f8f2ba708f8ced72eec89f44f3be96a"
/* a block request's first bytes; auth_check does not look inside */
#define DATA_HEX "117a06a7700000001001abababababababababababababababababababababababababababababababab"

#define EDPK "edpkvDxUGLDT2dsK6LJTST5SV2pZ5mBQYHRVNjMR8jSbwfWnjaytr7"
#define SPPK "sppk7c19XK6gLkbCFruHCeMV3ambboL82txR6rXGoFFogsD4BKJVciH"
#define P2PK "p2pk65KRio2rxZB5mm8KrzPXdXZ2FzQRAj5aejYcTngd5zeFABwRwuL"
#define BLPK "BLpk1ubXZTh692zHct37mBYjP1VUDosJKo1D51iFRscHFept6z6u3dTYFveysm3HdWXm1AuLjb6u"

#define EDSIG "edsigtunaJcZN3DAWpCQxThqJC1dJBfgGVtCw6DytwPvkjHSBuAnnB2sZKpc398jKShtdwA3XRLG43utdLQjtPF58zCJCSRugox"
#define ED_GENERIC "sigjy7BZLTmGyUm1RfKfz7EiLnQqbLXFLLiYEAD3vmiwREbLrBg8xUEmN86Y7XMEiHVcZuVpUhDHvrbchgj6jAo9E6b3Qv6j"
#define SPSIG "spsig1ckiHnSwMLxEpPG7ANnshpjqzkyS5aM1g8c8Jhb4kVSV3bzpV4xqp9wiZpwZ1jZnm7fXhUAAY746ooKPNtJnQhVax44KQa"
#define SP_GENERIC "sigtw2xiqgszz6SDGMCEEj3v4U5wBs1WiKCZUoXuRkwbWmcYM1JVtTs2TrsTNTxLVvgPvNxWJY6xuNiWcGs1dHVUxUVD57tz"
#define P2SIG "p2sigN2QqybCGEwPQyUSiWWykAUbCNnEsfBkRD68fWfmwBV6soq6eQvwCAxxKagLBpdeXy8PTf2gDCGb7q9tZgZDJEqWgQehSR"
#define P2_GENERIC "sigNiBztVeAn1Lx3DgTnvSxf1ooz81cZmLCmKHH7DLdy2pLGZKL2sqxtnY2PjoxPS5DM6sSanjshKGkSTxq671ry9AjD7hAL"
#define BLSIG "BLsigB2zTx1bD8f7SDNUo1rMwc8nK7uSpwcMBXDe6KaMKgkcYK2NavicgYV8d6t2vFbFjs4CDeHUiBsztsgwttKjFjkFFJ9iwUJiYL7HpDMiubrn9cRfwG7fuWGNJZHHQUCec7B6XhQZFF"
/* taquito's "generic" form of a 96-byte signature: no such thing in octez */
#define BL_GENERIC "G4s4DBpA1w2HF7JKdPVSKCE5od5heZiWdz9YHj3hKKA3X9LBSfhpW1Ee2UbvUKEWpWdbs6XYipqAEcKDKbL5dMVtoF75pv5ht5BbqFutiuRNJy9amcEhwmQbN3pJWgZouRnwZjwFNYXh"

enum { K_ED, K_SP, K_P2, K_BL, K_N };

static const char *const pks[K_N] = {EDPK, SPPK, P2PK, BLPK};
static const char *const typed[K_N] = {EDSIG, SPSIG, P2SIG, BLSIG};
static const char *const generic[K_N] = {ED_GENERIC, SP_GENERIC, P2_GENERIC, NULL};

static struct chain_pubkey keys[K_N];
static uint8_t pkh[TZ_PKH_BIN_LEN];
static uint8_t data[64];
static size_t data_len;

static int
setup(void **state)
{
	(void)state;
	for (int i = 0; i < K_N; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		if (tz_pk_decode(pks[i], strlen(pks[i]), &keys[i].type, keys[i].pk,
		                 &keys[i].pk_len) != 0)
			return -1;
	}
	if (unhex(PKH_HEX, pkh, sizeof(pkh)) != sizeof(pkh))
		return -1;
	data_len = unhex(DATA_HEX, data, sizeof(data));
	return 0;
}

static int
check1(int k, const char *sig)
{
	return auth_check(&keys[k], 1, pkh, data, data_len, sig);
}

static void
test_message(void **state)
{
	uint8_t out[2 + TZ_PKH_BIN_LEN + 64];
	size_t n;
	(void)state;

	assert_int_equal(auth_message(pkh, data, data_len, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2 + TZ_PKH_BIN_LEN + data_len);
	assert_int_equal(out[0], 0x04);
	assert_int_equal(out[1], 0x01);
	assert_memory_equal(out + 2, pkh, TZ_PKH_BIN_LEN);
	assert_int_equal(out[2], 0x00); /* key-type tag of a tz1 */
	assert_memory_equal(out + 2 + TZ_PKH_BIN_LEN, data, data_len);
	assert_int_equal(auth_message(pkh, data, data_len, out, n - 1, &n), SIGIL_E_TOO_BIG);
	assert_int_equal(n, 0);
	assert_int_equal(auth_message(pkh, NULL, 0, out, 2 + TZ_PKH_BIN_LEN, &n), 0);
	assert_int_equal(n, 2 + TZ_PKH_BIN_LEN);
}

/* Each kind of key, typed and generic signatures. */
static void
test_each_key_type(void **state)
{
	(void)state;
	assert_int_equal(keys[K_ED].type, SIGIL_KEY_ED25519);
	assert_int_equal(keys[K_SP].type, SIGIL_KEY_SECP256K1);
	assert_int_equal(keys[K_P2].type, SIGIL_KEY_P256);
	assert_int_equal(keys[K_BL].type, SIGIL_KEY_BLS);
	for (int k = 0; k < K_N; k++) {
		assert_int_equal(check1(k, typed[k]), 0);
		if (generic[k])
			assert_int_equal(check1(k, generic[k]), 0);
		/* every key in one list: the signature's type picks the key */
		assert_int_equal(auth_check(keys, K_N, pkh, data, data_len, typed[k]), 0);
		if (generic[k])
			assert_int_equal(auth_check(keys, K_N, pkh, data, data_len, generic[k]), 0);
	}
	/* a generic form exists for 64-byte signatures only */
	assert_int_equal(check1(K_BL, BL_GENERIC), SIGIL_E_AUTH);
}

static void
test_wrong_key(void **state)
{
	(void)state;
	for (int k = 0; k < K_N; k++) {
		for (int other = 0; other < K_N; other++) {
			if (other == k)
				continue;
			assert_int_equal(check1(other, typed[k]), SIGIL_E_AUTH);
			/* a generic signature is tried against the key, whatever its type */
			if (generic[k])
				assert_int_equal(check1(other, generic[k]), SIGIL_E_AUTH);
		}
	}
	/* the right type, another key of it */
	struct chain_pubkey ed2;
	const char *edpk2 = "edpkuhEcwoLysLvodRxQLzuM3AVZvCuT6koVkUahS53mNBdE8LbuGo";
	memset(&ed2, 0, sizeof(ed2));
	assert_int_equal(tz_pk_decode(edpk2, strlen(edpk2), &ed2.type, ed2.pk, &ed2.pk_len), 0);
	assert_int_equal(auth_check(&ed2, 1, pkh, data, data_len, EDSIG), SIGIL_E_AUTH);
	assert_int_equal(auth_check(&ed2, 1, pkh, data, data_len, ED_GENERIC), SIGIL_E_AUTH);
}

/* Any change to what was signed: the data, or the key the request is for
 * (an authentication for one key is not one for another). */
static void
test_tampered(void **state)
{
	uint8_t t[64], other_pkh[TZ_PKH_BIN_LEN];
	(void)state;

	for (int k = 0; k < K_N; k++) {
		memcpy(t, data, data_len);
		t[data_len - 1] ^= 0x01;
		assert_int_equal(auth_check(&keys[k], 1, pkh, t, data_len, typed[k]), SIGIL_E_AUTH);
		assert_int_equal(auth_check(&keys[k], 1, pkh, data, data_len - 1, typed[k]),
		                 SIGIL_E_AUTH);
		memcpy(other_pkh, pkh, sizeof(pkh));
		other_pkh[0] = 0x01; /* same hash, as a tz2 */
		assert_int_equal(auth_check(&keys[k], 1, other_pkh, data, data_len, typed[k]),
		                 SIGIL_E_AUTH);
		memcpy(other_pkh, pkh, sizeof(pkh));
		other_pkh[TZ_PKH_BIN_LEN - 1] ^= 0x80;
		assert_int_equal(auth_check(&keys[k], 1, other_pkh, data, data_len, typed[k]),
		                 SIGIL_E_AUTH);
	}
}

/* A high-S secp256k1 signature is the same signature made malleable:
 * libsecp256k1 (and so octez) refuses it, so must we. */
static void
test_high_s(void **state)
{
	static const uint8_t n[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
		0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
	};
	uint8_t sig[SIGIL_SIG_MAX], low[SIGIL_SIG_MAX];
	char b58[TZ_B58_MAX];
	enum sigil_key_type t = SIGIL_KEY_SECP256K1;
	size_t siglen;
	bool gen;
	(void)state;

	assert_int_equal(tz_sig_decode(SPSIG, strlen(SPSIG), &t, sig, &siglen, &gen), 0);
	assert_int_equal(siglen, 64);
	memcpy(low, sig, sizeof(low));
	for (int round = 0; round < 2; round++) {
		int borrow = 0;
		for (int i = 31; i >= 0; i--) { /* s = n - s */
			int d = n[i] - sig[32 + i] - borrow;
			borrow = d < 0;
			sig[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
		}
		assert_int_equal(borrow, 0);
		assert_int_equal(tz_sig_encode(SIGIL_KEY_SECP256K1, sig, 64, b58, sizeof(b58)), 0);
		/* the first round makes it high-S; the second gives it back */
		assert_int_equal(check1(K_SP, b58), round == 0 ? SIGIL_E_AUTH : 0);
	}
	assert_memory_equal(sig, low, 64);
}

static void
test_bad_signature_text(void **state)
{
	char s[256];
	(void)state;

	assert_int_equal(check1(K_ED, NULL), SIGIL_E_AUTH_REQUIRED);
	assert_int_equal(check1(K_ED, ""), SIGIL_E_AUTH_REQUIRED);
	assert_int_equal(check1(K_ED, "edsig"), SIGIL_E_AUTH);
	assert_int_equal(check1(K_ED, "not base58: 0OIl"), SIGIL_E_AUTH);
	/* a public key where a signature belongs */
	assert_int_equal(check1(K_ED, EDPK), SIGIL_E_AUTH);
	/* one character changed: the checksum no longer holds */
	snprintf(s, sizeof(s), "%s", EDSIG);
	s[strlen(s) - 1] = s[strlen(s) - 1] == 'x' ? 'y' : 'x';
	assert_int_equal(check1(K_ED, s), SIGIL_E_AUTH);
	/* cut short, and with a character more */
	snprintf(s, sizeof(s), "%.*s", (int)strlen(EDSIG) - 1, EDSIG);
	assert_int_equal(check1(K_ED, s), SIGIL_E_AUTH);
	snprintf(s, sizeof(s), "%s1", EDSIG);
	assert_int_equal(check1(K_ED, s), SIGIL_E_AUTH);
	/* no keys: authentication is off, whatever was sent */
	assert_int_equal(auth_check(keys, 0, pkh, data, data_len, NULL), 0);
	assert_int_equal(auth_check(keys, 0, pkh, data, data_len, "garbage"), 0);
}

/* Per-key narrowing is not in auth: config_auth_keys hands auth_check the
 * key's own list when it has one, else server.authorized_keys. */
static void
test_per_key_list(void **state)
{
	static const char yaml[] = "server:\n  authorized_keys: [" EDPK ", " SPPK "]\n"
	                           "tezos:\n  " TZ1 ":\n    authorized_keys: [" SPPK "]\n"
	                           "  " TZ2 ":\n";
	struct sigil_config *c = NULL;
	const struct chain_pubkey *ak;
	char err[256] = "";
	size_t n;
	(void)state;

	if (config_load_string(yaml, strlen(yaml), &c, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	ak = config_auth_keys(c, config_find_key(c, &chain_tezos, TZ1), &n);
	assert_int_equal(n, 1);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, SPSIG), 0);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, EDSIG), SIGIL_E_AUTH);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, ED_GENERIC), SIGIL_E_AUTH);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, NULL), SIGIL_E_AUTH_REQUIRED);
	/* a key without its own list: the server's */
	ak = config_auth_keys(c, config_find_key(c, &chain_tezos, TZ2), &n);
	assert_int_equal(n, 2);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, EDSIG), 0);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, SP_GENERIC), 0);
	assert_int_equal(auth_check(ak, n, pkh, data, data_len, P2SIG), SIGIL_E_AUTH);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message),          cmocka_unit_test(test_each_key_type),
		cmocka_unit_test(test_wrong_key),        cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_high_s),           cmocka_unit_test(test_bad_signature_text),
		cmocka_unit_test(test_per_key_list),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
