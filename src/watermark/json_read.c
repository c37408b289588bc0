/* Reading a sigil-watermarks document (json.h): the whole of it is parsed
 * and checked before a single mark is handed out, since an import that
 * stopped half-way would leave some keys moved and others not. */
#include "watermark/json.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/errors.h"
#include "base/hex.h"
#include "watermark/json_int.h"

/* What the reader carries: where errors go, and the labeller. */
struct rd {
	char *err;
	size_t errlen;
	wm_json_labeller lab;
	void *arg;
};

/* Writes "where: why" to r->err (control bytes from the input shown as
 * '?', so that a message cannot rewrite the terminal) and returns rc. */
static int __attribute__((format(printf, 4, 5)))
rd_fail(struct rd *r, int rc, const char *where, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (r->errlen == 0)
		return rc;
	snprintf(r->err, r->errlen, "%s: ", where);
	n = strlen(r->err);
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - n, fmt, ap);
	va_end(ap);
	for (char *p = r->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return rc;
}

/* A JSON integer in [lo, hi]. */
static int
get_int(json_t *v, json_int_t lo, json_int_t hi, json_int_t *out)
{
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return *out < lo || *out > hi ? -1 : 0;
}

/* A hex string of min..max bytes into out (cap max). */
static int
get_hex(json_t *v, uint8_t *out, size_t min, size_t max, size_t *n)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	*n = 0;
	if (s == NULL || len % 2 != 0 || len < 2 * min || len > 2 * max)
		return -1;
	return hex_decode(s, len, out, max, n) == 0 && *n >= min ? 0 : -1;
}

/* A label: a string shorter than cap. */
static int
get_label(json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	if (s == NULL || len == 0 || len >= cap || strlen(s) != len)
		return -1;
	memcpy(out, s, len + 1);
	return 0;
}

static int
get_kind(json_t *v, enum wm_kind *out)
{
	json_int_t k;
	const char *s = json_string_value(v);

	if (s != NULL) {
		for (unsigned i = 0; i < WM_KINDS; i++)
			if (strcmp(s, wm_json_kind_name(i)) == 0 && strlen(s) == json_string_length(v)) {
				*out = (enum wm_kind)i;
				return 0;
			}
		return -1;
	}
	/* A class without a name would be written as its number. */
	if (get_int(v, 0, WM_KINDS - 1, &k) != 0)
		return -1;
	*out = (enum wm_kind)k;
	return 0;
}

/* Each label the file gives must be what the labeller makes of the
 * binary fields: they are what is imported, the labels what a person
 * read and maybe edited. */
static int
check_labels(struct rd *r, const char *where, const struct wm_id *id,
             const struct wm_json_label *file)
{
	static const char *const names[] = {"chain", "chain_id", "address"};
	const char *got[] = {file->chain, file->chain_id, file->address};
	struct wm_json_label want;
	char at[64];

	memset(&want, 0, sizeof(want));
	if (file->chain[0] == '\0' && file->chain_id[0] == '\0' && file->address[0] == '\0')
		return 0;
	if (r->lab == NULL || r->lab(r->arg, id, &want) != 0)
		return rd_fail(r, SIGIL_E_INVALID, where, "it names a chain, chain_id or address, but "
		               "no chain sigil knows has this network and key");
	const char *exp[] = {want.chain, want.chain_id, want.address};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (got[i][0] == '\0' || strcmp(got[i], exp[i]) == 0)
			continue;
		snprintf(at, sizeof(at), "%s.%s", where, names[i]);
		return rd_fail(r, SIGIL_E_INVALID, at, "does not match the network and key, which "
		               "are %s on %s (%s)", want.address, want.chain_id, want.chain);
	}
	return 0;
}

enum {
	F_NETWORK, F_KEY, F_KIND, F_LEVEL, F_ROUND, F_DIGEST, F_SIG, F_CHAIN, F_CHAIN_ID, F_ADDRESS,
	F_COUNT
};
static const char *const mark_fields[F_COUNT] = {
	"network", "key", "kind", "level", "round", "digest", "signature", "chain", "chain_id",
	"address",
};

