/* The TPM side of the tpm2 KEK provider (tpm2_impl.h), through ESAPI.
 *
 * The parent is a primary key made afresh on each connection from a fixed
 * template (the TCG's ECC P-256 storage key, "SRK"): the owner seed makes
 * it the same key every time, so nothing has to stay persistent in the
 * TPM, and a cleared owner hierarchy or another TPM makes a different one
 * that will not load the stored object.
 *
 * The sealed object carries only the PCR policy: userWithAuth is clear,
 * so no password unseals it, and adminWithPolicy is set, so its empty
 * authValue gives no admin role either. The KEK crosses the bus encrypted:
 * Create's inSensitive under a salted HMAC session with decrypt set,
 * Unseal's reply under the salted policy session with encrypt set, both
 * salted with the primary key (a bus sniffer learns nothing; the TPM is
 * trusted, the wire is not).
 *
 * No resource manager can be assumed (swtpm, /dev/tpm0): every object and
 * session made here is flushed on every path. */
#include "enclave/kek/tpm2_impl.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "base/errors.h"

/* The spec's TPM_RC_PCR_CHANGED (Part 2, table 16: RC_WARN + 0x028);
 * tss2_tpm2_types.h 3.2 defines it with RC_VER1 in place of RC_WARN. */
#define KEK_TPM2_RC_PCR_CHANGED (TPM2_RC_WARN + 0x028)

static const TPMT_SYM_DEF kek_tpm2_sym_none = {.algorithm = TPM2_ALG_NULL};
static const TPMT_SYM_DEF kek_tpm2_sym_aes = {
	.algorithm = TPM2_ALG_AES,
	.keyBits = {.aes = 128},
	.mode = {.aes = TPM2_ALG_CFB},
};

/* TCG EK Credential Profile / Provisioning Guidance, the ECC NIST P-256
 * storage key template: unique is two zero-filled 32-byte coordinates. */
static const TPM2B_PUBLIC kek_tpm2_primary_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
		                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
		                    TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
		.parameters = {.eccDetail = {
			.symmetric = {.algorithm = TPM2_ALG_AES, .keyBits = {.aes = 128},
			              .mode = {.aes = TPM2_ALG_CFB}},
			.scheme = {.scheme = TPM2_ALG_NULL},
			.curveID = TPM2_ECC_NIST_P256,
			.kdf = {.scheme = TPM2_ALG_NULL},
		}},
		.unique = {.ecc = {.x = {.size = 32}, .y = {.size = 32}}},
	},
};

static const struct {
	TPMI_ALG_HASH alg;
	const char *name;
	uint16_t len;
} kek_tpm2_banks[] = {
	{TPM2_ALG_SHA1, "sha1", TPM2_SHA1_DIGEST_SIZE},
	{TPM2_ALG_SHA256, "sha256", TPM2_SHA256_DIGEST_SIZE},
	{TPM2_ALG_SHA384, "sha384", TPM2_SHA384_DIGEST_SIZE},
	{TPM2_ALG_SHA512, "sha512", TPM2_SHA512_DIGEST_SIZE},
};

uint16_t
kek_tpm2_bank_digest_len(TPMI_ALG_HASH bank)
{
	for (size_t i = 0; i < sizeof(kek_tpm2_banks) / sizeof(kek_tpm2_banks[0]); i++)
		if (kek_tpm2_banks[i].alg == bank)
			return kek_tpm2_banks[i].len;
	return 0;
}

int
kek_tpm2_bank_from_name(const char *name, TPMI_ALG_HASH *bank)
{
	for (size_t i = 0; i < sizeof(kek_tpm2_banks) / sizeof(kek_tpm2_banks[0]); i++)
		if (strcmp(kek_tpm2_banks[i].name, name) == 0) {
			*bank = kek_tpm2_banks[i].alg;
			return 0;
		}
	return SIGIL_E_INVALID;
}

