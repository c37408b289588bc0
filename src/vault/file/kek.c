/* Key-encryption keys of file vaults, derived once per process.
 *
 * Argon2id with the vault's parameters costs 64 MiB and about a second,
 * and every reload (SIGHUP) opens every vault again: a signer reloaded
 * often would spend its memory and CPU on it, and a reload would stall for
 * as long. So a derived KEK is kept, in locked memory, for the life of the
 * process. An entry is found by the vault's salt and parameters and by a
 * keyed BLAKE2b of the passphrase (the key random per process): the
 * passphrase itself is never kept, and a changed passphrase or a
 * re-encrypted vault (a new salt) derives afresh. A wrong passphrase gives
 * a KEK that opens nothing, cached or not. */
#include "vault/file/format.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "base/errors.h"
#include "base/secmem.h"

#define VF_KEK_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define VF_KEK_SLOTS 16

struct vf_kek_slot {
	bool used;
	struct vf_kdf kdf;
	uint8_t tag[32];
	uint8_t kek[VF_KEK_LEN];
};

struct vf_kek_cache {
	uint8_t tag_key[crypto_generichash_KEYBYTES];
	struct vf_kek_slot slot[VF_KEK_SLOTS];
	size_t next;
};

static pthread_mutex_t vf_kek_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vf_kek_cache *vf_kek; /* in secmem; made on first use */
static unsigned long vf_argon2_runs;

static bool
vf_kdf_same(const struct vf_kdf *a, const struct vf_kdf *b)
{
	return a->opslimit == b->opslimit && a->memlimit == b->memlimit &&
	       memcmp(a->salt, b->salt, sizeof(a->salt)) == 0;
}

/* Looks kdf and tag up (hit: kek filled, true). Caller holds vf_kek_mu. */
static bool
vf_kek_find(const struct vf_kdf *kdf, const uint8_t tag[32], uint8_t *kek)
{
	for (size_t i = 0; i < VF_KEK_SLOTS; i++) {
		const struct vf_kek_slot *s = &vf_kek->slot[i];
		if (s->used && vf_kdf_same(&s->kdf, kdf) && sodium_memcmp(s->tag, tag, 32) == 0) {
			memcpy(kek, s->kek, VF_KEK_LEN);
			return true;
		}
	}
	return false;
}

int
vf_kdf_derive(const struct vf_kdf *kdf, const char *passphrase, uint8_t *kek)
{
	uint8_t tag[32];
	size_t plen;
	int rc = 0;

	if (passphrase == NULL || passphrase[0] == '\0')
		return SIGIL_E_PASSPHRASE;
	plen = strlen(passphrase);
	pthread_mutex_lock(&vf_kek_mu);
	if (vf_kek == NULL && (vf_kek = secmem_alloc(sizeof(*vf_kek))) != NULL)
		randombytes_buf(vf_kek->tag_key, sizeof(vf_kek->tag_key));
	if (vf_kek != NULL) {
		crypto_generichash(tag, sizeof(tag), (const uint8_t *)passphrase, plen,
		                   vf_kek->tag_key, sizeof(vf_kek->tag_key));
		if (vf_kek_find(kdf, tag, kek))
			goto out;
	}
	/* Held across the derivation: two vaults opened at once would
	 * otherwise need 128 MiB, and one of them may be the same. */
	vf_argon2_runs++;
	if (crypto_pwhash(kek, VF_KEK_LEN, passphrase, plen, kdf->salt, kdf->opslimit,
	                  kdf->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if (vf_kek != NULL) {
		struct vf_kek_slot *s = &vf_kek->slot[vf_kek->next];
		vf_kek->next = (vf_kek->next + 1) % VF_KEK_SLOTS;
		s->used = true;
		s->kdf = *kdf;
		memcpy(s->tag, tag, sizeof(tag));
		memcpy(s->kek, kek, VF_KEK_LEN);
	}
out:
	pthread_mutex_unlock(&vf_kek_mu);
	sodium_memzero(tag, sizeof(tag));
	return rc;
}

unsigned long
vf_kdf_argon2_runs(void)
{
	unsigned long n;
	pthread_mutex_lock(&vf_kek_mu);
	n = vf_argon2_runs;
	pthread_mutex_unlock(&vf_kek_mu);
	return n;
}
