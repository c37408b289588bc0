/* Consensus requests as a baker sends them (layouts in docs/ARCHITECTURE.md, the same
 * ones tests/js/tezos_http.mjs builds), keys fetched from the server, and
 * signatures checked with our own verifier. */
#include "torture.h"

#include <stdio.h>
#include <string.h>

#include "chain/tezos/keys.h"

static const char *const kind_names[TT_KINDS] = {"block", "preattestation", "attestation"};

/* NetXdQprcVkpaWU (mainnet): the chain id is part of the watermark's id. */
static const uint8_t tt_chain[4] = {0x7a, 0x06, 0xa7, 0x70};

const char *
tt_kind_name(enum tt_kind k)
{
	return (unsigned)k < TT_KINDS ? kind_names[k] : "?";
}

int
tt_kind_from_name(const char *s)
{
	for (int i = 0; i < TT_KINDS; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

struct tt_w {
	uint8_t *p;
	size_t n;
};

static void
put(struct tt_w *w, const void *src, size_t len)
{
	if (w->n + len <= TT_REQ_MAX)
		memcpy(w->p + w->n, src, len);
	w->n += len;
}

static void
put_u8(struct tt_w *w, uint8_t v)
{
	put(w, &v, 1);
}

static void
put_u32(struct tt_w *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put(w, b, 4);
}

static void
put_fill(struct tt_w *w, uint8_t v, size_t len)
{
	uint8_t b[32];
	memset(b, v, sizeof(b));
	while (len > 0) {
		size_t n = len < sizeof(b) ? len : sizeof(b);
		put(w, b, n);
		len -= n;
	}
}

/* The 32-byte payload hash: the pid first, so requests differ in it. */
static void
put_payload(struct tt_w *w, enum tt_kind kind, uint64_t pid)
{
	for (int i = 7; i >= 0; i--)
		put_u8(w, (uint8_t)(pid >> (8 * i)));
	put_fill(w, (uint8_t)(0xa0 + kind), 24);
}

void
tt_req_build(struct tt_req *r, enum tt_kind kind, int32_t level, int32_t round, uint64_t pid)
{
	struct tt_w w = {r->bytes, 0};

	if (kind == TT_BLOCK) {
		put_u8(&w, 0x11);
		put(&w, tt_chain, sizeof(tt_chain));
		put_u32(&w, (uint32_t)level);
		put_u8(&w, 1);              /* proto */
		put_fill(&w, 0x70, 32);     /* predecessor */
		put_fill(&w, 0, 4);         /* timestamp, 8 bytes */
		put_u32(&w, 1700000000);
		put_u8(&w, 4);              /* validation passes */
		put_fill(&w, 0x6f, 32);     /* operations hash */
		/* fitness: [02; level; no locked round; -1 - pred round; round] */
		put_u32(&w, 33);
		put_u32(&w, 1);
		put_u8(&w, 2);
		put_u32(&w, 4);
		put_u32(&w, (uint32_t)level);
		put_u32(&w, 0);
		put_u32(&w, 4);
		put_u32(&w, 0xffffffffu);
		put_u32(&w, 4);
		put_u32(&w, (uint32_t)round);
		put_fill(&w, 0x63, 32);     /* context */
		put_payload(&w, kind, pid);
		put_u32(&w, (uint32_t)round); /* payload round */
		put_fill(&w, 0, 8);         /* proof of work nonce */
		put_u8(&w, 0);              /* no seed nonce hash */
		put_u8(&w, 0);              /* per-block votes */
	} else {
		put_u8(&w, kind == TT_PREATTESTATION ? 0x12 : 0x13);
		put(&w, tt_chain, sizeof(tt_chain));
		put_fill(&w, 0xab, 32);     /* branch */
		put_u8(&w, kind == TT_PREATTESTATION ? 20 : 21);
		put_u8(&w, 0);              /* slot */
		put_u8(&w, (uint8_t)(pid % 7));
		put_u32(&w, (uint32_t)level);
		put_u32(&w, (uint32_t)round);
		put_payload(&w, kind, pid);
	}
	r->len = w.n;
	sigil_blake2b(r->digest, sizeof(r->digest), r->bytes, r->len);
	r->body[0] = '"';
	tt_hex(r->bytes, r->len, r->body + 1);
	r->body[2 * r->len + 1] = '"';
	r->body[2 * r->len + 2] = '\0';
	r->body_len = 2 * r->len + 2;
}

/* The string value of "name" in a flat JSON object, copied to out. */
static int
json_str(const char *body, const char *name, char *out, size_t cap)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	if ((p = strstr(body, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

int
tt_key_fetch(struct tt_key *k, const char *pkh, uint16_t port, int wait_ms)
{
	struct tt_conn c;
	char path[256], body[1024], pk[TZ_B58_MAX];
	uint8_t want[TZ_PKH_LEN], got[TZ_PKH_LEN];
	enum sigil_key_type t;
	uint64_t until = tt_now_ms() + (uint64_t)wait_ms;
	int st;

	memset(k, 0, sizeof(*k));
	snprintf(k->pkh, sizeof(k->pkh), "%s", pkh);
	snprintf(path, sizeof(path), "/keys/%s", pkh);
	tt_conn_init(&c, port, 10000);
	while ((st = tt_http(&c, "GET", path, "", 0, body, sizeof(body))) < 0 &&
	       tt_now_ms() < until)
		tt_sleep_ms(5);
	tt_conn_close(&c);
	if (st != 200 || json_str(body, "public_key", pk, sizeof(pk)) != 0) {
		fprintf(stderr, "torture: GET %s: %d %s\n", path, st, body);
		return -1;
	}
	if (tz_pk_decode(pk, strlen(pk), &k->type, k->pk, &k->pklen) != 0 ||
	    tz_pkh_decode(pkh, strlen(pkh), &t, want) != 0 || t != k->type) {
		fprintf(stderr, "torture: %s: bad public key %s\n", pkh, pk);
		return -1;
	}
	tz_pkh(k->pk, k->pklen, got);
	if (memcmp(want, got, sizeof(want)) != 0) {
		fprintf(stderr, "torture: %s: public key %s does not hash to it\n", pkh, pk);
		return -1;
	}
	return 0;
}

int
tt_sig_check(const struct tt_key *k, const struct tt_req *r, const char *body, char *sig,
             size_t cap)
{
	uint8_t raw[SIGIL_SIG_MAX];
	size_t rawlen;
	enum sigil_key_type t = k->type;
	bool generic;

	if (json_str(body, "signature", sig, cap) != 0 ||
	    tz_sig_decode(sig, strlen(sig), &t, raw, &rawlen, &generic) != 0 || t != k->type)
		return -1;
	return sigil_verify_digest(k->type, k->pk, k->pklen, r->digest, raw, rawlen) == 0 ? 0 : -1;
}
