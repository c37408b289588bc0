/* RLP (rlp.h), from the yellow paper's appendix B and the canonical-form
 * rules geth's rlp package enforces on input (ErrCanonSize,
 * ErrCanonInt, ErrNonCanonicalSize): the same bytes are refused here. */
#include "chain/ethereum/rlp.h"

#include <string.h>

#include "base/errors.h"

/* Header bytes: strings from 0x80, lists from 0xc0; a length up to 55 is
 * added to the base, a longer one is written after it in base + 55 + n
 * bytes. */
#define RLP_STRING 0x80
#define RLP_LIST 0xc0
#define RLP_SHORT_MAX 55

int
eth_rlp_head(const uint8_t *buf, size_t len, struct eth_rlp *item)
{
	size_t hlen, plen, lenlen;
	uint8_t b, base;
	uint64_t v = 0;

	memset(item, 0, sizeof(*item));
	if (len == 0)
		return SIGIL_E_INCOMPLETE;
	b = buf[0];
	if (b < RLP_STRING) {
		item->p = item->raw = buf;
		item->len = item->raw_len = 1;
		return 0;
	}
	base = b >= RLP_LIST ? RLP_LIST : RLP_STRING;
	if ((size_t)(b - base) <= RLP_SHORT_MAX) {
		hlen = 1;
		plen = (size_t)(b - base);
	} else {
		lenlen = (size_t)(b - base) - RLP_SHORT_MAX; /* 1 .. 8 */
		if (len - 1 < lenlen)
			return SIGIL_E_INCOMPLETE;
		if (buf[1] == 0)
			return SIGIL_E_INVALID; /* a length with a leading zero byte */
		for (size_t i = 0; i < lenlen; i++) {
			v = v << 8 | buf[1 + i];
			if (v > ETH_RLP_LEN_MAX) /* before the next shift can overflow */
				return SIGIL_E_TOO_BIG;
		}
		if (v <= RLP_SHORT_MAX)
			return SIGIL_E_INVALID; /* the short header was due */
		hlen = 1 + lenlen;
		plen = (size_t)v;
	}
	if (plen > len - hlen)
		return SIGIL_E_INCOMPLETE;
	/* A lone byte below 0x80 is its own encoding. */
	if (base == RLP_STRING && plen == 1 && buf[hlen] < RLP_STRING)
		return SIGIL_E_INVALID;
	item->list = base == RLP_LIST;
	item->p = buf + hlen;
	item->len = plen;
	item->raw = buf;
	item->raw_len = hlen + plen;
	return 0;
}

void
eth_rlp_iter_init(struct eth_rlp_iter *it, const struct eth_rlp *list)
{
	it->p = list->p;
	it->len = list->list ? list->len : 0;
	it->pos = 0;
}

int
eth_rlp_next(struct eth_rlp_iter *it, struct eth_rlp *item)
{
	int rc;

	if (it->pos == it->len) {
		memset(item, 0, sizeof(*item));
		return 0;
	}
	rc = eth_rlp_head(it->p + it->pos, it->len - it->pos, item);
	if (rc == SIGIL_E_INCOMPLETE)
		return SIGIL_E_INVALID; /* the list's bytes are all there */
	if (rc != 0)
		return rc;
	it->pos += item->raw_len;
	return 1;
}

/* Every item below a list, depth_left lists deep at most. The recursion is
 * bounded by ETH_RLP_DEPTH_MAX. */
static int
rlp_check(const struct eth_rlp *item, unsigned depth_left)
{
	struct eth_rlp_iter it;
	struct eth_rlp sub;
	int rc;

	if (!item->list)
		return 0;
	if (depth_left == 0)
		return SIGIL_E_INVALID;
	eth_rlp_iter_init(&it, item);
	while ((rc = eth_rlp_next(&it, &sub)) == 1)
		if ((rc = rlp_check(&sub, depth_left - 1)) != 0)
			return rc;
	return rc;
}

int
eth_rlp_decode(const uint8_t *buf, size_t len, unsigned max_depth, struct eth_rlp *item)
{
	int rc = eth_rlp_head(buf, len, item);

	if (max_depth > ETH_RLP_DEPTH_MAX)
		max_depth = ETH_RLP_DEPTH_MAX;
	if (rc == 0 && item->raw_len != len)
		rc = SIGIL_E_INVALID; /* trailing bytes */
	if (rc == 0)
		rc = rlp_check(item, max_depth);
	if (rc != 0)
		memset(item, 0, sizeof(*item));
	return rc;
}

