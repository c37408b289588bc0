/* Adding a key to a file vault (CLI generate and import). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
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

/* Refuses a second key with the same name, or (once every entry is open,
 * vault_file_add) the same public key. */
static int
vf_add_check(json_t *keys, const struct vault_key *info)
{
	size_t i;
	json_t *it;
	json_array_foreach(keys, i, it) {
		const char *n = json_string_value(json_object_get(it, "name"));
		if (n && strcmp(n, info->name) == 0)
			return SIGIL_E_INVALID;
	}
	return 0;
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

int
vault_file_add(const char *path, const char *passphrase, const struct vault_codec *codec,
               const char *name, enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
               struct vault_key *info)
{
	struct vault_key k;
	struct vf_kdf kdf;
	json_t *root = NULL, *keys, *entry = NULL;
	uint8_t *kek = NULL, *check = NULL;
	char *text = NULL;
	int lockfd = -1, rc;

	if (info)
		memset(info, 0, sizeof(*info));
	if ((rc = vault_key_describe(t, sk, name, &k)) != 0)
		return rc;
	if ((rc = vf_lock(path, &lockfd)) != 0)
		return rc;
	kek = secmem_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	check = secmem_alloc(SIGIL_SECRET_LEN);
	if (kek == NULL || check == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	rc = vf_read_json(path, &root);
	if (rc == SIGIL_E_NOT_FOUND) {
		vf_kdf_new(&kdf);
		root = json_pack("{s:i, s:o, s:[]}", "version", 1, "kdf", vf_kdf_json(&kdf), "keys");
		rc = root ? 0 : SIGIL_E_NOMEM;
	} else if (rc == 0) {
		rc = json_is_array(root) ? SIGIL_E_UNSUPPORTED : vf_kdf_parse(root, &kdf);
	}
	if (rc != 0)
		goto out;
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys) || (rc = vf_add_check(keys, &k)) != 0) {
		rc = rc ? rc : SIGIL_E_INVALID;
		goto out;
	}
	if ((rc = vf_kdf_derive(&kdf, passphrase, kek)) != 0)
		goto out;
	/* Every key of a file shares one passphrase: prove this one opens
	 * every entry before adding a key that only a different one would,
	 * and refuse a key that is there already under another name. */
	for (size_t i = 0; i < json_array_size(keys); i++) {
		struct vault_key old;
		if ((rc = vf_entry_open(json_array_get(keys, i), kek, codec, check, &old)) != 0)
			goto out;
		if (old.type == k.type && old.pk_len == k.pk_len &&
		    memcmp(old.pk, k.pk, k.pk_len) == 0) {
			rc = SIGIL_E_INVALID;
			goto out;
		}
	}
	if ((rc = vf_entry_seal(&k, kek, codec, sk, &entry)) != 0)
		goto out;
	if (json_array_append_new(keys, entry) != 0) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((text = json_dumps(root, JSON_INDENT(2))) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = fileio_write_atomic(path, text, strlen(text), 0600)) != 0)
		goto out;
	if (info)
		*info = k;
out:
	free(text);
	json_decref(root);
	secmem_free(kek);
	secmem_free(check);
	if (lockfd >= 0)
		close(lockfd); /* releases the lock, after the rename */
	return rc;
}
