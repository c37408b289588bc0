/* sigil-enclave's state and request handling (holder.h).
 *
 * Which request may come when is a table (holder_ops below), as the
 * OpenSSH monitor has it: before Initialize only Initialize; after it
 * everything but Initialize. The KEK lives in locked memory from
 * Initialize to exit; keys are prepared once (crypto/sig.h's struct
 * sigil_key, secrets in the locked arena) and never leave but sealed. */
#include "enclave/holder/holder.h"

#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/secmem.h"
#include "enclave/holder/blob.h"
#include "enclave/holder/harden.h"

/* A key's handle is its place in the table plus one: keys are only ever
 * appended, so a handle, once given, names its key for the holder's life. */
struct holder_key {
	enum sigil_key_type type;
	struct sigil_key *key;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pk_len;
};

struct holder {
	struct holder_options opt;
	/* Held for the whole of Initialize (the KEK provider may take a
	 * second, or wait on a TPM), so that a second one waits and then
	 * finds the holder initialised; never taken by other requests. */
	pthread_mutex_t init_mu;
	/* Readers sign and look keys up; writers add keys and initialise. */
	pthread_rwlock_t mu;
	bool initialized;
	uint8_t *kek; /* ENCLAVE_KEK_LEN bytes of secmem once initialised */
	struct holder_key *keys;
	size_t n_keys, cap_keys;
};

static __attribute__((format(printf, 2, 3))) void
rep_err(struct enclave_reply *rep, const char *fmt, ...)
{
	va_list ap;
	rep->ok = false;
	va_start(ap, fmt);
	if (vsnprintf(rep->message, sizeof(rep->message), fmt, ap) >= (int)sizeof(rep->message))
		rep->message[sizeof(rep->message) - 1] = '\0';
	va_end(ap);
}

static void
rep_pk(struct enclave_reply *rep, enum sigil_key_type t, const uint8_t *pk, size_t pklen)
{
	rep->has_public_key = true;
	rep->key_type = t;
	memcpy(rep->pk, pk, pklen);
	rep->pk_len = pklen;
}

int
holder_new(const struct holder_options *o, struct holder **out)
{
	struct holder *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (h == NULL)
		return SIGIL_E_NOMEM;
	h->opt = *o;
	pthread_mutex_init(&h->init_mu, NULL);
	pthread_rwlock_init(&h->mu, NULL);
	*out = h;
	return 0;
}

void
holder_free(struct holder *h)
{
	if (h == NULL)
		return;
	pthread_rwlock_wrlock(&h->mu);
	for (size_t i = 0; i < h->n_keys; i++)
		sigil_key_free(h->keys[i].key);
	free(h->keys);
	h->keys = NULL;
	h->n_keys = 0;
	secmem_free(h->kek);
	h->kek = NULL;
	h->initialized = false;
	pthread_rwlock_unlock(&h->mu);
	pthread_rwlock_destroy(&h->mu);
	pthread_mutex_destroy(&h->init_mu);
	free(h);
}

/* ---- Initialize -------------------------------------------------------- */

static void
op_initialize(struct holder *h, const struct enclave_request *req, struct enclave_reply *rep)
{
	const char *name = enclave_credentials_get(&req->cred, "provider");
	const struct kek_provider *p;
	char err[ENCLAVE_ERR_MAX] = "";
	uint8_t *kek;
	int rc;

	if (name == NULL && enclave_credentials_get(&req->cred, "passphrase") != NULL)
		name = "passphrase";
	if (name == NULL) {
		rep_err(rep, "credentials name no KEK provider (provider: passphrase or tpm2)");
		return;
	}
	if ((p = kek_provider_find(name)) == NULL) {
		rep_err(rep, "unknown KEK provider \"%.64s\" (passphrase or tpm2)", name);
		return;
	}
	pthread_mutex_lock(&h->init_mu);
	if (h->initialized) {
		pthread_mutex_unlock(&h->init_mu);
		rep_err(rep, "already initialized");
		return;
	}
	if ((kek = secmem_alloc(ENCLAVE_KEK_LEN)) == NULL) {
		pthread_mutex_unlock(&h->init_mu);
		rep_err(rep, "out of locked memory");
		return;
	}
	rc = p->obtain(&req->cred, &h->opt.env, kek, err, sizeof(err));
	if (rc != 0) {
		secmem_free(kek);
		pthread_mutex_unlock(&h->init_mu);
		log_warn("Initialize with provider %s refused: %s", p->name, err);
		rep_err(rep, "%s", err[0] ? err : sigil_strerror(rc));
		return;
	}
	if (h->opt.confine && (rc = enclave_confine(err, sizeof(err))) != 0) {
		/* Serving unconfined would break a promise the operator asked
		 * for: refuse to hold the KEK instead. */
		secmem_free(kek);
		pthread_mutex_unlock(&h->init_mu);
		log_error("cannot confine the key holder: %s", err);
		rep_err(rep, "the key holder cannot confine itself: %s", err);
		return;
	}
	pthread_rwlock_wrlock(&h->mu);
	h->kek = kek;
	h->initialized = true;
	pthread_rwlock_unlock(&h->mu);
	pthread_mutex_unlock(&h->init_mu);
	log_info("initialized with KEK provider %s%s", p->name,
	         h->opt.confine ? "; seccomp filter installed" : "");
	rep->ok = true;
}

