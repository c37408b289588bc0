/* Bitcoin's wire primitives and hashes (chain/bitcoin/wire.h). */
#include <string.h>

#include <openssl/evp.h>

#include "base/errors.h"
#include "chain/bitcoin/wire.h"

int
btc_cur_bytes(struct btc_cur *c, size_t n, const uint8_t **out)
{
	if (n > btc_cur_left(c))
		return SIGIL_E_INCOMPLETE;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

static uint64_t
le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

int
btc_cur_u8(struct btc_cur *c, uint8_t *v)
{
	const uint8_t *p;
	int rc = btc_cur_bytes(c, 1, &p);

	if (rc == 0)
		*v = p[0];
	return rc;
}

int
btc_cur_u32(struct btc_cur *c, uint32_t *v)
{
	const uint8_t *p;
	int rc = btc_cur_bytes(c, 4, &p);

	if (rc == 0)
		*v = (uint32_t)le(p, 4);
	return rc;
}

int
btc_cur_u64(struct btc_cur *c, uint64_t *v)
{
	const uint8_t *p;
	int rc = btc_cur_bytes(c, 8, &p);

	if (rc == 0)
		*v = le(p, 8);
	return rc;
}

int
btc_cur_varint(struct btc_cur *c, uint64_t *v)
{
	size_t start = c->off, n;
	const uint8_t *p;
	uint8_t b;
	int rc;

	if ((rc = btc_cur_u8(c, &b)) != 0)
		return rc;
	if (b < 0xfd) {
		*v = b;
		return 0;
	}
	n = b == 0xfd ? 2 : b == 0xfe ? 4 : 8;
	if ((rc = btc_cur_bytes(c, n, &p)) != 0) {
		c->off = start;
		return rc;
	}
	*v = le(p, n);
	/* The shortest form only: 0xfd for 253..0xffff, and so on. */
	if (*v < (n == 2 ? 0xfdu : n == 4 ? 0x10000u : 0x100000000u)) {
		c->off = start;
		return SIGIL_E_INVALID;
	}
	return 0;
}

int
btc_cur_varbytes(struct btc_cur *c, size_t max, const uint8_t **out, size_t *n)
{
	size_t start = c->off;
	uint64_t len;
	int rc;

	if ((rc = btc_cur_varint(c, &len)) != 0)
		return rc;
	if (len > max) {
		c->off = start;
		return SIGIL_E_TOO_BIG;
	}
	if ((rc = btc_cur_bytes(c, (size_t)len, out)) != 0) {
		c->off = start;
		return rc;
	}
	*n = (size_t)len;
	return 0;
}

void
btc_w_put(struct btc_w *w, const void *s, size_t n)
{
	if (w->err != 0)
		return;
	if (w->p != NULL) {
		if (n > w->cap - w->len) {
			w->err = SIGIL_E_TOO_BIG;
			return;
		}
		if (n > 0)
			memcpy(w->p + w->len, s, n);
	}
	w->len += n;
}

static void
w_le(struct btc_w *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	btc_w_put(w, b, n);
}

void
btc_w_u8(struct btc_w *w, uint8_t v)
{
	btc_w_put(w, &v, 1);
}

void
btc_w_u32(struct btc_w *w, uint32_t v)
{
	w_le(w, v, 4);
}

void
btc_w_u64(struct btc_w *w, uint64_t v)
{
	w_le(w, v, 8);
}

size_t
btc_varint_len(uint64_t v)
{
	return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

/* The CompactSize of v into b; its length. */
static size_t
varint_enc(uint64_t v, uint8_t b[9])
{
	size_t n = btc_varint_len(v);

	if (n == 1) {
		b[0] = (uint8_t)v;
		return 1;
	}
	b[0] = n == 3 ? 0xfd : n == 5 ? 0xfe : 0xff;
	for (size_t i = 1; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (i - 1)));
	return n;
}

void
btc_w_varint(struct btc_w *w, uint64_t v)
{
	uint8_t b[9];

	btc_w_put(w, b, varint_enc(v, b));
}

void
btc_w_varbytes(struct btc_w *w, const uint8_t *s, size_t n)
{
	btc_w_varint(w, n);
	btc_w_put(w, s, n);
}

void
btc_sha_init(struct btc_sha *h)
{
	crypto_hash_sha256_init(&h->st);
}

void
btc_sha_tagged(struct btc_sha *h, const char *tag)
{
	uint8_t th[32];

	crypto_hash_sha256(th, (const uint8_t *)tag, strlen(tag));
	crypto_hash_sha256_init(&h->st);
	crypto_hash_sha256_update(&h->st, th, 32);
	crypto_hash_sha256_update(&h->st, th, 32);
}

void
btc_sha_put(struct btc_sha *h, const void *p, size_t n)
{
	crypto_hash_sha256_update(&h->st, p, n);
}

void
btc_sha_u32(struct btc_sha *h, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	btc_sha_put(h, b, 4);
}

void
btc_sha_u64(struct btc_sha *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	btc_sha_put(h, b, 8);
}

void
btc_sha_varint(struct btc_sha *h, uint64_t v)
{
	uint8_t b[9];

	btc_sha_put(h, b, varint_enc(v, b));
}

void
btc_sha_varbytes(struct btc_sha *h, const uint8_t *p, size_t n)
{
	btc_sha_varint(h, n);
	btc_sha_put(h, p, n);
}

void
btc_sha_final(struct btc_sha *h, uint8_t out[static 32])
{
	crypto_hash_sha256_final(&h->st, out);
}

void
btc_sha_final_d(struct btc_sha *h, uint8_t out[static 32])
{
	uint8_t first[32];

	crypto_hash_sha256_final(&h->st, first);
	crypto_hash_sha256(out, first, 32);
}

void
btc_sha256(const uint8_t *in, size_t len, uint8_t out[static 32])
{
	crypto_hash_sha256(out, in, len);
}

int
btc_hash160(const uint8_t *in, size_t len, uint8_t out[static 20])
{
	uint8_t h[32];
	unsigned int n = 0;

	crypto_hash_sha256(h, in, len);
	/* RIPEMD-160 is in OpenSSL 3's default provider since 3.0.7. */
	if (EVP_Digest(h, sizeof(h), out, &n, EVP_ripemd160(), NULL) != 1 || n != 20) {
		memset(out, 0, 20);
		return SIGIL_E_INTERNAL;
	}
	return 0;
}
