/* The pkcs11 vault (pkcs11.h). One module (module.h), one slot, one
 * logged-in user; a pool of sessions taken one per signature. A session
 * found invalid, or a token that logged out, is opened and logged in again
 * and the signature tried once more: a call that failed so produced none.
 * A token that does not answer at all (gone, its objects gone) marks the
 * vault down, with the reason: requests and /healthz get it, and each, at
 * most once every P11_RETRY_MS, tries to bring the vault up again, first
 * by opening a session and finding the keys anew, then by finalising and
 * initialising the module. The keys found must be the ones the vault
 * opened with (the same public keys); their handles may differ. */
#include "vault/pkcs11/pkcs11.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "vault/pkcs11/der.h"
#include "vault/pkcs11/module.h"

#include "vault/pkcs11/vault_int.h"

/* The errors after which a session is opened and logged in again. */
static bool
p11_session_lost(CK_RV rv)
{
	return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_USER_NOT_LOGGED_IN;
}

/* The errors that say the token itself is out of reach (removed, its
 * objects gone with it, the module not initialised): the vault is down. */
static bool
p11_token_lost(CK_RV rv)
{
	return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	       rv == CKR_DEVICE_ERROR || rv == CKR_OBJECT_HANDLE_INVALID ||
	       rv == CKR_KEY_HANDLE_INVALID || rv == CKR_CRYPTOKI_NOT_INITIALIZED ||
	       rv == CKR_TOKEN_NOT_RECOGNIZED;
}

/* ---- slot, login ---------------------------------------------------------- */

