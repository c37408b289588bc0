#include "core/metrics.h"

#include <stdio.h>

static const double metrics_bounds[METRICS_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000,
};
static const unsigned int metrics_codes[MS_COUNT] = {200, 400, 401, 403, 404, 409, 413, 500, 503};

void
metrics_hist_observe(struct metrics_hist *h, double ms)
{
	for (int i = 0; i < METRICS_BUCKETS; i++)
		if (ms <= metrics_bounds[i]) {
			atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
			break;
		}
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(ms * 1000.0), memory_order_relaxed);
}

void
metrics_count_status(struct metrics *m, unsigned int http_status)
{
	for (int i = 0; i < MS_COUNT; i++)
		if (metrics_codes[i] == http_status) {
			atomic_fetch_add_explicit(&m->requests[i], 1, memory_order_relaxed);
			return;
		}
	atomic_fetch_add_explicit(&m->requests[MS_500], 1, memory_order_relaxed);
}

void
metrics_render_hist(struct sbuf *b, const char *name, const char *labels,
                    const struct metrics_hist *h)
{
	uint64_t cum = 0;
	const char *sep = labels[0] ? "," : "";

	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
		sbuf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
		            metrics_bounds[i], (unsigned long long)cum);
	}
	uint64_t count = atomic_load_explicit(&h->count, memory_order_relaxed);
	sbuf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
	            (unsigned long long)count);
	sbuf_printf(b, "%s_sum{%s} %.3f\n", name, labels,
	            (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1000.0);
	sbuf_printf(b, "%s_count{%s} %llu\n", name, labels, (unsigned long long)count);
}

void
metrics_render_global(struct sbuf *b, const struct metrics *m, const char *vault)
{
	char labels[96];

	sbuf_printf(b, "# HELP sign_handler_requests_total Sign requests by HTTP status.\n"
	               "# TYPE sign_handler_requests_total counter\n");
	for (int i = 0; i < MS_COUNT; i++)
		sbuf_printf(b, "sign_handler_requests_total{status=\"%u\"} %llu\n", metrics_codes[i],
		            (unsigned long long)atomic_load(&m->requests[i]));
	sbuf_printf(b, "# HELP sign_handler_request_duration_milliseconds Sign request latency.\n"
	               "# TYPE sign_handler_request_duration_milliseconds histogram\n");
	metrics_render_hist(b, "sign_handler_request_duration_milliseconds", "", &m->request_ms);
	sbuf_printf(b, "# HELP vault_sign_request_duration_milliseconds Time spent in the vault.\n"
	               "# TYPE vault_sign_request_duration_milliseconds histogram\n");
	snprintf(labels, sizeof(labels), "vault=\"%s\"", vault);
	metrics_render_hist(b, "vault_sign_request_duration_milliseconds", labels, &m->vault_ms);
	sbuf_printf(b, "# HELP authentication_failure_total Requests whose authentication failed.\n"
	               "# TYPE authentication_failure_total counter\n"
	               "authentication_failure_total %llu\n",
	            (unsigned long long)atomic_load(&m->auth_failures));
}

void
metrics_render_headers(struct sbuf *b)
{
	sbuf_printf(b, "# HELP signing_ops_total Signatures made, by key and request kind.\n"
	               "# TYPE signing_ops_total counter\n"
	               "# HELP watermark_rejection_total Requests refused by the high watermark.\n"
	               "# TYPE watermark_rejection_total counter\n"
	               "# HELP policy_violation_total Requests refused by policy.\n"
	               "# TYPE policy_violation_total counter\n");
}

void
metrics_render_key(struct sbuf *b, const char *address, const char *vault,
                   const struct metrics_key *k)
{
	for (int i = 0; i < TZ_REQ_KINDS; i++) {
		uint64_t n = atomic_load(&k->signed_ops[i]);
		uint64_t w = atomic_load(&k->wm_rejected[i]);
		const char *kind = tz_req_kind_name((enum tz_req_kind)i);
		if (n)
			sbuf_printf(b, "signing_ops_total{address=\"%s\",vault=\"%s\",kind=\"%s\"} %llu\n",
			            address, vault, kind, (unsigned long long)n);
		if (w)
			sbuf_printf(b, "watermark_rejection_total{address=\"%s\",kind=\"%s\"} %llu\n",
			            address, kind, (unsigned long long)w);
	}
	sbuf_printf(b, "policy_violation_total{address=\"%s\"} %llu\n", address,
	            (unsigned long long)atomic_load(&k->policy_violations));
}
