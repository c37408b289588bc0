/* Opening the file back end: the directory lock, and reading watermarks.db
 * into the id table, failing closed on anything we cannot vouch for (the
 * reasoning is at the top of file.c). */
#include "watermark/file_store.h"

#include "core/errors.h"
#include "core/fileio.h"
#include "core/hex.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define WM_DB_NAME "watermarks.db"
#define WM_LOCK_NAME "lock"

static void
log_key(const char *what, size_t index, const struct wm_id *id)
{
	char chain[9], pkh[43];
	if (hex_encode(id->chain_id, sizeof(id->chain_id), chain, sizeof(chain)) != 0 ||
	    hex_encode(id->pkh, sizeof(id->pkh), pkh, sizeof(pkh)) != 0)
		chain[0] = pkh[0] = '\0';
	log_error("watermark store: record %zu (chain %s, key %s, kind %d): %s", index, chain,
	          pkh, (int)id->kind, what);
}

/* 1 for an all-zero record, 0 when loaded, or an error that refuses the
 * whole store. */
static int
load_record(struct wm_file *f, size_t index, const uint8_t buf[static WM_REC_SIZE])
{
	struct wm_slot sl[2];
	enum wm_slot_state st[2];
	struct wm_id id;
	struct wm_rec *rec;
	int newest = -1;

	st[0] = wm_slot_decode(buf, &sl[0]);
	st[1] = wm_slot_decode(buf + WM_SLOT_SIZE, &sl[1]);
	if (st[0] == WM_SLOT_EMPTY && st[1] == WM_SLOT_EMPTY)
		return 1;
	if (st[0] == WM_SLOT_ALIEN || st[1] == WM_SLOT_ALIEN) {
		log_error("watermark store: record %zu has a format version this sigil does "
		          "not know: refusing every watermark", index);
		return SIGIL_E_CORRUPT;
	}
	if (st[0] == WM_SLOT_OK && st[1] == WM_SLOT_OK) {
		uint8_t ka[WM_KEY_LEN], kb[WM_KEY_LEN];
		wm_key_of(&sl[0].id, ka);
		wm_key_of(&sl[1].id, kb);
		if (memcmp(ka, kb, sizeof(ka)) != 0 || sl[0].seq == sl[1].seq) {
			log_error("watermark store: record %zu has two slots that disagree: "
			          "refusing every watermark", index);
			return SIGIL_E_CORRUPT;
		}
		newest = sl[0].seq > sl[1].seq ? 0 : 1;
	} else if (st[0] == WM_SLOT_OK || st[1] == WM_SLOT_OK) {
		char what[200];
		newest = st[0] == WM_SLOT_OK ? 0 : 1;
		snprintf(what, sizeof(what),
		         "slot %c fails its checksum; using slot %c (seq %llu, level %d, round "
		         "%d). Expected after a crash during a write; otherwise check this key's "
		         "last signature on chain", newest ? 'A' : 'B', newest ? 'B' : 'A',
		         (unsigned long long)sl[newest].seq, (int)sl[newest].mark.level,
		         (int)sl[newest].mark.round);
		log_key(what, index, &sl[newest].id);
	}

	if (newest >= 0) {
		id = sl[newest].id;
	} else {
		/* Both slots damaged. The id can be trusted only if both copies
		 * of it survived and agree; otherwise we cannot tell which key
		 * this was, and a key left without its mark would sign from
		 * zero. */
		struct wm_id ib;
		uint8_t ka[WM_KEY_LEN], kb[WM_KEY_LEN];
		if (wm_slot_peek_id(buf, &id) != 0 || wm_slot_peek_id(buf + WM_SLOT_SIZE, &ib) != 0) {
			log_error("watermark store: record %zu is damaged beyond knowing its key: "
			          "refusing every watermark", index);
			return SIGIL_E_CORRUPT;
		}
		wm_key_of(&id, ka);
		wm_key_of(&ib, kb);
		if (memcmp(ka, kb, sizeof(ka)) != 0) {
			log_error("watermark store: record %zu is damaged beyond knowing its key: "
			          "refusing every watermark", index);
			return SIGIL_E_CORRUPT;
		}
		log_key("both slots fail their checksum: this key is refused until an "
		        "explicit `watermark set`", index, &id);
	}

	if ((rec = wm_file_rec_new(&id, index)) == NULL)
		return SIGIL_E_NOMEM;
	if (newest >= 0) {
		rec->has_mark = true;
		rec->mark = sl[newest].mark;
		rec->seq = sl[newest].seq;
		rec->newest = newest;
	} else {
		rec->err = SIGIL_E_CORRUPT;
	}
	if (wm_file_tbl_find(f, rec->key) != NULL) {
		log_key("a second record for this key: refusing every watermark", index, &id);
		wm_file_rec_free(rec);
		return SIGIL_E_CORRUPT;
	}
	int rc = wm_file_tbl_insert(f, rec);
	if (rc != 0)
		wm_file_rec_free(rec);
	return rc;
}

