/* The file store's write protocol (rules 1, 2 and 4 at the top of
 * src/watermark/file/ops.c): how many fdatasyncs a signer pays, what a crash
 * can leave on disk, and that a failed sync releases every waiter. Crashes
 * are simulated by writing the on-disk images a crash could leave and
 * reopening them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"
#include "watermark/import.h"
#include "watermark/watermark.h"
#include "wm_testlib.h"

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Replaces d's watermarks.db with one record's bytes. */
static void
put_image(const char *d, const uint8_t rec[static REC])
{
	int fd = open(dbpath(d), O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, rec, REC, 0), REC);
	close(fd);
}

/* Opens the image and returns id 1's mark (rc must be 0). */
static struct wm_mark
load_image(const char *d, const uint8_t rec[static REC])
{
	struct wm_store *s;
	struct wm_mark g;
	int rc;

	put_image(d, rec);
	s = open_ok(d);
	g = getm(s, 1, WM_BLOCK, &rc);
	assert_int_equal(rc, 0);
	s->ops->close(s);
	return g;
}

/* ---- fdatasyncs per request ---- */

/* The signer's sequence, advance then record_signature, costs exactly one
 * fdatasync per request: the advance goes over the pending signature's
 * slot instead of waiting for it to be synced. */
static void
test_one_sync_per_attestation(void **state)
{
	(void)state;
	enum { N = 200 };
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	double lat[N];
	struct wm_mark prev;
	int rc;

	assert_int_equal(adv(s, 1, WM_ATTESTATION, 1, 0, 0x11, NULL), WM_ADVANCED);
	assert_int_equal(sign(s, 1, WM_ATTESTATION, 1, 0, 0x11, 1), 0);
	uint64_t n0 = wm_file_sync_count(s);
	for (int i = 0; i < N; i++) {
		int32_t lv = 2 + i;
		double t0 = now_ms();
		assert_int_equal(adv(s, 1, WM_ATTESTATION, lv, 0, 0x11, NULL), WM_ADVANCED);
		lat[i] = now_ms() - t0;
		assert_int_equal(sign(s, 1, WM_ATTESTATION, lv, 0, 0x11, (uint8_t)lv), 0);
	}
	uint64_t syncs = wm_file_sync_count(s) - n0;
	qsort(lat, N, sizeof(lat[0]), cmp_double);
	fprintf(stderr, "sequential: %d advance+record_signature pairs, %llu fdatasyncs, "
	        "advance p50 %.3f ms, p99 %.3f ms\n", N, (unsigned long long)syncs,
	        lat[N / 2], lat[N * 99 / 100]);
	assert_int_equal(syncs, N);

	/* A repeated request and a second signature for it: no sync at all. */
	int32_t last = 1 + N;
	assert_int_equal(adv(s, 1, WM_ATTESTATION, last, 0, 0x11, &prev), WM_IDENTICAL);
	assert_int_equal(prev.sig_len, 64);
	assert_int_equal(prev.sig[0], (uint8_t)last);
	assert_int_equal(sign(s, 1, WM_ATTESTATION, last, 0, 0x11, 0xc3), 0);
	assert_int_equal(sign(s, 1, WM_ATTESTATION, last, 0, 0x11, 0xc4), 0);
	assert_int_equal(wm_file_sync_count(s) - n0, N);

	/* Two keys taking turns, each with its signature pending. */
	n0 = wm_file_sync_count(s);
	for (int i = 0; i < N / 4; i++) {
		int32_t lv = last + 1 + i;
		for (unsigned k = 1; k <= 2; k++) {
			assert_int_equal(adv(s, k, WM_BLOCK, lv, 0, 0x22, NULL), WM_ADVANCED);
			assert_int_equal(sign(s, k, WM_BLOCK, lv, 0, 0x22, (uint8_t)k), 0);
		}
	}
	/* Key 2's record is created by its first advance, with one sync like
	 * any other advance. */
	assert_int_equal(wm_file_sync_count(s) - n0, 2 * (N / 4));

	/* The last signatures were never synced on their own: close does it. */
	s->ops->close(s);
	s = open_ok(d);
	struct wm_mark g = getm(s, 1, WM_ATTESTATION, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(g.level, last);
	assert_int_equal(g.sig[0], 0xc4);
	g = getm(s, 2, WM_BLOCK, &rc);
	assert_int_equal(g.level, last + N / 4);
	assert_int_equal(g.sig_len, 64);
	assert_int_equal(g.sig[0], 2);
	s->ops->close(s);
	rmstore(d);
}

/* ---- crashes ---- */

/* M1 durable, its signature written but not synced, M2 written over the
 * signature's slot. Whatever a crash tears, the store reads M1 or M2, and
 * M2 only once it was whole. */
static void
test_torn_after_signature(void **state)
{
	(void)state;
	char *d = mkstore(), *scratch = mkstore();
	struct wm_store *s = open_ok(d);
	uint8_t r1[REC], r2[REC], r3[REC], img[REC];
	struct wm_mark g;

	assert_int_equal(adv(s, 1, WM_BLOCK, 4, 0, 0x31, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x32, NULL), WM_ADVANCED); /* M1 */
	read_rec(d, 0, r1);
	int dur = slot_seq(r1) > slot_seq(r1 + SLOT) ? 0 : 1, fly = 1 - dur;
	assert_int_equal(be32_at(r1 + dur * SLOT + SLOT_OFF_LEVEL), 5);
	uint64_t n0 = wm_file_sync_count(s);
	assert_int_equal(sign(s, 1, WM_BLOCK, 5, 0, 0x32, 0x99), 0);
	read_rec(d, 0, r2);
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x33, NULL), WM_ADVANCED); /* M2 */
	read_rec(d, 0, r3);
	assert_int_equal(wm_file_sync_count(s) - n0, 1);
	s->ops->close(s);

	/* M1's slot was never touched; the signature and then M2 went to the
	 * other one, M2 with a sequence number above M1's. */
	assert_memory_equal(r1 + dur * SLOT, r2 + dur * SLOT, SLOT);
	assert_memory_equal(r1 + dur * SLOT, r3 + dur * SLOT, SLOT);
	assert_int_equal(r2[fly * SLOT + SLOT_OFF_SIG_LEN], 64);
	assert_int_equal(be32_at(r2 + fly * SLOT + SLOT_OFF_LEVEL), 5);
	assert_int_equal(be32_at(r3 + fly * SLOT + SLOT_OFF_LEVEL), 6);
	assert_true(slot_seq(r3 + fly * SLOT) > slot_seq(r3 + dur * SLOT));

	/* M2 torn (a flipped byte, or half of it over half of the signature
	 * write): M1, without the signature. */
	memcpy(img, r3, REC);
	img[fly * SLOT + 100] ^= 0x10;
	g = load_image(scratch, img);
	assert_int_equal(g.level, 5);
	assert_int_equal(g.sig_len, 0);
	memcpy(img, r3, REC);
	memcpy(img + fly * SLOT, r2 + fly * SLOT, SLOT / 2);
	assert_int_equal(load_image(scratch, img).level, 5);
	/* The signature-only write torn, before M2 was written. */
	memcpy(img, r2, REC);
	img[fly * SLOT + SLOT_OFF_SIG_LEN + 80] ^= 0x01;
	g = load_image(scratch, img);
	assert_int_equal(g.level, 5);
	assert_int_equal(g.sig_len, 0);
	/* Neither reached the disk; the signature whole; M2 whole. */
	assert_int_equal(load_image(scratch, r1).level, 5);
	g = load_image(scratch, r2);
	assert_int_equal(g.level, 5);
	assert_int_equal(g.sig[0], 0x99);
	assert_int_equal(load_image(scratch, r3).level, 6);

	/* After the torn M2, the store goes on from M1: M2 was never
	 * acknowledged, so level 6 is still free, and the next write heals. */
	memcpy(img, r3, REC);
	img[fly * SLOT + 100] ^= 0x10;
	put_image(d, img);
	s = open_ok(d);
	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x34, NULL), SIGIL_E_WATERMARK);
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x35, NULL), WM_ADVANCED);
	s->ops->close(s);
	s = open_ok(d);
	assert_int_equal(adv(s, 1, WM_BLOCK, 6, 0, 0x35, NULL), WM_IDENTICAL);
	s->ops->close(s);
	rmstore(scratch);
	rmstore(d);
}

