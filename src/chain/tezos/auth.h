/* Tezos authenticated requests: the caller signs 0x04 ‖ 0x01 ‖ pkh ‖ data
 * (pkh as 21 bytes: key-type tag and hash) with one of the authorized keys,
 * and passes the signature as the `authentication` query argument. */
#ifndef SIGIL_TZ_AUTH_H
#define SIGIL_TZ_AUTH_H
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/keys.h"
#include "chain/chain.h"

/* 0 when n == 0 (authentication off) or sig_b58 verifies under one of keys.
 * SIGIL_E_AUTH_REQUIRED when keys exist and sig_b58 is NULL or empty,
 * SIGIL_E_AUTH when it does not verify (or does not parse). */
__attribute__((warn_unused_result)) int
auth_check(const struct chain_pubkey *keys, size_t n, const uint8_t pkh[static TZ_PKH_BIN_LEN],
           const uint8_t *data, size_t len, const char *sig_b58);

/* The bytes an authorized key signs (for clients and tests): writes
 * 2 + 21 + len bytes to out. */
__attribute__((warn_unused_result)) int
auth_message(const uint8_t pkh[static TZ_PKH_BIN_LEN], const uint8_t *data, size_t len,
             uint8_t *out, size_t outcap, size_t *outlen);

#endif
