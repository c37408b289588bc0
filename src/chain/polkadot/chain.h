/* Polkadot and the Substrate relay chains as a chain (chain.c): sr25519
 * and Ed25519 keys, SS58 addresses, one request kind (extrinsic: a signed
 * extrinsic's signing payload, extrinsic.h), its transfers as the intent's
 * operations. */
#ifndef SIGIL_CHAIN_POLKADOT_CHAIN_H
#define SIGIL_CHAIN_POLKADOT_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_polkadot;

#endif
