/* The enclave vault (enclave.h): keys by handle in sigil-enclave.
 *
 * A pool of connections, each used by one call at a time (the protocol
 * has no request ids). A connection found closed, or failing, is made
 * again: connect, Initialize, and Import of every key, which gives each
 * key its handle in the holder now answering (Import of a key the holder
 * holds gives the handle it has), so that a handle is never used with a
 * holder that gave it to another key. Every call answers by its deadline;
 * one that does not is dropped with its connection, and nothing it might
 * still sign is ever returned. */
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

struct ev_key {
	struct vault_key info; /* name: the address it is stored under */
	uint8_t blob[ENCLAVE_STORED_BLOB_MAX];
	size_t blob_len;
	uint64_t handle; /* in the holder now answering; 0: none (under mu) */
};

struct ev_conn {
	int fd; /* -1: not connected */
	bool busy;
};

struct ev_vault {
	struct vault base;
	char name[64];
	struct ev_params p;
	struct enclave_storage *st;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a connection was given back */
	struct ev_conn conns[EV_CONNS_MAX];
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

static int
conn_take(struct ev_vault *v, const struct sigil_deadline *dl, bool wait, size_t *idx)
{
	int rc = 0;

	pthread_mutex_lock(&v->mu);
	for (;;) {
		for (size_t i = 0; i < v->p.connections; i++) {
			if (!v->conns[i].busy) {
				v->conns[i].busy = true;
				*idx = i;
				goto out;
			}
		}
		if (!wait) {
			rc = SIGIL_E_LOCKED;
			goto out;
		}
		if (sigil_deadline_left_ms(dl) == UINT64_MAX) {
			pthread_cond_wait(&v->cv, &v->mu);
		} else {
			uint64_t left = sigil_deadline_left_ms(dl);
			struct timespec ts;
			if (left == 0) {
				rc = SIGIL_E_TIMEOUT;
				goto out;
			}
			ts = sigil_monotonic_timespec_in(left);
			pthread_cond_timedwait(&v->cv, &v->mu, &ts);
		}
	}
out:
	pthread_mutex_unlock(&v->mu);
	return rc;
}

static void
conn_give(struct ev_vault *v, size_t idx, bool broken)
{
	pthread_mutex_lock(&v->mu);
	if (broken && v->conns[idx].fd >= 0) {
		close(v->conns[idx].fd);
		v->conns[idx].fd = -1;
	}
	v->conns[idx].busy = false;
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
}

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

/* Makes connection idx usable: as it is, else connected and set up
 * afresh; *fresh says which. With probe, a kept connection is first asked
 * whether the holder closed it (one poll); the signing path does not ask,
 * since a call on a dead connection fails without effect and is tried
 * once more on a fresh one (ev_sign). */
static int
conn_ready(struct ev_vault *v, size_t idx, const struct sigil_deadline *dl, bool probe,
           bool *fresh, char *err, size_t errlen)
{
	struct ev_conn *c = &v->conns[idx];
	int fd, rc;

	*fresh = false;
	if (c->fd >= 0 && !(probe && ev_conn_dead(c->fd)))
		return 0;
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if ((rc = ev_connect(&v->p.ep, dl, &fd, err, errlen)) != 0)
		goto fail;
	if ((rc = ev_session_init(fd, v->p.cred, dl, err, errlen)) != 0) {
		close(fd);
		goto fail;
	}
	import_all(v, fd, dl, false);
	c->fd = fd;
	*fresh = true;
	pthread_mutex_lock(&v->mu);
	if (v->down)
		log_info("vault %s: the key holder answers again; keys imported", v->name);
	v->down = false;
	pthread_mutex_unlock(&v->mu);
	return 0;
fail:
	pthread_mutex_lock(&v->mu);
	if (!v->down)
		log_warn("vault %s: %s", v->name, err);
	v->down = true;
	pthread_mutex_unlock(&v->mu);
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
	}
	return "?";
}

