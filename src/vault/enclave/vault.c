/* The enclave vault (enclave.h): keys by handle in sigil-enclave.
 *
 * Its connections carry many calls at once (pipe.h): a signature is sent
 * by whichever thread has it, without waiting, and its reply comes back
 * on the pipe's thread. A connection is set up before it joins the pipe:
 * connect, Initialize, and Import of every key, which gives each key its
 * handle in the holder now answering (Import of a key the holder holds
 * gives the handle it has), so that a handle is never used with a holder
 * that gave it to another key. When the holder goes away every connection
 * is dropped, and the next call that may wait sets them up again. Every
 * call answers by its deadline; one that does not fails, and nothing it
 * might still sign is ever returned. */
#include "vault/enclave/enclave.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "vault/enclave/pipe.h"

struct ev_key {
	struct vault_key info; /* name: the address it is stored under */
	uint8_t blob[ENCLAVE_STORED_BLOB_MAX];
	size_t blob_len;
	uint64_t handle; /* in the holder now answering; 0: none (under mu) */
};

struct ev_vault {
	struct vault base;
	char name[64];
	struct ev_params p;
	struct enclave_storage *st;
	pthread_mutex_t mu;
	struct ev_pipe *pipe;
	bool setting_up[EV_CONNS_MAX]; /* under mu */
	struct ev_key *keys;
	size_t n_keys;
	bool down; /* the last attempt to reach the holder failed (for logging once) */
};

static struct ev_vault *
ev(struct vault *v)
{
	return (struct ev_vault *)v;
}

/* ---- connections ------------------------------------------------------- */

/* Imports every key over fd and notes its handle. With drop set (at
 * open), a key the holder refuses is reported and left out for good;
 * later it only loses its handle until the next import. */
static void
import_all(struct ev_vault *v, int fd, const struct sigil_deadline *dl, bool drop)
{
	size_t kept = 0;
	bool lost = false;

	for (size_t i = 0; i < v->n_keys; i++) {
		struct ev_key *k = &v->keys[i];
		struct enclave_request req = {.op = ENCLAVE_IMPORT, .blob = k->blob,
		                              .blob_len = k->blob_len};
		struct enclave_reply rep;
		char err[256] = "";
		uint64_t handle = 0;
		int rc = lost ? SIGIL_E_IO : ev_call(fd, &req, &rep, dl, err, sizeof(err));

		/* A failed connection (the caller sees it next) leaves the keys
		 * not tried yet as they are, without a handle. */
		if (rc != 0)
			lost = true;
		else if (!rep.ok)
			log_warn("vault %s: key %s cannot be imported into the key holder: %s", v->name,
			         k->info.name, rep.message);
		else if (!rep.has_handle || rep.key_type != k->info.type ||
		         rep.pk_len != k->info.pk_len || memcmp(rep.pk, k->info.pk, rep.pk_len) != 0)
			log_warn("vault %s: key %s: the key holder found another key in its blob",
			         v->name, k->info.name);
		else
			handle = rep.handle;
		pthread_mutex_lock(&v->mu);
		k->handle = handle;
		pthread_mutex_unlock(&v->mu);
		if (drop && handle == 0 && !lost)
			continue;
		if (drop && kept != i)
			v->keys[kept] = *k;
		kept++;
	}
	if (drop)
		v->n_keys = kept;
}

/* Sets up connection idx (connect, Initialize, every key imported) and
 * hands it to the pipe. drop: as import_all's. */
static int
conn_setup(struct ev_vault *v, size_t idx, const struct sigil_deadline *dl, bool drop,
           char *err, size_t errlen)
{
	int fd, rc;

	if ((rc = ev_connect(&v->p.ep, dl, &fd, err, errlen)) != 0)
		return rc;
	if ((rc = ev_session_init(fd, v->p.cred, dl, err, errlen)) != 0) {
		close(fd);
		return rc;
	}
	import_all(v, fd, dl, drop);
	if ((rc = ev_pipe_adopt(v->pipe, idx, fd)) != 0) {
		snprintf(err, errlen, "cannot watch the connection to the key holder");
		close(fd);
	}
	return rc;
}

/* Sets up every connection that is not live and that no other thread is
 * setting up: 0 when at least one is live then, else why not
 * (SIGIL_E_TIMEOUT or SIGIL_E_NOT_READY), logged once until it answers. */
