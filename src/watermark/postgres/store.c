/* The postgres watermark store (postgres.h): the operations of
 * struct wm_store_ops on one database several sigild instances share.
 *
 * Check-and-advance goes through a small pool of connections, each with a
 * thread of its own. A caller queues its request and waits (by its
 * deadline); a pool thread takes every request queued at that moment (up
 * to WMPG_BATCH) and sends them as one call of sigil_wm_advance: one
 * round trip and one commit for all of them, so concurrent requests share
 * the WAL flush the way the file store's share an fdatasync. An outcome
 * comes back only with the statement, after its commit: nothing is signed
 * on a mark that is not committed. A request whose deadline passes is
 * refused with SIGIL_E_TIMEOUT; its mark may still be committed after
 * that, which only leaves a slot unused.
 *
 * While no connection can be made, requests are refused at once with the
 * last reason for a short backoff (50 ms, doubling to 2 s) instead of each
 * waiting out its deadline; the next request after it tries again. A
 * server that refuses writes (a standby, read only, shutting down) is left
 * and looked for again: with several hosts and
 * target_session_attrs=read-write in conninfo, libpq finds the new
 * primary after a failover.
 *
 * Reads, sets, raises and the stored signatures of check_advance_sign go
 * through one more connection (misc), one statement at a time. */
#include "watermark/postgres/postgres.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/log.h"

#define WMPG_CONN_MAX 16
#define WMPG_BATCH 256
#define WMPG_REC 66
#define WMPG_BACKOFF_MIN_MS 50
#define WMPG_BACKOFF_MAX_MS 2000
#define WMPG_ERR_MAX 320

/* One check-and-advance waiting for its batch. Shared by the caller and a
 * pool thread: the last of the two to let go frees it. */
struct wmpg_req {
	struct wmpg_req *next;
	struct wm_id id;
	struct wm_mark mark;   /* asked: level, round, digest */
	struct wm_mark prev;   /* answered, for WM_IDENTICAL */
	uint64_t deadline_ms;  /* 0: none */
	struct wm_async *a;    /* check_advance_async's: nobody waits, a->done reports */
	int rc;
	bool taken, done, abandoned;
	pthread_cond_t cv;
	char err[WMPG_ERR_MAX];
};

struct wmpg_store;

struct wmpg_worker {
	struct wmpg_store *s;
	struct pg_conn pc;
	pthread_t thread;
	bool started;
	uint8_t buf[WMPG_BATCH * WMPG_REC];
	struct wmpg_req *batch[WMPG_BATCH];
	struct wmpg_req *expired[WMPG_BATCH];
};

struct wmpg_store {
	struct wm_store base;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct wmpg_req *head, **tail;
	bool stopping;
	/* While now < down_until every request is refused with last_err. */
	uint64_t down_until;
	unsigned backoff_ms;
	char last_err[WMPG_ERR_MAX];
	atomic_uint_fast64_t commits;
	/* False when sigild started while no server answered: the schema is
	 * checked (and brought up to date) before the first batch. */
	atomic_bool schema_ok;
	unsigned n;
	struct wmpg_worker *w;
	pthread_mutex_t misc_mu;
	struct pg_conn misc;
};

/* The reason of the last failure on this thread (a refused request's own,
 * not another's): why() gives it before the store's last. */
static _Thread_local char wmpg_tls_err[WMPG_ERR_MAX];

static void
wmpg_tls_set(const char *err)
{
	snprintf(wmpg_tls_err, sizeof(wmpg_tls_err), "%s", err ? err : "");
}

static const char wmpg_sql_advance[] =
	"SELECT i, outcome, m_level, m_round, m_digest, m_sig FROM sigil_wm_advance($1)";
static const char wmpg_sql_get[] =
	"SELECT level, round, digest, sig FROM sigil_watermarks"
	" WHERE chain = $1 AND key = $2 AND kind = $3 AND level IS NOT NULL";
static const char wmpg_sql_set[] =
	"INSERT INTO sigil_watermarks AS w (chain, key, kind, level, round, digest, sig)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain, key, kind) DO UPDATE"
	" SET level = $4, round = $5, digest = $6, sig = $7, updated_at = now()";
/* Set only above what is stored (or where nothing is). */
static const char wmpg_sql_raise[] =
	"INSERT INTO sigil_watermarks AS w (chain, key, kind, level, round, digest, sig)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain, key, kind) DO UPDATE"
	" SET level = $4, round = $5, digest = $6, sig = $7, updated_at = now()"
	" WHERE w.level IS NULL OR (w.level, w.round) < ($4, $5)";
