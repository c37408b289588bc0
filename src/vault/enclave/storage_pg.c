/* The enclave vault's keys in a PostgreSQL table (storage.h):
 *   <table> (pkh text PRIMARY KEY, value bytea NOT NULL)
 * on the server storage.config.conninfo names, the table made at open when
 * it is missing. Every value goes as a parameter (PQsendQueryParams), never
 * pasted into the text; the table's name is the one thing pasted, and only
 * after it is checked to be a plain identifier, and quoted.
 *
 * Each call answers by its deadline: the connection is made with
 * PQconnectStart/PQconnectPoll and each statement sent and read without
 * blocking, all waits in poll() bounded by the time left. A statement past
 * its deadline is cancelled on the server and its connection dropped (what
 * it would still send is of no use); the next call reconnects. A
 * connection found lost (a restarted server) is made again once and the
 * statement sent once more. */
#include "vault/enclave/storage.h"

#include <errno.h>
#include <limits.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"

#define EPG_DEFAULT_TABLE "enclave_keys"
#define EPG_IDENT_MAX 63 /* NAMEDATALEN - 1: longer names are cut by the server */
/* Bounds what a load may allocate (a row is about 330 bytes here). */
#define EPG_ROWS_MAX 100000
#define EPG_SQL_MAX 160
/* How long a timed-out call waits for its cancel request to be taken. */
#define EPG_CANCEL_WAIT_S 1
/* Whether the table exists, by its quoted name (so as the server reads it). */
#define EPG_SQL_EXISTS "SELECT to_regclass($1) IS NOT NULL"

/* The statements on the table: what goes before and after its name. */
enum { EPG_CREATE, EPG_SELECT, EPG_INSERT, EPG_VALUE, EPG_DELETE, EPG_NSQL };
static const char *const epg_sql_text[EPG_NSQL][2] = {
	[EPG_CREATE] = {"CREATE TABLE IF NOT EXISTS ", " (pkh text PRIMARY KEY, value bytea NOT NULL)"},
	[EPG_SELECT] = {"SELECT pkh, value FROM ", " ORDER BY pkh COLLATE \"C\""},
	[EPG_INSERT] = {"INSERT INTO ", " (pkh, value) VALUES ($1, $2) ON CONFLICT (pkh) DO NOTHING"},
	[EPG_VALUE] = {"SELECT value FROM ", " WHERE pkh = $1"},
	[EPG_DELETE] = {"DELETE FROM ", " WHERE pkh = $1"},
};

struct epg_storage {
	struct enclave_storage base;
	/* May hold a password: never printed, wiped by epg_close. */
	char *conninfo;
	char sql[EPG_NSQL][EPG_SQL_MAX];
	char table[EPG_IDENT_MAX + 3]; /* quoted */
	PGconn *conn;       /* NULL once dropped: the next statement reconnects */
	pthread_mutex_t mu; /* a PGconn serves one statement at a time */
};

/* A statement's parameters: text or binary (fmt 1) values. */
struct epg_params {
	int n;
	const char *v[2];
	int len[2];
	int fmt[2];
};

/* libpq's message on one line: it ends in a newline and may hold more. */
static void
epg_err_pq(char *err, size_t errlen, const char *what, const char *msg)
{
	size_t n;

	sigil_errf(err, errlen, "PostgreSQL: %s: %s", what, msg && msg[0] ? msg : "no answer");
	for (n = 0; err != NULL && n < errlen && err[n] != '\0'; n++)
		if (err[n] == '\n' || err[n] == '\r' || err[n] == '\t')
			err[n] = ' ';
	while (n > 0 && err[n - 1] == ' ')
		err[--n] = '\0';
}

/* [a-z_][a-z0-9_]*: a name that needs no escaping and that the server
 * keeps as written, so quoting it changes nothing but safety. */