/* The slot: by token label, else by number, else the first with a token. */
int
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
int
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
CK_RV
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
int
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
	if (k->id_len > 0 && k->id_len * 2 + 4 <= sizeof(k->info.where)) {
		memcpy(k->info.where, "id=", 3);
		if (hex_encode(k->id, k->id_len, k->info.where + 3, sizeof(k->info.where) - 3) != 0)
			k->info.where[0] = '\0';
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

/* The handles of the private keys the vault's settings choose (a label,
 * an id, or all), at most P11_KEYS_MAX; why says what went wrong. */
#define P11_KEYS_MAX 1024
static int
p11_private_keys(struct p11_vault *v, CK_OBJECT_HANDLE objs[static P11_KEYS_MAX], CK_ULONG *n,
                 char *why, size_t whylen)
{
	CK_RV rv = p11_find(v, v->sess[0], CKO_PRIVATE_KEY, v->p.id, v->p.id_len, v->p.label, objs,
	                    P11_KEYS_MAX, n);
	if (rv != CKR_OK) {
		snprintf(why, whylen, "cannot list the token's keys: 0x%lx", (unsigned long)rv);
		return SIGIL_E_NOT_READY;
	}
	return 0;
}

int
p11_keys_load(struct p11_vault *v, char *err, size_t errlen)
{
	CK_OBJECT_HANDLE objs[P11_KEYS_MAX];
	CK_ULONG n = 0;
	char why[128];

	if (p11_private_keys(v, objs, &n, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "vault %s: %s", v->name, why);
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
		if (p11_key_read(v, v->sess[0], objs[i], &v->keys[v->n_keys], why, sizeof(why)) == 0)
			v->n_keys++;
		else
			log_warn("vault %s: private key object %lu skipped: %s", v->name,
			         (unsigned long)objs[i], why);
	}
	return 0;
}

/* ---- down and up ---------------------------------------------------------- */

/* Marks the vault down for the reason given (secret-free), logged when it
 * was up; the first try to come up again may follow at once. */
__attribute__((format(printf, 2, 3))) static void
p11_mark_down(struct p11_vault *v, const char *fmt, ...)
{
	char why[sizeof(v->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&v->mu);
	if (!v->down) {
		log_error("vault %s: the token is out of reach, signing nothing until it "
		          "answers: %s", v->name, why);
		v->next_try_ms = 0;
	}
	v->down = true;
	memcpy(v->why, why, sizeof(why));
	pthread_mutex_unlock(&v->mu);
}

/* Finds, among the token's private keys, each key the vault opened with,
 * by its public key: its handle in this login. */
static int
p11_keys_rebind(struct p11_vault *v, char *why, size_t whylen)
{
	CK_OBJECT_HANDLE objs[P11_KEYS_MAX];
	CK_ULONG n = 0;
	bool *found;
	int rc;

	if ((rc = p11_private_keys(v, objs, &n, why, whylen)) != 0)
		return rc;
	if ((found = calloc(v->n_keys ? v->n_keys : 1, sizeof(*found))) == NULL)
		return SIGIL_E_NOMEM;
	for (CK_ULONG i = 0; i < n; i++) {
		struct p11_key k;
		char skip[128];
		if (p11_key_read(v, v->sess[0], objs[i], &k, skip, sizeof(skip)) != 0)
			continue;
		for (size_t j = 0; j < v->n_keys; j++) {
			struct p11_key *o = &v->keys[j];
			if (!found[j] && o->info.type == k.info.type && o->info.pk_len == k.info.pk_len &&
			    memcmp(o->info.pk, k.info.pk, k.info.pk_len) == 0) {
				o->priv = objs[i];
				found[j] = true;
				break;
			}
		}
	}
	for (size_t j = 0; j < v->n_keys && rc == 0; j++) {
		if (!found[j]) {
			snprintf(why, whylen, "key %s is no longer on the token", v->keys[j].info.name);
			rc = SIGIL_E_NOT_FOUND;
		}
	}
	free(found);
	return rc;
}

/* With m->life held for writing: sessions and key handles anew, the
 * module restarted first when that alone does not do (and may_restart).
 * why says what stands in the way. */
static int
p11_resetup(struct p11_vault *v, bool may_restart, char *why, size_t whylen)
{
	struct p11_module *m = v->m;
	int rc = SIGIL_E_NOT_READY;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!may_restart)
				break;
			/* Unless another vault on the module restarted it since
			 * this one's sessions were opened. */
			if (v->gen == m->gen) {
				CK_RV rv = p11_module_restart(m);
				log_debug("vault %s: module initialised again: 0x%lx", v->name,
				         (unsigned long)rv);
			}
		}
		for (size_t i = 0; i < P11_SESSIONS_MAX; i++) {
			/* A restart ended them all, and their numbers may be
			 * another vault's sessions' now. */
			if (v->open[i] && v->gen == m->gen)
				v->f->C_CloseSession(v->sess[i]);
			v->open[i] = false;
		}
		v->gen = m->gen;
		if (!m->initialized) {
			snprintf(why, whylen, "the module does not initialise");
			continue;
		}
		char err[256];
		if ((rc = p11_find_slot(v, err, sizeof(err))) == 0 &&
		    (rc = p11_session_open(v, 0, err, sizeof(err))) == 0 &&
		    (rc = p11_keys_rebind(v, err, sizeof(err))) == 0)
			return 0;
		/* p11_find_slot and p11_session_open name the vault. */
		const char *e = strncmp(err, "vault ", 6) == 0 && strchr(err, ':') ? strchr(err, ':') + 2
		                                                                   : err;
		size_t n = strnlen(e, whylen - 1);
		memcpy(why, e, n);
		why[n] = '\0';
	}
	return rc != 0 ? rc : SIGIL_E_NOT_READY;
}

/* 0 when the vault is up (or was brought up now); else SIGIL_E_NOT_READY,
 * its reason in v->why. */
static int
p11_bring_up(struct p11_vault *v)
{
	struct p11_module *m = v->m;
	char why[sizeof(v->why)] = "";
	bool stale, down;
	int rc;

	pthread_rwlock_rdlock(&m->life);
	stale = v->gen != m->gen;
	pthread_rwlock_unlock(&m->life);
	pthread_mutex_lock(&v->mu);
	down = v->down;
	uint64_t now = sigil_monotonic_ms();
	if ((!down && !stale) || (down && now < v->next_try_ms)) {
		pthread_mutex_unlock(&v->mu);
		return down ? SIGIL_E_NOT_READY : 0;
	}
	if (down)
		v->next_try_ms = now + P11_RETRY_MS;
	pthread_mutex_unlock(&v->mu);

	pthread_rwlock_wrlock(&m->life);
	if (!down && v->gen == m->gen)
		rc = 0; /* someone else set it up again meanwhile */
	else
		rc = p11_resetup(v, down, why, sizeof(why));
	pthread_rwlock_unlock(&m->life);

	pthread_mutex_lock(&v->mu);
	if (rc == 0) {
		if (v->down)
			log_info("vault %s: the token answers again; signing", v->name);
		v->down = false;
		v->why[0] = '\0';
	} else {
		if (!v->down || strcmp(v->why, why) != 0)
			log_warn("vault %s: still out of reach: %s", v->name, why);
		v->down = true;
		memcpy(v->why, why, sizeof(why));
	}
	pthread_mutex_unlock(&v->mu);
	return rc == 0 ? 0 : SIGIL_E_NOT_READY;
}

