/* Tests only: an in-memory watermark store, registered as driver "memory"
 * (wm_memory_register, before a config names it), that stalls or fails on
 * demand. It keeps the rules of watermark.h per wm_id: check_advance
 * (WM_ADVANCED, WM_IDENTICAL, SIGIL_E_WATERMARK), check_advance_sign (the
 * signer runs with the id held, not the store; its signature is kept),
 * get, set, raise, each, ready. No check_advance_async: sigil_sign_start
 * answers SIGIL_SIGN_WOULD_BLOCK and requests take the blocking path.
 *
 * Controls, on the store the last open made (wm_memory_store()):
 * - wm_memory_only_key(key): stalls and failures apply only to calls
 *   whose wm_id.key is key (NULL: to every call);
 * - wm_memory_stall_next(n): the next n check_advance / check_advance_sign
 *   calls that apply wait, before they look at anything, until
 *   wm_memory_release or their deadline; at the deadline they return
 *   SIGIL_E_TIMEOUT having changed nothing. A call without a deadline
 *   gives up after WM_MEMORY_CAP_MS (counted in .capped): the test's own
 *   bound should have failed it long before;
 * - wm_memory_fail_next(n): the next n such calls return SIGIL_E_IO,
 *   having changed nothing;
 * - wm_memory_wait_stalled(n, ms): waits (bounded) until n calls stall;
 * - wm_memory_release(): lets every stalled call go on.
 * It uses no cmocka, so it may be included anywhere. */
#ifndef SIGIL_TEST_WM_MEMORY_H
#define SIGIL_TEST_WM_MEMORY_H
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/deadline.h"
#include "base/errors.h"
#include "watermark/registry_test.h"
#include "watermark/watermark.h"

#define WM_MEMORY_MAX 64
#define WM_MEMORY_CAP_MS 60000u

struct wm_memory_rec {
	struct wm_id id;
	bool has_mark;
	struct wm_mark mark;
	bool busy;        /* check_advance_sign is signing for it */
	bool unsigned_ok; /* the last signer failed: an identical request may sign */
};

struct wm_memory {
	struct wm_store base;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	struct wm_memory_rec recs[WM_MEMORY_MAX];
	size_t n;
	/* controls */
	bool only;
	uint8_t only_key[sizeof(((struct wm_id *)0)->key)];
	unsigned stall_n, fail_n;
	unsigned release_gen;
	/* what happened */
	unsigned stalled;  /* waiting now */
	unsigned entered;  /* calls that stalled, ever */
	unsigned timeouts; /* stalls that ended at their deadline */
	unsigned capped;   /* stalls without a deadline that hit the cap */
	unsigned failed;   /* SIGIL_E_IO given */
	unsigned calls;    /* check_advance and check_advance_sign calls */
	unsigned signs;    /* signatures check_advance_sign kept */
};

static struct wm_memory *wm_memory_current;

static struct wm_memory *
wm_memory_store(void)
{
	return wm_memory_current;
}

static bool
wm_memory_id_eq(const struct wm_id *a, const struct wm_id *b)
{
	return memcmp(a->chain_id, b->chain_id, sizeof(a->chain_id)) == 0 &&
	       memcmp(a->key, b->key, sizeof(a->key)) == 0 && a->kind == b->kind;
}

/* The record of id, made when make is set (NULL: none, or full). mu held. */
static struct wm_memory_rec *
wm_memory_rec(struct wm_memory *m, const struct wm_id *id, bool make)
{
	for (size_t i = 0; i < m->n; i++)
		if (wm_memory_id_eq(&m->recs[i].id, id))
			return &m->recs[i];
	if (!make || m->n == WM_MEMORY_MAX)
		return NULL;
	struct wm_memory_rec *r = &m->recs[m->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r->id.chain_id, id->chain_id, sizeof(r->id.chain_id));
	memcpy(r->id.key, id->key, sizeof(r->id.key));
	r->id.kind = id->kind;
	return r;
}

static struct timespec
wm_memory_abs(uint64_t at_ms)
{
	struct timespec t = {(time_t)(at_ms / 1000u), (long)(at_ms % 1000u) * 1000000L};
	return t;
}

/* Waits on cv (mu held) until *stop says so, or dl passes: 0, or
 * SIGIL_E_TIMEOUT. Without a deadline, WM_MEMORY_CAP_MS (m->capped). */
