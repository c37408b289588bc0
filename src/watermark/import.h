/* Marks from the signers operators migrate from: Signatory and
 * octez-signer. Both go through the store's interface only. */
#ifndef SIGIL_WM_IMPORT_H
#define SIGIL_WM_IMPORT_H
#include <stddef.h>
#include <stdint.h>

#include "watermark/watermark.h"

/* Imports Signatory's {base_dir}/watermark_v2/{chain_id}.json (the chain id
 * is taken from the file name): block, preattestation, attestation and
 * attestation_with_dal marks (the last two both land in WM_ATTESTATION,
 * the higher winning). Signatory keeps no signature, and omits a round of
 * 0. The whole file is parsed and checked before anything is written:
 * SIGIL_E_INVALID (with a log line saying where) leaves the store as it
 * was. Never lowers a mark already stored: the higher (level, round) is
 * kept; at equal (level, round) the stored mark stays. */
__attribute__((warn_unused_result)) int
wm_import_signatory(struct wm_store *s, const char *path);

/* The public key of the key whose 21-byte pkh (tag, hash) is given, for
 * checking imported signatures: 0 with pk and *pklen set, or an error. */
typedef int (*wm_pk_lookup)(void *arg, const uint8_t pkh[21], uint8_t *pk, size_t *pklen);

/* Imports one of octez-signer's {block,preattestation,attestation}_high_watermark
 * files (older octez names them preendorsement_/endorsement_) as marks of
 * the given kind: {chain_id: {pkh: {level, round?, hash (hex), signature?}}}.
 * A stored signature is handed back for an identical request, so one is
 * kept only when it verifies, as a signature of hash, with the key that
 * lookup finds (lookup may be NULL); any other is dropped with a warning
 * (the mark stays). tz4 signatures are of the raw bytes, which the file
 * does not hold: always dropped.
 * A missing round (a pre-Tenderbake mark) is taken as INT32_MAX, so the
 * whole level stays refused. Same all-or-nothing and never-lower rules as
 * wm_import_signatory. */
__attribute__((warn_unused_result)) int
wm_import_octez(struct wm_store *s, const char *path, enum wm_kind kind, wm_pk_lookup lookup,
                void *lookup_arg);

#endif