static int
conns_up(struct ev_vault *v, const struct sigil_deadline *dl)
{
	char err[400] = "";
	int rc = 0;

	for (size_t i = 0; i < v->p.connections && rc == 0; i++) {
		pthread_mutex_lock(&v->mu);
		bool mine = !v->setting_up[i] && !ev_pipe_live(v->pipe, i);
		v->setting_up[i] = v->setting_up[i] || mine;
		pthread_mutex_unlock(&v->mu);
		if (!mine)
			continue;
		rc = conn_setup(v, i, dl, false, err, sizeof(err));
		pthread_mutex_lock(&v->mu);
		v->setting_up[i] = false;
		pthread_mutex_unlock(&v->mu);
	}
	pthread_mutex_lock(&v->mu);
	if (rc == 0 && v->down)
		log_info("vault %s: the key holder answers again; keys imported", v->name);
	else if (rc != 0 && !v->down)
		log_warn("vault %s: %s", v->name, err);
	v->down = rc != 0;
	pthread_mutex_unlock(&v->mu);
	if (ev_pipe_live_count(v->pipe) > 0)
		return 0;
	return rc == SIGIL_E_TIMEOUT ? SIGIL_E_TIMEOUT : SIGIL_E_NOT_READY;
}

/* ---- vault_ops ----------------------------------------------------------- */

static size_t
ev_count(const struct vault *v)
{
	return ((const struct ev_vault *)v)->n_keys;
}

static const struct vault_key *
ev_key(const struct vault *v, size_t i)
{
	const struct ev_vault *e = (const struct ev_vault *)v;
	return i < e->n_keys ? &e->keys[i].info : NULL;
}

static const char *
scheme_name(enum sigil_scheme s)
{
	switch (s) {
	case SIGIL_SCHEME_PLAIN: return "plain";
	case SIGIL_SCHEME_BLS_POP: return "bls_pop";
	case SIGIL_SCHEME_BLS_AUG: return "bls_aug";
	case SIGIL_SCHEME_BLS_PROOF: return "bls_proof";
	case SIGIL_SCHEME_BIP340_TAPROOT: return "bip340_taproot";
	}
	return "?";
}

/* sign's and sign_async's arguments: 0, or why they cannot sign. Whether
 * the caller wants the recovery id goes to *want. */
static int
sign_args(const struct ev_vault *v, size_t i, size_t len, struct vault_sig *out, bool *want)
{
	*want = out->recid == VAULT_RECID_WANTED;
	out->len = 0;
	out->recid = -1;
	if (i >= v->n_keys)
		return SIGIL_E_UNKNOWN_KEY;
	return len > ENCLAVE_MSG_MAX ? SIGIL_E_TOO_BIG : 0;
}

/* The request that signs msg with key k, or handle 0 when k is not in
 * the holder now. */
static struct enclave_request
sign_request(struct ev_vault *v, const struct ev_key *k, enum sigil_scheme scheme,
             const uint8_t *msg, size_t len)
{
	struct enclave_request req = {.op = ENCLAVE_SIGN, .msg = (uint8_t *)msg, .msg_len = len,
	                              .scheme = (int)scheme};
	pthread_mutex_lock(&v->mu);
	req.handle = k->handle;
	pthread_mutex_unlock(&v->mu);
	return req;
}

/* A call's outcome (pipe.h) as sign's, with the signature in out (and
 * its recovery id when want: msg is the 32-byte digest then). */
static int
sign_outcome(struct ev_vault *v, const struct ev_key *k, enum sigil_scheme scheme, int rc,
             const struct enclave_reply *rep, const uint8_t *msg, size_t len, bool want,
             struct vault_sig *out)
{
	if (rc == SIGIL_E_TIMEOUT) {
		log_warn("vault %s: key %s: key holder Sign: no answer in time", v->name, k->info.name);
		return SIGIL_E_TIMEOUT;
	}
	if (rc != 0) {
		log_warn("vault %s: key %s: key holder Sign: %s", v->name, k->info.name,
		         rc == EV_LOST ? "connection lost" : "bad reply");
		return SIGIL_E_NOT_READY;
	}
	if (!rep->ok) {
		log_warn("vault %s: key %s: the key holder refused to sign (%s): %s", v->name,
		         k->info.name, scheme_name(scheme), rep->message);
		return strstr(rep->message, "invalid handle") ? SIGIL_E_NOT_READY : SIGIL_E_CRYPTO;
	}
	if (!rep->has_sig || rep->key_type != k->info.type || rep->sig_len == 0 ||
	    rep->sig_len > sizeof(out->sig)) {
		log_error("vault %s: key %s: the key holder answered a signature of the wrong kind",
		          v->name, k->info.name);
		return SIGIL_E_CRYPTO;
	}
	memcpy(out->sig, rep->sig, rep->sig_len);
	out->len = rep->sig_len;
	if ((rc = vault_sig_recid(&k->info, scheme, msg, len, want, out)) != 0)
		out->len = 0;
	return rc;
}

