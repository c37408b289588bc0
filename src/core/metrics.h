/* Prometheus metrics, with Signatory's names where they apply.
 * Everything is a lock-free atomic counter so the sign path never waits. */
#ifndef SIGIL_METRICS_H
#define SIGIL_METRICS_H
#include <stdatomic.h>
#include <stdint.h>

#include "chain/tezos/decode.h"
#include "core/sbuf.h"

#define METRICS_BUCKETS 14

struct metrics_hist {
	_Atomic uint64_t bucket[METRICS_BUCKETS]; /* cumulative at render time */
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
};

/* Per-key counters, kept beside each key in the key ring. */
struct metrics_key {
	_Atomic uint64_t signed_ops[TZ_REQ_KINDS];
	_Atomic uint64_t wm_rejected[TZ_REQ_KINDS];
	_Atomic uint64_t policy_violations;
};

enum metrics_status { MS_200, MS_400, MS_401, MS_403, MS_404, MS_409, MS_413, MS_500, MS_503,
	                  MS_COUNT };

struct metrics {
	_Atomic uint64_t requests[MS_COUNT];
	_Atomic uint64_t auth_failures;
	struct metrics_hist request_ms;
	struct metrics_hist vault_ms;
};

void metrics_hist_observe(struct metrics_hist *h, double ms);
void metrics_count_status(struct metrics *m, unsigned int http_status);
void metrics_render_hist(struct sbuf *b, const char *name, const char *labels,
                         const struct metrics_hist *h);
void metrics_render_global(struct sbuf *b, const struct metrics *m, const char *vault);
/* One key's lines; the HELP/TYPE headers come from metrics_render_headers. */
void metrics_render_key(struct sbuf *b, const char *address, const char *vault,
                        const struct metrics_key *k);
void metrics_render_headers(struct sbuf *b);

#endif
