/* EIP-712's struct types: the "types" of a typed-data document read and
 * checked (identifiers, the EIP's atomic types, array dimensions, no
 * cycle, nothing the primary type does not reach, EIP712Domain's fields),
 * and encodeType's hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/ethereum/eip712_int.h"
#include "crypto/keccak.h"

#define DOMAIN_TYPE "EIP712Domain"

int
eip712_fail(struct eip712_ctx *c, int rc, const char *what)
{
	if (c->plen > 0)
		sigil_errf(c->reason, c->cap, "%s: %s", c->path, what);
	else
		sigil_errf(c->reason, c->cap, "%s", what);
	return rc;
}

size_t
eip712_path_push(struct eip712_ctx *c, const char *name, size_t i)
{
	size_t old = c->plen, room = sizeof(c->path) - old;
	int n = name != NULL ? snprintf(c->path + old, room, "%s%s", old ? "." : "", name)
	                     : snprintf(c->path + old, room, "[%zu]", i);

	c->plen = (n < 0 || (size_t)n >= room) ? sizeof(c->path) - 1 : old + (size_t)n;
	return old;
}

void
eip712_path_pop(struct eip712_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static bool
is_ident(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > EIP712_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '$'))
			return false;
	return true;
}

/* A decimal number without a leading zero, s[0..len), at most max; 0 when
 * it is none. */
static unsigned
small_num(const char *s, size_t len, unsigned max)
{
	unsigned v = 0;

	if (len == 0 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > max)
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= max ? v : 0;
}

/* The atomic and dynamic types, s[0..len): 0 with base and width, or -1.
 * Widths as the EIP lists them: uint8..uint256 and int8..int256 in steps
 * of 8, bytes1..bytes32. */
static int
atomic_type(const char *s, size_t len, uint8_t *base, uint16_t *width)
{
	static const struct {
		const char *name;
		enum eip712_base base;
	} plain[] = {{"bool", EIP712_T_BOOL},
	             {"address", EIP712_T_ADDRESS},
	             {"bytes", EIP712_T_BYTES},
	             {"string", EIP712_T_STRING}};
	unsigned n;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strlen(plain[i].name) == len && memcmp(s, plain[i].name, len) == 0) {
			*base = (uint8_t)plain[i].base;
			*width = 0;
			return 0;
		}
	if (len > 4 && memcmp(s, "uint", 4) == 0 && (n = small_num(s + 4, len - 4, 256)) % 8 == 0 &&
	    n > 0) {
		*base = EIP712_T_UINT;
	} else if (len > 3 && memcmp(s, "int", 3) == 0 &&
	           (n = small_num(s + 3, len - 3, 256)) % 8 == 0 && n > 0) {
		*base = EIP712_T_INT;
	} else if (len > 5 && memcmp(s, "bytes", 5) == 0 &&
	           (n = small_num(s + 5, len - 5, 32)) > 0) {
		*base = EIP712_T_BYTESN;
	} else {
		return -1;
	}
	*width = (uint16_t)n;
	return 0;
}

/* A struct may not take a name that reads as an atomic type, or as one
 * with a wrong width: ethers refuses those, and "uint" and "int" are the
 * aliases that the EIP rules out. */
static bool
looks_atomic(const char *s)
{
	uint8_t b;
	uint16_t w;
	const char *d = NULL;

	if (atomic_type(s, strlen(s), &b, &w) == 0 || strcmp(s, "uint") == 0 ||
	    strcmp(s, "int") == 0)
		return true;
	if (strncmp(s, "uint", 4) == 0)
		d = s + 4;
	else if (strncmp(s, "int", 3) == 0)
		d = s + 3;
	else if (strncmp(s, "bytes", 5) == 0)
		d = s + 5;
	return d != NULL && *d != '\0' && strspn(d, "0123456789") == strlen(d);
}

