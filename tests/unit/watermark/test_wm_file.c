/* The file watermark store: sequences, restart, lock, corruption, fdatasync
 * failure, races and group commit. The crash and sync-count rules of the
 * write protocol are in test_wm_durability.c; helpers in wm_testlib.h.
 * What every store promises (raise among it) is test_wm_stores.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"
#include "watermark/import.h"
#include "watermark/watermark.h"
#include "wm_testlib.h"

static void
test_sequences(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
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
		assert_int_equal(sign(s, 1, k, 6, 0, 0xa3, 0x5a), 0);
		assert_int_equal(adv(s, 1, k, 6, 0, 0xa3, &prev), WM_IDENTICAL);
		assert_int_equal(prev.sig_len, 64);
		assert_int_equal(prev.sig[0], 0x5a);
		assert_int_equal(prev.sig[63], 0x5a);
		/* equal with different bytes, lower level, lower round */
		assert_int_equal(adv(s, 1, k, 6, 0, 0xa4, NULL), SIGIL_E_WATERMARK);
		assert_int_equal(adv(s, 1, k, 5, 9, 0xa5, NULL), SIGIL_E_WATERMARK);
		assert_int_equal(adv(s, 1, k, 7, 3, 0xa6, NULL), WM_ADVANCED);
		assert_int_equal(adv(s, 1, k, 7, 2, 0xa7, &prev), SIGIL_E_WATERMARK);
		assert_int_equal(prev.level, 7); /* the refusal says what stands */
		assert_int_equal(prev.round, 3);
		/* a signature for a superseded mark is not recorded */
		assert_int_equal(sign(s, 1, k, 6, 0, 0xa3, 0x66), SIGIL_E_WATERMARK);
		struct wm_mark g = getm(s, 1, k, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(g.level, 7);
		assert_int_equal(g.round, 3);
		assert_int_equal(g.sig_len, 0);
	}
	/* A mark without a digest (imported) cannot prove identity. */
	struct wm_id id = mkid(2, WM_BLOCK);
	struct wm_mark m = mkmark(10, 0, 0);
	m.has_digest = false;
	assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
	struct wm_mark same = m; /* even bytes equal to what is stored */
	same.has_digest = true;
	memset(same.digest, 0, sizeof(same.digest));
	assert_int_equal(s->ops->check_advance(s, &id, &same, &prev, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(adv(s, 2, WM_BLOCK, 10, 0, 0, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(adv(s, 2, WM_BLOCK, 10, 1, 0, NULL), WM_ADVANCED);

	/* Unknown ids and bad arguments. */
	getm(s, 99, WM_BLOCK, &rc);
	assert_int_equal(rc, SIGIL_E_NOT_FOUND);
	assert_int_equal(sign(s, 99, WM_BLOCK, 1, 0, 1, 1), SIGIL_E_NOT_FOUND);
	assert_int_equal(adv(s, 3, (enum wm_kind)3, 1, 0, 1, NULL), SIGIL_E_INVALID);
	s->ops->close(s);
	rmstore(d);
}

static void
test_restart_and_lock(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d), *s2 = NULL;
	struct wm_mark prev;
	int rc;

	assert_int_equal(adv(s, 1, WM_BLOCK, 100, 2, 0x11, NULL), WM_ADVANCED);
	assert_int_equal(sign(s, 1, WM_BLOCK, 100, 2, 0x11, 0x77), 0);
	assert_int_equal(adv(s, 1, WM_ATTESTATION, 100, 0, 0x12, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_PREATTESTATION, 50, 1, 0x13, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_PREATTESTATION, 51, 0, 0x14, NULL), WM_ADVANCED);
	assert_int_equal(sign(s, 2, WM_PREATTESTATION, 51, 0, 0x14, 0x78), 0);

	/* Locked against a second open here and from another process. */
	assert_int_equal(wm_file_open(d, &s2), SIGIL_E_LOCKED);
	assert_null(s2);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct wm_store *c = NULL;
		_exit(wm_file_open(d, &c) == SIGIL_E_LOCKED && c == NULL ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	s->ops->close(s);

	struct stat st;
	assert_int_equal(stat(dbpath(d), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 3 * REC);
	assert_int_equal(stat(d, &st), 0);

	s = open_ok(d);
	struct wm_mark g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 100);
	assert_int_equal(g.round, 2);
	assert_int_equal(g.sig_len, 64);
	assert_int_equal(g.sig[0], 0x77);
	assert_int_equal(adv(s, 1, WM_BLOCK, 100, 2, 0x11, &prev), WM_IDENTICAL);
	assert_int_equal(prev.sig[10], 0x77);
	assert_int_equal(adv(s, 1, WM_BLOCK, 100, 2, 0x19, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(adv(s, 1, WM_BLOCK, 100, 1, 0x19, NULL), SIGIL_E_WATERMARK);
	g = getm(s, 2, WM_PREATTESTATION, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 51);
	assert_int_equal(g.sig[0], 0x78);
	g = getm(s, 1, WM_ATTESTATION, &rc);
	assert_int_equal(g.level, 100);
	assert_int_equal(g.sig_len, 0);
	int n = 0;
	assert_int_equal(s->ops->each(s, count_cb, &n, NULL), 0);
	assert_int_equal(n, 3);
	s->ops->close(s);
	rmstore(d);
}

/* Builds a store with id 1 advanced twice (newest in slot B of record 0)
 * and id 2 once (record 1). */
static char *
two_records(void)
{
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x21, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x22, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_BLOCK, 9, 0, 0x23, NULL), WM_ADVANCED);
	s->ops->close(s);
	return d;
}

static void
test_one_slot_damaged(void **state)
{
	(void)state;
	int rc;

	/* The older slot damaged: nothing is lost. */
	char *d = two_records();
	poke(dbpath(d), 0 * REC + 0 * SLOT + 50, 0x01);
	struct wm_store *s = open_ok(d);
	struct wm_mark g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 6);
	/* The next write goes to the damaged slot and heals it. */
	assert_int_equal(adv(s, 1, WM_BLOCK, 7, 0, 0x24, NULL), WM_ADVANCED);
	s->ops->close(s);
	s = open_ok(d);
	g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(g.level, 7);
	s->ops->close(s);
	rmstore(d);

	/* The newest slot damaged: by the write protocol (file.c) only a
	 * write never acknowledged can be torn, so the older slot is taken,
	 * with an error logged. A torn write is exactly this picture. */
	d = two_records();
	poke(dbpath(d), 0 * REC + 1 * SLOT + 37, 0x80);
	s = open_ok(d);
	g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 5);
	g = getm(s, 2, WM_BLOCK, &rc);
	assert_int_equal(g.level, 9);
	s->ops->close(s);
	rmstore(d);
}

static void
test_both_slots_damaged(void **state)
{
	(void)state;
	int rc;
	char *d = two_records();

	poke(dbpath(d), 1 * REC + 0 * SLOT + 40, 0x04);
	poke(dbpath(d), 1 * REC + 1 * SLOT + 44, 0x04);
	struct wm_store *s = open_ok(d);
	/* That id is refused, never reset to zero; the other still works. */
	getm(s, 2, WM_BLOCK, &rc);
	assert_int_equal(rc, SIGIL_E_CORRUPT);
	assert_int_equal(adv(s, 2, WM_BLOCK, 1000, 0, 0x31, NULL), SIGIL_E_CORRUPT);
	assert_int_equal(sign(s, 2, WM_BLOCK, 9, 0, 0x23, 1), SIGIL_E_CORRUPT);
	assert_int_equal(adv(s, 1, WM_BLOCK, 7, 0, 0x32, NULL), WM_ADVANCED);
	int n = 0;
	assert_int_equal(s->ops->each(s, count_cb, &n, NULL), SIGIL_E_CORRUPT);
	assert_int_equal(n, 1);
	s->ops->close(s);

	/* Still refused after a restart; an explicit set repairs it. */
	s = open_ok(d);
	assert_int_equal(adv(s, 2, WM_BLOCK, 1000, 0, 0x31, NULL), SIGIL_E_CORRUPT);
	struct wm_id id = mkid(2, WM_BLOCK);
	struct wm_mark m = mkmark(20, 0, 0x33);
	assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
	assert_int_equal(adv(s, 2, WM_BLOCK, 20, 0, 0x34, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(adv(s, 2, WM_BLOCK, 21, 0, 0x34, NULL), WM_ADVANCED);
	s->ops->close(s);
	s = open_ok(d);
	struct wm_mark g = getm(s, 2, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, 21);
	s->ops->close(s);
	rmstore(d);
}

static void
expect_open_fails(const char *d, int want)
{
	struct wm_store *s = NULL;
	assert_int_equal(wm_file_open(d, &s), want);
	assert_null(s);
}

static void
test_store_damaged(void **state)
{
	(void)state;
	uint8_t slot[SLOT];
	int fd;

	/* A length that is not a whole number of records. */
	char *d = two_records();
	assert_int_equal(truncate(dbpath(d), 2 * REC - 1), 0);
	expect_open_fails(d, SIGIL_E_CORRUPT);
	assert_int_equal(truncate(dbpath(d), REC + 100), 0);
	expect_open_fails(d, SIGIL_E_CORRUPT);
	rmstore(d);

	/* Both slots damaged where the key itself is: whose mark was it? */
	d = two_records();
	poke(dbpath(d), 1 * REC + 0 * SLOT + 0, 0xff);
	poke(dbpath(d), 1 * REC + 1 * SLOT + 0, 0xff);
	expect_open_fails(d, SIGIL_E_CORRUPT);
	rmstore(d);

	/* A slot with a good checksum but a format version we do not know. */
	d = two_records();
	fd = open(dbpath(d), O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, slot, SLOT, 0), SLOT);
	slot[4] = 2;
	crypto_generichash(slot + 240, 16, slot, 240, NULL, 0);
	assert_int_equal(pwrite(fd, slot, SLOT, 0), SLOT);
	close(fd);
	expect_open_fails(d, SIGIL_E_CORRUPT);
	rmstore(d);

	/* A blank record before a written one. */
	d = two_records();
	uint8_t zero[REC] = {0};
	fd = open(dbpath(d), O_RDWR);
	assert_int_equal(pwrite(fd, zero, REC, 0), REC);
	close(fd);
	expect_open_fails(d, SIGIL_E_CORRUPT);
	rmstore(d);

	/* A blank record at the end (an append a crash cut short) is reused. */
	d = two_records();
	fd = open(dbpath(d), O_RDWR);
	assert_int_equal(pwrite(fd, zero, REC, 2 * REC), REC);
	close(fd);
	struct wm_store *s = open_ok(d);
	assert_int_equal(adv(s, 3, WM_BLOCK, 1, 0, 0x41, NULL), WM_ADVANCED);
	s->ops->close(s);
	struct stat st;
	assert_int_equal(stat(dbpath(d), &st), 0);
	assert_int_equal(st.st_size, 3 * REC);
	s = open_ok(d);
	int rc;
	assert_int_equal(getm(s, 3, WM_BLOCK, &rc).level, 1);
	assert_int_equal(getm(s, 2, WM_BLOCK, &rc).level, 9);
	s->ops->close(s);
	rmstore(d);
}

static char *
lockpath(const char *d)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/lock", d);
	return p;
}

/* A lock file says the store has been in use (open makes watermarks.db
 * durable before it creates the lock), so watermarks.db gone beside it is
 * lost marks: never a silent restart from none. A brand-new directory, or
 * one whose lock an operator removed on purpose, starts empty. */
static void
test_db_missing(void **state)
{
	(void)state;
	struct stat st;
	int rc;

	/* No store, nested in directories that do not exist yet: open
	 * refuses and makes nothing (a wrong path must not become an empty
	 * store); init makes it, and a second init leaves it as it is. */
	char *top = mkstore(), d[128];
	bool created;
	snprintf(d, sizeof(d), "%s/a/b", top);
	expect_open_fails(d, SIGIL_E_NOT_FOUND);
	assert_int_equal(stat(d, &st), -1);
	snprintf(d, sizeof(d), "%s/a", top);
	assert_int_equal(mkdir(d, 0700), 0);
	expect_open_fails(d, SIGIL_E_NOT_FOUND); /* an empty directory is no store */
	assert_int_equal(stat(dbpath(d), &st), -1);
	assert_int_equal(stat(lockpath(d), &st), -1);
	assert_int_equal(rmdir(d), 0);
	snprintf(d, sizeof(d), "%s/a/b", top);
	assert_int_equal(wm_file_init(d, &created), 0);
	assert_true(created);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	struct wm_store *s = open_ok(d);
	assert_int_equal(stat(dbpath(d), &st), 0);
	assert_int_equal(stat(lockpath(d), &st), 0);
	assert_int_equal(adv(s, 1, WM_BLOCK, 40, 0, 0x71, NULL), WM_ADVANCED);
	s->ops->close(s);

	/* A second init keeps the marks. */
	assert_int_equal(wm_file_init(d, &created), 0);
	assert_false(created);
	s = open_ok(d);
	assert_int_equal(getm(s, 1, WM_BLOCK, &rc).level, 40);
	s->ops->close(s);

	/* The marks deleted (or lost): refused, by init too, and nothing
	 * created. */
	assert_int_equal(unlink(dbpath(d)), 0);
	expect_open_fails(d, SIGIL_E_NOT_FOUND);
	expect_open_fails(d, SIGIL_E_NOT_FOUND);
	assert_int_equal(wm_file_init(d, &created), SIGIL_E_NOT_FOUND);
	assert_int_equal(stat(dbpath(d), &st), -1);

	/* The lock removed deliberately: still no store until init. */
	assert_int_equal(unlink(lockpath(d)), 0);
	expect_open_fails(d, SIGIL_E_NOT_FOUND);
	assert_int_equal(wm_file_init(d, &created), 0);
	assert_true(created);
	s = open_ok(d);
	getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, SIGIL_E_NOT_FOUND);
	assert_int_equal(adv(s, 1, WM_BLOCK, 41, 0, 0x72, NULL), WM_ADVANCED);
	s->ops->close(s);

	/* Only the lock gone: the marks are all there. */
	assert_int_equal(unlink(lockpath(d)), 0);
	s = open_ok(d);
	assert_int_equal(getm(s, 1, WM_BLOCK, &rc).level, 41);
	assert_int_equal(rc, 0);
	s->ops->close(s);

	rmstore(strdup(d));
	snprintf(d, sizeof(d), "%s/a", top);
	assert_int_equal(rmdir(d), 0);
	rmstore(top);
}

