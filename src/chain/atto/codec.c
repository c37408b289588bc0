/* Atto blocks, votes and challenges (atto.h): their canonical bytes read
 * and written, and the message the key signs for each.
 *
 * Field order and widths follow commons' toBuffer() of each type
 * (AttoBlock.kt, AttoVote.kt) with AttoBufferExtensions.kt's writers:
 * type, network and algorithm one byte; version a little-endian u16;
 * height, balance and amount little-endian u64; a timestamp a
 * little-endian i64 of milliseconds; keys and hashes 32 bytes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/errors.h"
#include "chain/atto/atto.h"

static const size_t atto_block_len[ATTO_BLOCK_TYPES] = {
	[ATTO_BLOCK_OPEN] = ATTO_BLOCK_OPEN_LEN,
	[ATTO_BLOCK_RECEIVE] = ATTO_BLOCK_RECEIVE_LEN,
	[ATTO_BLOCK_SEND] = ATTO_BLOCK_SEND_LEN,
	[ATTO_BLOCK_CHANGE] = ATTO_BLOCK_CHANGE_LEN,
};

static int atto_fail(int rc, char *reason, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
atto_fail(int rc, char *reason, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (reason != NULL && cap > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(reason, cap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* A reading cursor: every read checks what remains (the lengths are
 * checked exactly up front, so a short read here is a bug, refused all the
 * same). */
struct atto_cur {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static const uint8_t *
cur_take(struct atto_cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || c->left < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	c->left -= n;
	return p;
}

static uint64_t
cur_le(struct atto_cur *c, size_t n)
{
	const uint8_t *p = cur_take(c, n);
	uint64_t v = 0;

	for (size_t i = p ? n : 0; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

static void
cur_bytes(struct atto_cur *c, uint8_t *out, size_t n)
{
	const uint8_t *p = cur_take(c, n);

	if (p != NULL)
		memcpy(out, p, n);
}

static void
put_le(uint8_t **w, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		(*w)[i] = (uint8_t)(v >> (8 * i));
	*w += n;
}

static void
put_bytes(uint8_t **w, const uint8_t *b, size_t n)
{
	memcpy(*w, b, n);
	*w += n;
}

/* The checks both directions share: what commons' types and validate()
 * refuse that the fields alone show. The clock check (no more than a
 * minute ahead) is left to the caller, who has the clock. */
static int
atto_block_check(const struct atto_block *b, char *reason, size_t cap)
{
	if ((unsigned)b->type >= ATTO_BLOCK_TYPES)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "unknown block type");
	if ((unsigned)b->network >= ATTO_NETWORKS)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "unknown network");
	if (b->version > ATTO_VERSION_MAX)
		return atto_fail(SIGIL_E_INVALID, reason, cap,
		                 "block version %u is above the highest known (%d)",
		                 (unsigned)b->version, ATTO_VERSION_MAX);
	if (b->timestamp < 0)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "negative timestamp");
	if (b->balance > ATTO_AMOUNT_MAX)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "balance above the maximum amount");
	if (b->type == ATTO_BLOCK_OPEN ? b->height != 1 : b->height < 2)
		return atto_fail(SIGIL_E_INVALID, reason, cap,
		                 b->type == ATTO_BLOCK_OPEN ? "an open block is at height 1"
		                                            : "height must be at least 2");
	if ((b->type == ATTO_BLOCK_OPEN || b->type == ATTO_BLOCK_RECEIVE) && b->balance == 0)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "balance must be above 0");
	if (b->type == ATTO_BLOCK_SEND) {
		if (b->amount == 0 || b->amount > ATTO_AMOUNT_MAX)
			return atto_fail(SIGIL_E_INVALID, reason, cap,
			                 "amount must be above 0 and at most the maximum");
		if (memcmp(b->receiver, b->public_key, ATTO_PK_LEN) == 0)
			return atto_fail(SIGIL_E_INVALID, reason, cap, "a send to its own account");
	}
	return 0;
}

static void
atto_block_parts(struct atto_block *b)
{
	b->has_previous = b->type != ATTO_BLOCK_OPEN;
	b->has_send_hash = b->type == ATTO_BLOCK_OPEN || b->type == ATTO_BLOCK_RECEIVE;
	b->has_representative = b->type == ATTO_BLOCK_OPEN || b->type == ATTO_BLOCK_CHANGE;
	b->has_receiver = b->type == ATTO_BLOCK_SEND;
}

static void
atto_algorithm(struct atto_cur *c, int *bad)
{
	if (cur_le(c, 1) != ATTO_ALGORITHM_V1)
		*bad = 1;
}

