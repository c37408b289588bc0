/* One PostgreSQL connection that answers by a deadline: the code the
 * enclave vault's key storage (vault/enclave/storage_pg.c) and the
 * postgres watermark store (watermark/postgres/) share, with the one
 * setting they share, a libpq connection string (`conninfo`: empty takes
 * the PG* environment variables; several hosts with
 * target_session_attrs=read-write find the primary after a failover).
 *
 * The connection is made with PQconnectStart/PQconnectPoll and every
 * statement sent and read without blocking, all waits in poll() bounded by
 * the time left. A statement past its deadline is cancelled on the server
 * and the connection dropped; the next statement reconnects. A connection
 * found lost under a statement is made again once and the statement sent
 * once more (the caller is told: the first may have been carried out).
 *
 * A struct pg_conn serves one statement at a time: its user serialises.
 * The connection string may hold a password: it is never printed (libpq's
 * messages name host and user only) and is wiped when freed. */
#ifndef SIGIL_PG_CONN_H
#define SIGIL_PG_CONN_H
#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "base/deadline.h"

#define PG_PARAMS_MAX 8
#define PG_IDENT_MAX 63 /* NAMEDATALEN - 1: longer names are cut by the server */

struct pg_conn {
	char *conninfo;
	PGconn *conn; /* NULL once dropped */
	/* application_name sent to the server, so that an operator (and the
	 * tests) can tell sigil's sessions apart in pg_stat_activity. */
	const char *app_name;
};

/* A statement's parameters: text (fmt 0, len ignored) or binary values. */
struct pg_params {
	int n;
	const char *v[PG_PARAMS_MAX];
	int len[PG_PARAMS_MAX];
	int fmt[PG_PARAMS_MAX];
};

/* 0 when ci parses as a libpq connection string; else SIGIL_E_INVALID with
 * a message naming what (never quoting ci, which may hold a password). */
int pg_conninfo_check(const char *what, const char *ci, char *err, size_t errlen);

/* Copies ci (NULL: "") into c, not connected yet. */
int pg_conn_init(struct pg_conn *c, const char *ci, const char *app_name);
/* Drops the connection and wipes the connection string. */
void pg_conn_free(struct pg_conn *c);

/* Drops the connection; cancel: first ask the server to stop the statement
 * in progress (after a timeout), which would otherwise run on and hold its
 * locks until it noticed the socket gone. */
void pg_conn_drop(struct pg_conn *c, bool cancel);

/* Connects (dropping any connection first), by dl. */
int pg_conn_connect(struct pg_conn *c, const struct sigil_deadline *dl, char *err,
                    size_t errlen);

/* Sends sql with p (NULL: none) and reads its one result, in binary,
 * connecting first when need be and once more when the connection was
 * lost under it (*resent says so; resent may be NULL). On success *out is
 * the caller's (PQclear). On a server's refusal its SQLSTATE goes into
 * state (five characters, "" when none) and SIGIL_E_IO returns, or
 * SIGIL_E_NOT_READY when the connection is gone or the server refuses
 * writes (read only, in recovery, shutting down); SIGIL_E_TIMEOUT past
 * dl. err never holds the connection string. */
int pg_conn_exec(struct pg_conn *c, const char *sql, const struct pg_params *p,
                 const struct sigil_deadline *dl, PGresult **out, bool *resent,
                 char state[static 6], char *err, size_t errlen);

/* Runs a script of several statements (the simple protocol, no
 * parameters, results dropped), by dl: schema changes. */
int pg_conn_script(struct pg_conn *c, const char *sql, const struct sigil_deadline *dl,
                   char state[static 6], char *err, size_t errlen);

/* [a-z_][a-z0-9_]*, at most PG_IDENT_MAX: a name that needs no escaping
 * and that the server keeps as written. */
bool pg_ident_ok(const char *t);

/* libpq's message as one line, after "PostgreSQL: what: ". */
void pg_err(char *err, size_t errlen, const char *what, const char *msg);

#endif
