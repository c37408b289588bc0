/* The tpm2 KEK provider (kek.h): a random KEK sealed in a TPM 2.0 object
 * that unseals only while the selected PCRs hold the values they had at
 * sealing. This file reads the credentials and keeps the state file; the
 * TPM work is in tpm2_esys.c.
 *
 * Credentials: "pcrs", PCR numbers 0..23 separated by commas, spaces
 * allowed around them ("7", "0,7"; default "7"), and "pcr_bank" ("sha1",
 * "sha256", "sha384", "sha512"; default "sha256"). Once sealed, the
 * credentials must name the same selection (SIGIL_E_INVALID otherwise): a
 * holder configured for other PCRs than the ones that guard its KEK is a
 * mistake to report, not a choice to follow silently.
 *
 * First use seals a random KEK, unseals it again to prove the object
 * works, and only then stores it, never over a file another holder stored
 * meanwhile (that one's KEK is then the one). Later uses unseal.
 *
 * {state_dir}/kek-tpm2.bin, integers big-endian:
 *
 *    0   4  magic "SGT2"
 *    4   1  format version (1)
 *    5   1  zero
 *    6   2  PCR bank (TPM2_ALG_ID)
 *    8   4  PCR selection (bit n: PCR n)
 *   12   2  d, the bank's digest length
 *   14      d bytes per selected PCR, in ascending order: the values the
 *           policy was made from (to tell which PCR changed; the policy
 *           itself is the object's authPolicy)
 *       …   TPM2B_PUBLIC of the sealed object (Tss2_MU, with its size)
 *       …   TPM2B_PRIVATE of the sealed object (Tss2_MU, with its size)
 *       16  BLAKE2b-128 of everything before it
 *
 * The private part is encrypted by the TPM under its primary key and is
 * useless elsewhere; the file is 0600 all the same. */
#include "enclave/kek/tpm2_impl.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"

#define KEK_TPM2_FILE "kek-tpm2.bin"
#define KEK_TPM2_MAGIC "SGT2"
#define KEK_TPM2_VERSION 1
#define KEK_TPM2_HEADER_LEN 14
#define KEK_TPM2_SUM_LEN crypto_generichash_BYTES_MIN
#define KEK_TPM2_FILE_MAX                                                   \
	(KEK_TPM2_HEADER_LEN + KEK_TPM2_PCR_COUNT * KEK_TPM2_DIGEST_MAX +       \
	 sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE) + KEK_TPM2_SUM_LEN)
/* ESYS decrypts Unseal's reply in a stack buffer of its own and encrypts
 * Create's inSensitive likewise, and wipes neither: the KEK was found up
 * to 18 KiB below obtain's frame (sanitizer build) after an unseal. So
 * obtain wipes this much of the stack below it on its way out, as
 * src/crypto does after a signature (sig_impl.h). */
#define KEK_TPM2_STACK_SCRUB (32 * 1024)
#define KEK_TPM2_DEFAULT_PCRS "7"
#define KEK_TPM2_DEFAULT_BANK "sha256"

