/* A FIFO of jobs run by a fixed set of threads: the request pool of the HTTP
 * server (api/pool.c) and the writer thread of the log (log_out.c).
 *
 * Items are embedded in whatever the caller queues (struct workq_item), so
 * that submitting never allocates: the log submits from under a signing
 * request, and a failed malloc must not lose a line. The queue never touches
 * an item again once its job has started, so a job may free its own item.
 *
 * Submitting an item that is already queued (not yet started) does nothing
 * and succeeds: the one queued run will see whatever the second submit was
 * for. That is what batches the log's lines: each line submits the same
 * flush item, and one flush writes them all.
 *
 * Jobs start in the order they were submitted; with one thread they also
 * finish in that order. The waiting thread is signalled after the lock is
 * released: woken under the lock it would only block on it again, one more
 * thread switch per job (measured on the request pool).
 *
 * A queue lives in caller storage. WORKQ_INITIALIZER (static storage) or
 * workq_init, then workq_start; workq_stop runs what is queued, joins the
 * threads, and leaves the queue refusing submits until it is started again.
 * A queue in static storage may be submitted to at any time, even racing a
 * stop; one in dynamic storage must see no submit once workq_destroy begins. */
#ifndef SIGIL_BASE_WORKQ_H
#define SIGIL_BASE_WORKQ_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Zeroed before its first submit; then the queue's until its job starts. */
struct workq_item {
	struct workq_item *next;
	bool queued; /* under the queue's lock */
};

struct workq;
/* Runs one job; it is the queue's thread that calls it, with no lock held. */
typedef void (*workq_fn)(struct workq_item *it, void *ctx);

/* The fields are private to workq.c: public only so that a queue can live
 * in static storage. */
struct workq {
	pthread_mutex_t mu;
	pthread_cond_t work; /* an item was queued, or stopping */
	pthread_cond_t idle; /* nothing queued and nothing running */
	struct workq_item *head, *tail;
	size_t running; /* jobs started and not yet returned */
	bool stopping;  /* submits are refused; threads leave once it is empty */
	size_t nthreads;
	pthread_t *threads;
	workq_fn fn;
	void *ctx;
};

#define WORKQ_INITIALIZER                                                                  \
	{                                                                                  \
		.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,         \
		.idle = PTHREAD_COND_INITIALIZER, .stopping = true,                        \
	}

/* For a queue in dynamic storage: what WORKQ_INITIALIZER does. */
void workq_init(struct workq *q);
/* After workq_stop (or a start that failed). */
void workq_destroy(struct workq *q);

/* Starts up to threads threads running fn(item, ctx) for each item: 0 once
 * at least one runs (q->nthreads says how many), SIGIL_E_NOMEM when none
 * could be made, SIGIL_E_INVALID for 0 threads or a queue already started. */
__attribute__((warn_unused_result)) int
workq_start(struct workq *q, size_t threads, workq_fn fn, void *ctx);
/* Queues it: 0, or SIGIL_E_NOT_READY when the queue is not started or is
 * stopping (it is then not queued). */
__attribute__((warn_unused_result)) int
workq_submit(struct workq *q, struct workq_item *it);
/* Waits until nothing is queued or running. Never from one of q's jobs. */
void workq_drain(struct workq *q);
/* Refuses submits from now on, runs every job already queued, and joins the
 * threads. A no-op on a queue that is not started. Never from q's jobs. */
void workq_stop(struct workq *q);

#endif
