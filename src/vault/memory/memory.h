/* The memory vault: one Ed25519 key whose 32-byte seed is given in hex in
 * an environment variable, as the Atto signer's LOCAL back end takes
 * ATTO_SIGNER_KEY. Nothing is written anywhere: the seed is moved into
 * locked memory (base/secenv.h), the variable wiped and unset, the key
 * prepared once (crypto/sig.h) and the decoded seed wiped.
 *
 *   vaults:
 *     atto:
 *       driver: memory
 *       config: {seed_env: ATTO_SIGNER_KEY, name: atto}
 *
 * Registered as driver "memory" (vault/registry.c). */
#ifndef SIGIL_VAULT_MEMORY_H
#define SIGIL_VAULT_MEMORY_H
#include "vault/vault.h"

extern const struct vault_driver vault_memory_driver;

#endif
