/* Inside the tpm2 KEK provider (kek.h): tpm2.c reads the credentials and
 * keeps the state file, tpm2_esys.c talks to the TPM. */
#ifndef SIGIL_ENCLAVE_KEK_TPM2_IMPL_H
#define SIGIL_ENCLAVE_KEK_TPM2_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "enclave/kek/kek.h"

/* PCRs 0..23: what a PC client TPM has (TCG PC Client Platform TPM Profile). */
#define KEK_TPM2_PCR_COUNT 24
#define KEK_TPM2_DIGEST_MAX TPM2_SHA512_DIGEST_SIZE

struct kek_tpm2_sel {
	TPMI_ALG_HASH bank; /* TPM2_ALG_SHA256, … */
	uint32_t pcrs;      /* bit n: PCR n */
};

/* What the state file keeps: the selection, the PCR values the policy was
 * made from (only to say which PCR changed; the policy itself is inside
 * the object), and the sealed object as Esys_Create gave it. */
struct kek_tpm2_sealed {
	struct kek_tpm2_sel sel;
	uint16_t digest_len; /* of the bank */
	uint8_t value[KEK_TPM2_PCR_COUNT][KEK_TPM2_DIGEST_MAX];
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
};

/* One connection: the TCTI, ESYS and the primary storage key under the
 * owner hierarchy. Without a resource manager (swtpm, /dev/tpm0) whatever
 * is left loaded stays loaded, so kek_tpm2_disconnect flushes it. */
struct kek_tpm2_conn {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR primary;
};

/* The bank's digest length, or 0 for a bank this provider does not know. */
uint16_t kek_tpm2_bank_digest_len(TPMI_ALG_HASH bank);
const char *kek_tpm2_bank_name(TPMI_ALG_HASH bank);
/* "sha1", "sha256", "sha384", "sha512" into *bank; SIGIL_E_INVALID else. */
int kek_tpm2_bank_from_name(const char *name, TPMI_ALG_HASH *bank);
/* "0,7" for bits 0 and 7, into out (cap bytes, always terminated). */
void kek_tpm2_pcrs_format(uint32_t pcrs, char *out, size_t cap);

/* Connects through tcti (NULL: TPM2TOOLS_TCTI, else the TCTI loader's
 * default) and makes the primary key; on failure c holds nothing and err
 * says why (SIGIL_E_IO). */
int kek_tpm2_connect(struct kek_tpm2_conn *c, const char *tcti, char *err, size_t errlen);
/* Flushes the primary and closes everything; safe on a zeroed or failed c. */
void kek_tpm2_disconnect(struct kek_tpm2_conn *c);
/* Seals kek under a policy on s->sel's current values; fills the rest of s. */
int kek_tpm2_seal(struct kek_tpm2_conn *c, const uint8_t kek[static ENCLAVE_KEK_LEN],
                  struct kek_tpm2_sealed *s, char *err, size_t errlen);
/* Unseals s into kek: SIGIL_E_AUTH when the PCR policy fails, SIGIL_E_IO
 * when the TPM will not load the object or fails otherwise. */
int kek_tpm2_unseal(struct kek_tpm2_conn *c, const struct kek_tpm2_sealed *s,
                    uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen);

#endif