static void
test_sync_failure(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	int rc;

	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x51, NULL), WM_ADVANCED);
	uint64_t before = wm_file_sync_count(s);
	wm_file_fail_next_syncs(s, 1);
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x52, NULL), SIGIL_E_IO);
	assert_int_equal(wm_file_sync_count(s), before + 1);
	/* Fail closed: nothing is served, not even a retry or another id. */
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x52, NULL), SIGIL_E_IO);
	assert_int_equal(adv(s, 1, WM_BLOCK, 7, 0, 0x53, NULL), SIGIL_E_IO);
	assert_int_equal(adv(s, 2, WM_BLOCK, 1, 0, 0x54, NULL), SIGIL_E_IO);
	getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, SIGIL_E_IO);
	assert_int_equal(s->ops->ready(s, NULL), SIGIL_E_IO);
	s->ops->close(s);
	/* Whatever reached the disk, the mark is never below the last
	 * acknowledged one. */
	s = open_ok(d);
	struct wm_mark g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	assert_true(g.level >= 5);
	s->ops->close(s);
	rmstore(d);
}

/* Rule 2 of file.c: record_signature is not synced on its own. The next
 * advance of that key goes over the signature's slot (2b), so it costs one
 * fdatasync, not two; an advance after an advance flips slots as before. */
