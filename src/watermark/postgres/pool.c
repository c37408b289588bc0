/* The postgres store's check-and-advance (store.h): a queue and a small
 * pool of connections, each with a thread of its own. A caller queues its
 * request and waits (by its deadline), or leaves it with a done callback
 * (check_advance_async); a pool thread takes every request queued at that
 * moment (up to WMPG_BATCH) and sends them as one call of
 * sigil_wm_advance: one round trip and one commit for all of them, so
 * concurrent requests share the WAL flush the way the file store's share
 * an fdatasync. An outcome comes back only with the statement, after its
 * commit: nothing is signed on a mark that is not committed. A request
 * whose deadline passes is refused with SIGIL_E_TIMEOUT; its mark may
 * still be committed after that, which only leaves a slot unused.
 *
 * While no connection can be made, requests are refused at once with the
 * last reason for a short backoff (50 ms, doubling to 2 s) instead of each
 * waiting out its deadline; the next request after it tries again. A
 * server that refuses writes (a standby, read only, shutting down) is left
 * and looked for again: with several hosts and
 * target_session_attrs=read-write in conninfo, libpq finds the new
 * primary after a failover. */
#include "watermark/postgres/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/log.h"
#include "watermark/postgres/postgres.h"

static _Thread_local char wmpg_tls_err[WMPG_ERR_MAX];

void
wmpg_tls_set(const char *err)
{
	snprintf(wmpg_tls_err, sizeof(wmpg_tls_err), "%s", err ? err : "");
}

const char *
wmpg_tls_get(void)
{
	return wmpg_tls_err;
}

static const char wmpg_sql_advance[] =
	"SELECT i, outcome, m_level, m_round, m_digest, m_sig FROM sigil_wm_advance($1)";

static void
put_be32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;
	p[0] = (uint8_t)(u >> 24);
	p[1] = (uint8_t)(u >> 16);
	p[2] = (uint8_t)(u >> 8);
	p[3] = (uint8_t)u;
}

