/* The postgres store's operations and driver (postgres.h). Check-and-
 * advance is pool.c's (batched, one statement and one commit per batch);
 * reads, sets, raises and the stored signatures of check_advance_sign go
 * through one more connection (misc), one statement at a time. */
#include "watermark/postgres/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/log.h"
#include "watermark/postgres/postgres.h"

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

/* ---- wm_store_ops --------------------------------------------------- */

static int
wmpg_check_advance(struct wm_store *st, const struct wm_id *id, const struct wm_mark *req,
                   struct wm_mark *prev, const struct sigil_deadline *dl)
{
	return wmpg_advance((struct wmpg_store *)st, id, req, prev, dl);
}

static int
wmpg_check_advance_async(struct wm_store *st, const struct wm_id *id, const struct wm_mark *req,
                         struct wm_mark *prev, struct wm_async *a)
{
	(void)prev;
	return wmpg_advance_async((struct wmpg_store *)st, id, req, a);
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
	m->level = wmpg_be32(PQgetvalue(res, row, c0));
	m->round = wmpg_be32(PQgetvalue(res, row, c0 + 1));
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

	if (wmpg_tls_get()[0] != '\0') {
		snprintf(buf, len, "%s", wmpg_tls_get());
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
