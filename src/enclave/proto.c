/* The key holder's requests in CBOR (proto.h): names, credentials, and the
 * request codec. The key holder trusts nothing it is sent: every field is
 * checked for its exact type and size, and a secret is wiped wherever
 * libcbor or we held a copy of it. */
#include "enclave/proto.h"

#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "enclave/proto_impl.h"

static const char *const proto_op_names[] = {
	[ENCLAVE_INITIALIZE] = "Initialize",
	[ENCLAVE_IMPORT] = "Import",
	[ENCLAVE_IMPORT_UNENCRYPTED] = "ImportUnencrypted",
	[ENCLAVE_GENERATE] = "Generate",
	[ENCLAVE_GENERATE_AND_IMPORT] = "GenerateAndImport",
	[ENCLAVE_SIGN] = "Sign",
	[ENCLAVE_SIGN_WITH] = "SignWith",
	[ENCLAVE_PUBLIC_KEY] = "PublicKey",
	[ENCLAVE_PUBLIC_KEY_FROM] = "PublicKeyFrom",
	[ENCLAVE_PROVE_POSSESSION] = "ProvePossession",
};
#define PROTO_OPS (sizeof(proto_op_names) / sizeof(proto_op_names[0]))

static const char *const proto_key_names[SIGIL_KEY_TYPES] = {
	[SIGIL_KEY_ED25519] = "Ed25519",
	[SIGIL_KEY_SECP256K1] = "Secp256k1",
	[SIGIL_KEY_P256] = "NistP256",
	[SIGIL_KEY_BLS] = "Bls",
	[SIGIL_KEY_SR25519] = "Sr25519",
};

static const char *const proto_scheme_names[] = {
	[SIGIL_SCHEME_PLAIN] = "plain",
	[SIGIL_SCHEME_BLS_POP] = "bls_pop",
	[SIGIL_SCHEME_BLS_AUG] = "bls_aug",
	[SIGIL_SCHEME_BLS_PROOF] = "bls_proof",
	[SIGIL_SCHEME_BIP340_TAPROOT] = "bip340_taproot",
};
#define PROTO_SCHEMES (sizeof(proto_scheme_names) / sizeof(proto_scheme_names[0]))

const char *
enclave_op_name(enum enclave_op op)
{
	return (unsigned)op < PROTO_OPS ? proto_op_names[op] : NULL;
}

const char *
enclave_key_type_name(enum sigil_key_type t)
{
	return (unsigned)t < SIGIL_KEY_TYPES ? proto_key_names[t] : NULL;
}

int
enclave_key_type_from_name(const char *name, size_t len)
{
	for (int t = 0; name != NULL && t < SIGIL_KEY_TYPES; t++)
		if (strlen(proto_key_names[t]) == len && memcmp(proto_key_names[t], name, len) == 0)
			return t;
	return -1;
}

/* ---- credentials ---- */

const char *
enclave_credentials_get(const struct enclave_credentials *c, const char *key)
{
	size_t n = c->n < ENCLAVE_CRED_MAX ? c->n : ENCLAVE_CRED_MAX;

	for (size_t i = 0; key != NULL && i < n; i++)
		if (strncmp(c->item[i].key, key, sizeof(c->item[i].key)) == 0 &&
		    strlen(key) < sizeof(c->item[i].key))
			return c->item[i].value;
	return NULL;
}

int
enclave_credentials_set(struct enclave_credentials *c, const char *key, const char *value)
{
	size_t klen, vlen, i;

	if (key == NULL || value == NULL)
		return SIGIL_E_INVALID;
	klen = strlen(key);
	vlen = strlen(value);
	if (klen >= sizeof(c->item[0].key) || vlen >= sizeof(c->item[0].value))
		return SIGIL_E_TOO_BIG;
	/* A key given again replaces its value: a map has each key once. */
	for (i = 0; i < c->n && i < ENCLAVE_CRED_MAX; i++)
		if (strcmp(c->item[i].key, key) == 0)
			break;
	if (i == ENCLAVE_CRED_MAX)
		return SIGIL_E_TOO_BIG;
	sodium_memzero(c->item[i].value, sizeof(c->item[i].value));
	memcpy(c->item[i].key, key, klen + 1);
	memcpy(c->item[i].value, value, vlen + 1);
	c->item[i].value_len = vlen;
	if (i == c->n)
		c->n++;
	return 0;
}

/* An array of unsigned integers as "0,7". */
static int
cred_uints(const cbor_item_t *v, const char *key, char *out, size_t cap, size_t *len,
           struct proto_err *e)
{
	size_t n = 0;

