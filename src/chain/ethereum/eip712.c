/* EIP-712 (typed structured data hashing), v4 as eth_signTypedData_v4 and
 * ethers' TypedDataEncoder compute it; eip712.h says what is refused.
 *
 * Every value encodes to 32 bytes: an atomic value as itself, bytes and
 * string as the keccak of their contents, an array as the keccak of its
 * elements' encodings, a struct as its hashStruct. So one recursion over
 * (type, JSON value) gives everything, and the keccak of each array or
 * struct is streamed as its members are encoded, with no buffers. The
 * types are eip712_types.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/ethereum/addr.h"
#include "chain/ethereum/eip712_int.h"
#include "crypto/keccak.h"

/* Above this a JSON number is not the same integer in JavaScript: ethers
 * refuses it ("overflow"), and a dApp meant another value than it wrote. */
#define SAFE_INT_MAX ((int64_t)9007199254740991)

/* ---- values --------------------------------------------------------------- */

/* An integer value as a sign and a 256-bit big-endian magnitude: a JSON
 * integer within ±SAFE_INT_MAX, or a string, decimal or "0x" hex, with an
 * optional '-'. */
static int
get_int(struct eip712_ctx *c, json_t *v, bool *neg, uint8_t mag[static 32])
{
	const char *s;
	size_t len, i = 0;

	memset(mag, 0, 32);
	*neg = false;
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		uint64_t u;

		if (x > SAFE_INT_MAX || x < -SAFE_INT_MAX)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "a JSON number past 2^53 - 1, which JavaScript reads as "
			                   "another number (write it as a string)");
		*neg = x < 0;
		u = (uint64_t)(x < 0 ? -x : x);
		for (int b = 0; b < 8; b++)
			mag[31 - b] = (uint8_t)(u >> (8 * b));
		return 0;
	}
	if (!json_is_string(v))
		return eip712_fail(c, SIGIL_E_INVALID,
		                   "not an integer (a JSON number or a string)");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > 0 && s[0] == '-') {
		*neg = true;
		i = 1;
	}
	if (len - i > 2 && s[i] == '0' && s[i + 1] == 'x') {
		size_t nd;

		for (i += 2; i < len && s[i] == '0'; i++)
			;
		if ((nd = len - i) > 64)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "an integer out of range for its type");
		for (size_t d = 0; d < nd; d++) {
			char ch = s[len - 1 - d];
			unsigned x = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
			             : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
			             : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
			                                      : 16;
			if (x == 16)
				return eip712_fail(c, SIGIL_E_INVALID,
				                   "an integer string with a bad hex digit");
			mag[31 - d / 2] |= (uint8_t)(d % 2 ? x << 4 : x);
		}
		return 0;
	}
	if (i == len)
		return eip712_fail(c, SIGIL_E_INVALID, "an empty integer string");
	for (; i < len; i++) {
		unsigned carry;

		if (s[i] < '0' || s[i] > '9')
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "an integer string that is neither decimal nor 0x-hex");
		carry = (unsigned)(s[i] - '0');
		for (int b = 31; b >= 0; b--) {
			carry += mag[b] * 10u;
			mag[b] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry != 0)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "an integer out of range for its type");
	}
	return 0;
}

/* Bits in a 256-bit big-endian number. */
static unsigned
bit_len(const uint8_t m[static 32])
{
	for (unsigned b = 0; b < 32; b++)
		if (m[b] != 0) {
			unsigned n = 8;
			while (!(m[b] & (1u << (n - 1))))
				n--;
			return (31 - b) * 8 + n;
		}
	return 0;
}

/* Whether a 256-bit number is a power of two. */
static bool
one_bit(const uint8_t m[static 32])
{
	unsigned set = 0;

	for (unsigned b = 0; b < 32; b++)
		set += m[b] != 0 && (m[b] & (m[b] - 1)) == 0 ? 1 : m[b] != 0 ? 2 : 0;
	return set == 1;
}