/* A signature is stored only on the mark it was made for. */
static const char wmpg_sql_store_sig[] =
	"UPDATE sigil_watermarks SET sig = $7 WHERE chain = $1 AND key = $2 AND kind = $3"
	" AND level = $4 AND round = $5 AND digest = $6";
static const char wmpg_sql_each[] =
	"SELECT chain, key, kind, level, round, digest, sig FROM sigil_watermarks"
	" WHERE level IS NOT NULL ORDER BY chain, key, kind";
/* Read through the table, so that a lock held on it past the deadline
 * (a long migration, an operator's LOCK) makes the store not ready. */
static const char wmpg_sql_ready[] =
	"SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'"
	" FROM (SELECT count(*) FROM (SELECT 1 FROM sigil_watermarks LIMIT 1) t) u";

static void
put_be32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;
	p[0] = (uint8_t)(u >> 24);
	p[1] = (uint8_t)(u >> 16);
	p[2] = (uint8_t)(u >> 8);
	p[3] = (uint8_t)u;
}

static int32_t
get_be32(const char *p)
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
	outcome = get_be32(PQgetvalue(res, row, 1));
	memset(&r->prev, 0, sizeof(r->prev));
	if (outcome == 0) {
		r->rc = WM_ADVANCED;
		return 0;
	}
	if (!PQgetisnull(res, row, 2) && PQgetlength(res, row, 2) == 4 &&
	    PQgetlength(res, row, 3) == 4) {
		r->prev.level = get_be32(PQgetvalue(res, row, 2));
		r->prev.round = get_be32(PQgetvalue(res, row, 3));
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
		int32_t i = PQgetlength(res, row, 0) == 4 ? get_be32(PQgetvalue(res, row, 0)) : -1;
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

static void *
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
static int
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

/* ---- wm_store_ops --------------------------------------------------- */

static int
wmpg_check_advance(struct wm_store *st, const struct wm_id *id, const struct wm_mark *req,
                   struct wm_mark *prev, const struct sigil_deadline *dl)
{
	return wmpg_advance((struct wmpg_store *)st, id, req, prev, dl);
}

/* Queued for the next batch, never waiting: every outcome (advanced,
 * identical with the stored mark, refused, an error) comes through
 * a->done from a pool thread, once the statement has committed. */
static int
wmpg_check_advance_async(struct wm_store *st, const struct wm_id *id, const struct wm_mark *req,
                         struct wm_mark *prev, struct wm_async *a)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	struct wmpg_req *r;
	int rc;

	(void)prev;
	if ((rc = wmpg_submit(s, id, req, a->deadline_ms, a, &r)) != 0)
		return rc;
	pthread_mutex_unlock(&s->mu);
	return WM_PENDING;
}

/* A statement on the misc connection; the error, if any, is the store's
 * last. */
static int
wmpg_misc(struct wmpg_store *s, const char *sql, const struct pg_params *p,
          const struct sigil_deadline *dl, PGresult **res, bool *resent)
{
	char err[WMPG_ERR_MAX] = "", state[6];
	int rc;

	/* Its one connection serves one statement at a time: a caller waits
	 * for it no longer than its deadline (a hung server must not pile up
	 * /healthz probes behind each other). */
	if (dl != NULL && dl->at_ms != 0) {
		struct timespec ts = sigil_monotonic_timespec_in(sigil_deadline_left_ms(dl));
		if (pthread_mutex_clocklock(&s->misc_mu, CLOCK_MONOTONIC, &ts) != 0) {
			*res = NULL;
			wmpg_tls_set("PostgreSQL: no answer by the deadline (its connection is busy)");
			return SIGIL_E_TIMEOUT;
		}
	} else {
		pthread_mutex_lock(&s->misc_mu);
	}
	rc = pg_conn_exec(&s->misc, sql, p, dl, res, resent, state, err, sizeof(err));
	pthread_mutex_unlock(&s->misc_mu);
	wmpg_tls_set(err);
	if (rc != 0) {
		pthread_mutex_lock(&s->mu);
		snprintf(s->last_err, sizeof(s->last_err), "%s", err);
		pthread_mutex_unlock(&s->mu);
		log_warn("watermark store: %s", err);
	}
	return rc;
}

/* The parameters naming id: chain, key, kind (text). */
struct wmpg_idp {
	char kind[8];
};

