/* eip712_check: reads the JSON lines of tests/js/eip712_vectors.mjs on
 * stdin (ethers' hashes of random typed-data documents) and checks that
 * eip712_hash gives the same domain separator, struct hash, type hash,
 * digest, chainId and verifyingContract, and refuses what ethers refused.
 * Exit 0 when every line agrees; otherwise one line per disagreement on
 * stderr and exit 1. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/ethereum/eip712.h"

/* "0x" and 64 hex digits against 32 bytes. */
static int
same32(json_t *want, const uint8_t got[32])
{
	char h[65];

	if (!json_is_string(want) || hex_encode(got, 32, h, sizeof(h)) != 0)
		return 0;
	return strncmp(json_string_value(want), "0x", 2) == 0 &&
	       strcmp(json_string_value(want) + 2, h) == 0;
}

/* The decimal form of a 256-bit big-endian number. */
static void
decimal(const uint8_t in[32], char out[80])
{
	uint8_t n[32];
	char rev[80];
	size_t k = 0;
	int nonzero;

	memcpy(n, in, sizeof(n));
	do {
		unsigned rem = 0;
		nonzero = 0;
		for (size_t i = 0; i < sizeof(n); i++) {
			unsigned cur = rem * 256 + n[i];
			n[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			nonzero |= n[i];
		}
		rev[k++] = (char)('0' + rem);
	} while (nonzero);
	for (size_t i = 0; i < k; i++)
		out[i] = rev[k - 1 - i];
	out[k] = '\0';
}

static int
check_facts(json_t *line, const struct eip712_result *r)
{
	json_t *cid = json_object_get(line, "chainId"),
	       *vc = json_object_get(line, "verifyingContract");
	char dec[80], h[41];

	if (json_is_null(cid) == r->has_chain_id)
		return 0;
	if (r->has_chain_id) {
		decimal(r->chain_id, dec);
		if (strcmp(dec, json_string_value(cid)) != 0)
			return 0;
		if (r->chain_id_fits_u64 !=
		    (strlen(dec) < 20 ||
		     (strlen(dec) == 20 && strcmp(dec, "18446744073709551615") <= 0)))
			return 0;
		if (r->chain_id_fits_u64 &&
		    snprintf(h, sizeof(h), "%llu", (unsigned long long)r->chain_id_u64) > 0 &&
		    strcmp(h, dec) != 0)
			return 0;
	}
	if (json_is_null(vc) == r->has_verifying_contract)
		return 0;
	if (r->has_verifying_contract &&
	    (hex_encode(r->verifying_contract, 20, h, sizeof(h)) != 0 ||
	     strcmp(json_string_value(vc) + 2, h) != 0))
		return 0;
	return 1;
}

int
main(void)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned long n = 0, ok = 0, refused = 0;

	while ((got = getline(&buf, &cap, stdin)) > 0) {
		json_error_t je;
		json_t *line = json_loadb(buf, (size_t)got, 0, &je), *doc;
		struct eip712_result r;
		char reason[160];
		int rc;

		n++;
		doc = json_object_get(line, "doc");
		if (!json_is_string(doc)) {
			fprintf(stderr, "line %lu: not a vector\n", n);
			json_decref(line);
			continue;
		}
		rc = eip712_hash(json_string_value(doc), json_string_length(doc), &r, reason,
		                 sizeof(reason));
		if (json_object_get(line, "refused") != NULL) {
			if (rc == 0)
				fprintf(stderr, "line %lu: ethers refused it (%s), sigil did not\n",
				        n, json_string_value(json_object_get(line, "refused")));
			else
				ok++, refused++;
		} else if (rc != 0) {
			fprintf(stderr, "line %lu: sigil refused it: %s (%s)\n", n, reason,
			        sigil_strerror(rc));
		} else if (!same32(json_object_get(line, "domainSeparator"), r.domain_separator) ||
		           !same32(json_object_get(line, "structHash"), r.struct_hash) ||
		           !same32(json_object_get(line, "typeHash"), r.type_hash) ||
		           !same32(json_object_get(line, "digest"), r.digest)) {
			fprintf(stderr, "line %lu: hashes differ from ethers'\n", n);
		} else if (!check_facts(line, &r)) {
			fprintf(stderr, "line %lu: chainId or verifyingContract differ\n", n);
		} else {
			ok++;
		}
		json_decref(line);
	}
	free(buf);
	printf("eip712_check: %lu of %lu documents agree with ethers (%lu refused by both)\n", ok,
	       n, refused);
	return n > 0 && ok == n ? 0 : 1;
}
