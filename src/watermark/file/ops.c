/* The file watermark back end: fixed-size A/B records updated in place in
 * {dir}/watermarks.db (layout in slot.h), made durable by group commit
 * (gc.c), the directory held with an exclusive lock on {dir}/lock.
 *
 * Durability rules this file keeps:
 *
 * 1. check_advance and set return only after an fdatasync that covers their
 *    write has returned 0, i.e. one that started after their pwrite had
 *    returned. Writers take a ticket after their pwrite; one of them leads
 *    an fdatasync for every ticket issued so far while the others sleep, and
 *    it wakes only the writers that sync covered, so concurrent keys share
 *    one sync. record_signature is not synced on its own: a later sync, or
 *    close, covers it.
 *
 * 2. Every write to a slot leaves the other slot of its record holding a
 *    durable copy of the last acknowledged mark (its level, round and
 *    digest; the cached signature aside). Two cases meet that:
 *    a. The write goes to the slot with the older sequence number, once the
 *       newer one is known durable: we wait for the record's previous write
 *       to be covered by a sync first (it always is, except after a
 *       record_signature whose sync has not come yet).
 *    b. When the newest slot holds a signature-only update (record_signature)
 *       of the mark that the other slot holds durably, the write goes over
 *       that newest slot instead, without waiting: the other slot already is
 *       the durable copy, and losing the newest slot loses only a cached
 *       signature. This is what lets a key's next mark follow its previous
 *       signature with one fdatasync instead of two. rec->newest_sig_only
 *       says when it applies; it is set only by a record_signature written
 *       under case a (so the other slot was durable) or under case b (so it
 *       still is), and cleared by any other write.
 *    Either way the new slot gets a sequence number above both, so the newest
 *    valid slot wins on load, and at any instant at most one slot of a
 *    record is in flight. What open reads it first makes durable with one
 *    fdatasync: a signer killed before its last sync leaves dirty pages that
 *    a new process would otherwise read, and build on, as if durable.
 *
 * 3. Why falling back to the other slot when one slot fails its checksum is
 *    safe for crashes: by rule 2, a slot torn by a crash or power loss is a
 *    write whose fdatasync had not returned, i.e. a mark never acknowledged
 *    (check_advance had not yet said WM_ADVANCED, so nothing was signed for
 *    it), or a signature-only update of the same mark. The other slot then
 *    holds exactly the last acknowledged mark, and taking it loses nothing
 *    that a signature depends on. What this cannot tell apart is damage to
 *    an acknowledged newest slot after the fact (media rot that the drive's
 *    ECC missed; unreadable sectors come back as EIO and fail closed). We
 *    accept that residual risk because slots are 256 bytes inside one
 *    512-byte-aligned sector and the fallback is logged at error level with
 *    both sequence numbers so an operator can check the key's last
 *    signature on chain. Everything else fails closed: both slots bad
 *    refuses that id with SIGIL_E_CORRUPT; an unknown version, a length that
 *    is not a whole number of records, a damaged record whose identity
 *    cannot be read, two records for one id, or a hole in the middle of
 *    the file refuses the whole store.
 *
 * 4. An fdatasync (or pwrite) failure poisons the whole store, not only the
 *    ids in flight: after a write-back error Linux may have dropped any
 *    dirty page of the file and later syncs can succeed without them, so
 *    nothing unsynced is known to be on disk. Every queued writer is failed,
 *    even one whose own sync succeeded. The daemon must be restarted (and
 *    the file re-read) to serve again.
 *
 * 5. New records (an id's first write) are appended one at a time: the next
 *    append starts only once the previous one's fdatasync has returned
 *    (rec_lookup holds append_mu across it). Both slots of a new record go
 *    out in one pwrite, and no later write ever zeroes a slot. So after a
 *    crash only the last record of the file can be unfinished, and only an
 *    unfinished record can have a blank slot. Open drops a last record
 *    whose one slot is blank and the other damaged (an add never
 *    acknowledged: nothing was signed for it), and takes the good slot of
 *    a last record whose other slot is blank. Anywhere else, a blank slot
 *    or record is damage: a blank record before a written one, or a blank
 *    slot beside a damaged one, refuses the whole store; a blank slot
 *    beside a good one refuses that id, since the blank one may have held
 *    the newer mark.
 *
 * Locking: each id has its own mutex, held from the comparison to the end of
 * its sync, so one id's requests are serialised; ids never wait for each
 * other's locks, only share syncs. */
