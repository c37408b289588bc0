/* On-disk form of the file back end's records (internal to src/watermark).
 *
 * watermarks.db is an array of fixed-size records, one per (chain, key,
 * kind). Each record holds two slots, A and B, each a complete copy of the
 * mark with its own sequence number and checksum. Updates go to the slot
 * with the older sequence number, so the newer one is never overwritten
 * while it is the only good copy; the one exception is a newest slot that
 * only adds a signature to the mark the older slot holds durably (rule 2 in
 * ops.c). Each write takes a sequence number above both slots'.
 *
 * A slot is 256 bytes and a record 512, aligned on 512-byte boundaries: on
 * a device with 512-byte atomic sectors a slot can never be half old, half
 * new, and a record never straddles two sectors. All integers big-endian.
 *
 *   off  len  field
 *     0    4  magic "SGWM"
 *     4    1  version (1)
 *     5    1  kind (enum wm_kind)
 *     6    1  has_digest (0/1)
 *     7    1  sig_len (0..96)
 *     8    4  chain_id
 *    12   21  pkh (tag, blake2b-160)
 *    33    3  zero
 *    36    4  level (int32)
 *    40    4  round (int32)
 *    44   32  digest
 *    76   96  signature (zero past sig_len)
 *   172    8  seq (uint64)
 *   180   60  zero
 *   240   16  blake2b-128 of bytes 0..239 */
#ifndef SIGIL_WM_FILE_SLOT_H
#define SIGIL_WM_FILE_SLOT_H
#include <stdint.h>

#include "watermark/watermark.h"

#define WM_SLOT_SIZE 256
#define WM_REC_SIZE (2 * WM_SLOT_SIZE)
#define WM_SLOT_VERSION 1
/* chain_id(4) ‖ pkh(21) ‖ kind(1): the record's identity, as a hash key. */
#define WM_KEY_LEN 26

enum wm_slot_state {
	WM_SLOT_OK,    /* checksum good, fields sane */
	WM_SLOT_EMPTY, /* all zero: never written */
	WM_SLOT_BAD,   /* checksum or magic wrong: damaged or torn */
	WM_SLOT_ALIEN, /* checksum good but a version or field we do not know */
};

struct wm_slot {
	struct wm_id id;
	struct wm_mark mark;
	uint64_t seq;
};

void wm_key_of(const struct wm_id *id, uint8_t key[static WM_KEY_LEN]);

void wm_slot_encode(const struct wm_id *id, const struct wm_mark *m, uint64_t seq,
                    uint8_t out[static WM_SLOT_SIZE]);

/* Decodes and verifies one slot; out is filled only for WM_SLOT_OK. */
enum wm_slot_state wm_slot_decode(const uint8_t in[static WM_SLOT_SIZE], struct wm_slot *out);

/* For a slot that failed its checksum: the identity fields as they stand,
 * when the magic and version bytes at least are intact. 0 or -1. */
int wm_slot_peek_id(const uint8_t in[static WM_SLOT_SIZE], struct wm_id *id);

#endif
