/* Key-encryption-key providers of sigil-enclave. The KEK is what every
 * encrypted key (blob.h) is sealed under; only the key holder can obtain
 * it, and how is the provider's business: one file each behind the table
 * in kek.c, chosen by the "provider" entry of Initialize's credentials.
 *
 *   passphrase  Argon2id of the credentials' "passphrase" and a salt the
 *               provider stores in the state directory on first use, with
 *               a check value that tells a wrong passphrase at Initialize.
 *   tpm2        a random KEK sealed in a TPM 2.0 object under a PCR policy
 *               (the credentials' "pcrs", e.g. "7" or "0,7", bank sha256):
 *               it unseals only while those PCRs hold the values they had
 *               when it was sealed. The sealed object is stored in the
 *               state directory; the TPM is reached through the TCTI the
 *               holder was started with (--tcti, default TPM2TOOLS_TCTI or
 *               the device).
 *
 * A cloud KMS (GCP KMS with workload identity, AWS KMS with Nitro
 * attestation) is one more provider: a file that fills struct
 * kek_provider, unwrapping a stored data key with the KMS, and one line in
 * the table. */
#ifndef SIGIL_ENCLAVE_KEK_H
#define SIGIL_ENCLAVE_KEK_H
#include <stddef.h>
#include <stdint.h>

#include "enclave/proto.h"

#define ENCLAVE_KEK_LEN 32

/* What the holder knows of its surroundings, from its command line. */
struct kek_env {
	const char *state_dir; /* where providers keep salts and sealed objects */
	const char *tcti;      /* tpm2: the TCTI string ("swtpm:host=…,port=…"); NULL: default */
};

struct kek_provider {
	const char *name;
	/* Obtains the KEK into kek (locked memory, the caller's) from cred;
	 * makes and stores what the provider keeps (salt, sealed object) on
	 * first use, atomically and mode 0600. On failure kek is zeroed and
	 * err says why in words fit for the caller (never a secret):
	 * SIGIL_E_PASSPHRASE for a wrong passphrase, SIGIL_E_AUTH when the
	 * TPM refuses to unseal (PCRs changed), SIGIL_E_INVALID for bad
	 * credentials, SIGIL_E_CORRUPT for a damaged state file
	 * (SIGIL_E_UNSUPPORTED for one of a later format), SIGIL_E_IO
	 * otherwise. */
	int (*obtain)(const struct enclave_credentials *cred, const struct kek_env *env,
	              uint8_t kek[static ENCLAVE_KEK_LEN], char *err, size_t errlen);
};

/* For providers: the path of their file in env's state directory, into
 * path (cap bytes); SIGIL_E_INVALID, err saying why, when there is no
 * state directory or the path is too long. */
int kek_state_path(const struct kek_env *env, const char *provider, const char *file, char *path,
                   size_t cap, char *err, size_t errlen);

/* The provider named name, or NULL. */
const struct kek_provider *kek_provider_find(const char *name);

extern const struct kek_provider kek_passphrase;
extern const struct kek_provider kek_tpm2;

#endif