/* One field of a mark into e (or the labels); -1 when its value is wrong. */
static int
read_field(int f, json_t *v, struct wm_json_entry *e, struct wm_json_label *l)
{
	struct wm_mark *m = &e->mark;
	json_int_t x;
	size_t n;

	switch (f) {
	case F_NETWORK: return get_hex(v, e->id.chain_id, 4, 4, &n);
	case F_KEY: return get_hex(v, e->id.key, CHAIN_KEY_ID_LEN, CHAIN_KEY_ID_LEN, &n);
	case F_KIND: return get_kind(v, &e->id.kind);
	case F_LEVEL:
	case F_ROUND:
		if (get_int(v, INT32_MIN, INT32_MAX, &x) != 0)
			return -1;
		*(f == F_LEVEL ? &m->level : &m->round) = (int32_t)x;
		return 0;
	case F_DIGEST:
		m->has_digest = true;
		return get_hex(v, m->digest, 32, 32, &n);
	case F_SIG:
		if (get_hex(v, m->sig, 1, sizeof(m->sig), &n) != 0)
			return -1;
		m->sig_len = n;
		return 0;
	case F_CHAIN: return get_label(v, l->chain, sizeof(l->chain));
	case F_CHAIN_ID: return get_label(v, l->chain_id, sizeof(l->chain_id));
	default: return get_label(v, l->address, sizeof(l->address));
	}
}

static const char *const field_wants[F_COUNT] = {
	"is not 4 bytes of hex", "is not 21 bytes of hex",
	"is not block, preattestation, attestation or a class number 0..2",
	"is not a 32-bit integer", "is not a 32-bit integer", "is not 32 bytes of hex",
	"is not 1 to 96 bytes of hex", "is not a short string", "is not a short string",
	"is not a short string",
};

static int
read_mark(struct rd *r, size_t i, json_t *o, struct wm_json_entry *e)
{
	struct wm_json_label l;
	bool have[F_COUNT] = {false};
	char where[48], at[80];
	const char *k;
	json_t *v;

	memset(e, 0, sizeof(*e));
	memset(&l, 0, sizeof(l));
	snprintf(where, sizeof(where), "marks[%zu]", i);
	if (!json_is_object(o))
		return rd_fail(r, SIGIL_E_INVALID, where, "not an object");
	json_object_foreach(o, k, v) {
		int f = 0;
		while (f < F_COUNT && strcmp(k, mark_fields[f]) != 0)
			f++;
		if (f == F_COUNT)
			return rd_fail(r, SIGIL_E_INVALID, where, "unknown field \"%.40s\"", k);
		snprintf(at, sizeof(at), "%s.%s", where, mark_fields[f]);
		if (read_field(f, v, e, &l) != 0)
			return rd_fail(r, SIGIL_E_INVALID, at, "%s", field_wants[f]);
		have[f] = true;
	}
	for (int f = F_NETWORK; f <= F_ROUND; f++)
		if (!have[f]) {
			snprintf(at, sizeof(at), "%s.%s", where, mark_fields[f]);
			return rd_fail(r, SIGIL_E_INVALID, at, "missing");
		}
	/* A stored signature is handed back for an identical request, which
	 * the digest identifies: one without the other cannot be used. */
	if (have[F_SIG] && !have[F_DIGEST])
		return rd_fail(r, SIGIL_E_INVALID, where, "a signature without its digest");
	return check_labels(r, where, &e->id, &l);
}

