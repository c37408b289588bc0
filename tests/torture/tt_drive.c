/* drive: many threads sign consensus requests for several keys while the
 * server is killed (kill -9) and restarted under them by the script.
 *
 * What must hold, and where it is checked:
 *
 * - No signature below the watermark. Before each request a thread takes a
 *   snapshot of the highest (level, round) already acknowledged for that
 *   (key, kind); a 200 for a lower one, or for the same one with other
 *   bytes, is a regression, whatever happened to the server in between.
 * - After every restart, with all threads parked (check_all): the highest
 *   acknowledged (level, round) with new bytes must be refused (409); the
 *   identical bytes must be signed again (the same Ed25519 signature), or
 *   refused only if some request above it went unanswered when the server
 *   died (it may have advanced the watermark before the kill).
 * - The log of every 200 never holds two digests for one (key, kind,
 *   level, round): checked by `torture_client scan` at the end.
 *
 * Every thread's request carries its own payload (a fresh pid), so threads
 * contending at one (level, round) would get two signatures if the
 * watermark failed. After a restart the threads resume a little below what
 * was acknowledged, so the store must refuse the old levels. */
#include "torture.h"

#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 256
#define POS_MIN TT_POS(100, 0)

enum phase { PH_PAUSE, PH_DRIVE, PH_QUIT };

struct drive {
	struct tt_acks a;
	uint16_t port, util_port;
	const char *stop_file;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum phase phase;
	uint64_t gen; /* one per driving period */
	unsigned parked, nthreads;
	atomic_int down;

	atomic_uint_fast64_t sent, refused, lost, unreached;
	uint64_t checks, checks_cut, same_ok, same_refused, pauses;
};

struct worker {
	struct drive *d;
	unsigned idx;
	uint64_t rnd;
	pthread_t th;
};

static bool
stop_requested(const struct drive *d)
{
	return access(d->stop_file, F_OK) == 0;
}

static void
note_lost(struct tt_slot *s, int64_t pos)
{
	pthread_mutex_lock(&s->mu);
	if (pos > s->lost)
		s->lost = pos;
	pthread_mutex_unlock(&s->mu);
}

