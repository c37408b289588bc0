/* The enclave vault's storage drivers (vault/enclave/storage.h): the file
 * driver always; the postgres driver against the server named by
 * SIGIL_TEST_PG_CONNINFO (tests/integration/test_enclave_storage_pg.sh
 * starts one), each case in a fresh table, skipped when it is not set.
 * SIGIL_TEST_PG_KEEP=put leaves two known rows in table enclave_keep;
 * =expect checks they are there (across a server restart). */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "vault/enclave/storage.h"

static char dir[64], path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sigil-enclave-st-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/enclave_keys.json", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[96];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
mk(struct enclave_entry *e, const char *pkh, uint8_t seed, size_t len)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->pkh, sizeof(e->pkh), "%s", pkh);
	for (size_t i = 0; i < len; i++)
		e->blob[i] = (uint8_t)(seed + i * 7);
	e->blob_len = len;
}

static void
assert_entry(const struct enclave_entry *got, const struct enclave_entry *want)
{
	assert_string_equal(got->pkh, want->pkh);
	assert_int_equal(got->blob_len, want->blob_len);
	assert_memory_equal(got->blob, want->blob, want->blob_len);
}

struct reports {
	int n;
	char pkh[16][ENCLAVE_PKH_MAX];
	char why[16][128];
};

static void
collect(void *arg, const char *pkh, const char *why)
{
	struct reports *r = arg;

	assert_true(r->n < 16);
	snprintf(r->pkh[r->n], sizeof(r->pkh[0]), "%s", pkh ? pkh : "(none)");
	snprintf(r->why[r->n], sizeof(r->why[0]), "%s", why);
	r->n++;
}

/* The report for pkh, which must say why. */
static void
assert_reported(const struct reports *r, const char *pkh, const char *why)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->pkh[i], pkh) == 0 && strstr(r->why[i], why) != NULL)
			return;
	for (int i = 0; i < r->n; i++)
		print_message("report %s: %s\n", r->pkh[i], r->why[i]);
	fail_msg("no report for %s saying %s", pkh, why);
}

static struct enclave_storage *
open_file(const char *p)
{
	struct settings s = {0};
	struct enclave_storage *st;
	char err[256];

	assert_int_equal(settings_set(&s, "storage.config", p), 0);
	assert_int_equal(enclave_storage_file.open(&s, NULL, &st, err, sizeof(err)), 0);
	settings_free(&s);
	return st;
}

/* Loads st, which must succeed; n entries into *es (free them). */
static size_t
load(struct enclave_storage *st, struct enclave_entry **es, struct reports *r)
{
	struct sigil_deadline dl = sigil_deadline_in(10000);
	char err[256] = "";
	size_t n;
	int rc = st->ops->load(st, &dl, r ? collect : NULL, r, es, &n, err, sizeof(err));

	if (rc != 0)
		fail_msg("load: %d: %s", rc, err);
	assert_true((n == 0) == (*es == NULL));
	return n;
}

static void
put_ok(struct enclave_storage *st, const struct enclave_entry *e)
{
	struct sigil_deadline dl = sigil_deadline_in(10000);
	char err[256] = "";
	int rc = st->ops->put(st, e, &dl, err, sizeof(err));

	if (rc != 0)
		fail_msg("put %s: %d: %s", e->pkh, rc, err);
}

static void
write_file(const char *text, mode_t mode)
{
	assert_int_equal(fileio_write_atomic(path, text, strlen(text), mode), 0);
}

static char *
read_text(void)
{
	char *t;
	size_t len;

	assert_int_equal(fileio_read(path, 1 << 20, &t, &len), 0);
	return t;
}

/* What every driver does: no keys at first; put and load (in the file's
 * order for the file, by address for postgres: b goes in first, so the two
 * differ); a second put under one address refused, and entries without an
 * address or a blob; remove, then SIGIL_E_NOT_FOUND; a second open sees
 * what the first stored. */
