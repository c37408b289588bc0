/* Signing payloads of signed extrinsics (extrinsic.h): the networks, the
 * era, extra and additional, and the bytes a key signs.
 *
 * The era is sp_runtime's generic::Era (era.rs): 0x00 immortal, else two
 * bytes LE, e: period = 2 << (e % 16), phase = (e >> 4) * max(period >>
 * 12, 1), valid only when period >= 4 and phase < period. Every such pair
 * of bytes is the one encoding of its (period, phase), so no shortest-form
 * rule is needed. A mortal era's first byte is never 0 (e % 16 >= 1). */
#include "chain/polkadot/extrinsic.h"

#include <string.h>

#include <sodium.h>

#include "base/errors.h"

/* Pallet indices from construct_runtime! and the signed extensions, read
 * in polkadot-fellows/runtimes relay/polkadot/src/lib.rs (Balances = 5,
 * Utility = 26, SignedExtra ending in PrevalidateAttests and
 * CheckMetadataHash), relay/kusama/src/lib.rs (Balances = 4, Utility = 24,
 * CheckMetadataHash) and paritytech/polkadot-sdk
 * polkadot/runtime/westend/src/lib.rs (Balances = 4, Utility = 16,
 * CheckMetadataHash). All three use MultiAddress<AccountId, ()> with
 * AccountIdLookup<AccountId, ()>. Genesis hashes as @polkadot/networks
 * 14.0.3 lists them (defaults/genesis.js). Call indices: calls.c. */
const struct dot_network dot_net_polkadot = {
	.name = "polkadot",
	.ss58_prefix = DOT_SS58_POLKADOT,
	.genesis = {0x91, 0xb1, 0x71, 0xbb, 0x15, 0x8e, 0x2d, 0x38, 0x48, 0xfa, 0x23,
	            0xa9, 0xf1, 0xc2, 0x51, 0x82, 0xfb, 0x8e, 0x20, 0x31, 0x3b, 0x2c,
	            0x1e, 0xb4, 0x92, 0x19, 0xda, 0x7a, 0x70, 0xce, 0x90, 0xc3},
	.check_genesis = true,
	.metadata_hash = true,
	.index_u32 = false,
	.balances = 5,
	.utility = 26,
	DOT_PALLET_CALLS,
};

const struct dot_network dot_net_kusama = {
	.name = "kusama",
	.ss58_prefix = DOT_SS58_KUSAMA,
	.genesis = {0xb0, 0xa8, 0xd4, 0x93, 0x28, 0x5c, 0x2d, 0xf7, 0x32, 0x90, 0xdf,
	            0xb7, 0xe6, 0x1f, 0x87, 0x0f, 0x17, 0xb4, 0x18, 0x01, 0x19, 0x7a,
	            0x14, 0x9c, 0xa9, 0x36, 0x54, 0x49, 0x9e, 0xa3, 0xda, 0xfe},
	.check_genesis = true,
	.metadata_hash = true,
	.index_u32 = false,
	.balances = 4,
	.utility = 24,
	DOT_PALLET_CALLS,
};

const struct dot_network dot_net_westend = {
	.name = "westend",
	.ss58_prefix = DOT_SS58_SUBSTRATE,
	.genesis = {0xe1, 0x43, 0xf2, 0x38, 0x03, 0xac, 0x50, 0xe8, 0xf6, 0xf8, 0xe6,
	            0x26, 0x95, 0xd1, 0xce, 0x9e, 0x4e, 0x1d, 0x68, 0xaa, 0x36, 0xc1,
	            0xcd, 0x2c, 0xfd, 0x15, 0x34, 0x02, 0x13, 0xf3, 0x42, 0x3e},
	.check_genesis = true,
	.metadata_hash = true,
	.index_u32 = false,
	.balances = 4,
	.utility = 16,
	DOT_PALLET_CALLS,
};

static const struct dot_network *const networks[] = {
	&dot_net_polkadot, &dot_net_kusama, &dot_net_westend, NULL,
};

const struct dot_network *
dot_network_find(const char *name)
{
	for (size_t i = 0; name != NULL && networks[i] != NULL; i++)
		if (strcmp(networks[i]->name, name) == 0)
			return networks[i];
	return NULL;
}

const struct dot_network *
dot_network_at(size_t i)
{
	return i < sizeof(networks) / sizeof(networks[0]) ? networks[i] : NULL;
}

const struct dot_network *
dot_conf_by_genesis(const struct dot_conf *conf, const uint8_t genesis[static DOT_HASH_LEN])
{
	const struct dot_network *net;

	for (size_t i = 0; conf != NULL && i < conf->n; i++)
		if (memcmp(conf->nets[i].genesis, genesis, DOT_HASH_LEN) == 0)
			return &conf->nets[i];
	for (size_t i = 0; (net = dot_network_at(i)) != NULL; i++)
		if (memcmp(net->genesis, genesis, DOT_HASH_LEN) == 0 &&
		    (conf == NULL || dot_conf_by_name(conf, net->name) == net))
			return net;
	return NULL;
}

