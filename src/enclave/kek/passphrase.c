/* The passphrase KEK provider (kek.h): KEK = Argon2id(passphrase, salt).
 *
 * The salt and the Argon2id cost are made on first use and kept in
 * {state_dir}/kek-passphrase.bin, with a check value that tells a wrong
 * passphrase at Initialize rather than at the first key that fails to
 * open. The file is small and fixed in size; integers are big-endian:
 *
 *    0   4  magic "SGPP"
 *    4   1  format version (1)
 *    5   1  algorithm (1: Argon2id v1.3, crypto_pwhash_ALG_ARGON2ID13)
 *    6   2  zero
 *    8   8  opslimit
 *   16   8  memlimit (bytes)
 *   24  16  salt
 *   40  24  nonce of the check value
 *   64  47  check value: XChaCha20-Poly1305 of KEK_PP_LABEL under the KEK,
 *           with bytes 0..63 as associated data (so the cost and salt
 *           cannot be changed without the check failing)
 *  111  16  BLAKE2b-128 of bytes 0..110
 *
 * The file is made on first use and never replaced: if another holder
 * made it meanwhile, its salt is the one (kek_pp_store_new).
 *
 * The checksum tells a damaged file (SIGIL_E_CORRUPT) from a wrong
 * passphrase (SIGIL_E_PASSPHRASE): without it both would fail the check
 * value alike, and an operator would retype a correct passphrase. Nothing
 * in the file is secret, but it lets whoever reads it guess passphrases
 * offline at Argon2id's cost, hence mode 0600 like every state file. */
#include "enclave/kek/kek.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/testhook.h"

#define KEK_PP_FILE "kek-passphrase.bin"
#define KEK_PP_MAGIC "SGPP"
#define KEK_PP_VERSION 1
#define KEK_PP_ALG_ARGON2ID13 1
#define KEK_PP_LABEL "sigil-enclave passphrase KEK v1"
#define KEK_PP_SALT_LEN crypto_pwhash_SALTBYTES
#define KEK_PP_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define KEK_PP_CHECK_LEN (sizeof(KEK_PP_LABEL) - 1 + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define KEK_PP_SUM_LEN crypto_generichash_BYTES_MIN
/* Argon2id and the AEAD run with the passphrase and the KEK in frames of
 * libsodium's below obtain's: it wipes this much of the stack below it on
 * its way out, as src/crypto does after a signature (sig_impl.h). */
#define KEK_PP_STACK_SCRUB 8192
/* A tampered file must not ask for hours or terabytes (the same bounds as
 * the file vault's). */
#define KEK_PP_OPS_MAX 64
#define KEK_PP_MEM_MAX ((unsigned long long)1 << 32)

/* The file, field by field, as offsets into its bytes. */
enum {
	KEK_PP_OFF_VERSION = 4,
	KEK_PP_OFF_ALG = 5,
	KEK_PP_OFF_ZERO = 6,
	KEK_PP_OFF_OPS = 8,
	KEK_PP_OFF_MEM = 16,
	KEK_PP_OFF_SALT = 24,
	KEK_PP_OFF_NONCE = KEK_PP_OFF_SALT + KEK_PP_SALT_LEN,
	KEK_PP_OFF_CHECK = KEK_PP_OFF_NONCE + KEK_PP_NONCE_LEN, /* also the AD's length */
	KEK_PP_OFF_SUM = KEK_PP_OFF_CHECK + KEK_PP_CHECK_LEN,
	KEK_PP_SIZE = KEK_PP_OFF_SUM + KEK_PP_SUM_LEN,
};

_Static_assert(KEK_PP_OFF_NONCE == 40 && KEK_PP_OFF_CHECK == 64 && KEK_PP_SIZE == 127,
               "the layout in the comment above");
_Static_assert(ENCLAVE_KEK_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "the KEK is an XChaCha20-Poly1305 key");

struct kek_pp_params {
	unsigned long long opslimit;
	unsigned long long memlimit;
	uint8_t salt[KEK_PP_SALT_LEN];
};

