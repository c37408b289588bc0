/* Private to the key holder's codec (proto.c, proto_reply.c): libcbor
 * behind a few calls that check what they read and say what was wrong.
 *
 * Reading: proto_load refuses, before libcbor builds anything, input that
 * is not exactly one well-formed item, that nests deeper than
 * PROTO_DEPTH_MAX, or that declares more items than it holds (libcbor 0.8
 * allocates a definite array's slots from its header, so eight bytes could
 * ask for gigabytes). The tree it returns is freed with proto_free, which
 * wipes every string in it first: a secret or a passphrase may be one.
 *
 * Writing: a put function writes a whole message through proto_w_*; it is
 * run twice by proto_emit, once to count and once into a buffer of exactly
 * that size, so nothing is reallocated and left behind unwiped. */
#ifndef SIGIL_ENCLAVE_PROTO_IMPL_H
#define SIGIL_ENCLAVE_PROTO_IMPL_H
#include <cbor.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enclave/proto.h"

/* Deep enough for every message of proto.h (three levels) and for the
 * unknown keys Sign ignores; shallow enough to walk recursively. */
#define PROTO_DEPTH_MAX 16
/* The longest map key or name compared (op, key type, scheme, field). */
#define PROTO_NAME_MAX 32

/* Where a decoder writes why it failed; buf may be NULL. */
struct proto_err {
	char *buf;
	size_t len;
};

/* Formats the reason into e (cut to fit: a reason is for people) and
 * returns rc. */
__attribute__((format(printf, 3, 4))) int proto_fail(struct proto_err *e, int rc,
                                                      const char *fmt, ...);

/* "an unsigned integer", "a map", …: what an item is, for messages. */
const char *proto_type_name(const cbor_item_t *v);
/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF
 * (what libcbor 0.8 accepts in a text string). */
bool proto_utf8_ok(const uint8_t *s, size_t n);
/* The text of v (at most PROTO_NAME_MAX bytes shown) into out, printable
 * ASCII only: names the sender chose, fit for an error message. */
void proto_printable(const cbor_item_t *v, char out[static PROTO_NAME_MAX + 4]);

/* Public keys and signatures by key type (proto.h's lengths). */
size_t proto_pk_len(enum sigil_key_type t);
size_t proto_sig_len(enum sigil_key_type t);

/* ---- reading ---- */
__attribute__((warn_unused_result)) int proto_load(const uint8_t *buf, size_t len,
                                                   cbor_item_t **root, struct proto_err *e);
/* Wipes every byte and text string of root, then frees it; NULL is allowed. */
void proto_free(cbor_item_t *root);

/* A byte or text string's length and bytes, chunked or not: proto_str_read
 * copies at most cap bytes and returns the whole length. */
size_t proto_str_len(const cbor_item_t *v);
size_t proto_str_read(const cbor_item_t *v, uint8_t *out, size_t cap);
/* True when v is a text string equal to s. */
bool proto_str_is(const cbor_item_t *v, const char *s);

/* The one entry of a one-entry map whose key is text: the key into name
 * (NUL-terminated; "" when longer than PROTO_NAME_MAX, which names nothing
 * known) and its value. */
int proto_single(const cbor_item_t *v, const char *what, char name[static PROTO_NAME_MAX + 1],
                 const cbor_item_t **value, struct proto_err *e);

/* The values of a map under the text keys f[i].name (NULL when absent).
 * Keys must be text and given once; other keys are ignored. */
struct proto_field {
	const char *name;
	const cbor_item_t *v;
};
int proto_fields(const cbor_item_t *v, const char *what, struct proto_field *f, size_t n,
                 struct proto_err *e);

int proto_get_uint(const cbor_item_t *v, const char *what, uint64_t *out, struct proto_err *e);
/* A byte string of min to max bytes into out (SIGIL_E_TOO_BIG over max). */
int proto_get_bytes(const cbor_item_t *v, const char *what, uint8_t *out, size_t min, size_t max,
                    size_t *len, struct proto_err *e);
/* A byte string of at most max bytes into a malloc'ed *out (NULL when
 * empty and empty is allowed). */
int proto_get_bytes_alloc(const cbor_item_t *v, const char *what, size_t max, bool empty_ok,
                          uint8_t **out, size_t *len, struct proto_err *e);
/* A KeyType text string. */
int proto_get_key_type(const cbor_item_t *v, const char *what, enum sigil_key_type *t,
                       struct proto_err *e);

/* {KeyType: bytes}: a public key, a signature or a secret (32 bytes; a
 * BLS scalar is reversed into sigil's little-endian order). */
enum proto_keyed {
	PROTO_PUBLIC_KEY,
	PROTO_SIGNATURE,
	PROTO_SECRET,
};
int proto_get_keyed(const cbor_item_t *v, const char *what, enum proto_keyed kind,
                    enum sigil_key_type *t, uint8_t *out, size_t *len, struct proto_err *e);

/* ---- writing ---- */
struct proto_w {
	uint8_t *p; /* NULL while counting */
	size_t len, cap;
};
void proto_w_raw(struct proto_w *w, const void *s, size_t n);
void proto_w_uint(struct proto_w *w, uint64_t v);
void proto_w_map(struct proto_w *w, size_t pairs);
void proto_w_bytes(struct proto_w *w, const uint8_t *p, size_t n);
void proto_w_text(struct proto_w *w, const char *s, size_t n);
/* A NUL-terminated text string. */
void proto_w_str(struct proto_w *w, const char *s);
/* {KeyType: bytes}; a BLS secret written reversed (big-endian on the wire). */
void proto_w_keyed(struct proto_w *w, enum proto_keyed kind, enum sigil_key_type t,
                   const uint8_t *p, size_t n);

typedef void proto_put_fn(struct proto_w *w, const void *arg);
/* put's message in a malloc'ed buffer of exactly its size (the caller
 * wipes and frees it). */
__attribute__((warn_unused_result)) int proto_emit(proto_put_fn *put, const void *arg,
                                                   uint8_t **out, size_t *outlen);

#endif
