/* Tezos's entry in the chain table (chain.h, chain/registry.c). */
#ifndef SIGIL_TZ_CHAIN_H
#define SIGIL_TZ_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_tezos;

/* Tezos's slot classes (sign_intent.slot_class): one watermark per magic
 * byte, as octez-signer keeps them. */
enum tz_slot_class { TZ_SLOT_BLOCK = 0, TZ_SLOT_PREATTESTATION = 1, TZ_SLOT_ATTESTATION = 2 };
#define TZ_SLOT_CLASSES 3

#endif
