/* STROBE-128 (strobe.sourceforge.io, version 1.0.2), only the part Merlin
 * transcripts use: meta-AD, AD, PRF and KEY, never a transport operation
 * (no T flag), no MAC, no ratchet.
 *
 * STROBE-128 is a duplex over Keccak-f[1600] at security level 128: the
 * rate is 1600/8 - 2*128/8 = 168 bytes, of which STROBE keeps the last two
 * for its own padding, so 166 bytes of data fit between permutations.
 * Each operation begins by absorbing the position where the previous one
 * began and its flags, so operations cannot be cut and pasted across one
 * another; KEY and PRF (the C flag) start on a fresh block.
 *
 * Nothing here branches on data: the lengths are the only thing timing
 * can tell. A state holds secrets once keyed; sigil_strobe_wipe it. */
#ifndef SIGIL_CRYPTO_STROBE_H
#define SIGIL_CRYPTO_STROBE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGIL_STROBE_R 166 /* data bytes per block (STROBE-128) */

struct sigil_strobe {
	uint8_t st[200]; /* the Keccak state as bytes, lane i at st[8i], little-endian */
	uint8_t pos;       /* next byte of the block, 0 .. SIGIL_STROBE_R - 1 */
	uint8_t pos_begin; /* where the current operation began (+1), 0 after a permutation */
	uint8_t cur_flags; /* the current operation's flags */
};

/* A new duplex for a protocol: the STROBE-128 initial block, the
 * permutation, then meta-AD(protocol label). Merlin's label is
 * "Merlin v1.0". */
void sigil_strobe_init(struct sigil_strobe *s, const uint8_t *label, size_t len);

/* meta-AD: framing data. With more set, the bytes continue the previous
 * meta-AD (no new operation header), as Merlin's length suffix does; more
 * is only ever set right after another meta-AD. */
void sigil_strobe_meta_ad(struct sigil_strobe *s, const uint8_t *data, size_t len, bool more);

/* AD: data absorbed into the state. */
void sigil_strobe_ad(struct sigil_strobe *s, const uint8_t *data, size_t len);

/* PRF: len bytes squeezed out (the state bytes read are zeroed). */
void sigil_strobe_prf(struct sigil_strobe *s, uint8_t *out, size_t len);

/* KEY: data written over the state, so what was there before is gone. */
void sigil_strobe_key(struct sigil_strobe *s, const uint8_t *data, size_t len);

void sigil_strobe_wipe(struct sigil_strobe *s);

#endif
