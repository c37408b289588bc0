/* Reading CBOR for the key holder's codec (proto_impl.h): the scan that
 * bounds what libcbor may build, cbor_load, and the wipe before free. */
#include "enclave/proto_impl.h"

#include <sodium.h>
#include <string.h>

#include "base/errors.h"

/* libcbor's streaming decoder walks the input item by item without
 * building anything; a stack of what each open level still expects tells
 * when the root item ends and how many items are promised. Every promised
 * item takes at least one byte, so a header that promises more than the
 * bytes left is refused before libcbor's builder allocates for it. The
 * scan also refuses what the builder would refuse after copying strings
 * (a stray break, a chunk of the wrong type, text that is not UTF-8), so
 * that cbor_load fails only for want of memory and never frees a partly
 * built tree, and the strings in it, unwiped. */

enum scan_kind {
	SCAN_LEAF,    /* an item that holds no other (strings' chunks too) */
	SCAN_COUNTED, /* a definite array or map, or a tag: `left` items to come */
	SCAN_ARRAY,   /* an indefinite array */
	SCAN_MAP,     /* an indefinite map: `left` is 1 between key and value */
	SCAN_BYTES,   /* an indefinite byte string: byte string chunks */
	SCAN_TEXT,    /* an indefinite text string: text chunks */
};

struct proto_scan {
	struct {
		enum scan_kind kind;
		uint64_t left;
	} lv[PROTO_DEPTH_MAX];
	unsigned depth;
	uint64_t pending; /* items the counted levels still expect */
	size_t room;      /* bytes from the item being decoded to the end */
	bool done;        /* the root item is complete */
	const char *bad;
};

/* An item ended: it counts toward its level, which may end in turn. */
static void
scan_end(struct proto_scan *s)
{
	while (s->depth > 0) {
		enum scan_kind k = s->lv[s->depth - 1].kind;

		if (k == SCAN_MAP)
			s->lv[s->depth - 1].left ^= 1;
		if (k != SCAN_COUNTED)
			return;
		s->pending--;
		if (--s->lv[s->depth - 1].left > 0)
			return;
		s->depth--;
	}
	s->done = true;
}

/* May an item of kind k start here? Inside an indefinite string only a
 * definite chunk of its own type may. */
static bool
scan_may(struct proto_scan *s, enum scan_kind k)
{
	enum scan_kind top = s->depth ? s->lv[s->depth - 1].kind : SCAN_LEAF;

	if (s->bad != NULL)
		return false;
	if ((top == SCAN_BYTES || top == SCAN_TEXT) && k != top) {
		s->bad = "an indefinite string holds something other than chunks of its type";
		return false;
	}
	return true;
}

static void
scan_leaf(struct proto_scan *s, enum scan_kind chunk)
{
	if (scan_may(s, chunk))
		scan_end(s);
}

static void
scan_open(struct proto_scan *s, enum scan_kind k, uint64_t left)
{
	if (!scan_may(s, SCAN_LEAF))
		return;
	if (k == SCAN_COUNTED && left > s->room) {
		s->bad = "truncated CBOR (a header promises more items than follow)";
		return;
	}
	if (k == SCAN_COUNTED && left == 0) {
		scan_end(s);
		return;
	}
	if (s->depth == PROTO_DEPTH_MAX) {
		s->bad = "CBOR nested too deeply";
		return;
	}
	s->lv[s->depth].kind = k;
	s->lv[s->depth].left = k == SCAN_COUNTED ? left : 0;
	s->depth++;
	if (k == SCAN_COUNTED)
		s->pending += left;
}

