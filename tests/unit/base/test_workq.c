/* The worker queue (base/workq.h): jobs start in submit order, a stop runs
 * everything queued before it and refuses what comes after, a queued item
 * submitted again runs once, drain waits for running jobs, and many
 * producers lose nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <semaphore.h>
#include <cmocka.h>

#include "../unit_util.h"

#include "base/errors.h"
#include "base/workq.h"

struct job {
	struct workq_item it; /* first */
	int producer, seq;
	atomic_int runs;
	sem_t *gate;    /* when set, the job waits here before it ends */
	sem_t *started; /* when set, posted as the job begins */
};

/* Start order, written only by the queue's thread (one-thread tests). */
struct trace {
	int order[20000];
	atomic_int n;
};

static void
job_run(struct workq_item *it, void *ctx)
{
	struct job *j = (struct job *)it;
	struct trace *t = ctx;

	if (j->started != NULL)
		sem_post(j->started);
	if (t != NULL)
		t->order[atomic_fetch_add(&t->n, 1)] = j->seq;
	atomic_fetch_add(&j->runs, 1);
	if (j->gate != NULL)
		sem_wait_5s(j->gate);
}

static void
test_fifo(void **state)
{
	static struct trace t;
	static struct job jobs[1000];
	struct workq q = WORKQ_INITIALIZER;
	sem_t gate, started;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(jobs, 0, sizeof(jobs));
	sem_init(&gate, 0, 0);
	sem_init(&started, 0, 0);
	assert_int_equal(workq_start(&q, 1, job_run, &t), 0);
	/* The first job holds the thread, so that the rest queue up. */
	jobs[0].gate = &gate;
	jobs[0].started = &started;
	for (int i = 0; i < 1000; i++) {
		jobs[i].seq = i;
		assert_int_equal(workq_submit(&q, &jobs[i].it), 0);
	}
	sem_wait_5s(&started);
	sem_post(&gate);
	workq_drain(&q);
	assert_int_equal(atomic_load(&t.n), 1000);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(t.order[i], i);
		assert_int_equal(atomic_load(&jobs[i].runs), 1);
	}
	workq_stop(&q);
	sem_destroy(&gate);
	sem_destroy(&started);
}

struct stopper {
	struct workq *q;
	atomic_bool done;
};

static void *
stop_thread(void *arg)
{
	struct stopper *s = arg;
	workq_stop(s->q);
	atomic_store(&s->done, true);
	return NULL;
}

static bool
is_stopping(struct workq *q)
{
	pthread_mutex_lock(&q->mu);
	bool st = q->stopping;
	pthread_mutex_unlock(&q->mu);
	return st;
}

/* A stop runs what is queued before it returns, refuses submits from the
 * moment it begins, and the queue can be started again afterwards. */
static void
test_stop_drains(void **state)
{
	static struct trace t;
	static struct job jobs[200];
	struct job late = {0};
	struct workq q;
	struct stopper s = {.q = &q};
	sem_t gate, started;
	pthread_t th;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(jobs, 0, sizeof(jobs));
	sem_init(&gate, 0, 0);
	sem_init(&started, 0, 0);
	workq_init(&q);
	assert_int_equal(workq_submit(&q, &late.it), SIGIL_E_NOT_READY); /* not started */
	workq_stop(&q); /* not started: nothing to do */
	assert_int_equal(workq_start(&q, 2, job_run, &t), 0);
	assert_int_equal(q.nthreads, 2);
	assert_int_equal(workq_start(&q, 2, job_run, &t), SIGIL_E_INVALID); /* running */
	jobs[0].gate = &gate;
	jobs[0].started = &started;
	jobs[1].gate = &gate;
	jobs[1].started = &started;
	for (int i = 0; i < 200; i++) {
		jobs[i].seq = i;
		assert_int_equal(workq_submit(&q, &jobs[i].it), 0);
	}
	sem_wait_5s(&started);
	sem_wait_5s(&started); /* both threads held, 198 jobs queued */
	assert_int_equal(pthread_create(&th, NULL, stop_thread, &s), 0);
	for (int i = 0; i < 5000 && !is_stopping(&q); i++)
		usleep(1000);
	assert_true(is_stopping(&q));
	assert_int_equal(workq_submit(&q, &late.it), SIGIL_E_NOT_READY);
	usleep(20000);
	assert_false(atomic_load(&s.done)); /* waits for the held jobs */
	sem_post(&gate);
	sem_post(&gate);
	pthread_join(th, NULL);
	assert_int_equal(atomic_load(&t.n), 200);
	for (int i = 0; i < 200; i++)
		assert_int_equal(atomic_load(&jobs[i].runs), 1);
	assert_int_equal(atomic_load(&late.runs), 0);
	assert_int_equal(workq_submit(&q, &late.it), SIGIL_E_NOT_READY);

	/* Started again, it runs jobs again (log_out.c restarts its writer). */
	assert_int_equal(workq_start(&q, 1, job_run, NULL), 0);
	assert_int_equal(workq_submit(&q, &late.it), 0);
	workq_stop(&q);
	assert_int_equal(atomic_load(&late.runs), 1);
	workq_destroy(&q);
	sem_destroy(&gate);
	sem_destroy(&started);
}