const struct dot_network *
dot_conf_by_name(const struct dot_conf *conf, const char *name)
{
	for (size_t i = 0; conf != NULL && name != NULL && i < conf->n; i++)
		if (strcmp(conf->nets[i].name, name) == 0)
			return &conf->nets[i];
	return dot_network_find(name);
}

void
dot_blake2_256(const uint8_t *in, size_t len, uint8_t out[static DOT_HASH_LEN])
{
	crypto_generichash(out, DOT_HASH_LEN, in, len, NULL, 0);
}

void
dot_signing_bytes(const uint8_t *payload, size_t len, uint8_t hash[static DOT_HASH_LEN],
                  const uint8_t **msg, size_t *msg_len)
{
	memset(hash, 0, DOT_HASH_LEN);
	if (len <= DOT_SIGN_RAW_MAX) {
		*msg = payload;
		*msg_len = len;
		return;
	}
	dot_blake2_256(payload, len, hash);
	*msg = hash;
	*msg_len = DOT_HASH_LEN;
}

#define FAIL(code, ...)                                   \
	do {                                                  \
		rc = (code);                                      \
		sigil_errf(reason, cap, __VA_ARGS__);             \
		goto out;                                         \
	} while (0)

/* The bytes of additional (and the mode byte) for a network, and the
 * fewest bytes extra and a call can take (era 1, nonce 1, tip 1, mode 1;
 * pallet and call index). */
#define ADDITIONAL_LEN 72
#define MH_NONE_LEN 1
#define MH_SOME_LEN (1 + DOT_HASH_LEN)
#define MIN_CALL 2
#define MIN_EXTRA 3

static int
rd_era(struct scale_cur *c, struct dot_payload *p)
{
	uint8_t b0, b1;
	uint32_t e, period, quantize;
	int rc;

	if ((rc = scale_u8(c, &b0)) != 0)
		return rc;
	if (b0 == 0) {
		p->immortal = true;
		return 0;
	}
	if ((rc = scale_u8(c, &b1)) != 0)
		return rc;
	e = (uint32_t)b0 | (uint32_t)b1 << 8;
	period = 2u << (e % 16);
	quantize = period >> 12 > 1 ? period >> 12 : 1;
	if (period < 4 || (e >> 4) * quantize >= period)
		return SIGIL_E_INVALID;
	p->era_period = period;
	p->era_phase = (e >> 4) * quantize;
	return 0;
}

static int
rd_extra(struct scale_cur *c, const struct dot_network *net, struct dot_payload *p, char *reason,
         size_t cap)
{
	uint8_t tip[SCALE_U128_LEN];
	uint64_t nonce;
	int rc = rd_era(c, p);

	if (rc != 0)
		FAIL(rc, rc == SIGIL_E_INVALID ? "era: invalid period and phase" : "era cut short");
	if ((rc = scale_compact_u64(c, UINT32_MAX, &nonce)) != 0)
		FAIL(rc, "nonce cut short, over 32 bits or not canonical");
	p->nonce = (uint32_t)nonce;
	if ((rc = scale_compact(c, SCALE_U128_LEN, tip)) != 0)
		FAIL(rc, "tip cut short, over 128 bits or not canonical");
	if (scale_le_decimal(tip, sizeof(tip), p->tip, sizeof(p->tip)) != 0)
		FAIL(SIGIL_E_INTERNAL, "tip: decimal");
	if (net->metadata_hash) {
		if ((rc = scale_u8(c, &p->mode)) != 0)
			FAIL(rc, "metadata hash mode cut short");
		if (p->mode > 1)
			FAIL(SIGIL_E_INVALID, "metadata hash mode %u (0 disabled, 1 enabled)", p->mode);
	}
	p->has_extra = true;
out:
	return rc;
}

/* additional at the cursor into p: its fields, and for CheckMetadataHash
 * the Option, which must agree with mode. */
static int
rd_additional(struct scale_cur *c, const struct dot_network *net, uint8_t mode,
              struct dot_payload *p, char *reason, size_t cap)
{
	const uint8_t *g, *b, *h;
	int rc;

	if ((rc = scale_u32(c, &p->spec_version)) != 0 || (rc = scale_u32(c, &p->tx_version)) != 0 ||
	    (rc = scale_bytes(c, DOT_HASH_LEN, &g)) != 0 ||
	    (rc = scale_bytes(c, DOT_HASH_LEN, &b)) != 0)
		FAIL(rc, "versions, genesis or block hash cut short");
	memcpy(p->genesis, g, DOT_HASH_LEN);
	memcpy(p->block_hash, b, DOT_HASH_LEN);
	if (net->metadata_hash) {
		rc = scale_option(c, &p->has_metadata_hash);
		if (rc == 0 && p->has_metadata_hash && (rc = scale_bytes(c, DOT_HASH_LEN, &h)) == 0)
			memcpy(p->metadata_hash, h, DOT_HASH_LEN);
		if (rc == SIGIL_E_INVALID)
			FAIL(rc, "metadata hash: Option tag is neither 0 nor 1");
		if (rc != 0)
			FAIL(rc, "metadata hash cut short");
		/* The runtime's own value is None with mode 0 and its metadata's
		 * hash with mode 1: a payload saying otherwise verifies nowhere. */
		if (p->has_metadata_hash != (mode == 1))
			FAIL(SIGIL_E_INVALID, "metadata hash mode %u with %s hash", mode,
			     p->has_metadata_hash ? "a" : "no");
	}
	p->has_additional = true;
	p->has_genesis = true;
out:
	return rc;
}

