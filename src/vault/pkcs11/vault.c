/* The pkcs11 vault (pkcs11.h). One module, one slot, one logged-in user;
 * a pool of sessions taken one per signature. A session found invalid, or
 * a token that logged out, is opened and logged in again and the
 * signature tried once more: a call that failed so produced none. */
#include "vault/pkcs11/pkcs11.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "vault/pkcs11/der.h"

struct p11_key {
	struct vault_key info;
	uint8_t id[P11_ID_MAX];
	size_t id_len;
	CK_OBJECT_HANDLE priv; /* in this login's sessions */
};

struct p11_vault {
	struct vault base;
	char name[64];
	struct p11_params p;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	CK_SESSION_HANDLE sess[P11_SESSIONS_MAX];
	bool open[P11_SESSIONS_MAX], busy[P11_SESSIONS_MAX];
	size_t n_sess;
	bool down; /* logged once until it answers again */
	struct p11_key *keys;
	size_t n_keys;
};

static struct p11_vault *
pv(struct vault *v)
{
	return (struct p11_vault *)v;
}

/* The errors after which a session is opened and logged in again. */
static bool
p11_session_lost(CK_RV rv)
{
	return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	       rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_DEVICE_ERROR;
}

/* ---- module, slot, login ------------------------------------------------- */

static int
p11_load(struct p11_vault *v, char *err, size_t errlen)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_RV rv;

	if ((v->dl = dlopen(v->p.library, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		/* dlerror names the file. */
		snprintf(err, errlen, "vault %s: cannot load the PKCS#11 module: %s", v->name,
		         dlerror());
		return SIGIL_E_NOT_FOUND;
	}
	*(void **)(&get) = dlsym(v->dl, "C_GetFunctionList");
	if (get == NULL || get(&v->f) != CKR_OK || v->f == NULL) {
		snprintf(err, errlen, "vault %s: %s is not a PKCS#11 module (no C_GetFunctionList)",
		         v->name, v->p.library);
		return SIGIL_E_INVALID;
	}
	rv = v->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		snprintf(err, errlen, "vault %s: C_Initialize: 0x%lx", v->name, (unsigned long)rv);
		return SIGIL_E_IO;
	}
	return 0;
}

/* The slot: by token label, else by number, else the first with a token. */
static int
p11_find_slot(struct p11_vault *v, char *err, size_t errlen)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_RV rv = v->f->C_GetSlotList(CK_TRUE, slots, &n);

	if (rv != CKR_OK) {
		snprintf(err, errlen, "vault %s: C_GetSlotList: 0x%lx", v->name, (unsigned long)rv);
		return SIGIL_E_IO;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char label[33];
		size_t len = 32;

		if (v->p.has_slot && slots[i] != v->p.slot)
			continue;
		if (v->p.token_label[0]) {
			if (v->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
				continue;
			memcpy(label, ti.label, 32);
			while (len > 0 && label[len - 1] == ' ')
				len--;
			label[len] = '\0';
			if (strcmp(label, v->p.token_label) != 0)
				continue;
		}
		v->slot = slots[i];
		return 0;
	}
	snprintf(err, errlen, "vault %s: no token%s%s%s%s", v->name,
	         v->p.token_label[0] ? " labelled " : "", v->p.token_label,
	         v->p.has_slot ? " in the slot asked for" : "", n == 0 ? " (no slot has one)" : "");
	return SIGIL_E_NOT_READY;
}

/* Opens session i (and logs the user in, once for them all). */
static int
p11_session_open(struct p11_vault *v, size_t i, char *err, size_t errlen)
{
	CK_RV rv = v->f->C_OpenSession(v->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	                               &v->sess[i]);
	if (rv != CKR_OK) {
		snprintf(err, errlen, "vault %s: C_OpenSession: 0x%lx", v->name, (unsigned long)rv);
		return SIGIL_E_NOT_READY;
	}
	v->open[i] = true;
	rv = v->f->C_Login(v->sess[i], CKU_USER, (CK_UTF8CHAR_PTR)v->p.pin,
	                   (CK_ULONG)strlen(v->p.pin));
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return 0;
	/* The PIN itself is never in a message. */
	snprintf(err, errlen, "vault %s: login refused: %s", v->name,
	         rv == CKR_PIN_INCORRECT ? "wrong PIN" : rv == CKR_PIN_LOCKED ? "PIN locked"
	                                                                    : "C_Login failed");
	v->f->C_CloseSession(v->sess[i]);
	v->open[i] = false;
	return rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ? SIGIL_E_AUTH : SIGIL_E_NOT_READY;
}

