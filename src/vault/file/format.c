#include "vault/file/format.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/secmem.h"

#define VF_AD_TAG "sigil-vault-v1"

/* jansson copies every string it parses, into the lexer's token buffer and
 * then into the value, and frees those copies with its free function: the
 * "unencrypted:edsk…" of a Signatory vault would stay in freed heap. So
 * jansson's frees wipe. The size comes from malloc_usable_size rather than
 * a header of our own, which makes the wiping free right for any block
 * malloc returned, including those jansson allocated before the switch: it
 * can be installed late, and it is never undone, because
 * json_set_alloc_funcs is global and a block may outlive any scope we could
 * give it. Every other JSON of the process (request bodies among them) is
 * wiped on free as well, for the cost of a memset. The switch itself is two
 * plain stores: it happens when a vault is first read, at start-up, before
 * the server's threads use jansson (either pair of functions would serve a
 * thread that saw a torn update, but that would still be a data race). */
static void *
vf_json_malloc(size_t n)
{
	return malloc(n);
}

static void
vf_json_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

static pthread_once_t vf_json_once = PTHREAD_ONCE_INIT;

static void
vf_json_install(void)
{
	json_set_alloc_funcs(vf_json_malloc, vf_json_free);
}

void
vf_json_wipe_on_free(void)
{
	(void)pthread_once(&vf_json_once, vf_json_install);
}

/* fileio_read, but every path wipes what it read before freeing it: a
 * Signatory vault holds its secrets in the clear. *mode gets the file's
 * permission bits. */
