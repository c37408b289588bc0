/* The signature log: one line per 200 the harness received,
 *
 *   <pkh> <kind> <level> <round> <blake2b-256 hex> <pid hex> <signature>
 *
 * written with one write(2) each so that lines from many threads never
 * interleave. The scan is the final verdict: two lines with one (pkh, kind,
 * level, round) and different digests are a double sign. */
#include "torture.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
tt_log_ack(int fd, const char *pkh, enum tt_kind kind, int32_t level, int32_t round,
           const uint8_t digest[32], uint64_t pid, const char *sig)
{
	char hex[65], line[512];
	int n;

	tt_hex(digest, 32, hex);
	n = snprintf(line, sizeof(line), "%s %s %" PRId32 " %" PRId32 " %s %016" PRIx64 " %s\n",
	             pkh, tt_kind_name(kind), level, round, hex, pid, sig);
	if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n) {
		/* Losing a line would weaken the verdict: stop here. */
		fprintf(stderr, "torture: cannot append to the signature log: %s\n", strerror(errno));
		abort();
	}
}

struct ent {
	bool used;
	uint8_t kind;
	uint16_t key;
	int32_t level, round;
	uint8_t digest[32];
	uint64_t line;
};

struct table {
	struct ent *e;
	size_t cap, n;
};

static uint64_t
ent_hash(uint16_t key, uint8_t kind, int32_t level, int32_t round)
{
	uint64_t h = ((uint64_t)key << 40) ^ ((uint64_t)kind << 32) ^ (uint32_t)level;
	h ^= (uint64_t)(uint32_t)round * 0x9e3779b97f4a7c15ull;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

static struct ent *
slot_for(struct table *t, uint16_t key, uint8_t kind, int32_t level, int32_t round)
{
	size_t i = (size_t)ent_hash(key, kind, level, round) & (t->cap - 1);
	for (;; i = (i + 1) & (t->cap - 1)) {
		struct ent *e = &t->e[i];
		if (!e->used || (e->key == key && e->kind == kind && e->level == level &&
		                 e->round == round))
			return e;
	}
}

static int
grow(struct table *t)
{
	struct table n = {calloc(t->cap * 2, sizeof(struct ent)), t->cap * 2, t->n};
	if (n.e == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].used)
			*slot_for(&n, t->e[i].key, t->e[i].kind, t->e[i].level, t->e[i].round) =
				t->e[i];
	free(t->e);
	*t = n;
	return 0;
}

static int
unhex32(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
tt_log_scan(const char *path)
{
	enum { MAX_KEYS = 256 };
	char keys[MAX_KEYS][64];
	size_t nkeys = 0, identical = 0, conflicts = 0;
	struct table t = {calloc(1 << 16, sizeof(struct ent)), 1 << 16, 0};
	char *line = NULL;
	size_t lcap = 0;
	uint64_t lineno = 0;
	int rc = 2;
	FILE *f = fopen(path, "r");

	if (f == NULL || t.e == NULL) {
		fprintf(stderr, "scan: %s: %s\n", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &lcap, f) > 0) {
		char pkh[64], kind[32], hex[80], sig[TZ_B58_MAX];
		int32_t level, round;
		uint64_t pid;
		uint8_t digest[32];
		size_t k;
		int kd;

		lineno++;
		if (sscanf(line, "%63s %31s %" SCNd32 " %" SCNd32 " %79s %" SCNx64 " %159s", pkh, kind,
		           &level, &round, hex, &pid, sig) != 7 ||
		    (kd = tt_kind_from_name(kind)) < 0 || unhex32(hex, digest) != 0) {
			fprintf(stderr, "scan: %s:%" PRIu64 ": malformed line\n", path, lineno);
			goto out;
		}
		for (k = 0; k < nkeys && strcmp(keys[k], pkh) != 0; k++)
			;
		if (k == nkeys) {
			if (nkeys == MAX_KEYS)
				goto out;
			memcpy(keys[nkeys++], pkh, sizeof(pkh));
		}
		if (2 * (t.n + 1) > t.cap && grow(&t) != 0)
			goto out;
		struct ent *e = slot_for(&t, (uint16_t)k, (uint8_t)kd, level, round);
		if (!e->used) {
			*e = (struct ent){true, (uint8_t)kd, (uint16_t)k, level, round, {0}, lineno};
			memcpy(e->digest, digest, 32);
			t.n++;
		} else if (memcmp(e->digest, digest, 32) == 0) {
			identical++;
		} else {
			conflicts++;
			char first[65];
			tt_hex(e->digest, 32, first);
			printf("DOUBLE SIGN: %s %s level %" PRId32 " round %" PRId32
			       ": line %" PRIu64 " digest %s, line %" PRIu64 " digest %s\n",
			       pkh, kind, level, round, e->line, first, lineno, hex);
		}
	}
	if (ferror(f))
		goto out;
	printf("scan: %" PRIu64 " signatures, %zu distinct (key, kind, level, round), "
	       "%zu identical re-signs, %zu double signs\n",
	       lineno, t.n, identical, conflicts);
	rc = conflicts ? 1 : 0;
out:
	if (f)
		fclose(f);
	free(line);
	free(t.e);
	return rc;
}
