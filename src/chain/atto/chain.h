/* Atto as a chain (chain.c): kinds block, vote and challenge, Ed25519 keys,
 * atto:// addresses, public keys and signatures as uppercase hex. */
#ifndef SIGIL_CHAIN_ATTO_CHAIN_H
#define SIGIL_CHAIN_ATTO_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_atto;

#endif
