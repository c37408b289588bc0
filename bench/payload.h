/* The bytes the load generator asks to sign: valid for sigil's decoder,
 * distinct from one request to the next (docs/ARCHITECTURE.md has the Tezos
 * layouts; Ethereum's is EIP-1559's). */
#ifndef SIGIL_BENCH_PAYLOAD_H
#define SIGIL_BENCH_PAYLOAD_H
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/keys.h"

/* Mainnet's chain id (NetXdQprcVkpaWU), as the attestations carry it. */
#define BENCH_CHAIN_ID 0x7a06a770u
/* Big enough for either payload in hex plus its NUL. */
#define BENCH_PAYLOAD_HEX_MAX 512

/* A generic (0x03) request: one transaction from source (21-byte binary
 * pkh) to itself whose counter is `counter`, so that each is distinct.
 * Writes lowercase hex and a NUL; 0 or -1 when out is too small. */
int bench_tx_hex(const uint8_t source[static TZ_PKH_BIN_LEN], uint64_t counter, char *out,
                 size_t cap);

/* An attestation (0x13, tag 21 with slot) at level/round 0 on mainnet; the
 * payload hash carries `salt` so that requests differ at equal levels. */
int bench_attestation_hex(int32_t level, uint16_t slot, uint64_t salt, char *out, size_t cap);

/* An unsigned EIP-1559 transaction (0x02 ‖ rlp([...]), as ethers'
 * unsignedSerialized writes it) on chain 1: a plain transfer of 1 wei to a
 * fixed address whose nonce is `nonce`, so that each is distinct. */
int bench_eth_tx_hex(uint64_t nonce, char *out, size_t cap);

#endif