int32_t
wmpg_be32(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;
	return (int32_t)((uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
}

/* ---- the pool ------------------------------------------------------ */

/* Order of (chain, key, kind): every batch locks its rows in it. */
static int
wmpg_id_cmp(const struct wm_id *a, const struct wm_id *b)
{
	int c = memcmp(a->chain_id, b->chain_id, sizeof(a->chain_id));
	if (c == 0)
		c = memcmp(a->key, b->key, sizeof(a->key));
	if (c == 0)
		c = (int)a->kind - (int)b->kind;
	return c;
}

/* Sorts b by id, keeping arrival order within an id (insertion sort:
 * stable, and batches are short). */
static void
wmpg_sort(struct wmpg_req **b, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct wmpg_req *x = b[i];
		size_t j = i;
		while (j > 0 && wmpg_id_cmp(&b[j - 1]->id, &x->id) > 0) {
			b[j] = b[j - 1];
			j--;
		}
		b[j] = x;
	}
}

/* The earliest deadline of the batch (0: none has one). */
static struct sigil_deadline
wmpg_batch_deadline(struct wmpg_req **b, size_t n)
{
	struct sigil_deadline d = {0};
	for (size_t i = 0; i < n; i++)
		if (b[i]->deadline_ms != 0 && (d.at_ms == 0 || b[i]->deadline_ms < d.at_ms))
			d.at_ms = b[i]->deadline_ms;
	return d;
}

static void
wmpg_fail_all(struct wmpg_req **b, size_t n, int rc, const char *err)
{
	for (size_t i = 0; i < n; i++) {
		b[i]->rc = rc;
		snprintf(b[i]->err, sizeof(b[i]->err), "%s", err);
	}
}

/* One row of sigil_wm_advance's answer into its request. */
static int
wmpg_outcome(PGresult *res, int row, struct wmpg_req *r)
{
	int outcome;

	if (PQgetlength(res, row, 1) != 4)
		return SIGIL_E_INTERNAL;
	outcome = wmpg_be32(PQgetvalue(res, row, 1));
	memset(&r->prev, 0, sizeof(r->prev));
	if (outcome == 0) {
		r->rc = WM_ADVANCED;
		return 0;
	}
	if (!PQgetisnull(res, row, 2) && PQgetlength(res, row, 2) == 4 &&
	    PQgetlength(res, row, 3) == 4) {
		r->prev.level = wmpg_be32(PQgetvalue(res, row, 2));
		r->prev.round = wmpg_be32(PQgetvalue(res, row, 3));
	}
	if (!PQgetisnull(res, row, 4) && PQgetlength(res, row, 4) == 32) {
		memcpy(r->prev.digest, PQgetvalue(res, row, 4), 32);
		r->prev.has_digest = true;
	}
	if (!PQgetisnull(res, row, 5)) {
		int len = PQgetlength(res, row, 5);
		if (len < 1 || (size_t)len > sizeof(r->prev.sig))
			return SIGIL_E_CORRUPT;
		memcpy(r->prev.sig, PQgetvalue(res, row, 5), (size_t)len);
		r->prev.sig_len = (size_t)len;
	}
	if (outcome == 1) {
		r->rc = WM_IDENTICAL;
	} else if (outcome == 2 || outcome == 3) {
		if (outcome == 3)
			log_error("watermark backstop: level %" PRId32 " round %" PRId32
			          " was advanced to before with other bytes (a mark lowered by "
			          "hand?): refused", r->mark.level, r->mark.round);
		r->rc = SIGIL_E_WATERMARK;
	} else {
		return SIGIL_E_INTERNAL;
	}
	return 0;
}

/* Sends the batch b (sorted) as one statement and reads each outcome. */
static int
wmpg_send(struct wmpg_worker *w, struct wmpg_req **b, size_t n, char *err, size_t errlen)
{
	struct sigil_deadline dl = wmpg_batch_deadline(b, n);
	struct pg_params p = {1, {(const char *)w->buf}, {(int)(n * WMPG_REC)}, {1}};
	PGresult *res;
	char state[6];
	int rc;

	for (size_t i = 0; i < n; i++) {
		uint8_t *q = w->buf + i * WMPG_REC;
		memcpy(q, b[i]->id.chain_id, 4);
		memcpy(q + 4, b[i]->id.key, 21);
		q[25] = (uint8_t)b[i]->id.kind;
		put_be32(q + 26, b[i]->mark.level);
		put_be32(q + 30, b[i]->mark.round);
		memcpy(q + 34, b[i]->mark.digest, 32);
	}
	if ((rc = pg_conn_exec(&w->pc, wmpg_sql_advance, &p, dl.at_ms ? &dl : NULL, &res, NULL,
	                       state, err, errlen)) != 0)
		return rc;
	atomic_fetch_add(&w->s->commits, 1);
	if (PQntuples(res) != (int)n || PQnfields(res) != 6) {
		sigil_errf(err, errlen, "PostgreSQL: sigil_wm_advance answered %d rows for %zu",
		           PQntuples(res), n);
		rc = SIGIL_E_INTERNAL;
	}
	for (int row = 0; rc == 0 && row < (int)n; row++) {
		int32_t i = PQgetlength(res, row, 0) == 4 ? wmpg_be32(PQgetvalue(res, row, 0)) : -1;
		if (i < 0 || (size_t)i >= n || (rc = wmpg_outcome(res, row, b[i])) != 0)
			sigil_errf(err, errlen, "PostgreSQL: sigil_wm_advance: an answer not understood");
		if (i < 0 || (size_t)i >= n)
			rc = SIGIL_E_INTERNAL;
	}
	PQclear(res);
	return rc;
}

/* Runs one batch on w's connection; each request's rc says how it went. */
static void
wmpg_run(struct wmpg_worker *w, struct wmpg_req **b, size_t n)
{
	struct wmpg_store *s = w->s;
	char err[WMPG_ERR_MAX] = "";
	int rc;

	wmpg_sort(b, n);
	rc = 0;
	if (!atomic_load(&s->schema_ok)) {
		struct sigil_deadline dl = wmpg_batch_deadline(b, n);
		if ((rc = wmpg_migrate(&w->pc, false, NULL, dl.at_ms ? &dl : NULL, err,
		                       sizeof(err))) == 0)
			atomic_store(&s->schema_ok, true);
		else if (rc == SIGIL_E_NOT_FOUND || rc == SIGIL_E_UNSUPPORTED)
			rc = SIGIL_E_NOT_READY; /* refuse, and say why: err */
	}
	if (rc == 0)
		rc = wmpg_send(w, b, n, err, sizeof(err));
	pthread_mutex_lock(&s->mu);
	if (rc == SIGIL_E_NOT_READY && w->pc.conn == NULL) {
		/* No server to talk to: refuse at once for a while. */
		s->down_until = sigil_monotonic_ms() + s->backoff_ms;
		s->backoff_ms = s->backoff_ms * 2 > WMPG_BACKOFF_MAX_MS ? WMPG_BACKOFF_MAX_MS
		                                                        : s->backoff_ms * 2;
	} else if (rc == 0) {
		s->down_until = 0;
		s->backoff_ms = WMPG_BACKOFF_MIN_MS;
	}
	if (rc != 0)
		snprintf(s->last_err, sizeof(s->last_err), "%s", err);
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		log_warn("watermark store: %s", err);
		wmpg_fail_all(b, n, rc, err);
	}
}