static void
round_trip(struct enclave_storage *(*reopen)(void), bool by_address)
{
	struct enclave_storage *st = reopen();
	struct enclave_entry a, a2, b, bad[3], *es;
	char err[256];

	assert_int_equal(load(st, &es, NULL), 0);
	mk(&a, "tz1aaaa", 1, ENCLAVE_STORED_BLOB_MAX);
	mk(&a2, "tz1aaaa", 2, 30);
	mk(&b, "tz1bbbb", 3, 1);
	mk(&bad[0], "", 1, 40);
	mk(&bad[1], "tz1 space", 1, 40);
	mk(&bad[2], "tz1empty", 1, 0);
	put_ok(st, &b);
	put_ok(st, &a);
	assert_int_equal(st->ops->put(st, &a2, NULL, err, sizeof(err)), SIGIL_E_INVALID);
	assert_non_null(strstr(err, "tz1aaaa"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(st->ops->put(st, &bad[i], NULL, err, sizeof(err)), SIGIL_E_INVALID);
	assert_int_equal(load(st, &es, NULL), 2);
	assert_entry(&es[by_address ? 0 : 1], &a);
	assert_entry(&es[by_address ? 1 : 0], &b);
	free(es);
	st->ops->close(st);

	st = reopen();
	assert_int_equal(load(st, &es, NULL), 2);
	free(es);
	assert_int_equal(st->ops->remove(st, "tz1bbbb", NULL, err, sizeof(err)), 0);
	assert_int_equal(st->ops->remove(st, "tz1bbbb", NULL, err, sizeof(err)), SIGIL_E_NOT_FOUND);
	assert_int_equal(st->ops->remove(st, "", NULL, err, sizeof(err)), SIGIL_E_INVALID);
	assert_int_equal(load(st, &es, NULL), 1);
	assert_entry(&es[0], &a);
	free(es);
	st->ops->close(st);
}

/* ---- the file driver ---- */

static struct enclave_storage *
file_reopen(void)
{
	return open_file(path);
}

/* round_trip; then the file is 0600, no temp file is left beside it, and
 * a refused put leaves it as it was. */
static void
file_round_trip(void **state)
{
	struct enclave_storage *st;
	struct enclave_entry a2;
	char err[256], *before, *after;
	struct stat sb;
	struct dirent *d;
	DIR *dh;

	(void)state;
	round_trip(file_reopen, false);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_non_null(dh = opendir(dir));
	while ((d = readdir(dh)) != NULL)
		assert_true(d->d_name[0] == '.' || strcmp(d->d_name, "enclave_keys.json") == 0 ||
		            strcmp(d->d_name, "enclave_keys.json.lock") == 0);
	closedir(dh);
	st = open_file(path);
	before = read_text();
	mk(&a2, "tz1aaaa", 2, 30);
	assert_int_equal(st->ops->put(st, &a2, NULL, err, sizeof(err)), SIGIL_E_INVALID);
	after = read_text();
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(st->ops->remove(st, "tz1aaaa", NULL, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	st->ops->close(st);
}

/* Entries that cannot be read are reported and skipped, the rest load;
 * of two under one address the first is kept. A rewrite keeps them. */
static void
file_bad_entries(void **state)
{
	struct enclave_storage *st;
	struct enclave_entry *es, e;
	struct reports r = {0};
	char big[400], text[2048];

	(void)state;
	/* 258 bytes of base64 ('A' * 344 decodes to 258 zero bytes). */
	memset(big, 'A', 344);
	big[344] = '\0';
	snprintf(text, sizeof(text),
	         "[\n"
	         " {\"public_key_hash\": \"tz1good\", \"encrypted_private_key\": \"AQID\"},\n"
	         " {\"public_key_hash\": \"tz1b64\", \"encrypted_private_key\": \"AQ*D\"},\n"
	         " {\"public_key_hash\": \"tz1pad\", \"encrypted_private_key\": \"AQI\"},\n"
	         " {\"public_key_hash\": \"tz1nokey\"},\n"
	         " {\"encrypted_private_key\": \"AQID\"},\n"
	         " {\"public_key_hash\": \"tz1big\", \"encrypted_private_key\": \"%s\"},\n"
	         " {\"public_key_hash\": 7, \"encrypted_private_key\": \"AQID\"},\n"
	         " \"tz1astring\",\n"
	         " {\"public_key_hash\": \"tz1good\", \"encrypted_private_key\": \"BAUG\"},\n"
	         " {\"public_key_hash\": \"tz1two\", \"encrypted_private_key\": \"BAUG\", \"x\": 1}\n"
	         "]\n",
	         big);
	write_file(text, 0600);
	st = open_file(path);
	assert_int_equal(load(st, &es, &r), 2);
	assert_string_equal(es[0].pkh, "tz1good");
	assert_int_equal(es[0].blob_len, 3);
	assert_memory_equal(es[0].blob, "\1\2\3", 3); /* the first of the two */
	assert_string_equal(es[1].pkh, "tz1two");
	free(es);
	assert_int_equal(r.n, 8);
	assert_reported(&r, "tz1b64", "base64");
	assert_reported(&r, "tz1pad", "base64");
	assert_reported(&r, "tz1nokey", "encrypted_private_key missing");
	assert_reported(&r, "(none)", "public_key_hash missing");
	assert_reported(&r, "tz1big", "over 256 bytes");
	assert_reported(&r, "(none)", "not an object");
	assert_reported(&r, "tz1good", "second entry");

	/* Rewritten by a put, the file keeps what it could not read. */
	mk(&e, "tz1new", 3, 10);
	put_ok(st, &e);
	memset(&r, 0, sizeof(r));
	assert_int_equal(load(st, &es, &r), 3);
	assert_int_equal(r.n, 8);
	free(es);
	st->ops->close(st);
}

/* A file that is not a JSON array loads nothing and names path and line. */
static void
file_not_array(void **state)
{
	static const char *const texts[] = {
		"\n\n{\"public_key_hash\": \"tz1x\"}\n",
		"[\n {\"public_key_hash\": \"tz1x\",\n",
		"",
	};
	static const char *const lines[] = {"line 3", "line 3", "line 1"};
	struct enclave_storage *st = open_file(path);
	struct enclave_entry *es = (void *)1, e;
	char err[256];
	size_t n = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		write_file(texts[i], 0600);
		assert_int_equal(st->ops->load(st, NULL, collect, NULL, &es, &n, err, sizeof(err)),
		                 SIGIL_E_INVALID);
		assert_null(es);
		assert_int_equal(n, 0);
		assert_non_null(strstr(err, path));
		if (strstr(err, lines[i]) == NULL)
			fail_msg("case %zu: %s", i, err);
		/* and put does not write over it */
		mk(&e, "tz1x", 1, 4);
		assert_int_equal(st->ops->put(st, &e, NULL, err, sizeof(err)), SIGIL_E_INVALID);
	}
	st->ops->close(st);
}

/* A file group or others may read is refused, by load and put alike. */
static void
file_group_readable(void **state)
{
	struct enclave_storage *st = open_file(path);
	struct enclave_entry *es, e;
	char err[256], *before, *after;
	size_t n;

	(void)state;
	write_file("[{\"public_key_hash\": \"tz1x\", \"encrypted_private_key\": \"AQID\"}]", 0640);
	before = read_text();
	assert_int_equal(st->ops->load(st, NULL, NULL, NULL, &es, &n, err, sizeof(err)),
	                 SIGIL_E_INVALID);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "0640"));
	assert_null(es);
	mk(&e, "tz1y", 1, 4);
	assert_int_equal(st->ops->put(st, &e, NULL, err, sizeof(err)), SIGIL_E_INVALID);
	after = read_text();
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(st->ops->load(st, NULL, NULL, NULL, &es, &n, err, sizeof(err)),
	                 SIGIL_E_INVALID);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(load(st, &es, NULL), 1);
	free(es);
	st->ops->close(st);
}

/* Writers that hold the lock past a put's deadline make it time out. */
static void
file_lock_timeout(void **state)
{
	struct enclave_storage *st = open_file(path);
	struct sigil_deadline dl = sigil_deadline_in(60);
	struct enclave_entry e, *es;
	char lock[160], err[256];
	int fd;

	(void)state;
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_true((fd = open(lock, O_RDWR | O_CREAT, 0600)) >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	mk(&e, "tz1late", 1, 8);
	assert_int_equal(st->ops->put(st, &e, &dl, err, sizeof(err)), SIGIL_E_TIMEOUT);
	close(fd);
	put_ok(st, &e);
	assert_int_equal(load(st, &es, NULL), 1);
	free(es);
	st->ops->close(st);
}

struct writer {
	struct enclave_storage *st;
	int who;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct enclave_entry e;
	char pkh[32];

	for (int i = 0; i < 10; i++) {
		snprintf(pkh, sizeof(pkh), "tz1w%d_%d", w->who, i);
		mk(&e, pkh, (uint8_t)i, 32);
		if (w->st->ops->put(w->st, &e, NULL, NULL, 0) != 0)
			return (void *)1;
	}
	return NULL;
}

/* Threads of one process and other processes putting at once lose
 * nothing (the mutex and the flock). */
static void
file_concurrent(void **state)
{
	struct enclave_storage *st = open_file(path);
	struct writer w[2] = {{st, 0}, {st, 1}};
	struct enclave_entry *es;
	pthread_t t[2];
	pid_t kids[2];
	void *res;
	int status;

	(void)state;
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			struct enclave_storage *mine = open_file(path);
			struct writer me = {mine, 10 + k};
			res = writer_run(&me);
			mine->ops->close(mine);
			_exit(res == NULL ? 0 : 1);
		}
		assert_true(kids[k] > 0);
	}
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, writer_run, &w[k]), 0);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(pthread_join(t[k], &res), 0);
		assert_null(res);
		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(load(st, &es, NULL), 40);
	free(es);
	st->ops->close(st);
}

