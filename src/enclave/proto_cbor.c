/* libcbor behind the key holder's codec (proto_impl.h): the checks on
 * what was read, and the writer. */
#include "enclave/proto_impl.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"

int
proto_fail(struct proto_err *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e != NULL && e->buf != NULL && e->len > 0) {
		va_start(ap, fmt);
		/* Cut to fit is fine: the reason is for people, rc is the verdict. */
		(void)vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *
proto_type_name(const cbor_item_t *v)
{
	switch (cbor_typeof(v)) {
	case CBOR_TYPE_UINT: return "an unsigned integer";
	case CBOR_TYPE_NEGINT: return "a negative integer";
	case CBOR_TYPE_BYTESTRING: return "a byte string";
	case CBOR_TYPE_STRING: return "a text string";
	case CBOR_TYPE_ARRAY: return "an array";
	case CBOR_TYPE_MAP: return "a map";
	case CBOR_TYPE_TAG: return "a tagged item";
	case CBOR_TYPE_FLOAT_CTRL: break;
	}
	return "a float or a simple value";
}

bool
proto_utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1, cp = c & 0x1fu, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, cp = c & 0x0fu, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, cp = c & 0x07u, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

void
proto_printable(const cbor_item_t *v, char out[static PROTO_NAME_MAX + 4])
{
	uint8_t b[PROTO_NAME_MAX];
	size_t n = proto_str_read(v, b, sizeof(b)), k = n < sizeof(b) ? n : sizeof(b);

	for (size_t i = 0; i < k; i++)
		out[i] = b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\' ? (char)b[i] : '?';
	memcpy(out + k, n > k ? "..." : "", n > k ? 4 : 1);
}

size_t
proto_pk_len(enum sigil_key_type t)
{
	static const size_t len[SIGIL_KEY_TYPES] = {
		[SIGIL_KEY_ED25519] = 32, [SIGIL_KEY_SECP256K1] = 33,
		[SIGIL_KEY_P256] = 33,    [SIGIL_KEY_BLS] = SIGIL_BLS_PK_LEN,
		[SIGIL_KEY_SR25519] = 32,
	};
	return (unsigned)t < SIGIL_KEY_TYPES ? len[t] : 0;
}

size_t
proto_sig_len(enum sigil_key_type t)
{
	if ((unsigned)t >= SIGIL_KEY_TYPES)
		return 0;
	return t == SIGIL_KEY_BLS ? SIGIL_BLS_SIG_LEN : 64;
}

/* ---- strings ---- */

/* The definite pieces of a string: itself, or its chunks. */
static size_t
str_pieces(const cbor_item_t *v)
{
	if (cbor_isa_bytestring(v))
		return cbor_bytestring_is_definite(v) ? 1 : cbor_bytestring_chunk_count(v);
	if (cbor_isa_string(v))
		return cbor_string_is_definite(v) ? 1 : cbor_string_chunk_count(v);
	return 0;
}

static const uint8_t *
str_piece(const cbor_item_t *v, size_t i, size_t *n)
{
	if (cbor_isa_bytestring(v)) {
		if (!cbor_bytestring_is_definite(v))
			v = cbor_bytestring_chunks_handle(v)[i];
		*n = cbor_bytestring_length(v);
		return cbor_bytestring_handle(v);
	}
	if (!cbor_string_is_definite(v))
		v = cbor_string_chunks_handle(v)[i];
	*n = cbor_string_length(v);
	return cbor_string_handle(v);
}

size_t
proto_str_len(const cbor_item_t *v)
{
	size_t total = 0, n;

	for (size_t i = 0; i < str_pieces(v); i++) {
		(void)str_piece(v, i, &n);
		total += n;
	}
	return total;
}

size_t
proto_str_read(const cbor_item_t *v, uint8_t *out, size_t cap)
{
	size_t total = 0, n;

	for (size_t i = 0; i < str_pieces(v); i++) {
		const uint8_t *p = str_piece(v, i, &n);

		if (n > 0 && p != NULL && total < cap)
			memcpy(out + total, p, n < cap - total ? n : cap - total);
		total += n;
	}
	return total;
}

bool
proto_str_is(const cbor_item_t *v, const char *s)
{
	uint8_t b[PROTO_NAME_MAX];
	size_t n = strlen(s);

	return cbor_isa_string(v) && n <= sizeof(b) && proto_str_len(v) == n &&
	       proto_str_read(v, b, sizeof(b)) == n && memcmp(b, s, n) == 0;
}

/* ---- shapes ---- */

int
proto_single(const cbor_item_t *v, const char *what, char name[static PROTO_NAME_MAX + 1],
             const cbor_item_t **value, struct proto_err *e)
{
	const struct cbor_pair *pair;
	size_t n;

	name[0] = '\0';
	*value = NULL;
	if (!cbor_isa_map(v))
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected a map with one entry (got %s)", what,
		                  proto_type_name(v));
	if (cbor_map_size(v) != 1)
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected a map with one entry (got %zu)",
		                  what, cbor_map_size(v));
	pair = cbor_map_handle(v);
	if (!cbor_isa_string(pair->key))
		return proto_fail(e, SIGIL_E_INVALID, "%s: the key is not a text string (got %s)", what,
		                  proto_type_name(pair->key));
	n = proto_str_len(pair->key);
	/* A NUL inside would make "Sign\0x" read as "Sign". */
	if (n <= PROTO_NAME_MAX && proto_str_read(pair->key, (uint8_t *)name, n) == n &&
	    memchr(name, '\0', n) == NULL)
		name[n] = '\0';
	else
		name[0] = '\0';
	*value = pair->value;
	return 0;
}

