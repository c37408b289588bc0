/* The enclave vault's keys in one JSON file (storage.h), Signatory's
 * confidentialspace format: an array of
 *   {"public_key_hash": "tz1…", "encrypted_private_key": "<standard base64>"}.
 * What it holds is sealed under a KEK sigild never sees; it is still kept
 * 0600, as a vault is, since nobody else needs to read which keys a signer
 * has or to swap them.
 *
 * The file is only ever replaced whole (fileio_write_atomic), so reading
 * needs no lock; the read-modify-write of put and remove is serialised by a
 * mutex within the process and by flock on "<path>.lock" between processes
 * (`sigil generate` may run beside sigild). */
#include "vault/enclave/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"

#define EF_DEFAULT_PATH "enclave_keys.json"
/* A full blob is 344 characters of base64, an entry about 450 bytes: 8 MiB
 * is over 18 000 keys, and bounds what a damaged file can make us allocate. */
#define EF_FILE_MAX ((size_t)8 << 20)
#define EF_B64_MAX \
	(sodium_base64_ENCODED_LEN(ENCLAVE_STORED_BLOB_MAX, sodium_base64_VARIANT_ORIGINAL) - 1)
#define EF_LOCK_POLL_MS 5

struct ef_storage {
	struct enclave_storage base;
	char path[PATH_MAX];
	char lock[PATH_MAX];
	pthread_mutex_t mu; /* put and remove of this process, one at a time */
};

/* The file's text (malloc'ed, NUL-terminated, the caller's) from one open
 * file, so that the mode checked is the mode of what is read. A file group
 * or others may read or write is refused, not merely warned about: this
 * one is only ever written by us, 0600, so another mode means someone
 * changed it. SIGIL_E_NOT_FOUND when there is no file. */
