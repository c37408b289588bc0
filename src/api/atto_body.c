/* The Atto signer's request bodies (atto_body.h). */
#include "api/atto_body.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api/json_lite.h"
#include "base/errors.h"

/* ---- the fields of blocks and votes ---------------------------------------- */

enum af {
	AF_TYPE, AF_NETWORK, AF_VERSION, AF_ALGORITHM, AF_PUBLIC_KEY, AF_HEIGHT, AF_BALANCE,
	AF_TIMESTAMP, AF_PREVIOUS, AF_SEND_HASH_ALG, AF_SEND_HASH, AF_REP_ALG, AF_REP_PK,
	AF_RECV_ALG, AF_RECV_PK, AF_AMOUNT, AF_ADDRESS, AF_RECV_ADDRESS, AF_REP_ADDRESS,
	AF_BLOCK_ALG, AF_BLOCK_HASH, AF_N
};
static const char *const af_names[AF_N] = {
	"type", "network", "version", "algorithm", "publicKey", "height", "balance",
	"timestamp", "previous", "sendHashAlgorithm", "sendHash", "representativeAlgorithm",
	"representativePublicKey", "receiverAlgorithm", "receiverPublicKey", "amount", "address",
	"receiverAddress", "representativeAddress", "blockAlgorithm", "blockHash",
};

#define B(f) (1u << (f))
#define AF_COMMON (B(AF_TYPE) | B(AF_NETWORK) | B(AF_VERSION) | B(AF_ALGORITHM) | \
                   B(AF_PUBLIC_KEY) | B(AF_BALANCE) | B(AF_TIMESTAMP))
/* Per block type (commons' AttoBlock classes): the members it must have,
 * and those it may have (the output-only ones). */
static const uint32_t af_required[ATTO_BLOCK_TYPES] = {
	[ATTO_BLOCK_OPEN] = AF_COMMON | B(AF_SEND_HASH_ALG) | B(AF_SEND_HASH) | B(AF_REP_ALG) |
	                    B(AF_REP_PK),
	[ATTO_BLOCK_RECEIVE] = AF_COMMON | B(AF_HEIGHT) | B(AF_PREVIOUS) | B(AF_SEND_HASH_ALG) |
	                       B(AF_SEND_HASH),
	[ATTO_BLOCK_SEND] = AF_COMMON | B(AF_HEIGHT) | B(AF_PREVIOUS) | B(AF_RECV_ALG) |
	                    B(AF_RECV_PK) | B(AF_AMOUNT),
	[ATTO_BLOCK_CHANGE] = AF_COMMON | B(AF_HEIGHT) | B(AF_PREVIOUS) | B(AF_REP_ALG) |
	                      B(AF_REP_PK),
};
static const uint32_t af_optional[ATTO_BLOCK_TYPES] = {
	[ATTO_BLOCK_OPEN] = B(AF_HEIGHT) | B(AF_ADDRESS) | B(AF_REP_ADDRESS),
	[ATTO_BLOCK_RECEIVE] = B(AF_ADDRESS),
	[ATTO_BLOCK_SEND] = B(AF_ADDRESS) | B(AF_RECV_ADDRESS),
	[ATTO_BLOCK_CHANGE] = B(AF_ADDRESS) | B(AF_REP_ADDRESS),
};
#define AF_VOTE (B(AF_VERSION) | B(AF_ALGORITHM) | B(AF_PUBLIC_KEY) | B(AF_BLOCK_ALG) | \
                 B(AF_BLOCK_HASH) | B(AF_TIMESTAMP))

struct af_ctx {
	const struct jl_val *f[AF_N];
	uint32_t have;
	char *reason;
	size_t cap;
};

static int
af_fail(struct af_ctx *c, const char *what, enum af f)
{
	snprintf(c->reason, c->cap, "%s: %s", af_names[f], what);
	return SIGIL_E_INVALID;
}