/* (u)intN: range-checked, negative values as 256-bit two's complement. */
static int
enc_int(struct eip712_ctx *c, const struct eip712_field *f, json_t *v, uint8_t out[static 32])
{
	bool neg;
	unsigned bits;
	int rc;

	if ((rc = get_int(c, v, &neg, out)) != 0)
		return rc;
	bits = bit_len(out);
	if (f->base == EIP712_T_UINT) {
		if (neg && bits > 0)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "a negative value for an unsigned type");
		if (bits > f->width)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "an integer out of range for its type");
		return 0;
	}
	/* -2^(N-1) .. 2^(N-1) - 1: the one N-bit magnitude allowed is -2^(N-1). */
	if (bits > f->width || (bits == f->width && !(neg && one_bit(out))))
		return eip712_fail(c, SIGIL_E_INVALID, "an integer out of range for its type");
	if (neg) {
		unsigned carry = 1;
		for (int b = 31; b >= 0; b--) {
			carry += (uint8_t)~out[b];
			out[b] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	return 0;
}

/* "0x" and hex digits, s[0..len): the digits' count, or -1. */
static long
hex_digits(json_t *v, const char **digits)
{
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len < 2 || s[0] != '0' || s[1] != 'x' || (len - 2) % 2 != 0)
		return -1;
	*digits = s + 2;
	return (long)(len - 2);
}

/* An address: "0x" and 40 hex digits; in mixed case, the EIP-55
 * checksum (addr.h), as ethers wants it. */
static int
get_address(struct eip712_ctx *c, json_t *v, uint8_t out[static ETH_ADDR_LEN])
{
	int rc;

	if (!json_is_string(v) ||
	    (rc = eth_address_parse(json_string_value(v), json_string_length(v), out)) ==
	        SIGIL_E_INVALID)
		return eip712_fail(c, SIGIL_E_INVALID, "not an address (0x and 40 hex digits)");
	if (rc != 0)
		return eip712_fail(c, SIGIL_E_INVALID,
		                   "an address whose mixed case is not its EIP-55 checksum");
	return 0;
}

/* bytes: the keccak of the bytes, decoded a block at a time. */
static int
enc_bytes(struct eip712_ctx *c, json_t *v, uint8_t out[static 32])
{
	struct sigil_keccak k;
	uint8_t blk[64];
	const char *h;
	long nd = hex_digits(v, &h);

	if (nd < 0)
		return eip712_fail(c, SIGIL_E_INVALID,
		                   "not bytes (0x and an even count of hex digits)");
	sigil_keccak256_init(&k);
	for (size_t i = 0; i < (size_t)nd; i += 2 * sizeof(blk)) {
		size_t left = (size_t)nd - i, n;
		size_t take = left < 2 * sizeof(blk) ? left : 2 * sizeof(blk);

		if (hex_decode(h + i, take, blk, sizeof(blk), &n) != 0)
			return eip712_fail(c, SIGIL_E_INVALID, "bytes with a bad hex digit");
		sigil_keccak_update(&k, blk, n);
	}
	sigil_keccak256_final(&k, out);
	return 0;
}

static int
enc_atomic(struct eip712_ctx *c, const struct eip712_field *f, json_t *v, uint8_t out[static 32])
{
	const char *h;
	size_t n;

	memset(out, 0, 32);
	switch (f->base) {
	case EIP712_T_UINT:
	case EIP712_T_INT:
		return enc_int(c, f, v, out);
	case EIP712_T_BOOL:
		if (!json_is_boolean(v))
			return eip712_fail(c, SIGIL_E_INVALID, "not true or false");
		out[31] = json_is_true(v) ? 1 : 0;
		return 0;
	case EIP712_T_ADDRESS:
		return get_address(c, v, out + 12);
	case EIP712_T_BYTESN:
		/* bytesN is its N bytes, then zeros (right-padded). */
		if (hex_digits(v, &h) != 2 * (long)f->width ||
		    hex_decode(h, 2 * (size_t)f->width, out, 32, &n) != 0)
			return eip712_fail(c, SIGIL_E_INVALID, "not bytesN (0x and 2N hex digits)");
		return 0;
	case EIP712_T_BYTES:
		return enc_bytes(c, v, out);
	case EIP712_T_STRING:
		if (!json_is_string(v))
			return eip712_fail(c, SIGIL_E_INVALID, "not a string");
		sigil_keccak256((const uint8_t *)json_string_value(v), json_string_length(v), out);
		return 0;
	default:
		return eip712_fail(c, SIGIL_E_INTERNAL, "no encoder for the type");
	}
}