int
atto_block_decode(const uint8_t *buf, size_t len, struct atto_block *out, char *reason,
                  size_t cap)
{
	struct atto_cur c = {.p = buf, .left = len};
	int badalg = 0, rc;
	unsigned type, net;

	memset(out, 0, sizeof(*out));
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (len == 0)
		return atto_fail(SIGIL_E_INCOMPLETE, reason, cap, "no block bytes");
	if (len > ATTO_BLOCK_MAX)
		return atto_fail(SIGIL_E_TOO_BIG, reason, cap, "a block is at most %d bytes",
		                 ATTO_BLOCK_MAX);
	type = buf[0];
	if (type >= ATTO_BLOCK_TYPES)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "unknown block type %u", type);
	if (len != atto_block_len[type]) {
		rc = len < atto_block_len[type] ? SIGIL_E_INCOMPLETE : SIGIL_E_INVALID;
		return atto_fail(rc, reason, cap, "a %s block is %zu bytes, not %zu",
		                 atto_block_type_name((enum atto_block_type)type),
		                 atto_block_len[type], len);
	}
	(void)cur_take(&c, 1);
	out->type = (enum atto_block_type)type;
	net = (unsigned)cur_le(&c, 1);
	if (net >= ATTO_NETWORKS) {
		memset(out, 0, sizeof(*out));
		return atto_fail(SIGIL_E_INVALID, reason, cap, "unknown network %u", net);
	}
	out->network = (enum atto_network)net;
	out->version = (uint16_t)cur_le(&c, 2);
	atto_algorithm(&c, &badalg);
	cur_bytes(&c, out->public_key, ATTO_PK_LEN);
	out->height = out->type == ATTO_BLOCK_OPEN ? 1 : cur_le(&c, 8);
	out->balance = cur_le(&c, 8);
	out->timestamp = (int64_t)cur_le(&c, 8);
	atto_block_parts(out);
	if (out->has_previous)
		cur_bytes(&c, out->previous, ATTO_HASH_LEN);
	switch (out->type) {
	case ATTO_BLOCK_OPEN:
		atto_algorithm(&c, &badalg);
		cur_bytes(&c, out->send_hash, ATTO_HASH_LEN);
		atto_algorithm(&c, &badalg);
		cur_bytes(&c, out->representative, ATTO_PK_LEN);
		break;
	case ATTO_BLOCK_RECEIVE:
		atto_algorithm(&c, &badalg);
		cur_bytes(&c, out->send_hash, ATTO_HASH_LEN);
		break;
	case ATTO_BLOCK_SEND:
		atto_algorithm(&c, &badalg);
		cur_bytes(&c, out->receiver, ATTO_PK_LEN);
		out->amount = cur_le(&c, 8);
		break;
	case ATTO_BLOCK_CHANGE:
		atto_algorithm(&c, &badalg);
		cur_bytes(&c, out->representative, ATTO_PK_LEN);
		break;
	}
	if (c.bad || c.left != 0)
		rc = atto_fail(SIGIL_E_INTERNAL, reason, cap, "block layout mismatch");
	else if (badalg)
		rc = atto_fail(SIGIL_E_INVALID, reason, cap, "unknown algorithm (only V1 is known)");
	else
		rc = atto_block_check(out, reason, cap);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	atto_blake2b(out->hash, ATTO_HASH_LEN, buf, len);
	return 0;
}

int
atto_block_encode(struct atto_block *b, uint8_t out[static ATTO_BLOCK_MAX], size_t *len,
                  char *reason, size_t cap)
{
	uint8_t *w = out;
	int rc;

	*len = 0;
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if ((rc = atto_block_check(b, reason, cap)) != 0)
		return rc;
	atto_block_parts(b);
	put_le(&w, (uint64_t)b->type, 1);
	put_le(&w, (uint64_t)b->network, 1);
	put_le(&w, b->version, 2);
	put_le(&w, ATTO_ALGORITHM_V1, 1);
	put_bytes(&w, b->public_key, ATTO_PK_LEN);
	if (b->type != ATTO_BLOCK_OPEN)
		put_le(&w, b->height, 8);
	put_le(&w, b->balance, 8);
	put_le(&w, (uint64_t)b->timestamp, 8);
	if (b->has_previous)
		put_bytes(&w, b->previous, ATTO_HASH_LEN);
	if (b->has_send_hash) {
		put_le(&w, ATTO_ALGORITHM_V1, 1);
		put_bytes(&w, b->send_hash, ATTO_HASH_LEN);
	}
	if (b->has_receiver) {
		put_le(&w, ATTO_ALGORITHM_V1, 1);
		put_bytes(&w, b->receiver, ATTO_PK_LEN);
		put_le(&w, b->amount, 8);
	}
	if (b->has_representative) {
		put_le(&w, ATTO_ALGORITHM_V1, 1);
		put_bytes(&w, b->representative, ATTO_PK_LEN);
	}
	*len = (size_t)(w - out);
	if (*len != atto_block_len[b->type]) {
		*len = 0;
		return atto_fail(SIGIL_E_INTERNAL, reason, cap, "block layout mismatch");
	}
	atto_blake2b(b->hash, ATTO_HASH_LEN, out, *len);
	return 0;
}