static int
ev_sign(struct vault *vv, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
        const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct ev_vault *v = ev(vv);
	const struct ev_key *k;
	bool want;
	int rc;

	if ((rc = sign_args(v, i, len, out, &want)) != 0)
		return rc;
	k = &v->keys[i];
	rc = SIGIL_E_NOT_READY;
	/* A second try when the connection is lost under the call (the
	 * holder restarted): nothing it signed was handed out. */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct enclave_reply rep;
		struct enclave_request req;

		if (ev_pipe_live_count(v->pipe) < v->p.connections && (rc = conns_up(v, dl)) != 0)
			return rc;
		req = sign_request(v, k, scheme, msg, len);
		if (req.handle == 0) {
			log_warn("vault %s: key %s is not in the key holder", v->name, k->info.name);
			return SIGIL_E_NOT_READY;
		}
		rc = ev_pipe_call(v->pipe, &req, &rep, dl);
		if ((rc == EV_LOST || rc == SIGIL_E_NOT_READY) && attempt == 0 &&
		    !sigil_deadline_passed(dl))
			continue;
		if (rc == SIGIL_E_NOT_READY)
			return rc;
		rc = sign_outcome(v, k, scheme, rc, &rep, msg, len, want, out);
		sodium_memzero(&rep, sizeof(rep));
		return rc;
	}
	return rc;
}

/* One sign_async in flight. */
struct ev_async {
	struct ev_pending pend; /* first */
	struct ev_vault *v;
	const struct ev_key *k;
	enum sigil_scheme scheme;
	struct vault_sig *out;
	struct vault_async *a;
	bool want;          /* the recovery id, of the digest kept here */
	uint8_t digest[32];
};

static void
ev_async_done(struct ev_pending *e, int rc, const struct enclave_reply *rep)
{
	struct ev_async *x = (struct ev_async *)e;
	struct vault_async *a = x->a;

	/* A lost connection: the waiting path sets it up again and tries. */
	rc = rc == EV_LOST ? VAULT_WOULD_BLOCK
	                   : sign_outcome(x->v, x->k, x->scheme, rc, rep, x->digest,
	                                  sizeof(x->digest), x->want, x->out);
	free(x);
	a->done(a, rc);
}

static int
ev_sign_async(struct vault *vv, size_t i, enum sigil_scheme scheme, const uint8_t *msg,
              size_t len, const struct sigil_deadline *dl, struct vault_sig *out,
              struct vault_async *a)
{
	struct ev_vault *v = ev(vv);
	struct enclave_request req;
	struct ev_async *x;
	bool want;
	int rc;

	if ((rc = sign_args(v, i, len, out, &want)) != 0)
		return rc;
	/* The id is of a 32-byte digest (vault_sig_recid): kept for the
	 * reply, as msg is not. */
	want = want && len == 32;
	req = sign_request(v, &v->keys[i], scheme, msg, len);
	if (req.handle == 0 || (x = malloc(sizeof(*x))) == NULL)
		return VAULT_WOULD_BLOCK;
	*x = (struct ev_async){.pend = {.done = ev_async_done, .dl = dl ? *dl : (struct sigil_deadline){0}},
	                       .v = v, .k = &v->keys[i], .scheme = scheme, .out = out, .a = a,
	                       .want = want};
	if (want)
		memcpy(x->digest, msg, 32);
	if ((rc = ev_pipe_send(v->pipe, &req, &x->pend)) == 0)
		return VAULT_PENDING;
	free(x);
	return rc == SIGIL_E_NOT_READY ? VAULT_WOULD_BLOCK : rc;
}

static int
ev_ready(struct vault *vv, const struct sigil_deadline *dl)
{
	struct ev_vault *v = ev(vv);

	/* A live connection is watched by the pipe's thread, which drops it
	 * as soon as the holder closes it. */
	if (ev_pipe_live_count(v->pipe) == v->p.connections)
		return 0;
	return conns_up(v, dl);
}