/* Hands each finished request back, under s->mu: a waiter is woken (or,
 * gone, its request freed); an async one is moved to *out, to be reported
 * once the lock is let go. */
static void
wmpg_finish(struct wmpg_req **b, size_t n, struct wmpg_req **out)
{
	for (size_t i = 0; i < n; i++) {
		struct wmpg_req *r = b[i];
		if (r->a != NULL) {
			r->next = *out;
			*out = r;
		} else if (r->abandoned) {
			pthread_cond_destroy(&r->cv);
			free(r);
		} else {
			r->done = true;
			pthread_cond_signal(&r->cv);
		}
	}
}

/* check_advance_async's report, on this pool thread. */
static void
wmpg_report(struct wmpg_req *r)
{
	struct wm_async *a = r->a;
	int rc = r->rc == WM_ADVANCED ? 0 : r->rc;

	if (rc == WM_IDENTICAL || rc == SIGIL_E_WATERMARK)
		a->mark = r->prev;
	wmpg_tls_set(r->err);
	pthread_cond_destroy(&r->cv);
	free(r);
	a->done(a, rc);
}

void *
wmpg_worker_main(void *arg)
{
	struct wmpg_worker *w = arg;
	struct wmpg_store *s = w->s;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct wmpg_req *reports = NULL;
		size_t n = 0, x = 0;
		uint64_t now;

		while (s->head == NULL && !s->stopping)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->head == NULL && s->stopping)
			break;
		/* A request already past its deadline is refused here, not sent:
		 * it would make the whole batch give up at once. */
		now = sigil_monotonic_ms();
		while (s->head != NULL && n + x < WMPG_BATCH) {
			struct wmpg_req *r = s->head;
			s->head = r->next;
			r->taken = true;
			if (r->deadline_ms != 0 && now >= r->deadline_ms) {
				r->rc = SIGIL_E_TIMEOUT;
				snprintf(r->err, sizeof(r->err), "PostgreSQL: no answer by the deadline");
				w->expired[x++] = r;
			} else {
				w->batch[n++] = r;
			}
		}
		if (s->head == NULL)
			s->tail = &s->head;
		pthread_mutex_unlock(&s->mu);
		if (n > 0)
			wmpg_run(w, w->batch, n);
		pthread_mutex_lock(&s->mu);
		wmpg_finish(w->batch, n, &reports);
		wmpg_finish(w->expired, x, &reports);
		if (reports != NULL) {
			pthread_mutex_unlock(&s->mu);
			while (reports != NULL) {
				struct wmpg_req *r = reports;
				reports = r->next;
				wmpg_report(r);
			}
			pthread_mutex_lock(&s->mu);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* A request for id at req, not queued yet (NULL: out of memory). */
static struct wmpg_req *
wmpg_req_new(const struct wm_id *id, const struct wm_mark *req, uint64_t deadline_ms)
{
	struct wmpg_req *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	int rc;

	if (r == NULL)
		return NULL;
	r->id = *id;
	r->mark = *req;
	r->deadline_ms = deadline_ms;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		free(r);
		return NULL;
	}
	return r;
}

