/* The request pool on base/workq: a job is fn(arg), carried in an item
 * allocated per submit, as it always was (so api_pool_submit can still
 * fail with SIGIL_E_NOMEM, and the server then handles the request on the
 * HTTP thread). */
#include "api/pool.h"

#include <stdlib.h>

#include "base/errors.h"
#include "base/workq.h"

struct api_job {
	struct workq_item it; /* first: the item is the job */
	void (*fn)(void *);
	void *arg;
};

struct api_pool {
	struct workq q;
};

static void
api_pool_run(struct workq_item *it, void *ctx)
{
	struct api_job *j = (struct api_job *)it;
	(void)ctx;

	j->fn(j->arg);
	free(j);
}

int
api_pool_start(size_t threads, struct api_pool **out)
{
	struct api_pool *p;
	int rc;

	*out = NULL;
	if (threads == 0 || (p = malloc(sizeof(*p))) == NULL)
		return SIGIL_E_NOMEM;
	workq_init(&p->q);
	if ((rc = workq_start(&p->q, threads, api_pool_run, NULL)) != 0) {
		workq_destroy(&p->q);
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int
api_pool_submit(struct api_pool *p, void (*fn)(void *), void *arg)
{
	struct api_job *j = malloc(sizeof(*j));
	int rc;

	if (j == NULL)
		return SIGIL_E_NOMEM;
	*j = (struct api_job){.fn = fn, .arg = arg};
	if ((rc = workq_submit(&p->q, &j->it)) != 0)
		free(j);
	return rc;
}

void
api_pool_drain(struct api_pool *p)
{
	workq_drain(&p->q);
}

void
api_pool_stop(struct api_pool *p)
{
	if (p == NULL)
		return;
	workq_stop(&p->q); /* runs what is queued, as a drain would */
	workq_destroy(&p->q);
	free(p);
}