int
eth_rlp_items(const struct eth_rlp *list, struct eth_rlp *items, size_t max, size_t *n)
{
	struct eth_rlp_iter it;
	struct eth_rlp extra;
	int rc;

	*n = 0;
	if (!list->list)
		return SIGIL_E_INVALID;
	eth_rlp_iter_init(&it, list);
	for (;;) {
		rc = eth_rlp_next(&it, *n < max ? &items[*n] : &extra);
		if (rc <= 0)
			return rc;
		if (++*n > max)
			return SIGIL_E_INVALID;
	}
}

int
eth_rlp_uint(const struct eth_rlp *item, uint8_t *out, size_t width)
{
	memset(out, 0, width);
	if (item->list || item->len > width)
		return SIGIL_E_INVALID;
	if (item->len > 0 && item->p[0] == 0)
		return SIGIL_E_INVALID; /* geth: "non-canonical integer (leading zero bytes)" */
	if (item->len > 0)
		memcpy(out + width - item->len, item->p, item->len);
	return 0;
}

int
eth_rlp_u64(const struct eth_rlp *item, uint64_t *v)
{
	uint8_t be[8];
	int rc = eth_rlp_uint(item, be, sizeof(be));

	*v = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(be); i++)
		*v = *v << 8 | be[i];
	return rc;
}

/* ---- encoding --------------------------------------------------------- */

void
eth_rlp_w_init(struct eth_rlp_w *w, uint8_t *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

int
eth_rlp_w_end(const struct eth_rlp_w *w, size_t *len)
{
	*len = w->err != 0 ? 0 : w->len;
	return w->err;
}

void
eth_rlp_put_raw(struct eth_rlp_w *w, const uint8_t *b, size_t n)
{
	if (w->err != 0)
		return;
	if (w->p == NULL) {
		w->len += n; /* counting only; a count is bounded by its input */
		return;
	}
	if (n > w->cap - w->len) {
		w->err = SIGIL_E_TOO_BIG;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

/* Bytes of n written big-endian without leading zeros (0 for 0). */
static size_t
be_len(size_t n)
{
	size_t k = 0;

	for (; n != 0; n >>= 8)
		k++;
	return k;
}

size_t
eth_rlp_head_len(size_t payload_len)
{
	return payload_len <= RLP_SHORT_MAX ? 1 : 1 + be_len(payload_len);
}

static void
put_head(struct eth_rlp_w *w, uint8_t base, size_t n)
{
	uint8_t h[ETH_RLP_HEAD_MAX];
	size_t k;

	if (n <= RLP_SHORT_MAX) {
		h[0] = (uint8_t)(base + n);
		eth_rlp_put_raw(w, h, 1);
		return;
	}
	k = be_len(n);
	h[0] = (uint8_t)(base + RLP_SHORT_MAX + k);
	for (size_t i = 0; i < k; i++)
		h[k - i] = (uint8_t)(n >> (8 * i));
	eth_rlp_put_raw(w, h, 1 + k);
}

void
eth_rlp_put_list_head(struct eth_rlp_w *w, size_t payload_len)
{
	put_head(w, RLP_LIST, payload_len);
}

size_t
eth_rlp_bytes_len(const uint8_t *b, size_t n)
{
	return n == 1 && b[0] < RLP_STRING ? 1 : eth_rlp_head_len(n) + n;
}

void
eth_rlp_put_bytes(struct eth_rlp_w *w, const uint8_t *b, size_t n)
{
	if (!(n == 1 && b[0] < RLP_STRING))
		put_head(w, RLP_STRING, n);
	eth_rlp_put_raw(w, b, n);
}

static size_t
skip_zeros(const uint8_t *be, size_t n)
{
	size_t z = 0;

	while (z < n && be[z] == 0)
		z++;
	return z;
}

size_t
eth_rlp_uint_len(const uint8_t *be, size_t n)
{
	size_t z = skip_zeros(be, n);

	return eth_rlp_bytes_len(be + z, n - z);
}

void
eth_rlp_put_uint(struct eth_rlp_w *w, const uint8_t *be, size_t n)
{
	size_t z = skip_zeros(be, n);

	eth_rlp_put_bytes(w, be + z, n - z);
}

static void
u64_be(uint64_t v, uint8_t be[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		be[i] = (uint8_t)v;
}

size_t
eth_rlp_u64_len(uint64_t v)
{
	uint8_t be[8];

	u64_be(v, be);
	return eth_rlp_uint_len(be, sizeof(be));
}

void
eth_rlp_put_u64(struct eth_rlp_w *w, uint64_t v)
{
	uint8_t be[8];

	u64_be(v, be);
	eth_rlp_put_uint(w, be, sizeof(be));
}
