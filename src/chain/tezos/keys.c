/* Tezos forms of addresses, public keys, signatures and secret keys,
 * including the encrypted forms octez-client writes. PEM import is in
 * keys_pem.c. */
#include "chain/tezos/keys.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "base/errors.h"

/* octez-client's encrypted secret keys (lib_signer_backends/encrypted.ml;
 * the same parameters in @taquito/signer 24.2.0's InMemorySigner):
 * salt(8) || crypto_secretbox(sk) under PBKDF2-HMAC-SHA512(passphrase, salt,
 * 32768 iterations, 32 bytes), with an all-zero nonce. The zero nonce is
 * safe only because every encryption draws a fresh salt, hence a fresh key. */
#define TZ_ESK_SALT_LEN 8
#define TZ_ESK_ITER 32768
#define TZ_ESK_LEN (TZ_ESK_SALT_LEN + crypto_secretbox_MACBYTES + SIGIL_SECRET_LEN)

/* The longest payload in the prefix table (BLsig). */
#define TZ_PAYLOAD_MAX 96

/* BLS12-381 group order r, little-endian as BLsk scalars are stored. */
static const uint8_t bls_r_le[32] = {
	0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0x02, 0xa4, 0xbd, 0x53,
	0x05, 0xd8, 0xa1, 0x09, 0x08, 0xd8, 0x39, 0x33, 0x48, 0x7d, 0x9d, 0x29, 0x53, 0xa7, 0xed, 0x73,
};

struct type_prefixes {
	enum tz_prefix pkh, pk, sk, esk, sig;
	size_t pklen, siglen;
};

/* Tezos has addresses for the first four key types (tz1 to tz4), and none
 * for the others (sr25519). */
#define TZ_KEY_TYPES (SIGIL_KEY_BLS + 1)

static const struct type_prefixes by_type[TZ_KEY_TYPES] = {
	[SIGIL_KEY_ED25519] = {TZ_P_TZ1, TZ_P_EDPK, TZ_P_EDSK_SEED, TZ_P_EDESK, TZ_P_EDSIG, 32, 64},
	[SIGIL_KEY_SECP256K1] = {TZ_P_TZ2, TZ_P_SPPK, TZ_P_SPSK, TZ_P_SPESK, TZ_P_SPSIG, 33, 64},
	[SIGIL_KEY_P256] = {TZ_P_TZ3, TZ_P_P2PK, TZ_P_P2SK, TZ_P_P2ESK, TZ_P_P2SIG, 33, 64},
	[SIGIL_KEY_BLS] = {TZ_P_TZ4, TZ_P_BLPK, TZ_P_BLSK, TZ_P_BLESK, TZ_P_BLSIG, 48, 96},
};

static pthread_once_t keys_once = PTHREAD_ONCE_INIT;
static int keys_sodium_status = SIGIL_E_INTERNAL;

static void
keys_init_once(void)
{
	keys_sodium_status = sodium_init() < 0 ? SIGIL_E_INTERNAL : 0;
}

static int
keys_init(void)
{
	if (pthread_once(&keys_once, keys_init_once) != 0)
		return SIGIL_E_INTERNAL;
	return keys_sodium_status;
}

static int
valid_type(enum sigil_key_type t)
{
	return (unsigned)t < TZ_KEY_TYPES;
}

/* Which key type a prefix of the given role belongs to, or -1. */
static int
type_of(enum tz_prefix p, size_t role_offset)
{
	for (int t = 0; t < TZ_KEY_TYPES; t++) {
		const enum tz_prefix *field =
			(const enum tz_prefix *)((const char *)&by_type[t] + role_offset);
		if (*field == p)
			return t;
	}
	return -1;
}

void
tz_pkh(const uint8_t *pk, size_t pklen, uint8_t pkh[static TZ_PKH_LEN])
{
	sigil_blake2b(pkh, TZ_PKH_LEN, pk, pklen);
}

int
tz_pkh_encode(enum sigil_key_type t, const uint8_t pkh[static TZ_PKH_LEN], char *out,
              size_t outcap)
{
	if (outcap > 0)
		out[0] = '\0';
	if (!valid_type(t))
		return SIGIL_E_INVALID;
	return tz_b58_encode(by_type[t].pkh, pkh, TZ_PKH_LEN, out, outcap);
}

