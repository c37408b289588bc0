/* load: many threads sign consensus requests for several keys through
 * several sigild instances that share one watermark store (a database),
 * while the script kills instances, cuts their database sessions or fails
 * the database over under them. Unlike drive, nothing pauses: an instance
 * that is down is skipped, and the others carry on.
 *
 * What must hold, whichever instance answered:
 *
 * - No signature below the watermark: a 200 for a (level, round) below
 *   the highest one acknowledged (by any instance) before the request was
 *   sent is a regression; the store is one truth for all of them.
 * - No two 200s at one (key, kind, level, round) for different bytes.
 * - Every 200 carries a valid signature over the request; it is logged
 *   (tt_log.c) for the scan, and for the script, which holds the marks in
 *   the database against it (each must be at or above every logged one).
 * - Every answer is 200, 409 or 503 (the store cannot answer: nothing was
 *   signed); anything else is a failure.
 *
 * Requests contend as drive's do: half at the current (level, round) of
 * their (key, kind), the rest a little above or below it, or the bytes
 * already acknowledged again. */
#include "torture.h"

#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOAD_MAX_KEYS 16
#define LOAD_MAX_THREADS 256
#define LOAD_MAX_PORTS 4
#define LOAD_POS_MIN TT_POS(100, 0)

struct lslot {
	pthread_mutex_t mu;
	_Atomic int64_t cursor;
	int64_t acked; /* highest acknowledged position, -1: none */
	uint8_t digest[32];
	uint64_t pid;
};

struct load {
	struct tt_key keys[LOAD_MAX_KEYS];
	size_t nkeys;
	struct lslot slots[LOAD_MAX_KEYS][TT_KINDS];
	uint16_t ports[LOAD_MAX_PORTS];
	size_t nports;
	int logfd;
	const char *stop_file;
	uint64_t deadline;
	atomic_uint_fast64_t pid_seq, sent, signed_, refused, unavailable, lost, unreached,
		same_ok, failures, per_port_signed[LOAD_MAX_PORTS];
	pthread_mutex_t mu;
	char first_503[256];
};

struct lworker {
	struct load *l;
	uint64_t rnd;
	pthread_t th;
	struct tt_conn conns[LOAD_MAX_PORTS];
};

static void __attribute__((format(printf, 2, 3)))
load_fail(struct load *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (atomic_fetch_add(&l->failures, 1) >= 50)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL: %s\n", msg); /* one call: lines from threads stay whole */
	fflush(stdout);
}

static void
load_cursor_raise(struct lslot *s, int64_t pos)
{
	int64_t cur = atomic_load(&s->cursor);
	while (cur < pos && !atomic_compare_exchange_weak(&s->cursor, &cur, pos))
		;
}

/* A 200 for (ki, kind, pos) from ports[pi], held against what was
 * acknowledged before the request was sent (snap_*) and since. */
static void
load_signed(struct load *l, size_t ki, enum tt_kind kind, int64_t pos, uint64_t pid,
            const struct tt_req *r, const char *body, int64_t snap_pos,
            const uint8_t snap_digest[32], size_t pi)
{
	const struct tt_key *k = &l->keys[ki];
	struct lslot *s = &l->slots[ki][kind];
	char sig[TZ_B58_MAX];
	int32_t lv = TT_LEVEL(pos), rd = TT_ROUND(pos);

	if (tt_sig_check(k, r, body, sig, sizeof(sig)) != 0) {
		load_fail(l, "load: port %u: %s %s level %d round %d: invalid signature in %s",
		          l->ports[pi], k->pkh, tt_kind_name(kind), lv, rd, body);
		return;
	}
	tt_log_ack(l->logfd, k->pkh, kind, lv, rd, r->digest, pid, sig);
	atomic_fetch_add(&l->signed_, 1);
	atomic_fetch_add(&l->per_port_signed[pi], 1);
	pthread_mutex_lock(&s->mu);
	if (pos < snap_pos)
		load_fail(l, "load: port %u: WATERMARK REGRESSION: %s %s signed level %d round %d "
		          "after level %d round %d was acknowledged (pid %llx)", l->ports[pi],
		          k->pkh, tt_kind_name(kind), lv, rd, TT_LEVEL(snap_pos), TT_ROUND(snap_pos),
		          (unsigned long long)pid);
	else if ((pos == snap_pos && memcmp(r->digest, snap_digest, 32) != 0) ||
	         (pos == s->acked && memcmp(r->digest, s->digest, 32) != 0))
		load_fail(l, "load: port %u: DOUBLE SIGN: %s %s level %d round %d signed for pid "
		          "%llx while pid %llx was acknowledged there", l->ports[pi], k->pkh,
		          tt_kind_name(kind), lv, rd, (unsigned long long)pid,
		          (unsigned long long)s->pid);
	if (pos > s->acked) {
		s->acked = pos;
		memcpy(s->digest, r->digest, 32);
		s->pid = pid;
	}
	pthread_mutex_unlock(&s->mu);
}

