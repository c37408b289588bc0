/* Opening the file back end: the directory lock, and reading watermarks.db
 * into the id table, failing closed on anything we cannot vouch for (the
 * reasoning is at the top of ops.c). */
#include "watermark/file/store.h"
#include "watermark/file/file.h"
#include "watermark/file/file_test.h"

#include "base/errors.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/log.h"

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
log_key_at(enum log_level lvl, const char *what, size_t index, const struct wm_id *id)
{
	char chain[9], pkh[43];
	if (hex_encode(id->chain_id, sizeof(id->chain_id), chain, sizeof(chain)) != 0 ||
	    hex_encode(id->key, sizeof(id->key), pkh, sizeof(pkh)) != 0)
		chain[0] = pkh[0] = '\0';
	log_msg(lvl, "watermark store: record %zu (chain %s, key %s, kind %d): %s", index, chain,
	        pkh, (int)id->kind, what);
}

static void
log_key(const char *what, size_t index, const struct wm_id *id)
{
	log_key_at(LOG_ERROR, what, index, id);
}

/* What load_record found besides a loaded record or an error. */
#define LOAD_BLANK 1      /* all zero: never written */
#define LOAD_UNFINISHED 2 /* the last record's add, cut short: drop it */
#define LOAD_COMPLETED 3  /* loaded, and its blank slot written: sync it */

/* One slot blank, the other not good. Rule 5 of ops.c: a new record's two
 * slots go out in one pwrite, are acknowledged only after its fdatasync,
 * and no later record is started before that; a slot is never zeroed
 * again. So in the last record this is an add a crash cut short, never
 * acknowledged: nothing was signed for it, and the key may start afresh.
 * Anywhere else it is damage to a mark that was acknowledged, and with
 * only one copy of the key, and that one failing its checksum, we cannot
 * even say whose: the whole store is refused. */
static int
load_half_blank(size_t index, const uint8_t buf[static WM_REC_SIZE], int blank, bool last)
{
	struct wm_id id;
	bool known = wm_slot_peek_id(buf + (1 - blank) * WM_SLOT_SIZE, &id) == 0;

	if (!last) {
		log_error("watermark store: record %zu has slot %c blank and slot %c damaged, "
		          "and later records exist, so this is not an add cut short by a crash: "
		          "refusing every watermark", index, blank ? 'B' : 'A', blank ? 'A' : 'B');
		return SIGIL_E_CORRUPT;
	}
	if (known)
		log_key_at(LOG_WARN, "the last record is half written (an add cut short by a crash, "
		           "never acknowledged): dropped, this key starts without a mark",
		           index, &id);
	else
		log_warn("watermark store: record %zu, the last, is half written (an add cut short "
		         "by a crash, never acknowledged): dropped", index);
	return LOAD_UNFINISHED;
}

/* The last record's add got as far as one whole slot: the other, still
 * blank, gets the same mark, as the add would have written it. Without
 * this the blank slot would stay, and once a later record exists it would
 * read as damage (rule 5 of ops.c). Rule 2 holds: the good slot, made
 * durable by open's fdatasync, is not touched; load syncs this write. */