static void
test_slot_flip(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	uint8_t r0[REC], r1[REC];

	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x61, NULL), WM_ADVANCED);
	uint64_t n0 = wm_file_sync_count(s);
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x62, NULL), WM_ADVANCED);
	assert_int_equal(wm_file_sync_count(s), n0 + 1);
	read_rec(d, 0, r0);
	assert_int_equal(sign(s, 1, WM_BLOCK, 6, 0, 0x62, 0x01), 0);
	assert_int_equal(wm_file_sync_count(s), n0 + 1); /* not synced alone */
	read_rec(d, 0, r1);
	/* The signature went to the older slot; level 6 stays where it was. */
	int six = slot_seq(r0) > slot_seq(r0 + SLOT) ? 0 : 1;
	assert_memory_equal(r0 + six * SLOT, r1 + six * SLOT, SLOT);
	assert_memory_not_equal(r0 + (1 - six) * SLOT, r1 + (1 - six) * SLOT, SLOT);
	assert_int_equal(adv(s, 1, WM_BLOCK, 7, 0, 0x63, NULL), WM_ADVANCED);
	assert_int_equal(wm_file_sync_count(s), n0 + 2);
	read_rec(d, 0, r0);
	assert_memory_equal(r0 + six * SLOT, r1 + six * SLOT, SLOT);
	assert_int_equal(be32_at(r0 + (1 - six) * SLOT + SLOT_OFF_LEVEL), 7);
	assert_true(slot_seq(r0 + (1 - six) * SLOT) > slot_seq(r0 + six * SLOT));
	/* The signature write pending at close is flushed by close. */
	assert_int_equal(sign(s, 1, WM_BLOCK, 7, 0, 0x63, 0x02), 0);
	assert_int_equal(wm_file_sync_count(s), n0 + 2);
	s->ops->close(s);
	s = open_ok(d);
	int rc;
	struct wm_mark g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(g.level, 7);
	assert_int_equal(g.sig_len, 64);
	assert_int_equal(g.sig[0], 0x02);
	s->ops->close(s);
	rmstore(d);
}