static int
read_marks(struct rd *r, json_t *marks, struct wm_json_list *l)
{
	struct wm_json_entry e;
	int rc;

	if (!json_is_array(marks))
		return rd_fail(r, SIGIL_E_INVALID, "marks", "not an array");
	if (json_array_size(marks) > WM_JSON_MAX_MARKS)
		return rd_fail(r, SIGIL_E_TOO_BIG, "marks", "more than %u marks", WM_JSON_MAX_MARKS);
	for (size_t i = 0; i < json_array_size(marks); i++) {
		if ((rc = read_mark(r, i, json_array_get(marks, i), &e)) != 0)
			return rc;
		if ((rc = wm_json_push(l, &e.id, &e.mark)) != 0)
			return rd_fail(r, rc, "marks", "%s", sigil_strerror(rc));
	}
	wm_json_sort(l);
	for (size_t i = 1; i < l->n; i++)
		if (wm_json_id_cmp(&l->v[i - 1].id, &l->v[i].id) == 0) {
			char net[9], key[2 * CHAIN_KEY_ID_LEN + 1];
			if (hex_encode(l->v[i].id.chain_id, 4, net, sizeof(net)) != 0 ||
			    hex_encode(l->v[i].id.key, CHAIN_KEY_ID_LEN, key, sizeof(key)) != 0)
				return SIGIL_E_INTERNAL;
			return rd_fail(r, SIGIL_E_INVALID, "marks", "network %s, key %s, kind %s twice",
			               net, key, wm_json_kind_name((unsigned)l->v[i].id.kind));
		}
	return 0;
}

/* format and version first, so that another document or a later version
 * is named as such rather than as a field this reader does not know. */
static int
read_head(struct rd *r, json_t *root)
{
	const char *k;
	json_t *v, *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
	json_int_t n;

	if (fmt == NULL)
		return rd_fail(r, SIGIL_E_INVALID, "format", "missing: not a %s document",
		               WM_JSON_FORMAT);
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), WM_JSON_FORMAT) != 0)
		return rd_fail(r, SIGIL_E_UNSUPPORTED, "format", "not %s", WM_JSON_FORMAT);
	if (ver == NULL || get_int(ver, 0, INT_MAX, &n) != 0)
		return rd_fail(r, SIGIL_E_INVALID, "version", "missing or not a number");
	if (n != WM_JSON_VERSION)
		return rd_fail(r, SIGIL_E_UNSUPPORTED, "version", "%lld: this sigil reads version %d",
		               (long long)n, WM_JSON_VERSION);
	json_object_foreach(root, k, v)
		if (strcmp(k, "format") != 0 && strcmp(k, "version") != 0 && strcmp(k, "marks") != 0)
			return rd_fail(r, SIGIL_E_INVALID, "document", "unknown field \"%.40s\"", k);
	if (json_object_get(root, "marks") == NULL)
		return rd_fail(r, SIGIL_E_INVALID, "marks", "missing");
	return 0;
}

int
wm_json_read(const char *buf, size_t len, wm_json_labeller lab, void *arg,
             struct wm_json_list *out, char *err, size_t errlen)
{
	struct rd r = {.err = err, .errlen = errlen, .lab = lab, .arg = arg};
	struct wm_json_list l = {0};
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	if (len > WM_JSON_MAX_BYTES)
		return rd_fail(&r, SIGIL_E_TOO_BIG, "document", "over %u bytes", WM_JSON_MAX_BYTES);
	/* Duplicate keys refused: a second "level" must not quietly win. */
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return rd_fail(&r, json_error_code(&je) == json_error_premature_end_of_input
		                           ? SIGIL_E_INCOMPLETE : SIGIL_E_INVALID,
		               "document", "not JSON (line %d, column %d: %s)", je.line, je.column,
		               je.text);
	if (!json_is_object(root))
		rc = rd_fail(&r, SIGIL_E_INVALID, "document", "not a JSON object");
	else if ((rc = read_head(&r, root)) == 0)
		rc = read_marks(&r, json_object_get(root, "marks"), &l);
	json_decref(root);
	if (rc != 0) {
		wm_json_list_free(&l);
		return rc;
	}
	*out = l;
	return 0;
}