int
tz_pkh_decode(const char *s, size_t slen, enum sigil_key_type *t, uint8_t pkh[static TZ_PKH_LEN])
{
	uint8_t buf[TZ_PAYLOAD_MAX];
	enum tz_prefix p;
	size_t n;
	int rc, ty;

	*t = SIGIL_KEY_ED25519;
	memset(pkh, 0, TZ_PKH_LEN);
	/* A buffer for any payload, so that a string of another kind is
	 * reported as the wrong kind rather than as too big for pkh. */
	if ((rc = tz_b58_decode_any(s, slen, &p, buf, sizeof(buf), &n)) != 0)
		return rc;
	/* KT1 is an address too, but not of a key. */
	if ((ty = type_of(p, offsetof(struct type_prefixes, pkh))) < 0)
		return SIGIL_E_INVALID;
	memcpy(pkh, buf, TZ_PKH_LEN);
	*t = (enum sigil_key_type)ty;
	return 0;
}

int
tz_pk_encode(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t outcap)
{
	if (outcap > 0)
		out[0] = '\0';
	if (!valid_type(t))
		return SIGIL_E_INVALID;
	if (pklen != by_type[t].pklen)
		return SIGIL_E_INVALID;
	return tz_b58_encode(by_type[t].pk, pk, pklen, out, outcap);
}

int
tz_pk_decode(const char *s, size_t slen, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen)
{
	uint8_t buf[TZ_PAYLOAD_MAX];
	enum tz_prefix p;
	size_t n;
	int rc, ty;

	*t = SIGIL_KEY_ED25519;
	*pklen = 0;
	memset(pk, 0, SIGIL_PK_MAX);
	if ((rc = tz_b58_decode_any(s, slen, &p, buf, sizeof(buf), &n)) != 0)
		goto fail;
	rc = SIGIL_E_INVALID;
	if ((ty = type_of(p, offsetof(struct type_prefixes, pk))) < 0)
		goto fail;
	memcpy(pk, buf, n);
	/* Compressed points only: one encoding per key keeps pkh unique. */
	if ((ty == SIGIL_KEY_SECP256K1 || ty == SIGIL_KEY_P256) && pk[0] != 0x02 && pk[0] != 0x03)
		goto fail;
	*t = (enum sigil_key_type)ty;
	*pklen = n;
	return 0;
fail:
	memset(pk, 0, SIGIL_PK_MAX);
	return rc;
}

int
tz_sig_encode(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t outcap)
{
	if (outcap > 0)
		out[0] = '\0';
	if (!valid_type(t))
		return SIGIL_E_INVALID;
	if (siglen != by_type[t].siglen)
		return SIGIL_E_INVALID;
	return tz_b58_encode(by_type[t].sig, sig, siglen, out, outcap);
}

int
tz_sig_decode(const char *s, size_t slen, enum sigil_key_type *t, uint8_t sig[static SIGIL_SIG_MAX],
              size_t *siglen, bool *generic)
{
	uint8_t buf[TZ_PAYLOAD_MAX];
	enum tz_prefix p;
	size_t n;
	int rc, ty;

	/* *t is an input for the generic form, so it is not zeroed here. */
	memset(sig, 0, SIGIL_SIG_MAX);
	*siglen = 0;
	*generic = false;
	if ((rc = tz_b58_decode_any(s, slen, &p, buf, sizeof(buf), &n)) != 0)
		goto fail;
	if (p == TZ_P_SIG) {
		*generic = true;
	} else {
		if ((ty = type_of(p, offsetof(struct type_prefixes, sig))) < 0) {
			rc = SIGIL_E_INVALID;
			goto fail;
		}
		*t = (enum sigil_key_type)ty;
	}
	memcpy(sig, buf, n);
	*siglen = n;
	return 0;
fail:
	memset(sig, 0, SIGIL_SIG_MAX);
	return rc;
}

/* Whether a 32-byte secret is usable for its type. */
static int
check_secret(enum sigil_key_type t, const uint8_t sk[SIGIL_SECRET_LEN])
{
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;

	switch (t) {
	case SIGIL_KEY_ED25519:
		return 0; /* every seed is valid */
	case SIGIL_KEY_SECP256K1:
	case SIGIL_KEY_P256:
		return sigil_pubkey(t, sk, pk, &pklen) == 0 ? 0 : SIGIL_E_INVALID;
	case SIGIL_KEY_BLS:
		/* Octez reduces nothing: a BLsk must already be in [1, r). */
		if (sodium_is_zero(sk, SIGIL_SECRET_LEN) ||
		    sodium_compare(sk, bls_r_le, SIGIL_SECRET_LEN) >= 0)
			return SIGIL_E_INVALID;
		return 0;
	case SIGIL_KEY_SR25519:
		break; /* no Tezos form */
	}
	return SIGIL_E_INVALID;
}

