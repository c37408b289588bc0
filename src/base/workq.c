#include "base/workq.h"

#include <stdlib.h>

#include "base/errors.h"

void
workq_init(struct workq *q)
{
	*q = (struct workq){.stopping = true};
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->idle, NULL);
}

void
workq_destroy(struct workq *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->idle);
}

static void *
workq_main(void *arg)
{
	struct workq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->work, &q->mu);
		if (q->head == NULL)
			break; /* stopping, and everything queued has started */
		struct workq_item *it = q->head;
		q->head = it->next;
		if (q->head == NULL)
			q->tail = NULL;
		it->next = NULL;
		/* Cleared before the job runs: a submit from here on queues it
		 * again, for what this run may come too early to see. */
		it->queued = false;
		q->running++;
		workq_fn fn = q->fn;
		void *ctx = q->ctx;
		pthread_mutex_unlock(&q->mu);
		fn(it, ctx); /* it may be gone from here on */
		pthread_mutex_lock(&q->mu);
		if (--q->running == 0 && q->head == NULL)
			pthread_cond_broadcast(&q->idle);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int
workq_start(struct workq *q, size_t threads, workq_fn fn, void *ctx)
{
	pthread_t *t;
	size_t n = 0;

	if (threads == 0 || fn == NULL)
		return SIGIL_E_INVALID;
	pthread_mutex_lock(&q->mu);
	/* threads stays set until a stop has joined them all: a start
	 * meanwhile would clear stopping under threads that are leaving. */
	if (q->threads != NULL) {
		pthread_mutex_unlock(&q->mu);
		return SIGIL_E_INVALID;
	}
	if ((t = calloc(threads, sizeof(*t))) == NULL) {
		pthread_mutex_unlock(&q->mu);
		return SIGIL_E_NOMEM;
	}
	q->fn = fn;
	q->ctx = ctx;
	q->stopping = false;
	q->threads = t;
	/* Under the lock: the new threads wait on it, and see a whole queue. */
	for (; n < threads; n++)
		if (pthread_create(&t[n], NULL, workq_main, q) != 0)
			break;
	q->nthreads = n;
	if (n == 0) {
		q->stopping = true;
		q->threads = NULL;
		free(t);
	}
	pthread_mutex_unlock(&q->mu);
	return n == 0 ? SIGIL_E_NOMEM : 0;
}

int
workq_submit(struct workq *q, struct workq_item *it)
{
	pthread_mutex_lock(&q->mu);
	if (q->stopping) {
		pthread_mutex_unlock(&q->mu);
		return SIGIL_E_NOT_READY;
	}
	if (it->queued) {
		pthread_mutex_unlock(&q->mu);
		return 0; /* its queued run has not started: it covers this one */
	}
	it->next = NULL;
	it->queued = true;
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	pthread_mutex_unlock(&q->mu);
	/* After the unlock: a thread woken under the lock would only block on
	 * it again, one more thread switch per job. */
	pthread_cond_signal(&q->work);
	return 0;
}

void
workq_drain(struct workq *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->head != NULL || q->running > 0)
		pthread_cond_wait(&q->idle, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void
workq_stop(struct workq *q)
{
	pthread_t *t;
	size_t n;

	pthread_mutex_lock(&q->mu);
	/* Not started, or another stop is joining: nothing for this one. */
	if (q->threads == NULL || q->stopping) {
		pthread_mutex_unlock(&q->mu);
		return;
	}
	q->stopping = true;
	t = q->threads;
	n = q->nthreads;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
	/* The threads leave only once the queue is empty: whatever was
	 * queued before the stop runs. */
	for (size_t i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_lock(&q->mu);
	q->threads = NULL;
	q->nthreads = 0;
	pthread_mutex_unlock(&q->mu);
	free(t);
}
