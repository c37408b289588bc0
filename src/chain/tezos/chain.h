/* Tezos's entry in the chain table (chain.h, chain/registry.c). */
#ifndef SIGIL_TZ_CHAIN_H
#define SIGIL_TZ_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_tezos;

#endif