static int
load(struct wm_file *f)
{
	uint8_t buf[WM_REC_SIZE];
	struct stat st;
	size_t n, first_zero = SIZE_MAX;

	if (fstat(f->dbfd, &st) != 0)
		return SIGIL_E_IO;
	if (!S_ISREG(st.st_mode) || st.st_size % WM_REC_SIZE != 0) {
		log_error("watermark store: %s is %lld bytes, not a whole number of %d-byte "
		          "records: refusing every watermark", WM_DB_NAME, (long long)st.st_size,
		          WM_REC_SIZE);
		return SIGIL_E_CORRUPT;
	}
	if (st.st_mode & 077)
		log_warn("watermark store: %s is readable by group or others", WM_DB_NAME);
	n = (size_t)st.st_size / WM_REC_SIZE;
	for (size_t i = 0; i < n; i++) {
		ssize_t off = (ssize_t)(i * WM_REC_SIZE);
		int rc;
		errno = 0;
		if (pread(f->dbfd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
			log_error("watermark store: reading record %zu failed (%s)", i,
			          strerror(errno ? errno : EIO));
			return SIGIL_E_IO;
		}
		if ((rc = load_record(f, i, buf)) < 0)
			return rc;
		if (rc == 1) {
			if (first_zero == SIZE_MAX)
				first_zero = i;
			continue;
		}
		if (first_zero != SIZE_MAX) {
			/* New records reach the file in index order and a sync
			 * covers every earlier one, so a blank record before a
			 * written one is lost data, not an unfinished append. */
			log_error("watermark store: record %zu is blank but later ones are not: "
			          "refusing every watermark", first_zero);
			return SIGIL_E_CORRUPT;
		}
	}
	if (first_zero != SIZE_MAX)
		log_warn("watermark store: %zu blank record(s) at the end of %s (an append cut "
		         "short by a crash, never acknowledged); they will be reused",
		         n - first_zero, WM_DB_NAME);
	return 0;
}

int
wm_file_open(const char *dir, struct wm_store **out)
{
	char lockpath[PATH_MAX], dbpath[PATH_MAX];
	struct wm_file *f;
	int n, rc;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return SIGIL_E_INVALID;
	if (sodium_init() < 0)
		return SIGIL_E_CRYPTO;
	n = snprintf(lockpath, sizeof(lockpath), "%s/%s", dir, WM_LOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(lockpath))
		return SIGIL_E_TOO_BIG;
	n = snprintf(dbpath, sizeof(dbpath), "%s/%s", dir, WM_DB_NAME);
	if (n < 0 || (size_t)n >= sizeof(dbpath))
		return SIGIL_E_TOO_BIG;
	if ((rc = fileio_mkdirs(dir, 0700)) != 0)
		return rc;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return SIGIL_E_NOMEM;
	f->base.ops = &wm_file_ops;
	f->dbfd = f->lockfd = -1;
	pthread_rwlock_init(&f->tbl_lock, NULL);
	pthread_mutex_init(&f->append_mu, NULL);
	pthread_mutex_init(&f->gc_mu, NULL);
	atomic_init(&f->written, 0);
	atomic_init(&f->synced, 0);
	atomic_init(&f->poison, 0);
	atomic_init(&f->inject_fail, 0);
	randombytes_buf(f->hkey, sizeof(f->hkey));
	f->nbuckets = 64;
	if ((f->buckets = calloc(f->nbuckets, sizeof(*f->buckets))) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto fail;
	}

	/* flock belongs to the open file description, so a second open in
	 * this very process conflicts as well as one from another process. */
	rc = SIGIL_E_IO;
	f->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f->lockfd < 0)
		goto fail;
	if (flock(f->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			rc = SIGIL_E_LOCKED;
			log_error("watermark store: %s is in use by another signer", dir);
		}
		goto fail;
	}
	f->dbfd = open(dbpath, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (f->dbfd < 0 && errno == ENOENT) {
		f->dbfd = open(dbpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		/* The new name must survive a crash too. */
		if (f->dbfd >= 0 && fileio_sync_parent(dbpath) != 0)
			goto fail;
	}
	if (f->dbfd < 0)
		goto fail;
	/* Rule 2 of file.c: what we read must be durable before we build on
	 * it. A signer killed before its last sync leaves its writes in the
	 * page cache, readable but not yet on disk. */
	f->nsync++;
	if (fdatasync(f->dbfd) != 0) {
		log_error("watermark store: fdatasync of %s failed (%s)", dbpath, strerror(errno));
		goto fail;
	}
	if ((rc = load(f)) != 0)
		goto fail;
	*out = &f->base;
	return 0;
fail:
	wm_file_free(f);
	return rc;
}

uint64_t
wm_file_sync_count(struct wm_store *s)
{
	struct wm_file *f = (struct wm_file *)s;
	uint64_t v;

	if (s == NULL || s->ops != &wm_file_ops)
		return 0;
	pthread_mutex_lock(&f->gc_mu);
	v = f->nsync;
	pthread_mutex_unlock(&f->gc_mu);
	return v;
}

void
wm_file_fail_next_syncs(struct wm_store *s, int n)
{
	if (s != NULL && s->ops == &wm_file_ops)
		atomic_store(&((struct wm_file *)s)->inject_fail, n);
}