#include "watermark/watermark.h"
#include "watermark/file/slot.h"
#include "watermark/file/store.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"

#include "base/errors.h"
#include "base/fileio.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>


static int
full_pwrite(int fd, const uint8_t *p, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* ---- the id table ---- */

static size_t
tbl_hash(const struct wm_file *f, const uint8_t key[static WM_KEY_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	crypto_shorthash(h, key, WM_KEY_LEN, f->hkey);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (size_t)(v & (f->nbuckets - 1));
}

struct wm_rec *
wm_file_tbl_find(const struct wm_file *f, const uint8_t key[static WM_KEY_LEN])
{
	for (struct wm_rec *r = f->buckets[tbl_hash(f, key)]; r; r = r->next)
		if (memcmp(r->key, key, WM_KEY_LEN) == 0)
			return r;
	return NULL;
}

int
wm_file_tbl_insert(struct wm_file *f, struct wm_rec *rec)
{
	if (f->nrecs == f->caprecs) {
		size_t cap = f->caprecs ? f->caprecs * 2 : 64;
		struct wm_rec **n = realloc(f->recs, cap * sizeof(*n));
		if (n == NULL)
			return SIGIL_E_NOMEM;
		f->recs = n;
		f->caprecs = cap;
	}
	if (f->nrecs >= f->nbuckets) {
		size_t nb = f->nbuckets * 2;
		struct wm_rec **b = calloc(nb, sizeof(*b));
		if (b == NULL)
			return SIGIL_E_NOMEM;
		free(f->buckets);
		f->buckets = b;
		f->nbuckets = nb;
		for (size_t i = 0; i < f->nrecs; i++) {
			size_t h = tbl_hash(f, f->recs[i]->key);
			f->recs[i]->next = b[h];
			b[h] = f->recs[i];
		}
	}
	size_t h = tbl_hash(f, rec->key);
	rec->next = f->buckets[h];
	f->buckets[h] = rec;
	f->recs[f->nrecs++] = rec;
	return 0;
}

struct wm_rec *
wm_file_rec_new(const struct wm_id *id, size_t index)
{
	struct wm_rec *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->id = *id;
	wm_key_of(id, r->key);
	r->index = index;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->idle, NULL);
	return r;
}

void
wm_file_rec_free(struct wm_rec *r)
{
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->idle);
	free(r);
}

/* Writes both slots of rec with m (a new record, or the repair of one whose
 * slots are both damaged). The copy in B means a later fault in A alone
 * still finds the same mark. Caller holds rec->mu. */
static int
rec_write_both(struct wm_file *f, struct wm_rec *rec, const struct wm_mark *m)
{
	uint8_t buf[WM_REC_SIZE];
	uint64_t seq = rec->seq + 2;

	wm_slot_encode(&rec->id, m, seq, buf);
	wm_slot_encode(&rec->id, m, seq - 1, buf + WM_SLOT_SIZE);
	if (full_pwrite(f->dbfd, buf, sizeof(buf), (off_t)(rec->index * WM_REC_SIZE)) != 0) {
		wm_file_fail(f, SIGIL_E_IO, "pwrite");
		return SIGIL_E_IO;
	}
	rec->newest = 0;
	rec->newest_sig_only = false;
	rec->seq = seq;
	rec->ticket = wm_file_gc_ticket(f);
	return 0;
}

/* Writes m into one slot of rec, chosen by rule 2 at the top. sig_only: m is
 * rec->mark with only its signature changed. Caller holds rec->mu. */
