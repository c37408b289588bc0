/* Adding a key to a file vault and deleting one (the CLI's generate and
 * import; the open vault's key management, vault.c): each a
 * read-modify-write of the file under its lock. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/secmem.h"
#include "vault/file/format.h"
#include "vault/file/file.h"

/* Where the entry named name is in keys, if there is one. */
static bool
vf_find_name(json_t *keys, const char *name, size_t *at)
{
	size_t i;
	json_t *it;

	json_array_foreach(keys, i, it) {
		const char *n = json_string_value(json_object_get(it, "name"));
		if (n && strcmp(n, name) == 0) {
			*at = i;
			return true;
		}
	}
	return false;
}

/* Two `sigil generate` or `import` at once would each read the vault, add
 * their key and rename their copy over the file: the last rename drops the
 * other's key. An exclusive flock serialises the read-modify-write. It is
 * taken on a file beside the vault, not on the vault itself, because the
 * rename gives the vault a new inode that a lock on the old one does not
 * cover. The lock file is left in place: unlinking it would let a waiter
 * lock the unlinked inode while a newcomer locks a fresh one. */
static int
vf_lock(const char *path, int *fd)
{
	char lock[PATH_MAX];
	int n = snprintf(lock, sizeof(lock), "%s.lock", path);
	int f;

	*fd = -1;
	if (n < 0 || (size_t)n >= sizeof(lock))
		return SIGIL_E_TOO_BIG;
	if ((f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return errno == ENOENT ? SIGIL_E_NOT_FOUND : SIGIL_E_IO;
	while (flock(f, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(f);
			return SIGIL_E_IO;
		}
	}
	*fd = f;
	return 0;
}

/* Reads the vault file for a rewrite, under the lock: root, its kdf and
 * its "keys" array (borrowed from root). A missing file is a new, empty
 * vault when create, else SIGIL_E_NOT_FOUND; Signatory's format is not
 * rewritten (SIGIL_E_UNSUPPORTED). */
static int
vf_load_for_write(const char *path, bool create, json_t **root, struct vf_kdf *kdf,
                  json_t **keys)
{
	int rc = vf_read_json(path, root);

	if (rc == SIGIL_E_NOT_FOUND && create) {
		vf_kdf_new(kdf);
		*root = json_pack("{s:i, s:o, s:[]}", "version", 1, "kdf", vf_kdf_json(kdf), "keys");
		rc = *root ? 0 : SIGIL_E_NOMEM;
	} else if (rc == 0) {
		rc = json_is_array(*root) ? SIGIL_E_UNSUPPORTED : vf_kdf_parse(*root, kdf);
	}
	if (rc != 0)
		return rc;
	*keys = json_object_get(*root, "keys");
	return json_is_array(*keys) ? 0 : SIGIL_E_INVALID;
}

/* Every key of a file shares one passphrase: proves that kek opens every
 * entry before the file is rewritten with it (a key added that only a
 * different passphrase opens, or a file rewritten by someone who cannot
 * open it), and refuses k (when not NULL) if its public key is there
 * already under another name. */
static int
vf_open_all(json_t *keys, const uint8_t *kek, const struct vault_codec *codec,
            const struct vault_key *k)
{
	uint8_t *check = secmem_alloc(SIGIL_SECRET_MAX);
	size_t checklen;
	int rc = 0;

	if (check == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < json_array_size(keys) && rc == 0; i++) {
		struct vault_key old;
		rc = vf_entry_open(json_array_get(keys, i), kek, codec, check, &checklen, &old);
		if (rc == 0 && k != NULL && old.type == k->type && old.pk_len == k->pk_len &&
		    memcmp(old.pk, k->pk, k->pk_len) == 0)
			rc = SIGIL_E_INVALID;
	}
	secmem_free(check); /* wipes */
	return rc;
}

/* root over path, atomically, mode 0600. */
static int
vf_write(const char *path, json_t *root)
{
	char *text = json_dumps(root, JSON_INDENT(2));
	int rc;

	if (text == NULL)
		return SIGIL_E_NOMEM;
	rc = fileio_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

/* The key-encryption key of the file (kdf, passphrase) into kek, once it
 * is proven to open every entry of keys (vf_open_all). */
static int
vf_unlock(json_t *keys, const struct vf_kdf *kdf, const char *passphrase,
          const struct vault_codec *codec, const struct vault_key *k, uint8_t *kek)
{
	int rc = vf_kdf_derive(kdf, passphrase, kek);

	return rc != 0 ? rc : vf_open_all(keys, kek, codec, k);
}

int
vault_file_add(const char *path, const char *passphrase, const struct vault_codec *codec,
               const char *name, enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
               struct vault_key *info)
{
	return vault_file_add_sized(path, passphrase, codec, name, t, sk, SIGIL_SECRET_LEN, info);
}

int
vault_file_add_sized(const char *path, const char *passphrase, const struct vault_codec *codec,
                     const char *name, enum sigil_key_type t, const uint8_t *sk, size_t sklen,
                     struct vault_key *info)
{
	struct vault_key k;
	struct vf_kdf kdf;
	json_t *root = NULL, *keys, *entry = NULL;
	uint8_t *kek = NULL;
	size_t at;
	int lockfd = -1, rc;

	if (info)
		memset(info, 0, sizeof(*info));
	if ((rc = vault_key_describe_sized(t, sk, sklen, name, &k)) != 0)
		return rc;
	if ((rc = vf_lock(path, &lockfd)) != 0)
		return rc;
	if ((kek = secmem_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = vf_load_for_write(path, true, &root, &kdf, &keys)) != 0)
		goto out;
	if (vf_find_name(keys, k.name, &at)) {
		rc = SIGIL_E_INVALID;
		goto out;
	}
	if ((rc = vf_unlock(keys, &kdf, passphrase, codec, &k, kek)) != 0 ||
	    (rc = vf_entry_seal(&k, kek, codec, sk, sklen, &entry)) != 0)
		goto out;
	if (json_array_append_new(keys, entry) != 0) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = vf_write(path, root)) != 0)
		goto out;
	if (info)
		*info = k;
out:
	json_decref(root);
	secmem_free(kek);
	if (lockfd >= 0)
		close(lockfd); /* releases the lock, after the rename */
	return rc;
}

int
vault_file_delete(const char *path, const char *passphrase, const struct vault_codec *codec,
                  const char *name)
{
	struct vf_kdf kdf;
	json_t *root = NULL, *keys;
	uint8_t *kek = NULL;
	size_t at;
	int lockfd = -1, rc;

	if (name == NULL || name[0] == '\0')
		return SIGIL_E_INVALID;
	if ((rc = vf_lock(path, &lockfd)) != 0)
		return rc;
	if ((kek = secmem_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = vf_load_for_write(path, false, &root, &kdf, &keys)) != 0)
		goto out;
	if (!vf_find_name(keys, name, &at)) {
		rc = SIGIL_E_NOT_FOUND;
		goto out;
	}
	if ((rc = vf_unlock(keys, &kdf, passphrase, codec, NULL, kek)) != 0)
		goto out;
	if (json_array_remove(keys, at) != 0) {
		rc = SIGIL_E_INTERNAL;
		goto out;
	}
	rc = vf_write(path, root);
out:
	json_decref(root);
	secmem_free(kek);
	if (lockfd >= 0)
		close(lockfd); /* releases the lock, after the rename */
	return rc;
}
