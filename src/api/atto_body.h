/* The Atto signer's request bodies (api/atto.c), read into the canonical
 * bytes the atto chain decodes (chain/atto/chain.c):
 *
 *   POST /blocks      {"target": {"type":"SEND","network":"LIVE",…}}
 *   POST /votes       {"target": {"version":0,"algorithm":"V1",…}}
 *   POST /challenges  {"target": "<hex, 64 to 1024 bytes>", "timestamp": <ms>}
 *
 * as commons' kotlinx serialisation writes them (docs/ARCHITECTURE.md,
 * "Atto"). Amounts and heights are unsigned 64-bit numbers up to 18e18,
 * past what jansson's json_int_t holds, so the JSON is read here by a
 * small strict reader: objects, strings without escapes (no Atto field
 * needs one), whole numbers up to UINT64_MAX (and their negatives, which
 * the fields then refuse); anything else (fractions, exponents, arrays,
 * true/false/null, nesting past target, duplicate or unknown members,
 * trailing bytes) is refused. Output-only members the node writes
 * (address, receiverAddress, representativeAddress, OPEN's height) are
 * taken and must agree with the block. */
#ifndef SIGIL_API_ATTO_BODY_H
#define SIGIL_API_ATTO_BODY_H
#include <stddef.h>
#include <stdint.h>

#include "chain/atto/atto.h"

#define ATTO_BODY_MAX 8192 /* a challenge of 1024 bytes is 2 KiB of hex */
#define ATTO_BODY_BYTES_MAX (ATTO_CHALLENGE_MAX + 8)

enum atto_req { ATTO_REQ_BLOCK, ATTO_REQ_VOTE, ATTO_REQ_CHALLENGE };

struct atto_body {
	uint8_t bytes[ATTO_BODY_BYTES_MAX]; /* what the chain decodes */
	size_t len;
};

/* Reads a body of kind r (len bytes, need not end in NUL) into out. 0, or
 * SIGIL_E_INVALID with a secret-free reason (every refusal is a 400), or
 * SIGIL_E_TOO_BIG past ATTO_BODY_MAX. out is zeroed at entry. */
__attribute__((warn_unused_result)) int
atto_body_parse(enum atto_req r, const char *buf, size_t len, struct atto_body *out,
                char *reason, size_t cap);

#endif
