/* Merlin transcripts (merlin.cool, the merlin crate 1.x/2.x/3.x): a
 * STROBE-128 duplex (strobe.h) under the protocol label "Merlin v1.0",
 * into which a protocol appends labelled messages and from which it draws
 * challenges. schnorrkel (sr25519) builds its signatures on them.
 *
 *   new(label)                meta-AD("dom-sep" ‖ LE32(len)); AD(label)
 *   append(label, msg)        meta-AD(label ‖ LE32(len(msg))); AD(msg)
 *   challenge(label, n)       meta-AD(label ‖ LE32(n)); PRF(n)
 *
 * Lengths are framed as 4 bytes little-endian, so no message or challenge
 * may reach 2^32 bytes (SIGIL_E_TOO_BIG).
 *
 * The witness RNG (Merlin's TranscriptRngBuilder) is a copy of the
 * transcript rekeyed with the prover's secrets, so that a nonce depends
 * on the whole public transcript and on the secret:
 *
 *   rekey(label, w)           meta-AD(label ‖ LE32(len(w))); KEY(w)
 *   finalize(rnd[32])         meta-AD("rng"); KEY(rnd)
 *   fill(n)                   meta-AD(LE32(n)); PRF(n)
 *
 * Labels are C strings (protocol constants); messages are (bytes, len). */
#ifndef SIGIL_CRYPTO_MERLIN_H
#define SIGIL_CRYPTO_MERLIN_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/strobe.h"

struct sigil_merlin {
	struct sigil_strobe s;
};

/* A transcript in its own STROBE state; a witness RNG holds secrets. */
struct sigil_merlin_rng {
	struct sigil_strobe s;
};

/* Starts a transcript with its domain separation label. */
void sigil_merlin_init(struct sigil_merlin *t, const char *label);

__attribute__((warn_unused_result)) int
sigil_merlin_append(struct sigil_merlin *t, const char *label, const uint8_t *msg, size_t len);

__attribute__((warn_unused_result)) int
sigil_merlin_challenge(struct sigil_merlin *t, const char *label, uint8_t *out, size_t len);

/* A witness RNG forked from t (t itself is not changed). */
void sigil_merlin_rng_init(struct sigil_merlin_rng *r, const struct sigil_merlin *t);

__attribute__((warn_unused_result)) int
sigil_merlin_rng_rekey(struct sigil_merlin_rng *r, const char *label, const uint8_t *witness,
                       size_t len);

/* Merlin's finalize: 32 bytes from the caller's RNG keyed in. */
void sigil_merlin_rng_finalize(struct sigil_merlin_rng *r, const uint8_t rnd[static 32]);

__attribute__((warn_unused_result)) int
sigil_merlin_rng_fill(struct sigil_merlin_rng *r, uint8_t *out, size_t len);

void sigil_merlin_wipe(struct sigil_merlin *t);
void sigil_merlin_rng_wipe(struct sigil_merlin_rng *r);

#endif
