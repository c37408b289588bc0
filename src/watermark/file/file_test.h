/* Test hooks of the file watermark store: not for the daemon. */
#ifndef SIGIL_WM_FILE_TEST_H
#define SIGIL_WM_FILE_TEST_H
#include <stdint.h>

#include "watermark/watermark.h"

/* How many fdatasync calls the file store has made (0 for other stores). */
uint64_t wm_file_sync_count(struct wm_store *s);

/* The next n fdatasync calls of a file store fail with EIO. */
void wm_file_fail_next_syncs(struct wm_store *s, int n);

#endif
