/* Solana as a chain (chain.c): Ed25519 keys, base58 addresses, one request
 * kind (transaction: a legacy or v0 message, message.h), its transfers as
 * the intent's operations (intent.h). */
#ifndef SIGIL_CHAIN_SOLANA_CHAIN_H
#define SIGIL_CHAIN_SOLANA_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_solana;

#endif