static void
wmpg_id_params(struct pg_params *p, const struct wm_id *id, struct wmpg_idp *t)
{
	snprintf(t->kind, sizeof(t->kind), "%d", (int)id->kind);
	p->v[0] = (const char *)id->chain_id;
	p->len[0] = (int)sizeof(id->chain_id);
	p->fmt[0] = 1;
	p->v[1] = (const char *)id->key;
	p->len[1] = (int)sizeof(id->key);
	p->fmt[1] = 1;
	p->v[2] = t->kind;
	p->fmt[2] = 0;
}

/* id's parameters, then level, round, digest, sig ($4 to $7). */
struct wmpg_markp {
	struct wmpg_idp id;
	char level[16], round[16];
};

static void
wmpg_mark_params(struct pg_params *p, const struct wm_id *id, const struct wm_mark *m,
                 struct wmpg_markp *t)
{
	memset(p, 0, sizeof(*p));
	wmpg_id_params(p, id, &t->id);
	snprintf(t->level, sizeof(t->level), "%" PRId32, m->level);
	snprintf(t->round, sizeof(t->round), "%" PRId32, m->round);
	p->n = 7;
	p->v[3] = t->level;
	p->v[4] = t->round;
	p->v[5] = m->has_digest ? (const char *)m->digest : NULL;
	p->len[5] = 32;
	p->fmt[5] = 1;
	p->v[6] = m->sig_len > 0 ? (const char *)m->sig : NULL;
	p->len[6] = (int)m->sig_len;
	p->fmt[6] = 1;
}

/* A row (level, round, digest, sig from column c0) into m. */
static int
wmpg_row_mark(PGresult *res, int row, int c0, struct wm_mark *m)
{
	memset(m, 0, sizeof(*m));
	if (PQgetisnull(res, row, c0) || PQgetlength(res, row, c0) != 4 ||
	    PQgetlength(res, row, c0 + 1) != 4)
		return SIGIL_E_CORRUPT;
	m->level = get_be32(PQgetvalue(res, row, c0));
	m->round = get_be32(PQgetvalue(res, row, c0 + 1));
	if (!PQgetisnull(res, row, c0 + 2)) {
		if (PQgetlength(res, row, c0 + 2) != 32)
			return SIGIL_E_CORRUPT;
		memcpy(m->digest, PQgetvalue(res, row, c0 + 2), 32);
		m->has_digest = true;
	}
	if (!PQgetisnull(res, row, c0 + 3)) {
		int len = PQgetlength(res, row, c0 + 3);
		if (len < 1 || (size_t)len > sizeof(m->sig))
			return SIGIL_E_CORRUPT;
		memcpy(m->sig, PQgetvalue(res, row, c0 + 3), (size_t)len);
		m->sig_len = (size_t)len;
	}
	return 0;
}

static int
wmpg_check_advance_sign(struct wm_store *st, const struct wm_id *id, const struct wm_mark *req,
                        struct wm_mark *out, const struct wm_signer *signer,
                        const struct sigil_deadline *dl)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	struct wmpg_markp t;
	struct pg_params p;
	PGresult *res;
	int rc = wmpg_advance(s, id, req, out, dl);

	if (rc != WM_ADVANCED)
		return rc;
	*out = *req;
	out->sig_len = 0;
	if ((rc = signer->sign(signer->arg, out)) != 0)
		return rc;
	wmpg_mark_params(&p, id, out, &t);
	if ((rc = wmpg_misc(s, wmpg_sql_store_sig, &p, dl, &res, NULL)) != 0)
		return rc;
	if (strtol(PQcmdTuples(res), NULL, 10) != 1) {
		/* Another instance advanced past it meanwhile: the signature was
		 * not stored, so it is not released. */
		rc = SIGIL_E_WATERMARK;
	}
	PQclear(res);
	return rc == 0 ? WM_ADVANCED : rc;
}

static int
wmpg_get(struct wm_store *st, const struct wm_id *id, struct wm_mark *out,
         const struct sigil_deadline *dl)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	struct pg_params p = {.n = 3};
	struct wmpg_idp t;
	PGresult *res;
	int rc;

	wmpg_id_params(&p, id, &t);
	if ((rc = wmpg_misc(s, wmpg_sql_get, &p, dl, &res, NULL)) != 0)
		return rc;
	rc = PQntuples(res) == 1 ? wmpg_row_mark(res, 0, 0, out) : SIGIL_E_NOT_FOUND;
	PQclear(res);
	return rc;
}