/* The position of the next request for s, and its payload id (the
 * acknowledged one when the request repeats it). */
static int64_t
load_pick(struct load *l, struct lworker *w, struct lslot *s, int64_t snap_pos,
          uint64_t snap_pid, uint64_t *pid)
{
	int64_t cur = atomic_load(&s->cursor), pos;
	uint64_t r = tt_rand(&w->rnd) % 100;

	*pid = 0;
	if (r < 50) {
		pos = cur;
	} else if (r < 78) {
		pos = cur + 1 + (int64_t)(tt_rand(&w->rnd) % 3);
		load_cursor_raise(s, pos);
	} else if (r < 88) {
		pos = cur - 1 - (int64_t)(tt_rand(&w->rnd) % 8);
	} else if (r < 96 && snap_pos >= 0) {
		pos = snap_pos;
		*pid = snap_pid;
	} else {
		pos = cur + 4 + (int64_t)(tt_rand(&w->rnd) % 40);
		load_cursor_raise(s, pos);
	}
	if (pos < LOAD_POS_MIN)
		pos = LOAD_POS_MIN;
	if (*pid == 0)
		*pid = atomic_fetch_add(&l->pid_seq, 1);
	return pos;
}

static void
load_one(struct load *l, struct lworker *w)
{
	size_t ki = tt_rand(&w->rnd) % l->nkeys, pi = tt_rand(&w->rnd) % l->nports;
	enum tt_kind kind = (enum tt_kind)(tt_rand(&w->rnd) % TT_KINDS);
	struct lslot *s = &l->slots[ki][kind];
	int64_t snap_pos, pos;
	uint8_t snap_digest[32];
	uint64_t snap_pid, pid;
	struct tt_req req;
	char path[256], body[1024];
	int st;

	pthread_mutex_lock(&s->mu);
	snap_pos = s->acked;
	snap_pid = s->pid;
	memcpy(snap_digest, s->digest, 32);
	pthread_mutex_unlock(&s->mu);
	pos = load_pick(l, w, s, snap_pos, snap_pid, &pid);
	tt_req_build(&req, kind, TT_LEVEL(pos), TT_ROUND(pos), pid);
	snprintf(path, sizeof(path), "/keys/%s", l->keys[ki].pkh);
	st = tt_http(&w->conns[pi], "POST", path, req.body, req.body_len, body, sizeof(body));
	if (st == TT_EDOWN) {
		/* That instance is down (killed): a little wait, then any. */
		atomic_fetch_add(&l->unreached, 1);
		tt_sleep_ms(5);
		return;
	}
	atomic_fetch_add(&l->sent, 1);
	if (st == TT_ELOST) {
		atomic_fetch_add(&l->lost, 1);
	} else if (st == 409) {
		atomic_fetch_add(&l->refused, 1);
	} else if (st == 503) {
		pthread_mutex_lock(&l->mu);
		if (l->first_503[0] == '\0')
			snprintf(l->first_503, sizeof(l->first_503), "%.200s", body);
		pthread_mutex_unlock(&l->mu);
		atomic_fetch_add(&l->unavailable, 1);
	} else if (st == 200) {
		if (pid == snap_pid && pos == snap_pos)
			atomic_fetch_add(&l->same_ok, 1);
		load_signed(l, ki, kind, pos, pid, &req, body, snap_pos, snap_digest, pi);
	} else {
		load_fail(l, "load: port %u: %s %s level %d round %d: unexpected status %d: %s",
		          l->ports[pi], l->keys[ki].pkh, tt_kind_name(kind), TT_LEVEL(pos),
		          TT_ROUND(pos), st, body);
	}
}

static void *
load_worker(void *arg)
{
	struct lworker *w = arg;
	struct load *l = w->l;
	unsigned n = 0;

	for (size_t i = 0; i < l->nports; i++)
		tt_conn_init(&w->conns[i], l->ports[i], 10000);
	/* The stop file is looked at every few requests: a stat per request
	 * would cost more than the request on loopback. */
	while (!(n++ % 16 == 0 && (access(l->stop_file, F_OK) == 0 || tt_now_ms() > l->deadline)))
		load_one(l, w);
	for (size_t i = 0; i < l->nports; i++)
		tt_conn_close(&w->conns[i]);
	return NULL;
}