/* ---- the postgres driver ---- */

static const char *
pg_conninfo(void)
{
	const char *c = getenv("SIGIL_TEST_PG_CONNINFO");
	return c != NULL && c[0] != '\0' ? c : NULL;
}

#define PG_OR_SKIP()                                                                      \
	do {                                                                              \
		if (pg_conninfo() == NULL) {                                              \
			print_message("SIGIL_TEST_PG_CONNINFO not set: postgres case skipped\n"); \
			skip();                                                           \
		}                                                                         \
	} while (0)

static int
pg_open_ci(const char *ci, const char *table, const struct sigil_deadline *dl,
           struct enclave_storage **st, char *err, size_t errlen)
{
	struct settings s = {0};
	int rc;

	assert_int_equal(settings_set(&s, "storage.config.conninfo", ci), 0);
	if (table != NULL)
		assert_int_equal(settings_set(&s, "storage.config.table", table), 0);
	rc = enclave_storage_postgres.open(&s, dl, st, err, errlen);
	settings_free(&s);
	return rc;
}

/* The driver on table (made if missing), the test's server; extra is
 * appended to the connection string. */
static struct enclave_storage *
pg_open(const char *table, const char *extra, const struct sigil_deadline *dl)
{
	struct enclave_storage *st;
	char ci[512], err[512] = "";
	int rc;

	snprintf(ci, sizeof(ci), "%s%s", pg_conninfo(), extra ? extra : "");
	if ((rc = pg_open_ci(ci, table, dl, &st, err, sizeof(err))) != 0)
		fail_msg("open %s: %d: %s", table, rc, err);
	return st;
}

