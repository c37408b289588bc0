/* Helpers shared by the file store's tests (test_wm_file.c,
 * test_wm_durability.c). Include after cmocka.h. Stores live in temp dirs
 * under the current directory (the build tree), on the real disk: a tmpfs
 * would make fdatasync free and hide whether group commit batches. */
#ifndef SIGIL_WM_TESTLIB_H
#define SIGIL_WM_TESTLIB_H
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"
#include "watermark/import.h"
#include "watermark/watermark.h"

/* The on-disk layout, restated so that a change to it breaks these tests. */
#define SLOT 256
#define REC 512
#define SLOT_OFF_LEVEL 36
#define SLOT_OFF_ROUND 40
#define SLOT_OFF_SIG_LEN 7
#define SLOT_OFF_SEQ 172

static inline char *
mkstore(void)
{
	char *d = strdup("./wmtest.XXXXXX");
	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	bool created = false;
	assert_int_equal(wm_file_init(d, &created), 0);
	assert_true(created);
	return d;
}

static inline void
rmstore(char *d)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/watermarks.db", d);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock", d);
	unlink(p);
	assert_int_equal(rmdir(d), 0);
	free(d);
}

static inline char *
dbpath(const char *d)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/watermarks.db", d);
	return p;
}

static inline struct wm_id
mkid(unsigned n, enum wm_kind kind)
{
	struct wm_id id;
	memset(&id, 0, sizeof(id));
	memcpy(id.chain_id, "\x7a\x06\xa7\x70", 4);
	id.key[0] = 0;
	id.key[1] = (uint8_t)(n >> 8);
	id.key[2] = (uint8_t)n;
	id.key[20] = 0xee;
	id.kind = kind;
	return id;
}

static inline struct wm_mark
mkmark(int32_t level, int32_t round, uint8_t d)
{
	struct wm_mark m;
	memset(&m, 0, sizeof(m));
	m.level = level;
	m.round = round;
	memset(m.digest, d, sizeof(m.digest));
	m.digest[31] = (uint8_t)(level ^ round);
	m.has_digest = true;
	return m;
}

static inline int
adv(struct wm_store *s, unsigned n, enum wm_kind k, int32_t level, int32_t round, uint8_t d,
    struct wm_mark *prev)
{
	struct wm_id id = mkid(n, k);
	struct wm_mark m = mkmark(level, round, d);
	struct wm_mark tmp;
	return s->ops->check_advance(s, &id, &m, prev ? prev : &tmp, NULL);
}

static inline int
sign(struct wm_store *s, unsigned n, enum wm_kind k, int32_t level, int32_t round, uint8_t d,
     uint8_t sigbyte)
{
	struct wm_id id = mkid(n, k);
	struct wm_mark m = mkmark(level, round, d);
	memset(m.sig, sigbyte, 64);
	m.sig_len = 64;
	return wm_file_record_signature(s, &id, &m);
}

static inline struct wm_mark
getm(struct wm_store *s, unsigned n, enum wm_kind k, int *rc)
{
	struct wm_id id = mkid(n, k);
	struct wm_mark m;
	*rc = s->ops->get(s, &id, &m, NULL);
	return m;
}

static inline struct wm_store *
open_ok(const char *d)
{
	struct wm_store *s = NULL;
	assert_int_equal(wm_file_open(d, &s), 0);
	assert_non_null(s);
	assert_int_equal(s->ops->ready(s, NULL), 0);
	return s;
}

static inline void
poke(const char *path, off_t off, uint8_t xor_with)
{
	int fd = open(path, O_RDWR);
	uint8_t b;
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= xor_with;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

/* Record index's bytes as the file holds them now (page cache included). */
static inline void
read_rec(const char *d, size_t index, uint8_t out[static REC])
{
	int fd = open(dbpath(d), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, out, REC, (off_t)(index * REC)), REC);
	close(fd);
}

static inline uint32_t
be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
slot_seq(const uint8_t slot[static SLOT])
{
	return (uint64_t)be32_at(slot + SLOT_OFF_SEQ) << 32 | be32_at(slot + SLOT_OFF_SEQ + 4);
}

static inline int
count_cb(void *arg, const struct wm_id *id, const struct wm_mark *m)
{
	(void)id;
	(void)m;
	(*(int *)arg)++;
	return 0;
}

/* One racer of race_one_key. */
struct wm_racer {
	struct wm_store *s;
	pthread_barrier_t *bar;
	unsigned idx;
	int32_t level;
	int rc;
};

static inline void *
wm_race_same(void *arg)
{
	struct wm_racer *r = arg;
	pthread_barrier_wait(r->bar);
	r->rc = adv(r->s, 7, WM_ATTESTATION, r->level, 0, (uint8_t)(r->idx + 1), NULL);
	return NULL;
}

/* n threads (at most 64), started together, ask for the same level of id
 * (7, attestation) with different bytes: exactly one advances, the others
 * are refused. Returns the winner's digest byte. */
static inline uint8_t
race_one_key(struct wm_store *s, int32_t level, unsigned n)
{
	pthread_t th[64];
	struct wm_racer r[64];
	pthread_barrier_t bar;
	unsigned adv_n = 0, ref_n = 0;
	uint8_t won = 0;

	assert_true(n >= 1 && n <= 64);
	pthread_barrier_init(&bar, NULL, n);
	for (unsigned i = 0; i < n; i++) {
		r[i] = (struct wm_racer){.s = s, .bar = &bar, .idx = i, .level = level};
		assert_int_equal(pthread_create(&th[i], NULL, wm_race_same, &r[i]), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		adv_n += r[i].rc == WM_ADVANCED;
		ref_n += r[i].rc == SIGIL_E_WATERMARK;
		if (r[i].rc == WM_ADVANCED)
			won = (uint8_t)(r[i].idx + 1);
	}
	pthread_barrier_destroy(&bar);
	assert_int_equal(adv_n, 1);
	assert_int_equal(ref_n, n - 1);
	return won;
}

#endif