/* The versions each slot of record 0 has held since the last point where
 * everything written was durable. A crash leaves each slot as one of them,
 * or torn: a byte flipped, or two versions mixed. */
#define MAXV 8
struct window {
	uint8_t v[2][MAXV][SLOT];
	int n[2];
};

static void
win_reset(struct window *w, const uint8_t rec[static REC])
{
	for (int i = 0; i < 2; i++) {
		memcpy(w->v[i][0], rec + i * SLOT, SLOT);
		w->n[i] = 1;
	}
}

static void
win_add(struct window *w, const uint8_t rec[static REC])
{
	for (int i = 0; i < 2; i++) {
		if (memcmp(w->v[i][w->n[i] - 1], rec + i * SLOT, SLOT) == 0)
			continue;
		assert_true(w->n[i] < MAXV);
		memcpy(w->v[i][w->n[i]++], rec + i * SLOT, SLOT);
	}
}

/* Candidates for one slot; returns how many, *whole set to how many of
 * them (the first) are versions rather than tears. */
static int
slot_states(const struct window *w, int i, uint8_t out[][SLOT], int max, int *whole)
{
	int k = 0;
	for (int a = 0; a < w->n[i]; a++)
		memcpy(out[k++], w->v[i][a], SLOT);
	*whole = k;
	if (w->n[i] == 1)
		return k; /* never written since it was durable: cannot tear */
	for (int a = 0; a < w->n[i]; a++) {
		assert_true(k + w->n[i] + 1 <= max);
		memcpy(out[k], w->v[i][a], SLOT);
		out[k++][60 + a] ^= 0x40;
		for (int b = 0; b < w->n[i]; b++) {
			if (a == b)
				continue;
			memcpy(out[k], w->v[i][a], SLOT / 2);
			memcpy(out[k] + SLOT / 2, w->v[i][b] + SLOT / 2, SLOT / 2);
			/* A mix equal to a version is that version, not a tear. */
			if (memcmp(out[k], w->v[i][b], SLOT) != 0)
				k++;
		}
	}
	return k;
}