static void scan_u8(void *s, uint8_t v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_u16(void *s, uint16_t v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_u32(void *s, uint32_t v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_u64(void *s, uint64_t v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_f(void *s, float v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_d(void *s, double v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_bool(void *s, bool v) { (void)v, scan_leaf(s, SCAN_LEAF); }
static void scan_simple(void *s) { scan_leaf(s, SCAN_LEAF); }

static void
scan_bytes(void *s, cbor_data p, size_t n)
{
	(void)p, (void)n;
	scan_leaf(s, SCAN_BYTES);
}

static void
scan_text(void *ctx, cbor_data p, size_t n)
{
	struct proto_scan *s = ctx;

	if (s->bad == NULL && !proto_utf8_ok(p, n))
		s->bad = "a text string is not UTF-8";
	scan_leaf(s, SCAN_TEXT);
}

static void scan_bytes_start(void *s) { scan_open(s, SCAN_BYTES, 0); }
static void scan_text_start(void *s) { scan_open(s, SCAN_TEXT, 0); }
static void scan_array_start(void *s, size_t n) { scan_open(s, SCAN_COUNTED, n); }
static void scan_indef_array(void *s) { scan_open(s, SCAN_ARRAY, 0); }
static void scan_indef_map(void *s) { scan_open(s, SCAN_MAP, 0); }
static void scan_tag(void *s, uint64_t v) { (void)v, scan_open(s, SCAN_COUNTED, 1); }

static void
scan_map_start(void *ctx, size_t n)
{
	struct proto_scan *s = ctx;

	if (n > s->room) /* and so 2n does not wrap */
		s->bad = "truncated CBOR (a header promises more items than follow)";
	else
		scan_open(s, SCAN_COUNTED, 2 * (uint64_t)n);
}

static void
scan_break(void *ctx)
{
	struct proto_scan *s = ctx;
	enum scan_kind k = s->depth ? s->lv[s->depth - 1].kind : SCAN_COUNTED;

	if (s->bad != NULL)
		return;
	if (k == SCAN_COUNTED || k == SCAN_LEAF)
		s->bad = "a break outside an indefinite item";
	else if (k == SCAN_MAP && s->lv[s->depth - 1].left)
		s->bad = "an indefinite map ends between a key and its value";
	else
		s->depth--, scan_end(s);
}

static const struct cbor_callbacks proto_scan_callbacks = {
	.uint8 = scan_u8,
	.uint16 = scan_u16,
	.uint32 = scan_u32,
	.uint64 = scan_u64,
	.negint8 = scan_u8,
	.negint16 = scan_u16,
	.negint32 = scan_u32,
	.negint64 = scan_u64,
	.byte_string_start = scan_bytes_start,
	.byte_string = scan_bytes,
	.string = scan_text,
	.string_start = scan_text_start,
	.indef_array_start = scan_indef_array,
	.array_start = scan_array_start,
	.indef_map_start = scan_indef_map,
	.map_start = scan_map_start,
	.tag = scan_tag,
	.float2 = scan_f,
	.float4 = scan_f,
	.float8 = scan_d,
	.undefined = scan_simple,
	.null = scan_simple,
	.boolean = scan_bool,
	.indef_break = scan_break,
};

static int
proto_scan(const uint8_t *buf, size_t len, struct proto_err *e)
{
	struct proto_scan s = {0};
	size_t pos = 0;

	while (!s.done) {
		struct cbor_decoder_result res;

		if (pos == len)
			return proto_fail(e, SIGIL_E_INVALID, pos ? "truncated CBOR" : "empty message");
		s.room = len - pos;
		res = cbor_stream_decode(buf + pos, len - pos, &proto_scan_callbacks, &s);
		if (s.bad != NULL)
			return proto_fail(e, SIGIL_E_INVALID, "%s (at byte %zu)", s.bad, pos);
		if (res.status == CBOR_DECODER_NEDATA)
			return proto_fail(e, SIGIL_E_INVALID, "truncated CBOR");
		if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || res.read > len - pos)
			return proto_fail(e, SIGIL_E_INVALID, "malformed CBOR (at byte %zu)", pos);
		pos += res.read;
		/* Each open level's item in progress holds one promised slot
		 * that needs no further byte of its own. */
		if (s.pending > (uint64_t)(len - pos) + s.depth)
			return proto_fail(e, SIGIL_E_INVALID,
			                  "truncated CBOR (a header promises more items than follow)");
	}
	if (pos != len)
		return proto_fail(e, SIGIL_E_INVALID, "%zu bytes after the CBOR item", len - pos);
	return 0;
}

/* Zeroes every string under v. Depth is bounded by the scan. */
static void
proto_wipe(cbor_item_t *v)
{
	switch (cbor_typeof(v)) {
	case CBOR_TYPE_BYTESTRING:
		if (cbor_bytestring_is_definite(v)) {
			if (cbor_bytestring_handle(v) != NULL)
				sodium_memzero(cbor_bytestring_handle(v), cbor_bytestring_length(v));
		} else {
			for (size_t i = 0; i < cbor_bytestring_chunk_count(v); i++)
				proto_wipe(cbor_bytestring_chunks_handle(v)[i]);
		}
		break;
	case CBOR_TYPE_STRING:
		if (cbor_string_is_definite(v)) {
			if (cbor_string_handle(v) != NULL)
				sodium_memzero(cbor_string_handle(v), cbor_string_length(v));
		} else {
			for (size_t i = 0; i < cbor_string_chunk_count(v); i++)
				proto_wipe(cbor_string_chunks_handle(v)[i]);
		}
		break;
	case CBOR_TYPE_ARRAY:
		for (size_t i = 0; i < cbor_array_size(v); i++)
			proto_wipe(cbor_array_handle(v)[i]);
		break;
	case CBOR_TYPE_MAP:
		for (size_t i = 0; i < cbor_map_size(v); i++) {
			proto_wipe(cbor_map_handle(v)[i].key);
			proto_wipe(cbor_map_handle(v)[i].value);
		}
		break;
	case CBOR_TYPE_TAG: {
		cbor_item_t *t = cbor_tag_item(v); /* a new reference */
		proto_wipe(t);
		cbor_decref(&t);
		break;
	}
	default:
		break;
	}
}

void
proto_free(cbor_item_t *root)
{
	if (root == NULL)
		return;
	proto_wipe(root);
	cbor_decref(&root);
}

int
proto_load(const uint8_t *buf, size_t len, cbor_item_t **root, struct proto_err *e)
{
	struct cbor_load_result res;
	int rc;

	*root = NULL;
	if (buf == NULL && len > 0)
		return proto_fail(e, SIGIL_E_INVALID, "no message");
	if ((rc = proto_scan(buf, len, e)) != 0)
		return rc;
	*root = cbor_load(buf, len, &res);
	if (*root != NULL && res.error.code == CBOR_ERR_NONE && res.read == len)
		return 0;
	proto_free(*root);
	*root = NULL;
	if (res.error.code == CBOR_ERR_MEMERROR)
		return proto_fail(e, SIGIL_E_NOMEM, "out of memory decoding CBOR");
	/* Not expected once the scan passed: the fuzzer watches for it. */
	return proto_fail(e, SIGIL_E_INVALID, "CBOR that libcbor refuses (at byte %zu)",
	                  res.error.position);
}
