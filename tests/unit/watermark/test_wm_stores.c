/* One suite, every watermark store: what struct wm_store_ops promises
 * (watermark.h), run against the file store and, when
 * SIGIL_TEST_PG_CONNINFO names a PostgreSQL server, the postgres store
 * (tests/integration/test_wm_pg_suite.sh starts one and refuses skips).
 * The file store's own layout, crash and damage rules stay in
 * test_wm_file.c and test_wm_durability.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "watermark/watermark.h"
#include "wm_testlib.h"

/* A store under test: made empty, opened, reopened (a restart), closed. */
struct backend {
	const char *name;
	struct wm_store *(*fresh)(struct backend *b);
	struct wm_store *(*reopen)(struct backend *b, struct wm_store *s);
	void (*done)(struct backend *b, struct wm_store *s);
	char *dir;               /* file */
	struct settings set;     /* postgres */
};

/* ---- file ---- */

static struct wm_store *
file_fresh(struct backend *b)
{
	b->dir = mkstore();
	return open_ok(b->dir);
}

static struct wm_store *
file_reopen(struct backend *b, struct wm_store *s)
{
	s->ops->close(s);
	return open_ok(b->dir);
}

static void
file_done(struct backend *b, struct wm_store *s)
{
	s->ops->close(s);
	rmstore(b->dir);
	b->dir = NULL;
}

/* ---- postgres ---- */

static struct wm_store *
pg_open_ok(struct backend *b)
{
	const struct wm_driver *d = wm_driver_find("postgres");
	struct wm_store_config cfg = {.settings = &b->set};
	struct wm_store *s = NULL;
	char err[512] = "";

	assert_non_null(d);
	if (d->open(&cfg, &s, err, sizeof(err)) != 0)
		fail_msg("postgres open: %s", err);
	assert_int_equal(s->ops->ready(s, NULL), 0);
	return s;
}

static struct wm_store *
pg_fresh(struct backend *b)
{
	const struct wm_driver *d = wm_driver_find("postgres");
	struct wm_store_config cfg = {.settings = &b->set};
	const char *ci = settings_get(&b->set, "conninfo");
	PGconn *c = PQconnectdb(ci);
	PGresult *r;
	bool created = false;
	char err[512] = "";

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "SET client_min_messages = warning;"
	              "DROP TABLE IF EXISTS sigil_watermarks, sigil_signed, sigil_schema;"
	              "DROP FUNCTION IF EXISTS sigil_wm_advance(bytea)");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
	/* sigild never creates a schema: only init does. */
	struct wm_store *s = NULL;
	assert_int_equal(d->open(&cfg, &s, err, sizeof(err)), SIGIL_E_NOT_FOUND);
	assert_non_null(strstr(err, "sigil watermark init"));
	if (d->init(&cfg, &created, err, sizeof(err)) != 0)
		fail_msg("postgres init: %s", err);
	assert_true(created);
	assert_int_equal(d->init(&cfg, &created, err, sizeof(err)), 0);
	assert_false(created);
	return pg_open_ok(b);
}

static struct wm_store *
pg_reopen(struct backend *b, struct wm_store *s)
{
	s->ops->close(s);
	return pg_open_ok(b);
}

static void
pg_done(struct backend *b, struct wm_store *s)
{
	(void)b;
	s->ops->close(s);
}

static struct backend backends[] = {
	{.name = "file", .fresh = file_fresh, .reopen = file_reopen, .done = file_done},
	{.name = "postgres", .fresh = pg_fresh, .reopen = pg_reopen, .done = pg_done},
};

static int
setup_file(void **state)
{
	*state = &backends[0];
	return 0;
}

static int
setup_pg(void **state)
{
	const char *ci = getenv("SIGIL_TEST_PG_CONNINFO");

	*state = NULL;
	if (ci == NULL || ci[0] == '\0')
		return 0; /* each test skips: no server */
	if (backends[1].set.n == 0 &&
	    (settings_set(&backends[1].set, "conninfo", ci) != 0 ||
	     settings_set(&backends[1].set, "connections", "3") != 0))
		return -1;
	*state = &backends[1];
	return 0;
}

