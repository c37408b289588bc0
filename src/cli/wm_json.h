/* sigil watermark export and import FILE: sigil's own watermark documents
 * (watermark/json.h), and export --signatory. */
#ifndef SIGIL_CLI_WM_JSON_H
#define SIGIL_CLI_WM_JSON_H
#include "watermark/watermark.h"

/* export [--out FILE | --signatory DIR]: every mark of s. argv holds what
 * follows "export" (argc 0 or 2). Prints errors; returns 0 or an error. */
int cli_wm_export(struct wm_store *s, int argc, char **argv);

/* import FILE ("-": standard input). The whole file is read and checked
 * before the store is opened (open_store, as the verb's other forms do);
 * then each mark is raised, never lowered. Prints what it did. */
int cli_wm_import_json(const char *path, int (*open_store)(struct wm_store **s));

#endif