static int
wmpg_set(struct wm_store *st, const struct wm_id *id, const struct wm_mark *m,
         const struct sigil_deadline *dl)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	struct wmpg_markp t;
	struct pg_params p;
	PGresult *res;
	int rc;

	wmpg_mark_params(&p, id, m, &t);
	if ((rc = wmpg_misc(s, wmpg_sql_set, &p, dl, &res, NULL)) == 0)
		PQclear(res);
	return rc;
}

static int
wmpg_raise(struct wm_store *st, const struct wm_id *id, const struct wm_mark *m, bool *raised,
           const struct sigil_deadline *dl)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	struct wmpg_markp t;
	struct pg_params p;
	PGresult *res;
	bool resent = false;
	int rc;

	*raised = false;
	wmpg_mark_params(&p, id, m, &t);
	if ((rc = wmpg_misc(s, wmpg_sql_raise, &p, dl, &res, &resent)) != 0)
		return rc;
	/* Sent twice, the first may have raised it: then this one did not. */
	*raised = strtol(PQcmdTuples(res), NULL, 10) == 1 && !resent;
	PQclear(res);
	return 0;
}

static int
wmpg_each(struct wm_store *st, int (*fn)(void *arg, const struct wm_id *id, const struct wm_mark *m),
          void *arg, const struct sigil_deadline *dl)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	PGresult *res;
	int rc;

	if ((rc = wmpg_misc(s, wmpg_sql_each, NULL, dl, &res, NULL)) != 0)
		return rc;
	for (int row = 0; rc == 0 && row < PQntuples(res); row++) {
		struct wm_id id;
		struct wm_mark m;

		memset(&id, 0, sizeof(id));
		if (PQgetlength(res, row, 0) != 4 || PQgetlength(res, row, 1) != 21 ||
		    PQgetlength(res, row, 2) != 2) {
			rc = SIGIL_E_CORRUPT;
			break;
		}
		memcpy(id.chain_id, PQgetvalue(res, row, 0), 4);
		memcpy(id.key, PQgetvalue(res, row, 1), 21);
		id.kind = (enum wm_kind)(((unsigned)(uint8_t)PQgetvalue(res, row, 2)[0] << 8) |
		                         (uint8_t)PQgetvalue(res, row, 2)[1]);
		if ((rc = wmpg_row_mark(res, row, 3, &m)) == 0)
			rc = fn(arg, &id, &m);
	}
	PQclear(res);
	return rc;
}

static int
wmpg_ready(struct wm_store *st, const struct sigil_deadline *dl)
{
	struct wmpg_store *s = (struct wmpg_store *)st;
	PGresult *res;
	int rc;

	if ((rc = wmpg_misc(s, wmpg_sql_ready, NULL, dl, &res, NULL)) != 0)
		return rc;
	/* A standby or a read-only server cannot advance a mark. */
	if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) != 1 || PQgetvalue(res, 0, 0)[0] != 0) {
		pthread_mutex_lock(&s->misc_mu);
		pg_conn_drop(&s->misc, false); /* look for the primary again */
		pthread_mutex_unlock(&s->misc_mu);
		pthread_mutex_lock(&s->mu);
		snprintf(s->last_err, sizeof(s->last_err),
		         "PostgreSQL: the server is read only or a standby");
		wmpg_tls_set(s->last_err);
		pthread_mutex_unlock(&s->mu);
		rc = SIGIL_E_NOT_READY;
	}
	PQclear(res);
	return rc;
}

static uint64_t
wmpg_syncs(struct wm_store *st)
{
	return atomic_load(&((struct wmpg_store *)st)->commits);
}

static void
wmpg_why(struct wm_store *st, char *buf, size_t len)
{
	struct wmpg_store *s = (struct wmpg_store *)st;

	if (wmpg_tls_err[0] != '\0') {
		snprintf(buf, len, "%s", wmpg_tls_err);
		return;
	}
	pthread_mutex_lock(&s->mu);
	snprintf(buf, len, "%s", s->last_err);
	pthread_mutex_unlock(&s->mu);
}

static void
wmpg_close(struct wm_store *st)
{
	struct wmpg_store *s = (struct wmpg_store *)st;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; s->w != NULL && i < s->n; i++) {
		if (s->w[i].started)
			pthread_join(s->w[i].thread, NULL);
		pg_conn_free(&s->w[i].pc);
	}
	free(s->w);
	pg_conn_free(&s->misc);
	pthread_mutex_destroy(&s->misc_mu);
	pthread_cond_destroy(&s->work);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static const struct wm_store_ops wmpg_ops = {
	.name = "postgres",
	.check_advance = wmpg_check_advance,
	.check_advance_async = wmpg_check_advance_async,
	.check_advance_sign = wmpg_check_advance_sign,
	.get = wmpg_get,
	.set = wmpg_set,
	.raise = wmpg_raise,
	.each = wmpg_each,
	.ready = wmpg_ready,
	.syncs = wmpg_syncs,
	.why = wmpg_why,
	.close = wmpg_close,
};