const char *
kek_tpm2_bank_name(TPMI_ALG_HASH bank)
{
	for (size_t i = 0; i < sizeof(kek_tpm2_banks) / sizeof(kek_tpm2_banks[0]); i++)
		if (kek_tpm2_banks[i].alg == bank)
			return kek_tpm2_banks[i].name;
	return "?";
}

void
kek_tpm2_pcrs_format(uint32_t pcrs, char *out, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < KEK_TPM2_PCR_COUNT; i++) {
		if (!(pcrs >> i & 1))
			continue;
		int n = snprintf(out + used, cap - used, "%s%u", used ? "," : "", i);
		if (n < 0 || (size_t)n >= cap - used)
			return; /* "0,7,1" cut short still names PCRs; cap fits 24 */
		used += (size_t)n;
	}
}

static int
kek_tpm2_fail(TSS2_RC rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "TPM: %s failed: %s", what, Tss2_RC_Decode(rc));
	return SIGIL_E_IO;
}

/* The policy failed: the TPM's own code (format 1 policy failure, any
 * session number), or the PCRs moved between PolicyPCR and Unseal. */
static bool
kek_tpm2_policy_failed(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return false;
	if (rc & TPM2_RC_FMT1)
		return (rc & (TPM2_RC_FMT1 | 0x3f)) == TPM2_RC_POLICY_FAIL;
	return (rc & 0xfff) == KEK_TPM2_RC_PCR_CHANGED;
}

static void
kek_tpm2_pcr_selection(TPMI_ALG_HASH bank, uint32_t pcrs, TPML_PCR_SELECTION *out)
{
	memset(out, 0, sizeof(*out));
	out->count = 1;
	out->pcrSelections[0].hash = bank;
	out->pcrSelections[0].sizeofSelect = 3;
	for (unsigned i = 0; i < 3; i++)
		out->pcrSelections[0].pcrSelect[i] = (uint8_t)(pcrs >> (8 * i));
}

static void
kek_tpm2_flush(ESYS_CONTEXT *esys, ESYS_TR *h)
{
	/* A failed flush leaves the handle to Esys_Finalize, which frees it. */
	if (*h != ESYS_TR_NONE)
		(void)Esys_FlushContext(esys, *h);
	*h = ESYS_TR_NONE;
}

int
kek_tpm2_connect(struct kek_tpm2_conn *c, const char *tcti, char *err, size_t errlen)
{
	static const TPM2B_SENSITIVE_CREATE no_auth;
	static const TPM2B_DATA no_info;
	static const TPML_PCR_SELECTION no_pcrs;
	TSS2_RC rc;
	int ret = SIGIL_E_IO;

	memset(c, 0, sizeof(*c));
	c->primary = ESYS_TR_NONE;
	/* kek.h: no --tcti means TPM2TOOLS_TCTI, as tpm2-tools read it, and
	 * without it the loader's own default (tabrmd, then the devices). */
	if (tcti == NULL || tcti[0] == '\0')
		tcti = getenv("TPM2TOOLS_TCTI");
	if (tcti != NULL && tcti[0] == '\0')
		tcti = NULL;
	rc = Tss2_TctiLdr_Initialize(tcti, &c->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "TPM: cannot open the TCTI \"%s\": %s",
		         tcti != NULL ? tcti : "(default)", Tss2_RC_Decode(rc));
		goto out;
	}
	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ret = kek_tpm2_fail(rc, "Esys_Initialize", err, errlen);
		goto out;
	}
	rc = Esys_CreatePrimary(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                        ESYS_TR_NONE, &no_auth, &kek_tpm2_primary_template, &no_info,
	                        &no_pcrs, &c->primary, NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		c->primary = ESYS_TR_NONE;
		ret = kek_tpm2_fail(rc, "creating the primary key under the owner hierarchy", err,
		                    errlen);
		goto out;
	}
	ret = 0;
