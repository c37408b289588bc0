/* Async advances for the file back end (check_advance_async in ops.c).
 *
 * The caller's thread compares and writes the mark, takes its ticket and
 * queues the request here; it never waits. One syncer thread per store
 * takes the highest ticket queued, waits for it in the group commit like
 * any writer (gc.c: it leads the sync, or shares another writer's),
 * and then reports every queued request that sync covered, oldest first:
 * it stores the mark in the record, frees the id for the next request, and
 * calls done. Requests queued while it reports wait for its next round, so
 * one sync covers all of them.
 *
 * This is what lets a signer serve many keys without parking one thread
 * per request for the length of an fdatasync: the HTTP thread goes on with
 * other connections, and the syncer finishes the requests it has made
 * durable. Rule 1 of ops.c holds as it does for check_advance: done(0)
 * comes only after an fdatasync that started after the write's ticket.
 *
 * Why this is not on base/workq (the queue of api/pool.c and log_out.c):
 * the syncer does not run jobs, it reaps them. A request is finished by
 * whichever sync covers its ticket, and which ones a sync covered is known
 * only after it, by ticket rather than by place in the queue: requests
 * queued during the sync go out with it when it covered them, the others
 * stay. A queue that hands out one job at a time would cost a gc_wait per
 * request, and one that hands out a batch would hold back the covered
 * requests that came during the sync for another round. Only the thread
 * and its wake-up could come from workq (as log_out.c's writer does), with
 * the list, amax and the reaping still here. */
#include "watermark/file/store.h"

#include "base/errors.h"

#include <pthread.h>
#include <string.h>

/* Stores a's outcome in its record and frees the id, then reports it. */
static void
async_report(struct wm_async *a, int rc)
{
	struct wm_rec *rec = a->rec;

	pthread_mutex_lock(&rec->mu);
	if (rc == 0) {
		rec->mark = a->mark;
		rec->has_mark = true;
		rec->unsigned_ok = false;
	} else {
		/* The write may or may not be on disk: as check_advance, never
		 * claim it and refuse the id from now on. */
		rec->err = rc;
	}
	rec->pending = false;
	pthread_cond_broadcast(&rec->idle);
	pthread_mutex_unlock(&rec->mu);
	a->done(a, rc);
}

static void *
async_main(void *arg)
{
	struct wm_file *f = arg;

	pthread_mutex_lock(&f->amu);
	for (;;) {
		while (f->ahead == NULL && !f->astop)
			pthread_cond_wait(&f->acv, &f->amu);
		if (f->ahead == NULL)
			break;
		uint64_t t = f->amax;
		pthread_mutex_unlock(&f->amu);
		int rc = wm_file_gc_wait(f, t);
		uint64_t synced = atomic_load(&f->synced);
		struct wm_async *done = NULL, **dtail = &done, **pp;
		pthread_mutex_lock(&f->amu);
		/* Everything at or below the synced count is durable, whatever
		 * order it was queued in; after a failure nothing is. */
		f->atail = NULL;
		for (pp = &f->ahead; *pp != NULL;) {
			struct wm_async *a = *pp;
			if (rc != 0 || a->ticket <= synced) {
				*pp = a->next;
				a->next = NULL;
				*dtail = a;
				dtail = &a->next;
			} else {
				f->atail = a;
				pp = &a->next;
			}
		}
		pthread_mutex_unlock(&f->amu);
		while (done != NULL) {
			struct wm_async *a = done;
			done = a->next; /* a may be gone once reported */
			async_report(a, rc);
		}
		pthread_mutex_lock(&f->amu);
	}
	pthread_mutex_unlock(&f->amu);
	return NULL;
}

int
wm_file_async_start(struct wm_file *f)
{
	int rc = 0;

	pthread_mutex_lock(&f->amu);
	if (!f->astarted && !f->astop) {
		if (pthread_create(&f->athread, NULL, async_main, f) == 0)
			f->astarted = true;
	}
	if (!f->astarted)
		rc = SIGIL_E_NOMEM;
	pthread_mutex_unlock(&f->amu);
	return rc;
}

void
wm_file_async_queue(struct wm_file *f, struct wm_async *a)
{
	a->next = NULL;
	pthread_mutex_lock(&f->amu);
	if (f->atail != NULL)
		f->atail->next = a;
	else
		f->ahead = a;
	f->atail = a;
	if (a->ticket > f->amax)
		f->amax = a->ticket;
	pthread_mutex_unlock(&f->amu);
	pthread_cond_signal(&f->acv);
}

void
wm_file_async_stop(struct wm_file *f)
{
	bool started;

	pthread_mutex_lock(&f->amu);
	f->astop = true;
	started = f->astarted;
	pthread_cond_signal(&f->acv);
	pthread_mutex_unlock(&f->amu);
	if (started)
		pthread_join(f->athread, NULL);
}