static int
find_type(const struct eip712_ctx *c, const char *s, size_t len)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->t[i].name) == len && memcmp(c->t[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

/* One field's type, "Base[n][]...". */
static int
parse_field_type(struct eip712_ctx *c, struct eip712_type *t, struct eip712_field *f)
{
	const char *s = f->type, *br = strchr(s, '[');
	size_t blen = br != NULL ? (size_t)(br - s) : strlen(s);
	int st;

	if (atomic_type(s, blen, &f->base, &f->width) != 0) {
		if ((st = find_type(c, s, blen)) < 0)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "not a type of EIP-712 nor of the document");
		if (st == c->domain)
			return eip712_fail(c, SIGIL_E_INVALID, "EIP712Domain is not a member type");
		f->base = EIP712_T_STRUCT;
		f->strct = (uint8_t)st;
		t->refs |= UINT64_C(1) << st;
	}
	for (const char *p = br; p != NULL && *p != '\0';) {
		const char *end = p[0] == '[' ? strchr(p, ']') : NULL;
		size_t dl;

		if (end == NULL)
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "not a type of EIP-712 nor of the document");
		if (f->ndims == EIP712_DIMS_MAX)
			return eip712_fail(c, SIGIL_E_TOO_BIG,
			                   "more array dimensions than sigil takes");
		dl = (size_t)(end - p - 1);
		if (dl > 0 && (p[1] < '1' || p[1] > '9' || strspn(p + 1, "0123456789") != dl))
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "an array length is not a number "
			                   "without leading zeros, 1 or more");
		if (dl > 0 &&
		    (f->dims[f->ndims] = (uint16_t)small_num(p + 1, dl, EIP712_ARRAY_MAX)) == 0)
			return eip712_fail(c, SIGIL_E_TOO_BIG,
			                   "a fixed array longer than sigil takes");
		f->ndims++;
		p = end + 1;
	}
	return 0;
}

static int
parse_fields(struct eip712_ctx *c, struct eip712_type *t)
{
	size_t n = json_array_size(t->def);

	if (n > EIP712_FIELDS_MAX)
		return eip712_fail(c, SIGIL_E_TOO_BIG, "more fields than sigil takes");
	if (n > 0 && (t->f = calloc(n, sizeof(*t->f))) == NULL)
		return SIGIL_E_NOMEM;
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(t->def, i);
		json_t *name = json_object_get(e, "name"), *type = json_object_get(e, "type");
		size_t mark = eip712_path_push(c, NULL, i);
		int rc;

		if (!json_is_object(e) || json_object_size(e) != 2 || !json_is_string(name) ||
		    !json_is_string(type))
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "a field is not {\"name\", \"type\"}, strings");
		t->f[i].name = json_string_value(name);
		t->f[i].type = json_string_value(type);
		if (strlen(t->f[i].type) != json_string_length(type) ||
		    strlen(t->f[i].name) != json_string_length(name) || !is_ident(t->f[i].name))
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "a field's name is not an identifier");
		eip712_path_pop(c, mark);
		mark = eip712_path_push(c, t->f[i].name, 0);
		for (size_t j = 0; j < i; j++)
			if (strcmp(t->f[j].name, t->f[i].name) == 0)
				return eip712_fail(c, SIGIL_E_INVALID,
				                   "a field name appears twice");
		if ((rc = parse_field_type(c, t, &t->f[i])) != 0)
			return rc;
		eip712_path_pop(c, mark);
	}
	return 0;
}

/* The fields EIP712Domain may have, each with the one type it may take. */
static const struct {
	const char *name, *type;
} domain_fields[] = {{"name", "string"},
                     {"version", "string"},
                     {"chainId", "uint256"},
                     {"verifyingContract", "address"},
                     {"salt", "bytes32"}};

static int
check_domain_type(struct eip712_ctx *c, const struct eip712_type *t)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t k = 0;

		while (k < sizeof(domain_fields) / sizeof(domain_fields[0]) &&
		       strcmp(domain_fields[k].name, t->f[i].name) != 0)
			k++;
		if (k == sizeof(domain_fields) / sizeof(domain_fields[0]) ||
		    strcmp(domain_fields[k].type, t->f[i].type) != 0)
			return eip712_fail(
			    c, SIGIL_E_INVALID,
			    "EIP712Domain's fields are name (string), version (string), "
			    "chainId (uint256), verifyingContract (address) and salt "
			    "(bytes32)");
	}
	return 0;
}

