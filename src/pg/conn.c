/* One PostgreSQL connection that answers by a deadline (conn.h). */
#include "pg/conn.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"

/* How long a timed-out statement waits for its cancel request to be taken
 * (the caller's deadline has passed already: not long). */
#define PG_CANCEL_WAIT_MS 250

void
pg_err(char *err, size_t errlen, const char *what, const char *msg)
{
	size_t n;

	sigil_errf(err, errlen, "PostgreSQL: %s: %s", what, msg && msg[0] ? msg : "no answer");
	for (n = 0; err != NULL && n < errlen && err[n] != '\0'; n++)
		if (err[n] == '\n' || err[n] == '\r' || err[n] == '\t')
			err[n] = ' ';
	while (n > 0 && err[n - 1] == ' ')
		err[--n] = '\0';
}

bool
pg_ident_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > PG_IDENT_MAX || (t[0] >= '0' && t[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
			return false;
	return true;
}

int
pg_conninfo_check(const char *what, const char *ci, char *err, size_t errlen)
{
	PQconninfoOption *opts;

	/* Checked here, because libpq's own message may quote the string,
	 * password and all. */
	if ((opts = PQconninfoParse(ci ? ci : "", NULL)) == NULL) {
		sigil_errf(err, errlen, "%s: not a libpq connection string", what);
		return SIGIL_E_INVALID;
	}
	PQconninfoFree(opts);
	return 0;
}

int
pg_conn_init(struct pg_conn *c, const char *ci, const char *app_name)
{
	memset(c, 0, sizeof(*c));
	c->app_name = app_name;
	if ((c->conninfo = strdup(ci ? ci : "")) == NULL)
		return SIGIL_E_NOMEM;
	return 0;
}

/* NOTICEs ("relation exists, skipping") would go to stderr. */
static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Waits until fd is readable (rd) or writable (wr), at most until dl. */
static int
pg_wait(int fd, bool rd, bool wr, const struct sigil_deadline *dl)
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
pg_cancel_run(void *c)
{
	char buf[256];

	(void)PQcancel(c, buf, (int)sizeof(buf));
	PQfreeCancel(c);
	return NULL;
}

/* PQcancel connects anew, blocking and without a timeout, and a server
 * that did not answer in time may not answer that either: it goes from a
 * thread of its own (which frees the cancel object), left to finish alone
 * when PG_CANCEL_WAIT_MS is over. */
static void
pg_cancel(struct pg_conn *c)
{
	PGcancel *k = PQgetCancel(c->conn);
	struct timespec ts;
	pthread_t t;

	if (k == NULL)
		return;
	if (pthread_create(&t, NULL, pg_cancel_run, k) != 0) {
		PQfreeCancel(k); /* not cancelled: the server ends it on its own */
		return;
	}
	ts = sigil_monotonic_timespec_in(PG_CANCEL_WAIT_MS);
	if (pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, &ts) != 0)
		pthread_detach(t);
}

void
pg_conn_drop(struct pg_conn *c, bool cancel)
{
	if (c->conn == NULL)
		return;
	if (cancel)
		pg_cancel(c);
	PQfinish(c->conn);
	c->conn = NULL;
}

void
pg_conn_free(struct pg_conn *c)
{
	if (c == NULL)
		return;
	pg_conn_drop(c, false);
	if (c->conninfo != NULL) {
		sodium_memzero(c->conninfo, strlen(c->conninfo));
		free(c->conninfo);
		c->conninfo = NULL;
	}
}

int
pg_conn_connect(struct pg_conn *c, const struct sigil_deadline *dl, char *err, size_t errlen)
{
	/* The string is expanded as dbname; an application_name it sets wins
	 * over the fallback. */
	const char *const keys[] = {"dbname", "fallback_application_name", NULL};
	const char *const vals[] = {c->conninfo, c->app_name ? c->app_name : "sigil", NULL};
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	PGconn *k;
	int rc;

	pg_conn_drop(c, false);
	if (sigil_deadline_left_ms(dl) == UINT64_MAX) {
		/* No deadline: libpq's own wait, which keeps connect_timeout. */
		k = PQconnectdbParams(keys, vals, 1);
	} else {
		/* Name resolution still blocks in here: hostaddr= avoids it. */
		k = PQconnectStartParams(keys, vals, 1);
		if (k != NULL && PQstatus(k) == CONNECTION_BAD)
			ps = PGRES_POLLING_FAILED;
		while (k != NULL && ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
			rc = pg_wait(PQsocket(k), ps == PGRES_POLLING_READING,
			             ps == PGRES_POLLING_WRITING, dl);
			if (rc != 0) {
				if (rc == SIGIL_E_TIMEOUT)
					sigil_errf(err, errlen,
					           "PostgreSQL: no connection by the deadline");
				else
					pg_err(err, errlen, "cannot connect", PQerrorMessage(k));
				PQfinish(k);
				return rc == SIGIL_E_TIMEOUT ? rc : SIGIL_E_NOT_READY;
			}
			ps = PQconnectPoll(k);
		}
	}
	if (k == NULL)
		return SIGIL_E_NOMEM;
	if (PQstatus(k) != CONNECTION_OK || PQsetnonblocking(k, 1) != 0) {
		/* libpq's text names host and user, never the password. */
		pg_err(err, errlen, "cannot connect", PQerrorMessage(k));
		PQfinish(k);
		return SIGIL_E_NOT_READY;
	}
	(void)PQsetNoticeProcessor(k, pg_quiet, NULL);
	c->conn = k;
	return 0;
}

