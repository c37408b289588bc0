#include "base/secmem.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

/* 64 KiB chunks of 32-byte slots; a bitmap per chunk marks slots in use and
 * a length table remembers how many slots an allocation spans. */
#define SECMEM_CHUNK (64 * 1024)
#define SECMEM_SLOT 32
#define SECMEM_SLOTS (SECMEM_CHUNK / SECMEM_SLOT)
#define SECMEM_MAX_ALLOC 4096

struct secmem_chunk {
	uint8_t *mem;
	uint16_t span[SECMEM_SLOTS]; /* slots used by the allocation starting here */
	uint8_t used[SECMEM_SLOTS];
	struct secmem_chunk *next;
};

static pthread_mutex_t secmem_mu = PTHREAD_MUTEX_INITIALIZER;
static struct secmem_chunk *secmem_chunks;
static bool secmem_lock_failed;
static size_t secmem_bytes;

static struct secmem_chunk *
secmem_new_chunk(void)
{
	struct secmem_chunk *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->mem = mmap(NULL, SECMEM_CHUNK, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->mem == MAP_FAILED) {
		free(c);
		return NULL;
	}
	if (mlock(c->mem, SECMEM_CHUNK) != 0)
		secmem_lock_failed = true;
	(void)madvise(c->mem, SECMEM_CHUNK, MADV_DONTDUMP);
	(void)madvise(c->mem, SECMEM_CHUNK, MADV_DONTFORK);
	c->next = secmem_chunks;
	secmem_chunks = c;
	return c;
}

static void *
secmem_take(struct secmem_chunk *c, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < SECMEM_SLOTS; i++) {
		run = c->used[i] ? 0 : run + 1;
		if (run == n) {
			size_t start = i + 1 - n;
			memset(c->used + start, 1, n);
			c->span[start] = (uint16_t)n;
			return c->mem + start * SECMEM_SLOT;
		}
	}
	return NULL;
}

void *
secmem_alloc(size_t len)
{
	void *p = NULL;
	if (len == 0 || len > SECMEM_MAX_ALLOC)
		return NULL;
	size_t n = (len + SECMEM_SLOT - 1) / SECMEM_SLOT;
	pthread_mutex_lock(&secmem_mu);
	for (struct secmem_chunk *c = secmem_chunks; c && !p; c = c->next)
		p = secmem_take(c, n);
	if (p == NULL) {
		struct secmem_chunk *c = secmem_new_chunk();
		if (c)
			p = secmem_take(c, n);
	}
	if (p) {
		secmem_bytes += n * SECMEM_SLOT;
		sodium_memzero(p, n * SECMEM_SLOT);
	}
	pthread_mutex_unlock(&secmem_mu);
	return p;
}

void
secmem_free(void *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&secmem_mu);
	for (struct secmem_chunk *c = secmem_chunks; c; c = c->next) {
		uint8_t *u = p;
		if (u < c->mem || u >= c->mem + SECMEM_CHUNK)
			continue;
		size_t start = (size_t)(u - c->mem) / SECMEM_SLOT;
		size_t n = c->span[start];
		sodium_memzero(u, n * SECMEM_SLOT);
		memset(c->used + start, 0, n);
		c->span[start] = 0;
		secmem_bytes -= n * SECMEM_SLOT;
		break;
	}
	pthread_mutex_unlock(&secmem_mu);
}

bool
secmem_locked(void)
{
	pthread_mutex_lock(&secmem_mu);
	bool ok = !secmem_lock_failed;
	pthread_mutex_unlock(&secmem_mu);
	return ok;
}

size_t
secmem_in_use(void)
{
	pthread_mutex_lock(&secmem_mu);
	size_t n = secmem_bytes;
	pthread_mutex_unlock(&secmem_mu);
	return n;
}

void
secmem_harden_process(void)
{
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
