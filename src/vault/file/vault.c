/* The file vault: keys encrypted at rest with Argon2id + XChaCha20-Poly1305,
 * decrypted once at start-up and prepared for signing (crypto/sig.h: the
 * library's own key object, in the locked arena of base/secmem.h); the
 * decrypted bytes are wiped as soon as each key is prepared. Signatory's
 * file-vault format is read as well, so operators can migrate. */
#include "vault/vault.h"
#include "vault/file/file.h"
#include "vault/file/format.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/secmem.h"
#include "base/testhook.h"

struct vault_file {
	struct vault base;
	size_t n;
	struct vault_key *keys;
	struct sigil_key **secrets; /* n prepared keys, freed (and wiped) by vf_close */
	/* What key management (vf_generate...) rewrites the file with: the
	 * path, the passphrase it was opened with (locked memory, wiped by
	 * vf_close; NULL when none was given) and the caller's codec. */
	char *path;
	char *passphrase;
	const struct vault_codec *codec;
};

static size_t
vf_count(const struct vault *v)
{
	return ((const struct vault_file *)v)->n;
}

static const struct vault_key *
vf_key(const struct vault *v, size_t i)
{
	const struct vault_file *f = (const struct vault_file *)v;
	return i < f->n ? &f->keys[i] : NULL;
}

static int
vf_sign(struct vault *v, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
        const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct vault_file *f = (struct vault_file *)v;
	/* Read before out is cleared: the caller's wish (vault.h). */
	int *recid = out->recid == VAULT_RECID_WANTED ? &out->recid : NULL;
	int rc;

	(void)dl; /* keys in memory: nothing to wait for */
	memset(out, 0, sizeof(*out));
	out->recid = -1;
	if (i >= f->n)
		return SIGIL_E_UNKNOWN_KEY;
	if (!f->keys[i].deterministic && f->keys[i].type == SIGIL_KEY_SECP256K1 &&
	    scheme == SIGIL_SCHEME_PLAIN) {
		/* SIGIL_TEST_VAULT_RANDOM (vault_file_open): a fresh signature
		 * each time, as an HSM's may be. */
		uint8_t extra[32];
		if (len != 32)
			return SIGIL_E_INVALID;
		randombytes_buf(extra, sizeof(extra));
		rc = sigil_secp256k1_sign_hedged_recid(f->secrets[i], msg, extra, out->sig, recid);
		out->len = rc == 0 ? 64 : 0;
		return rc;
	}
	/* No verify-after-sign: for BLS its two pairings cost about three
	 * signatures, on the baking path. */
	if (recid != NULL)
		return sigil_key_sign_recid(f->secrets[i], scheme, msg, len, out->sig, &out->len,
		                            recid);
	return sigil_key_sign(f->secrets[i], scheme, msg, len, out->sig, &out->len);
}

static int
vf_commit(struct vault *v, size_t i, const uint8_t *msg, size_t len,
          uint8_t nonce[static SIGIL_ED25519_NONCE_LEN])
{
	struct vault_file *f = (struct vault_file *)v;

	if (i >= f->n)
		return SIGIL_E_UNKNOWN_KEY;
	if (f->keys[i].type != SIGIL_KEY_ED25519)
		return SIGIL_E_UNSUPPORTED;
	return sigil_ed25519_commit(f->secrets[i], msg, len, nonce);
}

static int
vf_sign_committed(struct vault *v, size_t i, const uint8_t nonce[static SIGIL_ED25519_NONCE_LEN],
                  const uint8_t *msg, size_t len, uint8_t sig[static SIGIL_SIG_MAX],
                  size_t *siglen)
{
	struct vault_file *f = (struct vault_file *)v;
	int rc;

	*siglen = 0;
	memset(sig, 0, SIGIL_SIG_MAX);
	if (i >= f->n)
		return SIGIL_E_UNKNOWN_KEY;
	if (f->keys[i].type != SIGIL_KEY_ED25519)
		return SIGIL_E_UNSUPPORTED;
	if ((rc = sigil_ed25519_finish(f->secrets[i], nonce, msg, len, sig)) == 0)
		*siglen = 64;
	return rc;
}