/* "0,7" into a bitmap: numbers 0..23, each once, at least one. */
static int
kek_tpm2_pcrs_parse(const char *s, uint32_t *pcrs)
{
	*pcrs = 0;
	for (;;) {
		unsigned v = 0;
		int digits = 0;

		while (*s == ' ')
			s++;
		for (; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		while (*s == ' ')
			s++;
		if (digits == 0 || v >= KEK_TPM2_PCR_COUNT || (*pcrs >> v & 1))
			return SIGIL_E_INVALID;
		*pcrs |= (uint32_t)1 << v;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return SIGIL_E_INVALID;
	}
}

static int
kek_tpm2_cred(const struct enclave_credentials *cred, struct kek_tpm2_sel *sel, char *err,
              size_t errlen)
{
	const char *pcrs = enclave_credentials_get(cred, "pcrs");
	const char *bank = enclave_credentials_get(cred, "pcr_bank");

	if (pcrs == NULL)
		pcrs = KEK_TPM2_DEFAULT_PCRS;
	if (bank == NULL)
		bank = KEK_TPM2_DEFAULT_BANK;
	if (kek_tpm2_pcrs_parse(pcrs, &sel->pcrs) != 0) {
		snprintf(err, errlen,
		         "\"pcrs\" must list PCR numbers 0..%d separated by commas, each once (\"0,7\")",
		         KEK_TPM2_PCR_COUNT - 1);
		return SIGIL_E_INVALID;
	}
	if (kek_tpm2_bank_from_name(bank, &sel->bank) != 0) {
		snprintf(err, errlen, "\"pcr_bank\" must be sha1, sha256, sha384 or sha512");
		return SIGIL_E_INVALID;
	}
	return 0;
}

static void
kek_tpm2_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
kek_tpm2_put32(uint8_t *p, uint32_t v)
{
	kek_tpm2_put16(p, v >> 16);
	kek_tpm2_put16(p + 2, v & 0xffff);
}

static unsigned
kek_tpm2_get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* s into buf (cap bytes): the layout in the comment at the top. */
static int
kek_tpm2_encode(const struct kek_tpm2_sealed *s, uint8_t *buf, size_t cap, size_t *len)
{
	size_t off = KEK_TPM2_HEADER_LEN;

	*len = 0;
	if (cap < KEK_TPM2_FILE_MAX)
		return SIGIL_E_TOO_BIG;
	memcpy(buf, KEK_TPM2_MAGIC, sizeof(KEK_TPM2_MAGIC) - 1);
	buf[4] = KEK_TPM2_VERSION;
	buf[5] = 0;
	kek_tpm2_put16(buf + 6, s->sel.bank);
	kek_tpm2_put32(buf + 8, s->sel.pcrs);
	kek_tpm2_put16(buf + 12, s->digest_len);
	for (unsigned p = 0; p < KEK_TPM2_PCR_COUNT; p++)
		if (s->sel.pcrs >> p & 1) {
			memcpy(buf + off, s->value[p], s->digest_len);
			off += s->digest_len;
		}
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&s->pub, buf, cap - KEK_TPM2_SUM_LEN, &off) !=
	        TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(&s->priv, buf, cap - KEK_TPM2_SUM_LEN, &off) !=
	        TSS2_RC_SUCCESS)
		return SIGIL_E_INTERNAL;
	crypto_generichash(buf + off, KEK_TPM2_SUM_LEN, buf, off, NULL, 0);
	*len = off + KEK_TPM2_SUM_LEN;
	return 0;
}

static int
kek_tpm2_decode(const uint8_t *buf, size_t len, const char *path, struct kek_tpm2_sealed *s,
                char *err, size_t errlen)
{
	uint8_t sum[KEK_TPM2_SUM_LEN];
	size_t off = KEK_TPM2_HEADER_LEN, body;

	memset(s, 0, sizeof(*s));
	if (len < KEK_TPM2_HEADER_LEN + KEK_TPM2_SUM_LEN ||
	    memcmp(buf, KEK_TPM2_MAGIC, sizeof(KEK_TPM2_MAGIC) - 1) != 0) {
		snprintf(err, errlen, "%s is damaged: not a tpm2 KEK file", path);
		return SIGIL_E_CORRUPT;
	}
	body = len - KEK_TPM2_SUM_LEN;
	crypto_generichash(sum, sizeof(sum), buf, body, NULL, 0);
	if (sodium_memcmp(sum, buf + body, sizeof(sum)) != 0) {
		snprintf(err, errlen, "%s is damaged: its checksum does not match", path);
		return SIGIL_E_CORRUPT;
	}
	if (buf[4] != KEK_TPM2_VERSION || buf[5] != 0) {
		snprintf(err, errlen, "%s: format version %u not supported", path, buf[4]);
		return SIGIL_E_UNSUPPORTED;
	}
	s->sel.bank = (TPMI_ALG_HASH)kek_tpm2_get16(buf + 6);
	s->sel.pcrs = (uint32_t)kek_tpm2_get16(buf + 8) << 16 | kek_tpm2_get16(buf + 10);
	s->digest_len = (uint16_t)kek_tpm2_get16(buf + 12);
	if (s->digest_len == 0 || s->digest_len != kek_tpm2_bank_digest_len(s->sel.bank) ||
	    s->sel.pcrs == 0 || s->sel.pcrs >> KEK_TPM2_PCR_COUNT != 0)
		goto bad;
	for (unsigned p = 0; p < KEK_TPM2_PCR_COUNT; p++)
		if (s->sel.pcrs >> p & 1) {
			if (body - off < s->digest_len)
				goto bad;
			memcpy(s->value[p], buf + off, s->digest_len);
			off += s->digest_len;
		}
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, body, &off, &s->pub) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, body, &off, &s->priv) != TSS2_RC_SUCCESS ||
	    off != body || s->pub.publicArea.type != TPM2_ALG_KEYEDHASH)
		goto bad;
	return 0;
