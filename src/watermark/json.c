/* sigil-watermarks documents (json.h): collecting a store's marks, writing
 * them, and raising read ones into a store. The reader is json_read.c. */
#include "watermark/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/sbuf.h"
#include "watermark/json_int.h"

static const char *const wm_json_kinds[WM_KINDS] = {"block", "preattestation", "attestation"};

const char *
wm_json_kind_name(unsigned kind)
{
	return kind < WM_KINDS ? wm_json_kinds[kind] : NULL;
}

void
wm_json_list_free(struct wm_json_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int
wm_json_push(struct wm_json_list *l, const struct wm_id *id, const struct wm_mark *m)
{
	if (l->n >= WM_JSON_MAX_MARKS)
		return SIGIL_E_TOO_BIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		if (cap > WM_JSON_MAX_MARKS)
			cap = WM_JSON_MAX_MARKS;
		void *p = realloc(l->v, cap * sizeof(*l->v));
		if (p == NULL)
			return SIGIL_E_NOMEM;
		l->v = p;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	l->v[l->n].id = *id;
	l->v[l->n].mark = *m;
	l->n++;
	return 0;
}

int
wm_json_id_cmp(const struct wm_id *a, const struct wm_id *b)
{
	int c = memcmp(a->chain_id, b->chain_id, sizeof(a->chain_id));
	if (c == 0)
		c = memcmp(a->key, b->key, sizeof(a->key));
	if (c == 0 && a->kind != b->kind)
		c = (unsigned)a->kind < (unsigned)b->kind ? -1 : 1;
	return c;
}

static int
entry_cmp(const void *a, const void *b)
{
	return wm_json_id_cmp(&((const struct wm_json_entry *)a)->id,
	                      &((const struct wm_json_entry *)b)->id);
}

void
wm_json_sort(struct wm_json_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
}

static int
collect_one(void *arg, const struct wm_id *id, const struct wm_mark *m)
{
	return wm_json_push(arg, id, m);
}

int
wm_json_collect(struct wm_store *s, struct wm_json_list *out)
{
	struct wm_json_list l = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if (s->ops->each == NULL)
		return SIGIL_E_UNSUPPORTED;
	if ((rc = s->ops->each(s, collect_one, &l, NULL)) != 0) {
		wm_json_list_free(&l);
		return rc;
	}
	wm_json_sort(&l);
	*out = l;
	return 0;
}

/* , "name": "hex" for len bytes (at most a signature's). */
static int
put_hex(struct sbuf *b, const char *name, const uint8_t *p, size_t len)
{
	char hex[2 * SIGIL_SIG_MAX + 1];

	if (len > SIGIL_SIG_MAX || hex_encode(p, len, hex, sizeof(hex)) != 0)
		return SIGIL_E_INTERNAL;
	sbuf_printf(b, ", \"%s\": \"%s\"", name, hex);
	return 0;
}

static void
put_labels(struct sbuf *b, const struct wm_json_label *lab)
{
	static const char *const names[] = {"chain", "chain_id", "address"};
	const char *vals[] = {lab->chain, lab->chain_id, lab->address};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (vals[i][0] == '\0')
			continue;
		sbuf_printf(b, "\"%s\": \"", names[i]);
		sbuf_put_json(b, vals[i]);
		sbuf_puts(b, "\", ");
	}
}

static int
put_mark(struct sbuf *b, const struct wm_json_entry *e, wm_json_labeller lab, void *arg)
{
	const struct wm_mark *m = &e->mark;
	struct wm_json_label l;
	const char *kind = wm_json_kind_name((unsigned)e->id.kind);

	if (m->sig_len > sizeof(m->sig) || (m->sig_len > 0 && !m->has_digest))
		return SIGIL_E_INVALID;
	memset(&l, 0, sizeof(l));
	sbuf_puts(b, "{");
	if (lab != NULL && lab(arg, &e->id, &l) == 0)
		put_labels(b, &l);
	if (kind != NULL)
		sbuf_printf(b, "\"kind\": \"%s\"", kind);
	else
		sbuf_printf(b, "\"kind\": %u", (unsigned)e->id.kind);
	sbuf_printf(b, ", \"level\": %" PRId32 ", \"round\": %" PRId32, m->level, m->round);
	int rc = put_hex(b, "network", e->id.chain_id, sizeof(e->id.chain_id));
	if (rc == 0)
		rc = put_hex(b, "key", e->id.key, sizeof(e->id.key));
	if (rc == 0 && m->has_digest)
		rc = put_hex(b, "digest", m->digest, sizeof(m->digest));
	if (rc == 0 && m->sig_len > 0)
		rc = put_hex(b, "signature", m->sig, m->sig_len);
	sbuf_puts(b, "}");
	return rc;
}

int
wm_json_write(struct wm_json_list *l, wm_json_labeller lab, void *arg, char **out, size_t *len)
{
	struct sbuf b = {0};
	int rc;

	*out = NULL;
	*len = 0;
	if (l->n > WM_JSON_MAX_MARKS)
		return SIGIL_E_TOO_BIG;
	wm_json_sort(l);
	b.max = WM_JSON_MAX_BYTES;
	sbuf_printf(&b, "{\"format\": \"%s\", \"version\": %d, \"marks\": [", WM_JSON_FORMAT,
	            WM_JSON_VERSION);
	for (size_t i = 0; i < l->n; i++) {
		sbuf_puts(&b, i == 0 ? "\n" : ",\n");
		if ((rc = put_mark(&b, &l->v[i], lab, arg)) != 0) {
			sbuf_free(&b);
			return rc;
		}
	}
	sbuf_puts(&b, "\n]}\n");
	if ((rc = sbuf_reserve(&b, 0)) != 0) { /* the sticky error of any append */
		sbuf_free(&b);
		return rc;
	}
	return (*out = sbuf_take(&b, len)) == NULL ? SIGIL_E_NOMEM : 0;
}

int
wm_json_raise(struct wm_store *s, const struct wm_json_list *l, size_t *set, size_t *kept)
{
	*set = *kept = 0;
	for (size_t i = 0; i < l->n; i++) {
		bool raised = false;
		int rc = s->ops->raise(s, &l->v[i].id, &l->v[i].mark, &raised, NULL);
		if (rc != 0)
			return rc;
		if (raised)
			(*set)++;
		else
			(*kept)++;
	}
	return 0;
}