/* ---- key management (vault.h): the file is rewritten as vault_file_add
 * does, under its lock; the keys in memory stay as they are (file.h). ---- */

static int
vf_public_key(struct vault *v, size_t i, const struct sigil_deadline *dl,
              uint8_t pk[static SIGIL_PK_MAX], size_t *pklen)
{
	struct vault_file *f = (struct vault_file *)v;

	(void)dl;
	memset(pk, 0, SIGIL_PK_MAX);
	*pklen = 0;
	if (i >= f->n)
		return SIGIL_E_UNKNOWN_KEY;
	sigil_key_pubkey(f->secrets[i], pk, pklen);
	return 0;
}

static int
vf_import(struct vault *v, const char *name, enum sigil_key_type t,
          const uint8_t sk[static SIGIL_SECRET_LEN], const struct sigil_deadline *dl,
          struct vault_key *info)
{
	struct vault_file *f = (struct vault_file *)v;

	(void)dl; /* a local file: nothing to wait for */
	return vault_file_add(f->path, f->passphrase, f->codec, name, t, sk, info);
}

static int
vf_generate(struct vault *v, const char *name, enum sigil_key_type t,
            const struct sigil_deadline *dl, struct vault_key *info)
{
	uint8_t *sk = secmem_alloc(SIGIL_SECRET_LEN);
	int rc;

	if (info)
		memset(info, 0, sizeof(*info));
	if (sk == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = sigil_keygen(t, sk)) == 0)
		rc = vf_import(v, name, t, sk, dl, info);
	secmem_free(sk); /* wipes */
	return rc;
}

static int
vf_delete_key(struct vault *v, const char *name, const struct sigil_deadline *dl)
{
	struct vault_file *f = (struct vault_file *)v;

	(void)dl;
	return vault_file_delete(f->path, f->passphrase, f->codec, name);
}

static void
vf_close(struct vault *v)
{
	struct vault_file *f = (struct vault_file *)v;
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		sigil_key_free(f->secrets[i]);
	free(f->secrets);
	free(f->keys);
	free(f->path);
	secmem_free(f->passphrase); /* wipes */
	free(f);
}

static const struct vault_ops vault_file_ops = {
	.name = "file",
	.local = true,
	.count = vf_count,
	.key = vf_key,
	.sign = vf_sign,
	.commit = vf_commit,
	.sign_committed = vf_sign_committed,
	.ready = NULL, /* keys are in memory once open succeeded */
	.public_key = vf_public_key,
	.generate = vf_generate,
	.import = vf_import,
	.delete_key = vf_delete_key,
	.close = vf_close,
};

/* Keeps what key management needs (struct vault_file): the passphrase in
 * locked memory, which holds at most SECMEM_MAX_ALLOC bytes. */
static int
vf_remember(struct vault_file *f, const char *path, const char *passphrase,
            const struct vault_codec *codec)
{
	size_t plen;

	f->codec = codec;
	if ((f->path = strdup(path)) == NULL)
		return SIGIL_E_NOMEM;
	if (passphrase == NULL)
		return 0;
	if ((plen = strlen(passphrase)) >= VAULT_FILE_PASSPHRASE_MAX)
		return SIGIL_E_TOO_BIG;
	if ((f->passphrase = secmem_alloc(plen + 1)) == NULL)
		return SIGIL_E_NOMEM;
	memcpy(f->passphrase, passphrase, plen + 1);
	return 0;
}

/* Grows the key arrays by one; vf_prepare fills the new key. */
static int
vf_push(struct vault_file *f)
{
	struct vault_key *k = realloc(f->keys, (f->n + 1) * sizeof(*k));
	if (k == NULL)
		return SIGIL_E_NOMEM;
	f->keys = k;
	struct sigil_key **s = realloc(f->secrets, (f->n + 1) * sizeof(*s));
	if (s == NULL)
		return SIGIL_E_NOMEM;
	f->secrets = s;
	memset(&k[f->n], 0, sizeof(*k));
	s[f->n] = NULL;
	f->n++;
	return 0;
}