	for (size_t i = 0; i < cbor_array_size(v); i++) {
		const cbor_item_t *x = cbor_array_handle(v)[i];
		int k;

		if (!cbor_isa_uint(x))
			return proto_fail(e, SIGIL_E_INVALID,
			                  "Initialize.%s: expected an array of unsigned integers (got %s in it)",
			                  key, proto_type_name(x));
		k = snprintf(out + n, cap - n, "%s%" PRIu64, i ? "," : "", cbor_get_int(x));
		if (k < 0 || (size_t)k >= cap - n)
			return proto_fail(e, SIGIL_E_TOO_BIG, "Initialize.%s: over %zu bytes as text", key,
			                  cap - 1);
		n += (size_t)k;
	}
	*len = n;
	return 0;
}

static int
cred_decode(const cbor_item_t *v, struct enclave_credentials *c, struct proto_err *e)
{
	const struct cbor_pair *pair;
	size_t n;

	if (!cbor_isa_map(v))
		return proto_fail(e, SIGIL_E_INVALID, "Initialize: expected a map of credentials (got %s)",
		                  proto_type_name(v));
	if ((n = cbor_map_size(v)) > ENCLAVE_CRED_MAX)
		return proto_fail(e, SIGIL_E_TOO_BIG, "Initialize: %zu credentials, over the %d allowed",
		                  n, ENCLAVE_CRED_MAX);
	pair = cbor_map_handle(v);
	for (size_t i = 0; i < n; i++) {
		char *key = c->item[i].key, *val = c->item[i].value, shown[PROTO_NAME_MAX + 4];
		const cbor_item_t *x = pair[i].value;
		size_t klen, vlen = 0;
		int rc;

		if (!cbor_isa_string(pair[i].key))
			return proto_fail(e, SIGIL_E_INVALID,
			                  "Initialize: a credential's name is not a text string (got %s)",
			                  proto_type_name(pair[i].key));
		proto_printable(pair[i].key, shown);
		if ((klen = proto_str_len(pair[i].key)) >= sizeof(c->item[i].key))
			return proto_fail(e, SIGIL_E_TOO_BIG, "Initialize.%s: name over %zu bytes", shown,
			                  sizeof(c->item[i].key) - 1);
		(void)proto_str_read(pair[i].key, (uint8_t *)key, klen);
		key[klen] = '\0';
		if (memchr(key, '\0', klen) != NULL)
			return proto_fail(e, SIGIL_E_INVALID, "Initialize.%s: a NUL in the name", shown);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->item[j].key, key) == 0)
				return proto_fail(e, SIGIL_E_INVALID, "Initialize.%s: given twice", shown);
		/* Never the value in a message: it may be a passphrase. */
		if (cbor_isa_string(x) || cbor_isa_bytestring(x)) {
			if ((vlen = proto_str_len(x)) >= sizeof(c->item[i].value))
				return proto_fail(e, SIGIL_E_TOO_BIG, "Initialize.%s: value over %zu bytes",
				                  shown, sizeof(c->item[i].value) - 1);
			(void)proto_str_read(x, (uint8_t *)val, vlen);
		} else if (cbor_isa_uint(x)) {
			vlen = (size_t)snprintf(val, sizeof(c->item[i].value), "%" PRIu64, cbor_get_int(x));
		} else if (cbor_isa_array(x)) {
			if ((rc = cred_uints(x, shown, val, sizeof(c->item[i].value), &vlen, e)) != 0)
				return rc;
		} else {
			return proto_fail(e, SIGIL_E_INVALID,
			                  "Initialize.%s: expected text, bytes, an unsigned integer or an "
			                  "array of them (got %s)",
			                  shown, proto_type_name(x));
		}
		val[vlen] = '\0';
		c->item[i].value_len = vlen;
		c->n = i + 1;
	}
	return 0;
}

/* ---- requests ---- */

static int
scheme_decode(const cbor_item_t *v, const char *what, int *scheme, struct proto_err *e)
{
	char shown[PROTO_NAME_MAX + 4];

	if (!cbor_isa_string(v))
		return proto_fail(e, SIGIL_E_INVALID, "%s: expected a text string (got %s)", what,
		                  proto_type_name(v));
	for (size_t s = 0; s < PROTO_SCHEMES; s++) {
		if (proto_str_is(v, proto_scheme_names[s])) {
			*scheme = (int)s;
			return 0;
		}
	}
	proto_printable(v, shown);
	return proto_fail(e, SIGIL_E_INVALID, "%s: unknown scheme \"%s\"", what, shown);
}

/* Sign's or SignWith's map: handle or encrypted_private_key, message, and
 * optionally version and scheme. Other keys are ignored, as a newer sender
 * may add some. */