/* ---- keys ------------------------------------------------------------- */

static CK_RV
p11_attr(struct p11_vault *v, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
         void *buf, size_t cap, size_t *len)
{
	CK_ATTRIBUTE a = {t, buf, (CK_ULONG)cap};
	CK_RV rv = v->f->C_GetAttributeValue(s, o, &a, 1);
	if (rv == CKR_OK)
		*len = (size_t)a.ulValueLen;
	return rv;
}

/* The objects of class cls, with id when id_len > 0 and label when given. */
static CK_RV
p11_find(struct p11_vault *v, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const uint8_t *id,
         size_t id_len, const char *label, CK_OBJECT_HANDLE *out, CK_ULONG cap, CK_ULONG *n)
{
	CK_ATTRIBUTE t[3] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_ULONG nt = 1;
	CK_RV rv;

	if (id_len > 0)
		t[nt++] = (CK_ATTRIBUTE){CKA_ID, (void *)id, (CK_ULONG)id_len};
	if (label && label[0])
		t[nt++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)};
	if ((rv = v->f->C_FindObjectsInit(s, t, nt)) != CKR_OK)
		return rv;
	rv = v->f->C_FindObjects(s, out, cap, n);
	v->f->C_FindObjectsFinal(s);
	return rv;
}

/* Key i of the token's private keys into k: its type and public key (from
 * the public key object of the same id, or the private key's own
 * attributes). 0, or a reason it is skipped. */
static int
p11_key_read(struct p11_vault *v, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv, struct p11_key *k,
             char *why, size_t whylen)
{
	uint8_t params[128], point[160], label[256];
	CK_KEY_TYPE kt;
	CK_OBJECT_HANDLE pub[2];
	CK_ULONG npub = 0;
	size_t len, plen, llen = 0;
	int rc;

	memset(k, 0, sizeof(*k));
	k->priv = priv;
	if (p11_attr(v, s, priv, CKA_KEY_TYPE, &kt, sizeof(kt), &len) != CKR_OK ||
	    (kt != CKK_EC && kt != CKK_EC_EDWARDS)) {
		snprintf(why, whylen, "not an EC or Edwards key");
		return SIGIL_E_UNSUPPORTED;
	}
	if (p11_attr(v, s, priv, CKA_ID, k->id, sizeof(k->id), &k->id_len) != CKR_OK)
		k->id_len = 0;
	if (p11_attr(v, s, priv, CKA_LABEL, label, sizeof(label) - 1, &llen) != CKR_OK)
		llen = 0;
	label[llen] = '\0';
	if (p11_attr(v, s, priv, CKA_EC_PARAMS, params, sizeof(params), &plen) != CKR_OK) {
		snprintf(why, whylen, "no CKA_EC_PARAMS");
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = p11_ec_params_curve(params, plen, &k->info.type)) != 0) {
		snprintf(why, whylen, "a curve sigil does not sign with");
		return rc;
	}
	if (p11_find(v, s, CKO_PUBLIC_KEY, k->id, k->id_len, NULL, pub, 2, &npub) != CKR_OK ||
	    npub == 0 || p11_attr(v, s, pub[0], CKA_EC_POINT, point, sizeof(point), &len) != CKR_OK) {
		/* Some tokens keep the point on the private key too. */
		if (p11_attr(v, s, priv, CKA_EC_POINT, point, sizeof(point), &len) != CKR_OK) {
			snprintf(why, whylen, "no public key object of its id");
			return SIGIL_E_NOT_FOUND;
		}
	}
	if ((rc = p11_ec_point(k->info.type, point, len, k->info.pk, &k->info.pk_len)) != 0) {
		snprintf(why, whylen, "its public key does not parse");
		return rc;
	}
	if (llen > 0 && llen < sizeof(k->info.name))
		memcpy(k->info.name, label, llen + 1);
	else if (k->id_len > 0 && k->id_len * 2 < sizeof(k->info.name) &&
	         hex_encode(k->id, k->id_len, k->info.name, sizeof(k->info.name)) == 0)
		;
	else
		snprintf(k->info.name, sizeof(k->info.name), "pkcs11-%lu", (unsigned long)priv);
	/* EdDSA is deterministic (RFC 8032); a token's ECDSA need not be
	 * (RFC 6979 is not required of it): its consensus signatures are
	 * stored (watermark.h). */
	k->info.deterministic = k->info.type == SIGIL_KEY_ED25519;
	return 0;
}