/* ---- the driver ------------------------------------------------------ */

static const struct setting_spec wmpg_settings[] = {
	{.key = "conninfo", .type = SETTING_STRING},
	{.key = "connections", .type = SETTING_UINT, .dflt = "2", .min = 1, .max = WMPG_CONN_MAX},
};

static int
wmpg_check(const struct settings *set, char *err, size_t errlen)
{
	return pg_conninfo_check("watermark.conninfo", settings_get(set, "conninfo"), err, errlen);
}

static int
wmpg_new(const struct settings *set, struct wmpg_store **out)
{
	const char *ci = settings_get(set, "conninfo");
	const char *nc = settings_get(set, "connections");
	struct wmpg_store *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SIGIL_E_NOMEM;
	s->base.ops = &wmpg_ops;
	s->tail = &s->head;
	s->backoff_ms = WMPG_BACKOFF_MIN_MS;
	s->n = nc ? (unsigned)strtoul(nc, NULL, 10) : 2;
	if (s->n < 1 || s->n > WMPG_CONN_MAX)
		s->n = 2;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->misc_mu, NULL);
	pthread_cond_init(&s->work, NULL);
	if (pg_conn_init(&s->misc, ci, "sigild-watermarks") != 0 ||
	    (s->w = calloc(s->n, sizeof(*s->w))) == NULL) {
		wmpg_close(&s->base);
		return SIGIL_E_NOMEM;
	}
	for (unsigned i = 0; i < s->n; i++) {
		s->w[i].s = s;
		if (pg_conn_init(&s->w[i].pc, ci, "sigild-watermarks") != 0) {
			wmpg_close(&s->base);
			return SIGIL_E_NOMEM;
		}
	}
	*out = s;
	return 0;
}

static int
wmpg_open(const struct wm_store_config *cfg, struct wm_store **out, char *err, size_t errlen)
{
	struct wmpg_store *s;
	int rc;

	*out = NULL;
	if ((rc = wmpg_check(cfg->settings, err, errlen)) != 0)
		return rc;
	if ((rc = wmpg_new(cfg->settings, &s)) != 0)
		return rc;
	/* The schema must exist; a newer version of it is applied here. With
	 * no server to ask, sigild starts anyway, refusing consensus requests
	 * (503, /healthz not ready) until one answers and has the schema: an
	 * instance can then come back while its database is down, and serve
	 * as soon as it is up. */
	rc = wmpg_migrate(&s->misc, false, NULL, cfg->deadline, err, errlen);
	if (rc == SIGIL_E_NOT_READY || rc == SIGIL_E_TIMEOUT) {
		log_warn("watermark store: %s; consensus requests are refused until it answers", err);
		snprintf(s->last_err, sizeof(s->last_err), "%s", err);
		sigil_errf(err, errlen, "%s", "");
	} else if (rc != 0) {
		wmpg_close(&s->base);
		return rc;
	} else {
		atomic_store(&s->schema_ok, true);
	}
	for (unsigned i = 0; i < s->n; i++) {
		if (pthread_create(&s->w[i].thread, NULL, wmpg_worker_main, &s->w[i]) != 0) {
			wmpg_close(&s->base);
			return SIGIL_E_NOMEM;
		}
		s->w[i].started = true;
	}
	*out = &s->base;
	return 0;
}

static int
wmpg_init(const struct wm_store_config *cfg, bool *created, char *err, size_t errlen)
{
	struct pg_conn c;
	int rc;

	*created = false;
	if ((rc = wmpg_check(cfg->settings, err, errlen)) != 0)
		return rc;
	if (pg_conn_init(&c, settings_get(cfg->settings, "conninfo"), "sigil-watermark-init") != 0)
		return SIGIL_E_NOMEM;
	rc = wmpg_migrate(&c, true, created, cfg->deadline, err, errlen);
	pg_conn_free(&c);
	return rc;
}

const struct wm_driver wm_postgres_driver = {
	.name = "postgres",
	.settings = wmpg_settings,
	.n_settings = sizeof(wmpg_settings) / sizeof(wmpg_settings[0]),
	.check = wmpg_check,
	.open = wmpg_open,
	.init = wmpg_init,
};
