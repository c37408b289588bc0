/* RLP, Ethereum's serialisation (yellow paper, appendix B): a strict
 * decoder and the small encoder the transaction code writes with.
 *
 * An item is a string of bytes or a list of items. Every value has exactly
 * one encoding, and only that one is accepted: a single byte below 0x80 is
 * itself (never 81 xx), a string or list of up to 55 bytes has the short
 * header, a longer one the long header whose length has no leading zero
 * byte, and nothing follows the item. A second encoding of the same value
 * would give the same transaction a second hash, and a signer must never
 * sign bytes whose meaning a node reads differently.
 *
 * The decoder allocates nothing: an item points into the caller's buffer,
 * which must outlive it. Every read checks what remains first. Running out
 * at the top level is SIGIL_E_INCOMPLETE; inside a list whose bytes are
 * all present, an item that runs past the list's end is SIGIL_E_INVALID
 * (the list's length lied). A length over ETH_RLP_LEN_MAX is
 * SIGIL_E_TOO_BIG, and lists nested deeper than the caller allows (never
 * more than ETH_RLP_DEPTH_MAX) are SIGIL_E_INVALID. */
#ifndef SIGIL_ETH_RLP_H
#define SIGIL_ETH_RLP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_RLP_LEN_MAX (16u * 1024 * 1024) /* one item's payload, bytes */
#define ETH_RLP_DEPTH_MAX 16                /* lists within lists */
#define ETH_RLP_HEAD_MAX 9                  /* the longest header we write */

struct eth_rlp {
	bool list;
	const uint8_t *p;    /* the payload: a string's bytes, a list's items */
	size_t len;
	const uint8_t *raw;  /* the whole item, header included */
	size_t raw_len;
};

/* One item at the start of buf (len bytes): its header checked as above,
 * its payload present, nothing below it examined; what follows it in buf
 * is the caller's. */
__attribute__((warn_unused_result)) int
eth_rlp_head(const uint8_t *buf, size_t len, struct eth_rlp *item);

/* Exactly one item filling buf, every list within it checked to the
 * bottom, at most max_depth lists deep (a string is depth 0, a list of
 * strings 1; max_depth is capped at ETH_RLP_DEPTH_MAX). *item is zeroed on
 * error. */
__attribute__((warn_unused_result)) int
eth_rlp_decode(const uint8_t *buf, size_t len, unsigned max_depth, struct eth_rlp *item);

/* A list's items, one at a time. */
struct eth_rlp_iter {
	const uint8_t *p;
	size_t len, pos;
};

/* it over list's items; list must be a list. */
void eth_rlp_iter_init(struct eth_rlp_iter *it, const struct eth_rlp *list);

/* 1 and the next item in *item, 0 at the end of the list, or a negative
 * error (an item cut short by the list's end is SIGIL_E_INVALID). */
__attribute__((warn_unused_result)) int
eth_rlp_next(struct eth_rlp_iter *it, struct eth_rlp *item);

/* A list's items into items[0 .. max-1], their number in *n: a list of
 * more than max items is SIGIL_E_INVALID (*n is then max + 1). */
__attribute__((warn_unused_result)) int
eth_rlp_items(const struct eth_rlp *list, struct eth_rlp *items, size_t max, size_t *n);

/* An unsigned integer as Ethereum writes it: a string, big-endian, no
 * leading zero byte (zero is the empty string), at most width bytes.
 * Written right-aligned into out[0 .. width-1], zero-filled on the left.
 * SIGIL_E_INVALID for a list, a leading zero or more than width bytes. */
__attribute__((warn_unused_result)) int
eth_rlp_uint(const struct eth_rlp *item, uint8_t *out, size_t width);

/* The same into a uint64_t (at most 8 bytes). */
__attribute__((warn_unused_result)) int
eth_rlp_u64(const struct eth_rlp *item, uint64_t *v);

/* ---- encoding ---------------------------------------------------------
 * A writer into a caller's buffer. Running out of room is remembered
 * (SIGIL_E_TOO_BIG) and later writes do nothing; eth_rlp_w_end says how it
 * went. A writer made on a NULL buffer only counts: the same calls then
 * measure what they would write (a list's payload, before its header).
 * The writer makes canonical encodings only. */
struct eth_rlp_w {
	uint8_t *p;
	size_t cap, len;
	int err;
};

void eth_rlp_w_init(struct eth_rlp_w *w, uint8_t *buf, size_t cap); /* buf NULL: count */
/* 0 and the bytes written in *len, or SIGIL_E_TOO_BIG (*len 0). */
__attribute__((warn_unused_result)) int eth_rlp_w_end(const struct eth_rlp_w *w, size_t *len);

/* Bytes as they are: a type byte, or items already encoded. */
void eth_rlp_put_raw(struct eth_rlp_w *w, const uint8_t *b, size_t n);
/* The header of a list whose items, payload_len bytes, the caller writes next. */
void eth_rlp_put_list_head(struct eth_rlp_w *w, size_t payload_len);
/* A string item. */
void eth_rlp_put_bytes(struct eth_rlp_w *w, const uint8_t *b, size_t n);
/* An integer from big-endian bytes (leading zeros dropped) or a uint64_t. */
void eth_rlp_put_uint(struct eth_rlp_w *w, const uint8_t *be, size_t n);
void eth_rlp_put_u64(struct eth_rlp_w *w, uint64_t v);

/* What those writes take, for sizing a list's header first. */
size_t eth_rlp_head_len(size_t payload_len);
size_t eth_rlp_bytes_len(const uint8_t *b, size_t n);
size_t eth_rlp_uint_len(const uint8_t *be, size_t n);
size_t eth_rlp_u64_len(uint64_t v);

#endif