static int
p11_keys_load(struct p11_vault *v, char *err, size_t errlen)
{
	CK_OBJECT_HANDLE objs[1024];
	CK_ULONG n = 0;
	CK_RV rv = p11_find(v, v->sess[0], CKO_PRIVATE_KEY, v->p.id, v->p.id_len, v->p.label, objs,
	                    1024, &n);

	if (rv != CKR_OK) {
		snprintf(err, errlen, "vault %s: cannot list the token's keys: 0x%lx", v->name,
		         (unsigned long)rv);
		return SIGIL_E_IO;
	}
	if (n == 0 && (v->p.label[0] || v->p.id_len)) {
		snprintf(err, errlen, "vault %s: no private key on the token with the label or id "
		         "asked for", v->name);
		return SIGIL_E_NOT_FOUND;
	}
	if ((v->keys = calloc(n ? n : 1, sizeof(*v->keys))) == NULL)
		return SIGIL_E_NOMEM;
	for (CK_ULONG i = 0; i < n; i++) {
		char why[128];
		if (p11_key_read(v, v->sess[0], objs[i], &v->keys[v->n_keys], why, sizeof(why)) == 0)
			v->n_keys++;
		else
			log_warn("vault %s: private key object %lu skipped: %s", v->name,
			         (unsigned long)objs[i], why);
	}
	return 0;
}

/* ---- the pool ----------------------------------------------------------- */

static int
p11_take(struct p11_vault *v, const struct sigil_deadline *dl, size_t *idx)
{
	pthread_mutex_lock(&v->mu);
	for (;;) {
		for (size_t i = 0; i < v->n_sess; i++) {
			if (!v->busy[i]) {
				v->busy[i] = true;
				*idx = i;
				pthread_mutex_unlock(&v->mu);
				return 0;
			}
		}
		uint64_t left = sigil_deadline_left_ms(dl);
		if (left == 0) {
			pthread_mutex_unlock(&v->mu);
			return SIGIL_E_TIMEOUT;
		}
		if (left == UINT64_MAX) {
			pthread_cond_wait(&v->cv, &v->mu);
		} else {
			struct timespec ts = sigil_monotonic_timespec_in(left);
			pthread_cond_timedwait(&v->cv, &v->mu, &ts);
		}
	}
}

static void
p11_give(struct p11_vault *v, size_t idx)
{
	pthread_mutex_lock(&v->mu);
	v->busy[idx] = false;
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
}

/* Session idx, usable: opened (and logged in) again when it was lost. */
static int
p11_session_ready(struct p11_vault *v, size_t idx, bool reopen)
{
	char err[256];
	int rc;

	if (v->open[idx] && !reopen)
		return 0;
	if (v->open[idx])
		v->f->C_CloseSession(v->sess[idx]);
	v->open[idx] = false;
	if ((rc = p11_session_open(v, idx, err, sizeof(err))) != 0) {
		pthread_mutex_lock(&v->mu);
		if (!v->down)
			log_warn("%s", err);
		v->down = true;
		pthread_mutex_unlock(&v->mu);
		return rc == SIGIL_E_AUTH ? SIGIL_E_NOT_READY : rc;
	}
	pthread_mutex_lock(&v->mu);
	if (v->down)
		log_info("vault %s: the token answers again", v->name);
	v->down = false;
	pthread_mutex_unlock(&v->mu);
	return 0;
}