static int
complete_add(struct wm_file *f, struct wm_rec *rec, int blank)
{
	uint8_t buf[WM_SLOT_SIZE];
	off_t off = (off_t)(rec->index * WM_REC_SIZE + (size_t)blank * WM_SLOT_SIZE);

	wm_slot_encode(&rec->id, &rec->mark, rec->seq + 1, buf);
	errno = 0;
	if (pwrite(f->dbfd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
		log_error("watermark store: completing record %zu failed (%s)", rec->index,
		          strerror(errno ? errno : EIO));
		return SIGIL_E_IO;
	}
	rec->seq++;
	rec->newest = blank;
	return LOAD_COMPLETED;
}

/* 0 when loaded (perhaps as a refused id), LOAD_COMPLETED, LOAD_BLANK,
 * LOAD_UNFINISHED, or an error that refuses the whole store. last: no later
 * record of the file holds anything. */
static int
load_record(struct wm_file *f, size_t index, const uint8_t buf[static WM_REC_SIZE], bool last)
{
	struct wm_slot sl[2];
	enum wm_slot_state st[2];
	struct wm_id id;
	struct wm_rec *rec;
	int newest = -1, blank = -1;
	bool refuse = false;

	st[0] = wm_slot_decode(buf, &sl[0]);
	st[1] = wm_slot_decode(buf + WM_SLOT_SIZE, &sl[1]);
	if (st[0] == WM_SLOT_EMPTY && st[1] == WM_SLOT_EMPTY)
		return LOAD_BLANK;
	if (st[0] == WM_SLOT_ALIEN || st[1] == WM_SLOT_ALIEN) {
		log_error("watermark store: record %zu has a format version this sigil does "
		          "not know: refusing every watermark", index);
		return SIGIL_E_CORRUPT;
	}
	if (st[0] == WM_SLOT_EMPTY || st[1] == WM_SLOT_EMPTY)
		blank = st[0] == WM_SLOT_EMPTY ? 0 : 1;
	if (blank >= 0 && st[1 - blank] == WM_SLOT_BAD)
		return load_half_blank(index, buf, blank, last);
	if (blank >= 0) {
		/* The other slot is good. In the last record, an add that got
		 * half way: its good slot is the mark being added, and taking
		 * it can only refuse more. Elsewhere the blank slot may have
		 * held the newer mark: refuse the id (its key is known, from a
		 * slot whose checksum holds) rather than fall back. */
		char what[240];
		newest = 1 - blank;
		if (last)
			snprintf(what, sizeof(what), "slot %c is blank (an add cut short by a crash); "
			         "using slot %c", blank ? 'B' : 'A', blank ? 'A' : 'B');
		else
			snprintf(what, sizeof(what), "slot %c is blank, yet later records exist: damage, "
			         "not a crash, and it may have held the newest mark. This key is "
			         "refused until an explicit `watermark set --force`", blank ? 'B' : 'A');
		log_key_at(last ? LOG_WARN : LOG_ERROR, what, index, &sl[newest].id);
		refuse = !last;
	} else if (st[0] == WM_SLOT_OK && st[1] == WM_SLOT_OK) {
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
		        "explicit `watermark set --force`", index, &id);
		refuse = true;
	}

	if ((rec = wm_file_rec_new(&id, index)) == NULL)
		return SIGIL_E_NOMEM;
	if (newest >= 0) {
		rec->seq = sl[newest].seq;
		rec->newest = newest;
	}
	if (!refuse) {
		rec->has_mark = true;
		rec->mark = sl[newest].mark;
	} else {
		rec->err = SIGIL_E_CORRUPT;
	}
	if (wm_file_tbl_find(f, rec->key) != NULL) {
		log_key("a second record for this key: refusing every watermark", index, &id);
		wm_file_rec_free(rec);
		return SIGIL_E_CORRUPT;
	}
	int rc = wm_file_tbl_insert(f, rec);
	if (rc != 0) {
		wm_file_rec_free(rec);
		return rc;
	}
	if (last && blank >= 0)
		return complete_add(f, rec, blank);
	return 0;
}

static int
read_record(struct wm_file *f, size_t i, uint8_t buf[static WM_REC_SIZE])
{
	errno = 0;
	if (pread(f->dbfd, buf, WM_REC_SIZE, (off_t)(i * WM_REC_SIZE)) != WM_REC_SIZE) {
		log_error("watermark store: reading record %zu failed (%s)", i,
		          strerror(errno ? errno : EIO));
		return SIGIL_E_IO;
	}
	return 0;
}

static bool
record_blank(const uint8_t buf[static WM_REC_SIZE])
{
	uint8_t acc = 0;
	for (size_t i = 0; i < WM_REC_SIZE; i++)
		acc |= buf[i];
	return acc == 0;
}

/* Index of the last record that holds anything (n when none does): only it
 * can be an add that a crash cut short (rule 5 of ops.c). */
static int
find_last(struct wm_file *f, size_t n, size_t *last)
{
	uint8_t buf[WM_REC_SIZE];
	int rc;

	*last = n;
	for (size_t i = n; i-- > 0;) {
		if ((rc = read_record(f, i, buf)) != 0)
			return rc;
		if (!record_blank(buf)) {
			*last = i;
			break;
		}
	}
	return 0;
}