static int hash_struct(struct eip712_ctx *c, unsigned ti, json_t *v, unsigned depth, bool exact,
                       uint8_t out[static 32]);

/* A value of f's type with its outer dims cut to ndims, at depth. */
static int
enc_value(struct eip712_ctx *c, const struct eip712_field *f, unsigned ndims, json_t *v,
          unsigned depth, uint8_t out[static 32])
{
	struct sigil_keccak k;
	uint8_t e[32];
	size_t n;
	int rc;

	if (ndims == 0)
		return f->base == EIP712_T_STRUCT
		           ? hash_struct(c, f->strct, v, depth + 1, false, out)
		           : enc_atomic(c, f, v, out);
	/* An array: the keccak of its elements' encodings. */
	if (!json_is_array(v))
		return eip712_fail(c, SIGIL_E_INVALID, "not an array");
	if (depth + 1 > EIP712_DEPTH_MAX)
		return eip712_fail(c, SIGIL_E_TOO_BIG, "values nested deeper than sigil takes");
	n = json_array_size(v);
	if (f->dims[ndims - 1] != 0 && n != f->dims[ndims - 1])
		return eip712_fail(c, SIGIL_E_INVALID, "not as many elements as its type's length");
	if (n > EIP712_ARRAY_MAX)
		return eip712_fail(c, SIGIL_E_TOO_BIG, "an array longer than sigil takes");
	sigil_keccak256_init(&k);
	for (size_t i = 0; i < n; i++) {
		size_t mark = eip712_path_push(c, NULL, i);
		if ((rc = enc_value(c, f, ndims - 1, json_array_get(v, i), depth + 1, e)) != 0)
			return rc;
		eip712_path_pop(c, mark);
		sigil_keccak_update(&k, e, sizeof(e));
	}
	sigil_keccak256_final(&k, out);
	return 0;
}

/* hashStruct: keccak256(typeHash ‖ encodeData). exact: v may have no key
 * that the type leaves out (the domain). */
static int
hash_struct(struct eip712_ctx *c, unsigned ti, json_t *v, unsigned depth, bool exact,
            uint8_t out[static 32])
{
	const struct eip712_type *t = &c->t[ti];
	struct sigil_keccak k;
	uint8_t e[32];
	int rc;

	if (!json_is_object(v))
		return eip712_fail(c, SIGIL_E_INVALID, "not an object");
	if (depth > EIP712_DEPTH_MAX)
		return eip712_fail(c, SIGIL_E_TOO_BIG, "values nested deeper than sigil takes");
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, eip712_type_hash(c, ti), 32);
	for (size_t i = 0; i < t->n; i++) {
		size_t mark = eip712_path_push(c, t->f[i].name, 0);
		json_t *x = json_object_get(v, t->f[i].name);

		if (x == NULL)
			return eip712_fail(c, SIGIL_E_INVALID, "missing");
		if ((rc = enc_value(c, &t->f[i], t->f[i].ndims, x, depth, e)) != 0)
			return rc;
		eip712_path_pop(c, mark);
		sigil_keccak_update(&k, e, sizeof(e));
	}
	if (exact && json_object_size(v) != t->n)
		return eip712_fail(c, SIGIL_E_INVALID, "a key that EIP712Domain does not name");
	sigil_keccak256_final(&k, out);
	return 0;
}

/* ---- the document --------------------------------------------------------- */