/* Drops the last pushed key (used when its secret turned out to be bad). */
static void
vf_pop(struct vault_file *f)
{
	f->n--;
	sigil_key_free(f->secrets[f->n]);
	f->secrets[f->n] = NULL;
}

/* Prepares the last pushed key from sk (sklen bytes), which the caller
 * then wipes. The public key comes from the description: deriving it once
 * is enough. */
static int
vf_prepare(struct vault_file *f, const uint8_t *sk, size_t sklen)
{
	const struct vault_key *k = &f->keys[f->n - 1];

	return sigil_key_new_sized(k->type, sk, sklen, k->pk, k->pk_len, &f->secrets[f->n - 1]);
}

/* Two keys with one public key or one name make the vault invalid.
 * Checked once all are read, by sorting: comparing each new key with every
 * earlier one cost 10-20 ms of start-up for 1000 keys. */
static int
vf_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
vf_pk_cmp(const void *a, const void *b)
{
	const struct vault_key *x = *(const struct vault_key *const *)a;
	const struct vault_key *y = *(const struct vault_key *const *)b;
	if (x->pk_len != y->pk_len)
		return x->pk_len < y->pk_len ? -1 : 1;
	return memcmp(x->pk, y->pk, x->pk_len);
}

static int
vf_check_unique(const struct vault_file *f)
{
	const struct vault_key **k;
	const char **s;
	int rc = 0;

	if (f->n < 2)
		return 0;
	s = malloc(f->n * sizeof(*s));
	k = malloc(f->n * sizeof(*k));
	if (s == NULL || k == NULL) {
		free(s);
		free(k);
		return SIGIL_E_NOMEM;
	}
	for (size_t i = 0; i < f->n; i++) {
		s[i] = f->keys[i].name;
		k[i] = &f->keys[i];
	}
	qsort(s, f->n, sizeof(*s), vf_strp_cmp);
	qsort(k, f->n, sizeof(*k), vf_pk_cmp);
	for (size_t i = 0; i + 1 < f->n && rc == 0; i++)
		if (strcmp(s[i], s[i + 1]) == 0 || vf_pk_cmp(&k[i], &k[i + 1]) == 0)
			rc = SIGIL_E_INVALID;
	free(s);
	free(k);
	return rc;
}

/* Signatory: [{"name": s, "value": "unencrypted:edsk…" | "encrypted:edesk…"}].
 * The label must tell the truth: an "encrypted:" key written in the clear
 * is refused, since whoever wrote it believes it is not. */
static int
vf_load_signatory(struct vault_file *f, json_t *arr, const char *passphrase,
                  const struct vault_codec *codec, uint8_t *sk)
{
	size_t i;
	json_t *it;

	json_array_foreach(arr, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));
		const char *value = json_string_value(json_object_get(it, "value"));
		const char *pp, *b58;
		bool encrypted;
		enum sigil_key_type t;
		int rc;

		if (name == NULL || value == NULL)
			return SIGIL_E_INVALID;
		if (strncmp(value, "unencrypted:", 12) == 0) {
			b58 = value + 12;
			encrypted = false;
		} else if (strncmp(value, "encrypted:", 10) == 0) {
			b58 = value + 10;
			encrypted = true;
		} else {
			return SIGIL_E_INVALID;
		}
		/* The text of a secret is a chain's form: without the codec
		 * that reads it, such a file cannot be opened. */
		if (codec == NULL || codec->secret_parse == NULL || codec->secret_encrypted == NULL)
			return SIGIL_E_UNSUPPORTED;
		if (codec->secret_encrypted(b58) != encrypted)
			return SIGIL_E_INVALID;
		pp = encrypted ? passphrase : NULL;
		if ((rc = vf_push(f)) != 0)
			return rc;
		rc = codec->secret_parse(b58, pp, &t, sk);
		if (rc == 0)
			rc = vault_key_describe(t, sk, name, &f->keys[f->n - 1]);
		if (rc == 0)
			rc = vf_prepare(f, sk, SIGIL_SECRET_LEN);
		sodium_memzero(sk, SIGIL_SECRET_MAX);
		if (rc != 0) {
			vf_pop(f);
			return rc;
		}
	}
	return vf_check_unique(f);
}