bad:
	memset(s, 0, sizeof(*s));
	snprintf(err, errlen, "%s is damaged: its fields do not parse", path);
	return SIGIL_E_CORRUPT;
}

/* Unseals what was just sealed before it is stored or any key is
 * encrypted under it: a PCR that moved between the read and the seal
 * would otherwise leave an object that never unseals, and every key made
 * under its KEK lost at the next start. It also has ESYS's Load store its
 * input where ESYS 3.x kept a copy of Create's inSensitive, the KEK, in its
 * context (freed unwiped at Esys_Finalize; the memory test finds it). */
static int
kek_tpm2_verify(struct kek_tpm2_conn *c, const struct kek_tpm2_sealed *s,
                const uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	uint8_t back[ENCLAVE_KEK_LEN];
	int rc = kek_tpm2_unseal(c, s, back, err, errlen);

	if (rc == SIGIL_E_AUTH) {
		snprintf(err, errlen, "a selected PCR changed while the KEK was being sealed; "
		                      "nothing was stored, try again");
		rc = SIGIL_E_IO;
	} else if (rc == 0 && sodium_memcmp(back, kek, ENCLAVE_KEK_LEN) != 0) {
		snprintf(err, errlen, "TPM: the sealed KEK unsealed to other bytes");
		rc = SIGIL_E_INTERNAL;
	}
	sodium_memzero(back, sizeof(back));
	return rc;
}

/* First use: a random KEK, sealed, stored. 1 when another process stored
 * its object first. */
static int
kek_tpm2_create(struct kek_tpm2_conn *c, const struct kek_env *env, const char *path,
                const struct kek_tpm2_sel *want, struct kek_tpm2_sealed *s,
                uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	uint8_t buf[KEK_TPM2_FILE_MAX];
	size_t len;
	int rc;

	memset(s, 0, sizeof(*s));
	s->sel = *want;
	randombytes_buf(kek, ENCLAVE_KEK_LEN);
	if ((rc = kek_tpm2_seal(c, kek, s, err, errlen)) != 0)
		return rc;
	if ((rc = kek_tpm2_verify(c, s, kek, err, errlen)) != 0)
		return rc;
	if ((rc = kek_tpm2_encode(s, buf, sizeof(buf), &len)) != 0) {
		snprintf(err, errlen, "cannot encode the sealed object");
		return rc;
	}
	if ((rc = fileio_mkdirs(env->state_dir, 0700)) != 0) {
		snprintf(err, errlen, "cannot create the state directory %s: %s", env->state_dir,
		         strerror(errno));
		return rc;
	}
	rc = fileio_create_new(path, buf, len);
	if (rc < 0)
		snprintf(err, errlen, "cannot store %s: %s", path, strerror(errno));
	return rc;
}