static int
sign_decode(const cbor_item_t *v, struct enclave_request *r, struct proto_err *e)
{
	const bool with = r->op == ENCLAVE_SIGN_WITH;
	const char *op = enclave_op_name(r->op);
	struct proto_field f[] = {
		{with ? "encrypted_private_key" : "handle", NULL},
		{"message", NULL},
		{"version", NULL},
		{"scheme", NULL},
	};
	char what[4][48];
	uint64_t version;
	int rc;

	for (size_t i = 0; i < 4; i++) {
		rc = snprintf(what[i], sizeof(what[i]), "%s.%s", op, f[i].name);
		if (rc < 0 || (size_t)rc >= sizeof(what[i]))
			return SIGIL_E_INTERNAL;
	}
	if ((rc = proto_fields(v, op, f, 4, e)) != 0)
		return rc;
	for (size_t i = 0; i < 2; i++)
		if (f[i].v == NULL)
			return proto_fail(e, SIGIL_E_INVALID, "%s: missing \"%s\"", op, f[i].name);
	if (with)
		rc = proto_get_bytes_alloc(f[0].v, what[0], ENCLAVE_BLOB_MAX, false, &r->blob,
		                           &r->blob_len, e);
	else
		rc = proto_get_uint(f[0].v, what[0], &r->handle, e);
	if (rc != 0 || (rc = proto_get_bytes_alloc(f[1].v, what[1], ENCLAVE_MSG_MAX, true, &r->msg,
	                                           &r->msg_len, e)) != 0)
		return rc;
	if (f[2].v != NULL) {
		if ((rc = proto_get_uint(f[2].v, what[2], &version, e)) != 0)
			return rc;
		if (version > UINT_MAX)
			return proto_fail(e, SIGIL_E_INVALID, "%s: %" PRIu64 " is out of range", what[2],
			                  version);
		r->has_version = true;
		r->version = (unsigned)version;
	}
	if (f[3].v != NULL)
		return scheme_decode(f[3].v, what[3], &r->scheme, e);
	return 0;
}

static int
request_value(const cbor_item_t *v, struct enclave_request *r, struct proto_err *e)
{
	const char *op = enclave_op_name(r->op);
	size_t n;

	switch (r->op) {
	case ENCLAVE_INITIALIZE:
		return cred_decode(v, &r->cred, e);
	case ENCLAVE_IMPORT:
	case ENCLAVE_PUBLIC_KEY_FROM:
		return proto_get_bytes_alloc(v, op, ENCLAVE_BLOB_MAX, false, &r->blob, &r->blob_len, e);
	case ENCLAVE_IMPORT_UNENCRYPTED:
		return proto_get_keyed(v, op, PROTO_SECRET, &r->key_type, r->secret, &n, e);
	case ENCLAVE_GENERATE:
	case ENCLAVE_GENERATE_AND_IMPORT:
		return proto_get_key_type(v, op, &r->key_type, e);
	case ENCLAVE_SIGN:
	case ENCLAVE_SIGN_WITH:
		return sign_decode(v, r, e);
	case ENCLAVE_PUBLIC_KEY:
	case ENCLAVE_PROVE_POSSESSION:
		return proto_get_uint(v, op, &r->handle, e);
	case ENCLAVE_OP_NONE:
		break;
	}
	return SIGIL_E_INTERNAL;
}

int
enclave_request_decode(const uint8_t *buf, size_t len, struct enclave_request *r, char *err,
                       size_t errlen)
{
	struct proto_err e = {err, errlen};
	char name[PROTO_NAME_MAX + 1], shown[PROTO_NAME_MAX + 4];
	const cbor_item_t *v;
	cbor_item_t *root = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->scheme = ENCLAVE_SCHEME_TEZOS;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((rc = proto_load(buf, len, &root, &e)) != 0 ||
	    (rc = proto_single(root, "request", name, &v, &e)) != 0)
		goto out;
	for (size_t op = 1; op < PROTO_OPS; op++)
		if (strcmp(name, proto_op_names[op]) == 0)
			r->op = (enum enclave_op)op;
	if (r->op == ENCLAVE_OP_NONE) {
		proto_printable(cbor_map_handle(root)->key, shown);
		rc = proto_fail(&e, SIGIL_E_INVALID, "unknown request \"%s\"", shown);
		goto out;
	}
	rc = request_value(v, r, &e);
out:
	proto_free(root);
	if (rc != 0)
		enclave_request_clear(r);
	return rc;
}

static bool
cred_ok(const struct enclave_credentials *c)
{
	if (c->n > ENCLAVE_CRED_MAX)
		return false;
	for (size_t i = 0; i < c->n; i++) {
		size_t klen = strnlen(c->item[i].key, sizeof(c->item[i].key));

		if (klen == sizeof(c->item[i].key) ||
		    !proto_utf8_ok((const uint8_t *)c->item[i].key, klen) ||
		    c->item[i].value_len >= sizeof(c->item[i].value))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->item[j].key, c->item[i].key) == 0)
				return false;
	}
	return true;
}