out:
	if (ret != 0)
		kek_tpm2_disconnect(c);
	return ret;
}

void
kek_tpm2_disconnect(struct kek_tpm2_conn *c)
{
	if (c->esys != NULL) {
		kek_tpm2_flush(c->esys, &c->primary);
		Esys_Finalize(&c->esys);
	}
	if (c->tcti != NULL)
		Tss2_TctiLdr_Finalize(&c->tcti);
	memset(c, 0, sizeof(*c));
	c->primary = ESYS_TR_NONE;
}

/* Reads the values of sel's PCRs into value[pcr]. A TPM returns at most
 * eight digests a call (TPML_DIGEST), so this asks again for what is left;
 * a call that returns none means the bank is not allocated. */
static int
kek_tpm2_pcr_read(ESYS_CONTEXT *esys, const struct kek_tpm2_sel *sel, uint16_t dlen,
                  uint8_t value[][KEK_TPM2_DIGEST_MAX], char *err, size_t errlen)
{
	uint32_t left = sel->pcrs;

	while (left != 0) {
		TPML_PCR_SELECTION in, *got_sel = NULL;
		TPML_DIGEST *got = NULL;
		UINT32 counter;
		uint32_t bits = 0;
		size_t k = 0;
		bool ok = true;

		kek_tpm2_pcr_selection(sel->bank, left, &in);
		TSS2_RC rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in,
		                           &counter, &got_sel, &got);
		if (rc != TSS2_RC_SUCCESS)
			return kek_tpm2_fail(rc, "reading the PCRs", err, errlen);
		for (UINT32 i = 0; i < got_sel->count; i++)
			if (got_sel->pcrSelections[i].hash == sel->bank)
				for (unsigned j = 0; j < got_sel->pcrSelections[i].sizeofSelect && j < 3; j++)
					bits |= (uint32_t)got_sel->pcrSelections[i].pcrSelect[j] << (8 * j);
		bits &= left;
		for (unsigned p = 0; p < KEK_TPM2_PCR_COUNT && ok; p++) {
			if (!(bits >> p & 1))
				continue;
			if (k >= got->count || got->digests[k].size != dlen)
				ok = false;
			else
				memcpy(value[p], got->digests[k++].buffer, dlen);
		}
		Esys_Free(got_sel);
		Esys_Free(got);
		if (bits == 0 || !ok) {
			snprintf(err, errlen, "TPM: no %s PCR bank with those PCRs (is it allocated?)",
			         kek_tpm2_bank_name(sel->bank));
			return SIGIL_E_IO;
		}
		left &= ~bits;
	}
	return 0;
}

/* PolicyPCR's pcrDigest: the session's hash (SHA-256) of the selected
 * values in ascending PCR order (Part 3, TPM2_PolicyPCR). */
static void
kek_tpm2_pcr_digest(const struct kek_tpm2_sealed *s, TPM2B_DIGEST *out)
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	for (unsigned p = 0; p < KEK_TPM2_PCR_COUNT; p++)
		if (s->sel.pcrs >> p & 1)
			crypto_hash_sha256_update(&h, s->value[p], s->digest_len);
	out->size = crypto_hash_sha256_BYTES;
	crypto_hash_sha256_final(&h, out->buffer);
}

