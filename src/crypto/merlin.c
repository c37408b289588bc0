/* Merlin transcripts (merlin.h) over STROBE-128, in the order the merlin
 * crate's transcript.rs performs the operations (merlin.cool, "Transcript
 * operations" and "Generating randomness"). */
#include "crypto/merlin.h"

#include <string.h>

#include <sodium.h>

#include "base/errors.h"

/* The label and the 4-byte little-endian length as one meta-AD operation
 * (the length continues the label's operation), so that label ‖ length is
 * framed once. SIGIL_E_TOO_BIG when len does not fit the 4 bytes. */
static int
merlin_frame(struct sigil_strobe *s, const char *label, size_t len)
{
	uint8_t le[4];

	if (len > UINT32_MAX)
		return SIGIL_E_TOO_BIG;
	for (unsigned i = 0; i < sizeof(le); i++)
		le[i] = (uint8_t)(len >> (8 * i));
	sigil_strobe_meta_ad(s, (const uint8_t *)label, strlen(label), false);
	sigil_strobe_meta_ad(s, le, sizeof(le), true);
	return 0;
}

static int
merlin_append(struct sigil_merlin *t, const char *label, const uint8_t *msg, size_t len)
{
	int rc = merlin_frame(&t->s, label, len);

	if (rc == 0)
		sigil_strobe_ad(&t->s, msg, len);
	return rc;
}

void
sigil_merlin_init(struct sigil_merlin *t, const char *label)
{
	static const char proto[] = "Merlin v1.0";
	int rc;

	sigil_strobe_init(&t->s, (const uint8_t *)proto, sizeof(proto) - 1);
	/* A label is a protocol constant, far below 2^32 bytes. */
	rc = merlin_append(t, "dom-sep", (const uint8_t *)label, strlen(label));
	(void)rc;
}

int
sigil_merlin_append(struct sigil_merlin *t, const char *label, const uint8_t *msg, size_t len)
{
	return merlin_append(t, label, msg, len);
}

int
sigil_merlin_challenge(struct sigil_merlin *t, const char *label, uint8_t *out, size_t len)
{
	int rc = merlin_frame(&t->s, label, len);

	if (rc == 0)
		sigil_strobe_prf(&t->s, out, len);
	return rc;
}

void
sigil_merlin_rng_init(struct sigil_merlin_rng *r, const struct sigil_merlin *t)
{
	memcpy(&r->s, &t->s, sizeof(r->s));
}

int
sigil_merlin_rng_rekey(struct sigil_merlin_rng *r, const char *label, const uint8_t *witness,
                       size_t len)
{
	int rc = merlin_frame(&r->s, label, len);

	if (rc == 0)
		sigil_strobe_key(&r->s, witness, len);
	return rc;
}

void
sigil_merlin_rng_finalize(struct sigil_merlin_rng *r, const uint8_t rnd[static 32])
{
	static const char rng[] = "rng";

	sigil_strobe_meta_ad(&r->s, (const uint8_t *)rng, sizeof(rng) - 1, false);
	sigil_strobe_key(&r->s, rnd, 32);
}

/* The TranscriptRng's fill: unlabelled, only the length is framed. */
int
sigil_merlin_rng_fill(struct sigil_merlin_rng *r, uint8_t *out, size_t len)
{
	uint8_t le[4];

	if (len > UINT32_MAX)
		return SIGIL_E_TOO_BIG;
	for (unsigned i = 0; i < sizeof(le); i++)
		le[i] = (uint8_t)(len >> (8 * i));
	sigil_strobe_meta_ad(&r->s, le, sizeof(le), false);
	sigil_strobe_prf(&r->s, out, len);
	return 0;
}

void
sigil_merlin_wipe(struct sigil_merlin *t)
{
	sigil_strobe_wipe(&t->s);
}

void
sigil_merlin_rng_wipe(struct sigil_merlin_rng *r)
{
	sigil_strobe_wipe(&r->s);
}