/* A request for id at req, queued for the next batch: 0 with s->mu held
 * (a waiter waits on it; for a, the pool thread reports), or an error with
 * nothing queued: SIGIL_E_NOT_READY while the store refuses at once (no
 * server, in its backoff). */
static int
wmpg_submit(struct wmpg_store *s, const struct wm_id *id, const struct wm_mark *req,
            uint64_t deadline_ms, struct wm_async *a, struct wmpg_req **out)
{
	struct wmpg_req *r;

	if ((unsigned)id->kind >= WM_KINDS)
		return SIGIL_E_INVALID;
	if ((r = wmpg_req_new(id, req, deadline_ms)) == NULL)
		return SIGIL_E_NOMEM;
	r->a = a;
	wmpg_tls_set(NULL);
	pthread_mutex_lock(&s->mu);
	if (s->down_until != 0 && sigil_monotonic_ms() < s->down_until) {
		wmpg_tls_set(s->last_err);
		pthread_mutex_unlock(&s->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return SIGIL_E_NOT_READY;
	}
	*s->tail = r;
	s->tail = &r->next;
	pthread_cond_signal(&s->work);
	*out = r;
	return 0;
}

/* Queues a check-and-advance and waits for its batch, at most until dl. */
int
wmpg_advance(struct wmpg_store *s, const struct wm_id *id, const struct wm_mark *req,
             struct wm_mark *prev, const struct sigil_deadline *dl)
{
	struct wmpg_req *r;
	int rc;

	if ((rc = wmpg_submit(s, id, req, dl ? dl->at_ms : 0, NULL, &r)) != 0)
		return rc;
	while (!r->done) {
		uint64_t left = sigil_deadline_left_ms(dl);
		struct timespec ts;

		if (left == UINT64_MAX) {
			pthread_cond_wait(&r->cv, &s->mu);
			continue;
		}
		if (left == 0)
			break;
		ts = sigil_monotonic_timespec_in(left);
		(void)pthread_cond_timedwait(&r->cv, &s->mu, &ts);
	}
	if (!r->done) {
		if (r->taken) {
			r->abandoned = true; /* its pool thread frees it */
		} else {
			struct wmpg_req **pp = &s->head;
			while (*pp != r)
				pp = &(*pp)->next;
			*pp = r->next;
			if (s->tail == &r->next)
				s->tail = pp;
			pthread_cond_destroy(&r->cv);
			free(r);
		}
		snprintf(s->last_err, sizeof(s->last_err), "PostgreSQL: no answer by the deadline");
		wmpg_tls_set(s->last_err);
		pthread_mutex_unlock(&s->mu);
		return SIGIL_E_TIMEOUT;
	}
	pthread_mutex_unlock(&s->mu);
	rc = r->rc;
	wmpg_tls_set(r->err);
	/* Identical: what is stored (its signature, if any); refused: the
	 * mark that stands. */
	if ((rc == WM_IDENTICAL || rc == SIGIL_E_WATERMARK) && prev != NULL)
		*prev = r->prev;
	pthread_cond_destroy(&r->cv);
	free(r);
	return rc;
}

int
wmpg_advance_async(struct wmpg_store *s, const struct wm_id *id, const struct wm_mark *req,
                   struct wm_async *a)
{
	struct wmpg_req *r;
	int rc;

	if ((rc = wmpg_submit(s, id, req, a->deadline_ms, a, &r)) != 0)
		return rc;
	pthread_mutex_unlock(&s->mu);
	return WM_PENDING;
}
