/* Bitcoin as a chain (chain.c): secp256k1 keys, PSBTs (BIP-174 version 0)
 * signed for the inputs the key owns (P2PKH, P2WPKH, P2TR key path), the
 * outputs that leave as the intent's operations. Two entries, one per
 * address form: "bitcoin" (mainnet: bc1…, 1…, 3…) and "bitcoin-testnet"
 * (testnet, signet: tb1…, m…/n…, 2…). */
#ifndef SIGIL_CHAIN_BITCOIN_CHAIN_H
#define SIGIL_CHAIN_BITCOIN_CHAIN_H
#include "chain/chain.h"

extern const struct chain_ops chain_bitcoin, chain_bitcoin_testnet;

#endif
