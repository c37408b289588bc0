/* Prometheus metrics, with Signatory's names where they apply.
 * Everything is a lock-free atomic counter so the sign path never waits.
 *
 * The page follows the text exposition format 0.0.4: each family is one
 * contiguous group, "# HELP" and "# TYPE" first, then all its samples, so
 * metrics_render draws the whole page (per-key and per-vault rows included)
 * in one pass per family. */
#ifndef SIGIL_METRICS_H
#define SIGIL_METRICS_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sbuf.h"
#include "chain/chain.h"

#define METRICS_BUCKETS 14

/* Per-bucket counts, not cumulative: one increment per observation, and
 * the last slot holds what lies above the top bound. The count is their
 * sum, so the rendered +Inf bucket and _count always agree, and the
 * cumulative buckets never decrease, even while requests run. */
struct metrics_hist {
	_Atomic uint64_t bucket[METRICS_BUCKETS + 1];
	_Atomic uint64_t sum_us;
};

/* Per-key counters, kept beside each key in the key ring. */
struct metrics_key {
	/* By request kind: the index into the key's chain_ops.kinds. */
	_Atomic uint64_t signed_ops[CHAIN_KINDS_MAX];
	_Atomic uint64_t wm_rejected[CHAIN_KINDS_MAX];
	_Atomic uint64_t policy_violations;
};

enum metrics_status { MS_200, MS_400, MS_401, MS_403, MS_404, MS_409, MS_413, MS_500, MS_503,
	                  MS_COUNT };

/* Requests by bearer token (auth/token.h), by name: the first
 * METRICS_TOKENS_MAX names seen since start keep a row each. */
#define METRICS_TOKENS_MAX 64
struct metrics_token {
	_Atomic int used; /* named (metrics.c) */
	char name[64];
	_Atomic uint64_t requests[MS_COUNT];
};

struct metrics {
	_Atomic uint64_t requests[MS_COUNT];
	struct metrics_token tokens[METRICS_TOKENS_MAX];
	_Atomic uint64_t auth_failures;
	/* The watermark store's fdatasyncs so far, copied in from the store
	 * when the page is drawn: consensus signatures per fsync is how well
	 * group commit shares them. */
	_Atomic uint64_t wm_fsyncs;
	struct metrics_hist request_ms;
	/* Vault latency is per vault: sigil_key.vault_ms. */
};

/* The rows of the labelled families; the strings belong to the caller. */
struct metrics_key_row {
	const char *address;
	const char *vault;
	const struct metrics_key *m;
	const struct chain_ops *chain; /* names the kinds */
};

struct metrics_vault_row {
	const char *vault;
	const struct metrics_hist *h;
	uint64_t bad_signatures; /* signatures that failed verify_signatures */
};

/* h may be NULL (nothing is counted). */
void metrics_hist_observe(struct metrics_hist *h, double ms);
void metrics_count_status(struct metrics *m, unsigned int http_status);
/* One answer to a request made with the token named name. */
void metrics_count_token(struct metrics *m, const char *name, unsigned int http_status);
/* The whole /metrics page: global families, then vault_sign_request_
 * duration_milliseconds one series per vault row, then the per-key
 * families one row per key. A failed append leaves b->err set. */
void metrics_render(struct sbuf *b, const struct metrics *m,
                    const struct metrics_vault_row *vaults, size_t n_vaults,
                    const struct metrics_key_row *keys, size_t n_keys);
/* One histogram's samples (no HELP/TYPE); labels is "" or `k="v",...`. */
void metrics_render_hist(struct sbuf *b, const char *name, const char *labels,
                         const struct metrics_hist *h);

#endif
