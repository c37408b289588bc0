/* sigil generate and sigil import for the pkcs11 vault (pkcs11.h): key
 * pairs made in the token, sensitive and never extractable, or a secret
 * written in with C_CreateObject and read back to check. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "vault/pkcs11/der.h"
#include "vault/pkcs11/vault_int.h"

/* ---- sigil generate, sigil import ------------------------------------------ */

/* The DER ECParameters sigil names each curve by. */
static const uint8_t p11_oid_secp256k1[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
static const uint8_t p11_oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
/* SoftHSM2 and OpenSC name Ed25519 so (PKCS#11 3.0 also allows the OID). */
static const uint8_t p11_name_ed25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's',
                                           '2', '5', '5', '1', '9'};

static void
p11_curve(enum sigil_key_type t, const uint8_t **params, size_t *len)
{
	*params = t == SIGIL_KEY_ED25519     ? p11_name_ed25519
	          : t == SIGIL_KEY_SECP256K1 ? p11_oid_secp256k1
	                                     : p11_oid_p256;
	*len = t == SIGIL_KEY_ED25519     ? sizeof(p11_name_ed25519)
	       : t == SIGIL_KEY_SECP256K1 ? sizeof(p11_oid_secp256k1)
	                                  : sizeof(p11_oid_p256);
}

/* The vault for a new key of type t named key_name: open, and no key of
 * that label on the token yet. */
static int
p11_new_key_vault(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
                  struct p11_vault **out, char *err, size_t errlen)
{
	struct vault *vv = NULL;
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0;
	int rc;

	*out = NULL;
	if (t != SIGIL_KEY_ED25519 && t != SIGIL_KEY_SECP256K1 && t != SIGIL_KEY_P256) {
		snprintf(err, errlen, "vault %s: a PKCS#11 token holds tz1, tz2 and tz3 keys only",
		         cfg->name);
		return SIGIL_E_UNSUPPORTED;
	}
	if (key_name == NULL || key_name[0] == '\0' || strlen(key_name) >= sizeof(((struct vault_key *)0)->name)) {
		snprintf(err, errlen, "vault %s: a key's label is 1 to 63 bytes", cfg->name);
		return SIGIL_E_INVALID;
	}
	if ((rc = vault_pkcs11_open(cfg, &vv, err, errlen)) != 0)
		return rc;
	struct p11_vault *v = pv(vv);
	if (p11_find(v, v->sess[0], CKO_PRIVATE_KEY, NULL, 0, key_name, &o, 1, &n) != CKR_OK ||
	    n > 0) {
		snprintf(err, errlen, "vault %s: the token has a key labelled %s already", cfg->name,
		         key_name);
		p11_close(vv);
		return SIGIL_E_INVALID;
	}
	*out = v;
	return 0;
}

int
vault_pkcs11_generate(const struct vault_config *cfg, const char *key_name,
                      enum sigil_key_type t, struct vault_key *info, char *err, size_t errlen)
{
	struct p11_vault *v;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM m = {t == SIGIL_KEY_ED25519 ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN,
	                  NULL, 0};
	const uint8_t *params;
	size_t plen;
	uint8_t id[16];
	CK_OBJECT_HANDLE pub, priv;
	struct p11_key k;
	char why[128];
	CK_RV rv;
	int rc;