/* The members of object o into c->f by name; an unknown one is refused. */
static int
af_collect(struct af_ctx *c, const struct jl_obj *o)
{
	for (size_t i = 0; i < o->n; i++) {
		int f = -1;
		/* The first letter first: most names differ there (a vote's
		 * members are looked up on every request). */
		for (int k = 0; k < AF_N && f < 0; k++)
			if (o->klen[i] > 0 && af_names[k][0] == o->key[i][0] &&
			    strlen(af_names[k]) == o->klen[i] && memcmp(af_names[k], o->key[i], o->klen[i]) == 0)
				f = k;
		if (f < 0) {
			snprintf(c->reason, c->cap, "unknown member \"%.*s\"",
			         (int)(o->klen[i] < 40 ? o->klen[i] : 40), o->key[i]);
			return SIGIL_E_INVALID;
		}
		c->f[f] = &o->val[i];
		c->have |= B(f);
	}
	return 0;
}

/* The members present must be exactly those required, and any of the
 * optional ones. */
static int
af_shape(struct af_ctx *c, uint32_t required, uint32_t optional)
{
	for (int f = 0; f < AF_N; f++) {
		if ((required & B(f)) && !(c->have & B(f)))
			return af_fail(c, "missing", (enum af)f);
		if ((c->have & B(f)) && !((required | optional) & B(f))) {
			snprintf(c->reason, c->cap, "unknown member \"%s\" for this type", af_names[f]);
			return SIGIL_E_INVALID;
		}
	}
	return 0;
}

static int
af_u64(struct af_ctx *c, enum af f, uint64_t max, uint64_t *out)
{
	const struct jl_val *v = c->f[f];

	if (v->type != JL_NUMBER || v->neg || v->u > max) {
		char what[64];
		snprintf(what, sizeof(what), "a whole number from 0 to %llu expected",
		         (unsigned long long)max);
		return af_fail(c, what, f);
	}
	*out = v->u;
	return 0;
}

static int
af_bytes(struct af_ctx *c, enum af f, uint8_t *out, size_t len)
{
	const struct jl_val *v = c->f[f];

	if (v->type != JL_STRING || v->n != 2 * len || atto_hex_decode(v->s, v->n, out, len) != 0) {
		char what[48];
		snprintf(what, sizeof(what), "%zu bytes in hex expected", len);
		return af_fail(c, what, f);
	}
	return 0;
}

static int
af_v1(struct af_ctx *c, enum af f)
{
	const struct jl_val *v = c->f[f];
	if (v->type != JL_STRING || v->n != 2 || memcmp(v->s, "V1", 2) != 0)
		return af_fail(c, "\"V1\" expected", f);
	return 0;
}

/* An output-only address: absent, or the one pk has (either form). */
static int
af_address(struct af_ctx *c, enum af f, const uint8_t pk[static ATTO_PK_LEN])
{
	const struct jl_val *v = c->f[f];
	char text[ATTO_ADDRESS_TEXT_MAX + 1];
	uint8_t got[ATTO_PK_LEN];

	if (v == NULL)
		return 0;
	if (v->type != JL_STRING || v->n >= sizeof(text))
		return af_fail(c, "an atto:// address expected", f);
	memcpy(text, v->s, v->n);
	text[v->n] = '\0';
	if (atto_address_parse(text, got) != 0 || memcmp(got, pk, ATTO_PK_LEN) != 0)
		return af_fail(c, "not the address of its public key", f);
	return 0;
}

static int
af_enum(struct af_ctx *c, enum af f, int (*from_name)(const char *, size_t), int *out)
{
	const struct jl_val *v = c->f[f];
	if (v->type != JL_STRING || (*out = from_name(v->s, v->n)) < 0)
		return af_fail(c, "unknown name", f);
	return 0;
}

static int
af_timestamp(struct af_ctx *c, int64_t *out)
{
	uint64_t u;
	int rc = af_u64(c, AF_TIMESTAMP, (uint64_t)INT64_MAX, &u);
	*out = (int64_t)u;
	return rc;
}

