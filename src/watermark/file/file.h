/* The file watermark store (layout and durability rules at the top of
 * ops.c). Registered as driver "file" (registry.c); tests open it
 * directly. */
#ifndef SIGIL_WM_FILE_H
#define SIGIL_WM_FILE_H
#include <stdbool.h>

#include "watermark/watermark.h"

extern const struct wm_driver wm_file_driver;

/* The file back end. A store is made once, by wm_file_init (`sigil
 * watermark init`), and only opened after that: wm_file_open never creates
 * one, so that a mistyped or relative directory cannot become a store with
 * no marks that signs what the real one refuses.
 *
 * wm_file_open: dir is locked exclusively (SIGIL_E_LOCKED when another
 * process, or another open in this one, holds it). Marks live in
 * {dir}/watermarks.db, fixed-size A/B records updated in place; writes of
 * concurrent requests share one fdatasync. SIGIL_E_NOT_FOUND, with a log
 * line saying how to proceed, when there is no store at dir, or when
 * {dir}/lock exists but watermarks.db does not (the store was in use and
 * its marks are gone). SIGIL_E_CORRUPT when the file cannot be trusted as
 * a whole (wrong length, unknown format version, a damaged record whose
 * key cannot be read); a record whose two slots are both damaged refuses
 * only its own id (SIGIL_E_CORRUPT) until set() rewrites it. After any
 * failed write or fdatasync the whole store answers SIGIL_E_IO until
 * reopened. An add that a crash cut short (the last record, half written,
 * never acknowledged) is dropped with a warning. */
__attribute__((warn_unused_result)) int
wm_file_open(const char *dir, struct wm_store **out);

/* Makes an empty store at dir (created 0700 if missing), durably; *created
 * says whether it did. A store already there is left as it is (0, *created
 * false); a lock file without watermarks.db is SIGIL_E_NOT_FOUND, as for
 * wm_file_open. */
__attribute__((warn_unused_result)) int
wm_file_init(const char *dir, bool *created);

#endif