static int
load(struct wm_file *f)
{
	uint8_t buf[WM_REC_SIZE];
	struct stat st;
	size_t n, last;
	bool dirty = false;
	int rc;

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
	if ((rc = find_last(f, n, &last)) != 0)
		return rc;
	for (size_t i = 0; i < n && i <= last; i++) {
		if ((rc = read_record(f, i, buf)) != 0)
			return rc;
		if ((rc = load_record(f, i, buf, i == last)) < 0)
			return rc;
		if (rc == LOAD_COMPLETED)
			dirty = true;
		if (rc == LOAD_BLANK) {
			/* New records reach the file one at a time, each only
			 * after the one before is durable (rule 5), so a blank
			 * record before a written one is lost data, not an
			 * unfinished append. */
			log_error("watermark store: record %zu is blank but later ones are not: "
			          "refusing every watermark", i);
			return SIGIL_E_CORRUPT;
		}
	}
	if (f->nrecs < n) {
		/* Blank records at the end, and the last one if it was half
		 * written: adds cut short by a crash, never acknowledged. They
		 * are cut off so that the next add starts from nothing, as a
		 * first add does, and a crash during it can leave only the
		 * pictures rule 5 expects. */
		log_warn("watermark store: %zu record(s) at the end of %s never finished (an add "
		         "cut short by a crash, never acknowledged): removed", n - f->nrecs,
		         WM_DB_NAME);
		if (ftruncate(f->dbfd, (off_t)(f->nrecs * WM_REC_SIZE)) != 0) {
			log_error("watermark store: cutting %s short failed (%s)", WM_DB_NAME,
			          strerror(errno));
			return SIGIL_E_IO;
		}
		dirty = true;
	}
	if (!dirty)
		return 0;
	f->nsync++;
	if (fdatasync(f->dbfd) != 0) {
		log_error("watermark store: fdatasync of %s failed (%s)", WM_DB_NAME, strerror(errno));
		return SIGIL_E_IO;
	}
	return 0;
}

/* True when path does not exist (false also when we cannot tell). */
static bool
path_absent(const char *path)
{
	struct stat st;
	return lstat(path, &st) != 0 && errno == ENOENT;
}

/* A brand-new store: neither the lock nor the marks exist. watermarks.db is
 * made first, and made durable (file and directory entry), before the lock
 * file is: so a lock file without watermarks.db means the marks were lost
 * after the store was set up, never a set-up cut short. O_EXCL makes the
 * race of two inits harmless: both then find the one file. */