static void
kek_pp_put64(uint8_t *p, unsigned long long v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static unsigned long long
kek_pp_get64(const uint8_t *p)
{
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The passphrase's bytes: value_len of them, since a byte-string
 * credential may hold a NUL that strlen would silently cut it at. */
static const uint8_t *
kek_pp_passphrase(const struct enclave_credentials *cred, size_t *len)
{
	const char *p = enclave_credentials_get(cred, "passphrase");

	*len = 0;
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < cred->n && i < ENCLAVE_CRED_MAX; i++)
		if (cred->item[i].value == p && cred->item[i].value_len <= sizeof(cred->item[i].value))
			*len = cred->item[i].value_len;
	return (const uint8_t *)p;
}

static int
kek_pp_derive(const struct kek_pp_params *pp, const uint8_t *pass, size_t passlen,
              uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	if (crypto_pwhash(kek, ENCLAVE_KEK_LEN, (const char *)pass, passlen, pp->salt,
	                  pp->opslimit, (size_t)pp->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		snprintf(err, errlen, "Argon2id failed (out of memory? it needs %llu KiB)",
		         pp->memlimit / 1024);
		return SIGIL_E_NOMEM;
	}
	return 0;
}

/* Parses and checks a state file's bytes into pp (all but the passphrase). */
static int
kek_pp_parse(const uint8_t *buf, size_t len, const char *path, struct kek_pp_params *pp,
             char *err, size_t errlen)
{
	uint8_t sum[KEK_PP_SUM_LEN];

	memset(pp, 0, sizeof(*pp));
	if (len != KEK_PP_SIZE || memcmp(buf, KEK_PP_MAGIC, sizeof(KEK_PP_MAGIC) - 1) != 0) {
		snprintf(err, errlen, "%s is damaged: not a passphrase KEK file of %d bytes", path,
		         (int)KEK_PP_SIZE);
		return SIGIL_E_CORRUPT;
	}
	crypto_generichash(sum, sizeof(sum), buf, KEK_PP_OFF_SUM, NULL, 0);
	if (sodium_memcmp(sum, buf + KEK_PP_OFF_SUM, sizeof(sum)) != 0) {
		snprintf(err, errlen, "%s is damaged: its checksum does not match", path);
		return SIGIL_E_CORRUPT;
	}
	if (buf[KEK_PP_OFF_VERSION] != KEK_PP_VERSION || buf[KEK_PP_OFF_ALG] != KEK_PP_ALG_ARGON2ID13 ||
	    buf[KEK_PP_OFF_ZERO] != 0 || buf[KEK_PP_OFF_ZERO + 1] != 0) {
		snprintf(err, errlen, "%s: format version %u, algorithm %u not supported", path,
		         buf[KEK_PP_OFF_VERSION], buf[KEK_PP_OFF_ALG]);
		return SIGIL_E_UNSUPPORTED;
	}
	pp->opslimit = kek_pp_get64(buf + KEK_PP_OFF_OPS);
	pp->memlimit = kek_pp_get64(buf + KEK_PP_OFF_MEM);
	if (pp->opslimit < crypto_pwhash_OPSLIMIT_MIN || pp->opslimit > KEK_PP_OPS_MAX ||
	    pp->memlimit < crypto_pwhash_MEMLIMIT_MIN || pp->memlimit > KEK_PP_MEM_MAX) {
		snprintf(err, errlen, "%s: Argon2id cost out of bounds (opslimit %llu, memlimit %llu)",
		         path, pp->opslimit, pp->memlimit);
		return SIGIL_E_CORRUPT;
	}
	memcpy(pp->salt, buf + KEK_PP_OFF_SALT, sizeof(pp->salt));
	return 0;
}

/* Derives the KEK from an existing file and checks it against the check
 * value: SIGIL_E_PASSPHRASE when it does not open. */
static int
kek_pp_open(const uint8_t *buf, size_t len, const char *path, const uint8_t *pass,
            size_t passlen, uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	struct kek_pp_params pp;
	uint8_t label[sizeof(KEK_PP_LABEL) - 1];
	unsigned long long llen;
	int rc;

	if ((rc = kek_pp_parse(buf, len, path, &pp, err, errlen)) != 0)
		return rc;
	if ((rc = kek_pp_derive(&pp, pass, passlen, kek, err, errlen)) != 0)
		return rc;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(label, &llen, NULL, buf + KEK_PP_OFF_CHECK,
	                                               KEK_PP_CHECK_LEN, buf, KEK_PP_OFF_CHECK,
	                                               buf + KEK_PP_OFF_NONCE, kek) != 0) {
		snprintf(err, errlen, "wrong passphrase");
		return SIGIL_E_PASSPHRASE;
	}
	/* Only the KEK could have made a valid tag; a label that differs means
	 * a file written by something that is not this provider. */
	if (llen != sizeof(label) || memcmp(label, KEK_PP_LABEL, sizeof(label)) != 0) {
		snprintf(err, errlen, "%s: the check value holds an unexpected label", path);
		return SIGIL_E_CORRUPT;
	}
	return 0;
}

/* First use: a new salt, the KEK, the check value, and the file. 1 when
 * another process made the file first (kek is then wiped). */
static int
kek_pp_create(const char *state_dir, const char *path, const uint8_t *pass, size_t passlen,
              uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	struct kek_pp_params pp = {
		.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE,
		.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE,
	};
	uint8_t buf[KEK_PP_SIZE];
	int rc;

	/* Tests derive many KEKs; release builds have no such switch. */
	if (sigil_test_flag("SIGIL_ENCLAVE_ARGON2_FAST")) {
		pp.opslimit = crypto_pwhash_OPSLIMIT_MIN;
		pp.memlimit = crypto_pwhash_MEMLIMIT_MIN;
	}
	randombytes_buf(pp.salt, sizeof(pp.salt));
	if ((rc = kek_pp_derive(&pp, pass, passlen, kek, err, errlen)) != 0)
		return rc;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, KEK_PP_MAGIC, sizeof(KEK_PP_MAGIC) - 1);
	buf[KEK_PP_OFF_VERSION] = KEK_PP_VERSION;
	buf[KEK_PP_OFF_ALG] = KEK_PP_ALG_ARGON2ID13;
	kek_pp_put64(buf + KEK_PP_OFF_OPS, pp.opslimit);
	kek_pp_put64(buf + KEK_PP_OFF_MEM, pp.memlimit);
	memcpy(buf + KEK_PP_OFF_SALT, pp.salt, sizeof(pp.salt));
	randombytes_buf(buf + KEK_PP_OFF_NONCE, KEK_PP_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(buf + KEK_PP_OFF_CHECK, NULL,
	                                           (const uint8_t *)KEK_PP_LABEL,
	                                           sizeof(KEK_PP_LABEL) - 1, buf, KEK_PP_OFF_CHECK,
	                                           NULL, buf + KEK_PP_OFF_NONCE, kek);
	crypto_generichash(buf + KEK_PP_OFF_SUM, KEK_PP_SUM_LEN, buf, KEK_PP_OFF_SUM, NULL, 0);
	if ((rc = fileio_mkdirs(state_dir, 0700)) != 0) {
		snprintf(err, errlen, "cannot create the state directory %s: %s", state_dir,
		         strerror(errno));
		return rc;
	}
	rc = fileio_create_new(path, buf, sizeof(buf));
	if (rc < 0)
		snprintf(err, errlen, "cannot store %s: %s", path, strerror(errno));
	if (rc != 0)
		sodium_memzero(kek, ENCLAVE_KEK_LEN);
	return rc;
}

static int
kek_pp_obtain(const struct enclave_credentials *cred, const struct kek_env *env,
              uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0, passlen;
	const uint8_t *pass;
	int rc;

	sodium_memzero(kek, ENCLAVE_KEK_LEN);
	if (errlen > 0)
		err[0] = '\0';
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium did not initialise");
		return SIGIL_E_INTERNAL;
	}
	pass = kek_pp_passphrase(cred, &passlen);
	if (pass == NULL || passlen == 0) {
		snprintf(err, errlen, "the passphrase KEK provider needs a non-empty \"passphrase\"");
		return SIGIL_E_INVALID;
	}
	if ((rc = kek_state_path(env, "passphrase", KEK_PP_FILE, path, sizeof(path), err, errlen)) != 0)
		return rc;
	/* Twice at most: a file another holder made while this one was
	 * making its own is read back, and its KEK is the one. */
	for (int attempt = 0; attempt < 2; attempt++) {
		errno = 0;
		rc = fileio_read(path, 4096, &buf, &len);
		if (rc == 0) {
			rc = kek_pp_open((const uint8_t *)buf, len, path, pass, passlen, kek, err,
			                 errlen);
			break;
		}
		if (rc == SIGIL_E_TOO_BIG) {
			snprintf(err, errlen, "%s is damaged: not a passphrase KEK file", path);
			rc = SIGIL_E_CORRUPT;
			break;
		}
		if (rc != SIGIL_E_NOT_FOUND) {
			/* errno is 0 when path is there but not a regular file. */
			snprintf(err, errlen, "cannot read %s: %s", path,
			         errno != 0 ? strerror(errno) : "not a regular file");
			break;
		}
		rc = kek_pp_create(env->state_dir, path, pass, passlen, kek, err, errlen);
		if (rc != 1)
			break;
	}
	if (rc == 1) {
		rc = SIGIL_E_IO;
		snprintf(err, errlen, "%s appeared and vanished while it was being created", path);
	}
	free(buf);
	if (rc != 0)
		sodium_memzero(kek, ENCLAVE_KEK_LEN);
	sodium_stackzero(KEK_PP_STACK_SCRUB);
	return rc;
}

const struct kek_provider kek_passphrase = {
	.name = "passphrase",
	.obtain = kek_pp_obtain,
};