/* ---- the pool ----------------------------------------------------------- */

/* With m->life held for reading: a session of the pool, by dl. */
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

/* A session taken: opened (and the user logged in) when it is not. */
static int
p11_session_ensure(struct p11_vault *v, size_t idx)
{
	char err[256];
	int rc;

	if (v->open[idx])
		return 0;
	if ((rc = p11_session_open(v, idx, err, sizeof(err))) != 0) {
		const char *e = strchr(err, ':') ? strchr(err, ':') + 2 : err;
		p11_mark_down(v, "%s", e);
		return SIGIL_E_NOT_READY; /* a PIN refused now is the token's state */
	}
	return 0;
}

/* A taken session that failed: closed, to be opened again by its next
 * taker. */
static void
p11_session_drop(struct p11_vault *v, size_t idx)
{
	if (v->open[idx])
		v->f->C_CloseSession(v->sess[idx]);
	v->open[idx] = false;
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

/* One try: CKR_OK with the signature in sig, or why not in *rv; rc for
 * what stood in the way before the token was asked. */
static int
p11_sign_try(struct p11_vault *v, const struct p11_key *k, const uint8_t *msg, size_t len,
             const struct sigil_deadline *dl, uint8_t *sig, CK_ULONG *siglen, CK_RV *rv)
{
	struct p11_module *m = v->m;
	CK_TOKEN_INFO ti;
	size_t idx;
	int rc;

	*rv = CKR_GENERAL_ERROR;
	pthread_rwlock_rdlock(&m->life);
	if (v->gen != m->gen) {
		/* Restarted since p11_bring_up looked. */
		pthread_rwlock_unlock(&m->life);
		return P11_AGAIN;
	}
	if ((rc = p11_take(v, dl, &idx)) != 0) {
		pthread_rwlock_unlock(&m->life);
		return rc;
	}
	if ((rc = p11_session_ensure(v, idx)) == 0) {
		*rv = p11_sign_once(v, v->sess[idx], k, msg, len, sig, siglen);
		if (p11_session_lost(*rv) || p11_token_lost(*rv)) {
			p11_session_drop(v, idx);
		} else if (*rv != CKR_OK && v->f->C_GetTokenInfo(v->slot, &ti) != CKR_OK) {
			/* An error the token gave no cause for: is it there? */
			p11_session_drop(v, idx);
			p11_mark_down(v, "the token does not answer C_GetTokenInfo (after 0x%lx)",
			              (unsigned long)*rv);
		}
		if (p11_token_lost(*rv))
			p11_mark_down(v, "the token does not answer (0x%lx)", (unsigned long)*rv);
	}
	p11_give(v, idx);
	pthread_rwlock_unlock(&m->life);
	return rc;
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
	bool want_recid = out->recid == VAULT_RECID_WANTED;
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
	/* A call that failed so produced no signature: tried once more. */
	for (int attempt = 0;; attempt++) {
		if ((rc = p11_bring_up(v)) != 0)
			return rc;
		siglen = sizeof(sig);
		rc = p11_sign_try(v, k, msg, len, dl, sig, &siglen, &rv);
		if (rc == 0 && rv == CKR_OK)
			break;
		bool again = rc == P11_AGAIN || rc == SIGIL_E_NOT_READY ||
		             (rc == 0 && (p11_session_lost(rv) || p11_token_lost(rv)));
		if (attempt > 0 || !again || sigil_deadline_passed(dl)) {
			if (rc == P11_AGAIN)
				rc = SIGIL_E_NOT_READY;
			break;
		}
		if (rc == 0)
			log_warn("vault %s: key %s: %s (0x%lx); trying once more", v->name,
			         k->info.name, p11_session_lost(rv) ? "session lost" : "token lost",
			         (unsigned long)rv);
	}
	if (rc != 0)
		return rc;
	if (rv != CKR_OK) {
		log_warn("vault %s: key %s: the token refused to sign: 0x%lx", v->name, k->info.name,
		         (unsigned long)rv);
		return p11_session_lost(rv) || p11_token_lost(rv) ? SIGIL_E_NOT_READY : SIGIL_E_CRYPTO;
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
	if ((rc = vault_sig_recid(&k->info, scheme, msg, len, want_recid, out)) != 0)
		out->len = 0;
	return rc;
}

/* Whether the token answers: a session of the pool logged in, the token
 * present, the first key's object there. */
static int
p11_ready(struct vault *vv, const struct sigil_deadline *dl)
{
	struct p11_vault *v = pv(vv);
	struct p11_module *m = v->m;
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof(kt)};
	size_t idx;
	int rc;
	bool any_free = false;

	if ((rc = p11_bring_up(v)) != 0)
		return rc;
	pthread_rwlock_rdlock(&m->life);
	/* Every session busy: the token is answering someone. */
	pthread_mutex_lock(&v->mu);
	for (size_t i = 0; i < v->n_sess; i++)
		any_free = any_free || !v->busy[i];
	pthread_mutex_unlock(&v->mu);
	if (!any_free || v->gen != m->gen || p11_take(v, dl, &idx) != 0) {
		pthread_rwlock_unlock(&m->life);
		return 0;
	}
	if ((rc = p11_session_ensure(v, idx)) == 0) {
		CK_RV rv = v->f->C_GetSessionInfo(v->sess[idx], &si);
		if (rv != CKR_OK ||
		    (si.state != CKS_RW_USER_FUNCTIONS && si.state != CKS_RO_USER_FUNCTIONS)) {
			/* Opened and logged in again by its next taker. */
			p11_session_drop(v, idx);
		} else if ((rv = v->f->C_GetTokenInfo(v->slot, &ti)) != CKR_OK) {
			p11_session_drop(v, idx);
			p11_mark_down(v, "the token does not answer C_GetTokenInfo: 0x%lx",
			              (unsigned long)rv);
			rc = SIGIL_E_NOT_READY;
		} else if (v->n_keys > 0 && (rv = v->f->C_GetAttributeValue(
		                                 v->sess[idx], v->keys[0].priv, &a, 1)) != CKR_OK) {
			p11_session_drop(v, idx);
			p11_mark_down(v, "key %s's object does not answer: 0x%lx", v->keys[0].info.name,
			              (unsigned long)rv);
			rc = SIGIL_E_NOT_READY;
		}
	}
	p11_give(v, idx);
	pthread_rwlock_unlock(&m->life);
	return rc;
}

static size_t
p11_why_not_ready(struct vault *vv, char *buf, size_t cap)
{
	struct p11_vault *v = pv(vv);
	size_t n = 0;

	pthread_mutex_lock(&v->mu);
	if (v->down && cap > 0) {
		snprintf(buf, cap, "%s", v->why);
		n = strlen(buf);
	}
	pthread_mutex_unlock(&v->mu);
	return n;
}

void
p11_close(struct vault *vv)
{
	struct p11_vault *v = pv(vv);

	if (v == NULL)
		return;
	if (v->m != NULL) {
		pthread_rwlock_wrlock(&v->m->life);
		for (size_t i = 0; i < P11_SESSIONS_MAX; i++)
			if (v->open[i] && v->gen == v->m->gen)
				v->f->C_CloseSession(v->sess[i]);
		pthread_rwlock_unlock(&v->m->life);
		p11_module_put(v->m);
	}
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
	.why_not_ready = p11_why_not_ready,
	.close = p11_close,
};

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
	    (rc = p11_module_get(v->p.library, v->name, &v->m, err, errlen)) != 0)
		goto fail;
	v->f = v->m->f;
	v->n_sess = v->p.sessions;
	/* Not yet anyone else's: the lock only keeps a restart out. */
	pthread_rwlock_rdlock(&v->m->life);
	v->gen = v->m->gen;
	if ((rc = p11_find_slot(v, err, errlen)) == 0 && (rc = p11_session_open(v, 0, err, errlen)) == 0)
		rc = p11_keys_load(v, err, errlen);
	pthread_rwlock_unlock(&v->m->life);
	if (rc != 0)
		goto fail;
	*out = &v->base;
	return 0;
fail:
	p11_close(&v->base);
	return rc;
}
