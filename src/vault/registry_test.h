/* Tests only: a vault driver of the test's own (one that stalls or fails
 * on demand), found by vault_driver_find after the built-in ones. Set it
 * before any configuration names it. */
#ifndef SIGIL_VAULT_REGISTRY_TEST_H
#define SIGIL_VAULT_REGISTRY_TEST_H
#include "vault/vault.h"

void vault_driver_add_for_tests(const struct vault_driver *d);

#endif
