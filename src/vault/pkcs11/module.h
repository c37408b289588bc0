/* A PKCS#11 module as the pkcs11 vaults share it (internal to
 * src/vault/pkcs11): loaded and initialised once per process, however many
 * vaults name it (two tokens behind one library are two vaults on one
 * module), finalised when the last lets go.
 *
 * A token that went away and came back is seen again only after the module
 * is finalised and initialised anew: p11_module_restart. That ends every
 * session of every vault on the module, and object handles may change, so
 * a restart holds life for writing, and every call into the module holds it
 * for reading; gen counts restarts, and a vault whose sessions are of an
 * older gen opens its own again. */
#ifndef SIGIL_VAULT_PKCS11_MODULE_H
#define SIGIL_VAULT_PKCS11_MODULE_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

struct p11_module {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	pthread_rwlock_t life;
	uint64_t gen;     /* under life */
	bool initialized; /* under life */
	bool foreign;     /* initialised by someone else: never finalised here */
	unsigned refs;    /* the rest under the table's lock */
	struct p11_module *next;
};

/* The module at path, loaded and initialised (with the OS's locking) on
 * first use; err names the vault and says why not. */
int p11_module_get(const char *path, const char *vault, struct p11_module **out, char *err,
                   size_t errlen);
void p11_module_put(struct p11_module *m);
/* With life held for writing: C_Finalize, then C_Initialize; gen moves on
 * whatever the outcome. C_Initialize's answer. */
CK_RV p11_module_restart(struct p11_module *m);

#endif