static int
rec_write_slot(struct wm_file *f, struct wm_rec *rec, const struct wm_mark *m, bool sig_only)
{
	uint8_t buf[WM_SLOT_SIZE];
	int slot, rc;

	if (rec->newest_sig_only) {
		/* 2b: the other slot is the durable copy of rec->mark. */
		slot = rec->newest;
	} else {
		/* 2a: the newest slot becomes the only copy; it must be durable. */
		slot = 1 - rec->newest;
		if (rec->ticket != 0 && (rc = wm_file_gc_wait(f, rec->ticket)) != 0)
			return rc;
	}
	/* Above both slots' numbers in either case: the newest has rec->seq. */
	wm_slot_encode(&rec->id, m, rec->seq + 1, buf);
	off_t off = (off_t)(rec->index * WM_REC_SIZE + (size_t)slot * WM_SLOT_SIZE);
	if (full_pwrite(f->dbfd, buf, sizeof(buf), off) != 0) {
		wm_file_fail(f, SIGIL_E_IO, "pwrite");
		return SIGIL_E_IO;
	}
	rec->newest = slot;
	rec->newest_sig_only = sig_only;
	rec->seq++;
	rec->ticket = wm_file_gc_ticket(f);
	return 0;
}

/* Finds id's record and returns it locked. When there is none and init is
 * given, appends a record holding init and returns it locked with *created
 * set, once the append is durable (0) or has failed (the error, rec->err
 * set). The new record is published already locked, so that no other
 * thread can see it empty and accept a first request of its own.
 *
 * append_mu is held until the new record's sync has returned, so at most one
 * append is ever unsynced: a crash can then only leave the last record
 * blank or torn, and open (open.c) can tell that from lost data. Two
 * appends in flight at once could leave the later on disk and the earlier
 * blank. The price is one fdatasync per new record, in series: a record is
 * made once per key, kind and chain, and the sync still covers whatever
 * other ids have written meanwhile. */
static int
rec_lookup(struct wm_file *f, const struct wm_id *id, const struct wm_mark *init,
           struct wm_rec **out, bool *created)
{
	uint8_t key[WM_KEY_LEN];
	struct wm_rec *rec;
	int rc;

	*out = NULL;
	*created = false;
	wm_key_of(id, key);
	pthread_rwlock_rdlock(&f->tbl_lock);
	rec = wm_file_tbl_find(f, key);
	pthread_rwlock_unlock(&f->tbl_lock);
	if (rec == NULL && init != NULL) {
		pthread_mutex_lock(&f->append_mu);
		pthread_rwlock_wrlock(&f->tbl_lock);
		rec = wm_file_tbl_find(f, key);
		if (rec == NULL) {
			rec = wm_file_rec_new(id, f->nrecs);
			if (rec == NULL || (rc = wm_file_tbl_insert(f, rec)) != 0) {
				pthread_rwlock_unlock(&f->tbl_lock);
				pthread_mutex_unlock(&f->append_mu);
				if (rec)
					wm_file_rec_free(rec);
				return SIGIL_E_NOMEM;
			}
			pthread_mutex_lock(&rec->mu);
			pthread_rwlock_unlock(&f->tbl_lock);
			if ((rc = atomic_load(&f->poison)) == 0 &&
			    (rc = rec_write_both(f, rec, init)) == 0)
				rc = wm_file_gc_wait(f, rec->ticket);
			pthread_mutex_unlock(&f->append_mu);
			if (rc != 0)
				rec->err = rc;
			*created = true;
			*out = rec;
			return rc;
		}
		pthread_rwlock_unlock(&f->tbl_lock);
		pthread_mutex_unlock(&f->append_mu);
	}
	if (rec == NULL)
		return SIGIL_E_NOT_FOUND;
	pthread_mutex_lock(&rec->mu);
	/* An async advance of this id holds it until its sync is reported. */
	while (rec->pending)
		pthread_cond_wait(&rec->idle, &rec->mu);
	*out = rec;
	return 0;
}