/* Every crash image of the window loads, and reads lo (the last mark
 * acknowledged) or hi (the one being acknowledged); lo whenever a slot is
 * torn, since the torn write was never acknowledged. */
static void
check_window(const struct window *w, const char *scratch, int32_t lo, int32_t hi,
             unsigned *images)
{
	enum { MAXC = MAXV * (MAXV + 1) };
	static uint8_t c[2][MAXC][SLOT];
	int n[2], whole[2];
	uint8_t img[REC];

	for (int i = 0; i < 2; i++)
		n[i] = slot_states(w, i, c[i], MAXC, &whole[i]);
	for (int a = 0; a < n[0]; a++)
		for (int b = 0; b < n[1]; b++) {
			memcpy(img, c[0][a], SLOT);
			memcpy(img + SLOT, c[1][b], SLOT);
			int32_t got = load_image(scratch, img).level;
			if (got != lo && got != hi)
				fail_msg("crash image (slot A %d/%d, slot B %d/%d) reads level %d, "
				         "not %d or %d", a, n[0], b, n[1], (int)got, (int)lo, (int)hi);
			if ((a >= whole[0] || b >= whole[1]) && got != lo)
				fail_msg("a torn slot read as level %d, not %d", (int)got, (int)lo);
			(*images)++;
		}
}

enum op_kind { OP_ADV, OP_SIG, OP_SET };
struct op {
	enum op_kind kind;
	int32_t level;
};

/* Runs a signer's sequence on one key and checks every crash image between
 * two acknowledged marks. A sync in the middle of an operation (one the
 * operation did not need for its own mark) makes everything before it
 * durable, and starts a new window there. */