/* The test's own connection and statements. */
static PGconn *
pg_admin(void)
{
	PGconn *c = PQconnectdb(pg_conninfo());
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("admin connection: %s", PQerrorMessage(c));
	return c;
}

__attribute__((format(printf, 2, 3))) static void
pg_sql(PGconn *c, const char *fmt, ...)
{
	char sql[512];
	PGresult *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

/* A table name of this run's own. */
static void
pg_table(char *t, size_t cap)
{
	static int seq;
	snprintf(t, cap, "enclave_t%ld_%ld_%d", (long)getpid(), (long)time(NULL) % 100000, seq++);
}

static void
pg_drop(const char *table)
{
	PGconn *c = pg_admin();
	pg_sql(c, "DROP TABLE IF EXISTS \"%s\"", table);
	PQfinish(c);
}

/* What open refuses, without a server: a connection string's password
 * is in no error, even where libpq would quote it; a table name that is
 * not a plain identifier; a server that does not answer by the deadline
 * (a listener that never accepts). */
static void
pg_open_refusals(void **state)
{
	static const char *const ci[] = {
		"host=127.0.0.1 port=1 user=x password=hunter2 connect_timeout=2 sslmode=disable",
		"host=127.0.0.1 password hunter2",
		"postgresql://x:hunter2@127.0.0.1:1/db?bogus=1",
	};
	static const char *const table[] = {
		"Enclave", "1keys", "a-b", "keys\"; DROP TABLE x; --", "a.b",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	struct sigil_deadline dl = sigil_deadline_in(3000);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t salen = sizeof(sa);
	struct enclave_storage *st = NULL;
	char err[512], mute[96];
	uint64_t t0;
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(ci) / sizeof(ci[0]) * 2; i++) {
		err[0] = '\0';
		assert_int_not_equal(pg_open_ci(ci[i / 2], NULL, i % 2 ? &dl : NULL, &st, err,
		                                sizeof(err)),
		                     0);
		assert_null(st);
		assert_true(err[0] != '\0' && strchr(err, '\n') == NULL);
		assert_null(strstr(err, "hunter2"));
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_int_equal(pg_open_ci(ci[0], table[i], NULL, &st, err, sizeof(err)),
		                 SIGIL_E_INVALID);
		assert_non_null(strstr(err, "storage.config.table"));
	}
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	snprintf(mute, sizeof(mute), "host=127.0.0.1 port=%d sslmode=disable gssencmode=disable",
	         ntohs(sa.sin_port));
	t0 = sigil_monotonic_ms();
	dl = sigil_deadline_in(200);
	assert_int_equal(pg_open_ci(mute, NULL, &dl, &st, err, sizeof(err)), SIGIL_E_TIMEOUT);
	assert_true(sigil_monotonic_ms() - t0 < 2000);
	close(fd);
}

static char pg_rt_table[64];

/* The table of pg_round_trip, opened with a deadline (PQconnectPoll) and
 * without (PQconnectdb) in turn. */
static struct enclave_storage *
pg_reopen(void)
{
	static int turn;
	struct sigil_deadline dl = sigil_deadline_in(10000);

	return pg_open(pg_rt_table, NULL, turn++ % 2 ? NULL : &dl);
}

/* round_trip; then rows the driver did not write and cannot use are
 * reported and skipped; a table dropped under an open driver is no keys. */
static void
pg_round_trip(void **state)
{
	struct enclave_storage *st;
	struct enclave_entry *es;
	struct reports r = {0};
	PGconn *c;

	(void)state;
	PG_OR_SKIP();
	pg_table(pg_rt_table, sizeof(pg_rt_table));
	round_trip(pg_reopen, true);
	st = pg_reopen();
	c = pg_admin();
	pg_sql(c,
	       "INSERT INTO \"%s\" VALUES ('tz1ok', '\\x010203'), ('tz1empty', ''), "
	       "('tz1big', decode(repeat('00', 257), 'hex')), (E'tz1\\ttab', '\\x01')",
	       pg_rt_table);
	PQfinish(c);
	assert_int_equal(load(st, &es, &r), 2);
	assert_string_equal(es[0].pkh, "tz1aaaa");
	assert_string_equal(es[1].pkh, "tz1ok");
	assert_int_equal(es[1].blob_len, 3);
	free(es);
	assert_int_equal(r.n, 3);
	assert_reported(&r, "tz1empty", "empty");
	assert_reported(&r, "tz1big", "ceiling");
	assert_reported(&r, "(none)", "not an address");
	pg_drop(pg_rt_table);
	assert_int_equal(load(st, &es, NULL), 0);
	st->ops->close(st);
}

/* Ends the driver's server session, as a restart would. */
static void
pg_kill(const char *app)
{
	PGconn *c = pg_admin();
	char sql[256];
	PGresult *r;

	snprintf(sql, sizeof(sql),
	         "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
	         "WHERE application_name = '%s'",
	         app);
	r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	assert_string_equal(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	PQfinish(c);
}

/* Whether the sessions named app are gone or idle within two seconds
 * (asked on a connection of its own: in a transaction pg_stat_activity
 * stays as it was first read). */
static bool
pg_wait_idle(const char *app)
{
	PGconn *c = pg_admin();
	bool idle = false;
	char sql[256];

	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' "
	         "AND state = 'active'",
	         app);
	for (int i = 0; i < 100 && !idle; i++) {
		PGresult *r = PQexec(c, sql);

		idle = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "0") == 0;
		PQclear(r);
		if (!idle)
			usleep(20000);
	}
	PQfinish(c);
	return idle;
}