static void
ev_close(struct vault *vv)
{
	struct ev_vault *v = ev(vv);
	if (v == NULL)
		return;
	ev_pipe_stop(v->pipe);
	if (v->st != NULL)
		v->st->ops->close(v->st);
	ev_params_free(&v->p);
	free(v->keys);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

static const struct vault_ops ev_ops = {
	.name = "enclave",
	.local = false,
	.count = ev_count,
	.key = ev_key,
	.sign = ev_sign,
	.sign_async = ev_sign_async,
	.ready = ev_ready,
	.close = ev_close,
};

/* ---- open -------------------------------------------------------------- */

static void
ev_report(void *arg, const char *pkh, const char *why)
{
	log_warn("vault %s: stored key %s skipped: %s", (const char *)arg, pkh ? pkh : "(no address)",
	         why);
}

/* The stored entries as keys: each blob's clear header says its key,
 * whose address must be the one it is stored under (a blob copied under
 * another address is refused here). */
static int
keys_from_entries(struct ev_vault *v, const struct vault_codec *codec,
                  const struct enclave_entry *e, size_t n)
{
	if (n > 0 && (v->keys = calloc(n, sizeof(*v->keys))) == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		struct ev_key *k = &v->keys[v->n_keys];
		char addr[128] = "";

		if (enclave_blob_public(e[i].blob, e[i].blob_len, &k->info.type, k->info.pk,
		                        &k->info.pk_len) != 0) {
			ev_report(v->name, e[i].pkh, "not an encrypted key this sigil knows");
			continue;
		}
		if (codec != NULL && codec->address != NULL &&
		    (codec->address(k->info.type, k->info.pk, k->info.pk_len, addr, sizeof(addr)) != 0 ||
		     strcmp(addr, e[i].pkh) != 0)) {
			char why[256];
			snprintf(why, sizeof(why), "its blob holds the key of %s (moved?)", addr);
			ev_report(v->name, e[i].pkh, why);
			continue;
		}
		snprintf(k->info.name, sizeof(k->info.name), "%s", e[i].pkh);
		k->info.deterministic = true;
		memcpy(k->blob, e[i].blob, e[i].blob_len);
		k->blob_len = e[i].blob_len;
		v->n_keys++;
	}
	return 0;
}

int
vault_enclave_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	struct ev_vault *v = calloc(1, sizeof(*v));
	struct enclave_entry *entries = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (v == NULL)
		return SIGIL_E_NOMEM;
	v->base.ops = &ev_ops;
	snprintf(v->name, sizeof(v->name), "%s", cfg->name);
	pthread_mutex_init(&v->mu, NULL);
	if ((rc = ev_params_read(cfg, &v->p, err, errlen)) != 0)
		goto fail;
	if ((rc = ev_pipe_start(v->name, v->p.connections, &v->pipe)) != 0) {
		snprintf(err, errlen, "cannot start the thread that reads the key holder's replies");
		goto fail;
	}
	if ((rc = v->p.storage->open(cfg->settings, cfg->deadline, &v->st, err, errlen)) != 0 ||
	    (rc = v->st->ops->load(v->st, cfg->deadline, ev_report, v->name, &entries, &n, err,
	                           errlen)) != 0)
		goto fail;
	rc = keys_from_entries(v, cfg->codec, entries, n);
	if (entries != NULL)
		sodium_memzero(entries, n * sizeof(*entries));
	free(entries);
	if (rc != 0)
		goto fail;
	/* The first connection now: it tells at once whether the credentials
	 * open this holder, and which stored keys it refuses. A holder that
	 * is not up yet leaves the vault not ready, not sigild down. */
	{
		char why[400] = "";
		int fd;
		if (ev_connect(&v->p.ep, cfg->deadline, &fd, why, sizeof(why)) != 0) {
			log_warn("vault %s: %s; not ready until it answers", v->name, why);
			v->down = true;
		} else if ((rc = ev_session_init(fd, v->p.cred, cfg->deadline, err, errlen)) != 0) {
			close(fd);
			goto fail;
		} else {
			import_all(v, fd, cfg->deadline, true);
			if (ev_pipe_adopt(v->pipe, 0, fd) != 0)
				close(fd);
			(void)conns_up(v, cfg->deadline); /* the others */
		}
	}
	*out = &v->base;
	return 0;
fail:
	ev_close(&v->base);
	return rc;
}