int
proto_fields(const cbor_item_t *v, const char *what, struct proto_field *f, size_t n,
             struct proto_err *e)
{
	const struct cbor_pair *pair;

	for (size_t i = 0; i < n; i++)
		f[i].v = NULL;
	if (!cbor_isa_map(v))
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected a map (got %s)", what,
		                  proto_type_name(v));
	pair = cbor_map_handle(v);
	for (size_t j = 0; j < cbor_map_size(v); j++) {
		if (!cbor_isa_string(pair[j].key))
			return proto_fail(e, SIGIL_E_INVALID, "%s: a key is not a text string (got %s)",
			                  what, proto_type_name(pair[j].key));
		for (size_t i = 0; i < n; i++) {
			if (!proto_str_is(pair[j].key, f[i].name))
				continue;
			if (f[i].v != NULL)
				return proto_fail(e, SIGIL_E_INVALID, "%s.%s: given twice", what,
				                  f[i].name);
			f[i].v = pair[j].value;
			break;
		}
	}
	return 0;
}

int
proto_get_uint(const cbor_item_t *v, const char *what, uint64_t *out, struct proto_err *e)
{
	*out = 0;
	if (!cbor_isa_uint(v))
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected an unsigned integer (got %s)", what,
		                  proto_type_name(v));
	*out = cbor_get_int(v);
	return 0;
}

/* A byte string, or one tagged as an array of uint8 (RFC 8746, tag 64),
 * which is the same bytes: cbor-x writes a Uint8Array so. */
#define PROTO_TAG_UINT8_ARRAY 64

static const cbor_item_t *
untag_bytes(const cbor_item_t *v)
{
	cbor_item_t *inner;

	if (!cbor_isa_tag(v) || cbor_tag_value((cbor_item_t *)v) != PROTO_TAG_UINT8_ARRAY)
		return v;
	/* A new reference, given back at once: v keeps the item alive. */
	inner = cbor_tag_item((cbor_item_t *)v);
	{
		cbor_item_t *ref = inner;
		cbor_decref(&ref);
	}
	return cbor_isa_bytestring(inner) ? inner : v;
}

static int
bytes_len(const cbor_item_t *v, const char *what, size_t min, size_t max, size_t *len,
          struct proto_err *e)
{
	*len = 0;
	v = untag_bytes(v);
	if (!cbor_isa_bytestring(v))
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected a byte string (got %s)", what,
		                  proto_type_name(v));
	*len = proto_str_len(v);
	if (min == max && *len != min)
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected %zu bytes (got %zu)", what, min,
		                  *len);
	if (*len > max)
		return proto_fail(e, SIGIL_E_TOO_BIG, "%s: %zu bytes, over the ceiling of %zu", what,
		                  *len, max);
	if (*len < min)
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected at least %zu bytes (got %zu)",
		                  what, min, *len);
	return 0;
}

int
proto_get_bytes(const cbor_item_t *v, const char *what, uint8_t *out, size_t min, size_t max,
                size_t *len, struct proto_err *e)
{
	int rc = bytes_len(v, what, min, max, len, e);

	if (rc != 0) {
		*len = 0;
		return rc;
	}
	(void)proto_str_read(untag_bytes(v), out, *len);
	return 0;
}

int
proto_get_bytes_alloc(const cbor_item_t *v, const char *what, size_t max, bool empty_ok,
                      uint8_t **out, size_t *len, struct proto_err *e)
{
	int rc = bytes_len(v, what, empty_ok ? 0 : 1, max, len, e);

	*out = NULL;
	if (rc != 0 || *len == 0) {
		*len = 0;
		return rc;
	}
	if ((*out = malloc(*len)) == NULL) {
		*len = 0;
		return proto_fail(e, SIGIL_E_NOMEM, "%s: out of memory", what);
	}
	(void)proto_str_read(untag_bytes(v), *out, *len);
	return 0;
}

/* The key type a text item names. */
static int
key_type_of(const cbor_item_t *v, const char *what, enum sigil_key_type *t, struct proto_err *e)
{
	uint8_t b[PROTO_NAME_MAX];
	size_t n = proto_str_len(v);
	char shown[PROTO_NAME_MAX + 4];
	int k = -1;

	if (n <= sizeof(b) && proto_str_read(v, b, sizeof(b)) == n)
		k = enclave_key_type_from_name((const char *)b, n);
	if (k < 0) {
		proto_printable(v, shown);
		return proto_fail(e, SIGIL_E_INVALID, "%s: unknown key type \"%s\"", what, shown);
	}
	*t = (enum sigil_key_type)k;
	return 0;
}

