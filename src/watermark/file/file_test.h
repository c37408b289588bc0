/* Test hooks of the file watermark store: not for the daemon. */
#ifndef SIGIL_WM_FILE_TEST_H
#define SIGIL_WM_FILE_TEST_H
#include <stdint.h>

#include "watermark/watermark.h"

/* How many fdatasync calls the file store has made (0 for other stores). */
uint64_t wm_file_sync_count(struct wm_store *s);

/* The next n fdatasync calls of a file store fail with EIO. */
void wm_file_fail_next_syncs(struct wm_store *s, int n);

/* Remembers the signature made for the mark just advanced (same level,
 * round, digest), without a sync of its own: the slot layout's
 * signature-only update (ops.c, rule 2). The signing path stores
 * signatures durably with check_advance_sign; this is for the tests of the
 * layout. */
int wm_file_record_signature(struct wm_store *s, const struct wm_id *id,
                             const struct wm_mark *signed_mark);

#endif