static bool
epg_ident_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > EPG_IDENT_MAX || (t[0] >= '0' && t[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
			return false;
	return true;
}

/* NOTICEs ("relation exists, skipping") would go to stderr. */
static void
epg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Waits until fd is readable (rd) or writable (wr), at most until dl. */
static int
epg_wait(int fd, bool rd, bool wr, const struct sigil_deadline *dl)
{
	if (fd < 0)
		return SIGIL_E_IO;
	for (;;) {
		uint64_t left = sigil_deadline_left_ms(dl);
		struct pollfd p = {fd, (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0)), 0};
		int r;

		if (left == 0)
			return SIGIL_E_TIMEOUT;
		r = poll(&p, 1, left == UINT64_MAX ? -1 : left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return SIGIL_E_IO;
	}
}

static void *
epg_cancel_run(void *c)
{
	char buf[256];

	(void)PQcancel(c, buf, (int)sizeof(buf));
	PQfreeCancel(c);
	return NULL;
}

/* Asks the server to stop the statement on g->conn, waiting at most
 * EPG_CANCEL_WAIT_S for it to take the request. PQcancel connects anew,
 * blocking and without a timeout, and a server that did not answer in
 * time may not answer that either: it goes from a thread of its own
 * (which frees c), left to finish alone when the wait is over. */
static void
epg_cancel(struct epg_storage *g)
{
	PGcancel *c = PQgetCancel(g->conn);
	struct timespec ts;
	pthread_t t;

	if (c == NULL)
		return;
	if (pthread_create(&t, NULL, epg_cancel_run, c) != 0) {
		PQfreeCancel(c); /* not cancelled: the server ends it on its own */
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += EPG_CANCEL_WAIT_S;
	if (pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, &ts) != 0)
		pthread_detach(t);
}

/* Drops the connection; after a timeout the server is first asked to stop
 * the statement, which would otherwise run on (and hold its locks) until
 * it notices the socket is gone. */
static void
epg_drop(struct epg_storage *g, bool cancel)
{
	if (g->conn == NULL)
		return;
	if (cancel)
		epg_cancel(g);
	PQfinish(g->conn);
	g->conn = NULL;
}

static int
epg_connect(struct epg_storage *g, const struct sigil_deadline *dl, char *err, size_t errlen)
{
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	PGconn *c;
	int rc;

	epg_drop(g, false);
	if (sigil_deadline_left_ms(dl) == UINT64_MAX) {
		/* No deadline: libpq's own wait, which keeps connect_timeout. */
		c = PQconnectdb(g->conninfo);
	} else {
		/* Name resolution still blocks in here: hostaddr= avoids it. */
		c = PQconnectStart(g->conninfo);
		if (c != NULL && PQstatus(c) == CONNECTION_BAD)
			ps = PGRES_POLLING_FAILED;
		while (c != NULL && ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
			rc = epg_wait(PQsocket(c), ps == PGRES_POLLING_READING,
			              ps == PGRES_POLLING_WRITING, dl);
			if (rc != 0) {
				if (rc == SIGIL_E_TIMEOUT)
					sigil_errf(err, errlen, "PostgreSQL: no connection by the deadline");
				else
					epg_err_pq(err, errlen, "cannot connect", PQerrorMessage(c));
				PQfinish(c);
				return rc;
			}
			ps = PQconnectPoll(c);
		}
	}
	if (c == NULL)
		return SIGIL_E_NOMEM;
	if (PQstatus(c) != CONNECTION_OK || PQsetnonblocking(c, 1) != 0) {
		/* libpq's text names host and user, never the password. */
		epg_err_pq(err, errlen, "cannot connect", PQerrorMessage(c));
		PQfinish(c);
		return SIGIL_E_NOT_READY;
	}
	(void)PQsetNoticeProcessor(c, epg_quiet, NULL);
	g->conn = c;
	return 0;
}

/* Sends sql with p on g->conn and reads its result (binary), all by dl.
 * On success *out is the caller's; on a server's refusal its SQLSTATE goes
 * into state (six bytes, "" when none). */
static int
epg_run(struct epg_storage *g, const char *sql, const struct epg_params *p,
        const struct sigil_deadline *dl, PGresult **out, char state[static 6], char *err,
        size_t errlen)
{
	PGconn *c = g->conn;
	PGresult *res = NULL, *r;
	ExecStatusType es;
	int f, rc;

	state[0] = '\0';
	if (sigil_deadline_passed(dl)) {
		sigil_errf(err, errlen, "PostgreSQL: the deadline passed before the statement");
		return SIGIL_E_TIMEOUT; /* nothing sent, nothing to cancel */
	}
	if (!PQsendQueryParams(c, sql, p ? p->n : 0, NULL, p ? p->v : NULL, p ? p->len : NULL,
	                       p ? p->fmt : NULL, 1))
		goto fail;
	while ((f = PQflush(c)) == 1) {
		if ((rc = epg_wait(PQsocket(c), true, true, dl)) == SIGIL_E_TIMEOUT)
			goto timeout;
		if (rc != 0 || !PQconsumeInput(c))
			goto fail;
	}
	if (f != 0)
		goto fail;
	for (;;) {
		while (PQisBusy(c)) {
			if ((rc = epg_wait(PQsocket(c), true, false, dl)) == SIGIL_E_TIMEOUT)
				goto timeout;
			if (rc != 0 || !PQconsumeInput(c))
				goto fail;
		}
		if ((r = PQgetResult(c)) == NULL)
			break;
		if (res == NULL)
			res = r; /* one statement: one result, then NULL */
		else
			PQclear(r);
	}
	es = PQresultStatus(res);
	if (res != NULL && (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK)) {
		*out = res;
		return 0;
	}
	if (res != NULL) {
		const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (s != NULL && strlen(s) == 5)
			memcpy(state, s, 6);
	}
fail:
	epg_err_pq(err, errlen, "statement failed",
	           res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR
	                   ? PQresultErrorMessage(res)
	                   : PQerrorMessage(c));
	PQclear(res);
	return PQstatus(c) == CONNECTION_OK ? SIGIL_E_IO : SIGIL_E_NOT_READY;
timeout:
	PQclear(res);
	epg_drop(g, true);
	sigil_errf(err, errlen, "PostgreSQL: no answer by the deadline");
	return SIGIL_E_TIMEOUT;
}

/* epg_run, connecting first if need be, and once more on a fresh
 * connection when the first was lost under the statement (*resent then
 * says so: the first may have been carried out before the loss). */
static int
epg_exec(struct epg_storage *g, const char *sql, const struct epg_params *p,
         const struct sigil_deadline *dl, PGresult **out, bool *resent, char state[static 6],
         char *err, size_t errlen)
{
	int rc = SIGIL_E_INTERNAL;

	*out = NULL;
	state[0] = '\0';
	if (resent)
		*resent = false;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (g->conn == NULL || PQstatus(g->conn) != CONNECTION_OK)
			if ((rc = epg_connect(g, dl, err, errlen)) != 0)
				return rc;
		if (attempt > 0 && resent)
			*resent = true;
		rc = epg_run(g, sql, p, dl, out, state, err, errlen);
		if (rc == 0 || rc == SIGIL_E_TIMEOUT || PQstatus(g->conn) == CONNECTION_OK)
			return rc;
	}
	return rc;
}