/* ---- keys -------------------------------------------------------------- */

/* Key of handle, or NULL; under h->mu. */
static struct holder_key *
key_find(struct holder *h, uint64_t handle)
{
	return handle >= 1 && handle <= h->n_keys ? &h->keys[handle - 1] : NULL;
}

/* Adds the key sk (whose public key is pk) and gives its handle: the one
 * it already has when held. Under no lock; takes h->mu. */
static int
key_add(struct holder *h, enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
        const uint8_t *pk, size_t pklen, uint64_t *handle)
{
	struct sigil_key *k = NULL;
	int rc = 0;

	pthread_rwlock_wrlock(&h->mu);
	for (size_t i = 0; i < h->n_keys; i++) {
		if (h->keys[i].type == t && h->keys[i].pk_len == pklen &&
		    memcmp(h->keys[i].pk, pk, pklen) == 0) {
			*handle = i + 1;
			goto out;
		}
	}
	if (h->n_keys >= HOLDER_KEYS_MAX) {
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	if (h->n_keys == h->cap_keys) {
		size_t cap = h->cap_keys ? h->cap_keys * 2 : 16;
		struct holder_key *nk = realloc(h->keys, cap * sizeof(*nk));
		if (nk == NULL) {
			rc = SIGIL_E_NOMEM;
			goto out;
		}
		h->keys = nk;
		h->cap_keys = cap;
	}
	if ((rc = sigil_key_new(t, sk, pk, pklen, &k)) != 0)
		goto out;
	h->keys[h->n_keys] = (struct holder_key){.type = t, .key = k, .pk_len = pklen};
	memcpy(h->keys[h->n_keys].pk, pk, pklen);
	h->n_keys++;
	*handle = h->n_keys;
out:
	pthread_rwlock_unlock(&h->mu);
	return rc;
}

/* Seals sk under the KEK into rep's blob, with its public key. */
static int
seal_into(struct holder *h, enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
          const uint8_t *pk, size_t pklen, struct enclave_reply *rep)
{
	int rc;
	pthread_rwlock_rdlock(&h->mu);
	rc = enclave_blob_seal(h->kek, t, sk, pk, pklen, rep->blob, &rep->blob_len);
	pthread_rwlock_unlock(&h->mu);
	if (rc == 0) {
		rep->has_blob = true;
		rep_pk(rep, t, pk, pklen);
	}
	return rc;
}

/* Generate, GenerateAndImport and ImportUnencrypted: a secret made here
 * or given, sealed, and held when import is set. */
static void
op_new_key(struct holder *h, const struct enclave_request *req, bool generate, bool import,
           struct enclave_reply *rep)
{
	uint8_t *sk = secmem_alloc(SIGIL_SECRET_LEN);
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen = 0;
	int rc;

	if (sk == NULL) {
		rep_err(rep, "out of locked memory");
		return;
	}
	if (generate)
		rc = sigil_keygen(req->key_type, sk);
	else {
		memcpy(sk, req->secret, SIGIL_SECRET_LEN);
		rc = 0;
	}
	if (rc == 0 && (rc = sigil_pubkey(req->key_type, sk, pk, &pklen)) != 0) {
		rep_err(rep, "not a valid %s secret key", enclave_key_type_name(req->key_type));
		goto out;
	}
	if (rc == 0)
		rc = seal_into(h, req->key_type, sk, pk, pklen, rep);
	if (rc == 0 && import) {
		rc = key_add(h, req->key_type, sk, pk, pklen, &rep->handle);
		rep->has_handle = rc == 0;
	}
	if (rc != 0)
		rep_err(rep, "%s", rc == SIGIL_E_TOO_BIG ? "too many keys held" : sigil_strerror(rc));
	else {
		rep->ok = true;
		if (import)
			log_info("%s: %s key, handle %llu", enclave_op_name(req->op),
			         enclave_key_type_name(req->key_type), (unsigned long long)rep->handle);
		else
			log_info("%s: %s key", enclave_op_name(req->op),
			         enclave_key_type_name(req->key_type));
	}
out:
	secmem_free(sk);
	sodium_memzero(pk, sizeof(pk));
}

/* Opens req's blob into sk; on failure rep says why. */
static int
open_blob(struct holder *h, const struct enclave_request *req, enum sigil_key_type *t,
          uint8_t sk[static SIGIL_SECRET_LEN], uint8_t pk[static SIGIL_PK_MAX], size_t *pklen,
          struct enclave_reply *rep)
{
	char why[ENCLAVE_ERR_MAX];
	int rc;

	pthread_rwlock_rdlock(&h->mu);
	rc = enclave_blob_open(h->kek, req->blob, req->blob_len, t, sk, pk, pklen, why,
	                       sizeof(why));
	pthread_rwlock_unlock(&h->mu);
	if (rc != 0)
		rep_err(rep, "%s", why);
	return rc;
}

/* Import and PublicKeyFrom. */
static void
op_blob(struct holder *h, const struct enclave_request *req, bool import,
        struct enclave_reply *rep)
{
	uint8_t *sk = secmem_alloc(SIGIL_SECRET_LEN);
	uint8_t pk[SIGIL_PK_MAX];
	enum sigil_key_type t;
	size_t pklen = 0;
	int rc;

	if (sk == NULL) {
		rep_err(rep, "out of locked memory");
		return;
	}
	if (open_blob(h, req, &t, sk, pk, &pklen, rep) != 0)
		goto out;
	if (import && (rc = key_add(h, t, sk, pk, pklen, &rep->handle)) != 0) {
		rep_err(rep, "%s", rc == SIGIL_E_TOO_BIG ? "too many keys held" : sigil_strerror(rc));
		goto out;
	}
	rep->has_handle = import;
	rep_pk(rep, t, pk, pklen);
	rep->ok = true;
out:
	secmem_free(sk);
}

static void
op_public_key(struct holder *h, const struct enclave_request *req, struct enclave_reply *rep)
{
	struct holder_key *k;

	pthread_rwlock_rdlock(&h->mu);
	if ((k = key_find(h, req->handle)) != NULL)
		rep_pk(rep, k->type, k->pk, k->pk_len);
	pthread_rwlock_unlock(&h->mu);
	if (k == NULL)
		rep_err(rep, "invalid handle");
	else
		rep->ok = true;
}

/* ---- signing ----------------------------------------------------------- */

/* Signs req's message with k as req says (proto.h: Signatory's Tezos
 * default, or a scheme named). */
static void
sign_with(const struct sigil_key *k, enum sigil_key_type t, const struct enclave_request *req,
          bool prove, struct enclave_reply *rep)
{
	int scheme = req->scheme, rc;

	if (prove) {
		if (t != SIGIL_KEY_BLS) {
			rep_err(rep, "ProvePossession is for Bls keys only");
			return;
		}
		scheme = SIGIL_SCHEME_BLS_PROOF;
	}
	if (scheme == ENCLAVE_SCHEME_TEZOS && t != SIGIL_KEY_BLS) {
		uint8_t digest[32];
		sigil_blake2b(digest, sizeof(digest), req->msg, req->msg_len);
		rc = sigil_key_sign_digest(k, digest, rep->sig, &rep->sig_len);
		goto done;
	}
	if (scheme == ENCLAVE_SCHEME_TEZOS) {
		unsigned v = req->has_version ? req->version : 2;
		if (v != 1 && v != 2) {
			rep_err(rep, "signature version %u is not supported for Bls keys (1 or 2)", v);
			return;
		}
		scheme = v == 1 ? SIGIL_SCHEME_BLS_AUG : SIGIL_SCHEME_BLS_POP;
	}
	rc = sigil_key_sign(k, (enum sigil_scheme)scheme, req->msg, req->msg_len, rep->sig,
	                    &rep->sig_len);
done:
	if (rc == SIGIL_E_INVALID || rc == SIGIL_E_UNSUPPORTED) {
		rep_err(rep, "this scheme does not apply to a %s key or to this message",
		        enclave_key_type_name(t));
		return;
	}
	if (rc != 0) {
		rep_err(rep, "signing failed: %s", sigil_strerror(rc));
		return;
	}
	rep->has_sig = true;
	rep->key_type = t;
	rep->ok = true;
}

static void
op_sign(struct holder *h, const struct enclave_request *req, bool prove,
        struct enclave_reply *rep)
{
	struct holder_key *k;

	pthread_rwlock_rdlock(&h->mu);
	if ((k = key_find(h, req->handle)) != NULL)
		sign_with(k->key, k->type, req, prove, rep);
	pthread_rwlock_unlock(&h->mu);
	if (k == NULL)
		rep_err(rep, "invalid handle");
}

static void
op_sign_with(struct holder *h, const struct enclave_request *req, struct enclave_reply *rep)
{
	uint8_t *sk = secmem_alloc(SIGIL_SECRET_LEN);
	uint8_t pk[SIGIL_PK_MAX];
	struct sigil_key *k = NULL;
	enum sigil_key_type t;
	size_t pklen = 0;
	int rc;

	if (sk == NULL) {
		rep_err(rep, "out of locked memory");
		return;
	}
	if (open_blob(h, req, &t, sk, pk, &pklen, rep) != 0)
		goto out;
	if ((rc = sigil_key_new(t, sk, pk, pklen, &k)) != 0) {
		rep_err(rep, "%s", sigil_strerror(rc));
		goto out;
	}
	sign_with(k, t, req, false, rep);
out:
	sigil_key_free(k);
	secmem_free(sk);
}

/* ---- dispatch ---------------------------------------------------------- */

static const struct {
	enum enclave_op op;
	bool before_init, after_init;
} holder_ops[] = {
	{ENCLAVE_INITIALIZE, true, false},
	{ENCLAVE_IMPORT, false, true},
	{ENCLAVE_IMPORT_UNENCRYPTED, false, true},
	{ENCLAVE_GENERATE, false, true},
	{ENCLAVE_GENERATE_AND_IMPORT, false, true},
	{ENCLAVE_SIGN, false, true},
	{ENCLAVE_SIGN_WITH, false, true},
	{ENCLAVE_PUBLIC_KEY, false, true},
	{ENCLAVE_PUBLIC_KEY_FROM, false, true},
	{ENCLAVE_PROVE_POSSESSION, false, true},
};

void
holder_handle(struct holder *h, const struct enclave_request *req, struct enclave_reply *rep)
{
	bool init, known = false, allowed = false;

	memset(rep, 0, sizeof(*rep));
	pthread_rwlock_rdlock(&h->mu);
	init = h->initialized;
	pthread_rwlock_unlock(&h->mu);
	for (size_t i = 0; i < sizeof(holder_ops) / sizeof(holder_ops[0]); i++) {
		if (holder_ops[i].op == req->op) {
			known = true;
			allowed = init ? holder_ops[i].after_init : holder_ops[i].before_init;
		}
	}
	if (!known) {
		rep_err(rep, "unknown request");
		return;
	}
	if (!allowed) {
		rep_err(rep, "%s", init ? "already initialized" : "uninitialized");
		return;
	}
	switch (req->op) {
	case ENCLAVE_INITIALIZE:
		op_initialize(h, req, rep);
		break;
	case ENCLAVE_IMPORT:
		op_blob(h, req, true, rep);
		break;
	case ENCLAVE_PUBLIC_KEY_FROM:
		op_blob(h, req, false, rep);
		break;
	case ENCLAVE_IMPORT_UNENCRYPTED:
		op_new_key(h, req, false, true, rep);
		break;
	case ENCLAVE_GENERATE:
		op_new_key(h, req, true, false, rep);
		break;
	case ENCLAVE_GENERATE_AND_IMPORT:
		op_new_key(h, req, true, true, rep);
		break;
	case ENCLAVE_SIGN:
		op_sign(h, req, false, rep);
		break;
	case ENCLAVE_PROVE_POSSESSION:
		op_sign(h, req, true, rep);
		break;
	case ENCLAVE_SIGN_WITH:
		op_sign_with(h, req, rep);
		break;
	case ENCLAVE_PUBLIC_KEY:
#if defined(SIGIL_TEST_HOOKS)
		/* Lets the seccomp test show that a forbidden call, made by the
		 * holder itself once confined, kills it. */
		if (req->handle == 0 && getenv("SIGIL_TEST_ENCLAVE_FORBIDDEN") != NULL) {
			FILE *f = fopen("/etc/hostname", "r");
			if (f != NULL)
				fclose(f);
		}
#endif
		op_public_key(h, req, rep);
		break;
	default:
		rep_err(rep, "unknown request");
	}
}

int
holder_frame(struct holder *h, const uint8_t *frame, size_t len, uint8_t **out, size_t *outlen)
{
	struct enclave_request req;
	struct enclave_reply rep;
	char err[ENCLAVE_ERR_MAX] = "";
	int rc, bad = 0;

	*out = NULL;
	*outlen = 0;
	memset(&rep, 0, sizeof(rep));
	if ((rc = enclave_request_decode(frame, len, &req, err, sizeof(err))) != 0) {
		rep_err(&rep, "bad request: %s", err[0] ? err : sigil_strerror(rc));
		bad = SIGIL_E_INVALID;
		rc = enclave_reply_encode(ENCLAVE_OP_NONE, &rep, out, outlen);
		enclave_request_clear(&req);
		return rc ? rc : bad;
	}
	holder_handle(h, &req, &rep);
	rc = enclave_reply_encode(req.op, &rep, out, outlen);
	enclave_request_clear(&req);
	sodium_memzero(&rep, sizeof(rep));
	return rc;
}
