#include "api/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/errors.h"

struct api_job {
	void (*fn)(void *);
	void *arg;
	struct api_job *next;
};

struct api_pool {
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job was queued, or stopping */
	pthread_cond_t idle; /* the queue emptied and nothing runs */
	struct api_job *head, *tail;
	size_t running;
	bool stopping;
	size_t n;
	pthread_t *threads;
};

static void *
api_pool_main(void *arg)
{
	struct api_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->head == NULL)
			break;
		struct api_job *j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->running++;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&p->mu);
		if (--p->running == 0 && p->head == NULL)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
api_pool_start(size_t threads, struct api_pool **out)
{
	struct api_pool *p;

	*out = NULL;
	if (threads == 0 || (p = calloc(1, sizeof(*p))) == NULL)
		return SIGIL_E_NOMEM;
	if ((p->threads = calloc(threads, sizeof(*p->threads))) == NULL) {
		free(p);
		return SIGIL_E_NOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (; p->n < threads; p->n++)
		if (pthread_create(&p->threads[p->n], NULL, api_pool_main, p) != 0)
			break;
	if (p->n == 0) {
		api_pool_stop(p);
		return SIGIL_E_NOMEM;
	}
	*out = p;
	return 0;
}

int
api_pool_submit(struct api_pool *p, void (*fn)(void *), void *arg)
{
	struct api_job *j = malloc(sizeof(*j));
	if (j == NULL)
		return SIGIL_E_NOMEM;
	j->fn = fn;
	j->arg = arg;
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_mutex_unlock(&p->mu);
	/* After the unlock: a worker woken under the lock would only block
	 * on it again, one more thread switch per request. */
	pthread_cond_signal(&p->work);
	return 0;
}

void
api_pool_drain(struct api_pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->head != NULL || p->running > 0)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
api_pool_stop(struct api_pool *p)
{
	if (p == NULL)
		return;
	api_pool_drain(p);
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	free(p->threads);
	free(p);
}