static int
vf_read_file(const char *path, char **out, size_t *outlen, mode_t *mode)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, size = 0;
	int fd, rc = SIGIL_E_IO;

	*out = NULL;
	*outlen = 0;
	*mode = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? SIGIL_E_NOT_FOUND : SIGIL_E_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((uintmax_t)st.st_size > VF_MAX_FILE) {
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
		if (n <= 0)
			goto out; /* an error, or the file shrank under us */
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	*mode = st.st_mode & 07777;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, size + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

int
vf_read_json(const char *path, json_t **out)
{
	char *buf = NULL;
	size_t len;
	json_error_t jerr;
	mode_t mode;
	int rc;

	*out = NULL;
	vf_json_wipe_on_free();
	if ((rc = vf_read_file(path, &buf, &len, &mode)) != 0)
		return rc;
	if ((mode & 077) != 0)
		log_warn("vault %s is readable by group or others (mode %o); it should be 0600",
		         path, (unsigned)(mode & 0777));
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	sodium_memzero(buf, len + 1);
	free(buf);
	/* jerr quotes the text near a syntax error, which may be a secret. */
	sodium_memzero(&jerr, sizeof(jerr));
	return *out ? 0 : SIGIL_E_INVALID;
}

void
vf_kdf_new(struct vf_kdf *kdf)
{
	randombytes_buf(kdf->salt, sizeof(kdf->salt));
	kdf->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	kdf->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

int
vf_kdf_parse(json_t *root, struct vf_kdf *kdf)
{
	json_t *k = json_object_get(root, "kdf");
	const char *alg = json_string_value(json_object_get(k, "alg"));
	const char *salt = json_string_value(json_object_get(k, "salt"));
	json_t *ops = json_object_get(k, "opslimit"), *mem = json_object_get(k, "memlimit");
	size_t n;

	memset(kdf, 0, sizeof(*kdf));
	if (json_integer_value(json_object_get(root, "version")) != 1)
		return SIGIL_E_UNSUPPORTED;
	if (alg == NULL || strcmp(alg, "argon2id13") != 0 || salt == NULL ||
	    !json_is_integer(ops) || !json_is_integer(mem))
		return SIGIL_E_INVALID;
	if (hex_decode(salt, strlen(salt), kdf->salt, sizeof(kdf->salt), &n) != 0 ||
	    n != sizeof(kdf->salt))
		return SIGIL_E_INVALID;
	/* Bounds keep a tampered file from asking for hours or terabytes. */
	if (json_integer_value(ops) < (json_int_t)crypto_pwhash_OPSLIMIT_MIN ||
	    json_integer_value(ops) > 64 ||
	    json_integer_value(mem) < 8192 || json_integer_value(mem) > (json_int_t)1 << 32)
		return SIGIL_E_INVALID;
	kdf->opslimit = (unsigned long long)json_integer_value(ops);
	kdf->memlimit = (size_t)json_integer_value(mem);
	return 0;
}

json_t *
vf_kdf_json(const struct vf_kdf *kdf)
{
	char salt[2 * VF_SALT_LEN + 1];
	if (hex_encode(kdf->salt, sizeof(kdf->salt), salt, sizeof(salt)) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:I, s:I}", "alg", "argon2id13", "salt", salt,
	                 "opslimit", (json_int_t)kdf->opslimit, "memlimit",
	                 (json_int_t)kdf->memlimit);
}

/* The "secret_form" of an entry whose secret is its type's longer form
 * (sig.h, SIGIL_SECRET_MAX: sr25519's 64-byte ed25519 form). An entry
 * without the member holds SIGIL_SECRET_LEN bytes, as every entry did
 * before there was a longer form: old files read as they always did. */
#define VF_FORM_EXPANDED "expanded"

/* Associated data binds a ciphertext to its name, type and address, so that
 * entries cannot be swapped or relabelled without failing to open; and to
 * its form when it has one (form NULL: none, the data as it always was),
 * so that the member cannot be dropped or added either. */
static int
vf_ad(const char *name, const char *type, const char *address, const char *form, char *ad,
      size_t cap, size_t *adlen)
{
	int n = snprintf(ad, cap, "%s%c%s%c%s%c%s", VF_AD_TAG, 0, name, 0, type, 0, address);
	if (n >= 0 && (size_t)n < cap && form != NULL) {
		int m = snprintf(ad + n, cap - (size_t)n, "%c%s", 0, form);
		n = m < 0 ? m : n + m;
	}
	if (n < 0 || (size_t)n >= cap)
		return SIGIL_E_TOO_BIG;
	*adlen = (size_t)n;
	return 0;
}

/* How many bytes of secret an entry of type t with that "secret_form"
 * member (NULL: none) holds, into *len. SIGIL_E_UNSUPPORTED for a form this
 * sigil does not know (a newer one's), SIGIL_E_INVALID for a member that is
 * no string or a form the type has not. */
static int
vf_form_len(json_t *entry, enum sigil_key_type t, const char **form, size_t *len)
{
	json_t *member = json_object_get(entry, "secret_form");

	*form = NULL;
	*len = SIGIL_SECRET_LEN;
	if (member == NULL)
		return 0;
	if ((*form = json_string_value(member)) == NULL)
		return SIGIL_E_INVALID;
	if (strcmp(*form, VF_FORM_EXPANDED) != 0)
		return SIGIL_E_UNSUPPORTED;
	*len = SIGIL_SECRET_MAX;
	return sigil_secret_len_ok(t, *len) ? 0 : SIGIL_E_INVALID;
}

int
vf_entry_open(json_t *entry, const uint8_t *kek, const struct vault_codec *codec,
              uint8_t sk[static SIGIL_SECRET_MAX], size_t *sklen, struct vault_key *info)
{
	const char *name = json_string_value(json_object_get(entry, "name"));
	const char *type = json_string_value(json_object_get(entry, "type"));
	const char *address = json_string_value(json_object_get(entry, "address"));
	const char *nonce_hex = json_string_value(json_object_get(entry, "nonce"));
	const char *ct_hex = json_string_value(json_object_get(entry, "ciphertext"));
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[SIGIL_SECRET_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	const char *form;
	char ad[256];
	size_t n, ctlen, adlen, sk_want;
	unsigned long long ptlen;
	int t, rc;

	*sklen = 0;
	if (!name || !type || !address || !nonce_hex || !ct_hex)
		return SIGIL_E_INVALID;
	if ((t = sigil_key_type_from_name(type)) < 0)
		return SIGIL_E_INVALID;
	if ((rc = vf_form_len(entry, (enum sigil_key_type)t, &form, &sk_want)) != 0)
		return rc;
	if (hex_decode(nonce_hex, strlen(nonce_hex), nonce, sizeof(nonce), &n) != 0 ||
	    n != sizeof(nonce))
		return SIGIL_E_INVALID;
	/* The form says how long the secret is; a ciphertext of another
	 * length is a damaged entry, whatever it would decrypt to. */
	if (hex_decode(ct_hex, strlen(ct_hex), ct, sizeof(ct), &ctlen) != 0 ||
	    ctlen != sk_want + crypto_aead_xchacha20poly1305_ietf_ABYTES)
		return SIGIL_E_INVALID;
	if ((rc = vf_ad(name, type, address, form, ad, sizeof(ad), &adlen)) != 0)
		return rc;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(sk, &ptlen, NULL, ct, ctlen,
	                                               (const uint8_t *)ad, adlen, nonce,
	                                               kek) != 0)
		return SIGIL_E_PASSPHRASE;
	if ((rc = vault_key_describe_sized((enum sigil_key_type)t, sk, sk_want, name, info)) != 0) {
		sodium_memzero(sk, sk_want);
		return rc;
	}
	/* The address the entry was sealed with, as the codec writes it
	 * today: a mismatch is a damaged or doctored file. */
	if (codec && codec->address) {
		char want[128];
		if (codec->address(info->type, info->pk, info->pk_len, want, sizeof(want)) != 0 ||
		    strcmp(want, address) != 0)
			return SIGIL_E_CORRUPT;
	}
	*sklen = sk_want;
	return 0;
}

int
vf_entry_seal(const struct vault_key *info, const uint8_t *kek, const struct vault_codec *codec,
              const uint8_t *sk, size_t sklen, json_t **out)
{
	char address[128] = "", public_key[256] = "";
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[SIGIL_SECRET_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	char nonce_hex[2 * sizeof(nonce) + 1], ct_hex[2 * sizeof(ct) + 1], ad[256];
	const char *type = sigil_key_type_name(info->type);
	/* The usual length keeps the entry as it always was (vf_form_len). */
	const char *form = sklen == SIGIL_SECRET_LEN ? NULL : VF_FORM_EXPANDED;
	unsigned long long ctlen;
	size_t adlen;
	int rc;

	*out = NULL;
	if (sk == NULL || !sigil_secret_len_ok(info->type, sklen) ||
	    (form != NULL && sklen != SIGIL_SECRET_MAX))
		return SIGIL_E_INVALID;
	/* The address and public key as text, for whoever reads the file;
	 * the address is bound into the associated data. */
	if (codec && codec->address &&
	    (rc = codec->address(info->type, info->pk, info->pk_len, address, sizeof(address))) != 0)
		return rc;
	if (codec && codec->public_key_text &&
	    (rc = codec->public_key_text(info->type, info->pk, info->pk_len, public_key,
	                                 sizeof(public_key))) != 0)
		return rc;
	randombytes_buf(nonce, sizeof(nonce));
	if ((rc = vf_ad(info->name, type, address, form, ad, sizeof(ad), &adlen)) != 0)
		return rc;
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, sk, sklen, (const uint8_t *)ad, adlen,
	                                           NULL, nonce, kek);
	if (hex_encode(nonce, sizeof(nonce), nonce_hex, sizeof(nonce_hex)) != 0 ||
	    hex_encode(ct, (size_t)ctlen, ct_hex, sizeof(ct_hex)) != 0)
		return SIGIL_E_INTERNAL;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", info->name, "type", type,
	                 "address", address, "public_key", public_key, "nonce",
	                 nonce_hex, "ciphertext", ct_hex);
	if (*out != NULL && form != NULL &&
	    json_object_set_new(*out, "secret_form", json_string(form)) != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return *out ? 0 : SIGIL_E_NOMEM;
}
