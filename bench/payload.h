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
/* Big enough for any payload here in hex plus its NUL. */
#define BENCH_PAYLOAD_HEX_MAX 1024
/* Transfers in one Polkadot batch: 8 at most, the operations sigil
 * describes one by one (more would make the request opaque). */
#define BENCH_DOT_BATCH_MAX 8

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

/* A legacy Solana message (the bytes a signer signs, not the transaction):
 * payer, the 32-byte Ed25519 public key, sends `lamports` to 0x11 × 32 by
 * one System Transfer; recent blockhash 0x22 × 32. 150 bytes. */
int bench_sol_msg_hex(const uint8_t payer[static 32], uint64_t lamports, char *out, size_t cap);

/* A Westend signing payload (call ‖ extra ‖ additional, polkadot-js's
 * ExtrinsicPayload.toU8a({method: true})): balances.transfer_keep_alive of
 * `amount` planck to Bob, or with transfers > 1 a utility.batch_all of that
 * many of them; immortal, nonce 0, no tip, CheckMetadataHash off. One
 * transfer is 113 to 118 bytes (signed as they are); 6 or more are over
 * 256 (signed as their blake2b-256). -1 for 0 or over BENCH_DOT_BATCH_MAX. */
int bench_dot_payload_hex(uint64_t amount, unsigned transfers, char *out, size_t cap);

/* A PSBT (BIP-174, version 0): one input, P2WPKH of the 20-byte witness
 * `program`, whose witness_utxo holds in_amount sat; one output of 50 000
 * sat to the P2WPKH of 0x44 × 20. 127 bytes. */
int bench_btc_psbt_hex(const uint8_t program[static 20], uint64_t in_amount, char *out, size_t cap);

#endif
