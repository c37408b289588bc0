/* Nonces made ahead for in-memory Ed25519 keys (sign.h, sign_job.h): a
 * free list of locked memory and the hand-over between the thread that
 * commits one and the job that signs with it. */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "base/secmem.h"
#include "core/keyring.h"
#include "core/sign_job.h"

/* ---- nonces made ahead (sign.h) ----
 * state: BUSY while the committing thread works, then READY (n holds r and
 * R for key id) or NONE; GONE once the signing side has let go. Whoever
 * moves the state second puts the nonce back. Nonces are kept on a free
 * list of locked memory rather than returned to secmem, whose allocator
 * walks its slots. */
static pthread_mutex_t nonce_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sign_nonce *nonce_free;

struct sign_nonce *
sigil_nonce_new(void)
{
	struct sign_nonce *n;

	pthread_mutex_lock(&nonce_mu);
	if ((n = nonce_free) != NULL)
		nonce_free = n->next;
	pthread_mutex_unlock(&nonce_mu);
	if (n == NULL && (n = secmem_alloc(sizeof(*n))) == NULL)
		return NULL;
	n->next = NULL;
	atomic_init(&n->state, NONCE_BUSY);
	return n;
}

void
nonce_put(struct sign_nonce *n)
{
	sodium_memzero(n->n, sizeof(n->n));
	pthread_mutex_lock(&nonce_mu);
	n->next = nonce_free;
	nonce_free = n;
	pthread_mutex_unlock(&nonce_mu);
}

/* Commits n for key k and message msg; leaves it READY or NONE. */
void
nonce_commit_for(const struct sigil_key *k, const uint8_t *msg, size_t len, struct sign_nonce *n)
{
	bool ok = k != NULL && msg != NULL && k->vault->ops->commit != NULL &&
	          k->vault->ops->commit(k->vault, k->vault_index, msg, len, n->n) == 0;
	if (ok)
		memcpy(n->id, k->key_id, sizeof(n->id));
	if (atomic_exchange(&n->state, ok ? NONCE_READY : NONCE_NONE) == NONCE_GONE)
		nonce_put(n);
}

void
sigil_nonce_drop(struct sign_nonce *n)
{
	if (n && atomic_exchange(&n->state, NONCE_GONE) != NONCE_BUSY)
		nonce_put(n);
}