static int
esk_key(const char *passphrase, const uint8_t salt[TZ_ESK_SALT_LEN],
        uint8_t key[crypto_secretbox_KEYBYTES])
{
	if (PKCS5_PBKDF2_HMAC(passphrase, (int)strlen(passphrase), salt, TZ_ESK_SALT_LEN,
	                      TZ_ESK_ITER, EVP_sha512(), crypto_secretbox_KEYBYTES, key) != 1)
		return SIGIL_E_INTERNAL;
	return 0;
}

static int
esk_open(const uint8_t esk[TZ_ESK_LEN], const char *passphrase, uint8_t sk[SIGIL_SECRET_LEN])
{
	static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES];
	uint8_t key[crypto_secretbox_KEYBYTES];
	int rc;

	if (passphrase == NULL)
		return SIGIL_E_PASSPHRASE;
	if ((rc = esk_key(passphrase, esk, key)) != 0)
		goto out;
	if (crypto_secretbox_open_easy(sk, esk + TZ_ESK_SALT_LEN, TZ_ESK_LEN - TZ_ESK_SALT_LEN,
	                               zero_nonce, key) != 0)
		rc = SIGIL_E_PASSPHRASE;
out:
	sodium_memzero(key, sizeof(key));
	return rc;
}

int
tz_sk_decode(const char *s, size_t slen, const char *passphrase, enum sigil_key_type *t,
             uint8_t sk[static SIGIL_SECRET_LEN])
{
	uint8_t buf[TZ_PAYLOAD_MAX], pk[SIGIL_PK_MAX];
	enum tz_prefix p;
	size_t n, pklen;
	int rc, ty;

	*t = SIGIL_KEY_ED25519;
	sodium_memzero(sk, SIGIL_SECRET_LEN);
	if ((rc = keys_init()) != 0)
		return rc;
	if ((rc = tz_b58_decode_any(s, slen, &p, buf, sizeof(buf), &n)) != 0)
		goto out;
	rc = SIGIL_E_INVALID;
	if (p == TZ_P_EDSK_64) {
		/* seed || pk: refuse a pair that does not belong together, since
		 * whoever wrote it may believe it signs for the second half. */
		ty = SIGIL_KEY_ED25519;
		if (sigil_pubkey(SIGIL_KEY_ED25519, buf, pk, &pklen) != 0 ||
		    sodium_memcmp(pk, buf + SIGIL_SECRET_LEN, 32) != 0)
			goto out;
		memcpy(sk, buf, SIGIL_SECRET_LEN);
	} else if ((ty = type_of(p, offsetof(struct type_prefixes, sk))) >= 0) {
		memcpy(sk, buf, SIGIL_SECRET_LEN);
	} else if ((ty = type_of(p, offsetof(struct type_prefixes, esk))) >= 0) {
		if ((rc = esk_open(buf, passphrase, sk)) != 0)
			goto out;
		rc = SIGIL_E_INVALID;
	} else {
		goto out;
	}
	if ((rc = check_secret((enum sigil_key_type)ty, sk)) != 0)
		goto out;
	*t = (enum sigil_key_type)ty;
out:
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0)
		sodium_memzero(sk, SIGIL_SECRET_LEN);
	return rc;
}

bool
tz_sk_is_encrypted(const char *s, size_t slen)
{
	static const char *const esk[] = {"edesk", "spesk", "p2esk", "BLesk"};

	for (size_t i = 0; i < sizeof(esk) / sizeof(esk[0]); i++)
		if (slen > strlen(esk[i]) && memcmp(s, esk[i], strlen(esk[i])) == 0)
			return true;
	return false;
}

int
tz_sk_encode(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN], char *out,
             size_t outcap)
{
	if (outcap > 0)
		out[0] = '\0';
	if (!valid_type(t))
		return SIGIL_E_INVALID;
	return tz_b58_encode(by_type[t].sk, sk, SIGIL_SECRET_LEN, out, outcap);
}

int
tz_sk_encrypt(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
              const char *passphrase, char *out, size_t outcap)
{
	static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES];
	uint8_t esk[TZ_ESK_LEN], key[crypto_secretbox_KEYBYTES];
	int rc;

	if (outcap > 0)
		out[0] = '\0';
	if (!valid_type(t) || passphrase == NULL)
		return SIGIL_E_INVALID;
	if ((rc = keys_init()) != 0)
		return rc;
	randombytes_buf(esk, TZ_ESK_SALT_LEN);
	if ((rc = esk_key(passphrase, esk, key)) != 0)
		goto out;
	if (crypto_secretbox_easy(esk + TZ_ESK_SALT_LEN, sk, SIGIL_SECRET_LEN, zero_nonce, key) != 0) {
		rc = SIGIL_E_INTERNAL;
		goto out;
	}
	rc = tz_b58_encode(by_type[t].esk, esk, sizeof(esk), out, outcap);
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(esk, sizeof(esk));
	return rc;
}