/* An existing object: the selection must be the credentials', then unseal. */
static int
kek_tpm2_open(struct kek_tpm2_conn *c, const struct kek_env *env, const char *path,
              const uint8_t *buf, size_t len, const struct kek_tpm2_sel *want,
              struct kek_tpm2_sealed *s, uint8_t kek[static ENCLAVE_KEK_LEN], char *err,
              size_t errlen)
{
	char have_list[3 * KEK_TPM2_PCR_COUNT], want_list[3 * KEK_TPM2_PCR_COUNT];
	int rc;

	if ((rc = kek_tpm2_decode(buf, len, path, s, err, errlen)) != 0)
		return rc;
	if (s->sel.bank != want->bank || s->sel.pcrs != want->pcrs) {
		kek_tpm2_pcrs_format(s->sel.pcrs, have_list, sizeof(have_list));
		kek_tpm2_pcrs_format(want->pcrs, want_list, sizeof(want_list));
		snprintf(err, errlen,
		         "the KEK in %s is sealed to PCR %s (%s); the credentials name PCR %s (%s)",
		         path, have_list, kek_tpm2_bank_name(s->sel.bank), want_list,
		         kek_tpm2_bank_name(want->bank));
		return SIGIL_E_INVALID;
	}
	if (c->esys == NULL && (rc = kek_tpm2_connect(c, env->tcti, err, errlen)) != 0)
		return rc;
	return kek_tpm2_unseal(c, s, kek, err, errlen);
}

static int
kek_tpm2_obtain(const struct enclave_credentials *cred, const struct kek_env *env,
                uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	struct kek_tpm2_conn conn = {.primary = ESYS_TR_NONE};
	struct kek_tpm2_sealed sealed;
	struct kek_tpm2_sel want;
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	sodium_memzero(kek, ENCLAVE_KEK_LEN);
	if (errlen > 0)
		err[0] = '\0';
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium did not initialise");
		return SIGIL_E_INTERNAL;
	}
	if ((rc = kek_tpm2_cred(cred, &want, err, errlen)) != 0)
		return rc;
	if ((rc = kek_state_path(env, "tpm2", KEK_TPM2_FILE, path, sizeof(path), err, errlen)) != 0)
		return rc;
	/* Twice at most: an object another holder stored while this one was
	 * sealing its own is read back, and its KEK is the one. */
	for (int attempt = 0; attempt < 2; attempt++) {
		errno = 0;
		rc = fileio_read(path, KEK_TPM2_FILE_MAX, &buf, &len);
		if (rc == 0) {
			rc = kek_tpm2_open(&conn, env, path, (const uint8_t *)buf, len, &want, &sealed,
			                   kek, err, errlen);
			break;
		}
		if (rc == SIGIL_E_TOO_BIG) {
			snprintf(err, errlen, "%s is damaged: not a tpm2 KEK file", path);
			rc = SIGIL_E_CORRUPT;
			break;
		}
		if (rc != SIGIL_E_NOT_FOUND) {
			/* errno is 0 when path is there but not a regular file. */
			snprintf(err, errlen, "cannot read %s: %s", path,
			         errno != 0 ? strerror(errno) : "not a regular file");
			break;
		}
		if (conn.esys == NULL && (rc = kek_tpm2_connect(&conn, env->tcti, err, errlen)) != 0)
			break;
		rc = kek_tpm2_create(&conn, env, path, &want, &sealed, kek, err, errlen);
		if (rc != 1)
			break;
		sodium_memzero(kek, ENCLAVE_KEK_LEN);
	}
	if (rc == 1) {
		rc = SIGIL_E_IO;
		snprintf(err, errlen, "%s appeared and vanished while it was being created", path);
	}
	kek_tpm2_disconnect(&conn);
	free(buf);
	if (rc != 0)
		sodium_memzero(kek, ENCLAVE_KEK_LEN);
	sodium_stackzero(KEK_TPM2_STACK_SCRUB);
	return rc;
}

const struct kek_provider kek_tpm2 = {
	.name = "tpm2",
	.obtain = kek_tpm2_obtain,
};