/* Whether a refusal means this server cannot take writes now (another
 * may: the caller should reconnect): read only, in recovery, shutting
 * down, or the connection itself (class 08). */
static bool
pg_state_unavailable(const char *s)
{
	return strcmp(s, "25006") == 0 || strncmp(s, "57P", 3) == 0 || strncmp(s, "08", 2) == 0 ||
	       strcmp(s, "53300") == 0;
}

/* Sends the statement (a script when script is set) and reads its results,
 * all by dl; keeps the first result (one statement: one result). */
static int
pg_run(struct pg_conn *c, bool script, const char *sql, const struct pg_params *p,
       const struct sigil_deadline *dl, PGresult **out, char state[static 6], char *err,
       size_t errlen)
{
	PGconn *k = c->conn;
	PGresult *res = NULL, *r;
	ExecStatusType es;
	bool bad = false;
	int f, rc;

	state[0] = '\0';
	if (sigil_deadline_passed(dl)) {
		sigil_errf(err, errlen, "PostgreSQL: the deadline passed before the statement");
		return SIGIL_E_TIMEOUT; /* nothing sent, nothing to cancel */
	}
	if (script ? !PQsendQuery(k, sql)
	           : !PQsendQueryParams(k, sql, p ? p->n : 0, NULL, p ? p->v : NULL,
	                                p ? p->len : NULL, p ? p->fmt : NULL, 1))
		goto fail;
	while ((f = PQflush(k)) == 1) {
		if ((rc = pg_wait(PQsocket(k), true, true, dl)) == SIGIL_E_TIMEOUT)
			goto timeout;
		if (rc != 0 || !PQconsumeInput(k))
			goto fail;
	}
	if (f != 0)
		goto fail;
	for (;;) {
		while (PQisBusy(k)) {
			if ((rc = pg_wait(PQsocket(k), true, false, dl)) == SIGIL_E_TIMEOUT)
				goto timeout;
			if (rc != 0 || !PQconsumeInput(k))
				goto fail;
		}
		if ((r = PQgetResult(k)) == NULL)
			break;
		es = PQresultStatus(r);
		if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK && !bad) {
			/* A script stops at its first error: keep that one. */
			PQclear(res);
			res = r;
			bad = true;
		} else if (res == NULL) {
			res = r;
		} else {
			PQclear(r);
		}
	}
	if (res != NULL && !bad) {
		*out = res;
		return 0;
	}
	if (res != NULL) {
		const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (s != NULL && strlen(s) == 5)
			memcpy(state, s, 6);
	}
fail:
	/* The server's primary message only: its full text goes on with the
	 * context (a function's SQL) and would crowd out the reason. */
	pg_err(err, errlen, "statement failed",
	       res != NULL && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != NULL
	               ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
	               : PQerrorMessage(k));
	PQclear(res);
	if (PQstatus(k) != CONNECTION_OK || pg_state_unavailable(state))
		return SIGIL_E_NOT_READY;
	return SIGIL_E_IO;
timeout:
	PQclear(res);
	pg_conn_drop(c, true);
	sigil_errf(err, errlen, "PostgreSQL: no answer by the deadline");
	return SIGIL_E_TIMEOUT;
}

static int
pg_exec_any(struct pg_conn *c, bool script, const char *sql, const struct pg_params *p,
            const struct sigil_deadline *dl, PGresult **out, bool *resent, char state[static 6],
            char *err, size_t errlen)
{
	int rc = SIGIL_E_INTERNAL;

	*out = NULL;
	state[0] = '\0';
	if (resent)
		*resent = false;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK)
			if ((rc = pg_conn_connect(c, dl, err, errlen)) != 0)
				return rc;
		if (attempt > 0 && resent)
			*resent = true;
		rc = pg_run(c, script, sql, p, dl, out, state, err, errlen);
		if (rc == 0 || rc == SIGIL_E_TIMEOUT)
			return rc;
		if (c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK) {
			/* A server that will not take writes: drop it, so that the
			 * next statement looks for the primary again. */
			if (rc == SIGIL_E_NOT_READY)
				pg_conn_drop(c, false);
			return rc;
		}
	}
	return rc;
}

int
pg_conn_exec(struct pg_conn *c, const char *sql, const struct pg_params *p,
             const struct sigil_deadline *dl, PGresult **out, bool *resent, char state[static 6],
             char *err, size_t errlen)
{
	return pg_exec_any(c, false, sql, p, dl, out, resent, state, err, errlen);
}

int
pg_conn_script(struct pg_conn *c, const char *sql, const struct sigil_deadline *dl,
               char state[static 6], char *err, size_t errlen)
{
	PGresult *res = NULL;
	int rc = pg_exec_any(c, true, sql, NULL, dl, &res, NULL, state, err, errlen);

	PQclear(res);
	return rc;
}
