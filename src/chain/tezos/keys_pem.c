/* Import of unencrypted PEM private keys (PKCS#8 "PRIVATE KEY" for Ed25519,
 * secp256k1 and P-256; SEC1 "EC PRIVATE KEY").
 *
 * The armour and base64 are undone here, into a buffer we wipe, so that
 * OpenSSL only ever sees the DER; OpenSSL's own copies of the scalar live in
 * structures it clears on free (EVP_PKEY, BIGNUM via BN_clear_free). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "chain/tezos/keys.h"
#include "base/errors.h"

/* A PEM private key for these curves is a few hundred bytes. */
#define PEM_MAX 8192
#define DER_MAX 2048

enum pem_kind { PEM_PKCS8, PEM_SEC1 };

static const char pem_begin[] = "-----BEGIN ";
static const char pem_dashes[] = "-----";

/* Finds the armour and base64-decodes the body into der. */
static int
pem_unarmour(const char *pem, size_t len, enum pem_kind *kind, uint8_t *der, size_t dercap,
             size_t *derlen)
{
	const char *lab, *lab_end, *body, *end;
	char endline[64];
	size_t lablen;
	int n;

	*derlen = 0;
	if ((lab = memmem(pem, len, pem_begin, sizeof(pem_begin) - 1)) == NULL)
		return SIGIL_E_INVALID;
	lab += sizeof(pem_begin) - 1;
	lab_end = memmem(lab, len - (size_t)(lab - pem), pem_dashes, sizeof(pem_dashes) - 1);
	if (lab_end == NULL)
		return SIGIL_E_INCOMPLETE;
	lablen = (size_t)(lab_end - lab);
	if (lablen == strlen("PRIVATE KEY") && memcmp(lab, "PRIVATE KEY", lablen) == 0)
		*kind = PEM_PKCS8;
	else if (lablen == strlen("EC PRIVATE KEY") && memcmp(lab, "EC PRIVATE KEY", lablen) == 0)
		*kind = PEM_SEC1;
	else if (lablen == strlen("ENCRYPTED PRIVATE KEY") &&
	         memcmp(lab, "ENCRYPTED PRIVATE KEY", lablen) == 0)
		return SIGIL_E_UNSUPPORTED;
	else
		return SIGIL_E_INVALID;
	body = lab_end + sizeof(pem_dashes) - 1;
	n = snprintf(endline, sizeof(endline), "-----END %.*s-----", (int)lablen, lab);
	if (n < 0 || (size_t)n >= sizeof(endline))
		return SIGIL_E_INTERNAL;
	if ((end = memmem(body, len - (size_t)(body - pem), endline, (size_t)n)) == NULL)
		return SIGIL_E_INCOMPLETE;
	/* "Proc-Type: 4,ENCRYPTED" headers mark an encrypted SEC1 key. */
	if (memchr(body, ':', (size_t)(end - body)) != NULL)
		return SIGIL_E_UNSUPPORTED;
	if (sodium_base642bin(der, dercap, body, (size_t)(end - body), " \t\r\n", derlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		*derlen = 0;
		return SIGIL_E_INVALID;
	}
	return 0;
}

/* The named curve of an EC key, mapped to our key types. */
static int
ec_type(EVP_PKEY *k, enum sigil_key_type *t)
{
	char name[64];
	size_t nl = 0;

	if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &nl))
		return SIGIL_E_UNSUPPORTED; /* explicit parameters or no group */
	if (strcmp(name, "secp256k1") == 0)
		*t = SIGIL_KEY_SECP256K1;
	else if (strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0)
		*t = SIGIL_KEY_P256;
	else
		return SIGIL_E_UNSUPPORTED;
	return 0;
}

/* When the file carries a public key too, it must be the secret's. */
static int
ec_pub_matches(EVP_PKEY *k, const uint8_t pk[33])
{
	uint8_t pub[133];
	size_t pl = 0;

	if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &pl))
		return 0; /* none stored */
	if (pl == 33)
		return memcmp(pub, pk, 33) == 0 ? 0 : SIGIL_E_INVALID;
	if (pl == 65 && pub[0] == 0x04)
		return memcmp(pub + 1, pk + 1, 32) == 0 && (pub[64] & 1) == (pk[0] & 1)
		               ? 0
		               : SIGIL_E_INVALID;
	return SIGIL_E_INVALID;
}

static int
pkey_secret(EVP_PKEY *k, enum sigil_key_type *t, uint8_t sk[SIGIL_SECRET_LEN])
{
	uint8_t pk[SIGIL_PK_MAX];
	size_t len = SIGIL_SECRET_LEN, pklen;
	BIGNUM *d = NULL;
	int rc = SIGIL_E_UNSUPPORTED;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519) {
		*t = SIGIL_KEY_ED25519;
		if (EVP_PKEY_get_raw_private_key(k, sk, &len) != 1 || len != SIGIL_SECRET_LEN)
			return SIGIL_E_INVALID;
		return 0;
	}
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || (rc = ec_type(k, t)) != 0)
		return rc;
	rc = SIGIL_E_INVALID;
	if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d))
		goto out;
	if (BN_num_bytes(d) > SIGIL_SECRET_LEN || BN_bn2binpad(d, sk, SIGIL_SECRET_LEN) < 0)
		goto out;
	if (sigil_pubkey(*t, sk, pk, &pklen) != 0)
		goto out;
	rc = ec_pub_matches(k, pk);
out:
	BN_clear_free(d);
	return rc;
}

int
tz_sk_from_pem(const char *pem, size_t len, enum sigil_key_type *t,
               uint8_t sk[static SIGIL_SECRET_LEN])
{
	uint8_t der[DER_MAX];
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *k = NULL;
	enum pem_kind kind;
	size_t derlen = 0;
	int rc;

	*t = SIGIL_KEY_ED25519;
	sodium_memzero(sk, SIGIL_SECRET_LEN);
	if (len > PEM_MAX)
		return SIGIL_E_TOO_BIG;
	if ((rc = pem_unarmour(pem, len, &kind, der, sizeof(der), &derlen)) != 0)
		goto out;
	rc = SIGIL_E_INVALID;
	p = der;
	if (kind == PEM_PKCS8) {
		if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)derlen)) == NULL)
			goto out;
		k = EVP_PKCS82PKEY(p8);
	} else {
		k = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)derlen);
	}
	/* Trailing bytes after the structure mean this is not what it claims. */
	if (k == NULL || p != der + derlen)
		goto out;
	rc = pkey_secret(k, t, sk);
out:
	EVP_PKEY_free(k);
	PKCS8_PRIV_KEY_INFO_free(p8);
	sodium_memzero(der, sizeof(der));
	if (rc != 0) {
		*t = SIGIL_KEY_ED25519;
		sodium_memzero(sk, SIGIL_SECRET_LEN);
	}
	return rc;
}
