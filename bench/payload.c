#include "payload.h"

#include <string.h>

#include "base/hex.h"

struct pl_buf {
	uint8_t b[BENCH_PAYLOAD_HEX_MAX / 2];
	size_t n;
	int overflow;
};

static void
pl_put(struct pl_buf *p, const void *src, size_t n)
{
	if (p->overflow || n > sizeof(p->b) - p->n) {
		p->overflow = 1;
		return;
	}
	memcpy(p->b + p->n, src, n);
	p->n += n;
}

static void
pl_u8(struct pl_buf *p, uint8_t v)
{
	pl_put(p, &v, 1);
}

static void
pl_be(struct pl_buf *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		pl_u8(p, (uint8_t)(v >> (8 * i)));
}

/* Zarith natural: 7 bits a byte, least significant group first. */
static void
pl_zarith(struct pl_buf *p, uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		pl_u8(p, v ? (uint8_t)(b | 0x80) : b);
	} while (v);
}

static void
pl_fill(struct pl_buf *p, uint8_t byte, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pl_u8(p, byte);
}

static int
pl_hex(const struct pl_buf *p, char *out, size_t cap)
{
	if (p->overflow || cap < 2 * p->n + 1)
		return -1;
	return hex_encode(p->b, p->n, out, cap) == 0 ? 0 : -1;
}

int
bench_tx_hex(const uint8_t source[static TZ_PKH_BIN_LEN], uint64_t counter, char *out,
             size_t cap)
{
	struct pl_buf p = {.n = 0};

	pl_u8(&p, 0x03);              /* generic operation */
	pl_fill(&p, 0xab, 32);        /* branch */
	pl_u8(&p, 0x6c);              /* transaction (tag 108) */
	pl_put(&p, source, TZ_PKH_BIN_LEN);
	pl_zarith(&p, 1000);          /* fee (mutez) */
	pl_zarith(&p, counter);       /* the field that makes each request distinct */
	pl_zarith(&p, 1500);          /* gas limit */
	pl_zarith(&p, 0);             /* storage limit */
	pl_zarith(&p, 1000000);       /* amount: 1 tez */
	pl_u8(&p, 0x00);              /* destination: an implicit account … */
	pl_put(&p, source, TZ_PKH_BIN_LEN); /* … the source itself */
	pl_u8(&p, 0x00);              /* no parameters */
	return pl_hex(&p, out, cap);
}

int
bench_attestation_hex(int32_t level, uint16_t slot, uint64_t salt, char *out, size_t cap)
{
	struct pl_buf p = {.n = 0};

	if (level < 0)
		return -1;
	pl_u8(&p, 0x13);              /* attestation watermark */
	pl_be(&p, BENCH_CHAIN_ID, 4);
	pl_fill(&p, 0xab, 32);        /* branch */
	pl_u8(&p, 0x15);              /* attestation with slot (tag 21) */
	pl_be(&p, slot, 2);
	pl_be(&p, (uint32_t)level, 4);
	pl_be(&p, 0, 4);              /* round */
	pl_be(&p, salt, 8);           /* block payload hash: salt then filler */
	pl_fill(&p, 0x70, 24);
	return pl_hex(&p, out, cap);
}

/* An RLP integer: the minimal big-endian bytes as a string, 0 as the empty
 * string (the Yellow Paper's appendix B). Short strings only: under 56
 * bytes, as every field here is. */
static void
pl_rlp_uint(struct pl_buf *p, uint64_t v)
{
	int n = 0;

	for (uint64_t x = v; x; x >>= 8)
		n++;
	if (n == 1 && v < 0x80) {
		pl_u8(p, (uint8_t)v);
		return;
	}
	pl_u8(p, (uint8_t)(0x80 + n));
	pl_be(p, v, n);
}

int
bench_eth_tx_hex(uint64_t nonce, char *out, size_t cap)
{
	static const uint8_t to[20] = {0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35,
	                               0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35, 0x35};
	struct pl_buf f = {.n = 0}, p = {.n = 0};

	pl_rlp_uint(&f, 1);           /* chain id: mainnet */
	pl_rlp_uint(&f, nonce);       /* the field that makes each request distinct */
	pl_rlp_uint(&f, 1000000000);  /* max priority fee: 1 gwei */
	pl_rlp_uint(&f, 30000000000); /* max fee: 30 gwei */
	pl_rlp_uint(&f, 21000);       /* gas limit of a plain transfer */
	pl_u8(&f, 0x80 + sizeof(to)); /* to */
	pl_put(&f, to, sizeof(to));
	pl_rlp_uint(&f, 1);           /* value: 1 wei */
	pl_u8(&f, 0x80);              /* no data */
	pl_u8(&f, 0xc0);              /* empty access list */
	if (f.overflow || f.n >= 56)
		return -1;
	pl_u8(&p, 0x02);              /* EIP-2718 type: EIP-1559 */
	pl_u8(&p, (uint8_t)(0xc0 + f.n));
	pl_put(&p, f.b, f.n);
	return pl_hex(&p, out, cap);
}
