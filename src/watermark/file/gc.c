/* Group commit for the file back end (rules 1 and 4 at the top of ops.c).
 *
 * A writer takes a ticket once its pwrite has returned. One writer at a
 * time leads: it reads how many tickets exist, runs one fdatasync, and then
 * every ticket up to that count is durable. Writers that arrive while a
 * sync runs queue up, each sleeping on a semaphore of its own, and the
 * leader wakes exactly the ones its sync covered: those that came after it
 * started stay asleep. Of those, the one with the oldest ticket is handed
 * the lead before anyone else is woken, so the next sync starts with the
 * least delay; the rest will be covered by that sync, since their tickets
 * were taken before it reads the count.
 *
 * Why not one condition variable: a broadcast after each sync woke every
 * waiter, covered or not, and they all queued on the mutex again; with 64
 * writers in flight that cost nine times the fdatasync itself in CPU. Here a
 * waiter is woken once, and does not touch the mutex after waking unless it
 * is to lead. */
#include "watermark/file/store.h"

#include "base/errors.h"
#include "base/log.h"

#include <errno.h>
#include <semaphore.h>
#include <string.h>
#include <unistd.h>

#define GC_PENDING 1 /* still queued */
#define GC_LEAD 2    /* handed the lead: run the next sync */

struct wm_gc_waiter {
	struct wm_gc_waiter *next;
	uint64_t ticket;
	int result; /* GC_PENDING, GC_LEAD, 0 (durable), or the poison code */
	sem_t sem;
};

void
wm_file_fail(struct wm_file *f, int err, const char *what)
{
	int zero = 0;
	int e = errno;
	if (atomic_compare_exchange_strong(&f->poison, &zero, err))
		log_error("watermark store: %s failed (%s): refusing every watermark "
		          "until restart, on-disk state is unknown", what, strerror(e));
}

uint64_t
wm_file_gc_ticket(struct wm_file *f)
{
	/* Taken after the pwrite returned: a leader that reads the count
	 * afterwards starts its sync after this write reached the file. */
	return atomic_fetch_add(&f->written, 1) + 1;
}

static int
gc_sync(struct wm_file *f)
{
	if (atomic_load(&f->inject_fail) > 0) {
		atomic_fetch_sub(&f->inject_fail, 1);
		errno = EIO;
		return -1;
	}
	return fdatasync(f->dbfd);
}

/* Called with gc_mu held and f->syncing set on our behalf; returns with
 * gc_mu released. */
static int
gc_lead(struct wm_file *f)
{
	struct wm_gc_waiter *w, *next, *wake = NULL, *keep = NULL, *lead = NULL;
	uint64_t target = atomic_load(&f->written);
	int r, rc;

	pthread_mutex_unlock(&f->gc_mu);
	if ((r = gc_sync(f)) != 0)
		wm_file_fail(f, SIGIL_E_IO, "fdatasync");
	pthread_mutex_lock(&f->gc_mu);
	f->nsync++;
	if (r == 0 && target > atomic_load(&f->synced))
		atomic_store(&f->synced, target);
	/* A failure anywhere (this sync, or a pwrite of another id) fails
	 * every waiter: nothing unsynced is known to be on disk any more. */
	rc = atomic_load(&f->poison);
	for (w = f->gc_waiters; w != NULL; w = next) {
		next = w->next;
		if (rc != 0 || w->ticket <= target) {
			w->result = rc;
			w->next = wake;
			wake = w;
		} else if (lead == NULL || w->ticket < lead->ticket) {
			if (lead != NULL) {
				lead->next = keep;
				keep = lead;
			}
			lead = w;
		} else {
			w->next = keep;
			keep = w;
		}
	}
	f->gc_waiters = keep;
	/* Stays set across the hand-over, so that writers arriving meanwhile
	 * queue for the new leader's sync instead of starting their own. */
	f->syncing = lead != NULL;
	if (lead != NULL)
		lead->result = GC_LEAD;
	pthread_mutex_unlock(&f->gc_mu);
	/* A waiter may return, and its stack frame go, as soon as it is
	 * posted: read next first. */
	if (lead != NULL)
		sem_post(&lead->sem);
	for (w = wake; w != NULL; w = next) {
		next = w->next;
		sem_post(&w->sem);
	}
	return rc;
}

int
wm_file_gc_wait(struct wm_file *f, uint64_t t)
{
	struct wm_gc_waiter w;
	int rc;

	if ((rc = atomic_load(&f->poison)) != 0)
		return rc;
	if (atomic_load(&f->synced) >= t)
		return 0;
	pthread_mutex_lock(&f->gc_mu);
	if ((rc = atomic_load(&f->poison)) != 0 || atomic_load(&f->synced) >= t) {
		pthread_mutex_unlock(&f->gc_mu);
		return rc;
	}
	if (!f->syncing) {
		f->syncing = true;
		return gc_lead(f);
	}
	/* Invariant: waiters are queued only while a leader exists, and a
	 * leader leaves only after waking or handing over to every one. */
	memset(&w, 0, sizeof(w));
	w.ticket = t;
	w.result = GC_PENDING;
	if (sem_init(&w.sem, 0, 0) != 0) {
		pthread_mutex_unlock(&f->gc_mu);
		wm_file_fail(f, SIGIL_E_INTERNAL, "sem_init");
		return atomic_load(&f->poison);
	}
	w.next = f->gc_waiters;
	f->gc_waiters = &w;
	pthread_mutex_unlock(&f->gc_mu);
	while (sem_wait(&w.sem) != 0)
		continue; /* EINTR: the only error a valid semaphore gives */
	sem_destroy(&w.sem);
	if (w.result == 0 && atomic_load(&f->synced) < t) {
		/* Cannot happen; if it did, rule 1 would be broken: fail closed. */
		wm_file_fail(f, SIGIL_E_INTERNAL, "group commit bookkeeping");
		return SIGIL_E_INTERNAL;
	}
	if (w.result != GC_LEAD)
		return w.result;
	pthread_mutex_lock(&f->gc_mu);
	return gc_lead(f);
}
