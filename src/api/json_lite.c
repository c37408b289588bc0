/* The strict little JSON reader (json_lite.h). */
#include "api/json_lite.h"

#include <string.h>

#include "base/errors.h"
#include "base/sbuf.h"

int
jl_uint(const char *buf, size_t len, uint64_t *mag, int *neg)
{
	size_t i = 0;
	uint64_t v = 0;

	*mag = 0;
	*neg = 0;
	if (len > 0 && buf[0] == '-')
		*neg = 1, i = 1;
	if (i >= len || buf[i] < '0' || buf[i] > '9' || (buf[i] == '0' && len - i > 1))
		return SIGIL_E_INVALID;
	for (; i < len; i++) {
		unsigned d = (unsigned)(buf[i] - '0');
		if (buf[i] < '0' || buf[i] > '9' || v > (UINT64_MAX - d) / 10)
			return SIGIL_E_INVALID;
		v = v * 10 + d;
	}
	*mag = v;
	return 0;
}

static void
jl_ws(struct jl_doc *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r'))
		d->p++;
}

/* A string without escapes or control characters: its text. */
static int
jl_string(struct jl_doc *d, const char **s, size_t *n)
{
	const char *q;

	if (d->p >= d->end || *d->p != '"')
		return SIGIL_E_INVALID;
	q = ++d->p;
	/* Printable ASCII other than '"' and '\\' (hex, addresses, names:
	 * nearly every byte here) eight at a time, then byte by byte. */
	q += sbuf_json_plain_run(q, (size_t)(d->end - q));
	for (; q < d->end && *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return SIGIL_E_INVALID;
	if (q >= d->end)
		return SIGIL_E_INVALID;
	*s = d->p;
	*n = (size_t)(q - d->p);
	d->p = q + 1;
	return 0;
}

static int jl_object(struct jl_doc *d, int depth, int *index);

static int
jl_value(struct jl_doc *d, int depth, struct jl_val *v)
{
	const char *q = d->p;

	memset(v, 0, sizeof(*v));
	if (d->p >= d->end)
		return SIGIL_E_INVALID;
	if (*d->p == '"') {
		v->type = JL_STRING;
		return jl_string(d, &v->s, &v->n);
	}
	if (*d->p == '{') {
		v->type = JL_OBJECT;
		return jl_object(d, depth + 1, &v->obj);
	}
	while (q < d->end && (*q == '-' || (*q >= '0' && *q <= '9')))
		q++;
	v->type = JL_NUMBER;
	v->s = d->p;
	v->n = (size_t)(q - d->p);
	d->p = q;
	/* A fraction or an exponent is not a whole number: the next byte
	 * must end the value. */
	return jl_uint(v->s, v->n, &v->u, &v->neg);
}

static int
jl_object(struct jl_doc *d, int depth, int *index)
{
	struct jl_obj *o;
	int rc;

	if (depth >= JL_OBJS_MAX || d->n_objs >= JL_OBJS_MAX || d->p >= d->end || *d->p != '{')
		return SIGIL_E_INVALID;
	*index = d->n_objs;
	o = &d->objs[d->n_objs++];
	d->p++;
	jl_ws(d);
	if (d->p < d->end && *d->p == '}') {
		d->p++;
		return 0;
	}
	for (;;) {
		if (o->n >= JL_MEMBERS_MAX)
			return SIGIL_E_INVALID;
		jl_ws(d);
		if ((rc = jl_string(d, &o->key[o->n], &o->klen[o->n])) != 0)
			return rc;
		for (size_t i = 0; i < o->n; i++)
			if (o->klen[i] == o->klen[o->n] && memcmp(o->key[i], o->key[o->n], o->klen[i]) == 0)
				return SIGIL_E_INVALID; /* named twice */
		jl_ws(d);
		if (d->p >= d->end || *d->p++ != ':')
			return SIGIL_E_INVALID;
		jl_ws(d);
		if ((rc = jl_value(d, depth, &o->val[o->n])) != 0)
			return rc;
		o->n++;
		jl_ws(d);
		if (d->p >= d->end)
			return SIGIL_E_INVALID;
		if (*d->p == '}') {
			d->p++;
			return 0;
		}
		if (*d->p++ != ',')
			return SIGIL_E_INVALID;
	}
}

int
jl_parse(struct jl_doc *d, const char *buf, size_t len)
{
	int top, rc;

	memset(d, 0, sizeof(*d));
	d->p = buf;
	d->end = buf + len;
	jl_ws(d);
	if ((rc = jl_object(d, 0, &top)) != 0)
		return rc;
	jl_ws(d);
	return d->p == d->end ? 0 : SIGIL_E_INVALID;
}

