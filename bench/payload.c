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

/* Little-endian integer of `bytes` bytes. */
static void
pl_le(struct pl_buf *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		pl_u8(p, (uint8_t)(v >> (8 * i)));
}

int
bench_sol_msg_hex(const uint8_t payer[static 32], uint64_t lamports, char *out, size_t cap)
{
	struct pl_buf p = {.n = 0};

	/* header: 1 signature required, none read-only signed, 1 read-only
	 * unsigned (the System program) */
	pl_u8(&p, 1);
	pl_u8(&p, 0);
	pl_u8(&p, 1);
	pl_u8(&p, 3);                 /* accounts (compact-u16) */
	pl_put(&p, payer, 32);        /* 0: the key, fee payer and source */
	pl_fill(&p, 0x11, 32);        /* 1: the destination */
	pl_fill(&p, 0x00, 32);        /* 2: the System program (11…1) */
	pl_fill(&p, 0x22, 32);        /* recent blockhash */
	pl_u8(&p, 1);                 /* one instruction */
	pl_u8(&p, 2);                 /* program: account 2 */
	pl_u8(&p, 2);                 /* its accounts: from, to */
	pl_u8(&p, 0);
	pl_u8(&p, 1);
	pl_u8(&p, 12);                /* data: u32 2 (Transfer), u64 lamports */
	pl_le(&p, 2, 4);
	pl_le(&p, lamports, 8);
	return pl_hex(&p, out, cap);
}

/* SCALE compact integer: 6, 14 or 30 bits in 1, 2 or 4 bytes with the mode
 * in the low two bits; beyond, 0b11 with the byte count less 4 above it,
 * then the minimal little-endian bytes. */
static void
pl_compact(struct pl_buf *p, uint64_t v)
{
	int n = 0;

	if (v < 1u << 6) {
		pl_u8(p, (uint8_t)(v << 2));
	} else if (v < 1u << 14) {
		pl_le(p, v << 2 | 1, 2);
	} else if (v < 1u << 30) {
		pl_le(p, v << 2 | 2, 4);
	} else {
		for (uint64_t x = v; x; x >>= 8)
			n++;
		pl_u8(p, (uint8_t)((n - 4) << 2 | 3));
		pl_le(p, v, n);
	}
}

/* Westend's genesis hash (as @polkadot/networks lists it). */
static const uint8_t pl_westend[32] = {
	0xe1, 0x43, 0xf2, 0x38, 0x03, 0xac, 0x50, 0xe8, 0xf6, 0xf8, 0xe6, 0x26, 0x95, 0xd1, 0xce, 0x9e,
	0x4e, 0x1d, 0x68, 0xaa, 0x36, 0xc1, 0xcd, 0x2c, 0xfd, 0x15, 0x34, 0x02, 0x13, 0xf3, 0x42, 0x3e,
};

/* balances.transfer_keep_alive (Westend: pallet 4, call 3) of amount to a
 * fixed account (Bob's, as the demo's). */
static void
pl_dot_transfer(struct pl_buf *p, uint64_t amount)
{
	static const uint8_t bob[32] = {
		0x8e, 0xaf, 0x04, 0x15, 0x16, 0x87, 0x73, 0x63, 0x26, 0xc9, 0xfe, 0xa1, 0x7e, 0x25, 0xfc, 0x52,
		0x87, 0x61, 0x36, 0x93, 0xc9, 0x12, 0x90, 0x9c, 0xb2, 0x26, 0xaa, 0x47, 0x94, 0xf2, 0x6a, 0x48,
	};

	pl_u8(p, 4);
	pl_u8(p, 3);
	pl_u8(p, 0);                  /* MultiAddress::Id */
	pl_put(p, bob, sizeof(bob));
	pl_compact(p, amount);
}

int
bench_dot_payload_hex(uint64_t amount, unsigned transfers, char *out, size_t cap)
{
	struct pl_buf p = {.n = 0};

	if (transfers == 0 || transfers > BENCH_DOT_BATCH_MAX)
		return -1;
	if (transfers > 1) {
		pl_u8(&p, 16);        /* utility (Westend: pallet 16) … */
		pl_u8(&p, 2);         /* … batch_all */
		pl_compact(&p, transfers);
	}
	for (unsigned i = 0; i < transfers; i++)
		pl_dot_transfer(&p, amount);
	/* extra: immortal era, nonce 0, tip 0, CheckMetadataHash disabled */
	pl_fill(&p, 0x00, 4);
	/* additional: spec and transaction versions, genesis, the block hash
	 * (the genesis for an immortal era), no metadata hash */
	pl_le(&p, 1016000, 4);
	pl_le(&p, 26, 4);
	pl_put(&p, pl_westend, sizeof(pl_westend));
	pl_put(&p, pl_westend, sizeof(pl_westend));
	pl_u8(&p, 0);
	return pl_hex(&p, out, cap);
}

/* A bitcoin CompactSize (BIP-174's lengths): one byte below 0xfd. */
static void
pl_btc_len(struct pl_buf *p, size_t n)
{
	if (n < 0xfd) {
		pl_u8(p, (uint8_t)n);
	} else {
		pl_u8(p, 0xfd);
		pl_le(p, n, 2);
	}
}

int
bench_btc_psbt_hex(const uint8_t program[static 20], uint64_t in_amount, char *out, size_t cap)
{
	struct pl_buf tx = {.n = 0}, p = {.n = 0};

	/* The unsigned transaction: version 2, one input (txid 0x33…, vout 0,
	 * empty scriptSig, sequence 0xfffffffd), one output of 50 000 sat to a
	 * P2WPKH of 0x44…, locktime 0. */
	pl_le(&tx, 2, 4);
	pl_u8(&tx, 1);
	pl_fill(&tx, 0x33, 32);
	pl_le(&tx, 0, 4);
	pl_u8(&tx, 0);
	pl_le(&tx, 0xfffffffd, 4);
	pl_u8(&tx, 1);
	pl_le(&tx, 50000, 8);
	pl_u8(&tx, 22);
	pl_u8(&tx, 0x00);
	pl_u8(&tx, 0x14);
	pl_fill(&tx, 0x44, 20);
	pl_le(&tx, 0, 4);
	if (tx.overflow)
		return -1;

	pl_put(&p, "psbt\xff", 5);   /* magic */
	pl_u8(&p, 1);                 /* global: key PSBT_GLOBAL_UNSIGNED_TX (0x00) */
	pl_u8(&p, 0x00);
	pl_btc_len(&p, tx.n);
	pl_put(&p, tx.b, tx.n);
	pl_u8(&p, 0);                 /* end of the global map */
	pl_u8(&p, 1);                 /* input 0: key PSBT_IN_WITNESS_UTXO (0x01) */
	pl_u8(&p, 0x01);
	pl_u8(&p, 8 + 1 + 22);        /* amount, script length, P2WPKH script */
	pl_le(&p, in_amount, 8);
	pl_u8(&p, 22);
	pl_u8(&p, 0x00);
	pl_u8(&p, 0x14);
	pl_put(&p, program, 20);
	pl_u8(&p, 0);                 /* end of input 0 */
	pl_u8(&p, 0);                 /* output 0: an empty map */
	return pl_hex(&p, out, cap);
}