static int
atto_vote_check(const struct atto_vote *v, char *reason, size_t cap)
{
	if (v->version > ATTO_VERSION_MAX)
		return atto_fail(SIGIL_E_INVALID, reason, cap,
		                 "vote version %u is above the highest known (%d)",
		                 (unsigned)v->version, ATTO_VERSION_MAX);
	if (v->timestamp < 0)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "negative timestamp");
	return 0;
}

int
atto_vote_decode(const uint8_t *buf, size_t len, struct atto_vote *out, char *reason,
                 size_t cap)
{
	struct atto_cur c = {.p = buf, .left = len};
	int badalg = 0, rc;

	memset(out, 0, sizeof(*out));
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (len < ATTO_VOTE_LEN)
		return atto_fail(SIGIL_E_INCOMPLETE, reason, cap, "a vote is %d bytes, not %zu",
		                 ATTO_VOTE_LEN, len);
	if (len > ATTO_VOTE_LEN)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "a vote is %d bytes, not %zu",
		                 ATTO_VOTE_LEN, len);
	out->version = (uint16_t)cur_le(&c, 2);
	atto_algorithm(&c, &badalg);
	cur_bytes(&c, out->public_key, ATTO_PK_LEN);
	atto_algorithm(&c, &badalg);
	cur_bytes(&c, out->block_hash, ATTO_HASH_LEN);
	out->timestamp = (int64_t)cur_le(&c, 8);
	out->final = out->timestamp == ATTO_TIMESTAMP_FINAL;
	if (c.bad || c.left != 0)
		rc = atto_fail(SIGIL_E_INTERNAL, reason, cap, "vote layout mismatch");
	else if (badalg)
		rc = atto_fail(SIGIL_E_INVALID, reason, cap, "unknown algorithm (only V1 is known)");
	else
		rc = atto_vote_check(out, reason, cap);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	atto_blake2b(out->hash, ATTO_HASH_LEN, buf, len);
	return 0;
}

int
atto_vote_encode(struct atto_vote *v, uint8_t out[static ATTO_VOTE_LEN], char *reason,
                 size_t cap)
{
	uint8_t *w = out;
	int rc;

	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if ((rc = atto_vote_check(v, reason, cap)) != 0)
		return rc;
	put_le(&w, v->version, 2);
	put_le(&w, ATTO_ALGORITHM_V1, 1);
	put_bytes(&w, v->public_key, ATTO_PK_LEN);
	put_le(&w, ATTO_ALGORITHM_V1, 1);
	put_bytes(&w, v->block_hash, ATTO_HASH_LEN);
	put_le(&w, (uint64_t)v->timestamp, 8);
	v->final = v->timestamp == ATTO_TIMESTAMP_FINAL;
	atto_blake2b(v->hash, ATTO_HASH_LEN, out, ATTO_VOTE_LEN);
	return 0;
}

int
atto_challenge_hash(const uint8_t pk[static ATTO_PK_LEN], const uint8_t *challenge, size_t len,
                    int64_t timestamp, uint8_t out[static ATTO_CHALLENGE_HASH_LEN], char *reason,
                    size_t cap)
{
	uint8_t msg[ATTO_PK_LEN + ATTO_CHALLENGE_MAX + 8], *w = msg;

	memset(out, 0, ATTO_CHALLENGE_HASH_LEN);
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (len < ATTO_CHALLENGE_MIN)
		return atto_fail(SIGIL_E_INVALID, reason, cap,
		                 "a challenge is at least %d bytes, not %zu", ATTO_CHALLENGE_MIN, len);
	if (len > ATTO_CHALLENGE_MAX)
		return atto_fail(SIGIL_E_TOO_BIG, reason, cap, "a challenge is at most %d bytes",
		                 ATTO_CHALLENGE_MAX);
	if (timestamp < 0)
		return atto_fail(SIGIL_E_INVALID, reason, cap, "negative timestamp");
	/* AttoSigner.sign(challenge, timestamp): the signer's own public key
	 * first, so a challenge answered for one key proves nothing for
	 * another. */
	put_bytes(&w, pk, ATTO_PK_LEN);
	put_bytes(&w, challenge, len);
	put_le(&w, (uint64_t)timestamp, 8);
	atto_blake2b(out, ATTO_CHALLENGE_HASH_LEN, msg, (size_t)(w - msg));
	return 0;
}