static void
copy_additional(const struct dot_payload *from, struct dot_payload *to)
{
	to->has_additional = from->has_additional;
	to->spec_version = from->spec_version;
	to->tx_version = from->tx_version;
	memcpy(to->block_hash, from->block_hash, DOT_HASH_LEN);
	to->has_metadata_hash = from->has_metadata_hash;
	memcpy(to->metadata_hash, from->metadata_hash, DOT_HASH_LEN);
	to->has_genesis = from->has_genesis;
	memcpy(to->genesis, from->genesis, DOT_HASH_LEN);
}

/* After an unknown call: additional from the end, where it can be told. */
static int
rd_tail(const uint8_t *buf, size_t len, const struct dot_network *net, struct dot_payload *p,
        char *reason, size_t cap)
{
	struct dot_payload r[2];
	struct scale_cur c;
	size_t n = 0;
	int rc = 0;

	if (!net->metadata_hash) {
		if (len < MIN_CALL + MIN_EXTRA + ADDITIONAL_LEN)
			FAIL(SIGIL_E_INCOMPLETE, "too short for a payload");
		scale_cur_init(&c, buf + len - ADDITIONAL_LEN, ADDITIONAL_LEN);
		return rd_additional(&c, net, 0, p, reason, cap);
	}
	/* The two readings: ... mode 0 ‖ additional ‖ 0x00, and
	 * ... mode 1 ‖ additional ‖ 0x01 ‖ hash. */
	for (int some = 0; some <= 1; some++) {
		size_t alen = ADDITIONAL_LEN + (some ? MH_SOME_LEN : MH_NONE_LEN);

		if (len < MIN_CALL + MIN_EXTRA + 1 + alen || buf[len - alen - 1] != some)
			continue;
		memset(&r[n], 0, sizeof(r[n]));
		scale_cur_init(&c, buf + len - alen, alen);
		if (rd_additional(&c, net, (uint8_t)some, &r[n], NULL, 0) == 0)
			n++;
	}
	if (n == 0 && len < MIN_CALL + MIN_EXTRA + 1 + ADDITIONAL_LEN + MH_NONE_LEN)
		FAIL(SIGIL_E_INCOMPLETE, "too short for a payload");
	if (n == 0)
		FAIL(SIGIL_E_INVALID, "the payload's end is no additional data of %s", net->name);
	if (n == 1) {
		copy_additional(&r[0], p);
		return 0;
	}
	/* Both fit: only what both say is known. */
	if (memcmp(r[0].genesis, r[1].genesis, DOT_HASH_LEN) == 0) {
		p->has_genesis = true;
		memcpy(p->genesis, r[0].genesis, DOT_HASH_LEN);
	}
out:
	return rc;
}

static int
check_genesis(const struct dot_network *net, struct dot_payload *p, char *reason, size_t cap)
{
	int rc = 0;

	if (!net->check_genesis)
		return 0;
	if (!p->has_genesis)
		FAIL(SIGIL_E_INVALID, "cannot tell which network the payload is for");
	if (memcmp(p->genesis, net->genesis, DOT_HASH_LEN) != 0)
		FAIL(SIGIL_E_INVALID, "the genesis hash is not %s's", net->name);
out:
	return rc;
}

int
dot_payload_decode(const uint8_t *buf, size_t len, const struct dot_network *net,
                   struct dot_payload *out, char *reason, size_t cap)
{
	struct scale_cur c;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	sigil_errf(reason, cap, "%s", "");
	out->net = net;
	if (len == 0)
		FAIL(SIGIL_E_INCOMPLETE, "empty payload");
	if (len > DOT_PAYLOAD_MAX)
		FAIL(SIGIL_E_TOO_BIG, "payload over %d bytes", DOT_PAYLOAD_MAX);
	scale_cur_init(&c, buf, len);
	if ((rc = dot_call_decode(&c, net, out, reason, cap)) != 0)
		goto out;
	if (!out->call_known) {
		rc = rd_tail(buf, len, net, out, reason, cap);
	} else if ((rc = rd_extra(&c, net, out, reason, cap)) == 0 &&
	           (rc = rd_additional(&c, net, out->mode, out, reason, cap)) == 0) {
		if (scale_left(&c) != 0)
			FAIL(SIGIL_E_INVALID, "%zu bytes after the payload", scale_left(&c));
		if (out->immortal && memcmp(out->block_hash, out->genesis, DOT_HASH_LEN) != 0)
			FAIL(SIGIL_E_INVALID, "an immortal era's block hash must be the genesis hash");
	}
	if (rc == 0)
		rc = check_genesis(net, out, reason, cap);
out:
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		if (reason != NULL && cap > 0 && reason[0] == '\0')
			sigil_errf(reason, cap, "%s", sigil_strerror(rc));
	}
	return rc;
}
