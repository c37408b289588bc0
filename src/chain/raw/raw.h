/* raw-ed25519: a second chain that exists for the tests (registered in
 * builds with SIGIL_TEST_HOOKS only). Its payload is the message itself,
 * signed with Ed25519 as it is; it has no consensus, hence no watermark,
 * and no network. Addresses, public keys and signatures are lowercase
 * hex. It shows that a chain is one folder and one line in
 * chain/registry.c: nothing else in sigil knows of it. */
#ifndef SIGIL_CHAIN_RAW_H
#define SIGIL_CHAIN_RAW_H
#include "chain/chain.h"

extern const struct chain_ops chain_raw_ed25519;

#endif