/* ---- vault_ops ------------------------------------------------------------ */

static size_t
p11_count(const struct vault *v)
{
	return ((const struct p11_vault *)v)->n_keys;
}

static const struct vault_key *
p11_key(const struct vault *v, size_t i)
{
	const struct p11_vault *p = (const struct p11_vault *)v;
	return i < p->n_keys ? &p->keys[i].info : NULL;
}

/* One signature on session s: CKR_OK with it in sig. */
static CK_RV
p11_sign_once(struct p11_vault *v, CK_SESSION_HANDLE s, const struct p11_key *k,
              const uint8_t *msg, size_t len, uint8_t *sig, CK_ULONG *siglen)
{
	CK_MECHANISM m = {k->info.type == SIGIL_KEY_ED25519 ? CKM_EDDSA : CKM_ECDSA, NULL, 0};
	CK_RV rv = v->f->C_SignInit(s, &m, k->priv);
	if (rv != CKR_OK)
		return rv;
	/* Single-part: SoftHSM2 refuses multi-part EdDSA. */
	return v->f->C_Sign(s, (CK_BYTE_PTR)msg, (CK_ULONG)len, sig, siglen);
}

static int
p11_sign(struct vault *vv, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
         const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct p11_vault *v = pv(vv);
	const struct p11_key *k;
	uint8_t sig[SIGIL_SIG_MAX];
	CK_ULONG siglen = 0;
	CK_RV rv = CKR_OK;
	size_t idx;
	int rc;

	out->len = 0;
	out->recid = -1;
	if (i >= v->n_keys)
		return SIGIL_E_UNKNOWN_KEY;
	k = &v->keys[i];
	if (scheme != SIGIL_SCHEME_PLAIN)
		return SIGIL_E_UNSUPPORTED;
	if (k->info.type != SIGIL_KEY_ED25519 && len != 32)
		return SIGIL_E_INVALID; /* ECDSA signs a 32-byte digest */
	if ((rc = p11_take(v, dl, &idx)) != 0)
		return rc;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = p11_session_ready(v, idx, attempt > 0)) != 0)
			break;
		siglen = sizeof(sig);
		rv = p11_sign_once(v, v->sess[idx], k, msg, len, sig, &siglen);
		if (rv == CKR_OK || !p11_session_lost(rv) || sigil_deadline_passed(dl))
			break;
		log_warn("vault %s: session lost (0x%lx); logging in again", v->name,
		         (unsigned long)rv);
	}
	p11_give(v, idx);
	if (rc != 0)
		return rc;
	if (rv != CKR_OK) {
		log_warn("vault %s: key %s: the token refused to sign: 0x%lx", v->name, k->info.name,
		         (unsigned long)rv);
		return p11_session_lost(rv) ? SIGIL_E_NOT_READY : SIGIL_E_CRYPTO;
	}
	if (siglen != 64 ||
	    (k->info.type != SIGIL_KEY_ED25519 && sigil_ecdsa_low_s(k->info.type, sig) != 0)) {
		log_error("vault %s: key %s: the token answered a signature of the wrong form",
		          v->name, k->info.name);
		return SIGIL_E_CRYPTO;
	}
	memcpy(out->sig, sig, 64);
	out->len = 64;
	sodium_memzero(sig, sizeof(sig));
	return 0;
}

