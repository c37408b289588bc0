/* The file store's check_advance_async (watermark/file/ops.c, async.c): answers on
 * the caller's thread, never a wait; an advance is reported by the syncer
 * only after an fdatasync; a busy or new id is left to check_advance; a
 * failed sync fails the request and the id; close reports what is queued. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "base/errors.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"
#include "watermark/import.h"
#include "watermark/watermark.h"
#include "wm_testlib.h"
#include "../unit_util.h"

/* One async request and what its done saw. */
struct req {
	struct wm_async a; /* first: done gets &a */
	struct wm_store *s;
	sem_t reported;
	sem_t *hold;       /* done waits on it first, when set */
	_Atomic int calls;
	int rc;
	pthread_t thread;
	uint64_t syncs;    /* the store's fdatasync count when done ran */
};

static void
req_done(struct wm_async *a, int rc)
{
	struct req *r = (struct req *)a;
	if (r->hold)
		sem_wait(r->hold);
	r->rc = rc;
	r->thread = pthread_self();
	r->syncs = wm_file_sync_count(r->s);
	atomic_fetch_add(&r->calls, 1);
	sem_post(&r->reported);
}

static void
req_init(struct req *r, struct wm_store *s)
{
	memset(r, 0, sizeof(*r));
	r->a.done = req_done;
	r->s = s;
	sem_init(&r->reported, 0, 0);
}

static int
async_adv(struct wm_store *s, struct req *r, unsigned n, enum wm_kind k, int32_t level,
          int32_t round, uint8_t d, struct wm_mark *prev)
{
	struct wm_id id = mkid(n, k);
	struct wm_mark m = mkmark(level, round, d);
	struct wm_mark tmp;
	return s->ops->check_advance_async(s, &id, &m, prev ? prev : &tmp, &r->a);
}

/* Waits for r's report, up to five seconds. */
static void
wait_reported(struct req *r)
{
	sem_wait_5s(&r->reported);
	assert_int_equal(atomic_load(&r->calls), 1);
}