/* Makes the table when it is missing. Looked up first, so that a role
 * without CREATE may use a table made for it; a concurrent opener making
 * it at the same moment is no error. */
static int
epg_ensure_table(struct epg_storage *g, const struct sigil_deadline *dl, char *err,
                 size_t errlen)
{
	struct epg_params p = {1, {g->table}, {0}, {0}};
	PGresult *res;
	char state[6];
	bool exists;
	int rc;

	if ((rc = epg_exec(g, EPG_SQL_EXISTS, &p, dl, &res, NULL, state, err, errlen)) != 0)
		return rc;
	exists = PQntuples(res) == 1 && PQgetlength(res, 0, 0) == 1 && PQgetvalue(res, 0, 0)[0];
	PQclear(res);
	if (exists)
		return 0;
	rc = epg_exec(g, g->sql[EPG_CREATE], NULL, dl, &res, NULL, state, err, errlen);
	if (rc == 0)
		PQclear(res);
	else if (strcmp(state, "42P07") == 0 || strcmp(state, "23505") == 0)
		rc = 0;
	return rc;
}

static int
epg_load(struct enclave_storage *st, const struct sigil_deadline *dl,
         enclave_storage_report report, void *arg, struct enclave_entry **out, size_t *n,
         char *err, size_t errlen)
{
	struct epg_storage *g = (struct epg_storage *)st;
	struct enclave_entry *es = NULL;
	PGresult *res = NULL;
	char state[6];
	size_t k = 0;
	int rc, rows;

	*out = NULL;
	*n = 0;
	sigil_errf(err, errlen, "%s", "");
	pthread_mutex_lock(&g->mu);
	rc = epg_exec(g, g->sql[EPG_SELECT], NULL, dl, &res, NULL, state, err, errlen);
	pthread_mutex_unlock(&g->mu);
	if (rc != 0 && strcmp(state, "42P01") == 0) {
		sigil_errf(err, errlen, "%s", "");
		return 0; /* no table: no keys */
	}
	if (rc != 0)
		return rc;
	if ((rows = PQntuples(res)) > EPG_ROWS_MAX) {
		sigil_errf(err, errlen, "PostgreSQL: %s: over %d rows", g->table, EPG_ROWS_MAX);
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	if (rows == 0)
		goto out;
	if ((es = calloc((size_t)rows, sizeof(*es))) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	for (int i = 0; i < rows; i++) {
		/* Binary results: a text column's bytes, a bytea's bytes. */
		const char *pkh = PQgetvalue(res, i, 0);
		size_t plen = (size_t)PQgetlength(res, i, 0);
		size_t vlen = (size_t)PQgetlength(res, i, 1);

		if (PQgetisnull(res, i, 0) || !enclave_storage_pkh_ok(pkh, plen)) {
			if (report)
				report(arg, NULL, "a row whose pkh is not an address");
			continue;
		}
		if (PQgetisnull(res, i, 1) || vlen == 0 || vlen > sizeof(es[k].blob)) {
			if (report)
				report(arg, pkh, vlen ? "value over the blob ceiling" : "value is empty");
			continue;
		}
		memcpy(es[k].pkh, pkh, plen + 1);
		memcpy(es[k].blob, PQgetvalue(res, i, 1), vlen);
		es[k].blob_len = vlen;
		k++;
	}
	if (k > 0) {
		*out = es;
		*n = k;
		es = NULL;
	}
out:
	free(es);
	PQclear(res);
	return rc;
}

/* Whether pkh is stored with exactly e's blob. */
static int
epg_same(struct epg_storage *g, const struct enclave_entry *e, const struct sigil_deadline *dl,
         bool *same, char *err, size_t errlen)
{
	struct epg_params p = {1, {e->pkh}, {0}, {0}};
	PGresult *res;
	char state[6];
	int rc;

	*same = false;
	if ((rc = epg_exec(g, g->sql[EPG_VALUE], &p, dl, &res, NULL, state, err, errlen)) != 0)
		return rc;
	*same = PQntuples(res) == 1 && (size_t)PQgetlength(res, 0, 0) == e->blob_len &&
	        memcmp(PQgetvalue(res, 0, 0), e->blob, e->blob_len) == 0;
	PQclear(res);
	return 0;
}

static int
epg_put(struct enclave_storage *st, const struct enclave_entry *e,
        const struct sigil_deadline *dl, char *err, size_t errlen)
{
	struct epg_storage *g = (struct epg_storage *)st;
	struct epg_params p = {2, {e->pkh, (const char *)e->blob}, {0, (int)e->blob_len}, {0, 1}};
	PGresult *res;
	char state[6];
	bool resent, same = false;
	long rows;
	int rc;

	sigil_errf(err, errlen, "%s", "");
	if (!enclave_storage_pkh_ok(e->pkh, strnlen(e->pkh, sizeof(e->pkh))) || e->blob_len == 0 ||
	    e->blob_len > sizeof(e->blob)) {
		sigil_errf(err, errlen, "an entry without an address or with a blob of %zu bytes",
		        e->blob_len);
		return SIGIL_E_INVALID;
	}
	pthread_mutex_lock(&g->mu);
	if ((rc = epg_exec(g, g->sql[EPG_INSERT], &p, dl, &res, &resent, state, err, errlen)) != 0)
		goto out;
	rows = strtol(PQcmdTuples(res), NULL, 10); /* rows touched */
	PQclear(res);
	if (rows == 1)
		goto out;
	/* Sent twice, the first may have been stored before the connection
	 * went: the row being ours then is success, not a conflict. */
	if (resent && (rc = epg_same(g, e, dl, &same, err, errlen)) != 0)
		goto out;
	if (!same) {
		sigil_errf(err, errlen, "%s is stored already", e->pkh);
		rc = SIGIL_E_INVALID;
	}
out:
	pthread_mutex_unlock(&g->mu);
	return rc;
}

static int
epg_remove(struct enclave_storage *st, const char *pkh, const struct sigil_deadline *dl,
           char *err, size_t errlen)
{
	struct epg_storage *g = (struct epg_storage *)st;
	struct epg_params p = {1, {pkh}, {0}, {0}};
	PGresult *res;
	char state[6];
	bool resent;
	long rows;
	int rc;

	sigil_errf(err, errlen, "%s", "");
	if (pkh == NULL || !enclave_storage_pkh_ok(pkh, strnlen(pkh, ENCLAVE_PKH_MAX))) {
		sigil_errf(err, errlen, "not an address");
		return SIGIL_E_INVALID;
	}
	pthread_mutex_lock(&g->mu);
	rc = epg_exec(g, g->sql[EPG_DELETE], &p, dl, &res, &resent, state, err, errlen);
	pthread_mutex_unlock(&g->mu);
	if (rc != 0)
		return rc;
	rows = strtol(PQcmdTuples(res), NULL, 10); /* rows touched */
	PQclear(res);
	/* Sent twice, the first may have deleted it: gone is what was asked. */
	if (rows == 0 && !resent) {
		sigil_errf(err, errlen, "%s is not stored", pkh);
		return SIGIL_E_NOT_FOUND;
	}
	return 0;
}

static void
epg_close(struct enclave_storage *st)
{
	struct epg_storage *g = (struct epg_storage *)st;

	if (g == NULL)
		return;
	epg_drop(g, false);
	if (g->conninfo != NULL) {
		sodium_memzero(g->conninfo, strlen(g->conninfo));
		free(g->conninfo);
	}
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/* The statements on the table, its quoted name pasted in once. */
static int
epg_sql(struct epg_storage *g, const char *table)
{
	int n = snprintf(g->table, sizeof(g->table), "\"%s\"", table);

	if (n < 0 || (size_t)n >= sizeof(g->table))
		return SIGIL_E_TOO_BIG;
	for (size_t i = 0; i < EPG_NSQL; i++) {
		n = snprintf(g->sql[i], sizeof(g->sql[i]), "%s%s%s", epg_sql_text[i][0], g->table,
		             epg_sql_text[i][1]);
		if (n < 0 || (size_t)n >= sizeof(g->sql[i]))
			return SIGIL_E_TOO_BIG;
	}
	return 0;
}

static int
epg_open(const struct settings *s, const struct sigil_deadline *dl, struct enclave_storage **out,
         char *err, size_t errlen)
{
	const char *ci = settings_get(s, "storage.config.conninfo");
	const char *table = settings_get(s, "storage.config.table");
	PQconninfoOption *opts;
	struct epg_storage *g;
	int rc;

	*out = NULL;
	sigil_errf(err, errlen, "%s", "");
	if (ci == NULL)
		ci = ""; /* libpq takes the PG* environment variables */
	if (table == NULL || table[0] == '\0')
		table = EPG_DEFAULT_TABLE;
	if (!epg_ident_ok(table)) {
		sigil_errf(err, errlen,
		        "storage.config.table: \"%.64s\" is not a plain SQL name "
		        "([a-z_][a-z0-9_]*, at most %d characters)",
		        table, EPG_IDENT_MAX);
		return SIGIL_E_INVALID;
	}
	/* Checked here, because libpq's own message may quote the string,
	 * password and all. */
	if ((opts = PQconninfoParse(ci, NULL)) == NULL) {
		sigil_errf(err, errlen, "storage.config.conninfo: not a libpq connection string");
		return SIGIL_E_INVALID;
	}
	PQconninfoFree(opts);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return SIGIL_E_NOMEM;
	g->base.ops = &enclave_storage_postgres;
	if (pthread_mutex_init(&g->mu, NULL) != 0) {
		free(g);
		return SIGIL_E_NOMEM;
	}
	if ((g->conninfo = strdup(ci)) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = epg_sql(g, table)) != 0)
		goto out;
	/* Nobody else has g yet: no need for its mutex. */
	rc = epg_connect(g, dl, err, errlen);
	if (rc == 0)
		rc = epg_ensure_table(g, dl, err, errlen);
	if (rc == 0) {
		*out = &g->base;
		g = NULL;
	}
out:
	epg_close(g ? &g->base : NULL);
	return rc;
}

const struct enclave_storage_ops enclave_storage_postgres = {
	.name = "postgres",
	.open = epg_open,
	.load = epg_load,
	.put = epg_put,
	.remove = epg_remove,
	.close = epg_close,
};