static int
atto_body_block(struct af_ctx *c, const struct jl_obj *o, struct atto_body *out)
{
	struct atto_block b;
	uint64_t version = 0;
	int type, net, rc;

	memset(&b, 0, sizeof(b));
	if ((rc = af_collect(c, o)) != 0)
		return rc;
	if (!(c->have & B(AF_TYPE)))
		return af_fail(c, "missing", AF_TYPE);
	if ((rc = af_enum(c, AF_TYPE, atto_block_type_from_name, &type)) != 0 ||
	    (rc = af_shape(c, af_required[type], af_optional[type])) != 0 ||
	    (rc = af_enum(c, AF_NETWORK, atto_network_from_name, &net)) != 0 ||
	    (rc = af_u64(c, AF_VERSION, UINT16_MAX, &version)) != 0 ||
	    (rc = af_v1(c, AF_ALGORITHM)) != 0 ||
	    (rc = af_bytes(c, AF_PUBLIC_KEY, b.public_key, ATTO_PK_LEN)) != 0 ||
	    (rc = af_u64(c, AF_BALANCE, UINT64_MAX, &b.balance)) != 0 ||
	    (rc = af_timestamp(c, &b.timestamp)) != 0 ||
	    (rc = af_address(c, AF_ADDRESS, b.public_key)) != 0)
		return rc;
	b.type = (enum atto_block_type)type;
	b.network = (enum atto_network)net;
	b.version = (uint16_t)version;
	b.height = 1;
	if ((c->have & B(AF_HEIGHT)) && (rc = af_u64(c, AF_HEIGHT, UINT64_MAX, &b.height)) != 0)
		return rc;
	if ((c->have & B(AF_PREVIOUS)) &&
	    (rc = af_bytes(c, AF_PREVIOUS, b.previous, ATTO_HASH_LEN)) != 0)
		return rc;
	if ((c->have & B(AF_SEND_HASH)) &&
	    ((rc = af_v1(c, AF_SEND_HASH_ALG)) != 0 ||
	     (rc = af_bytes(c, AF_SEND_HASH, b.send_hash, ATTO_HASH_LEN)) != 0))
		return rc;
	if ((c->have & B(AF_REP_PK)) &&
	    ((rc = af_v1(c, AF_REP_ALG)) != 0 ||
	     (rc = af_bytes(c, AF_REP_PK, b.representative, ATTO_PK_LEN)) != 0 ||
	     (rc = af_address(c, AF_REP_ADDRESS, b.representative)) != 0))
		return rc;
	if ((c->have & B(AF_RECV_PK)) &&
	    ((rc = af_v1(c, AF_RECV_ALG)) != 0 ||
	     (rc = af_bytes(c, AF_RECV_PK, b.receiver, ATTO_PK_LEN)) != 0 ||
	     (rc = af_address(c, AF_RECV_ADDRESS, b.receiver)) != 0 ||
	     (rc = af_u64(c, AF_AMOUNT, UINT64_MAX, &b.amount)) != 0))
		return rc;
	/* The codec checks the rest (amounts past 18e18, heights, a send to
	 * oneself) as it checks bytes, and writes them. */
	return atto_block_encode(&b, out->bytes, &out->len, c->reason, c->cap);
}

static int
atto_body_vote(struct af_ctx *c, const struct jl_obj *o, struct atto_body *out)
{
	struct atto_vote v;
	uint64_t version = 0;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = af_collect(c, o)) != 0 || (rc = af_shape(c, AF_VOTE, 0)) != 0 ||
	    (rc = af_u64(c, AF_VERSION, UINT16_MAX, &version)) != 0 ||
	    (rc = af_v1(c, AF_ALGORITHM)) != 0 ||
	    (rc = af_bytes(c, AF_PUBLIC_KEY, v.public_key, ATTO_PK_LEN)) != 0 ||
	    (rc = af_v1(c, AF_BLOCK_ALG)) != 0 ||
	    (rc = af_bytes(c, AF_BLOCK_HASH, v.block_hash, ATTO_HASH_LEN)) != 0 ||
	    (rc = af_timestamp(c, &v.timestamp)) != 0)
		return rc;
	v.version = (uint16_t)version;
	if ((rc = atto_vote_encode(&v, out->bytes, c->reason, c->cap)) == 0)
		out->len = ATTO_VOTE_LEN;
	return rc;
}

