/* A transaction as Ethereum's JSON-RPC writes it (eth_signTransaction's
 * parameter: hex quantities, `from`, `to`, `gas`, `gasPrice` or
 * `maxFeePerGas` and `maxPriorityFeePerGas`, `value`, `data` or `input`,
 * `nonce`, `chainId`, `type`, `accessList`) into the unsigned serialisation
 * the chain signs (tx.h). Every field a signature covers must be given:
 * sigil has no node to ask for a nonce or a fee. */
#ifndef SIGIL_ETH_RPC_TX_H
#define SIGIL_ETH_RPC_TX_H
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chain/ethereum/addr.h"

/* o (a JSON object) into out (cap bytes; *n written), and its `from` as
 * given. chain_id is used when o names none. SIGIL_E_INVALID with a reason
 * for a field missing, malformed or out of range; SIGIL_E_TOO_BIG when out
 * is short. */
__attribute__((warn_unused_result)) int
eth_tx_from_rpc(const json_t *o, uint64_t chain_id, uint8_t *out, size_t cap, size_t *n,
                char from[static ETH_ADDR_TEXT], char *reason, size_t rcap);

#endif