static int
json_fail(struct eip712_ctx *c, const json_error_t *je)
{
	/* jansson's own text quotes the document; only its position is ours
	 * to repeat. */
	switch (json_error_code(je)) {
	case json_error_premature_end_of_input:
		return eip712_fail(c, SIGIL_E_INCOMPLETE, "the JSON document ends early");
	case json_error_out_of_memory:
		return eip712_fail(c, SIGIL_E_NOMEM, "out of memory reading the JSON document");
	case json_error_stack_overflow:
		return eip712_fail(c, SIGIL_E_TOO_BIG, "JSON nested deeper than sigil takes");
	case json_error_duplicate_key:
		return eip712_fail(c, SIGIL_E_INVALID, "a key appears twice in one JSON object");
	case json_error_numeric_overflow:
		return eip712_fail(c, SIGIL_E_INVALID,
		                   "a JSON number too large (write it as a string)");
	default:
		sigil_errf(c->reason, c->cap, "not JSON (line %d, column %d)", je->line,
		           je->column);
		return SIGIL_E_INVALID;
	}
}

/* The domain's chainId and verifyingContract, once it has hashed. */
static void
domain_facts(struct eip712_ctx *c, json_t *domain, struct eip712_result *out)
{
	bool neg;
	json_t *v;

	if ((v = json_object_get(domain, "chainId")) != NULL &&
	    get_int(c, v, &neg, out->chain_id) == 0) {
		out->has_chain_id = true;
		out->chain_id_fits_u64 = bit_len(out->chain_id) <= 64;
		for (unsigned b = 24; b < 32 && out->chain_id_fits_u64; b++)
			out->chain_id_u64 = out->chain_id_u64 << 8 | out->chain_id[b];
	}
	if ((v = json_object_get(domain, "verifyingContract")) != NULL &&
	    get_address(c, v, out->verifying_contract) == 0)
		out->has_verifying_contract = true;
}

int
eip712_hash(const char *doc, size_t len, struct eip712_result *out, char *reason, size_t cap)
{
	struct eip712_ctx *c;
	json_error_t je;
	json_t *root = NULL, *types, *primary, *domain, *message;
	struct sigil_keccak k;
	int pi, rc;

	memset(out, 0, sizeof(*out));
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	/* A few kB, and freed on every path: off the signing thread's stack. */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SIGIL_E_NOMEM;
	c->reason = reason;
	c->cap = cap;
	if (len > EIP712_DOC_MAX) {
		rc = eip712_fail(c, SIGIL_E_TOO_BIG,
		                 "the typed-data document is larger than sigil takes");
		goto out;
	}
	if ((root = json_loadb(doc, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je)) == NULL) {
		rc = json_fail(c, &je);
		goto out;
	}
	types = json_object_get(root, "types");
	primary = json_object_get(root, "primaryType");
	domain = json_object_get(root, "domain");
	message = json_object_get(root, "message");
	if (!json_is_object(root) || json_object_size(root) != 4 || types == NULL ||
	    !json_is_string(primary) || domain == NULL || message == NULL) {
		rc = eip712_fail(c, SIGIL_E_INVALID,
		                 "a typed-data document is {\"types\", \"primaryType\", "
		                 "\"domain\", \"message\"}");
		goto out;
	}
	if (json_string_length(primary) != strlen(json_string_value(primary))) {
		rc = eip712_fail(c, SIGIL_E_INVALID, "primaryType is not one of types");
		goto out;
	}
	if ((rc = eip712_load_types(c, types, json_string_value(primary), &pi)) != 0)
		goto out;
	eip712_path_push(c, "domain", 0);
	if ((rc = hash_struct(c, (unsigned)c->domain, domain, 1, true, out->domain_separator)) != 0)
		goto out;
	eip712_path_pop(c, 0);
	eip712_path_push(c, "message", 0);
	if ((rc = hash_struct(c, (unsigned)pi, message, 1, false, out->struct_hash)) != 0)
		goto out;
	eip712_path_pop(c, 0);
	memcpy(out->type_hash, eip712_type_hash(c, (unsigned)pi), sizeof(out->type_hash));
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, (const uint8_t *)"\x19\x01", 2);
	sigil_keccak_update(&k, out->domain_separator, 32);
	sigil_keccak_update(&k, out->struct_hash, 32);
	sigil_keccak256_final(&k, out->digest);
	snprintf(out->primary_type, sizeof(out->primary_type), "%s", c->t[pi].name);
	domain_facts(c, domain, out);
out:
	eip712_free_types(c);
	free(c);
	json_decref(root);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
