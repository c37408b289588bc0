/* The key holder's replies in CBOR (proto.h): {"Ok": what the op gives}
 * or {"Err": {"message": text}}. sigild's client decodes them with the
 * same care the holder gives requests: a reply of the wrong shape is
 * refused, not half read. */
#include "enclave/proto.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "enclave/proto_impl.h"

/* What each op's Ok carries: one PublicKey or Signature map, or a map of
 * named fields (Initialize's has none). */
enum {
	REPLY_PK = 1,
	REPLY_SIG = 2,
	REPLY_FIELDS = 4,
	REPLY_BLOB = 8,
	REPLY_HANDLE = 16,
};

static unsigned
reply_shape(enum enclave_op op)
{
	switch (op) {
	case ENCLAVE_INITIALIZE:
		return REPLY_FIELDS;
	case ENCLAVE_IMPORT:
		return REPLY_FIELDS | REPLY_PK | REPLY_HANDLE;
	case ENCLAVE_IMPORT_UNENCRYPTED:
	case ENCLAVE_GENERATE_AND_IMPORT:
		return REPLY_FIELDS | REPLY_BLOB | REPLY_PK | REPLY_HANDLE;
	case ENCLAVE_GENERATE:
		return REPLY_FIELDS | REPLY_BLOB | REPLY_PK;
	case ENCLAVE_SIGN:
	case ENCLAVE_SIGN_WITH:
	case ENCLAVE_PROVE_POSSESSION:
		return REPLY_SIG;
	case ENCLAVE_PUBLIC_KEY:
	case ENCLAVE_PUBLIC_KEY_FROM:
		return REPLY_PK;
	case ENCLAVE_OP_NONE:
		break;
	}
	return 0;
}

/* An Err carries nothing of its op: it may answer a request that did not
 * decode, and so has none (ENCLAVE_OP_NONE). An Ok needs a known op. */
static bool
reply_op_ok(enum enclave_op op, bool ok)
{
	return reply_shape(op) != 0 || (!ok && op == ENCLAVE_OP_NONE);
}

/* Ok's map of named fields; other keys are ignored, as in requests. */
static int
ok_fields(unsigned shape, const cbor_item_t *v, const char *what, struct enclave_reply *r,
          struct proto_err *e)
{
	static const unsigned need[] = {REPLY_BLOB, REPLY_PK, REPLY_HANDLE};
	struct proto_field f[] = {{"encrypted_private_key", NULL}, {"public_key", NULL}, {"handle", NULL}};
	char sub[3][64];
	int rc;

	if ((rc = proto_fields(v, what, f, (shape & ~REPLY_FIELDS) ? 3 : 0, e)) != 0)
		return rc;
	for (size_t i = 0; i < 3; i++) {
		if (!(shape & need[i]))
			continue;
		if (f[i].v == NULL)
			return proto_fail(e, SIGIL_E_INVALID, "%s: missing \"%s\"", what, f[i].name);
		rc = snprintf(sub[i], sizeof(sub[i]), "%s.%s", what, f[i].name);
		if (rc < 0 || (size_t)rc >= sizeof(sub[i]))
			return SIGIL_E_INTERNAL;
	}
	if ((shape & REPLY_BLOB) &&
	    (rc = proto_get_bytes(f[0].v, sub[0], r->blob, 1, ENCLAVE_BLOB_MAX, &r->blob_len, e)) != 0)
		return rc;
	if ((shape & REPLY_PK) && (rc = proto_get_keyed(f[1].v, sub[1], PROTO_PUBLIC_KEY, &r->key_type,
	                                                r->pk, &r->pk_len, e)) != 0)
		return rc;
	if ((shape & REPLY_HANDLE) && (rc = proto_get_uint(f[2].v, sub[2], &r->handle, e)) != 0)
		return rc;
	r->has_blob = (shape & REPLY_BLOB) != 0;
	r->has_public_key = (shape & REPLY_PK) != 0;
	r->has_handle = (shape & REPLY_HANDLE) != 0;
	return 0;
}

static int
ok_decode(enum enclave_op op, const cbor_item_t *v, struct enclave_reply *r, struct proto_err *e)
{
	unsigned shape = reply_shape(op);
	char what[48];
	int rc;

	rc = snprintf(what, sizeof(what), "%s.Ok", enclave_op_name(op));
	if (rc < 0 || (size_t)rc >= sizeof(what))
		return SIGIL_E_INTERNAL;
	if (shape & REPLY_FIELDS)
		return ok_fields(shape, v, what, r, e);
	if (shape & REPLY_SIG) {
		rc = proto_get_keyed(v, what, PROTO_SIGNATURE, &r->key_type, r->sig, &r->sig_len, e);
		r->has_sig = rc == 0;
	} else {
		rc = proto_get_keyed(v, what, PROTO_PUBLIC_KEY, &r->key_type, r->pk, &r->pk_len, e);
		r->has_public_key = rc == 0;
	}
	return rc;
}