/* sigil's own format; see vault.h. */
static int
vf_load_sigil(struct vault_file *f, json_t *root, const char *passphrase,
              const struct vault_codec *codec, uint8_t *sk)
{
	struct vf_kdf kdf;
	uint8_t *kek = NULL;
	size_t i;
	json_t *it, *keys;
	size_t sklen;
	int rc;

	if ((rc = vf_kdf_parse(root, &kdf)) != 0)
		return rc;
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys))
		return SIGIL_E_INVALID;
	if ((kek = secmem_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = vf_kdf_derive(&kdf, passphrase, kek)) != 0)
		goto out;
	json_array_foreach(keys, i, it) {
		if ((rc = vf_push(f)) != 0)
			goto out;
		rc = vf_entry_open(it, kek, codec, sk, &sklen, &f->keys[f->n - 1]);
		if (rc == 0)
			rc = vf_prepare(f, sk, sklen);
		sodium_memzero(sk, SIGIL_SECRET_MAX);
		if (rc != 0) {
			vf_pop(f);
			goto out;
		}
	}
	rc = vf_check_unique(f);
out:
	secmem_free(kek);
	return rc;
}

int
vault_file_open(const char *path, const char *passphrase, const struct vault_codec *codec,
                struct vault **out)
{
	struct vault_file *f;
	json_t *root = NULL;
	uint8_t *sk = NULL;
	int rc;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return SIGIL_E_NOMEM;
	f->base.ops = &vault_file_ops;
	if ((rc = vf_remember(f, path, passphrase, codec)) != 0)
		goto out;
	/* Each key's decrypted bytes, one key at a time, until prepared. */
	if ((sk = secmem_alloc(SIGIL_SECRET_MAX)) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = vf_read_json(path, &root)) != 0)
		goto out;
	if (json_is_array(root))
		rc = vf_load_signatory(f, root, passphrase, codec, sk);
	else
		rc = vf_load_sigil(f, root, passphrase, codec, sk);
	if (rc != 0)
		goto out;
	if (!secmem_locked())
		log_warn("vault %s: could not lock key memory (ulimit -l); secrets may be swapped", path);
	/* Tests: keys that sign as an HSM may, with fresh randomness each
	 * time (vf_sign), to exercise the path for unreproducible keys. */
	if (sigil_test_flag("SIGIL_TEST_VAULT_RANDOM"))
		for (size_t i = 0; i < f->n; i++)
			f->keys[i].deterministic = false;
	*out = &f->base;
	f = NULL;
out:
	secmem_free(sk);
	json_decref(root);
	vf_close(f ? &f->base : NULL);
	return rc;
}

int
vault_key_describe(enum sigil_key_type t, const uint8_t sk[static SIGIL_SECRET_LEN],
                   const char *name, struct vault_key *info)
{
	return vault_key_describe_sized(t, sk, SIGIL_SECRET_LEN, name, info);
}

int
vault_key_describe_sized(enum sigil_key_type t, const uint8_t *sk, size_t sklen, const char *name,
                         struct vault_key *info)
{
	int rc;

	memset(info, 0, sizeof(*info));
	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(info->name))
		return SIGIL_E_INVALID;
	memcpy(info->name, name, strlen(name) + 1);
	info->type = t;
	if ((rc = sigil_pubkey_sized(t, sk, sklen, info->pk, &info->pk_len)) != 0)
		return rc;
	/* sigil's own signing: Ed25519 (RFC 8032), secp256k1 and P-256 with
	 * RFC 6979 nonces, BLS: all reproducible. */
	info->deterministic = true;
	return 0;
}