static int
ev_sign(struct vault *vv, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
        const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct ev_vault *v = ev(vv);
	const struct ev_key *k;
	char err[400] = "";
	int rc = SIGIL_E_NOT_READY;

	out->len = 0;
	out->recid = -1;
	if (i >= v->n_keys)
		return SIGIL_E_UNKNOWN_KEY;
	if (len > ENCLAVE_MSG_MAX)
		return SIGIL_E_TOO_BIG;
	k = &v->keys[i];
	/* A second try only when a connection kept from before turns out
	 * dead on use: the holder restarted, and nothing reached it. */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct enclave_request req = {.op = ENCLAVE_SIGN, .msg = (uint8_t *)msg,
		                              .msg_len = len, .scheme = (int)scheme};
		struct enclave_reply rep;
		size_t idx;
		bool fresh;

		if ((rc = conn_take(v, dl, true, &idx)) != 0) {
			log_warn("vault %s: no connection to the key holder free in time", v->name);
			return SIGIL_E_TIMEOUT;
		}
		if ((rc = conn_ready(v, idx, dl, false, &fresh, err, sizeof(err))) != 0) {
			conn_give(v, idx, true);
			return rc;
		}
		pthread_mutex_lock(&v->mu);
		req.handle = k->handle;
		pthread_mutex_unlock(&v->mu);
		if (req.handle == 0) {
			conn_give(v, idx, false);
			log_warn("vault %s: key %s is not in the key holder", v->name, k->info.name);
			return SIGIL_E_NOT_READY;
		}
		rc = ev_call(v->conns[idx].fd, &req, &rep, dl, err, sizeof(err));
		if (rc != 0) {
			conn_give(v, idx, true);
			if (rc == SIGIL_E_IO && !fresh && attempt == 0 && !sigil_deadline_passed(dl))
				continue;
			log_warn("vault %s: key %s: %s", v->name, k->info.name, err);
			return rc == SIGIL_E_TIMEOUT ? SIGIL_E_TIMEOUT : SIGIL_E_NOT_READY;
		}
		conn_give(v, idx, false);
		if (!rep.ok) {
			log_warn("vault %s: key %s: the key holder refused to sign (%s): %s", v->name,
			         k->info.name, scheme_name(scheme), rep.message);
			return strstr(rep.message, "invalid handle") ? SIGIL_E_NOT_READY
			                                              : SIGIL_E_CRYPTO;
		}
		if (!rep.has_sig || rep.key_type != k->info.type || rep.sig_len == 0 ||
		    rep.sig_len > sizeof(out->sig)) {
			log_error("vault %s: key %s: the key holder answered a signature of the wrong "
			          "kind", v->name, k->info.name);
			return SIGIL_E_CRYPTO;
		}
		memcpy(out->sig, rep.sig, rep.sig_len);
		out->len = rep.sig_len;
		return 0;
	}
	return rc;
}

static int
ev_ready(struct vault *vv, const struct sigil_deadline *dl)
{
	struct ev_vault *v = ev(vv);
	char err[400];
	size_t idx;
	bool fresh;
	int rc;

	/* Every connection in use: the holder is answering someone. */
	if (conn_take(v, dl, false, &idx) != 0)
		return 0;
	rc = conn_ready(v, idx, dl, true, &fresh, err, sizeof(err));
	conn_give(v, idx, rc != 0);
	return rc;
}

static void
ev_close(struct vault *vv)
{
	struct ev_vault *v = ev(vv);
	if (v == NULL)
		return;
	for (size_t i = 0; i < EV_CONNS_MAX; i++)
		if (v->conns[i].fd >= 0)
			close(v->conns[i].fd);
	if (v->st != NULL)
		v->st->ops->close(v->st);
	ev_params_free(&v->p);
	free(v->keys);
	pthread_cond_destroy(&v->cv);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

static const struct vault_ops ev_ops = {
	.name = "enclave",
	.local = false,
	.count = ev_count,
	.key = ev_key,
	.sign = ev_sign,
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
	pthread_condattr_t ca;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (v == NULL)
		return SIGIL_E_NOMEM;
	v->base.ops = &ev_ops;
	snprintf(v->name, sizeof(v->name), "%s", cfg->name);
	for (size_t i = 0; i < EV_CONNS_MAX; i++)
		v->conns[i].fd = -1;
	pthread_mutex_init(&v->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = ev_params_read(cfg, &v->p, err, errlen)) != 0)
		goto fail;
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
			v->conns[0].fd = fd;
		}
	}
	*out = &v->base;
	return 0;
fail:
	ev_close(&v->base);
	return rc;
}