/* ---- races ---- */

struct race {
	struct wm_store *s;
	pthread_barrier_t *bar;
	unsigned idx, nthreads, nids, levels;
	int32_t level;
	bool sigs;
	int rc;
	unsigned advanced, other;
};

static void
expect_digest(struct wm_store *s, int32_t level, uint8_t d)
{
	int rc;
	struct wm_mark g = getm(s, 7, WM_ATTESTATION, &rc), want = mkmark(level, 0, d);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, level);
	assert_memory_equal(g.digest, want.digest, sizeof(want.digest));
}

static void
test_race_one_key(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);

	race_one_key(s, 100, 64); /* the key has no record yet: creation races too */
	s->ops->close(s);
	s = open_ok(d);
	struct wm_id id = mkid(7, WM_ATTESTATION);
	struct wm_mark m = mkmark(99, 5, 0);
	assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
	uint8_t won = race_one_key(s, 100, 64);
	/* With the winner's signature pending (the next write goes over its
	 * slot, rule 2b), a race for the next level. */
	assert_int_equal(sign(s, 7, WM_ATTESTATION, 100, 0, won, 0x42), 0);
	won = race_one_key(s, 101, 64);
	expect_digest(s, 101, won);
	s->ops->close(s);
	s = open_ok(d);
	expect_digest(s, 101, won);
	s->ops->close(s);
	rmstore(d);
}