static int
wm_memory_wait(struct wm_memory *m, const struct sigil_deadline *dl,
               bool (*stop)(struct wm_memory *m, void *arg), void *arg)
{
	bool has_dl = dl != NULL && dl->at_ms != 0;
	uint64_t at = has_dl ? dl->at_ms : sigil_monotonic_ms() + WM_MEMORY_CAP_MS;

	while (!stop(m, arg)) {
		if (sigil_monotonic_ms() >= at) {
			if (!has_dl)
				m->capped++;
			return SIGIL_E_TIMEOUT;
		}
		struct timespec t = wm_memory_abs(at);
		int e = pthread_cond_timedwait(&m->cv, &m->mu, &t);
		if (e != 0 && e != ETIMEDOUT && e != EINTR)
			return SIGIL_E_INTERNAL;
	}
	return 0;
}

static bool
wm_memory_released(struct wm_memory *m, void *arg)
{
	return m->release_gen != *(unsigned *)arg;
}

static bool
wm_memory_not_busy(struct wm_memory *m, void *arg)
{
	(void)m;
	return !((struct wm_memory_rec *)arg)->busy;
}

/* The test's controls, at the start of a signing-path call (mu held):
 * 0 to go on, or the error to return with nothing changed. */
static int
wm_memory_gate(struct wm_memory *m, const struct wm_id *id, const struct sigil_deadline *dl)
{
	int rc;

	m->calls++;
	if (m->only && memcmp(id->key, m->only_key, sizeof(m->only_key)) != 0)
		return 0;
	if (m->fail_n > 0) {
		m->fail_n--;
		m->failed++;
		return SIGIL_E_IO;
	}
	if (m->stall_n == 0)
		return 0;
	m->stall_n--;
	unsigned gen = m->release_gen;
	m->stalled++;
	m->entered++;
	pthread_cond_broadcast(&m->cv);
	rc = wm_memory_wait(m, dl, wm_memory_released, &gen);
	m->stalled--;
	if (rc == SIGIL_E_TIMEOUT)
		m->timeouts++;
	pthread_cond_broadcast(&m->cv);
	return rc;
}

static int
wm_memory_cmp(const struct wm_mark *a, const struct wm_mark *b)
{
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if (a->round != b->round)
		return a->round < b->round ? -1 : 1;
	return 0;
}

/* check_advance's verdict for req on r (mu held, r not busy): 0 when req
 * is above (or there is no mark), else WM_IDENTICAL or SIGIL_E_WATERMARK,
 * *prev set to what stands. */
static int
wm_memory_verdict(const struct wm_memory_rec *r, const struct wm_mark *req, struct wm_mark *prev)
{
	if (!r->has_mark)
		return 0;
	int c = wm_memory_cmp(req, &r->mark);
	if (c > 0)
		return 0;
	*prev = r->mark;
	return c == 0 && req->has_digest && r->mark.has_digest &&
	               memcmp(req->digest, r->mark.digest, 32) == 0
	           ? WM_IDENTICAL
	           : SIGIL_E_WATERMARK;
}

static void
wm_memory_take(struct wm_memory_rec *r, const struct wm_mark *req)
{
	memset(&r->mark, 0, sizeof(r->mark));
	r->mark.level = req->level;
	r->mark.round = req->round;
	r->mark.has_digest = req->has_digest;
	if (req->has_digest)
		memcpy(r->mark.digest, req->digest, 32);
	r->has_mark = true;
	r->unsigned_ok = false;
}

/* The gate, then the id's record made and free of any signer (mu held). */
static int
wm_memory_enter(struct wm_memory *m, const struct wm_id *id, const struct sigil_deadline *dl,
                struct wm_memory_rec **rp)
{
	int rc;

	if (id == NULL || (unsigned)id->kind >= WM_KINDS)
		return SIGIL_E_INVALID;
	if ((rc = wm_memory_gate(m, id, dl)) != 0)
		return rc;
	if ((*rp = wm_memory_rec(m, id, true)) == NULL)
		return SIGIL_E_TOO_BIG;
	return wm_memory_wait(m, dl, wm_memory_not_busy, *rp);
}