/* A lost connection is made again and the statement sent once more; a
 * statement the server does not answer by the deadline is given up, and
 * the next call works on a fresh connection. */
static void
pg_lost_or_late(void **state)
{
	struct sigil_deadline dl = sigil_deadline_in(10000), soon;
	struct enclave_entry a, a2, b, *es;
	struct enclave_storage *st;
	char t[64], app[64], extra[96], err[512];
	uint64_t t0;
	size_t n;
	PGconn *c;

	(void)state;
	PG_OR_SKIP();
	if (strstr(pg_conninfo(), "://") != NULL)
		skip(); /* a URI: application_name cannot be appended */
	pg_table(t, sizeof(t));
	snprintf(app, sizeof(app), "sigil_rc_%ld", (long)getpid());
	snprintf(extra, sizeof(extra), " application_name=%s", app);
	st = pg_open(t, extra, &dl);
	mk(&a, "tz1aaaa", 1, 20);
	mk(&a2, "tz1aaaa", 2, 20);
	mk(&b, "tz1bbbb", 3, 20);
	put_ok(st, &a);
	pg_kill(app);
	assert_int_equal(load(st, &es, NULL), 1);
	free(es);
	pg_kill(app);
	put_ok(st, &b);
	pg_kill(app);
	assert_int_equal(st->ops->put(st, &a2, &dl, err, sizeof(err)), SIGIL_E_INVALID);
	pg_kill(app);
	assert_int_equal(st->ops->remove(st, "tz1bbbb", &dl, err, sizeof(err)), 0);

	c = pg_admin();
	pg_sql(c, "BEGIN; LOCK TABLE \"%s\" IN ACCESS EXCLUSIVE MODE", t);
	t0 = sigil_monotonic_ms();
	soon = sigil_deadline_in(300);
	assert_int_equal(st->ops->load(st, &soon, NULL, NULL, &es, &n, err, sizeof(err)),
	                 SIGIL_E_TIMEOUT);
	assert_null(es);
	soon = sigil_deadline_in(300);
	assert_int_equal(st->ops->put(st, &b, &soon, err, sizeof(err)), SIGIL_E_TIMEOUT);
	assert_true(sigil_monotonic_ms() - t0 < 3000);
	/* Cancelled, not merely abandoned: without the cancel, the session
	 * would wait for the lock until the ROLLBACK and then insert b. */
	assert_true(pg_wait_idle(app));
	pg_sql(c, "ROLLBACK");
	PQfinish(c);
	assert_int_equal(load(st, &es, NULL), 1);
	free(es);
	put_ok(st, &b);
	st->ops->close(st);
	pg_drop(t);
}