static int
load_final(struct load *l, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (size_t ki = 0; ki < l->nkeys; ki++)
		for (int kind = 0; kind < TT_KINDS; kind++)
			if (l->slots[ki][kind].acked >= 0)
				fprintf(f, "%s\t%s\t%d\t%d\n", l->keys[ki].pkh, tt_kind_name(kind),
				        TT_LEVEL(l->slots[ki][kind].acked),
				        TT_ROUND(l->slots[ki][kind].acked));
	return fclose(f) == 0 ? 0 : -1;
}

static void
load_report(struct load *l, unsigned threads, uint64_t ms)
{
	printf("load: %u threads, %llu ms: %llu requests, %llu signed (", threads,
	       (unsigned long long)ms, (unsigned long long)l->sent,
	       (unsigned long long)l->signed_);
	for (size_t i = 0; i < l->nports; i++)
		printf("%s%llu on %u", i ? ", " : "", (unsigned long long)l->per_port_signed[i],
		       l->ports[i]);
	printf("; %llu identical again), %llu refused (409), %llu unavailable (503), %llu "
	       "unanswered, %llu connections refused; %llu failures\n",
	       (unsigned long long)l->same_ok, (unsigned long long)l->refused,
	       (unsigned long long)l->unavailable, (unsigned long long)l->lost,
	       (unsigned long long)l->unreached, (unsigned long long)l->failures);
	if (l->first_503[0])
		printf("load: first 503: %s\n", l->first_503);
}

static struct load L;
static struct lworker LW[LOAD_MAX_THREADS];

int
tt_load_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", 1, 0, 'p'}, {"log", 1, 0, 'l'}, {"stop-file", 1, 0, 's'},
		{"threads", 1, 0, 't'}, {"max-seconds", 1, 0, 'm'}, {"final", 1, 0, 'f'},
		{"seed", 1, 0, 'r'}, {0, 0, 0, 0},
	};
	struct load *l = &L;
	const char *log = NULL, *final = NULL;
	unsigned threads = 16;
	int max_s = 600, o;
	uint64_t seed = (uint64_t)getpid() * 2654435761u ^ tt_now_ms(), t0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			if (l->nports == LOAD_MAX_PORTS)
				return 2;
			l->ports[l->nports++] = (uint16_t)atoi(optarg);
			break;
		case 'l': log = optarg; break;
		case 's': l->stop_file = optarg; break;
		case 't': threads = (unsigned)atoi(optarg); break;
		case 'm': max_s = atoi(optarg); break;
		case 'f': final = optarg; break;
		case 'r': seed = strtoull(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	l->nkeys = (size_t)(argc - optind);
	if (l->nports == 0 || log == NULL || l->stop_file == NULL || l->nkeys == 0 ||
	    l->nkeys > LOAD_MAX_KEYS || threads == 0 || threads > LOAD_MAX_THREADS || max_s <= 0) {
		fprintf(stderr, "load: bad arguments (see torture_client without arguments)\n");
		return 2;
	}
	for (size_t i = 0; i < l->nports; i++)
		if (l->ports[i] == 0)
			return 2;
	if ((l->logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		perror(log);
		return 2;
	}
	for (size_t i = 0; i < l->nkeys; i++)
		if (tt_key_fetch(&l->keys[i], argv[optind + (int)i], l->ports[0], 10000) != 0)
			return 1;
	for (size_t i = 0; i < l->nkeys; i++)
		for (int k = 0; k < TT_KINDS; k++) {
			pthread_mutex_init(&l->slots[i][k].mu, NULL);
			atomic_init(&l->slots[i][k].cursor, LOAD_POS_MIN);
			l->slots[i][k].acked = -1;
		}
	pthread_mutex_init(&l->mu, NULL);
	atomic_init(&l->pid_seq, 1);
	t0 = tt_now_ms();
	l->deadline = t0 + (uint64_t)max_s * 1000;
	printf("load: %zu keys, %zu ports, %u threads, seed %llu\n", l->nkeys, l->nports, threads,
	       (unsigned long long)seed);
	fflush(stdout);
	for (unsigned i = 0; i < threads; i++) {
		LW[i].l = l;
		LW[i].rnd = seed + 0x9e3779b97f4a7c15ull * (i + 1);
		if (pthread_create(&LW[i].th, NULL, load_worker, &LW[i]) != 0) {
			fprintf(stderr, "load: cannot start thread %u\n", i);
			return 1; /* the others stop at the deadline: exit, not join */
		}
	}
	for (unsigned i = 0; i < threads; i++)
		pthread_join(LW[i].th, NULL);
	if (access(l->stop_file, F_OK) != 0)
		load_fail(l, "load: time limit of %d s reached without a stop", max_s);
	close(l->logfd);
	if (final && load_final(l, final) != 0)
		load_fail(l, "load: cannot write %s", final);
	load_report(l, threads, tt_now_ms() - t0);
	return l->failures ? 1 : 0;
}
