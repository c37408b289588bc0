/* The enclave vault's keys in a PostgreSQL table (storage.h):
 *   <table> (pkh text PRIMARY KEY, value bytea NOT NULL)
 * on the server storage.config.conninfo names, the table made at open when
 * it is missing. Every value goes as a parameter (PQsendQueryParams), never
 * pasted into the text; the table's name is the one thing pasted, and only
 * after it is checked to be a plain identifier, and quoted.
 *
 * Each call answers by its deadline, through the connection code the
 * postgres watermark store shares (pg/conn.h). */
#include "vault/enclave/storage.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "pg/conn.h"

#define EPG_DEFAULT_TABLE "enclave_keys"
/* Bounds what a load may allocate (a row is about 330 bytes here). */
#define EPG_ROWS_MAX 100000
#define EPG_SQL_MAX 160
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
	/* Its conninfo may hold a password: never printed, wiped by epg_close. */
	struct pg_conn pc;
	char sql[EPG_NSQL][EPG_SQL_MAX];
	char table[PG_IDENT_MAX + 3]; /* quoted */
	pthread_mutex_t mu; /* a PGconn serves one statement at a time */
};

/* Makes the table when it is missing. Looked up first, so that a role
 * without CREATE may use a table made for it; a concurrent opener making
 * it at the same moment is no error. */
static int
epg_ensure_table(struct epg_storage *g, const struct sigil_deadline *dl, char *err,
                 size_t errlen)
{
	struct pg_params p = {1, {g->table}, {0}, {0}};
	PGresult *res;
	char state[6];
	bool exists;
	int rc;

	if ((rc = pg_conn_exec(&g->pc, EPG_SQL_EXISTS, &p, dl, &res, NULL, state, err, errlen)) != 0)
		return rc;
	exists = PQntuples(res) == 1 && PQgetlength(res, 0, 0) == 1 && PQgetvalue(res, 0, 0)[0];
	PQclear(res);
	if (exists)
		return 0;
	rc = pg_conn_exec(&g->pc, g->sql[EPG_CREATE], NULL, dl, &res, NULL, state, err, errlen);
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
	rc = pg_conn_exec(&g->pc, g->sql[EPG_SELECT], NULL, dl, &res, NULL, state, err, errlen);
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
	struct pg_params p = {1, {e->pkh}, {0}, {0}};
	PGresult *res;
	char state[6];
	int rc;

	*same = false;
	if ((rc = pg_conn_exec(&g->pc, g->sql[EPG_VALUE], &p, dl, &res, NULL, state, err, errlen)) != 0)
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
	struct pg_params p = {2, {e->pkh, (const char *)e->blob}, {0, (int)e->blob_len}, {0, 1}};
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
	if ((rc = pg_conn_exec(&g->pc, g->sql[EPG_INSERT], &p, dl, &res, &resent, state, err, errlen)) != 0)
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
	struct pg_params p = {1, {pkh}, {0}, {0}};
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
	rc = pg_conn_exec(&g->pc, g->sql[EPG_DELETE], &p, dl, &res, &resent, state, err, errlen);
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
	pg_conn_free(&g->pc);
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
	struct epg_storage *g;
	int rc;

	*out = NULL;
	sigil_errf(err, errlen, "%s", "");
	if (ci == NULL)
		ci = ""; /* libpq takes the PG* environment variables */
	if (table == NULL || table[0] == '\0')
		table = EPG_DEFAULT_TABLE;
	if (!pg_ident_ok(table)) {
		sigil_errf(err, errlen,
		        "storage.config.table: \"%.64s\" is not a plain SQL name "
		        "([a-z_][a-z0-9_]*, at most %d characters)",
		        table, PG_IDENT_MAX);
		return SIGIL_E_INVALID;
	}
	if ((rc = pg_conninfo_check("storage.config.conninfo", ci, err, errlen)) != 0)
		return rc;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return SIGIL_E_NOMEM;
	g->base.ops = &enclave_storage_postgres;
	if (pthread_mutex_init(&g->mu, NULL) != 0) {
		free(g);
		return SIGIL_E_NOMEM;
	}
	if ((rc = pg_conn_init(&g->pc, ci, "sigil-enclave-storage")) != 0)
		goto out;
	if ((rc = epg_sql(g, table)) != 0)
		goto out;
	/* Nobody else has g yet: no need for its mutex. */
	rc = pg_conn_connect(&g->pc, dl, err, errlen);
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
