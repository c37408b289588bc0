/* PSBT version 0: maps in, maps out (chain/bitcoin/psbt.h). The checks of
 * the known record types are psbt_check.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/psbt.h"
#include "chain/bitcoin/psbt_int.h"

static const uint8_t psbt_magic[5] = {'p', 's', 'b', 't', 0xff};

static int
map_push(struct btc_psbt_map *m, const struct btc_psbt_rec *r)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct btc_psbt_rec *v;

		if (m->n >= BTC_PSBT_MAP_MAX)
			return SIGIL_E_TOO_BIG;
		if (cap > BTC_PSBT_MAP_MAX)
			cap = BTC_PSBT_MAP_MAX;
		if ((v = realloc(m->v, cap * sizeof(*v))) == NULL)
			return SIGIL_E_NOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *r;
	return 0;
}

static void
map_free(struct btc_psbt_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].own);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int
key_cmp(const struct btc_psbt_rec *a, const struct btc_psbt_rec *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	return c != 0 ? c : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static int
rec_ptr_cmp(const void *x, const void *y)
{
	return key_cmp(*(const struct btc_psbt_rec *const *)x, *(const struct btc_psbt_rec *const *)y);
}

/* Whether two records share a key: sorted, neighbours compared. */
static int
map_unique(const struct btc_psbt_map *m)
{
	const struct btc_psbt_rec **s;
	int rc = 0;

	if (m->n < 2)
		return 0;
	if ((s = malloc(m->n * sizeof(*s))) == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < m->n; i++)
		s[i] = &m->v[i];
	qsort(s, m->n, sizeof(*s), rec_ptr_cmp);
	for (size_t i = 1; i < m->n && rc == 0; i++)
		if (key_cmp(s[i - 1], s[i]) == 0)
			rc = SIGIL_E_INVALID;
	free(s);
	return rc;
}

/* One map, up to and including its 0x00 separator. */
static int
read_map(struct btc_cur *c, struct btc_psbt_map *m, const char **why)
{
	for (;;) {
		struct btc_psbt_rec r = {0};
		int rc;

		*why = "truncated record";
		if ((rc = btc_cur_varbytes(c, BTC_PSBT_KEY_MAX, &r.key, &r.key_len)) != 0) {
			if (rc == SIGIL_E_TOO_BIG)
				*why = "key too long";
			return rc;
		}
		if (r.key_len == 0)
			return 0;
		if ((rc = btc_cur_varbytes(c, BTC_PSBT_MAX_BYTES, &r.val, &r.val_len)) != 0)
			return rc;
		*why = "too many records";
		if ((rc = map_push(m, &r)) != 0)
			return rc;
	}
}

/* A map whose keys are distinct. */
static int
read_unique(struct btc_cur *c, struct btc_psbt_map *m, const char **why)
{
	int rc = read_map(c, m, why);

	if (rc == 0 && (rc = map_unique(m)) != 0)
		*why = rc == SIGIL_E_INVALID ? "duplicate key" : "out of memory";
	return rc;
}

static int
read_all(struct btc_psbt *p, struct btc_cur *c, const char **where, size_t *idx, const char **why,
         size_t *rec)
{
	int rc;

	*where = "global map";
	if ((rc = read_unique(c, &p->global, why)) != 0)
		return rc;
	if ((rc = psbt_check_global(p, why, rec)) != 0)
		return rc;
	p->in = calloc(p->tx.n_in ? p->tx.n_in : 1, sizeof(*p->in));
	p->out = calloc(p->tx.n_out ? p->tx.n_out : 1, sizeof(*p->out));
	if (p->in == NULL || p->out == NULL)
		return SIGIL_E_NOMEM;
	for (*idx = 0, *where = "input"; *idx < p->tx.n_in; (*idx)++) {
		*rec = SIZE_MAX;
		if ((rc = read_unique(c, &p->in[*idx].map, why)) != 0)
			return rc;
		if ((rc = psbt_check_input(p, *idx, why, rec)) != 0)
			return rc;
	}
	for (*idx = 0, *where = "output"; *idx < p->tx.n_out; (*idx)++) {
		*rec = SIZE_MAX;
		if ((rc = read_unique(c, &p->out[*idx].map, why)) != 0)
			return rc;
		if ((rc = psbt_check_output(p, *idx, why, rec)) != 0)
			return rc;
	}
	*where = "end";
	*why = "trailing bytes";
	return btc_cur_left(c) == 0 ? 0 : SIGIL_E_INVALID;
}

static void
say(char *reason, size_t cap, const char *where, size_t idx, size_t rec, const char *why)
{
	if (reason == NULL || cap == 0)
		return;
	if (strcmp(where, "input") == 0 || strcmp(where, "output") == 0) {
		if (rec != SIZE_MAX)
			snprintf(reason, cap, "psbt: %s %zu, record %zu: %s", where, idx, rec, why);
		else
			snprintf(reason, cap, "psbt: %s %zu: %s", where, idx, why);
	} else {
		snprintf(reason, cap, "psbt: %s: %s", where, why);
	}
}