static int
create_db(const char *dbpath)
{
	int fd = open(dbpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc = 0;

	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0 || fsync(fd) != 0 || fileio_sync_parent(dbpath) != 0)
		rc = SIGIL_E_IO;
	if (rc != 0)
		log_error("watermark store: creating %s failed (%s)", dbpath, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
store_paths(const char *dir, char lockpath[static PATH_MAX], char dbpath[static PATH_MAX])
{
	int n;

	if (dir == NULL || dir[0] == '\0')
		return SIGIL_E_INVALID;
	n = snprintf(lockpath, PATH_MAX, "%s/%s", dir, WM_LOCK_NAME);
	if (n < 0 || n >= PATH_MAX)
		return SIGIL_E_TOO_BIG;
	n = snprintf(dbpath, PATH_MAX, "%s/%s", dir, WM_DB_NAME);
	if (n < 0 || n >= PATH_MAX)
		return SIGIL_E_TOO_BIG;
	return 0;
}

/* The store was in use (its lock file exists) and its marks are gone. */
static int
store_gone(const char *dbpath, const char *lockpath)
{
	/* Never made afresh here: that would be a silent reset to no marks
	 * at all, i.e. a licence to sign twice. */
	log_error("watermark store: %s is missing but %s exists, so this store was in "
	          "use and its high watermarks are gone: refusing to start from none. "
	          "Restore %s from a backup; or, to start afresh deliberately, remove %s, "
	          "run `sigil watermark init` and bring the marks back (`sigil watermark "
	          "import`, or `sigil watermark set` at or above each key's last signed "
	          "level) before signing again", dbpath, lockpath, WM_DB_NAME, lockpath);
	return SIGIL_E_NOT_FOUND;
}

int
wm_file_init(const char *dir, bool *created)
{
	char lockpath[PATH_MAX], dbpath[PATH_MAX];
	int rc;

	*created = false;
	if ((rc = store_paths(dir, lockpath, dbpath)) != 0)
		return rc;
	if ((rc = fileio_mkdirs(dir, 0700)) != 0)
		return rc;
	if (!path_absent(dbpath))
		return 0;
	if (!path_absent(lockpath))
		return store_gone(dbpath, lockpath);
	if ((rc = create_db(dbpath)) != 0)
		return rc;
	*created = true;
	return 0;
}

int
wm_file_open(const char *dir, struct wm_store **out)
{
	char lockpath[PATH_MAX], dbpath[PATH_MAX];
	struct wm_file *f;
	int rc;

	*out = NULL;
	if ((rc = store_paths(dir, lockpath, dbpath)) != 0)
		return rc;
	if (sodium_init() < 0)
		return SIGIL_E_CRYPTO;
	/* Creating a store is `sigil watermark init`'s alone: a mistyped
	 * directory, or a relative one under another working directory,
	 * must not become a store with no marks that signs what the real
	 * one refuses. */
	if (path_absent(dbpath)) {
		if (!path_absent(lockpath))
			return store_gone(dbpath, lockpath);
		log_error("watermark store: there is none at %s (no %s): sigild never creates "
		          "one, so that a wrong path cannot start with no marks. If this is the "
		          "right place, create it with `sigil watermark init` (and bring an "
		          "existing signer's marks over with `sigil watermark import`); else "
		          "fix watermark.dir or base_dir", dir, WM_DB_NAME);
		return SIGIL_E_NOT_FOUND;
	}

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return SIGIL_E_NOMEM;
	f->base.ops = &wm_file_ops;
	f->dbfd = f->lockfd = -1;
	pthread_rwlock_init(&f->tbl_lock, NULL);
	pthread_mutex_init(&f->append_mu, NULL);
	pthread_mutex_init(&f->gc_mu, NULL);
	pthread_mutex_init(&f->amu, NULL);
	pthread_cond_init(&f->acv, NULL);
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
		rc = store_gone(dbpath, lockpath);
		goto fail;
	}
	if (f->dbfd < 0)
		goto fail;
	/* Both names durable before anything acknowledged depends on them:
	 * watermarks.db's even if another first start created it, and the
	 * lock's, which from now on says that this store is in use. */
	if (fileio_sync_parent(dbpath) != 0) {
		log_error("watermark store: fsync of %s failed (%s)", dir, strerror(errno));
		goto fail;
	}
	/* Rule 2 of ops.c: what we read must be durable before we build on
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

/* ---- the driver (watermark.h, registry.c) ---- */

/* The `watermark:` map of the file store: its directory. */
static const struct setting_spec wm_file_settings[] = {
	{.key = "dir", .type = SETTING_PATH, .dflt = "watermarks"},
};

static const char *
wm_file_dir(const struct wm_store_config *cfg)
{
	const char *dir = settings_get(cfg->settings, "dir");
	return dir ? dir : "watermarks";
}

static int
wm_file_driver_open(const struct wm_store_config *cfg, struct wm_store **out, char *err,
                    size_t errlen)
{
	const char *dir = wm_file_dir(cfg);
	int rc = wm_file_open(dir, out);
	if (rc != 0)
		snprintf(err, errlen, "watermark store %s: %s%s", dir, sigil_strerror(rc),
		         rc == SIGIL_E_NOT_FOUND ? " (create it with `sigil watermark init`; see "
		                                   "the message above)"
		         : rc == SIGIL_E_LOCKED ? " (is sigild running?)"
		                                : "");
	return rc;
}

static int
wm_file_driver_init(const struct wm_store_config *cfg, bool *created, char *err, size_t errlen)
{
	const char *dir = wm_file_dir(cfg);
	int rc = wm_file_init(dir, created);
	if (rc != 0)
		snprintf(err, errlen, "watermark store %s: %s", dir, sigil_strerror(rc));
	return rc;
}

const struct wm_driver wm_file_driver = {
	.name = "file",
	.settings = wm_file_settings,
	.n_settings = sizeof(wm_file_settings) / sizeof(wm_file_settings[0]),
	.open = wm_file_driver_open,
	.init = wm_file_driver_init,
};
