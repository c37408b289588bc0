/* The enclave vault: keys held by sigil-enclave, a separate process that
 * signs by handle and hands out only encrypted keys, which this vault
 * keeps in its storage (storage.h). sigild never holds a plaintext key:
 * at open it sends Initialize with the vault's credentials and Imports
 * every stored blob; after the key holder restarts it does both again on
 * the next call. */
#ifndef SIGIL_VAULT_ENCLAVE_H
#define SIGIL_VAULT_ENCLAVE_H
#include <stddef.h>

#include "vault/enclave/client.h"
#include "vault/enclave/storage.h"
#include "vault/vault.h"

/* Connections to the key holder a vault keeps, at most. */
#define EV_CONNS_MAX 64

/* What a vault's settings say, checked (driver.c). cred is locked memory
 * (it holds the passphrase); ev_params_free wipes it. */
struct ev_params {
	struct ev_endpoint ep;
	struct enclave_credentials *cred;
	const struct enclave_storage_ops *storage;
	unsigned connections;
};
int ev_params_read(const struct vault_config *cfg, struct ev_params *p, char *err, size_t errlen);
void ev_params_free(struct ev_params *p);

/* One connection's session: Initialize ("already initialized" is fine:
 * the holder outlived an earlier sigild). */
int ev_session_init(int fd, const struct enclave_credentials *cred,
                    const struct sigil_deadline *dl, char *err, size_t errlen);

extern const struct vault_driver vault_enclave_driver;

int vault_enclave_open(const struct vault_config *cfg, struct vault **out, char *err,
                       size_t errlen);

#endif
