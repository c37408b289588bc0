/* Private to the pkcs11 vault: its state, shared by vault.c (the vault:
 * sessions, signing, going down and up) and vault_keys.c (sigil generate
 * and sigil import, which make or write key pairs on the token). */
#ifndef SIGIL_VAULT_PKCS11_INT_H
#define SIGIL_VAULT_PKCS11_INT_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "vault/pkcs11/module.h"
#include "vault/pkcs11/pkcs11.h"

/* How long a vault that is down waits between two tries to come up. */
#define P11_RETRY_MS 1000
/* p11_sign_try: the module was restarted under it; nothing was asked. */
#define P11_AGAIN 1

struct p11_key {
	struct vault_key info;
	uint8_t id[P11_ID_MAX];
	size_t id_len;
	CK_OBJECT_HANDLE priv; /* under m->life */
};

struct p11_vault {
	struct vault base;
	char name[64];
	struct p11_params p;
	struct p11_module *m;
	CK_FUNCTION_LIST_PTR f;
	/* Under m->life: written only with it held for writing. */
	CK_SLOT_ID slot;
	uint64_t gen; /* the m->gen its sessions and handles are of */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* A session's handle and open flag are its taker's (p11_take), else
	 * m->life's writer's; busy is under mu. */
	CK_SESSION_HANDLE sess[P11_SESSIONS_MAX];
	bool open[P11_SESSIONS_MAX], busy[P11_SESSIONS_MAX];
	size_t n_sess;
	/* Under mu. */
	bool down;
	char why[192]; /* while down: why, for requests and /healthz */
	uint64_t next_try_ms;
	struct p11_key *keys;
	size_t n_keys;
};

static inline struct p11_vault *
pv(struct vault *v)
{
	return (struct p11_vault *)v;
}

/* vault.c, for vault_keys.c. */
int p11_find_slot(struct p11_vault *v, char *err, size_t errlen);
int p11_session_open(struct p11_vault *v, size_t i, char *err, size_t errlen);
CK_RV p11_find(struct p11_vault *v, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const uint8_t *id,
               size_t id_len, const char *label, CK_OBJECT_HANDLE *out, CK_ULONG cap,
               CK_ULONG *n);
int p11_key_read(struct p11_vault *v, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
                 struct p11_key *k, char *why, size_t whylen);
int p11_keys_load(struct p11_vault *v, char *err, size_t errlen);
void p11_close(struct vault *vv);

#endif