static void
test_crash_anywhere(void **state)
{
	(void)state;
	static const struct op ops[] = {
		{OP_SIG, 0},  {OP_ADV, 6},  {OP_SIG, 0},  {OP_SIG, 0},  {OP_ADV, 7},
		{OP_ADV, 8},  {OP_SIG, 0},  {OP_SET, 20}, {OP_SIG, 0},  {OP_ADV, 21},
		{OP_ADV, 21}, {OP_SIG, 0},  {OP_ADV, 22}, {OP_SET, 3},  {OP_SIG, 0},
		{OP_ADV, 4},  {OP_SIG, 0},  {OP_SIG, 0},  {OP_SET, 30}, {OP_ADV, 31},
	};
	char *d = mkstore(), *scratch = mkstore();
	struct wm_store *s = open_ok(d);
	static struct window w;
	uint8_t before[REC], after[REC];
	struct wm_id id = mkid(1, WM_BLOCK);
	int32_t lo = 5, cur = 5;
	unsigned images = 0, windows = 0;

	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x05, NULL), WM_ADVANCED);
	read_rec(d, 0, before);
	win_reset(&w, before);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint64_t n0 = wm_file_sync_count(s);
		bool acked = false;
		read_rec(d, 0, before);
		if (ops[i].kind == OP_SIG) {
			assert_int_equal(sign(s, 1, WM_BLOCK, cur, 0, (uint8_t)cur, (uint8_t)i), 0);
		} else if (ops[i].kind == OP_ADV) {
			int rc = adv(s, 1, WM_BLOCK, ops[i].level, 0, (uint8_t)ops[i].level, NULL);
			assert_true(rc == WM_ADVANCED || rc == WM_IDENTICAL);
			acked = rc == WM_ADVANCED;
		} else {
			struct wm_mark m = mkmark(ops[i].level, 0, (uint8_t)ops[i].level);
			assert_int_equal(s->ops->set(s, &id, &m, NULL), 0);
			acked = true;
		}
		uint64_t own = acked ? 1 : 0;
		if (wm_file_sync_count(s) - n0 > own)
			win_reset(&w, before);
		read_rec(d, 0, after);
		win_add(&w, after);
		if (!acked)
			continue;
		check_window(&w, scratch, lo, ops[i].level, &images);
		windows++;
		win_reset(&w, after);
		lo = cur = ops[i].level;
	}
	s->ops->close(s);
	fprintf(stderr, "crash images: %u over %u acknowledged writes\n", images, windows);
	assert_true(windows >= 10);
	rmstore(scratch);
	rmstore(d);
}

/* ---- crashes while adding a record ---- */

/* Replaces d's watermarks.db with n records' bytes. */
static void
put_records(const char *d, const uint8_t *recs, size_t n)
{
	int fd = open(dbpath(d), O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, recs, n * REC, 0), (ssize_t)(n * REC));
	close(fd);
}

static off_t
db_size(const char *d)
{
	struct stat st;
	assert_int_equal(stat(dbpath(d), &st), 0);
	return st.st_size;
}

/* The ways one slot of a record's first write can be left by a crash: as
 * it was (blank), whole, or torn (a byte flipped, or half new, half blank,
 * either way round). *whole says which of them hold a complete copy. */
enum { ADD_BLANK, ADD_NEW, ADD_FLIP, ADD_HEAD, ADD_TAIL, ADD_STATES };

static void
add_state(const uint8_t new_slot[static SLOT], int state, uint8_t out[static SLOT])
{
	memset(out, 0, SLOT);
	if (state == ADD_NEW || state == ADD_FLIP)
		memcpy(out, new_slot, SLOT);
	if (state == ADD_FLIP)
		out[100] ^= 0x08;
	if (state == ADD_HEAD)
		memcpy(out, new_slot, SLOT / 2);
	if (state == ADD_TAIL)
		memcpy(out + SLOT / 2, new_slot + SLOT / 2, SLOT / 2);
}

/* Key 1 has a durable record 0 (level 5); key 2's first request (level 7)
 * is adding record 1 when the machine dies. Whatever the crash left of that
 * add, the store opens (it used to refuse every key when slot A was torn
 * and slot B still blank), key 1 keeps its mark, and key 2 has either the
 * mark being added, when a whole copy of it reached the disk, or none:
 * the add was never acknowledged, so nothing was signed for it. A half
 * written record is cut off, and the next add starts from nothing. Both
 * slots torn at once is not one write torn in one place but damage, and
 * test_wm_file.c covers it. */
