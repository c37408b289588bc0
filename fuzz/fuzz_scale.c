/* libFuzzer harness for the Polkadot codec (chain/polkadot/): the input as
 * a signing payload for each network sigil describes (Polkadot, Kusama,
 * Westend, and Polkadot's layout with the genesis check off, so that
 * inputs get past it), as a compact integer, and as SS58 text. The input
 * is copied to a buffer of exactly its size so that ASan catches one byte
 * read past the end.
 *
 * Checked: errors are the documented ones, with a reason and a zeroed
 * output; a decoded payload's operations have known kinds, decimal amounts
 * (none for transfer_all and unknown calls) and destinations for
 * transfers; a payload whose every call was read has extra and additional;
 * the genesis checked is the network's; a compact integer is written again
 * to the very bytes it came from; SS58 text that decodes encodes to itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/polkadot/extrinsic.h"
#include "chain/polkadot/scale.h"
#include "chain/polkadot/ss58.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
decimal(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && (s[0] != '0' || s[1] == '\0');
}

static void
check_op(const struct dot_op *op, bool known)
{
	if (dot_op_kind_name(op->kind) == NULL)
		abort();
	if (op->kind == DOT_OP_UNKNOWN || op->kind == DOT_OP_TRANSFER_ALL) {
		if (op->amount[0] != '\0')
			abort();
	} else if (!decimal(op->amount)) {
		abort();
	}
	if (op->kind == DOT_OP_UNKNOWN && (op->destination[0] != '\0' || known))
		abort();
	if (op->dest_account && op->destination[0] == '\0')
		abort();
	if (op->source[0] != '\0' && op->kind != DOT_OP_FORCE_TRANSFER)
		abort();
}

static void
check_payload(const uint8_t *buf, size_t size, const struct dot_network *net)
{
	static const struct dot_payload zero;
	struct dot_payload d;
	char reason[160];
	uint8_t hash[DOT_HASH_LEN];
	const uint8_t *msg;
	size_t mlen;
	int rc = dot_payload_decode(buf, size, net, &d, reason, sizeof(reason));

	if (memchr(reason, '\0', sizeof(reason)) == NULL)
		abort();
	if (rc != 0) {
		if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG) ||
		    reason[0] == '\0' || memcmp(&d, &zero, sizeof(d)) != 0)
			abort();
		return;
	}
	if (reason[0] != '\0' || d.net != net)
		abort();
	if (d.call_known && (!d.has_extra || !d.has_additional || d.call_len < 2 ||
	                     d.call_len >= size))
		abort();
	if (!d.call_known && (!d.opaque || d.has_extra || d.n_ops == 0))
		abort();
	if (net->check_genesis && (!d.has_genesis || memcmp(d.genesis, net->genesis, 32) != 0))
		abort();
	if (d.has_metadata_hash && !net->metadata_hash)
		abort();
	for (uint32_t i = 0; i < d.n_ops && i < DOT_OPS_MAX; i++) {
		check_op(&d.ops[i], d.call_known);
		if (!d.ops[i].dest_account && d.ops[i].kind != DOT_OP_UNKNOWN && !d.opaque)
			abort();
	}
	if (d.has_extra && !decimal(d.tip))
		abort();
	dot_signing_bytes(buf, size, hash, &msg, &mlen);
	if (size <= DOT_SIGN_RAW_MAX ? (msg != buf || mlen != size) : (msg != hash || mlen != 32))
		abort();
}

static void
check_compact(const uint8_t *buf, size_t size)
{
	uint8_t le[SCALE_U128_LEN], again[SCALE_COMPACT_MAX];
	char dec[SCALE_U128_DEC];
	struct scale_cur c;
	size_t n;

	scale_cur_init(&c, buf, size);
	if (scale_compact(&c, SCALE_U128_LEN, le) != 0) {
		if (c.off != 0)
			abort();
		return;
	}
	n = scale_compact_put(le, again, sizeof(again));
	if (n != c.off || memcmp(again, buf, n) != 0)
		abort();
	if (scale_le_decimal(le, sizeof(le), dec, sizeof(dec)) != 0 || !decimal(dec))
		abort();
}

static void
check_ss58(const uint8_t *buf, size_t size)
{
	uint8_t id[DOT_ACCOUNT_LEN];
	char again[DOT_SS58_TEXT];
	uint16_t prefix;

	if (dot_ss58_decode((const char *)buf, size, &prefix, id) != 0)
		return;
	if (dot_ss58_encode(prefix, id, again, sizeof(again)) != 0 || strlen(again) != size ||
	    memcmp(again, buf, size) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dot_network open = dot_net_polkadot;
	uint8_t *buf = fuzz_copy(data, size);

	if (buf == NULL)
		return 0;
	open.check_genesis = false;
	for (size_t i = 0; dot_network_at(i) != NULL; i++)
		check_payload(buf, size, dot_network_at(i));
	check_payload(buf, size, &open);
	check_compact(buf, size);
	check_ss58(buf, size);
	free(buf);
	return 0;
}