int
kek_tpm2_seal(struct kek_tpm2_conn *c, const uint8_t kek[static ENCLAVE_KEK_LEN],
              struct kek_tpm2_sealed *s, char *err, size_t errlen)
{
	static const TPM2B_DATA no_info;
	static const TPML_PCR_SELECTION no_pcrs;
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			                    TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_NODA,
			.parameters = {.keyedHashDetail = {.scheme = {.scheme = TPM2_ALG_NULL}}},
		},
	};
	TPM2B_SENSITIVE_CREATE sens;
	TPML_PCR_SELECTION pcrsel;
	TPM2B_DIGEST pcr_digest, *policy = NULL;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	ESYS_TR trial = ESYS_TR_NONE, hmac = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	memset(&sens, 0, sizeof(sens));
	s->digest_len = kek_tpm2_bank_digest_len(s->sel.bank);
	memset(s->value, 0, sizeof(s->value));
	/* The policy is made from the values read here, not from whatever the
	 * PCRs hold a moment later, so that the values stored beside it are
	 * exactly those it binds. */
	if ((ret = kek_tpm2_pcr_read(c->esys, &s->sel, s->digest_len, s->value, err, errlen)) != 0)
		goto out;
	kek_tpm2_pcr_digest(s, &pcr_digest);
	kek_tpm2_pcr_selection(s->sel.bank, s->sel.pcrs, &pcrsel);
	rc = Esys_StartAuthSession(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                           ESYS_TR_NONE, NULL, TPM2_SE_TRIAL, &kek_tpm2_sym_none,
	                           TPM2_ALG_SHA256, &trial);
	if (rc != TSS2_RC_SUCCESS) {
		trial = ESYS_TR_NONE;
		ret = kek_tpm2_fail(rc, "starting a trial session", err, errlen);
		goto out;
	}
	rc = Esys_PolicyPCR(c->esys, trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pcr_digest,
	                    &pcrsel);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyGetDigest(c->esys, trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
		                          &policy);
	if (rc != TSS2_RC_SUCCESS) {
		ret = kek_tpm2_fail(rc, "computing the PCR policy", err, errlen);
		goto out;
	}
	kek_tpm2_flush(c->esys, &trial);
	tmpl.publicArea.authPolicy = *policy;

	rc = Esys_StartAuthSession(c->esys, c->primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                           ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &kek_tpm2_sym_aes,
	                           TPM2_ALG_SHA256, &hmac);
	if (rc != TSS2_RC_SUCCESS) {
		hmac = ESYS_TR_NONE;
		ret = kek_tpm2_fail(rc, "starting a salted session", err, errlen);
		goto out;
	}
	rc = Esys_TRSess_SetAttributes(c->esys, hmac,
	                               TPMA_SESSION_DECRYPT | TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS) {
		ret = kek_tpm2_fail(rc, "setting the session's attributes", err, errlen);
		goto out;
	}
	sens.sensitive.data.size = ENCLAVE_KEK_LEN;
	memcpy(sens.sensitive.data.buffer, kek, ENCLAVE_KEK_LEN);
	rc = Esys_Create(c->esys, c->primary, hmac, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
	                 &no_info, &no_pcrs, &priv, &pub, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ret = kek_tpm2_fail(rc, "sealing the KEK (Esys_Create)", err, errlen);
		goto out;
	}
	s->pub = *pub;
	s->priv = *priv;
	ret = 0;
out:
	sodium_memzero(&sens, sizeof(sens));
	kek_tpm2_flush(c->esys, &trial);
	kek_tpm2_flush(c->esys, &hmac);
	Esys_Free(policy);
	Esys_Free(priv);
	Esys_Free(pub);
	return ret;
}

/* After a policy failure: SIGIL_E_AUTH and an err naming the
 * PCRs whose values are no longer those the object was sealed against. */
static int
kek_tpm2_policy_error(struct kek_tpm2_conn *c, const struct kek_tpm2_sealed *s, char *err,
                      size_t errlen)
{
	uint8_t now[KEK_TPM2_PCR_COUNT][KEK_TPM2_DIGEST_MAX];
	char list[3 * KEK_TPM2_PCR_COUNT], ignored[8];
	uint32_t changed = 0;

	if (kek_tpm2_pcr_read(c->esys, &s->sel, s->digest_len, now, ignored, sizeof(ignored)) == 0)
		for (unsigned p = 0; p < KEK_TPM2_PCR_COUNT; p++)
			if ((s->sel.pcrs >> p & 1) && memcmp(now[p], s->value[p], s->digest_len) != 0)
				changed |= (uint32_t)1 << p;
	kek_tpm2_pcrs_format(changed != 0 ? changed : s->sel.pcrs, list, sizeof(list));
	snprintf(err, errlen,
	         "the TPM refused to unseal the KEK: PCR policy not satisfied (PCR %s changed "
	         "since it was sealed)",
	         list);
	return SIGIL_E_AUTH;
}