/* {"target": "<hex>", "timestamp": n}: the challenge, then the
 * timestamp's 8 bytes little-endian. */
static int
atto_body_challenge(const struct jl_doc *d, struct atto_body *out, char *reason, size_t cap)
{
	const struct jl_obj *o = &d->objs[0];
	const struct jl_val *target = NULL, *ts = NULL;

	for (size_t i = 0; i < o->n; i++) {
		if (o->klen[i] == 6 && memcmp(o->key[i], "target", 6) == 0)
			target = &o->val[i];
		else if (o->klen[i] == 9 && memcmp(o->key[i], "timestamp", 9) == 0)
			ts = &o->val[i];
		else {
			snprintf(reason, cap, "unknown member \"%.*s\"",
			         (int)(o->klen[i] < 40 ? o->klen[i] : 40), o->key[i]);
			return SIGIL_E_INVALID;
		}
	}
	if (target == NULL || ts == NULL) {
		snprintf(reason, cap, "the body is {\"target\": <challenge hex>, \"timestamp\": <ms>}");
		return SIGIL_E_INVALID;
	}
	if (target->type != JL_STRING || target->n % 2 != 0) {
		snprintf(reason, cap, "target: the challenge in hex expected");
		return SIGIL_E_INVALID;
	}
	size_t n = target->n / 2;
	if (n < ATTO_CHALLENGE_MIN || n > ATTO_CHALLENGE_MAX) {
		snprintf(reason, cap, n < ATTO_CHALLENGE_MIN
		                 ? "Challenge should have at least %d bytes"
		                 : "a challenge of at most %d bytes", n < ATTO_CHALLENGE_MIN
		                 ? ATTO_CHALLENGE_MIN : ATTO_CHALLENGE_MAX);
		return SIGIL_E_INVALID;
	}
	if (atto_hex_decode(target->s, target->n, out->bytes, n) != 0) {
		snprintf(reason, cap, "target: the challenge in hex expected");
		return SIGIL_E_INVALID;
	}
	if (ts->type != JL_NUMBER || ts->neg || ts->u > (uint64_t)INT64_MAX) {
		snprintf(reason, cap, "timestamp: milliseconds since 1970 expected");
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < 8; i++)
		out->bytes[n + i] = (uint8_t)(ts->u >> (8 * i));
	out->len = n + 8;
	return 0;
}

int
atto_body_parse(enum atto_req r, const char *buf, size_t len, struct atto_body *out,
                char *reason, size_t cap)
{
	struct jl_doc d;
	struct af_ctx c = {.reason = reason, .cap = cap};
	int rc;

	memset(out, 0, sizeof(*out));
	if (cap > 0)
		reason[0] = '\0';
	if (len > ATTO_BODY_MAX) {
		snprintf(reason, cap, "body larger than %d bytes", ATTO_BODY_MAX);
		return SIGIL_E_TOO_BIG;
	}
	if (buf == NULL || jl_parse(&d, buf, len) != 0) {
		snprintf(reason, cap, "the body is not JSON as the Atto signer takes it");
		return SIGIL_E_INVALID;
	}
	if (r == ATTO_REQ_CHALLENGE)
		rc = atto_body_challenge(&d, out, reason, cap);
	else if (d.objs[0].n != 1 || d.objs[0].klen[0] != 6 ||
	         memcmp(d.objs[0].key[0], "target", 6) != 0 || d.objs[0].val[0].type != JL_OBJECT) {
		snprintf(reason, cap, "the body is {\"target\": {…}}");
		rc = SIGIL_E_INVALID;
	} else {
		const struct jl_obj *o = &d.objs[d.objs[0].val[0].obj];
		rc = r == ATTO_REQ_BLOCK ? atto_body_block(&c, o, out) : atto_body_vote(&c, o, out);
	}
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		if (rc != SIGIL_E_TOO_BIG)
			rc = SIGIL_E_INVALID; /* every refusal of a body is a 400 */
	}
	return rc;
}
