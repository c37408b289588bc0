/* The Ethereum chain's table (chain.c): transactions, personal_sign
 * messages and EIP-712 typed data, signed by secp256k1 keys with their
 * recovery id. */
#ifndef SIGIL_CHAIN_ETHEREUM_CHAIN_H
#define SIGIL_CHAIN_ETHEREUM_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_ethereum;

#endif
