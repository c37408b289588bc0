/* libFuzzer harness for tz_decode and the chains' decode (chain_ops): any
 * input must give 0 or a defined error, and a success must describe itself
 * consistently, the intent agreeing with the request it was read from. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <string.h>

#include "base/errors.h"
#include "chain/raw/raw.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same bytes through the chains' tables, for every key type and
 * version: the intent must say what the decoder said. */
static void
check_intents(const uint8_t *data, size_t size, int tzrc, const struct tz_request *r)
{
	static const uint8_t pk[SIGIL_PK_MAX];
	char reason[CHAIN_REASON_MAX];

	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		for (int version = 0; version <= 2; version++) {
			struct sign_request req = {.payload = data, .len = size, .version = version};
			struct sign_intent in;
			int rc = chain_tezos.decode(&req, (enum sigil_key_type)t, pk, 32, &in, reason,
			                            sizeof(reason));
			if (memchr(reason, '\0', sizeof(reason)) == NULL)
				abort();
			if (tzrc != 0) {
				if (rc == 0)
					abort();
				continue;
			}
			if (t == SIGIL_KEY_BLS && version == 0) {
				if (rc != SIGIL_E_INVALID)
					abort();
				continue;
			}
			if (rc != 0 || in.kind != (unsigned)r->kind || in.has_slot != r->consensus ||
			    in.op_kinds != r->op_kinds || in.slot_class >= TZ_SLOT_CLASSES ||
			    in.msg == NULL || (t != SIGIL_KEY_BLS && in.msg_len != 32) ||
			    (t == SIGIL_KEY_BLS && in.msg_len != size))
				abort();
			/* The operations described: kinds the decoder saw, numbers
			 * in decimal, destinations as addresses. */
			for (uint32_t i = 0; i < in.n_ops && i < INTENT_OPS_MAX; i++) {
				const struct intent_op *op = &in.ops[i];
				if (!(in.op_kinds >> op->kind & 1) ||
				    strspn(op->fee, "0123456789") != strlen(op->fee) ||
				    strspn(op->amount, "0123456789") != strlen(op->amount) ||
				    (op->destination[0] != '\0' && strncmp(op->destination, "tz", 2) != 0 &&
				     strncmp(op->destination, "KT1", 3) != 0))
					abort();
			}
		}
	}
	struct sign_request req = {.payload = data, .len = size};
	struct sign_intent in;
	if (chain_raw_ed25519.decode(&req, SIGIL_KEY_ED25519, pk, 32, &in, reason, sizeof(reason)) ==
	            0 &&
	    (in.msg != data || in.msg_len != size || size == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_request r;
	int rc = tz_decode(data, size, &r);
	check_intents(data, size, rc, &r);

	if (rc != 0) {
		if (rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
		    rc != SIGIL_E_UNSUPPORTED)
			abort();
		if (r.n_ops != 0 || r.op_kinds != 0 || r.consensus)
			abort(); /* outputs must be zeroed on error */
		return 0;
	}
	if (r.magic != data[0] || (r.consensus && (r.level < 0 || r.round < 0)))
		abort();
	if (r.kind == TZ_REQ_GENERIC && (r.n_ops == 0 || r.op_kinds == 0 ||
	                                 r.op_kinds >> TZ_OP_KIND_COUNT != 0))
		abort();
	for (int k = 0; k < TZ_OP_KIND_COUNT; k++)
		if ((r.op_kinds >> k & 1) && !tz_op_kind_name((enum tz_op_kind)k))
			abort();
	if (!tz_req_kind_name(r.kind))
		abort();
	return 0;
}
