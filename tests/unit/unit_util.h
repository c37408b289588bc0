/* Helpers shared by the unit tests (included after <cmocka.h>). */
#ifndef SIGIL_TEST_UNIT_UTIL_H
#define SIGIL_TEST_UNIT_UTIL_H
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* sem_wait for at most five seconds: a post that never comes fails the
 * test instead of hanging it. */
static inline void
sem_wait_5s(sem_t *sem)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 5;
	assert_int_equal(sem_timedwait(sem, &t), 0);
}

/* a - b for 32-byte big-endian numbers (a >= b): n - s of a signature. */
static inline void
sub32(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
	int borrow = 0;

	for (int i = 31; i >= 0; i--) {
		int d = a[i] - b[i] - borrow;
		borrow = d < 0;
		out[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

/* Hex into out (at most cap bytes); the test fails on bad hex. */
static inline size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(strlen(h) % 2 == 0 && n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* A copy of len bytes of s that ends flush against a PROT_NONE page, so a
 * parser reading one byte past the end crashes. Unmap *map (*maplen bytes). */
static inline char *
flush_copy(const void *s, size_t len, void **map, size_t *maplen)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (len + pg - 1) / pg * pg + pg;
	uint8_t *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + n - pg, pg, PROT_NONE), 0);
	char *p = (char *)m + n - pg - len;
	memcpy(p, s, len);
	*map = m;
	*maplen = n;
	return p;
}
#endif