static int
err_decode(const cbor_item_t *v, struct enclave_reply *r, struct proto_err *e)
{
	struct proto_field f[] = {{"message", NULL}};
	size_t n, cut;
	int rc;

	if ((rc = proto_fields(v, "Err", f, 1, e)) != 0)
		return rc;
	if (f[0].v == NULL)
		return proto_fail(e, SIGIL_E_INVALID, "Err: missing \"message\"");
	if (!cbor_isa_string(f[0].v))
		return proto_fail(e, SIGIL_E_INVALID, "Err.message: expected a text string (got %s)",
		                  proto_type_name(f[0].v));
	n = proto_str_read(f[0].v, (uint8_t *)r->message, sizeof(r->message));
	cut = n < sizeof(r->message) ? n : sizeof(r->message) - 1;
	/* A long message is cut where a character starts, so that what is
	 * kept is still UTF-8 (the scan saw that the whole was). */
	while (cut < n && cut > 0 && ((uint8_t)r->message[cut] & 0xc0) == 0x80)
		cut--;
	r->message[cut] = '\0';
	return 0;
}

int
enclave_reply_decode(enum enclave_op op, const uint8_t *buf, size_t len, struct enclave_reply *r,
                     char *err, size_t errlen)
{
	struct proto_err e = {err, errlen};
	char name[PROTO_NAME_MAX + 1];
	const cbor_item_t *v;
	cbor_item_t *root = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (!reply_op_ok(op, false))
		return proto_fail(&e, SIGIL_E_INVALID, "a reply to no known request");
	if ((rc = proto_load(buf, len, &root, &e)) != 0 ||
	    (rc = proto_single(root, "reply", name, &v, &e)) != 0)
		goto out;
	if (strcmp(name, "Ok") == 0 && !reply_op_ok(op, true)) {
		rc = proto_fail(&e, SIGIL_E_INVALID, "reply: an Ok to no known request");
	} else if (strcmp(name, "Ok") == 0) {
		r->ok = true;
		rc = ok_decode(op, v, r, &e);
	} else if (strcmp(name, "Err") == 0) {
		rc = err_decode(v, r, &e);
	} else {
		rc = proto_fail(&e, SIGIL_E_INVALID, "reply: expected \"Ok\" or \"Err\"");
	}
out:
	proto_free(root);
	if (rc != 0)
		sodium_memzero(r, sizeof(*r));
	return rc;
}

static int
reply_check(enum enclave_op op, const struct enclave_reply *r)
{
	unsigned shape = reply_shape(op);
	bool typed = (unsigned)r->key_type < SIGIL_KEY_TYPES;

	if (!reply_op_ok(op, r->ok))
		return SIGIL_E_INVALID;
	if (!r->ok)
		return 0;
	if ((shape & REPLY_PK) &&
	    (!r->has_public_key || !typed || r->pk_len != proto_pk_len(r->key_type)))
		return SIGIL_E_INVALID;
	if ((shape & REPLY_SIG) && (!r->has_sig || !typed || r->sig_len != proto_sig_len(r->key_type)))
		return SIGIL_E_INVALID;
	if ((shape & REPLY_HANDLE) && !r->has_handle)
		return SIGIL_E_INVALID;
	if ((shape & REPLY_BLOB) &&
	    (!r->has_blob || r->blob_len == 0 || r->blob_len > ENCLAVE_BLOB_MAX))
		return SIGIL_E_INVALID;
	return 0;
}

struct reply_arg {
	enum enclave_op op;
	const struct enclave_reply *r;
};

static void
put_err(struct proto_w *w, const char *msg)
{
	char clean[ENCLAVE_ERR_MAX];
	size_t n = strnlen(msg, sizeof(clean));

	proto_w_map(w, 1);
	proto_w_str(w, "message");
	if (proto_utf8_ok((const uint8_t *)msg, n)) {
		proto_w_text(w, msg, n);
		return;
	}
	/* A text string must be UTF-8 (the decoder refuses one that is not):
	 * a message that is not keeps its ASCII, the rest becomes '?'. */
	for (size_t i = 0; i < n; i++)
		clean[i] = (uint8_t)msg[i] < 0x80 ? msg[i] : '?';
	proto_w_text(w, clean, n);
}

static void
put_reply(struct proto_w *w, const void *arg)
{
	const struct reply_arg *a = arg;
	const struct enclave_reply *r = a->r;
	unsigned shape = reply_shape(a->op);

	proto_w_map(w, 1);
	if (!r->ok) {
		proto_w_str(w, "Err");
		put_err(w, r->message);
		return;
	}
	proto_w_str(w, "Ok");
	if (shape & REPLY_SIG) {
		proto_w_keyed(w, PROTO_SIGNATURE, r->key_type, r->sig, r->sig_len);
		return;
	}
	if (!(shape & REPLY_FIELDS)) {
		proto_w_keyed(w, PROTO_PUBLIC_KEY, r->key_type, r->pk, r->pk_len);
		return;
	}
	proto_w_map(w, (shape & REPLY_BLOB ? 1u : 0) + (shape & REPLY_PK ? 1u : 0) +
	                   (shape & REPLY_HANDLE ? 1u : 0));
	if (shape & REPLY_BLOB) {
		proto_w_str(w, "encrypted_private_key");
		proto_w_bytes(w, r->blob, r->blob_len);
	}
	if (shape & REPLY_PK) {
		proto_w_str(w, "public_key");
		proto_w_keyed(w, PROTO_PUBLIC_KEY, r->key_type, r->pk, r->pk_len);
	}
	if (shape & REPLY_HANDLE) {
		proto_w_str(w, "handle");
		proto_w_uint(w, r->handle);
	}
}

int
enclave_reply_encode(enum enclave_op op, const struct enclave_reply *r, uint8_t **out,
                     size_t *outlen)
{
	struct reply_arg a = {op, r};
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = reply_check(op, r)) != 0)
		return rc;
	return proto_emit(put_reply, &a, out, outlen);
}