int
eip712_load_types(struct eip712_ctx *c, json_t *types, const char *primary, int *pi)
{
	const char *name;
	size_t name_len;
	json_t *def;
	size_t mark;
	int rc;

	if (!json_is_object(types))
		return eip712_fail(c, SIGIL_E_INVALID, "types is not an object");
	if (json_object_size(types) > EIP712_TYPES_MAX)
		return eip712_fail(c, SIGIL_E_TOO_BIG, "types: more struct types than sigil takes");
	mark = eip712_path_push(c, "types", 0);
	json_object_keylen_foreach(types, name, name_len, def) {
		if (strlen(name) != name_len || !is_ident(name) || looks_atomic(name))
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "a type's name is not an identifier "
			                   "(or is an atomic type's)");
		if (!json_is_array(def)) {
			eip712_path_push(c, name, 0);
			return eip712_fail(c, SIGIL_E_INVALID, "not an array of fields");
		}
		c->t[c->n].name = name;
		c->t[c->n].def = def;
		c->n++;
	}
	c->domain = find_type(c, DOMAIN_TYPE, strlen(DOMAIN_TYPE));
	if (c->domain < 0)
		return eip712_fail(c, SIGIL_E_INVALID, "EIP712Domain is missing");
	for (size_t i = 0; i < c->n; i++) {
		size_t m = eip712_path_push(c, c->t[i].name, 0);
		if ((rc = parse_fields(c, &c->t[i])) != 0)
			return rc;
		eip712_path_pop(c, m);
	}
	if ((rc = check_domain_type(c, &c->t[c->domain])) != 0)
		return rc;
	eip712_path_pop(c, mark);

	/* The closure of the references, to a fixed point: at most n rounds. */
	for (size_t i = 0; i < c->n; i++)
		c->t[i].reach = c->t[i].refs;
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < c->n; i++) {
			uint64_t r = c->t[i].reach;
			for (size_t j = 0; j < c->n; j++)
				if (c->t[i].reach & (UINT64_C(1) << j))
					r |= c->t[j].reach;
			grew |= r != c->t[i].reach;
			c->t[i].reach = r;
		}
	}
	/* Cyclic types have only cyclic (undefined) or infinite values that
	 * ethers cannot hash either; a type the primary type does not reach
	 * is not signed, so a wallet would show what is not signed. */
	if ((*pi = find_type(c, primary, strlen(primary))) < 0)
		return eip712_fail(c, SIGIL_E_INVALID, "primaryType is not one of types");
	if (*pi == c->domain)
		return eip712_fail(c, SIGIL_E_INVALID, "primaryType is EIP712Domain");
	for (size_t i = 0; i < c->n; i++) {
		if (c->t[i].reach & (UINT64_C(1) << i)) {
			eip712_path_push(c, "types", 0);
			eip712_path_push(c, c->t[i].name, 0);
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "the type refers to itself (a cycle)");
		}
		if ((int)i != *pi && (int)i != c->domain &&
		    !(c->t[*pi].reach & (UINT64_C(1) << i))) {
			eip712_path_push(c, "types", 0);
			eip712_path_push(c, c->t[i].name, 0);
			return eip712_fail(c, SIGIL_E_INVALID,
			                   "the type is not used by primaryType");
		}
	}
	/* Names sorted once: encodeType appends the referenced types by name. */
	for (size_t i = 0; i < c->n; i++) {
		size_t j = i;
		for (; j > 0 && strcmp(c->t[c->by_name[j - 1]].name, c->t[i].name) > 0; j--)
			c->by_name[j] = c->by_name[j - 1];
		c->by_name[j] = (uint8_t)i;
	}
	return 0;
}

static void
put_type(struct sigil_keccak *k, const struct eip712_type *t)
{
	sigil_keccak_update(k, (const uint8_t *)t->name, strlen(t->name));
	sigil_keccak_update(k, (const uint8_t *)"(", 1);
	for (size_t i = 0; i < t->n; i++) {
		if (i > 0)
			sigil_keccak_update(k, (const uint8_t *)",", 1);
		sigil_keccak_update(k, (const uint8_t *)t->f[i].type, strlen(t->f[i].type));
		sigil_keccak_update(k, (const uint8_t *)" ", 1);
		sigil_keccak_update(k, (const uint8_t *)t->f[i].name, strlen(t->f[i].name));
	}
	sigil_keccak_update(k, (const uint8_t *)")", 1);
}

/* encodeType: t, then every type it reaches, by name. */
const uint8_t *
eip712_type_hash(struct eip712_ctx *c, unsigned ti)
{
	struct eip712_type *t = &c->t[ti];
	struct sigil_keccak k;

	if (!t->hashed) {
		sigil_keccak256_init(&k);
		put_type(&k, t);
		for (size_t i = 0; i < c->n; i++)
			if (t->reach & (UINT64_C(1) << c->by_name[i]))
				put_type(&k, &c->t[c->by_name[i]]);
		sigil_keccak256_final(&k, t->type_hash);
		t->hashed = true;
	}
	return t->type_hash;
}

void
eip712_free_types(struct eip712_ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->t[i].f);
}