	if ((rc = p11_new_key_vault(cfg, key_name, t, &v, err, errlen)) != 0)
		return rc;
	p11_curve(t, &params, &plen);
	randombytes_buf(id, sizeof(id));
	/* Born in the token, and never to leave it: sensitive, not
	 * extractable, a token object. */
	CK_ATTRIBUTE pubt[] = {
		{CKA_TOKEN, &yes, sizeof(yes)},           {CKA_VERIFY, &yes, sizeof(yes)},
		{CKA_EC_PARAMS, (void *)params, plen},    {CKA_ID, id, sizeof(id)},
		{CKA_LABEL, (void *)key_name, strlen(key_name)},
	};
	CK_ATTRIBUTE privt[] = {
		{CKA_TOKEN, &yes, sizeof(yes)},       {CKA_PRIVATE, &yes, sizeof(yes)},
		{CKA_SENSITIVE, &yes, sizeof(yes)},   {CKA_EXTRACTABLE, &no, sizeof(no)},
		{CKA_SIGN, &yes, sizeof(yes)},        {CKA_ID, id, sizeof(id)},
		{CKA_LABEL, (void *)key_name, strlen(key_name)},
	};
	rv = v->f->C_GenerateKeyPair(v->sess[0], &m, pubt, sizeof(pubt) / sizeof(pubt[0]), privt,
	                             sizeof(privt) / sizeof(privt[0]), &pub, &priv);
	if (rv != CKR_OK) {
		snprintf(err, errlen, "vault %s: the token did not make the key pair: 0x%lx", cfg->name,
		         (unsigned long)rv);
		rc = SIGIL_E_IO;
	} else if ((rc = p11_key_read(v, v->sess[0], priv, &k, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "vault %s: the new key cannot be read back: %s", cfg->name, why);
	} else if (info != NULL) {
		*info = k.info;
	}
	p11_close(&v->base);
	return rc;
}

int
vault_pkcs11_add(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
                 const uint8_t *sk, size_t sklen, struct vault_key *info, char *err,
                 size_t errlen)
{
	struct p11_vault *v;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY, cpub = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = t == SIGIL_KEY_ED25519 ? CKK_EC_EDWARDS : CKK_EC;
	const uint8_t *params;
	size_t plen, pklen = 0, ptlen = 0;
	uint8_t pk[SIGIL_PK_MAX], point[P11_EC_POINT_MAX], id[16];
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	struct p11_key k;
	char why[128];
	CK_RV rv;
	int rc;

	if (sklen != SIGIL_SECRET_LEN) {
		snprintf(err, errlen,
		         "vault %s (pkcs11): a token keeps a 32-byte key, not a %zu-byte %s secret "
		         "key; use a file vault",
		         cfg->name, sklen, sigil_key_type_name(t));
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = p11_new_key_vault(cfg, key_name, t, &v, err, errlen)) != 0)
		return rc;
	if ((rc = sigil_pubkey(t, sk, pk, &pklen)) != 0 ||
	    (rc = p11_ec_point_der(t, pk, pklen, point, &ptlen)) != 0) {
		snprintf(err, errlen, "vault %s: not a valid secret key", cfg->name);
		goto out;
	}
	for (size_t i = 0; i < v->n_keys; i++) {
		if (v->keys[i].info.type == t && v->keys[i].info.pk_len == pklen &&
		    memcmp(v->keys[i].info.pk, pk, pklen) == 0) {
			snprintf(err, errlen, "vault %s: the token holds this key already, as %s",
			         cfg->name, v->keys[i].info.name);
			rc = SIGIL_E_INVALID;
			goto out;
		}
	}
	p11_curve(t, &params, &plen);
	randombytes_buf(id, sizeof(id));
	/* In the token it is sensitive and not extractable, like a key made
	 * there (though the token knows it was not: CKA_ALWAYS_SENSITIVE and
	 * CKA_NEVER_EXTRACTABLE are false). The secret goes to the module
	 * straight from the caller's locked memory. */
	CK_ATTRIBUTE privt[] = {
		{CKA_CLASS, &cpriv, sizeof(cpriv)},   {CKA_KEY_TYPE, &kt, sizeof(kt)},
		{CKA_TOKEN, &yes, sizeof(yes)},       {CKA_PRIVATE, &yes, sizeof(yes)},
		{CKA_SENSITIVE, &yes, sizeof(yes)},   {CKA_EXTRACTABLE, &no, sizeof(no)},
		{CKA_SIGN, &yes, sizeof(yes)},        {CKA_ID, id, sizeof(id)},
		{CKA_LABEL, (void *)key_name, strlen(key_name)},
		{CKA_EC_PARAMS, (void *)params, plen},
		{CKA_VALUE, (void *)sk, SIGIL_SECRET_LEN},
	};
	CK_ATTRIBUTE pubt[] = {
		{CKA_CLASS, &cpub, sizeof(cpub)},     {CKA_KEY_TYPE, &kt, sizeof(kt)},
		{CKA_TOKEN, &yes, sizeof(yes)},       {CKA_VERIFY, &yes, sizeof(yes)},
		{CKA_ID, id, sizeof(id)},             {CKA_LABEL, (void *)key_name, strlen(key_name)},
		{CKA_EC_PARAMS, (void *)params, plen}, {CKA_EC_POINT, point, ptlen},
	};
	rv = v->f->C_CreateObject(v->sess[0], privt, sizeof(privt) / sizeof(privt[0]), &priv);
	if (rv == CKR_OK)
		rv = v->f->C_CreateObject(v->sess[0], pubt, sizeof(pubt) / sizeof(pubt[0]), &pub);
	if (rv != CKR_OK) {
		snprintf(err, errlen, "vault %s: the token did not take the key: 0x%lx", cfg->name,
		         (unsigned long)rv);
		rc = SIGIL_E_IO;
	} else if ((rc = p11_key_read(v, v->sess[0], priv, &k, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "vault %s: the key cannot be read back: %s", cfg->name, why);
	} else if (k.info.pk_len != pklen || memcmp(k.info.pk, pk, pklen) != 0) {
		snprintf(err, errlen, "vault %s: the token reads the key as another", cfg->name);
		rc = SIGIL_E_CRYPTO;
	} else if (info != NULL) {
		*info = k.info;
	}
	if (rc != 0) {
		/* Nothing half-made stays. */
		if (pub != CK_INVALID_HANDLE)
			v->f->C_DestroyObject(v->sess[0], pub);
		if (priv != CK_INVALID_HANDLE)
			v->f->C_DestroyObject(v->sess[0], priv);
	}
out:
	p11_close(&v->base);
	return rc;
}
