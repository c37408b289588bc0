/* libFuzzer harness for sigil's watermark documents (watermark/json.h):
 * any input gives 0 or one of the documented errors, with nothing handed
 * out on an error and an error message free of control bytes; what is read
 * is sorted, has no duplicate, and survives a write and a second read
 * unchanged (the writer's output is again a document the reader takes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "watermark/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Labels for ids whose network starts with 0x7a, as the unit tests'. */
static int
lab(void *arg, const struct wm_id *id, struct wm_json_label *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	if (id->chain_id[0] != 0x7a)
		return SIGIL_E_NOT_FOUND;
	snprintf(out->chain, sizeof(out->chain), "test");
	snprintf(out->chain_id, sizeof(out->chain_id), "net-%02x", id->chain_id[3]);
	snprintf(out->address, sizeof(out->address), "k%02x%02x", id->key[0], id->key[1]);
	return 0;
}

static int
id_cmp(const struct wm_id *a, const struct wm_id *b)
{
	int c = memcmp(a->chain_id, b->chain_id, sizeof(a->chain_id));
	if (c == 0)
		c = memcmp(a->key, b->key, sizeof(a->key));
	return c != 0 ? c : (int)a->kind - (int)b->kind;
}

static void
check_list(const struct wm_json_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct wm_json_entry *e = &l->v[i];
		if ((unsigned)e->id.kind >= WM_KINDS || e->mark.sig_len > SIGIL_SIG_MAX ||
		    (e->mark.sig_len > 0 && !e->mark.has_digest))
			abort();
		if (i > 0 && id_cmp(&l->v[i - 1].id, &e->id) >= 0)
			abort(); /* sorted, no duplicate */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_json_list l, l2;
	char err[512], *text = NULL;
	size_t len = 0;
	int rc = wm_json_read((const char *)data, size, lab, NULL, &l, err, sizeof(err));

	if (rc != 0) {
		if (rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
		    rc != SIGIL_E_UNSUPPORTED && rc != SIGIL_E_NOMEM)
			abort();
		if (l.v != NULL || l.n != 0 || err[0] == '\0')
			abort();
		for (const char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
		return 0;
	}
	check_list(&l);
	if (wm_json_write(&l, lab, NULL, &text, &len) != 0)
		abort();
	if (wm_json_read(text, len, lab, NULL, &l2, err, sizeof(err)) != 0 || l2.n != l.n)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		const struct wm_mark *a = &l.v[i].mark, *b = &l2.v[i].mark;
		if (id_cmp(&l.v[i].id, &l2.v[i].id) != 0 || a->level != b->level ||
		    a->round != b->round || a->has_digest != b->has_digest ||
		    a->sig_len != b->sig_len || memcmp(a->sig, b->sig, a->sig_len) != 0 ||
		    (a->has_digest && memcmp(a->digest, b->digest, 32) != 0))
			abort();
	}
	free(text);
	wm_json_list_free(&l);
	wm_json_list_free(&l2);
	return 0;
}