int
btc_psbt_parse(const uint8_t *buf, size_t len, struct btc_psbt **out, char *reason, size_t cap)
{
	const char *where = "header", *why = "not a PSBT (magic)";
	size_t idx = 0, rec = SIZE_MAX;
	struct btc_psbt *p;
	struct btc_cur c;
	int rc;

	*out = NULL;
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (buf == NULL || len < sizeof(psbt_magic) || memcmp(buf, psbt_magic, sizeof(psbt_magic)) != 0) {
		rc = buf != NULL && len < sizeof(psbt_magic) && memcmp(buf, psbt_magic, len) == 0
		             ? SIGIL_E_INCOMPLETE
		             : SIGIL_E_INVALID;
		say(reason, cap, where, idx, rec, why);
		return rc;
	}
	if (len > BTC_PSBT_MAX_BYTES) {
		say(reason, cap, where, idx, rec, "over 1 MiB");
		return SIGIL_E_TOO_BIG;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->buf = malloc(len)) == NULL) {
		free(p);
		return SIGIL_E_NOMEM;
	}
	memcpy(p->buf, buf, len);
	p->len = len;
	c = (struct btc_cur){.p = p->buf, .len = len, .off = sizeof(psbt_magic)};
	rc = read_all(p, &c, &where, &idx, &why, &rec);
	if (rc != 0) {
		say(reason, cap, where, idx, rec, why);
		btc_psbt_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void
btc_psbt_free(struct btc_psbt *p)
{
	if (p == NULL)
		return;
	map_free(&p->global);
	for (size_t i = 0; p->in != NULL && i < p->tx.n_in; i++)
		map_free(&p->in[i].map);
	for (size_t i = 0; p->out != NULL && i < p->tx.n_out; i++)
		map_free(&p->out[i].map);
	free(p->in);
	free(p->out);
	btc_tx_free(&p->tx);
	free(p->buf);
	free(p);
}

static void
write_map(struct btc_w *w, const struct btc_psbt_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		btc_w_varbytes(w, m->v[i].key, m->v[i].key_len);
		btc_w_varbytes(w, m->v[i].val, m->v[i].val_len);
	}
	btc_w_u8(w, 0);
}

static void
write_all(const struct btc_psbt *p, struct btc_w *w)
{
	btc_w_put(w, psbt_magic, sizeof(psbt_magic));
	write_map(w, &p->global);
	for (size_t i = 0; i < p->tx.n_in; i++)
		write_map(w, &p->in[i].map);
	for (size_t i = 0; i < p->tx.n_out; i++)
		write_map(w, &p->out[i].map);
}

int
btc_psbt_write(const struct btc_psbt *p, uint8_t **out, size_t *len)
{
	struct btc_w w = {0};

	*out = NULL;
	*len = 0;
	write_all(p, &w); /* counts */
	if ((w.p = malloc(w.len ? w.len : 1)) == NULL)
		return SIGIL_E_NOMEM;
	w.cap = w.len;
	w.len = 0;
	write_all(p, &w);
	if (w.err != 0) {
		free(w.p);
		return w.err;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

const struct btc_psbt_rec *
btc_psbt_in_get(const struct btc_psbt *p, size_t idx, const uint8_t *key, size_t key_len)
{
	const struct btc_psbt_rec want = {.key = key, .key_len = key_len};

	if (p == NULL || idx >= p->tx.n_in)
		return NULL;
	for (size_t i = 0; i < p->in[idx].map.n; i++)
		if (key_cmp(&p->in[idx].map.v[i], &want) == 0)
			return &p->in[idx].map.v[i];
	return NULL;
}

int
btc_psbt_in_set(struct btc_psbt *p, size_t idx, const uint8_t *key, size_t key_len,
                const uint8_t *val, size_t val_len)
{
	struct btc_psbt_rec r = {.key_len = key_len, .val_len = val_len};
	struct btc_psbt_rec *old;
	int rc;

	if (p == NULL || idx >= p->tx.n_in || key_len == 0 || key_len > BTC_PSBT_KEY_MAX ||
	    val_len > BTC_TX_MAX_BYTES)
		return SIGIL_E_INVALID;
	if ((r.own = malloc(key_len + val_len)) == NULL)
		return SIGIL_E_NOMEM;
	memcpy(r.own, key, key_len);
	if (val_len > 0)
		memcpy(r.own + key_len, val, val_len);
	r.key = r.own;
	r.val = r.own + key_len;
	old = (struct btc_psbt_rec *)btc_psbt_in_get(p, idx, key, key_len);
	if (old != NULL) {
		free(old->own);
		*old = r;
		return 0;
	}
	if ((rc = map_push(&p->in[idx].map, &r)) != 0)
		free(r.own);
	return rc;
}

int
btc_psbt_from_base64(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
	size_t cap = len / 4 * 3 + 3, n = 0;
	const char *end = NULL;
	uint8_t *b;

	*out = NULL;
	*out_len = 0;
	if (text == NULL || len == 0 || len % 4 != 0)
		return SIGIL_E_INVALID;
	if (len / 4 * 3 > BTC_PSBT_MAX_BYTES + 2)
		return SIGIL_E_TOO_BIG;
	if ((b = malloc(cap)) == NULL)
		return SIGIL_E_NOMEM;
	/* libsodium refuses non-zero padding bits: one text per byte string. */
	if (sodium_base642bin(b, cap, text, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len) {
		free(b);
		return SIGIL_E_INVALID;
	}
	*out = b;
	*out_len = n;
	return 0;
}

int
btc_psbt_to_base64(const uint8_t *bytes, size_t len, char **out)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);

	if ((*out = malloc(n)) == NULL)
		return SIGIL_E_NOMEM;
	sodium_bin2base64(*out, n, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}