/* The test's store, made empty; the test is skipped when its back end
 * has no server to run on. */
static struct wm_store *
begin(void **state, struct backend **b)
{
	*b = *state;
	if (*b == NULL)
		skip();
	return (*b)->fresh(*b);
}

/* ---- the suite ---- */

static int
counting_sign(void *arg, struct wm_mark *m)
{
	int *c = arg;
	(*c)++;
	if (*c < 0)
		return SIGIL_E_IO;
	memset(m->sig, 0x40 + *c, 64);
	m->sig_len = 64;
	return 0;
}

static int
adv_sign(struct wm_store *s, unsigned n, int32_t level, uint8_t d, int *calls,
         struct wm_mark *out)
{
	struct wm_id id = mkid(n, WM_BLOCK);
	struct wm_mark m = mkmark(level, 0, d);
	struct wm_signer signer = {.sign = counting_sign, .arg = calls};
	return s->ops->check_advance_sign(s, &id, &m, out, &signer, NULL);
}

static void
test_sequences(void **state)
{
	struct backend *b;
	struct wm_store *s = begin(state, &b);
	struct wm_mark prev;
	int rc;

	for (int k = 0; k < WM_KINDS; k++) {
		/* Each kind starts fresh although the others are far above. */
		assert_int_equal(adv(s, 1, k, 5, 0, 0xa1, NULL), WM_ADVANCED);
		assert_int_equal(adv(s, 1, k, 5, 1, 0xa2, NULL), WM_ADVANCED);
		assert_int_equal(adv(s, 1, k, 6, 0, 0xa3, NULL), WM_ADVANCED);
		assert_int_equal(adv(s, 1, k, 6, 0, 0xa3, &prev), WM_IDENTICAL);
		assert_int_equal(prev.level, 6);
		assert_int_equal(prev.sig_len, 0);
		/* equal with different bytes, lower level, lower round */
		assert_int_equal(adv(s, 1, k, 6, 0, 0xa4, NULL), SIGIL_E_WATERMARK);
		assert_int_equal(adv(s, 1, k, 5, 9, 0xa5, NULL), SIGIL_E_WATERMARK);
		assert_int_equal(adv(s, 1, k, 7, 3, 0xa6, NULL), WM_ADVANCED);
		assert_int_equal(adv(s, 1, k, 7, 2, 0xa7, &prev), SIGIL_E_WATERMARK);
		assert_int_equal(prev.level, 7); /* the refusal says what stands */
		assert_int_equal(prev.round, 3);
		struct wm_mark g = getm(s, 1, k, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(g.level, 7);
		assert_int_equal(g.round, 3);
		assert_true(g.has_digest);
		assert_memory_equal(g.digest, mkmark(7, 3, 0xa6).digest, 32);
	}
	/* A mark without a digest (imported) cannot prove identity. */
	struct wm_id id = mkid(2, WM_BLOCK);
	struct wm_mark m = mkmark(10, 0, 0);
	m.has_digest = false;
	assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
	struct wm_mark same = m;
	same.has_digest = true;
	memset(same.digest, 0, sizeof(same.digest));
	assert_int_equal(s->ops->check_advance(s, &id, &same, &prev, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(adv(s, 2, WM_BLOCK, 10, 1, 0, NULL), WM_ADVANCED);
	/* Unknown ids and bad arguments. */
	getm(s, 99, WM_BLOCK, &rc);
	assert_int_equal(rc, SIGIL_E_NOT_FOUND);
	assert_int_equal(adv(s, 3, (enum wm_kind)3, 1, 0, 1, NULL), SIGIL_E_INVALID);
	/* Marks survive a restart. */
	s = b->reopen(b, s);
	assert_int_equal(getm(s, 1, WM_ATTESTATION, &rc).level, 7);
	assert_int_equal(adv(s, 1, WM_ATTESTATION, 7, 3, 0xa6, NULL), WM_IDENTICAL);
	assert_int_equal(adv(s, 1, WM_ATTESTATION, 7, 3, 0xa8, NULL), SIGIL_E_WATERMARK);
	b->done(b, s);
}

static void
test_set_each(void **state)
{
	struct backend *b;
	struct wm_store *s = begin(state, &b);
	int n = 0, rc;

	assert_int_equal(adv(s, 1, WM_BLOCK, 40, 0, 1, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_ATTESTATION, 41, 2, 1, NULL), WM_ADVANCED);
	/* set is unconditional: it may lower (the CLI guards it). */
	struct wm_id id = mkid(1, WM_BLOCK);
	struct wm_mark m = mkmark(30, 1, 7);
	memset(m.sig, 0x33, 64);
	m.sig_len = 64;
	assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
	struct wm_mark g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 30);
	assert_int_equal(g.round, 1);
	assert_int_equal(g.sig_len, 64);
	assert_int_equal(g.sig[63], 0x33);
	assert_int_equal(s->ops->each(s, count_cb, &n, NULL), 0);
	assert_int_equal(n, 2);
	b->done(b, s);
}

/* raise: set only above the stored mark, never lowers. */
static void
test_raise(void **state)
{
	struct backend *b;
	struct wm_store *s = begin(state, &b);
	struct wm_id id = mkid(9, WM_ATTESTATION);
	struct wm_mark m;
	bool raised;
	int rc;

	m = mkmark(50, 1, 0x90);
	assert_int_equal(s->ops->raise(s, &id, &m, &raised, NULL), 0); /* none stored */
	assert_true(raised);
	m = mkmark(50, 0, 0x91); /* lower round */
	assert_int_equal(s->ops->raise(s, &id, &m, &raised, NULL), 0);
	assert_false(raised);
	m = mkmark(50, 1, 0x92); /* equal: the stored mark (and digest) stays */
	assert_int_equal(s->ops->raise(s, &id, &m, &raised, NULL), 0);
	assert_false(raised);
	assert_int_equal(getm(s, 9, WM_ATTESTATION, &rc).digest[0], 0x90);
	m = mkmark(51, 0, 0x93);
	assert_int_equal(s->ops->raise(s, &id, &m, &raised, NULL), 0);
	assert_true(raised);
	s = b->reopen(b, s);
	struct wm_mark g = getm(s, 9, WM_ATTESTATION, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 51);
	assert_int_equal(g.round, 0);
	/* A raise below what was signed since changes nothing. */
	assert_int_equal(adv(s, 9, WM_ATTESTATION, 60, 0, 1, NULL), WM_ADVANCED);
	m = mkmark(55, 0, 0x94);
	assert_int_equal(s->ops->raise(s, &id, &m, &raised, NULL), 0);
	assert_false(raised);
	assert_int_equal(getm(s, 9, WM_ATTESTATION, &rc).level, 60);
	b->done(b, s);
}

static void
test_advance_sign(void **state)
{
	struct backend *b;
	struct wm_store *s = begin(state, &b);
	struct wm_mark out;
	int calls = 0;

	assert_int_equal(adv_sign(s, 1, 10, 0x01, &calls, &out), WM_ADVANCED);
	assert_int_equal(out.sig_len, 64);
	assert_int_equal(out.sig[0], 0x41);
	assert_int_equal(adv_sign(s, 1, 11, 0x02, &calls, &out), WM_ADVANCED);
	assert_int_equal(calls, 2);
	/* Identical: the stored signature, no signer call. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(adv_sign(s, 1, 11, 0x02, &calls, &out), WM_IDENTICAL);
		assert_int_equal(out.sig_len, 64);
		assert_int_equal(out.sig[0], 0x42);
	}
	assert_int_equal(calls, 2);
	/* Lower, or equal with other bytes: refused, unsigned. */
	assert_int_equal(adv_sign(s, 1, 10, 0x03, &calls, &out), SIGIL_E_WATERMARK);
	assert_int_equal(adv_sign(s, 1, 11, 0x03, &calls, &out), SIGIL_E_WATERMARK);
	assert_int_equal(calls, 2);
	/* The signature survives a restart. */
	s = b->reopen(b, s);
	assert_int_equal(adv_sign(s, 1, 11, 0x02, &calls, &out), WM_IDENTICAL);
	assert_int_equal(out.sig[0], 0x42);
	/* A failing signer: nothing stored. A retry either signs (nothing
	 * was released) or, with no signature stored, is WM_IDENTICAL with
	 * none; never a second signature. */
	calls = -100;
	assert_int_equal(adv_sign(s, 1, 12, 0x04, &calls, &out), SIGIL_E_IO);
	calls = 0;
	int rc = adv_sign(s, 1, 12, 0x04, &calls, &out);
	assert_true(rc == WM_ADVANCED || (rc == WM_IDENTICAL && out.sig_len == 0));
	/* A mark from check_advance has no signature: WM_IDENTICAL with none,
	 * the signer not called. */
	assert_int_equal(adv(s, 2, WM_BLOCK, 7, 0, 0x06, NULL), WM_ADVANCED);
	calls = 0;
	assert_int_equal(adv_sign(s, 2, 7, 0x06, &calls, &out), WM_IDENTICAL);
	assert_int_equal(out.sig_len, 0);
	assert_int_equal(calls, 0);
	b->done(b, s);
}

/* Runs fn(arg + i * size) on n threads started together (a barrier),
 * and joins them. */
static void
run_threads(unsigned n, void *(*fn)(void *), void *arg, size_t size, pthread_barrier_t *bar)
{
	pthread_t th[64];

	assert_true(n <= 64);
	pthread_barrier_init(bar, NULL, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(pthread_create(&th[i], NULL, fn, (char *)arg + i * size), 0);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(bar);
}

struct race {
	struct wm_store *s;
	pthread_barrier_t *bar;
	unsigned idx;
	int advanced, other;
};

/* 48 threads ask for one level with different bytes: exactly one
 * advances, on a new id and on an existing one. */
static void
test_race_one_key(void **state)
{
	struct backend *b;
	struct wm_store *s = begin(state, &b);

	for (int32_t level = 100; level < 103; level++)
		race_one_key(s, level, 48);
	b->done(b, s);
}

/* Each thread walks 40 ids up 5 levels, in its own order. */
static void *
race_many(void *arg)
{
	struct race *m = arg;
	pthread_barrier_wait(m->bar);
	for (int32_t lv = 1; lv <= 5; lv++)
		for (unsigned k = 0; k < 40; k++) {
			unsigned n = (k * 7 + m->idx * 13) % 40;
			int rc = adv(m->s, n, (enum wm_kind)(n % WM_KINDS), lv, 0, (uint8_t)m->idx, NULL);
			if (rc == WM_ADVANCED)
				m->advanced++;
			else if (rc != SIGIL_E_WATERMARK)
				m->other++;
		}
	return NULL;
}

/* Many ids at once, locked in different orders: no deadlock, every
 * (id, level) advanced exactly once. */
static void
test_race_many_keys(void **state)
{
	enum { N = 8 };
	struct backend *b;
	struct wm_store *s = begin(state, &b);
	struct race m[N];
	pthread_barrier_t bar;
	int advanced = 0;

	for (unsigned i = 0; i < N; i++)
		m[i] = (struct race){.s = s, .bar = &bar, .idx = i};
	run_threads(N, race_many, m, sizeof(m[0]), &bar);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(m[i].other, 0);
		advanced += m[i].advanced;
	}
	assert_int_equal(advanced, 40 * 5);
	b->done(b, s);
}

/* check_advance_async as the pipeline uses it: an answer now, or
 * WM_PENDING and a report through done, or WM_WOULD_BLOCK and then
 * check_advance. Returns the outcome and fills *prev for identical. */
struct async_wait {
	struct wm_async a;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int rc;
};

static void
async_done(struct wm_async *a, int rc)
{
	struct async_wait *w = (struct async_wait *)a;
	pthread_mutex_lock(&w->mu);
	w->rc = rc;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int
adv_async(struct wm_store *s, unsigned n, int32_t level, uint8_t d, struct wm_mark *prev)
{
	struct wm_id id = mkid(n, WM_ATTESTATION);
	struct wm_mark m = mkmark(level, 0, d);
	struct async_wait w;
	int rc;

	if (s->ops->check_advance_async == NULL)
		return s->ops->check_advance(s, &id, &m, prev, NULL);
	memset(&w, 0, sizeof(w));
	w.a.done = async_done;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	rc = s->ops->check_advance_async(s, &id, &m, prev, &w.a);
	if (rc == WM_WOULD_BLOCK)
		rc = s->ops->check_advance(s, &id, &m, prev, NULL);
	if (rc == WM_PENDING) {
		pthread_mutex_lock(&w.mu);
		while (!w.done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		rc = w.rc == 0 ? WM_ADVANCED : w.rc;
		if (rc == WM_IDENTICAL)
			*prev = w.a.mark;
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return rc;
}

static void
test_async(void **state)
{
	struct backend *b;
	struct wm_store *s = begin(state, &b);
	struct wm_mark prev;
	int rc;

	assert_int_equal(adv_async(s, 4, 20, 0x01, &prev), WM_ADVANCED);
	assert_int_equal(adv_async(s, 4, 21, 0x02, &prev), WM_ADVANCED);
	memset(&prev, 0, sizeof(prev));
	assert_int_equal(adv_async(s, 4, 21, 0x02, &prev), WM_IDENTICAL);
	assert_int_equal(prev.level, 21);
	assert_int_equal(adv_async(s, 4, 21, 0x03, &prev), SIGIL_E_WATERMARK);
	assert_int_equal(adv_async(s, 4, 20, 0x04, &prev), SIGIL_E_WATERMARK);
	/* What the async path advanced, the blocking one sees. */
	assert_int_equal(getm(s, 4, WM_ATTESTATION, &rc).level, 21);
	assert_int_equal(adv(s, 4, WM_ATTESTATION, 21, 0, 0x02, &prev), WM_IDENTICAL);
	assert_int_equal(adv(s, 4, WM_ATTESTATION, 22, 0, 0x05, NULL), WM_ADVANCED);
	assert_int_equal(adv_async(s, 4, 22, 0x06, &prev), SIGIL_E_WATERMARK);
	b->done(b, s);
}

#define SUITE(setup)                                                                      \
	{                                                                                 \
		cmocka_unit_test_setup(test_sequences, setup),                            \
		cmocka_unit_test_setup(test_set_each, setup),                             \
		cmocka_unit_test_setup(test_raise, setup),                                \
		cmocka_unit_test_setup(test_advance_sign, setup),                         \
		cmocka_unit_test_setup(test_race_one_key, setup),                         \
		cmocka_unit_test_setup(test_race_many_keys, setup),                       \
		cmocka_unit_test_setup(test_async, setup),                                \
	}

int
main(void)
{
	const struct CMUnitTest file_tests[] = SUITE(setup_file);
	const struct CMUnitTest pg_tests[] = SUITE(setup_pg);
	int rc;

	log_set_level(LOG_ERROR);
	rc = cmocka_run_group_tests_name("file store", file_tests, NULL, NULL);
	rc += cmocka_run_group_tests_name("postgres store", pg_tests, NULL, NULL);
	settings_free(&backends[1].set);
	return rc;
}