static bool
id_ok(const struct wm_id *id)
{
	return id != NULL && (unsigned)id->kind < WM_KINDS;
}

/* -1, 0, 1 as (a.level, a.round) is below, equal to, above b's. */
static int
mark_cmp(const struct wm_mark *a, const struct wm_mark *b)
{
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if (a->round != b->round)
		return a->round < b->round ? -1 : 1;
	return 0;
}

static bool
same_payload(const struct wm_mark *a, const struct wm_mark *b)
{
	/* A mark without a digest (imported) cannot prove identity. */
	return a->has_digest && b->has_digest && memcmp(a->digest, b->digest, 32) == 0;
}

/* The mark to store for a request: its level, round and digest, no
 * signature. */
static void
mark_of_req(const struct wm_mark *req, struct wm_mark *out)
{
	memset(out, 0, sizeof(*out));
	out->level = req->level;
	out->round = req->round;
	out->has_digest = req->has_digest;
	if (req->has_digest)
		memcpy(out->digest, req->digest, 32);
}

/* check_advance's verdict on next against rec's mark (rec->mu held): 0 when
 * it is above, else WM_IDENTICAL or SIGIL_E_WATERMARK with *prev (if given)
 * set to what stands. */
static int
rec_compare(const struct wm_rec *rec, const struct wm_mark *next, struct wm_mark *prev)
{
	if (!rec->has_mark)
		return 0;
	int c = mark_cmp(next, &rec->mark);
	if (c > 0)
		return 0;
	if (prev)
		*prev = rec->mark;
	return c == 0 && same_payload(next, &rec->mark) ? WM_IDENTICAL : SIGIL_E_WATERMARK;
}

/* ---- operations ---- */

/* check_advance up to its verdict, leaving the id locked in *recp (NULL
 * when no record could be found or made): 0 once req's mark is durable,
 * else WM_IDENTICAL or an error, with *prev (if given) as check_advance. */
static int
advance_locked(struct wm_file *f, const struct wm_id *id, const struct wm_mark *req,
               struct wm_mark *prev, struct wm_rec **recp)
{
	struct wm_mark next;
	struct wm_rec *rec;
	bool created;
	int rc;

	if ((rc = atomic_load(&f->poison)) != 0)
		return rc;
	mark_of_req(req, &next);
	rc = rec_lookup(f, id, &next, recp, &created);
	if ((rec = *recp) == NULL)
		return rc;
	/* A created record is durable already, or has failed. */
	if (!created) {
		if ((rc = rec->err) != 0 || (rc = atomic_load(&f->poison)) != 0 ||
		    (rc = rec_compare(rec, &next, prev)) != 0)
			return rc;
		if ((rc = rec_write_slot(f, rec, &next, false)) == 0)
			rc = wm_file_gc_wait(f, rec->ticket);
	}
	if (rc != 0) {
		/* The write may or may not have reached the disk: never claim
		 * it, never accept another request for this id. */
		rec->err = rc;
		return rc;
	}
	rec->mark = next;
	rec->has_mark = true;
	rec->unsigned_ok = false;
	if (prev)
		memset(prev, 0, sizeof(*prev));
	return 0;
}

static int
wm_file_check_advance(struct wm_store *s, const struct wm_id *id, const struct wm_mark *req,
                      struct wm_mark *prev, const struct sigil_deadline *dl)
{
	struct wm_rec *rec = NULL;
	int rc;

	(void)dl; /* local disk: no deadline to keep */
	if (prev)
		memset(prev, 0, sizeof(*prev));
	if (!id_ok(id) || req == NULL)
		return SIGIL_E_INVALID;
	rc = advance_locked((struct wm_file *)s, id, req, prev, &rec);
	if (rec != NULL)
		pthread_mutex_unlock(&rec->mu);
	return rc;
}

/* As check_advance up to the write, on the caller's thread without any wait;
 * then the id stays pending and the syncer reports the sync (async.c). */