static void *
race_many(void *arg)
{
	struct race *r = arg;
	pthread_barrier_wait(r->bar);
	for (unsigned lv = (unsigned)r->level; lv <= r->levels; lv++)
		for (unsigned n = r->idx; n < r->nids; n += r->nthreads) {
			enum wm_kind k = (enum wm_kind)(n % WM_KINDS);
			int rc = adv(r->s, n, k, (int32_t)lv, 0, (uint8_t)lv, NULL);
			if (rc == WM_ADVANCED)
				r->advanced++;
			else
				r->other++;
			/* As the signer does: the signature right after. */
			if (rc == WM_ADVANCED && r->sigs &&
			    sign(r->s, n, k, (int32_t)lv, 0, (uint8_t)lv, (uint8_t)lv) != 0)
				r->other++;
		}
	return NULL;
}

/* T threads run levels first..last on ids 0..IDS-1; returns the number of
 * fdatasyncs, having checked that every write was acknowledged. */
static uint64_t
race_many_run(struct wm_store *s, bool sigs, unsigned first, unsigned last, double *secs)
{
	enum { T = 32, IDS = 1000 };
	pthread_t th[T];
	struct race r[T];
	pthread_barrier_t bar;
	struct timespec t0, t1;
	unsigned advanced = 0, other = 0;

	pthread_barrier_init(&bar, NULL, T + 1);
	for (unsigned i = 0; i < T; i++) {
		r[i] = (struct race){.s = s, .bar = &bar, .idx = i, .nthreads = T, .nids = IDS,
		                     .level = (int32_t)first, .levels = last, .sigs = sigs};
		assert_int_equal(pthread_create(&th[i], NULL, race_many, &r[i]), 0);
	}
	uint64_t sync0 = wm_file_sync_count(s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&bar);
	for (unsigned i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		advanced += r[i].advanced;
		other += r[i].other;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_barrier_destroy(&bar);
	*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(advanced, IDS * (last - first + 1));
	assert_int_equal(other, 0);
	return wm_file_sync_count(s) - sync0;
}

/* 1000 ids from 32 threads. Their first writes create the records, and new
 * records are appended one at a time, each with its own fdatasync (rule 5
 * of file.c): exactly one sync per id. Then 3 levels each: every write
 * durable, and the syncs shared (at least 4 writes per fdatasync on
 * average). */
static void
group_commit_run(bool sigs)
{
	enum { IDS = 1000, LEVELS = 3 };
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	double secs;

	uint64_t syncs = race_many_run(s, sigs, 1, 1, &secs);
	fprintf(stderr, "new records%s: %u from 32 threads in %.3f s, %llu fdatasync calls\n",
	        sigs ? " with signatures" : "", IDS, secs, (unsigned long long)syncs);
	assert_int_equal(syncs, IDS);

	syncs = race_many_run(s, sigs, 2, 1 + LEVELS, &secs);
	unsigned writes = IDS * LEVELS;
	fprintf(stderr, "group commit%s: %u durable writes from 32 threads in %.3f s "
	        "(%.0f writes/s), %llu fdatasync calls (%.1f writes per sync)\n",
	        sigs ? " with signatures" : "", writes, secs, writes / secs,
	        (unsigned long long)syncs, syncs ? (double)writes / (double)syncs : 0.0);
	assert_true(syncs > 0);
	assert_true(syncs * 4 <= writes);
	s->ops->close(s);

	s = open_ok(d);
	int rc, n = 0;
	for (unsigned i = 0; i < IDS; i += 97) {
		struct wm_mark g = getm(s, i, (enum wm_kind)(i % WM_KINDS), &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(g.level, 1 + LEVELS);
		assert_int_equal(g.sig_len, sigs ? 64 : 0);
		if (sigs)
			assert_int_equal(g.sig[0], 1 + LEVELS);
	}
	assert_int_equal(s->ops->each(s, count_cb, &n, NULL), 0);
	assert_int_equal(n, IDS);
	s->ops->close(s);
	rmstore(d);
}

static void
test_group_commit(void **state)
{
	(void)state;
	group_commit_run(false);
	group_commit_run(true);
}

/* check_advance_sign (watermark.h): the signer runs once per mark, with the
 * id held, and its signature is durable before the call returns; identical
 * requests get it back; after a signer failure, only this process may sign
 * the mark again; after a restart a mark without signature is refused. */
struct counting_signer {
	int calls, fail;
	uint8_t byte;
};

static int
counting_sign(void *arg, struct wm_mark *m)
{
	struct counting_signer *c = arg;
	c->calls++;
	if (c->fail)
		return SIGIL_E_IO;
	memset(m->sig, c->byte++, 64);
	m->sig_len = 64;
	return 0;
}

static int
adv_sign(struct wm_store *s, unsigned n, int32_t level, uint8_t d, struct counting_signer *c,
         struct wm_mark *out)
{
	struct wm_id id = mkid(n, WM_BLOCK);
	struct wm_mark m = mkmark(level, 0, d);
	struct wm_signer signer = {.sign = counting_sign, .arg = c};
	return s->ops->check_advance_sign(s, &id, &m, out, &signer, NULL);
}

static void
test_advance_sign(void **state)
{
	(void)state;
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	struct counting_signer c = {.byte = 0x40};
	struct wm_mark out;

	/* A new record and a next mark: signed once each, signature durable
	 * (two syncs: the mark, then its signature). */
	assert_int_equal(adv_sign(s, 1, 10, 0x01, &c, &out), WM_ADVANCED);
	assert_int_equal(out.sig_len, 64);
	assert_int_equal(out.sig[0], 0x40);
	uint64_t n0 = wm_file_sync_count(s);
	assert_int_equal(adv_sign(s, 1, 11, 0x02, &c, &out), WM_ADVANCED);
	assert_int_equal(wm_file_sync_count(s) - n0, 2);
	assert_int_equal(c.calls, 2);
	/* Identical: the stored signature, no signer call, no sync. */
	n0 = wm_file_sync_count(s);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(adv_sign(s, 1, 11, 0x02, &c, &out), WM_IDENTICAL);
		assert_int_equal(out.sig_len, 64);
		assert_int_equal(out.sig[0], 0x41);
	}
	assert_int_equal(c.calls, 2);
	assert_int_equal(wm_file_sync_count(s), n0);
	/* Lower, or equal with other bytes: refused, unsigned. */
	assert_int_equal(adv_sign(s, 1, 10, 0x03, &c, &out), SIGIL_E_WATERMARK);
	assert_int_equal(adv_sign(s, 1, 11, 0x03, &c, &out), SIGIL_E_WATERMARK);
	assert_int_equal(c.calls, 2);
	/* The signature survives a restart. */
	s->ops->close(s);
	s = open_ok(d);
	assert_int_equal(adv_sign(s, 1, 11, 0x02, &c, &out), WM_IDENTICAL);
	assert_int_equal(out.sig[0], 0x41);

	/* A failing signer: the mark advances, nothing is stored; the same
	 * process may sign it on a retry (nothing was released). */
	c.fail = 1;
	assert_int_equal(adv_sign(s, 1, 12, 0x04, &c, &out), SIGIL_E_IO);
	assert_int_equal(out.sig_len, 0);
	c.fail = 0;
	assert_int_equal(adv_sign(s, 1, 12, 0x04, &c, &out), WM_ADVANCED);
	assert_int_equal(out.sig[0], 0x42);
	assert_int_equal(adv_sign(s, 1, 12, 0x04, &c, &out), WM_IDENTICAL);
	assert_int_equal(out.sig[0], 0x42);

	/* A mark with no signature stored, after a restart (a crash between
	 * signing and storing, or a mark from check_advance): WM_IDENTICAL
	 * with no signature, and the signer is not called. */
	c.fail = 1;
	assert_int_equal(adv_sign(s, 1, 13, 0x05, &c, &out), SIGIL_E_IO);
	c.fail = 0;
	assert_int_equal(adv(s, 2, WM_BLOCK, 7, 0, 0x06, NULL), WM_ADVANCED);
	s->ops->close(s);
	s = open_ok(d);
	int calls = c.calls;
	assert_int_equal(adv_sign(s, 1, 13, 0x05, &c, &out), WM_IDENTICAL);
	assert_int_equal(out.sig_len, 0);
	assert_int_equal(adv_sign(s, 2, 7, 0x06, &c, &out), WM_IDENTICAL);
	assert_int_equal(out.sig_len, 0);
	assert_int_equal(c.calls, calls);
	/* The next mark signs as ever. */
	assert_int_equal(adv_sign(s, 1, 14, 0x07, &c, &out), WM_ADVANCED);
	s->ops->close(s);
	rmstore(d);
}

int
main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_restart_and_lock),
		cmocka_unit_test(test_one_slot_damaged),
		cmocka_unit_test(test_both_slots_damaged),
		cmocka_unit_test(test_store_damaged),
		cmocka_unit_test(test_db_missing),
		cmocka_unit_test(test_sync_failure),
		cmocka_unit_test(test_slot_flip),
		cmocka_unit_test(test_race_one_key),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_advance_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
