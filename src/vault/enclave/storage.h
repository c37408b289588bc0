/* Where the enclave vault keeps its encrypted keys: one driver per file
 * behind one table (storage.c). What is stored is only what sigil-enclave
 * hands out, blobs sealed under a KEK sigild never sees; an entry is
 * stored under the address its key has (public_key_hash), as Signatory's
 * confidentialspace vault writes them:
 *
 *   file      {base_dir}/enclave_keys.json by default (storage.config):
 *             [{"public_key_hash": "tz1…", "encrypted_private_key": "<base64>"}, …],
 *             rewritten atomically (temp file, fsync, rename), mode 0600.
 *   postgres  table (pkh text primary key, value bytea) (storage.config.table,
 *             default enclave_keys, made when missing) on the server named by
 *             storage.config.conninfo (a libpq connection string; empty: the
 *             PG* environment variables). */
#ifndef SIGIL_VAULT_ENCLAVE_STORAGE_H
#define SIGIL_VAULT_ENCLAVE_STORAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/deadline.h"
#include "base/settings.h"

#define ENCLAVE_PKH_MAX 64
#define ENCLAVE_STORED_BLOB_MAX 256

struct enclave_entry {
	char pkh[ENCLAVE_PKH_MAX];            /* the address it is stored under */
	uint8_t blob[ENCLAVE_STORED_BLOB_MAX]; /* as sigil-enclave gave it */
	size_t blob_len;
};

/* Called for each stored entry that cannot be read (bad base64, a blob
 * over the ceiling, a missing field): what and why, by address where
 * there is one. Such an entry is skipped; the others load. */
typedef void (*enclave_storage_report)(void *arg, const char *pkh, const char *why);

struct enclave_storage;

struct enclave_storage_ops {
	const char *name;
	/* Opens the storage from the vault's settings (the keys under
	 * "storage.config"); err says why not, without a password. */
	int (*open)(const struct settings *s, const struct sigil_deadline *dl,
	            struct enclave_storage **out, char *err, size_t errlen);
	/* Every entry, in a stable order, into a malloc'ed array (*n of them;
	 * NULL when none). A missing file or table is no entries. */
	int (*load)(struct enclave_storage *st, const struct sigil_deadline *dl,
	            enclave_storage_report report, void *arg, struct enclave_entry **out,
	            size_t *n, char *err, size_t errlen);
	/* Stores e, durably, before returning 0; SIGIL_E_INVALID when an entry
	 * with that pkh exists already (nothing changed). */
	int (*put)(struct enclave_storage *st, const struct enclave_entry *e,
	           const struct sigil_deadline *dl, char *err, size_t errlen);
	/* Removes the entry stored under pkh; SIGIL_E_NOT_FOUND when none. */
	int (*remove)(struct enclave_storage *st, const char *pkh, const struct sigil_deadline *dl,
	              char *err, size_t errlen);
	void (*close)(struct enclave_storage *st);
};

struct enclave_storage {
	const struct enclave_storage_ops *ops;
};

/* Whether p (len bytes) may be stored as an entry's address: 1 to
 * ENCLAVE_PKH_MAX - 1 characters of printable ASCII without spaces, so
 * that it can be logged and compared as it is. */
bool enclave_storage_pkh_ok(const char *p, size_t len);

/* The driver named name ("file", "postgres"), or NULL. */
const struct enclave_storage_ops *enclave_storage_find(const char *name);

extern const struct enclave_storage_ops enclave_storage_file;
extern const struct enclave_storage_ops enclave_storage_postgres;

#endif