/* What put_request may write without checking again. */
static int
request_check(const struct enclave_request *r)
{
	bool blob = false, msg = false, type = false;

	switch (r->op) {
	case ENCLAVE_INITIALIZE:
		return cred_ok(&r->cred) ? 0 : SIGIL_E_INVALID;
	case ENCLAVE_IMPORT:
	case ENCLAVE_PUBLIC_KEY_FROM:
		blob = true;
		break;
	case ENCLAVE_IMPORT_UNENCRYPTED:
	case ENCLAVE_GENERATE:
	case ENCLAVE_GENERATE_AND_IMPORT:
		type = true;
		break;
	case ENCLAVE_SIGN_WITH:
		blob = true;
		/* fall through */
	case ENCLAVE_SIGN:
		msg = true;
		break;
	case ENCLAVE_PUBLIC_KEY:
	case ENCLAVE_PROVE_POSSESSION:
		break;
	default:
		return SIGIL_E_INVALID;
	}
	if (type && (unsigned)r->key_type >= SIGIL_KEY_TYPES)
		return SIGIL_E_INVALID;
	if (blob && (r->blob == NULL || r->blob_len == 0))
		return SIGIL_E_INVALID;
	if (blob && r->blob_len > ENCLAVE_BLOB_MAX)
		return SIGIL_E_TOO_BIG;
	if (msg && r->msg == NULL && r->msg_len > 0)
		return SIGIL_E_INVALID;
	if (msg && r->msg_len > ENCLAVE_MSG_MAX)
		return SIGIL_E_TOO_BIG;
	if (msg && r->scheme != ENCLAVE_SCHEME_TEZOS &&
	    (r->scheme < 0 || (size_t)r->scheme >= PROTO_SCHEMES))
		return SIGIL_E_INVALID;
	return 0;
}

static void
put_request(struct proto_w *w, const void *arg)
{
	const struct enclave_request *r = arg;
	const struct enclave_credentials *c = &r->cred;
	const bool with = r->op == ENCLAVE_SIGN_WITH;

	proto_w_map(w, 1);
	proto_w_str(w, enclave_op_name(r->op));
	switch (r->op) {
	case ENCLAVE_INITIALIZE:
		proto_w_map(w, c->n);
		for (size_t i = 0; i < c->n; i++) {
			const uint8_t *val = (const uint8_t *)c->item[i].value;

			proto_w_str(w, c->item[i].key);
			/* Text as a rule; bytes for what is not UTF-8, which a
			 * text string cannot hold. */
			if (proto_utf8_ok(val, c->item[i].value_len))
				proto_w_text(w, c->item[i].value, c->item[i].value_len);
			else
				proto_w_bytes(w, val, c->item[i].value_len);
		}
		break;
	case ENCLAVE_IMPORT:
	case ENCLAVE_PUBLIC_KEY_FROM:
		proto_w_bytes(w, r->blob, r->blob_len);
		break;
	case ENCLAVE_IMPORT_UNENCRYPTED:
		proto_w_keyed(w, PROTO_SECRET, r->key_type, r->secret, sizeof(r->secret));
		break;
	case ENCLAVE_GENERATE:
	case ENCLAVE_GENERATE_AND_IMPORT:
		proto_w_str(w, enclave_key_type_name(r->key_type));
		break;
	case ENCLAVE_SIGN:
	case ENCLAVE_SIGN_WITH:
		proto_w_map(w, 2 + (r->has_version ? 1 : 0) + (r->scheme != ENCLAVE_SCHEME_TEZOS ? 1 : 0));
		if (with) {
			proto_w_str(w, "encrypted_private_key");
			proto_w_bytes(w, r->blob, r->blob_len);
		} else {
			proto_w_str(w, "handle");
			proto_w_uint(w, r->handle);
		}
		proto_w_str(w, "message");
		proto_w_bytes(w, r->msg, r->msg_len);
		if (r->has_version) {
			proto_w_str(w, "version");
			proto_w_uint(w, r->version);
		}
		if (r->scheme != ENCLAVE_SCHEME_TEZOS) {
			proto_w_str(w, "scheme");
			proto_w_str(w, proto_scheme_names[r->scheme]);
		}
		break;
	case ENCLAVE_PUBLIC_KEY:
	case ENCLAVE_PROVE_POSSESSION:
		proto_w_uint(w, r->handle);
		break;
	case ENCLAVE_OP_NONE:
		break;
	}
}

int
enclave_request_encode(const struct enclave_request *r, uint8_t **out, size_t *outlen)
{
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = request_check(r)) != 0)
		return rc;
	return proto_emit(put_request, r, out, outlen);
}

void
enclave_request_clear(struct enclave_request *r)
{
	if (r == NULL)
		return;
	free(r->blob);
	free(r->msg);
	sodium_memzero(r, sizeof(*r));
}
