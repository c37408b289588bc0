/* Shared by json.c and json_read.c; not for other modules. */
#ifndef SIGIL_WM_JSON_INT_H
#define SIGIL_WM_JSON_INT_H
#include "watermark/json.h"

/* Appends one mark: SIGIL_E_TOO_BIG past WM_JSON_MAX_MARKS. */
__attribute__((warn_unused_result)) int
wm_json_push(struct wm_json_list *l, const struct wm_id *id, const struct wm_mark *m);
/* Orders ids by network, then key, then kind (bytes, unsigned). */
int wm_json_id_cmp(const struct wm_id *a, const struct wm_id *b);
void wm_json_sort(struct wm_json_list *l);

#endif