static int
wm_memory_check_advance(struct wm_store *s, const struct wm_id *id, const struct wm_mark *req,
                        struct wm_mark *prev, const struct sigil_deadline *dl)
{
	struct wm_memory *m = (struct wm_memory *)s;
	struct wm_memory_rec *r = NULL;
	struct wm_mark p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (req == NULL)
		return SIGIL_E_INVALID;
	pthread_mutex_lock(&m->mu);
	if ((rc = wm_memory_enter(m, id, dl, &r)) == 0 &&
	    (rc = wm_memory_verdict(r, req, &p)) == 0)
		wm_memory_take(r, req);
	pthread_mutex_unlock(&m->mu);
	if (prev)
		*prev = p;
	return rc;
}

static int
wm_memory_check_advance_sign(struct wm_store *s, const struct wm_id *id,
                             const struct wm_mark *req, struct wm_mark *out,
                             const struct wm_signer *signer, const struct sigil_deadline *dl)
{
	struct wm_memory *m = (struct wm_memory *)s;
	struct wm_memory_rec *r = NULL;
	struct wm_mark next;
	int rc;

	memset(out, 0, sizeof(*out));
	if (req == NULL || signer == NULL || signer->sign == NULL)
		return SIGIL_E_INVALID;
	pthread_mutex_lock(&m->mu);
	if ((rc = wm_memory_enter(m, id, dl, &r)) != 0)
		goto out;
	rc = wm_memory_verdict(r, req, out);
	/* A new mark; or the same one, whose last attempt released nothing. */
	if (!(rc == 0 || (rc == WM_IDENTICAL && out->sig_len == 0 && r->unsigned_ok)))
		goto out;
	if (rc == 0)
		wm_memory_take(r, req);
	next = r->mark;
	next.sig_len = 0;
	/* The id held, the store not: other ids go on meanwhile. */
	r->busy = true;
	pthread_mutex_unlock(&m->mu);
	rc = signer->sign(signer->arg, &next);
	pthread_mutex_lock(&m->mu);
	r->busy = false;
	pthread_cond_broadcast(&m->cv);
	if (rc == 0 && (next.sig_len == 0 || next.sig_len > SIGIL_SIG_MAX))
		rc = SIGIL_E_INTERNAL;
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		r->unsigned_ok = true;
		goto out;
	}
	r->mark = next;
	r->unsigned_ok = false;
	m->signs++;
	*out = next;
