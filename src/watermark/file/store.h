/* Private to the file back end: the store's in-memory state, shared by
 * ops.c (operations) and open.c (open, load, lock). */
#ifndef SIGIL_WM_FILE_STORE_H
#define SIGIL_WM_FILE_STORE_H
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "watermark/file/slot.h"
#include "watermark/watermark.h"

struct wm_gc_waiter;

struct wm_rec {
	uint8_t key[WM_KEY_LEN];
	struct wm_id id;
	size_t index;          /* record number in the file */
	pthread_mutex_t mu;    /* serialises this id only */
	/* An async advance's write is out and its sync not yet reported
	 * (async.c): the id stays busy, as if mu were held, until the
	 * store's syncer clears this and broadcasts idle. Under mu. */
	bool pending;
	pthread_cond_t idle;
	bool has_mark;
	struct wm_mark mark;   /* only ever a durable (or signature-only) value */
	uint64_t seq;          /* sequence number of the newest slot */
	int newest;            /* which slot (0 = A, 1 = B) holds it */
	/* The newest slot is a signature-only update of the mark that the
	 * other slot holds durably: the next write may go over it (rule 2). */
	bool newest_sig_only;
	/* check_advance_sign's signer failed for the current mark: no
	 * signature was released for it, so an identical request may sign
	 * it. In memory only: after a restart such a mark is refused. */
	bool unsigned_ok;
	uint64_t ticket;       /* group-commit ticket of the last write here */
	int err;               /* non-zero: this id stays refused */
	struct wm_rec *next;   /* hash chain */
};

struct wm_file {
	struct wm_store base; /* first: the core holds a struct wm_store * */
	int dbfd, lockfd;

	pthread_rwlock_t tbl_lock;
	struct wm_rec **buckets;
	size_t nbuckets;
	struct wm_rec **recs; /* by index; owned here */
	size_t nrecs, caprecs;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	pthread_mutex_t append_mu; /* new records reach the file in index order */

	/* Group commit (gc.c). */
	pthread_mutex_t gc_mu;
	struct wm_gc_waiter *gc_waiters; /* queued writers; under gc_mu */
	bool syncing;                    /* a leader exists; under gc_mu */
	uint64_t nsync;                  /* under gc_mu */
	atomic_uint_least64_t written;   /* tickets handed out, each after its pwrite */
	atomic_uint_least64_t synced;    /* every ticket <= synced is durable */

	/* Async advances waiting for their sync, oldest first, and the
	 * syncer thread that reports them (async.c); under amu. */
	pthread_mutex_t amu;
	pthread_cond_t acv;
	struct wm_async *ahead, *atail;
	uint64_t amax; /* the highest ticket queued */
	bool astarted, astop;
	pthread_t athread;

	atomic_int poison;      /* non-zero: the whole store refuses */
	atomic_int inject_fail; /* tests: fail this many fdatasyncs */
};

extern const struct wm_store_ops wm_file_ops;

/* The store's fdatasyncs (its ops' syncs; file_test.h for the tests). */
uint64_t wm_file_sync_count(struct wm_store *s);

/* Poisons the store with err (rule 4), logging once with errno. */
void wm_file_fail(struct wm_file *f, int err, const char *what);
/* Takes a group-commit ticket; call only after the pwrite has returned. */
uint64_t wm_file_gc_ticket(struct wm_file *f);
/* Returns once ticket t is covered by an fdatasync that started after it
 * was taken (0), or the store's poison code. */
int wm_file_gc_wait(struct wm_file *f, uint64_t t);

/* Starts the syncer if it is not running: 0, or SIGIL_E_NOMEM when no
 * thread could be made (then use the blocking path). */
int wm_file_async_start(struct wm_file *f);
/* Queues a (its ticket taken, its record pending) for the syncer. */
void wm_file_async_queue(struct wm_file *f, struct wm_async *a);
/* Reports whatever is queued, then stops the syncer (close). */
void wm_file_async_stop(struct wm_file *f);

/* Caller holds tbl_lock (read or write). */
struct wm_rec *wm_file_tbl_find(const struct wm_file *f, const uint8_t key[static WM_KEY_LEN]);
/* Caller holds tbl_lock for writing; rec->index must equal f->nrecs. */
int wm_file_tbl_insert(struct wm_file *f, struct wm_rec *rec);
struct wm_rec *wm_file_rec_new(const struct wm_id *id, size_t index);
void wm_file_rec_free(struct wm_rec *r);
/* Releases everything, the lock last. */
void wm_file_free(struct wm_file *f);

#endif