static void
test_torn_add(void **state)
{
	(void)state;
	char *d = mkstore(), *scratch = mkstore();
	struct wm_store *s = open_ok(d);
	uint8_t recs[2 * REC];
	unsigned images = 0;
	int rc;

	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x51, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_BLOCK, 7, 0, 0x52, NULL), WM_ADVANCED);
	s->ops->close(s);
	read_rec(d, 0, recs);
	read_rec(d, 1, recs + REC);
	uint8_t added[REC];
	memcpy(added, recs + REC, REC);

	for (int a = 0; a < ADD_STATES; a++)
		for (int b = 0; b < ADD_STATES; b++) {
			bool torn_a = a >= ADD_FLIP, torn_b = b >= ADD_FLIP;
			if (torn_a && torn_b)
				continue;
			bool whole = a == ADD_NEW || b == ADD_NEW;
			add_state(added, a, recs + REC);
			add_state(added + SLOT, b, recs + REC + SLOT);
			put_records(scratch, recs, 2);

			s = open_ok(scratch);
			struct wm_mark g = getm(s, 1, WM_BLOCK, &rc);
			assert_int_equal(rc, 0);
			assert_int_equal(g.level, 5);
			g = getm(s, 2, WM_BLOCK, &rc);
			if (whole) {
				assert_int_equal(rc, 0);
				assert_int_equal(g.level, 7);
				assert_int_equal(db_size(scratch), 2 * REC);
			} else {
				if (rc != SIGIL_E_NOT_FOUND)
					fail_msg("slot A state %d, slot B state %d: key 2 reads %d, "
					         "not \"no mark\"", a, b, rc);
				assert_int_equal(db_size(scratch), REC);
			}
			/* The same request again, and then one below it. */
			rc = adv(s, 2, WM_BLOCK, 7, 0, 0x52, NULL);
			assert_int_equal(rc, whole ? WM_IDENTICAL : WM_ADVANCED);
			assert_int_equal(adv(s, 2, WM_BLOCK, 6, 0, 0x53, NULL), SIGIL_E_WATERMARK);
			assert_int_equal(adv(s, 3, WM_BLOCK, 1, 0, 0x54, NULL), WM_ADVANCED);
			s->ops->close(s);
			/* Record 1 is no longer the last: it must read as whole. */
			s = open_ok(scratch);
			assert_int_equal(getm(s, 2, WM_BLOCK, &rc).level, 7);
			assert_int_equal(rc, 0);
			assert_int_equal(getm(s, 3, WM_BLOCK, &rc).level, 1);
			assert_int_equal(rc, 0);
			assert_int_equal(db_size(scratch), 3 * REC);
			s->ops->close(s);
			images++;
		}
	fprintf(stderr, "torn adds: %u crash images\n", images);
	rmstore(scratch);
	rmstore(d);
}

/* The same pictures anywhere but in the last record cannot come from a
 * crash (rule 5 of file.c: a record is only started once the one before is
 * durable), so they are damage to marks that were acknowledged, and fail
 * closed: a blank record before a written one (what two appends in flight
 * at once could leave) and a blank slot beside a damaged one refuse the
 * whole store; a blank slot beside a good one refuses its key, since the
 * blank one may have held the newer mark. Never a reset to no mark. */
static void
test_blank_before_written(void **state)
{
	(void)state;
	char *d = mkstore(), *scratch = mkstore();
	struct wm_store *s = open_ok(d), *t = NULL;
	uint8_t recs[3 * REC], img[3 * REC];
	int rc;

	assert_int_equal(adv(s, 1, WM_BLOCK, 5, 0, 0x61, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 2, WM_BLOCK, 7, 0, 0x62, NULL), WM_ADVANCED);
	assert_int_equal(adv(s, 3, WM_BLOCK, 9, 0, 0x63, NULL), WM_ADVANCED);
	s->ops->close(s);
	for (size_t i = 0; i < 3; i++)
		read_rec(d, i, recs + i * REC);

	for (int a = 0; a < ADD_STATES; a++)
		for (int b = 0; b < ADD_STATES; b++) {
			bool torn_a = a >= ADD_FLIP, torn_b = b >= ADD_FLIP;
			if ((torn_a && torn_b) || (a != ADD_BLANK && b != ADD_BLANK) ||
			    (a == ADD_NEW || b == ADD_NEW))
				continue;
			memcpy(img, recs, sizeof(img));
			add_state(recs + REC, a, img + REC);
			add_state(recs + REC + SLOT, b, img + REC + SLOT);
			put_records(scratch, img, 3);
			if (wm_file_open(scratch, &t) != SIGIL_E_CORRUPT)
				fail_msg("record 1 with slots in states %d, %d, record 2 whole: "
				         "opened", a, b);
			assert_null(t);
		}

	for (int blank = 0; blank < 2; blank++) {
		memcpy(img, recs, sizeof(img));
		memset(img + REC + blank * SLOT, 0, SLOT);
		put_records(scratch, img, 3);
		s = open_ok(scratch);
		getm(s, 2, WM_BLOCK, &rc);
		assert_int_equal(rc, SIGIL_E_CORRUPT);
		assert_int_equal(adv(s, 2, WM_BLOCK, 1000, 0, 0x64, NULL), SIGIL_E_CORRUPT);
		assert_int_equal(getm(s, 1, WM_BLOCK, &rc).level, 5);
		assert_int_equal(adv(s, 3, WM_BLOCK, 10, 0, 0x65, NULL), WM_ADVANCED);
		s->ops->close(s);
	}
	rmstore(scratch);
	rmstore(d);
}