/* Two known rows in enclave_keep, left for a later run (=put) or checked
 * (=expect): tests/integration/test_enclave_storage_pg.sh restarts the
 * server in between. */
static void
pg_keep(void **state)
{
	const char *mode = getenv("SIGIL_TEST_PG_KEEP");
	struct enclave_entry want[2], *es;
	struct enclave_storage *st;
	size_t n;

	(void)state;
	PG_OR_SKIP();
	if (mode == NULL || (strcmp(mode, "put") != 0 && strcmp(mode, "expect") != 0))
		skip();
	mk(&want[0], "tz1keep1", 11, 100);
	mk(&want[1], "tz1keep2", 22, 200);
	st = pg_open("enclave_keep", NULL, NULL);
	if (strcmp(mode, "put") == 0) {
		n = load(st, &es, NULL);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(st->ops->remove(st, es[i].pkh, NULL, NULL, 0), 0);
		free(es);
		put_ok(st, &want[0]);
		put_ok(st, &want[1]);
	}
	assert_int_equal(load(st, &es, NULL), 2);
	assert_entry(&es[0], &want[0]);
	assert_entry(&es[1], &want[1]);
	free(es);
	st->ops->close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(file_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(file_not_array, setup, teardown),
		cmocka_unit_test_setup_teardown(file_group_readable, setup, teardown),
		cmocka_unit_test_setup_teardown(file_lock_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(file_concurrent, setup, teardown),
		cmocka_unit_test(pg_open_refusals),
		cmocka_unit_test(pg_round_trip),
		cmocka_unit_test(pg_lost_or_late),
		cmocka_unit_test(pg_keep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
