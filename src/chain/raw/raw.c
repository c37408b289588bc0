/* The tests' second chain (raw.h). */
#include "chain/raw/raw.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"

static const char *const raw_kinds[] = {"message"};

#define RAW_MAX (64 * 1024) /* a message longer than this is refused */

static bool
raw_key_type_ok(enum sigil_key_type t)
{
	return t == SIGIL_KEY_ED25519;
}

static int
raw_kind_from_name(const char *name)
{
	return name != NULL && strcmp(name, "message") == 0 ? 0 : -1;
}

static uint64_t
raw_ops_from_name(const char *name)
{
	(void)name;
	return 0;
}

static const char *
raw_op_name(unsigned op)
{
	(void)op;
	return NULL;
}

static int
raw_decode(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk, size_t pklen,
           struct sign_intent *out, char *reason, size_t cap)
{
	(void)pk, (void)pklen;
	memset(out, 0, sizeof(*out));
	if (t != SIGIL_KEY_ED25519) {
		snprintf(reason, cap, "raw-ed25519 keys are Ed25519 keys");
		return SIGIL_E_INVALID;
	}
	if (req->len == 0 || req->len > RAW_MAX) {
		snprintf(reason, cap, "message must be 1 to %d bytes", RAW_MAX);
		return req->len == 0 ? SIGIL_E_INVALID : SIGIL_E_TOO_BIG;
	}
	out->kind = 0;
	out->scheme = SIGIL_SCHEME_PLAIN;
	out->msg = req->payload;
	out->msg_len = req->len;
	sigil_blake2b(out->digest, 32, req->payload, req->len);
	return 0;
}

static int
raw_hex(const uint8_t *b, size_t len, char *out, size_t cap)
{
	return hex_encode(b, len, out, cap) == 0 ? 0 : SIGIL_E_TOO_BIG;
}

static int
raw_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || pklen != 32)
		return SIGIL_E_UNSUPPORTED;
	return raw_hex(pk, pklen, out, cap);
}

static int
raw_address_check(const char *text)
{
	uint8_t pk[32];
	size_t n = 0;

	if (text == NULL || strlen(text) != 64 || hex_decode(text, 64, pk, sizeof(pk), &n) != 0 ||
	    n != 32)
		return SIGIL_E_INVALID;
	for (const char *c = text; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			return SIGIL_E_INVALID; /* one spelling per address */
	return 0;
}

static int
raw_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	return raw_address(t, pk, pklen, out, cap);
}

static int
raw_pk_parse(const char *text, enum sigil_key_type *t, uint8_t pk[static SIGIL_PK_MAX],
             size_t *pklen)
{
	if (raw_address_check(text) != 0)
		return SIGIL_E_INVALID;
	*t = SIGIL_KEY_ED25519;
	return hex_decode(text, 64, pk, SIGIL_PK_MAX, pklen) == 0 ? 0 : SIGIL_E_INVALID;
}

static int
raw_sig_text(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out, size_t cap)
{
	if (t != SIGIL_KEY_ED25519 || siglen != 64)
		return SIGIL_E_INVALID;
	return raw_hex(sig, siglen, out, cap);
}

const struct chain_ops chain_raw_ed25519 = {
	.name = "raw-ed25519",
	.address_form = "64 lowercase hex digits: the public key",
	.kinds = raw_kinds,
	.n_kinds = 1,
	.default_kinds = 1,
	.ops_kind = -1,
	.key_type_ok = raw_key_type_ok,
	.kind_from_name = raw_kind_from_name,
	.ops_from_name = raw_ops_from_name,
	.op_name = raw_op_name,
	.decode = raw_decode,
	.address_check = raw_address_check,
	.address = raw_address,
	.key_id = chain_key_id_blake2b,
	.public_key_text = raw_pk_text,
	.public_key_parse = raw_pk_parse,
	.signature_text = raw_sig_text,
};