/* A submit of an item already queued does nothing; one of an item whose job
 * has started queues it again (the log's flush relies on both). */
static void
test_coalesce(void **state)
{
	struct workq q = WORKQ_INITIALIZER;
	struct job hold = {0}, flush = {0};
	sem_t gate, started;

	(void)state;
	sem_init(&gate, 0, 0);
	sem_init(&started, 0, 0);
	assert_int_equal(workq_start(&q, 1, job_run, NULL), 0);
	hold.gate = &gate;
	hold.started = &started;
	assert_int_equal(workq_submit(&q, &hold.it), 0);
	sem_wait_5s(&started);
	for (int i = 0; i < 10; i++)
		assert_int_equal(workq_submit(&q, &flush.it), 0);
	sem_post(&gate);
	workq_drain(&q);
	assert_int_equal(atomic_load(&flush.runs), 1);

	/* While its job runs, the item may be queued again: it runs twice. */
	flush.gate = &gate;
	flush.started = &started;
	assert_int_equal(workq_submit(&q, &flush.it), 0);
	sem_wait_5s(&started);
	assert_int_equal(workq_submit(&q, &flush.it), 0);
	assert_int_equal(workq_submit(&q, &flush.it), 0);
	sem_post(&gate);
	sem_wait_5s(&started);
	sem_post(&gate);
	workq_drain(&q);
	assert_int_equal(atomic_load(&flush.runs), 3);
	workq_stop(&q);
	sem_destroy(&gate);
	sem_destroy(&started);
}

struct slow {
	struct workq_item it;
	atomic_bool done;
};

static void
slow_run(struct workq_item *it, void *ctx)
{
	(void)ctx;
	usleep(50000);
	atomic_store(&((struct slow *)it)->done, true);
}

/* drain returns only once the running job has returned, not when the
 * queue is merely empty. */
static void
test_drain_waits(void **state)
{
	struct workq q = WORKQ_INITIALIZER;
	struct slow s = {0};

	(void)state;
	assert_int_equal(workq_start(&q, 3, slow_run, NULL), 0);
	assert_int_equal(workq_submit(&q, &s.it), 0);
	workq_drain(&q);
	assert_true(atomic_load(&s.done));
	workq_stop(&q);
	assert_int_equal(workq_start(&q, 0, slow_run, NULL), SIGIL_E_INVALID);
}

/* Many producers, many threads: every job runs exactly once, and with one
 * thread each producer's jobs start in the order it submitted them. Jobs
 * are heap items that free themselves, as the request pool's do. */
#define PRODUCERS 8
#define PER_PRODUCER 5000

struct counted {
	struct workq_item it;
	int producer, seq;
};

struct tally {
	atomic_int ran[PRODUCERS][PER_PRODUCER];
	int last[PRODUCERS]; /* one-thread run only */
	atomic_int out_of_order;
	atomic_long total;
};

static void
counted_run(struct workq_item *it, void *ctx)
{
	struct counted *c = (struct counted *)it;
	struct tally *t = ctx;

	atomic_fetch_add(&t->ran[c->producer][c->seq], 1);
	atomic_fetch_add(&t->total, 1);
	free(c);
}

static void
counted_run_ordered(struct workq_item *it, void *ctx)
{
	struct counted *c = (struct counted *)it;
	struct tally *t = ctx;

	if (c->seq != t->last[c->producer] + 1)
		atomic_fetch_add(&t->out_of_order, 1);
	t->last[c->producer] = c->seq;
	counted_run(it, ctx);
}

struct producer {
	struct workq *q;
	int id;
	int failed; /* cmocka's asserts belong to the main thread */
};

static void *
produce(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < PER_PRODUCER; i++) {
		struct counted *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			p->failed++;
			continue;
		}
		c->producer = p->id;
		c->seq = i;
		if (workq_submit(p->q, &c->it) != 0) {
			p->failed++;
			free(c);
		}
	}
	return NULL;
}

static void
run_producers(size_t threads, workq_fn fn)
{
	static struct tally t;
	struct workq q = WORKQ_INITIALIZER;
	struct producer p[PRODUCERS];
	pthread_t th[PRODUCERS];

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < PRODUCERS; i++)
		t.last[i] = -1;
	assert_int_equal(workq_start(&q, threads, fn, &t), 0);
	for (int i = 0; i < PRODUCERS; i++) {
		p[i] = (struct producer){&q, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].failed, 0);
	}
	workq_stop(&q); /* runs the rest */
	assert_int_equal(atomic_load(&t.total), PRODUCERS * PER_PRODUCER);
	for (int i = 0; i < PRODUCERS; i++)
		for (int k = 0; k < PER_PRODUCER; k++)
			assert_int_equal(atomic_load(&t.ran[i][k]), 1);
	assert_int_equal(atomic_load(&t.out_of_order), 0);
}

static void
test_many_producers(void **state)
{
	(void)state;
	run_producers(4, counted_run);
	run_producers(1, counted_run_ordered);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_stop_drains),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_drain_waits),
		cmocka_unit_test(test_many_producers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