int
proto_get_key_type(const cbor_item_t *v, const char *what, enum sigil_key_type *t,
                   struct proto_err *e)
{
	if (!cbor_isa_string(v))
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected a key type (got %s)", what,
		                  proto_type_name(v));
	return key_type_of(v, what, t, e);
}

int
proto_get_keyed(const cbor_item_t *v, const char *what, enum proto_keyed kind,
                enum sigil_key_type *t, uint8_t *out, size_t *len, struct proto_err *e)
{
	const struct cbor_pair *pair;
	size_t want;
	char sub[96];
	int rc;

	*len = 0;
	if (!cbor_isa_map(v) || cbor_map_size(v) != 1)
		return proto_fail(e, SIGIL_E_INVALID,
		                  "%s: expected a map from one key type to bytes (got %s%s)", what,
		                  proto_type_name(v), cbor_isa_map(v) ? " of another size" : "");
	pair = cbor_map_handle(v);
	if (!cbor_isa_string(pair->key))
		return proto_fail(e, SIGIL_E_INVALID, "%s: the key type is not a text string (got %s)",
		                  what, proto_type_name(pair->key));
	if ((rc = key_type_of(pair->key, what, t, e)) != 0)
		return rc;
	want = kind == PROTO_PUBLIC_KEY ? proto_pk_len(*t)
	       : kind == PROTO_SIGNATURE ? proto_sig_len(*t)
	                                 : SIGIL_SECRET_LEN;
	rc = snprintf(sub, sizeof(sub), "%s.%s", what, enclave_key_type_name(*t));
	if (rc < 0 || (size_t)rc >= sizeof(sub))
		snprintf(sub, sizeof(sub), "%s", "key");
	if ((rc = proto_get_bytes(pair->value, sub, out, want, want, len, e)) != 0)
		return rc;
	/* The wire has a BLS scalar big-endian; sigil keeps it little-endian. */
	if (kind == PROTO_SECRET && *t == SIGIL_KEY_BLS) {
		for (size_t i = 0; i < want / 2; i++) {
			uint8_t c = out[i];
			out[i] = out[want - 1 - i];
			out[want - 1 - i] = c;
		}
	}
	return 0;
}

/* ---- writing ---- */

void
proto_w_raw(struct proto_w *w, const void *s, size_t n)
{
	if (n == 0)
		return;
	/* Past cap nothing is written; proto_emit sees the count differ. */
	if (w->p != NULL && w->len <= w->cap && n <= w->cap - w->len)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

void
proto_w_uint(struct proto_w *w, uint64_t v)
{
	unsigned char h[9];
	proto_w_raw(w, h, cbor_encode_uint(v, h, sizeof(h)));
}

void
proto_w_map(struct proto_w *w, size_t pairs)
{
	unsigned char h[9];
	proto_w_raw(w, h, cbor_encode_map_start(pairs, h, sizeof(h)));
}

void
proto_w_bytes(struct proto_w *w, const uint8_t *p, size_t n)
{
	unsigned char h[9];
	proto_w_raw(w, h, cbor_encode_bytestring_start(n, h, sizeof(h)));
	proto_w_raw(w, p, n);
}

void
proto_w_text(struct proto_w *w, const char *s, size_t n)
{
	unsigned char h[9];
	proto_w_raw(w, h, cbor_encode_string_start(n, h, sizeof(h)));
	proto_w_raw(w, s, n);
}

void
proto_w_str(struct proto_w *w, const char *s)
{
	proto_w_text(w, s, strlen(s));
}

void
proto_w_keyed(struct proto_w *w, enum proto_keyed kind, enum sigil_key_type t, const uint8_t *p,
              size_t n)
{
	unsigned char h[9];

	proto_w_map(w, 1);
	proto_w_str(w, enclave_key_type_name(t));
	if (kind != PROTO_SECRET || t != SIGIL_KEY_BLS) {
		proto_w_bytes(w, p, n);
		return;
	}
	/* Byte by byte, so that no reversed copy of the secret is left. */
	proto_w_raw(w, h, cbor_encode_bytestring_start(n, h, sizeof(h)));
	for (size_t i = 0; i < n; i++)
		proto_w_raw(w, p + n - 1 - i, 1);
}

int
proto_emit(proto_put_fn *put, const void *arg, uint8_t **out, size_t *outlen)
{
	struct proto_w w = {0};

	*out = NULL;
	*outlen = 0;
	put(&w, arg);
	if ((w.p = malloc(w.len ? w.len : 1)) == NULL)
		return SIGIL_E_NOMEM;
	w.cap = w.len;
	w.len = 0;
	put(&w, arg);
	if (w.len != w.cap) {
		sodium_memzero(w.p, w.cap);
		free(w.p);
		return SIGIL_E_INTERNAL;
	}
	*out = w.p;
	*outlen = w.len;
	return 0;
}
