#include "watermark/file/slot.h"

#include <sodium.h>
#include <string.h>

#define OFF_MAGIC 0
#define OFF_VERSION 4
#define OFF_KIND 5
#define OFF_HAS_DIGEST 6
#define OFF_SIG_LEN 7
#define OFF_CHAIN 8
#define OFF_PKH 12
#define OFF_LEVEL 36
#define OFF_ROUND 40
#define OFF_DIGEST 44
#define OFF_SIG 76
#define OFF_SEQ 172
#define OFF_SUM 240
#define SUM_LEN 16

static const uint8_t wm_magic[4] = {'S', 'G', 'W', 'M'};

_Static_assert(OFF_PKH + 21 <= OFF_LEVEL, "pkh overlaps level");
_Static_assert(OFF_SIG + SIGIL_SIG_MAX == OFF_SEQ, "signature field size");
_Static_assert(OFF_SEQ + 8 <= OFF_SUM, "seq overlaps checksum");
_Static_assert(OFF_SUM + SUM_LEN == WM_SLOT_SIZE, "slot size");

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
slot_sum(const uint8_t in[static WM_SLOT_SIZE], uint8_t sum[static SUM_LEN])
{
	crypto_generichash(sum, SUM_LEN, in, OFF_SUM, NULL, 0);
}

void
wm_key_of(const struct wm_id *id, uint8_t key[static WM_KEY_LEN])
{
	memcpy(key, id->chain_id, 4);
	memcpy(key + 4, id->key, 21);
	key[25] = (uint8_t)id->kind;
}

void
wm_slot_encode(const struct wm_id *id, const struct wm_mark *m, uint64_t seq,
               uint8_t out[static WM_SLOT_SIZE])
{
	size_t sig_len = m->sig_len <= SIGIL_SIG_MAX ? m->sig_len : 0;

	memset(out, 0, WM_SLOT_SIZE);
	memcpy(out + OFF_MAGIC, wm_magic, sizeof(wm_magic));
	out[OFF_VERSION] = WM_SLOT_VERSION;
	out[OFF_KIND] = (uint8_t)id->kind;
	out[OFF_HAS_DIGEST] = m->has_digest ? 1 : 0;
	out[OFF_SIG_LEN] = (uint8_t)sig_len;
	memcpy(out + OFF_CHAIN, id->chain_id, 4);
	memcpy(out + OFF_PKH, id->key, 21);
	put32(out + OFF_LEVEL, (uint32_t)m->level);
	put32(out + OFF_ROUND, (uint32_t)m->round);
	if (m->has_digest)
		memcpy(out + OFF_DIGEST, m->digest, 32);
	memcpy(out + OFF_SIG, m->sig, sig_len);
	put32(out + OFF_SEQ, (uint32_t)(seq >> 32));
	put32(out + OFF_SEQ + 4, (uint32_t)seq);
	slot_sum(out, out + OFF_SUM);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

enum wm_slot_state
wm_slot_decode(const uint8_t in[static WM_SLOT_SIZE], struct wm_slot *out)
{
	uint8_t sum[SUM_LEN];

	memset(out, 0, sizeof(*out));
	if (all_zero(in, WM_SLOT_SIZE))
		return WM_SLOT_EMPTY;
	if (memcmp(in + OFF_MAGIC, wm_magic, sizeof(wm_magic)) != 0)
		return WM_SLOT_BAD;
	slot_sum(in, sum);
	if (memcmp(sum, in + OFF_SUM, SUM_LEN) != 0)
		return WM_SLOT_BAD;
	/* The checksum holds, so whoever wrote this meant it: a version or a
	 * value we do not understand is not damage but a format we must not
	 * guess at. */
	if (in[OFF_VERSION] != WM_SLOT_VERSION || in[OFF_KIND] >= WM_KINDS ||
	    in[OFF_HAS_DIGEST] > 1 || in[OFF_SIG_LEN] > SIGIL_SIG_MAX)
		return WM_SLOT_ALIEN;
	memcpy(out->id.chain_id, in + OFF_CHAIN, 4);
	memcpy(out->id.key, in + OFF_PKH, 21);
	out->id.kind = (enum wm_kind)in[OFF_KIND];
	out->mark.level = (int32_t)get32(in + OFF_LEVEL);
	out->mark.round = (int32_t)get32(in + OFF_ROUND);
	out->mark.has_digest = in[OFF_HAS_DIGEST] == 1;
	memcpy(out->mark.digest, in + OFF_DIGEST, 32);
	out->mark.sig_len = in[OFF_SIG_LEN];
	memcpy(out->mark.sig, in + OFF_SIG, out->mark.sig_len);
	out->seq = (uint64_t)get32(in + OFF_SEQ) << 32 | get32(in + OFF_SEQ + 4);
	return WM_SLOT_OK;
}

int
wm_slot_peek_id(const uint8_t in[static WM_SLOT_SIZE], struct wm_id *id)
{
	memset(id, 0, sizeof(*id));
	if (memcmp(in + OFF_MAGIC, wm_magic, sizeof(wm_magic)) != 0 ||
	    in[OFF_VERSION] != WM_SLOT_VERSION || in[OFF_KIND] >= WM_KINDS)
		return -1;
	memcpy(id->chain_id, in + OFF_CHAIN, 4);
	memcpy(id->key, in + OFF_PKH, 21);
	id->kind = (enum wm_kind)in[OFF_KIND];
	return 0;
}