static void
test_advance_reported_after_sync(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	struct wm_mark prev;
	struct req r;
	int rc;

	/* A new id is appended by check_advance alone (rule 5). */
	req_init(&r, s);
	assert_int_equal(async_adv(s, &r, 1, WM_ATTESTATION, 5, 0, 0xa1, NULL), WM_WOULD_BLOCK);
	getm(s, 1, WM_ATTESTATION, &rc);
	assert_int_equal(rc, SIGIL_E_NOT_FOUND);
	assert_int_equal(adv(s, 1, WM_ATTESTATION, 5, 0, 0xa1, NULL), WM_ADVANCED);

	for (int32_t level = 6; level < 26; level++) {
		uint64_t before = wm_file_sync_count(s);
		req_init(&r, s);
		assert_int_equal(async_adv(s, &r, 1, WM_ATTESTATION, level, 0, 0xa1, NULL),
		                 WM_PENDING);
		wait_reported(&r);
		assert_int_equal(r.rc, 0);
		/* Reported by the store's own thread, after a sync of its own. */
		assert_false(pthread_equal(r.thread, pthread_self()));
		assert_true(r.syncs > before);
		struct wm_mark g = getm(s, 1, WM_ATTESTATION, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(g.level, level);
		sem_destroy(&r.reported);
	}
	/* Refusals and identical requests answer at once, nothing queued. */
	req_init(&r, s);
	assert_int_equal(async_adv(s, &r, 1, WM_ATTESTATION, 25, 0, 0xa1, &prev), WM_IDENTICAL);
	assert_int_equal(prev.level, 25);
	assert_int_equal(async_adv(s, &r, 1, WM_ATTESTATION, 25, 0, 0xa2, &prev),
	                 SIGIL_E_WATERMARK);
	assert_int_equal(prev.level, 25);
	assert_int_equal(async_adv(s, &r, 1, WM_ATTESTATION, 24, 7, 0xa3, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(atomic_load(&r.calls), 0);
	/* The record takes a signature for the mark the syncer stored, and
	 * the marks survive a reopen. */
	assert_int_equal(sign(s, 1, WM_ATTESTATION, 25, 0, 0xa1, 0x5a), 0);
	s->ops->close(s);
	s = open_ok(d);
	struct wm_mark g = getm(s, 1, WM_ATTESTATION, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 25);
	assert_int_equal(g.sig_len, 64);
	s->ops->close(s);
	assert_int_equal(atomic_load(&r.calls), 0);
	sem_destroy(&r.reported);
	rmstore(d);
}

struct blocking_adv {
	struct wm_store *s;
	int rc;
	_Atomic bool returned;
};

static void *
blocking_adv_main(void *arg)
{
	struct blocking_adv *b = arg;
	b->rc = adv(b->s, 2, WM_BLOCK, 9, 0, 0xb3, NULL);
	atomic_store(&b->returned, true);
	return NULL;
}

/* An id stays busy from the write to its report: another async request for
 * it would block, and check_advance waits for the report and then compares
 * against the mark it stored. */
static void
test_pending_id_is_busy(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	struct req stall, r, again;
	struct blocking_adv b = {.s = s};
	sem_t hold;
	pthread_t t;

	assert_int_equal(adv(s, 1, WM_BLOCK, 1, 0, 0xb0, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_BLOCK, 1, 0, 0xb0, NULL), WM_ADVANCED);
	/* Keep the syncer inside the first report, so that the second
	 * request stays queued. */
	sem_init(&hold, 0, 0);
	req_init(&stall, s);
	stall.hold = &hold;
	assert_int_equal(async_adv(s, &stall, 1, WM_BLOCK, 2, 0, 0xb1, NULL), WM_PENDING);
	struct timespec nap = {0, 50 * 1000 * 1000};
	nanosleep(&nap, NULL);
	req_init(&r, s);
	assert_int_equal(async_adv(s, &r, 2, WM_BLOCK, 8, 0, 0xb2, NULL), WM_PENDING);
	req_init(&again, s);
	assert_int_equal(async_adv(s, &again, 2, WM_BLOCK, 9, 0, 0xb3, NULL), WM_WOULD_BLOCK);
	assert_int_equal(pthread_create(&t, NULL, blocking_adv_main, &b), 0);
	nanosleep(&nap, NULL);
	assert_false(atomic_load(&b.returned));
	/* The other id is not held up. */
	assert_int_equal(adv(s, 1, WM_PREATTESTATION, 1, 0, 0xc0, NULL), WM_ADVANCED);
	sem_post(&hold);
	wait_reported(&stall);
	wait_reported(&r);
	assert_int_equal(stall.rc, 0);
	assert_int_equal(r.rc, 0);
	pthread_join(t, NULL);
	assert_int_equal(b.rc, WM_ADVANCED); /* 9 is above the 8 reported */
	assert_int_equal(adv(s, 2, WM_BLOCK, 8, 0, 0xb2, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(atomic_load(&again.calls), 0);
	s->ops->close(s);
	sem_destroy(&hold);
	sem_destroy(&stall.reported);
	sem_destroy(&r.reported);
	sem_destroy(&again.reported);
	rmstore(d);
}

/* Rule 4 for async requests: a failed fdatasync fails the queued request,
 * its id refuses from then on, and so does the whole store. */
static void
test_failed_sync_fails_request(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	struct req r;
	int rc;

	assert_int_equal(adv(s, 3, WM_ATTESTATION, 1, 0, 0xd0, NULL), WM_ADVANCED);
	wm_file_fail_next_syncs(s, 1);
	req_init(&r, s);
	assert_int_equal(async_adv(s, &r, 3, WM_ATTESTATION, 2, 0, 0xd1, NULL), WM_PENDING);
	wait_reported(&r);
	assert_int_equal(r.rc, SIGIL_E_IO);
	struct wm_mark g = getm(s, 3, WM_ATTESTATION, &rc);
	assert_int_equal(rc, SIGIL_E_IO);
	(void)g;
	assert_int_equal(s->ops->ready(s, NULL), SIGIL_E_IO);
	struct req r2;
	req_init(&r2, s);
	assert_int_equal(async_adv(s, &r2, 3, WM_ATTESTATION, 3, 0, 0xd2, NULL), SIGIL_E_IO);
	assert_int_equal(atomic_load(&r2.calls), 0);
	s->ops->close(s);
	/* Nothing unsynced was claimed: the mark on disk is the first one. */
	s = open_ok(d);
	g = getm(s, 3, WM_ATTESTATION, &rc);
	assert_int_equal(rc, 0);
	assert_true(g.level <= 2);
	s->ops->close(s);
	sem_destroy(&r.reported);
	sem_destroy(&r2.reported);
	rmstore(d);
}

#define MANY 64

/* Many ids at once, from the caller's thread: every one is reported once,
 * and they share syncs. Close right after reports whatever is queued. */
static void
test_many_share_syncs_and_close_reports(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	static struct req r[MANY];
	int rc;

	for (unsigned i = 0; i < MANY; i++)
		assert_int_equal(adv(s, 100 + i, WM_ATTESTATION, 1, 0, 0xe0, NULL), WM_ADVANCED);
	uint64_t before = wm_file_sync_count(s);
	for (unsigned i = 0; i < MANY; i++) {
		req_init(&r[i], s);
		assert_int_equal(async_adv(s, &r[i], 100 + i, WM_ATTESTATION, 2, 0, 0xe1, NULL),
		                 WM_PENDING);
	}
	s->ops->close(s); /* returns once every request is reported */
	for (unsigned i = 0; i < MANY; i++) {
		assert_int_equal(atomic_load(&r[i].calls), 1);
		assert_int_equal(r[i].rc, 0);
		assert_true(r[i].syncs > before);
		sem_destroy(&r[i].reported);
	}
	fprintf(stderr, "%d async advances, %llu fdatasyncs\n", MANY,
	        (unsigned long long)(r[MANY - 1].syncs - before));
	assert_true(r[MANY - 1].syncs - before < MANY);
	s = open_ok(d);
	for (unsigned i = 0; i < MANY; i++) {
		struct wm_mark g = getm(s, 100 + i, WM_ATTESTATION, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(g.level, 2);
	}
	s->ops->close(s);
	rmstore(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advance_reported_after_sync),
		cmocka_unit_test(test_pending_id_is_busy),
		cmocka_unit_test(test_failed_sync_fails_request),
		cmocka_unit_test(test_many_share_syncs_and_close_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
