/* A fixed pool of worker threads for requests that may block (a durable
 * watermark write): the HTTP threads hand them over and stay free. */
#ifndef SIGIL_API_POOL_H
#define SIGIL_API_POOL_H
#include <stddef.h>

struct api_pool;

__attribute__((warn_unused_result)) int
api_pool_start(size_t threads, struct api_pool **out);
/* Runs fn(arg) on a worker; SIGIL_E_NOMEM when the job cannot be queued. */
__attribute__((warn_unused_result)) int
api_pool_submit(struct api_pool *p, void (*fn)(void *), void *arg);
/* Waits until every queued and running job has finished. */
void api_pool_drain(struct api_pool *p);
/* Drains, then stops and joins the workers and frees the pool. */
void api_pool_stop(struct api_pool *p);

#endif
