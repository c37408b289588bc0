/* A strict reader for the little JSON that request bodies are, without a
 * tree of allocations: objects (at most JL_OBJS_MAX, nested), strings
 * without escapes or control characters (their text points into the
 * buffer), and whole numbers that fit 64 bits. Anything else (an escape,
 * a fraction, an array, true/false/null, a name given twice, more than
 * JL_MEMBERS_MAX members) is refused: the Atto API refuses it outright,
 * the v1 API then reads the body with jansson instead. */
#ifndef SIGIL_API_JSON_LITE_H
#define SIGIL_API_JSON_LITE_H
#include <stddef.h>
#include <stdint.h>

enum jl_type { JL_STRING, JL_NUMBER, JL_OBJECT };

struct jl_val {
	enum jl_type type;
	const char *s; /* a string's text (no quotes), a number's digits */
	size_t n;
	uint64_t u;    /* a number's magnitude */
	int neg;
	int obj;       /* an object: its index in jl_doc.objs */
};

#define JL_MEMBERS_MAX 24 /* per object: an Atto SEND block has 14 */
#define JL_OBJS_MAX 2     /* the body and one object in it (Atto's target) */

struct jl_obj {
	size_t n;
	const char *key[JL_MEMBERS_MAX];
	size_t klen[JL_MEMBERS_MAX];
	struct jl_val val[JL_MEMBERS_MAX];
};

struct jl_doc {
	const char *p, *end;
	struct jl_obj objs[JL_OBJS_MAX];
	int n_objs;
};

/* Parses buf (len bytes): 0 with d filled (d->objs[0] is the top
 * object), or SIGIL_E_INVALID. d points into buf. */
int jl_parse(struct jl_doc *d, const char *buf, size_t len);

/* A JSON whole number's text (buf, len: exactly the number, nothing
 * around it) as a sign and magnitude: "-"? then "0" or [1-9][0-9]*, at
 * most UINT64_MAX. SIGIL_E_INVALID otherwise. */
__attribute__((warn_unused_result)) int jl_uint(const char *buf, size_t len, uint64_t *mag, int *neg);

#endif