static int
p11_ready(struct vault *vv, const struct sigil_deadline *dl)
{
	struct p11_vault *v = pv(vv);
	CK_SESSION_INFO si;
	size_t idx;
	int rc;

	/* Every session busy: the token is answering someone. */
	pthread_mutex_lock(&v->mu);
	bool any_free = false;
	for (size_t i = 0; i < v->n_sess; i++)
		any_free = any_free || !v->busy[i];
	pthread_mutex_unlock(&v->mu);
	if (!any_free)
		return 0;
	if ((rc = p11_take(v, dl, &idx)) != 0)
		return 0;
	rc = p11_session_ready(v, idx, false);
	if (rc == 0) {
		CK_RV rv = v->f->C_GetSessionInfo(v->sess[idx], &si);
		if (rv != CKR_OK || (si.state != CKS_RW_USER_FUNCTIONS && si.state != CKS_RO_USER_FUNCTIONS))
			rc = p11_session_ready(v, idx, true);
	}
	p11_give(v, idx);
	return rc;
}

static void
p11_close(struct vault *vv)
{
	struct p11_vault *v = pv(vv);

	if (v == NULL)
		return;
	if (v->f != NULL) {
		for (size_t i = 0; i < P11_SESSIONS_MAX; i++)
			if (v->open[i])
				v->f->C_CloseSession(v->sess[i]);
		v->f->C_Finalize(NULL);
	}
	if (v->dl != NULL)
		dlclose(v->dl);
	p11_params_free(&v->p);
	free(v->keys);
	pthread_cond_destroy(&v->cv);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

static const struct vault_ops p11_ops = {
	.name = "pkcs11",
	.local = false,
	.count = p11_count,
	.key = p11_key,
	.sign = p11_sign,
	.ready = p11_ready,
	.close = p11_close,
};

/* ---- sigil generate ------------------------------------------------------- */

/* The DER ECParameters sigil names each curve by. */
static const uint8_t p11_oid_secp256k1[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
static const uint8_t p11_oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
/* SoftHSM2 and OpenSC name Ed25519 so (PKCS#11 3.0 also allows the OID). */
static const uint8_t p11_name_ed25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's',
                                           '2', '5', '5', '1', '9'};

int
vault_pkcs11_generate(const struct vault_config *cfg, const char *key_name,
                      enum sigil_key_type t, struct vault_key *info, char *err, size_t errlen)
{
	struct vault *vv = NULL;
	struct p11_vault *v;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM m = {t == SIGIL_KEY_ED25519 ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN,
	                  NULL, 0};
	const uint8_t *params = t == SIGIL_KEY_ED25519 ? p11_name_ed25519
	                        : t == SIGIL_KEY_SECP256K1 ? p11_oid_secp256k1 : p11_oid_p256;
	size_t plen = t == SIGIL_KEY_ED25519 ? sizeof(p11_name_ed25519)
	              : t == SIGIL_KEY_SECP256K1 ? sizeof(p11_oid_secp256k1) : sizeof(p11_oid_p256);
	uint8_t id[16];
	CK_OBJECT_HANDLE pub, priv;
	struct p11_key k;
	char why[128];
	CK_RV rv;
	int rc;

	if (t != SIGIL_KEY_ED25519 && t != SIGIL_KEY_SECP256K1 && t != SIGIL_KEY_P256) {
		snprintf(err, errlen, "vault %s: a PKCS#11 token holds tz1, tz2 and tz3 keys only",
		         cfg->name);
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = vault_pkcs11_open(cfg, &vv, err, errlen)) != 0)
		return rc;
	v = pv(vv);
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
	p11_close(vv);
	return rc;
}

int
vault_pkcs11_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	struct p11_vault *v = calloc(1, sizeof(*v));
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (v == NULL)
		return SIGIL_E_NOMEM;
	v->base.ops = &p11_ops;
	snprintf(v->name, sizeof(v->name), "%s", cfg->name);
	pthread_mutex_init(&v->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = p11_params_read(cfg, &v->p, err, errlen)) != 0 ||
	    (rc = p11_load(v, err, errlen)) != 0 || (rc = p11_find_slot(v, err, errlen)) != 0)
		goto fail;
	v->n_sess = v->p.sessions;
	if ((rc = p11_session_open(v, 0, err, errlen)) != 0 ||
	    (rc = p11_keys_load(v, err, errlen)) != 0)
		goto fail;
	*out = &v->base;
	return 0;
fail:
	p11_close(&v->base);
	return rc;
}
