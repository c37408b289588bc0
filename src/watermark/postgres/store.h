/* The postgres store's parts (postgres.h): the request queue and its pool
 * of connections (pool.c), the operations and the driver (store.c). */
#ifndef SIGIL_WM_POSTGRES_STORE_H
#define SIGIL_WM_POSTGRES_STORE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pg/conn.h"
#include "watermark/watermark.h"

#define WMPG_CONN_MAX 16
#define WMPG_BATCH 256
#define WMPG_REC 66
#define WMPG_BACKOFF_MIN_MS 50
#define WMPG_BACKOFF_MAX_MS 2000
#define WMPG_ERR_MAX 320

/* One check-and-advance waiting for its batch. Shared by the caller and a
 * pool thread: the last of the two to let go frees it. */
struct wmpg_req {
	struct wmpg_req *next;
	struct wm_id id;
	struct wm_mark mark;   /* asked: level, round, digest */
	struct wm_mark prev;   /* answered, for WM_IDENTICAL */
	uint64_t deadline_ms;  /* 0: none */
	struct wm_async *a;    /* check_advance_async's: nobody waits, a->done reports */
	int rc;
	bool taken, done, abandoned;
	pthread_cond_t cv;
	char err[WMPG_ERR_MAX];
};

struct wmpg_store;

struct wmpg_worker {
	struct wmpg_store *s;
	struct pg_conn pc;
	pthread_t thread;
	bool started;
	uint8_t buf[WMPG_BATCH * WMPG_REC];
	struct wmpg_req *batch[WMPG_BATCH];
	struct wmpg_req *expired[WMPG_BATCH];
};

struct wmpg_store {
	struct wm_store base;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct wmpg_req *head, **tail;
	bool stopping;
	/* While now < down_until every request is refused with last_err. */
	uint64_t down_until;
	unsigned backoff_ms;
	char last_err[WMPG_ERR_MAX];
	atomic_uint_fast64_t commits;
	/* False when sigild started while no server answered: the schema is
	 * checked (and brought up to date) before the first batch. */
	atomic_bool schema_ok;
	unsigned n;
	struct wmpg_worker *w;
	pthread_mutex_t misc_mu;
	struct pg_conn misc;
};

/* pool.c: a pool thread (arg: its struct wmpg_worker). */
void *wmpg_worker_main(void *arg);
/* check_advance: queued for the next batch, waited for by dl. */
int wmpg_advance(struct wmpg_store *s, const struct wm_id *id, const struct wm_mark *req,
                 struct wm_mark *prev, const struct sigil_deadline *dl);
/* check_advance_async: queued for the next batch, never waiting; every
 * outcome comes through a->done from a pool thread once committed. */
int wmpg_advance_async(struct wmpg_store *s, const struct wm_id *id, const struct wm_mark *req,
                       struct wm_async *a);
/* The reason of the last failure on this thread (a refused request's own,
 * not another's): why() gives it before the store's last. */
void wmpg_tls_set(const char *err);
const char *wmpg_tls_get(void);
/* A big-endian int4 as the server sends it in binary. */
int32_t wmpg_be32(const char *p);

#endif
