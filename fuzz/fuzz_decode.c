/* libFuzzer harness for tz_decode: any input must give 0 or a defined error,
 * and a success must describe itself consistently. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "chain/tezos/decode.h"
#include "base/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_request r;
	int rc = tz_decode(data, size, &r);

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
