/* Marks from the signers operators migrate from: Signatory and
 * octez-signer, read into chain marks (chain.h) that watermark/import.h
 * writes to a store. Each reader checks the whole file first: on an error
 * (logged, saying where) *out is untouched and nothing is to be imported. */
#ifndef SIGIL_TZ_WM_IMPORT_H
#define SIGIL_TZ_WM_IMPORT_H
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "chain/tezos/chain.h"

/* Signatory's {base_dir}/watermark_v2/{chain_id}.json (the chain id is
 * taken from the file name): block, preattestation, attestation and
 * attestation_with_dal marks (the last two both in the attestation class,
 * the higher winning). Signatory keeps no signature, and omits a round of
 * 0; a block's mark spends its whole level (Signatory keeps the payload
 * round, which can be below the fitness round compared here). */
__attribute__((warn_unused_result)) int
tz_marks_signatory(const char *path, struct chain_marks *out);

/* The public key of the key whose 21-byte id (tag, hash) is given, for
 * checking imported signatures: 0 with pk and *pklen set, or an error. */
typedef int (*tz_pk_lookup)(void *arg, const uint8_t id[21], uint8_t *pk, size_t *pklen);

/* One of octez-signer's {block,preattestation,attestation}_high_watermark
 * files (older octez names them preendorsement_/endorsement_) as marks of
 * slot class cls (enum tz_slot_class): {chain_id: {pkh: {level, round?,
 * hash (hex), signature?}}}. A stored signature is handed back for an
 * identical request, so one is kept only when it verifies, as a signature
 * of hash, with the key that lookup finds (lookup may be NULL); any other
 * is dropped with a warning (the mark stays). tz4 signatures are of the
 * raw bytes, which the file does not hold: always dropped. A missing round
 * (a pre-Tenderbake mark) is taken as INT32_MAX, so the whole level stays
 * refused. */
__attribute__((warn_unused_result)) int
tz_marks_octez(const char *path, unsigned cls, tz_pk_lookup lookup, void *lookup_arg,
               struct chain_marks *out);

#endif
