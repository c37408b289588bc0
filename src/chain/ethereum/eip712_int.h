/* What eip712.c (values, the document) and eip712_types.c (the struct
 * types, encodeType) share; nothing outside those two includes it. */
#ifndef SIGIL_ETH_EIP712_INT_H
#define SIGIL_ETH_EIP712_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/ethereum/eip712.h"

_Static_assert(EIP712_TYPES_MAX <= 64, "struct references are a uint64_t bitmask");

enum eip712_base {
	EIP712_T_UINT,
	EIP712_T_INT,
	EIP712_T_BOOL,
	EIP712_T_ADDRESS,
	EIP712_T_BYTESN,
	EIP712_T_BYTES,
	EIP712_T_STRING,
	EIP712_T_STRUCT,
};

struct eip712_field {
	const char *name;
	const char *type; /* as written: encodeType hashes it */
	uint8_t base;     /* enum eip712_base */
	uint16_t width;   /* bits of (u)intN, bytes of bytesN */
	uint8_t strct;    /* EIP712_T_STRUCT: the type's index */
	uint8_t ndims;
	/* "T[2][]" is dims {2, 0}: the last one written is the outermost;
	 * 0 is a dynamic array. */
	uint16_t dims[EIP712_DIMS_MAX];
};

struct eip712_type {
	const char *name; /* in the JSON tree, as are the fields' strings */
	json_t *def;
	struct eip712_field *f; /* n of them, calloc'ed: eip712_free_types frees them */
	size_t n;
	uint64_t refs;  /* the struct types its fields name */
	uint64_t reach; /* and, transitively, theirs */
	bool hashed;
	uint8_t type_hash[32];
};

struct eip712_ctx {
	struct eip712_type t[EIP712_TYPES_MAX];
	size_t n;
	uint8_t by_name[EIP712_TYPES_MAX]; /* indices sorted by name */
	int domain;                        /* EIP712Domain's index */
	/* Where we are, for the reason: names here are identifiers already
	 * checked, so a reason carries no text of the document's values. */
	char path[128];
	size_t plen;
	char *reason;
	size_t cap;
};

/* Writes "path: what" into the reason and returns rc. */
int eip712_fail(struct eip712_ctx *c, int rc, const char *what);
/* Appends ".name" (name != NULL) or "[i]" to the path; a path cut short
 * stays cut. Returns the length eip712_path_pop goes back to. */
size_t eip712_path_push(struct eip712_ctx *c, const char *name, size_t i);
void eip712_path_pop(struct eip712_ctx *c, size_t old);

/* Reads and checks "types" (eip712.h says what is refused) and finds
 * primary among them: 0 with *pi its index, or an error with the reason
 * written. */
__attribute__((warn_unused_result)) int eip712_load_types(struct eip712_ctx *c, json_t *types,
                                                          const char *primary, int *pi);
/* keccak256(encodeType(type ti)), computed once. */
const uint8_t *eip712_type_hash(struct eip712_ctx *c, unsigned ti);
/* Frees what eip712_load_types allocated. */
void eip712_free_types(struct eip712_ctx *c);

#endif