static int
ef_read(const struct ef_storage *f, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, size;
	int fd, rc = SIGIL_E_IO;

	*text = NULL;
	*len = 0;
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return SIGIL_E_NOT_FOUND;
		sigil_errf(err, errlen, "%s: %s", f->path, strerror(errno));
		return SIGIL_E_IO;
	}
	if (fstat(fd, &st) != 0) {
		sigil_errf(err, errlen, "%s: %s", f->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		sigil_errf(err, errlen, "%s: not a regular file", f->path);
		rc = SIGIL_E_INVALID;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		sigil_errf(err, errlen, "%s: mode %04o lets group or others at it; it must be 0600",
		       f->path, (unsigned)(st.st_mode & 07777));
		rc = SIGIL_E_INVALID;
		goto out;
	}
	if ((uintmax_t)st.st_size > EF_FILE_MAX) {
		sigil_errf(err, errlen, "%s: over %zu bytes", f->path, EF_FILE_MAX);
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sigil_errf(err, errlen, "%s: %s", f->path, n < 0 ? strerror(errno) : "shrank while read");
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* The line of the first byte that is not white space: where a top-level
 * value that is not an array starts (jansson gives no position for it). */
static unsigned
ef_first_line(const char *t, size_t len)
{
	unsigned line = 1;

	for (size_t i = 0; i < len && strchr(" \t\r\n", t[i]) != NULL; i++)
		if (t[i] == '\n')
			line++;
	return line;
}

/* The file as a JSON array (*arr, the caller's): a missing file is an
 * empty one, anything but an array is an error naming path and line. */
static int
ef_read_array(const struct ef_storage *f, json_t **arr, char *err, size_t errlen)
{
	json_error_t jerr;
	char *text;
	size_t len;
	int rc;

	*arr = NULL;
	rc = ef_read(f, &text, &len, err, errlen);
	if (rc == SIGIL_E_NOT_FOUND) {
		*arr = json_array();
		return *arr ? 0 : SIGIL_E_NOMEM;
	}
	if (rc != 0)
		return rc;
	*arr = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (*arr == NULL) {
		sigil_errf(err, errlen, "%s: line %d: %s", f->path, jerr.line, jerr.text);
		rc = SIGIL_E_INVALID;
	} else if (!json_is_array(*arr)) {
		sigil_errf(err, errlen, "%s: line %u: not a JSON array of keys", f->path,
		       ef_first_line(text, len));
		json_decref(*arr);
		*arr = NULL;
		rc = SIGIL_E_INVALID;
	}
	free(text);
	return rc;
}

/* The entry it into e, or why it cannot be read (into why; *pkh then the
 * address to report it by, or NULL). */
static bool
ef_entry(json_t *it, struct enclave_entry *e, const char **pkh, char *why, size_t whylen)
{
	json_t *jp = json_object_get(it, "public_key_hash");
	json_t *jb = json_object_get(it, "encrypted_private_key");
	uint8_t buf[ENCLAVE_STORED_BLOB_MAX + 3]; /* base64 of at most EF_B64_MAX */
	const char *b64, *end;
	size_t blen, n;

	*pkh = NULL;
	memset(e, 0, sizeof(*e));
	if (!json_is_object(it)) {
		sigil_errf(why, whylen, "an entry that is not an object");
		return false;
	}
	if (!json_is_string(jp)) {
		sigil_errf(why, whylen, "public_key_hash missing");
		return false;
	}
	if (!enclave_storage_pkh_ok(json_string_value(jp), json_string_length(jp))) {
		sigil_errf(why, whylen, "public_key_hash is not an address");
		return false;
	}
	*pkh = json_string_value(jp);
	if (!json_is_string(jb)) {
		sigil_errf(why, whylen, "encrypted_private_key missing");
		return false;
	}
	b64 = json_string_value(jb);
	blen = json_string_length(jb);
	if (blen > EF_B64_MAX) {
		sigil_errf(why, whylen, "encrypted_private_key over %d bytes", ENCLAVE_STORED_BLOB_MAX);
		return false;
	}
	if (sodium_base642bin(buf, sizeof(buf), b64, blen, NULL, &n, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + blen) {
		sigil_errf(why, whylen, "encrypted_private_key is not base64");
		return false;
	}
	if (n == 0) {
		sigil_errf(why, whylen, "encrypted_private_key is empty");
		return false;
	}
	if (n > ENCLAVE_STORED_BLOB_MAX) {
		sigil_errf(why, whylen, "encrypted_private_key over %d bytes", ENCLAVE_STORED_BLOB_MAX);
		return false;
	}
	memcpy(e->pkh, *pkh, strlen(*pkh) + 1);
	memcpy(e->blob, buf, n);
	e->blob_len = n;
	return true;
}

/* By address, then by place in the file. */
static int
ef_cmp(const void *a, const void *b)
{
	const struct enclave_entry *x = *(const struct enclave_entry *const *)a;
	const struct enclave_entry *y = *(const struct enclave_entry *const *)b;
	int c = strcmp(x->pkh, y->pkh);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/* Keeps the first entry of each address in es (*n of them, in file order),
 * reporting the others. Sorting rather than comparing each with every
 * other: a few thousand keys stay a few milliseconds. */
static int
ef_dedupe(struct enclave_entry *es, size_t *n, enclave_storage_report report, void *arg)
{
	struct enclave_entry **p;
	bool *drop;
	size_t k = 0;

	if (*n < 2)
		return 0;
	p = malloc(*n * sizeof(*p));
	drop = calloc(*n, sizeof(*drop));
	if (p == NULL || drop == NULL) {
		free(p);
		free(drop);
		return SIGIL_E_NOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		p[i] = &es[i];
	qsort(p, *n, sizeof(*p), ef_cmp);
	for (size_t i = 1; i < *n; i++) {
		if (strcmp(p[i]->pkh, p[i - 1]->pkh) != 0)
			continue;
		drop[p[i] - es] = true;
		if (report)
			report(arg, p[i]->pkh, "a second entry for this address; the first is kept");
	}
	for (size_t i = 0; i < *n; i++)
		if (!drop[i])
			es[k++] = es[i];
	*n = k;
	free(p);
	free(drop);
	return 0;
}

static int
ef_load(struct enclave_storage *st, const struct sigil_deadline *dl,
        enclave_storage_report report, void *arg, struct enclave_entry **out, size_t *n,
        char *err, size_t errlen)
{
	struct ef_storage *f = (struct ef_storage *)st;
	struct enclave_entry *es = NULL;
	json_t *arr = NULL, *it;
	char why[96];
	size_t i, k = 0;
	int rc;

	(void)dl; /* a local file */
	*out = NULL;
	*n = 0;
	sigil_errf(err, errlen, "%s", "");
	if ((rc = ef_read_array(f, &arr, err, errlen)) != 0)
		return rc;
	if (json_array_size(arr) == 0)
		goto out;
	if ((es = calloc(json_array_size(arr), sizeof(*es))) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	json_array_foreach(arr, i, it) {
		const char *pkh;

		if (ef_entry(it, &es[k], &pkh, why, sizeof(why)))
			k++;
		else if (report)
			report(arg, pkh, why);
	}
	if ((rc = ef_dedupe(es, &k, report, arg)) != 0)
		goto out;
	if (k > 0) {
		*out = es;
		*n = k;
		es = NULL;
	}
out:
	free(es);
	json_decref(arr);
	return rc;
}

/* An exclusive flock on the file beside the keys (not on them: the rename
 * gives them a new inode, which a lock on the old one does not cover). The
 * lock file stays: unlinking it would let a waiter lock the unlinked inode
 * while a newcomer locks a fresh one. A writer that holds it past dl is
 * SIGIL_E_TIMEOUT. */
static int
ef_lock(const struct ef_storage *f, const struct sigil_deadline *dl, int *fd, char *err,
        size_t errlen)
{
	int l;

	*fd = -1;
	/* The first key stored makes the directory (base_dir on a new machine),
	 * private to its owner as the file vault's is. */
	{
		char *dir = strdup(f->lock), *slash = dir ? strrchr(dir, '/') : NULL;
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			(void)fileio_mkdirs(dir, 0700);
		}
		free(dir);
	}
	if ((l = open(f->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600)) < 0) {
		sigil_errf(err, errlen, "%s: %s", f->lock, strerror(errno));
		return SIGIL_E_IO; /* not NOT_FOUND: that is remove's "no such key" */
	}
	for (;;) {
		bool wait = sigil_deadline_left_ms(dl) == UINT64_MAX;
		struct timespec ts = {0, EF_LOCK_POLL_MS * 1000000L};

		if (flock(l, wait ? LOCK_EX : LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			sigil_errf(err, errlen, "%s: %s", f->lock, strerror(errno));
			close(l);
			return SIGIL_E_IO;
		}
		if (sigil_deadline_passed(dl)) {
			sigil_errf(err, errlen, "%s: held by another writer past the deadline", f->lock);
			close(l);
			return SIGIL_E_TIMEOUT;
		}
		(void)nanosleep(&ts, NULL);
	}
	*fd = l;
	return 0;
}

/* arr over the file, atomically, 0600, with a final newline. */
static int
ef_write(const struct ef_storage *f, json_t *arr, char *err, size_t errlen)
{
	char *text = json_dumps(arr, JSON_INDENT(2)), *t;
	size_t len;
	int rc;

	if (text == NULL)
		return SIGIL_E_NOMEM;
	len = strlen(text);
	if ((t = realloc(text, len + 2)) == NULL) {
		free(text);
		return SIGIL_E_NOMEM;
	}
	text = t;
	text[len++] = '\n';
	text[len] = '\0';
	if ((rc = fileio_write_atomic(f->path, text, len, 0600)) != 0)
		sigil_errf(err, errlen, "%s: cannot rewrite it: %s", f->path, sigil_strerror(rc));
	free(text);
	return rc;
}

/* Read, edit(arr, ctx), write, under both locks; nothing is written when
 * edit fails. Entries that cannot be read are kept as they are: rewriting
 * is not the place to lose what an operator may still repair. */
static int
ef_rewrite(struct ef_storage *f, const struct sigil_deadline *dl,
           int (*edit)(json_t *arr, const void *ctx, char *err, size_t errlen),
           const void *ctx, char *err, size_t errlen)
{
	json_t *arr = NULL;
	int lockfd = -1, rc;

	sigil_errf(err, errlen, "%s", "");
	pthread_mutex_lock(&f->mu);
	if ((rc = ef_lock(f, dl, &lockfd, err, errlen)) != 0)
		goto out;
	if ((rc = ef_read_array(f, &arr, err, errlen)) != 0)
		goto out;
	if ((rc = edit(arr, ctx, err, errlen)) != 0)
		goto out;
	rc = ef_write(f, arr, err, errlen);
out:
	json_decref(arr);
	if (lockfd >= 0)
		close(lockfd); /* releases the flock, after the rename */
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/* Whether entry it is stored under pkh (readable or not). */
static bool
ef_is(json_t *it, const char *pkh)
{
	const char *p = json_string_value(json_object_get(it, "public_key_hash"));

	return p != NULL && strcmp(p, pkh) == 0;
}

static int
ef_edit_put(json_t *arr, const void *ctx, char *err, size_t errlen)
{
	const struct enclave_entry *e = ctx;
	char b64[EF_B64_MAX + 1];
	size_t i;
	json_t *it, *entry;

	json_array_foreach(arr, i, it) {
		if (ef_is(it, e->pkh)) {
			sigil_errf(err, errlen, "%s is stored already", e->pkh);
			return SIGIL_E_INVALID;
		}
	}
	sodium_bin2base64(b64, sizeof(b64), e->blob, e->blob_len, sodium_base64_VARIANT_ORIGINAL);
	entry = json_pack("{s:s, s:s}", "public_key_hash", e->pkh, "encrypted_private_key", b64);
	if (entry == NULL || json_array_append_new(arr, entry) != 0)
		return SIGIL_E_NOMEM;
	return 0;
}

static int
ef_put(struct enclave_storage *st, const struct enclave_entry *e,
       const struct sigil_deadline *dl, char *err, size_t errlen)
{
	if (!enclave_storage_pkh_ok(e->pkh, strnlen(e->pkh, sizeof(e->pkh))) || e->blob_len == 0 ||
	    e->blob_len > sizeof(e->blob)) {
		sigil_errf(err, errlen, "an entry without an address or with a blob of %zu bytes",
		       e->blob_len);
		return SIGIL_E_INVALID;
	}
	return ef_rewrite((struct ef_storage *)st, dl, ef_edit_put, e, err, errlen);
}

/* Every entry under the address goes: with only the first removed, a
 * second one that load skipped would take its place. */
static int
ef_edit_remove(json_t *arr, const void *ctx, char *err, size_t errlen)
{
	const char *pkh = ctx;
	size_t i = json_array_size(arr), removed = 0;

	while (i-- > 0) {
		if (!ef_is(json_array_get(arr, i), pkh))
			continue;
		if (json_array_remove(arr, i) != 0)
			return SIGIL_E_INTERNAL;
		removed++;
	}
	if (removed == 0) {
		sigil_errf(err, errlen, "%s is not stored", pkh);
		return SIGIL_E_NOT_FOUND;
	}
	return 0;
}

static int
ef_remove(struct enclave_storage *st, const char *pkh, const struct sigil_deadline *dl,
          char *err, size_t errlen)
{
	if (pkh == NULL || !enclave_storage_pkh_ok(pkh, strnlen(pkh, ENCLAVE_PKH_MAX))) {
		sigil_errf(err, errlen, "not an address");
		return SIGIL_E_INVALID;
	}
	return ef_rewrite((struct ef_storage *)st, dl, ef_edit_remove, pkh, err, errlen);
}

static void
ef_close(struct enclave_storage *st)
{
	struct ef_storage *f = (struct ef_storage *)st;

	if (f == NULL)
		return;
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static int
ef_open(const struct settings *s, const struct sigil_deadline *dl, struct enclave_storage **out,
        char *err, size_t errlen)
{
	const char *path = settings_get(s, "storage.config");
	struct ef_storage *f;
	int n, m;

	(void)dl;
	*out = NULL;
	sigil_errf(err, errlen, "%s", "");
	if (path == NULL || path[0] == '\0')
		path = EF_DEFAULT_PATH;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return SIGIL_E_NOMEM;
	n = snprintf(f->path, sizeof(f->path), "%s", path);
	m = snprintf(f->lock, sizeof(f->lock), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(f->path) || m < 0 || (size_t)m >= sizeof(f->lock)) {
		sigil_errf(err, errlen, "storage.config: a path over %zu bytes", sizeof(f->path) - 6);
		free(f);
		return SIGIL_E_TOO_BIG;
	}
	if (pthread_mutex_init(&f->mu, NULL) != 0) {
		free(f);
		return SIGIL_E_NOMEM;
	}
	f->base.ops = &enclave_storage_file;
	*out = &f->base;
	return 0;
}

const struct enclave_storage_ops enclave_storage_file = {
	.name = "file",
	.open = ef_open,
	.load = ef_load,
	.put = ef_put,
	.remove = ef_remove,
	.close = ef_close,
};
