/* Marks imported from another signer's files (a chain reads them: e.g.
 * chain/tezos/wm_import.h) written to a store through its interface only. */
#ifndef SIGIL_WM_IMPORT_H
#define SIGIL_WM_IMPORT_H
#include <stddef.h>

#include "chain/chain.h"
#include "watermark/watermark.h"

/* Raises every mark of l in s (raise: a mark already at or above the
 * file's stays; nothing is ever lowered), and logs how many were set and
 * how many kept, naming path. A store error stops it and is returned. */
__attribute__((warn_unused_result)) int
wm_import_marks(struct wm_store *s, const char *path, const struct chain_marks *l);

#endif