out:
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int
wm_memory_get(struct wm_store *s, const struct wm_id *id, struct wm_mark *out,
              const struct sigil_deadline *dl)
{
	(void)dl;
	struct wm_memory *m = (struct wm_memory *)s;
	int rc = SIGIL_E_NOT_FOUND;

	pthread_mutex_lock(&m->mu);
	struct wm_memory_rec *r = wm_memory_rec(m, id, false);
	if (r != NULL && r->has_mark) {
		*out = r->mark;
		rc = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int
wm_memory_set(struct wm_store *s, const struct wm_id *id, const struct wm_mark *mk,
              const struct sigil_deadline *dl)
{
	(void)dl;
	struct wm_memory *m = (struct wm_memory *)s;
	int rc = SIGIL_E_TOO_BIG;

	pthread_mutex_lock(&m->mu);
	struct wm_memory_rec *r = wm_memory_rec(m, id, true);
	if (r != NULL && (rc = wm_memory_wait(m, NULL, wm_memory_not_busy, r)) == 0) {
		r->mark = *mk;
		r->has_mark = true;
		r->unsigned_ok = false;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int
wm_memory_raise(struct wm_store *s, const struct wm_id *id, const struct wm_mark *mk, bool *raised,
                const struct sigil_deadline *dl)
{
	(void)dl;
	struct wm_memory *m = (struct wm_memory *)s;
	int rc = SIGIL_E_TOO_BIG;

	*raised = false;
	pthread_mutex_lock(&m->mu);
	struct wm_memory_rec *r = wm_memory_rec(m, id, true);
	if (r != NULL && (rc = wm_memory_wait(m, NULL, wm_memory_not_busy, r)) == 0 &&
	    (!r->has_mark || wm_memory_cmp(mk, &r->mark) > 0)) {
		r->mark = *mk;
		r->has_mark = true;
		r->unsigned_ok = false;
		*raised = true;
	}
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int
wm_memory_each(struct wm_store *s,
               int (*fn)(void *arg, const struct wm_id *id, const struct wm_mark *m), void *arg,
               const struct sigil_deadline *dl)
{
	(void)dl;
	struct wm_memory *m = (struct wm_memory *)s;
	int rc = 0;

	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n && rc == 0; i++)
		if (m->recs[i].has_mark)
			rc = fn(arg, &m->recs[i].id, &m->recs[i].mark);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int
wm_memory_ready(struct wm_store *s, const struct sigil_deadline *dl)
{
	(void)s, (void)dl;
	return 0;
}

static void
wm_memory_close(struct wm_store *s)
{
	struct wm_memory *m = (struct wm_memory *)s;

	if (m == NULL)
		return;
	if (wm_memory_current == m)
		wm_memory_current = NULL;
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	memset(m, 0, sizeof(*m)); /* marks hold signatures */
	free(m);
}

static const struct wm_store_ops wm_memory_ops = {
	.name = "memory",
	.check_advance = wm_memory_check_advance,
	.check_advance_async = NULL,
	.check_advance_sign = wm_memory_check_advance_sign,
	.get = wm_memory_get,
	.set = wm_memory_set,
	.raise = wm_memory_raise,
	.each = wm_memory_each,
	.ready = wm_memory_ready,
	.syncs = NULL,
	.close = wm_memory_close,
};

static int
wm_memory_open(const struct wm_store_config *cfg, struct wm_store **out, char *err,
               size_t errlen)
{
	struct wm_memory *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;

	(void)cfg; /* no directory: it lives in memory */
	if (m == NULL) {
		snprintf(err, errlen, "memory: out of memory");
		return SIGIL_E_NOMEM;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	m->base.ops = &wm_memory_ops;
	wm_memory_current = m;
	*out = &m->base;
	return 0;
}

static int
wm_memory_init(const struct wm_store_config *cfg, bool *created, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	*created = true; /* each open starts empty */
	return 0;
}

static const struct wm_driver wm_memory_driver = {
	.name = "memory",
	.open = wm_memory_open,
	.init = wm_memory_init,
};

static void
wm_memory_register(void)
{
	wm_driver_add_for_tests(&wm_memory_driver);
}

/* ---- controls (on wm_memory_store()) ---- */

static void
wm_memory_only_key(const uint8_t *key)
{
	struct wm_memory *m = wm_memory_current;
	pthread_mutex_lock(&m->mu);
	m->only = key != NULL;
	if (key != NULL)
		memcpy(m->only_key, key, sizeof(m->only_key));
	pthread_mutex_unlock(&m->mu);
}

static void
wm_memory_stall_next(unsigned n)
{
	struct wm_memory *m = wm_memory_current;
	pthread_mutex_lock(&m->mu);
	m->stall_n = n;
	pthread_mutex_unlock(&m->mu);
}

static void
wm_memory_fail_next(unsigned n)
{
	struct wm_memory *m = wm_memory_current;
	pthread_mutex_lock(&m->mu);
	m->fail_n = n;
	pthread_mutex_unlock(&m->mu);
}

/* Lets every stalled call go on (as if the back end answered). */
static void
wm_memory_release(void)
{
	struct wm_memory *m = wm_memory_current;
	pthread_mutex_lock(&m->mu);
	m->release_gen++;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

static bool
wm_memory_enough_stalled(struct wm_memory *m, void *arg)
{
	return m->stalled >= *(unsigned *)arg;
}

/* Whether n calls are stalled within ms. */
static bool
wm_memory_wait_stalled(unsigned n, unsigned ms)
{
	struct wm_memory *m = wm_memory_current;
	struct sigil_deadline dl = sigil_deadline_in(ms);
	pthread_mutex_lock(&m->mu);
	int rc = wm_memory_wait(m, &dl, wm_memory_enough_stalled, &n);
	pthread_mutex_unlock(&m->mu);
	return rc == 0;
}

/* A copy of the counters (taken under the lock). */
struct wm_memory_stats {
	unsigned stalled, entered, timeouts, capped, failed, calls, signs;
};

static struct wm_memory_stats
wm_memory_stats(void)
{
	struct wm_memory *m = wm_memory_current;
	struct wm_memory_stats st;
	pthread_mutex_lock(&m->mu);
	st = (struct wm_memory_stats){m->stalled, m->entered, m->timeouts, m->capped,
	                              m->failed,  m->calls,   m->signs};
	pthread_mutex_unlock(&m->mu);
	return st;
}

#endif