/* ESYS decrypts Unseal's reply in place, in the command buffer of its
 * SYS context, and frees that buffer unwiped at Esys_Finalize: the KEK
 * was found there, in freed heap, after an unseal. The next command is
 * written over the same buffer, so one long enough to cover the reply
 * wipes it: StirRandom with zeros (Part 3, 16.2: it only adds to the
 * RNG's state, which zeros cannot weaken). Best effort; its result does
 * not matter. */
static void
kek_tpm2_overwrite_reply(struct kek_tpm2_conn *c)
{
	static const TPM2B_SENSITIVE_DATA zeros = {.size = 64};
	_Static_assert(10 + 2 + 64 > 10 + 4 + 2 + ENCLAVE_KEK_LEN,
	               "StirRandom's command covers Unseal's reply (header, parameterSize, size)");

	(void)Esys_StirRandom(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &zeros);
}

int
kek_tpm2_unseal(struct kek_tpm2_conn *c, const struct kek_tpm2_sealed *s,
                uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen)
{
	static const TPM2B_DIGEST current_values; /* empty: the PCRs as they are now */
	TPML_PCR_SELECTION pcrsel;
	TPM2B_SENSITIVE_DATA *out = NULL;
	ESYS_TR obj = ESYS_TR_NONE, session = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	rc = Esys_Load(c->esys, c->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &s->priv,
	               &s->pub, &obj);
	if (rc != TSS2_RC_SUCCESS) {
		obj = ESYS_TR_NONE;
		snprintf(err, errlen,
		         "TPM: cannot load the sealed KEK (sealed by another TPM, or the owner "
		         "hierarchy was cleared?): %s",
		         Tss2_RC_Decode(rc));
		ret = SIGIL_E_IO;
		goto out;
	}
	rc = Esys_StartAuthSession(c->esys, c->primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                           ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &kek_tpm2_sym_aes,
	                           TPM2_ALG_SHA256, &session);
	if (rc != TSS2_RC_SUCCESS) {
		session = ESYS_TR_NONE;
		ret = kek_tpm2_fail(rc, "starting a policy session", err, errlen);
		goto out;
	}
	rc = Esys_TRSess_SetAttributes(c->esys, session,
	                               TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS) {
		ret = kek_tpm2_fail(rc, "setting the session's attributes", err, errlen);
		goto out;
	}
	kek_tpm2_pcr_selection(s->sel.bank, s->sel.pcrs, &pcrsel);
	rc = Esys_PolicyPCR(c->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                    &current_values, &pcrsel);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Unseal(c->esys, obj, session, ESYS_TR_NONE, ESYS_TR_NONE, &out);
	if (rc != TSS2_RC_SUCCESS) {
		ret = kek_tpm2_policy_failed(rc) ? kek_tpm2_policy_error(c, s, err, errlen)
		                                 : kek_tpm2_fail(rc, "unsealing the KEK", err, errlen);
		goto out;
	}
	kek_tpm2_overwrite_reply(c);
	if (out->size != ENCLAVE_KEK_LEN) {
		snprintf(err, errlen, "TPM: the sealed object holds %u bytes, not a KEK", out->size);
		ret = SIGIL_E_CORRUPT;
		goto out;
	}
	memcpy(kek, out->buffer, ENCLAVE_KEK_LEN);
	ret = 0;
out:
	if (out != NULL)
		sodium_memzero(out, sizeof(*out));
	Esys_Free(out);
	kek_tpm2_flush(c->esys, &session);
	kek_tpm2_flush(c->esys, &obj);
	return ret;
}