static int
wm_file_check_advance_async(struct wm_store *s, const struct wm_id *id, const struct wm_mark *req,
                            struct wm_mark *prev, struct wm_async *a)
{
	struct wm_file *f = (struct wm_file *)s;
	uint8_t key[WM_KEY_LEN];
	struct wm_rec *rec;
	int rc;

	if (prev)
		memset(prev, 0, sizeof(*prev));
	if (!id_ok(id) || req == NULL || a == NULL)
		return SIGIL_E_INVALID;
	if ((rc = atomic_load(&f->poison)) != 0)
		return rc;
	if (wm_file_async_start(f) != 0)
		return WM_WOULD_BLOCK;
	wm_key_of(id, key);
	if (pthread_rwlock_tryrdlock(&f->tbl_lock) != 0)
		return WM_WOULD_BLOCK;
	rec = wm_file_tbl_find(f, key);
	pthread_rwlock_unlock(&f->tbl_lock);
	/* A new id is appended under append_mu, one sync at a time (rule 5). */
	if (rec == NULL || pthread_mutex_trylock(&rec->mu) != 0)
		return WM_WOULD_BLOCK;
	rc = WM_WOULD_BLOCK;
	if (rec->pending)
		goto out;
	mark_of_req(req, &a->mark);
	if ((rc = rec->err) != 0 || (rc = atomic_load(&f->poison)) != 0 ||
	    (rc = rec_compare(rec, &a->mark, prev)) != 0)
		goto out;
	/* Rule 2a would wait for the previous write's sync. */
	if (!rec->newest_sig_only && rec->ticket > atomic_load(&f->synced)) {
		rc = WM_WOULD_BLOCK;
		goto out;
	}
	if ((rc = rec_write_slot(f, rec, &a->mark, false)) != 0) {
		rec->err = rc;
		goto out;
	}
	rec->pending = true;
	a->rec = rec;
	a->ticket = rec->ticket;
	pthread_mutex_unlock(&rec->mu);
	wm_file_async_queue(f, a);
	return WM_PENDING;
out:
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

/* Signs rec's current mark m with the id held and makes the signature
 * durable (sig-only write, rule 2) before returning 0 with m completed. */
static int
rec_sign(struct wm_file *f, struct wm_rec *rec, struct wm_mark *m, const struct wm_signer *signer)
{
	int rc;

	m->sig_len = 0;
	if ((rc = signer->sign(signer->arg, m)) != 0 || m->sig_len == 0 ||
	    m->sig_len > SIGIL_SIG_MAX) {
		sodium_memzero(m->sig, sizeof(m->sig));
		m->sig_len = 0;
		rec->unsigned_ok = true;
		return rc != 0 ? rc : SIGIL_E_INTERNAL;
	}
	if ((rc = rec_write_slot(f, rec, m, true)) == 0)
		rc = wm_file_gc_wait(f, rec->ticket);
	if (rc != 0) {
		/* Not known durable: never released, and the id refuses. */
		sodium_memzero(m->sig, sizeof(m->sig));
		m->sig_len = 0;
		rec->err = rc;
		return rc;
	}
	rec->mark = *m;
	rec->unsigned_ok = false;
	return 0;
}

static int
wm_file_check_advance_sign(struct wm_store *s, const struct wm_id *id, const struct wm_mark *req,
                           struct wm_mark *out, const struct wm_signer *signer,
                           const struct sigil_deadline *dl)
{
	struct wm_file *f = (struct wm_file *)s;
	struct wm_mark next;
	struct wm_rec *rec = NULL;
	int rc;

	(void)dl; /* local disk: no deadline to keep */
	memset(out, 0, sizeof(*out));
	if (!id_ok(id) || req == NULL || signer == NULL || signer->sign == NULL)
		return SIGIL_E_INVALID;
	rc = advance_locked(f, id, req, out, &rec);
	if (rec == NULL)
		return rc;
	/* A new mark; or the same one, whose last attempt released nothing. */
	if (rc == 0 || (rc == WM_IDENTICAL && out->sig_len == 0 && rec->unsigned_ok)) {
		next = rec->mark;
		if ((rc = rec_sign(f, rec, &next, signer)) == 0)
			*out = next;
		else
			memset(out, 0, sizeof(*out));
	}
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

int
wm_file_record_signature(struct wm_store *s, const struct wm_id *id, const struct wm_mark *sm)
{
	struct wm_file *f = (struct wm_file *)s;
	struct wm_mark next;
	struct wm_rec *rec;
	bool created;
	int rc;

	if (!id_ok(id) || sm == NULL || sm->sig_len == 0 || sm->sig_len > SIGIL_SIG_MAX)
		return SIGIL_E_INVALID;
	if ((rc = atomic_load(&f->poison)) != 0)
		return rc;
	if ((rc = rec_lookup(f, id, NULL, &rec, &created)) != 0)
		return rc;
	if ((rc = rec->err) != 0)
		goto out;
	/* Only for the mark just advanced: a later advance has superseded it. */
	if (!rec->has_mark || mark_cmp(sm, &rec->mark) != 0 ||
	    sm->has_digest != rec->mark.has_digest ||
	    (sm->has_digest && memcmp(sm->digest, rec->mark.digest, 32) != 0)) {
		rc = SIGIL_E_WATERMARK;
		goto out;
	}
	next = rec->mark;
	memcpy(next.sig, sm->sig, sm->sig_len);
	next.sig_len = sm->sig_len;
	/* Not synced here: the next group commit or close covers it, and a
	 * loss only loses the cached signature, never the mark. The next
	 * write of this id may go over it (rule 2b). */
	if ((rc = rec_write_slot(f, rec, &next, true)) == 0)
		rec->mark = next;
	else
		rec->err = rc;
out:
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

static int
wm_file_get(struct wm_store *s, const struct wm_id *id, struct wm_mark *out,
            const struct sigil_deadline *dl)
{
	struct wm_file *f = (struct wm_file *)s;
	struct wm_rec *rec;
	bool created;
	int rc;

	(void)dl; /* local disk */
	memset(out, 0, sizeof(*out));
	if (!id_ok(id))
		return SIGIL_E_INVALID;
	if ((rc = atomic_load(&f->poison)) != 0)
		return rc;
	if ((rc = rec_lookup(f, id, NULL, &rec, &created)) != 0)
		return rc;
	if ((rc = rec->err) == 0) {
		if (rec->has_mark)
			*out = rec->mark;
		else
			rc = SIGIL_E_NOT_FOUND;
	}
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

/* set, or (only_higher) raise: *changed says whether m was written. */
static int
rec_set(struct wm_file *f, const struct wm_id *id, const struct wm_mark *m, bool only_higher,
        bool *changed)
{
	struct wm_mark next;
	struct wm_rec *rec;
	bool created;
	int rc;

	*changed = false;
	if (!id_ok(id) || m == NULL || m->sig_len > SIGIL_SIG_MAX)
		return SIGIL_E_INVALID;
	if ((rc = atomic_load(&f->poison)) != 0)
		return rc;
	next = *m;
	if (!next.has_digest)
		memset(next.digest, 0, sizeof(next.digest));
	rc = rec_lookup(f, id, &next, &rec, &created);
	if (rec == NULL)
		return rc;
	if (!created && only_higher) {
		/* Compared and written under the id's lock: nothing can come
		 * between, so a raise never lowers what another writer set. A
		 * damaged record is the operator's to repair (set). */
		if ((rc = rec->err) != 0 || (rec->has_mark && mark_cmp(&next, &rec->mark) <= 0)) {
			pthread_mutex_unlock(&rec->mu);
			return rc;
		}
	}
	if (!created) {
		if (rec->err == SIGIL_E_CORRUPT) {
			/* An operator's explicit set is the way out of a damaged
			 * record: rewrite both slots. */
			log_warn("watermark store: record %zu rewritten by an explicit set",
			         rec->index);
			rc = rec_write_both(f, rec, &next);
		} else if ((rc = rec->err) == 0) {
			rc = rec_write_slot(f, rec, &next, false);
		}
		if (rc == 0)
			rc = wm_file_gc_wait(f, rec->ticket);
	}
	if (rc == 0) {
		rec->mark = next;
		rec->has_mark = true;
		rec->unsigned_ok = false;
		rec->err = 0;
		*changed = true;
	} else {
		rec->err = rc;
	}
	pthread_mutex_unlock(&rec->mu);
	return rc;
}

static int
wm_file_set(struct wm_store *s, const struct wm_id *id, const struct wm_mark *m,
            const struct sigil_deadline *dl)
{
	bool changed;
	(void)dl; /* local disk */
	return rec_set((struct wm_file *)s, id, m, false, &changed);
}

static int
wm_file_raise(struct wm_store *s, const struct wm_id *id, const struct wm_mark *m, bool *raised,
              const struct sigil_deadline *dl)
{
	(void)dl; /* local disk */
	return rec_set((struct wm_file *)s, id, m, true, raised);
}

static int
wm_file_each(struct wm_store *s,
             int (*fn)(void *arg, const struct wm_id *id, const struct wm_mark *m), void *arg,
             const struct sigil_deadline *dl)
{
	(void)dl; /* local disk */
	struct wm_file *f = (struct wm_file *)s;
	struct wm_rec **list;
	size_t n;
	int rc = 0, bad = 0;

	pthread_rwlock_rdlock(&f->tbl_lock);
	n = f->nrecs;
	list = malloc((n ? n : 1) * sizeof(*list));
	if (list != NULL && n > 0)
		memcpy(list, f->recs, n * sizeof(*list));
	pthread_rwlock_unlock(&f->tbl_lock);
	if (list == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct wm_id id;
		struct wm_mark m;
		bool have;

		pthread_mutex_lock(&list[i]->mu);
		id = list[i]->id;
		m = list[i]->mark;
		have = list[i]->has_mark && list[i]->err == 0;
		if (list[i]->err != 0 && bad == 0)
			bad = list[i]->err;
		pthread_mutex_unlock(&list[i]->mu);
		if (have)
			rc = fn(arg, &id, &m);
	}
	free(list);
	return rc != 0 ? rc : bad;
}

static int
wm_file_ready(struct wm_store *s, const struct sigil_deadline *dl)
{
	(void)dl;
	return atomic_load(&((struct wm_file *)s)->poison);
}

void
wm_file_free(struct wm_file *f)
{
	for (size_t i = 0; i < f->nrecs; i++)
		wm_file_rec_free(f->recs[i]);
	free(f->recs);
	free(f->buckets);
	if (f->dbfd >= 0)
		close(f->dbfd);
	if (f->lockfd >= 0)
		close(f->lockfd); /* releases the flock */
	pthread_rwlock_destroy(&f->tbl_lock);
	pthread_mutex_destroy(&f->append_mu);
	pthread_mutex_destroy(&f->gc_mu);
	pthread_mutex_destroy(&f->amu);
	pthread_cond_destroy(&f->acv);
	free(f);
}

static void
wm_file_close(struct wm_store *s)
{
	struct wm_file *f = (struct wm_file *)s;
	if (f == NULL)
		return;
	wm_file_async_stop(f);
	/* Signatures recorded since the last group commit. */
	bool pending = atomic_load(&f->written) > atomic_load(&f->synced);
	if (pending && atomic_load(&f->poison) == 0 && fdatasync(f->dbfd) != 0)
		log_error("watermark store: final fdatasync failed (%s)", strerror(errno));
	wm_file_free(f);
}

const struct wm_store_ops wm_file_ops = {
	.name = "file",
	.check_advance = wm_file_check_advance,
	.check_advance_async = wm_file_check_advance_async,
	.check_advance_sign = wm_file_check_advance_sign,
	.get = wm_file_get,
	.set = wm_file_set,
	.raise = wm_file_raise,
	.each = wm_file_each,
	.ready = wm_file_ready,
	.syncs = wm_file_sync_count,
	.close = wm_file_close,
};
