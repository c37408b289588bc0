#include "watermark/import.h"

#include <string.h>

#include "base/errors.h"
#include "base/log.h"

int
wm_import_marks(struct wm_store *s, const char *path, const struct chain_marks *l)
{
	size_t set = 0, kept = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct chain_mark *c = &l->v[i];
		struct wm_id id;
		struct wm_mark m;
		bool raised = false;
		int rc;

		if (c->slot_class >= WM_KINDS || c->sig_len > sizeof(m.sig))
			return SIGIL_E_INVALID;
		memset(&id, 0, sizeof(id));
		memcpy(id.chain_id, c->network, sizeof(id.chain_id));
		memcpy(id.key, c->key_id, sizeof(id.key));
		id.kind = (enum wm_kind)c->slot_class;
		memset(&m, 0, sizeof(m));
		m.level = c->level;
		m.round = c->round;
		memcpy(m.digest, c->digest, sizeof(m.digest));
		m.has_digest = c->has_digest;
		memcpy(m.sig, c->sig, c->sig_len);
		m.sig_len = c->sig_len;
		if ((rc = s->ops->raise(s, &id, &m, &raised, NULL)) != 0)
			return rc;
		if (raised)
			set++;
		else
			kept++;
	}
	log_info("watermark import %s: %zu mark(s) set, %zu already at or above the file's", path,
	         set, kept);
	return 0;
}