/* One request: 0, or -1 when the connection failed (server gone). */
static int
drive_one(struct drive *d, struct worker *w, struct tt_conn *c)
{
	size_t ki = tt_rand(&w->rnd) % d->a.nkeys;
	enum tt_kind kind = (enum tt_kind)(tt_rand(&w->rnd) % TT_KINDS);
	struct tt_slot *s = &d->a.slots[ki][kind];
	struct tt_snap snap;
	int64_t pos;
	uint64_t pid;
	struct tt_req req;
	char body[1024];
	int st;

	tt_slot_snap(s, &snap);
	pos = tt_acks_pick(&d->a, s, &snap, POS_MIN, &w->rnd, &pid);
	tt_req_build(&req, kind, TT_LEVEL(pos), TT_ROUND(pos), pid);
	st = tt_acks_post(&d->a, c, ki, &req, body, sizeof(body));
	if (st == TT_EDOWN) {
		atomic_fetch_add(&d->unreached, 1);
		return -1;
	}
	atomic_fetch_add(&d->sent, 1);
	if (st == TT_ELOST) {
		atomic_fetch_add(&d->lost, 1);
		note_lost(s, pos);
		return -1;
	}
	if (st == 409) {
		atomic_fetch_add(&d->refused, 1);
	} else if (st == 200) {
		tt_acks_signed(&d->a, ki, kind, pos, pid, &req, body, &snap, "drive");
	} else {
		tt_acks_fail(&d->a, "drive: %s %s level %d round %d: unexpected status %d: %s",
		             d->a.keys[ki].pkh, tt_kind_name(kind), TT_LEVEL(pos), TT_ROUND(pos), st,
		             body);
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct drive *d = w->d;
	struct tt_conn c;
	uint64_t bad_gen = 0, gen;
	bool parked = false, quit;

	tt_conn_init(&c, d->port, 10000);
	for (;;) {
		pthread_mutex_lock(&d->mu);
		while (d->phase != PH_QUIT && (d->phase != PH_DRIVE || d->gen == bad_gen)) {
			if (!parked) {
				parked = true;
				d->parked++;
				tt_conn_close(&c); /* the next period may face a new server */
				pthread_cond_broadcast(&d->cv);
			}
			pthread_cond_wait(&d->cv, &d->mu);
		}
		if (parked) {
			parked = false;
			d->parked--;
		}
		quit = d->phase == PH_QUIT;
		gen = d->gen;
		pthread_mutex_unlock(&d->mu);
		if (quit)
			break;
		if (drive_one(d, w, &c) != 0) {
			/* No more requests until the main thread has checked the
			 * server that answers next. */
			bad_gen = gen;
			atomic_store(&d->down, 1);
		}
	}
	tt_conn_close(&c);
	return NULL;
}

/* Reads /metrics and /healthz while the workers sign, so that a sanitizer
 * build sees the counters read as they are written. Answers are not
 * judged beyond being 200 while the server is up. */
static void *
poller_main(void *arg)
{
	struct drive *d = arg;
	struct tt_conn c;
	char body[256];
	enum phase ph;
	unsigned i = 0;

	tt_conn_init(&c, d->util_port, 10000);
	for (;;) {
		pthread_mutex_lock(&d->mu);
		ph = d->phase;
		pthread_mutex_unlock(&d->mu);
		if (ph == PH_QUIT)
			break;
		if (ph == PH_DRIVE &&
		    tt_http(&c, "GET", i++ % 2 ? "/metrics" : "/healthz", "", 0, body,
		            sizeof(body)) < 0)
			tt_conn_close(&c);
		tt_sleep_ms(5);
	}
	tt_conn_close(&c);
	return NULL;
}

/* With every worker parked: the checks after a (re)start. 0, or -1 when the
 * server went away meanwhile. */
static int
check_all(struct drive *d)
{
	struct tt_conn c;
	int rc = -1;

	tt_conn_init(&c, d->port, 10000);
	for (size_t ki = 0; ki < d->a.nkeys; ki++) {
		for (int kind = 0; kind < TT_KINDS; kind++) {
			struct tt_slot *s = &d->a.slots[ki][kind];
			const struct tt_key *k = &d->a.keys[ki];
			struct tt_snap snap;
			struct tt_req req;
			char body[1024];
			int st;

			tt_slot_snap(s, &snap);
			if (snap.pos < 0)
				continue;
			int32_t lv = TT_LEVEL(snap.pos), rd = TT_ROUND(snap.pos);
			/* Other bytes at the acknowledged (level, round). */
			uint64_t pid = atomic_fetch_add(&d->a.pid_seq, 1);
			tt_req_build(&req, (enum tt_kind)kind, lv, rd, pid);
			st = tt_acks_post(&d->a, &c, ki, &req, body, sizeof(body));
			if (st == TT_ELOST)
				note_lost(s, snap.pos);
			if (st < 0)
				goto out;
			if (st == 200)
				tt_acks_signed(&d->a, ki, (enum tt_kind)kind, snap.pos, pid, &req, body,
				               &snap, "check");
			else if (st != 409)
				tt_acks_fail(&d->a, "check: %s %s level %d round %d: expected 409, got "
				             "%d: %s", k->pkh, tt_kind_name(kind), lv, rd, st, body);
			/* The acknowledged bytes themselves. */
			tt_req_build(&req, (enum tt_kind)kind, lv, rd, snap.pid);
			st = tt_acks_post(&d->a, &c, ki, &req, body, sizeof(body));
			if (st < 0)
				goto out;
			if (st == 200) {
				d->same_ok++;
				tt_acks_signed(&d->a, ki, (enum tt_kind)kind, snap.pos, snap.pid, &req,
				               body, &snap, "check");
			} else if (st == 409 && s->lost > snap.pos) {
				d->same_refused++;
			} else {
				tt_acks_fail(&d->a, "check: %s %s level %d round %d: identical request "
				             "got %d, and no request above it went unanswered (highest: "
				             "%d/%d): %s", k->pkh, tt_kind_name(kind), lv, rd, st,
				             s->lost < 0 ? -1 : TT_LEVEL(s->lost),
				             s->lost < 0 ? -1 : TT_ROUND(s->lost), body);
			}
		}
	}
	rc = 0;
out:
	tt_conn_close(&c);
	return rc;
}

/* Waits until the port accepts connections: 0, or -1 after wait_ms. */
static int
wait_up(struct drive *d, int wait_ms)
{
	uint64_t until = tt_now_ms() + (uint64_t)wait_ms;
	struct tt_conn c;

	tt_conn_init(&c, d->port, 1000);
	while (tt_conn_open(&c) != 0) {
		if (tt_now_ms() > until)
			return -1;
		tt_sleep_ms(2);
	}
	tt_conn_close(&c);
	return 0;
}

static void
set_phase(struct drive *d, enum phase p)
{
	pthread_mutex_lock(&d->mu);
	d->phase = p;
	if (p == PH_DRIVE) {
		d->gen++;
		atomic_store(&d->down, 0);
	}
	pthread_cond_broadcast(&d->cv);
	if (p == PH_PAUSE)
		while (d->parked < d->nthreads)
			pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

/* Resume anywhere from 8 positions below to 3 above what was acknowledged. */
static void
reposition(struct drive *d, uint64_t *rnd)
{
	for (size_t ki = 0; ki < d->a.nkeys; ki++)
		for (int kind = 0; kind < TT_KINDS; kind++) {
			struct tt_slot *s = &d->a.slots[ki][kind];
			int64_t base = s->acked >= 0 ? s->acked : atomic_load(&s->cursor);
			int64_t pos = base - 8 + (int64_t)(tt_rand(rnd) % 12);
			atomic_store(&s->cursor, pos < POS_MIN ? POS_MIN : pos);
		}
}

static struct drive D;
static struct worker W[MAX_THREADS];

int
tt_drive_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", 1, 0, 'p'}, {"log", 1, 0, 'l'}, {"stop-file", 1, 0, 's'},
		{"threads", 1, 0, 't'}, {"max-seconds", 1, 0, 'm'}, {"down-wait-ms", 1, 0, 'w'},
		{"final", 1, 0, 'f'}, {"seed", 1, 0, 'r'}, {"util-port", 1, 0, 'u'},
		{0, 0, 0, 0},
	};
	struct drive *d = &D;
	const char *log = NULL, *final = NULL;
	unsigned threads = 16;
	int max_s = 3600, down_wait = 30000, o, rc = 1;
	uint64_t seed = (uint64_t)getpid() * 2654435761u ^ tt_now_ms(), deadline;

	d->port = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': d->port = (uint16_t)atoi(optarg); break;
		case 'l': log = optarg; break;
		case 's': d->stop_file = optarg; break;
		case 't': threads = (unsigned)atoi(optarg); break;
		case 'm': max_s = atoi(optarg); break;
		case 'w': down_wait = atoi(optarg); break;
		case 'f': final = optarg; break;
		case 'r': seed = strtoull(optarg, NULL, 0); break;
		case 'u': d->util_port = (uint16_t)atoi(optarg); break;
		default: return 2;
		}
	}
	d->a.nkeys = (size_t)(argc - optind);
	if (d->port == 0 || log == NULL || d->stop_file == NULL || d->a.nkeys == 0 ||
	    d->a.nkeys > TT_MAX_KEYS || threads == 0 || threads > MAX_THREADS) {
		fprintf(stderr, "drive: bad arguments (see torture_client without arguments)\n");
		return 2;
	}
	if ((d->a.logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		perror(log);
		return 2;
	}
	for (size_t i = 0; i < d->a.nkeys; i++)
		if (tt_key_fetch(&d->a.keys[i], argv[optind + (int)i], d->port, down_wait) != 0)
			return 1;
	tt_acks_init(&d->a, POS_MIN);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->phase = PH_PAUSE;
	d->nthreads = threads;
	printf("drive: %zu keys, %u threads, seed %llu\n", d->a.nkeys, threads,
	       (unsigned long long)seed);
	fflush(stdout);
	for (unsigned i = 0; i < threads; i++) {
		W[i] = (struct worker){d, i, seed + 0x9e3779b97f4a7c15ull * (i + 1), 0};
		if (pthread_create(&W[i].th, NULL, worker_main, &W[i]) != 0)
			return 1;
	}
	set_phase(d, PH_PAUSE);
	pthread_t poller;
	bool polling = d->util_port != 0 && pthread_create(&poller, NULL, poller_main, d) == 0;

	deadline = tt_now_ms() + (uint64_t)max_s * 1000;
	for (;;) {
		if (tt_now_ms() > deadline) {
			tt_acks_fail(&d->a, "drive: time limit of %d s reached without a stop", max_s);
			break;
		}
		if (wait_up(d, down_wait) != 0) {
			tt_acks_fail(&d->a, "drive: the server did not come back within %d ms", down_wait);
			break;
		}
		if (check_all(d) != 0) {
			d->checks_cut++;
			continue;
		}
		d->checks++;
		if (stop_requested(d)) {
			rc = 0;
			break;
		}
		reposition(d, &seed);
		set_phase(d, PH_DRIVE);
		while (!atomic_load(&d->down) && !stop_requested(d) && tt_now_ms() < deadline)
			tt_sleep_ms(1);
		set_phase(d, PH_PAUSE);
		d->pauses++;
	}
	set_phase(d, PH_QUIT);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(W[i].th, NULL);
	if (polling)
		pthread_join(poller, NULL);
	close(d->a.logfd);
	if (final && tt_acks_final(&d->a, final) != 0)
		tt_acks_fail(&d->a, "drive: cannot write %s", final);
	printf("drive: %llu requests, %llu signed, %llu refused (409), %llu unanswered "
	       "(killed in flight), %llu connections refused; %llu pauses, %llu checks "
	       "(%llu cut short); identical re-sign after restart: %llu signed, %llu refused "
	       "(explained by unanswered higher requests); %llu failures\n",
	       (unsigned long long)d->sent, (unsigned long long)d->a.signed_,
	       (unsigned long long)d->refused, (unsigned long long)d->lost,
	       (unsigned long long)d->unreached, (unsigned long long)d->pauses,
	       (unsigned long long)d->checks, (unsigned long long)d->checks_cut,
	       (unsigned long long)d->same_ok, (unsigned long long)d->same_refused,
	       (unsigned long long)d->a.failures);
	return d->a.failures ? 1 : rc;
}
