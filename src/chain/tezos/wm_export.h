/* Writing marks in Signatory's file layout, so that an operator can move
 * back to Signatory (or to another sigil, through import --signatory):
 * {dir}/watermark_v2/{chain_id}.json holding
 *   {"tz1…": {"block": {"level": L, "round": R, "hash": "vh…"},
 *             "preattestation": {…}, "attestation": {…}}, …}
 * as Signatory's file watermark store keeps it (request.Watermark: level
 * and round as int32, hash an optional BlockPayloadHash, omitted here when
 * the mark has no digest; request kinds as gotez names them). */
#ifndef SIGIL_TZ_WM_EXPORT_H
#define SIGIL_TZ_WM_EXPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"

/* Whether a mark's identity can be a Tezos one: its key id's tag is a key
 * type Tezos has addresses for, and its network is not one of the one-byte
 * ids (Atto's) that the watermark store pads with three zero bytes. A
 * Tezos chain id is the head of a hash, so that padding is no real one's. */
bool tz_mark_is_tezos(const uint8_t network[static 4],
                      const uint8_t key_id[static CHAIN_KEY_ID_LEN]);

/* Writes v (n marks, all tz_mark_is_tezos, level and round >= 0, sorted
 * by network then key) as one file per network, each created 0600 and
 * made durable. When one of those files exists already, nothing is
 * written (SIGIL_E_INVALID, err naming it): it holds marks that a new file
 * would drop. err says what failed; files written before a later one
 * failed stay (each is whole). */
__attribute__((warn_unused_result)) int
tz_signatory_write(const char *dir, const struct chain_mark *v, size_t n, char *err,
                   size_t errlen);

#endif
