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
 * - The acknowledged bytes signed again under an Ed25519 key give the same
 *   signature, whichever instance signed them (tt_acks.c keeps these books
 *   for drive and load alike).
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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOAD_MAX_THREADS 256
#define LOAD_MAX_PORTS 4
#define LOAD_POS_MIN TT_POS(100, 0)

struct load {
	struct tt_acks a;
	uint16_t ports[LOAD_MAX_PORTS];
	size_t nports;
	const char *stop_file;
	uint64_t deadline;
	atomic_uint_fast64_t sent, refused, unavailable, lost, unreached, same_ok,
		per_port_signed[LOAD_MAX_PORTS];
	pthread_mutex_t mu;
	char first_503[256];
};

struct lworker {
	struct load *l;
	uint64_t rnd;
	pthread_t th;
	struct tt_conn conns[LOAD_MAX_PORTS];
};

static void
load_one(struct load *l, struct lworker *w)
{
	size_t ki = tt_rand(&w->rnd) % l->a.nkeys, pi = tt_rand(&w->rnd) % l->nports;
	enum tt_kind kind = (enum tt_kind)(tt_rand(&w->rnd) % TT_KINDS);
	struct tt_slot *s = &l->a.slots[ki][kind];
	struct tt_snap snap;
	int64_t pos;
	uint64_t pid;
	struct tt_req req;
	char who[32], body[1024];
	int st;

	tt_slot_snap(s, &snap);
	pos = tt_acks_pick(&l->a, s, &snap, LOAD_POS_MIN, &w->rnd, &pid);
	tt_req_build(&req, kind, TT_LEVEL(pos), TT_ROUND(pos), pid);
	st = tt_acks_post(&l->a, &w->conns[pi], ki, &req, body, sizeof(body));
	if (st == TT_EDOWN) {
		/* That instance is down (killed): a little wait, then any. */
		atomic_fetch_add(&l->unreached, 1);
		tt_sleep_ms(5);
		return;
	}
	atomic_fetch_add(&l->sent, 1);
	snprintf(who, sizeof(who), "load: port %u", l->ports[pi]);
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
		if (pid == snap.pid && pos == snap.pos)
			atomic_fetch_add(&l->same_ok, 1);
		if (tt_acks_signed(&l->a, ki, kind, pos, pid, &req, body, &snap, who) == 0)
			atomic_fetch_add(&l->per_port_signed[pi], 1);
	} else {
		tt_acks_fail(&l->a, "%s: %s %s level %d round %d: unexpected status %d: %s", who,
		             l->a.keys[ki].pkh, tt_kind_name(kind), TT_LEVEL(pos), TT_ROUND(pos), st,
		             body);
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

static void
load_report(struct load *l, unsigned threads, uint64_t ms)
{
	printf("load: %u threads, %llu ms: %llu requests, %llu signed (", threads,
	       (unsigned long long)ms, (unsigned long long)l->sent,
	       (unsigned long long)l->a.signed_);
	for (size_t i = 0; i < l->nports; i++)
		printf("%s%llu on %u", i ? ", " : "", (unsigned long long)l->per_port_signed[i],
		       l->ports[i]);
	printf("; %llu identical again), %llu refused (409), %llu unavailable (503), %llu "
	       "unanswered, %llu connections refused; %llu failures\n",
	       (unsigned long long)l->same_ok, (unsigned long long)l->refused,
	       (unsigned long long)l->unavailable, (unsigned long long)l->lost,
	       (unsigned long long)l->unreached, (unsigned long long)l->a.failures);
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
	l->a.nkeys = (size_t)(argc - optind);
	if (l->nports == 0 || log == NULL || l->stop_file == NULL || l->a.nkeys == 0 ||
	    l->a.nkeys > TT_MAX_KEYS || threads == 0 || threads > LOAD_MAX_THREADS || max_s <= 0) {
		fprintf(stderr, "load: bad arguments (see torture_client without arguments)\n");
		return 2;
	}
	for (size_t i = 0; i < l->nports; i++)
		if (l->ports[i] == 0)
			return 2;
	if ((l->a.logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		perror(log);
		return 2;
	}
	for (size_t i = 0; i < l->a.nkeys; i++)
		if (tt_key_fetch(&l->a.keys[i], argv[optind + (int)i], l->ports[0], 10000) != 0)
			return 1;
	tt_acks_init(&l->a, LOAD_POS_MIN);
	pthread_mutex_init(&l->mu, NULL);
	t0 = tt_now_ms();
	l->deadline = t0 + (uint64_t)max_s * 1000;
	printf("load: %zu keys, %zu ports, %u threads, seed %llu\n", l->a.nkeys, l->nports, threads,
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
		tt_acks_fail(&l->a, "load: time limit of %d s reached without a stop", max_s);
	close(l->a.logfd);
	if (final && tt_acks_final(&l->a, final) != 0)
		tt_acks_fail(&l->a, "load: cannot write %s", final);
	load_report(l, threads, tt_now_ms() - t0);
	return l->a.failures ? 1 : 0;
}
