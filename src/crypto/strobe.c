/* STROBE-128 for Merlin (strobe.h), from the STROBE specification 1.0.2:
 * the initial state of section 5.1 (the cSHAKE-style header "\x01\xa8\x01
 * \x00\x01\x60" and the version string), the duplex and operation framing
 * of section 6 and the padding of appendix A.2 (pos_begin, then 0x04 for
 * DDATA, and 0x80 in the rate's last byte). */
#include "crypto/strobe.h"

#include <string.h>

#include <sodium.h>

#include "crypto/keccak.h"

/* The operation flags (section 6.2): Inbound, Application, Cipher,
 * Transport, Meta, Keytree. */
enum {
	STROBE_I = 1 << 0,
	STROBE_A = 1 << 1,
	STROBE_C = 1 << 2,
	STROBE_T = 1 << 3,
	STROBE_M = 1 << 4,
	STROBE_K = 1 << 5,
};

/* The permutation on the byte state: lanes are assembled little-endian
 * (keccak.h's order), so the host's byte order does not matter. */
static void
strobe_permute(struct sigil_strobe *s)
{
	uint64_t a[25];

	for (unsigned i = 0; i < 25; i++) {
		a[i] = 0;
		for (unsigned j = 0; j < 8; j++)
			a[i] |= (uint64_t)s->st[8 * i + j] << (8 * j);
	}
	sigil_keccak_f1600(a);
	for (unsigned i = 0; i < 25; i++)
		for (unsigned j = 0; j < 8; j++)
			s->st[8 * i + j] = (uint8_t)(a[i] >> (8 * j));
	sodium_memzero(a, sizeof(a));
}

/* End of a block (appendix A.2): pos_begin and the DDATA bit after the
 * data, the final padding bit at the end of the rate. */
static void
strobe_run_f(struct sigil_strobe *s)
{
	s->st[s->pos] ^= s->pos_begin;
	s->st[s->pos + 1] ^= 0x04;
	s->st[SIGIL_STROBE_R + 1] ^= 0x80;
	strobe_permute(s);
	s->pos = 0;
	s->pos_begin = 0;
}

static void
strobe_absorb(struct sigil_strobe *s, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		s->st[s->pos++] ^= data[i];
		if (s->pos == SIGIL_STROBE_R)
			strobe_run_f(s);
	}
}

static void
strobe_overwrite(struct sigil_strobe *s, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		s->st[s->pos++] = data[i];
		if (s->pos == SIGIL_STROBE_R)
			strobe_run_f(s);
	}
}

/* PRF is the duplex with zero input (section 6.3, I|A|C): the output is
 * the state byte, which the zero input then replaces with zero. */
static void
strobe_squeeze(struct sigil_strobe *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[i] = s->st[s->pos];
		s->st[s->pos++] = 0;
		if (s->pos == SIGIL_STROBE_R)
			strobe_run_f(s);
	}
}

/* An operation's header (section 6.2): the previous operation's start and
 * the new flags are absorbed, and an operation with C or K starts on a
 * fresh block so that its output depends on everything before it. */
static void
strobe_begin_op(struct sigil_strobe *s, uint8_t flags)
{
	uint8_t hdr[2] = {s->pos_begin, flags};

	s->pos_begin = (uint8_t)(s->pos + 1);
	s->cur_flags = flags;
	strobe_absorb(s, hdr, sizeof(hdr));
	if ((flags & (STROBE_C | STROBE_K)) != 0 && s->pos != 0)
		strobe_run_f(s);
}

void
sigil_strobe_init(struct sigil_strobe *s, const uint8_t *label, size_t len)
{
	static const uint8_t head[6] = {1, SIGIL_STROBE_R + 2, 1, 0, 1, 96};
	static const char version[] = "STROBEv1.0.2";

	memset(s, 0, sizeof(*s));
	memcpy(s->st, head, sizeof(head));
	memcpy(s->st + sizeof(head), version, sizeof(version) - 1);
	strobe_permute(s);
	sigil_strobe_meta_ad(s, label, len, false);
}

void
sigil_strobe_meta_ad(struct sigil_strobe *s, const uint8_t *data, size_t len, bool more)
{
	if (!more || s->cur_flags != (STROBE_M | STROBE_A))
		strobe_begin_op(s, STROBE_M | STROBE_A);
	strobe_absorb(s, data, len);
}

void
sigil_strobe_ad(struct sigil_strobe *s, const uint8_t *data, size_t len)
{
	strobe_begin_op(s, STROBE_A);
	strobe_absorb(s, data, len);
}

void
sigil_strobe_prf(struct sigil_strobe *s, uint8_t *out, size_t len)
{
	strobe_begin_op(s, STROBE_I | STROBE_A | STROBE_C);
	strobe_squeeze(s, out, len);
}

void
sigil_strobe_key(struct sigil_strobe *s, const uint8_t *data, size_t len)
{
	strobe_begin_op(s, STROBE_A | STROBE_C);
	strobe_overwrite(s, data, len);
}

void
sigil_strobe_wipe(struct sigil_strobe *s)
{
	sodium_memzero(s, sizeof(*s));
}