/* Rule 5 of file.c: at most one new record is ever unsynced. Sixteen keys
 * make their first request at once and the first fdatasync fails: only the
 * add that sync was for ever reached the file; the others, which came
 * after it, saw the store poisoned and wrote nothing. Had their appends
 * gone out before that sync, the file would hold several records that no
 * one will ever sync. */
struct first_req {
	struct wm_store *s;
	pthread_barrier_t *bar;
	unsigned key;
	int rc;
};

static void *
run_first_req(void *arg)
{
	struct first_req *r = arg;
	pthread_barrier_wait(r->bar);
	r->rc = adv(r->s, r->key, WM_BLOCK, 10, 0, 0x71, NULL);
	return NULL;
}

static void
test_one_unsynced_add(void **state)
{
	(void)state;
	enum { T = 16 };
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	pthread_t th[T];
	struct first_req r[T];
	pthread_barrier_t bar;

	wm_file_fail_next_syncs(s, 1);
	pthread_barrier_init(&bar, NULL, T);
	for (unsigned i = 0; i < T; i++) {
		r[i] = (struct first_req){.s = s, .bar = &bar, .key = 100 + i};
		assert_int_equal(pthread_create(&th[i], NULL, run_first_req, &r[i]), 0);
	}
	for (unsigned i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].rc, SIGIL_E_IO);
	}
	pthread_barrier_destroy(&bar);
	assert_int_equal(db_size(d), REC);
	s->ops->close(s);
	rmstore(d);
}

/* ---- a failed sync releases every waiter ---- */

struct runner {
	struct wm_store *s;
	pthread_barrier_t *bar;
	unsigned key;
	int32_t levels, acked;
	int last_rc;
};

static void *
run_key(void *arg)
{
	struct runner *r = arg;
	pthread_barrier_wait(r->bar);
	for (int32_t lv = 1; lv <= r->levels; lv++) {
		r->last_rc = adv(r->s, r->key, WM_ATTESTATION, lv, 0, 0x44, NULL);
		if (r->last_rc != WM_ADVANCED)
			break;
		r->acked = lv;
		r->last_rc = sign(r->s, r->key, WM_ATTESTATION, lv, 0, 0x44, 0x01);
		if (r->last_rc != 0)
			break;
	}
	return NULL;
}

/* Runs T writers on their own keys; fails one fdatasync once `after` syncs
 * have happened (0: the very first). Every writer must come back, with
 * SIGIL_E_IO, and no acknowledged mark may be lost. */
static void
sync_failure_run(unsigned after)
{
	enum { T = 32 };
	char *d = mkstore();
	struct wm_store *s = open_ok(d);
	pthread_t th[T];
	struct runner r[T];
	pthread_barrier_t bar;
	uint64_t base = wm_file_sync_count(s);

	if (after == 0)
		wm_file_fail_next_syncs(s, 1);
	pthread_barrier_init(&bar, NULL, T + 1);
	for (unsigned i = 0; i < T; i++) {
		r[i] = (struct runner){.s = s, .bar = &bar, .key = i, .levels = 100000};
		assert_int_equal(pthread_create(&th[i], NULL, run_key, &r[i]), 0);
	}
	pthread_barrier_wait(&bar);
	if (after > 0) {
		while (wm_file_sync_count(s) - base < after)
			usleep(200);
		wm_file_fail_next_syncs(s, 1);
	}
	for (unsigned i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].last_rc, SIGIL_E_IO);
		if (after == 0)
			assert_int_equal(r[i].acked, 0);
	}
	pthread_barrier_destroy(&bar);
	assert_int_equal(s->ops->ready(s, NULL), SIGIL_E_IO);
	s->ops->close(s);
	s = open_ok(d);
	for (unsigned i = 0; i < T; i++) {
		int rc;
		struct wm_mark g = getm(s, i, WM_ATTESTATION, &rc);
		if (r[i].acked > 0) {
			assert_int_equal(rc, 0);
			assert_true(g.level >= r[i].acked);
		}
	}
	s->ops->close(s);
	rmstore(d);
}

static void
test_sync_failure_wakes_all(void **state)
{
	(void)state;
	sync_failure_run(0);
	sync_failure_run(20);
}

int
main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_sync_per_attestation),
		cmocka_unit_test(test_torn_after_signature),
		cmocka_unit_test(test_crash_anywhere),
		cmocka_unit_test(test_torn_add),
		cmocka_unit_test(test_blank_before_written),
		cmocka_unit_test(test_one_unsynced_add),
		cmocka_unit_test(test_sync_failure_wakes_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
