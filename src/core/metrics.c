#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const double metrics_bounds[METRICS_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000,
};
static const unsigned int metrics_codes[MS_COUNT] = {200, 400, 401, 403, 404, 409, 413, 500, 503};

/* Longer than any latency we could mean; keeps ms * 1000 inside uint64_t. */
#define METRICS_MAX_MS 1e12

void
metrics_hist_observe(struct metrics_hist *h, double ms)
{
	int i = 0;

	if (h == NULL)
		return; /* a key ring built outside a context has no histograms */
	if (!(ms >= 0))
		ms = 0; /* NaN, or the clock stepped back */
	if (ms > METRICS_MAX_MS)
		ms = METRICS_MAX_MS;
	while (i < METRICS_BUCKETS && ms > metrics_bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
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

static int
metrics_status_index(unsigned int http_status)
{
	for (int i = 0; i < MS_COUNT; i++)
		if (metrics_codes[i] == http_status)
			return i;
	return MS_500;
}

/* Rows are named in order under this lock, once each; counting reads the
 * names without it (a row is named before it is marked used). */
static pthread_mutex_t metrics_token_mu = PTHREAD_MUTEX_INITIALIZER;

static struct metrics_token *
metrics_token_row(struct metrics *m, const char *name)
{
	for (size_t i = 0; i < METRICS_TOKENS_MAX; i++) {
		struct metrics_token *t = &m->tokens[i];
		if (!atomic_load(&t->used))
			return NULL;
		if (strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

void
metrics_count_token(struct metrics *m, const char *name, unsigned int http_status)
{
	struct metrics_token *t;
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(m->tokens[0].name))
		return;
	if ((t = metrics_token_row(m, name)) == NULL) {
		pthread_mutex_lock(&metrics_token_mu);
		if ((t = metrics_token_row(m, name)) == NULL) {
			for (size_t i = 0; i < METRICS_TOKENS_MAX && t == NULL; i++) {
				if (!atomic_load(&m->tokens[i].used)) {
					t = &m->tokens[i];
					memcpy(t->name, name, n + 1);
					atomic_store(&t->used, 1);
				}
			}
		}
		pthread_mutex_unlock(&metrics_token_mu);
		if (t == NULL)
			return; /* every row taken */
	}
	atomic_fetch_add_explicit(&t->requests[metrics_status_index(http_status)], 1,
	                          memory_order_relaxed);
}

/* A label value as the exposition format wants it: '\\', '"' and newline
 * escaped. Addresses and vault names never need it (base58, [A-Za-z0-9_-]),
 * so v itself comes back unless it does; buf holds the escaped copy,
 * truncated to cap. */
static const char *
metrics_label_value(const char *v, char *buf, size_t cap)
{
	size_t o = 0;

	if (strpbrk(v, "\\\"\n") == NULL)
		return v;
	for (; *v && o + 3 <= cap; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			buf[o++] = '\\';
		buf[o++] = *v == '\n' ? 'n' : *v;
	}
	buf[o] = '\0';
	return buf;
}

static void
metrics_family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
metrics_render_hist(struct sbuf *b, const char *name, const char *labels,
                    const struct metrics_hist *h)
{
	uint64_t cum = 0;
	const char *sep = labels[0] ? "," : "";
	const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";

	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
		sbuf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
		            metrics_bounds[i], (unsigned long long)cum);
	}
	cum += atomic_load_explicit(&h->bucket[METRICS_BUCKETS], memory_order_relaxed);
	sbuf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
	            (unsigned long long)cum);
	sbuf_printf(b, "%s_sum%s%s%s %.3f\n", name, open, labels, close,
	            (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1000.0);
	sbuf_printf(b, "%s_count%s%s%s %llu\n", name, open, labels, close,
	            (unsigned long long)cum);
}

static void
metrics_render_requests(struct sbuf *b, const struct metrics *m)
{
	metrics_family(b, "sign_handler_requests_total", "counter",
	               "Sign requests by HTTP status.");
	for (int i = 0; i < MS_COUNT; i++)
		sbuf_printf(b, "sign_handler_requests_total{status=\"%u\"} %llu\n",
		            metrics_codes[i], (unsigned long long)atomic_load(&m->requests[i]));
	metrics_family(b, "sign_handler_request_duration_milliseconds", "histogram",
	               "Sign request latency.");
	metrics_render_hist(b, "sign_handler_request_duration_milliseconds", "", &m->request_ms);
}

static void
metrics_render_auth(struct sbuf *b, const struct metrics *m)
{
	metrics_family(b, "authentication_failure_total", "counter",
	               "Requests whose authentication failed.");
	sbuf_printf(b, "authentication_failure_total %llu\n",
	            (unsigned long long)atomic_load(&m->auth_failures));
	metrics_family(b, "token_requests_total", "counter",
	               "Requests by bearer token (its name, never its secret) and status.");
	for (size_t i = 0; i < METRICS_TOKENS_MAX; i++) {
		const struct metrics_token *t = &m->tokens[i];
		char en[128];
		if (!atomic_load(&t->used))
			break;
		for (int s = 0; s < MS_COUNT; s++) {
			uint64_t v = atomic_load(&t->requests[s]);
			if (v > 0)
				sbuf_printf(b, "token_requests_total{token=\"%s\",status=\"%u\"} %llu\n",
				            metrics_label_value(t->name, en, sizeof(en)), metrics_codes[s],
				            (unsigned long long)v);
		}
	}
	metrics_family(b, "watermark_fsync_total", "counter",
	               "durable commits of the watermark store (file: fdatasync calls; postgres: "
	               "committed batches); concurrent marks share one.");
	sbuf_printf(b, "watermark_fsync_total %llu\n",
	            (unsigned long long)atomic_load(&m->wm_fsyncs));
}

/* Label values are escaped once per row; a zero series is left out where a
 * key has one per request kind. */
static void
metrics_render_keys(struct sbuf *b, const struct metrics_key_row *keys, size_t n_keys)
{
	char ea[128], ev[128];

	metrics_family(b, "signing_ops_total", "counter",
	               "Signatures made, by key and request kind.");
	for (size_t i = 0; i < n_keys; i++) {
		const char *addr = metrics_label_value(keys[i].address, ea, sizeof(ea));
		const char *vault = metrics_label_value(keys[i].vault, ev, sizeof(ev));
		for (unsigned j = 0; j < keys[i].chain->n_kinds; j++) {
			uint64_t n = atomic_load(&keys[i].m->signed_ops[j]);
			if (n)
				sbuf_printf(b, "signing_ops_total{address=\"%s\",vault=\"%s\","
				               "kind=\"%s\"} %llu\n", addr, vault,
				            keys[i].chain->kinds[j], (unsigned long long)n);
		}
	}
	metrics_family(b, "watermark_rejection_total", "counter",
	               "Requests refused by the high watermark.");
	for (size_t i = 0; i < n_keys; i++) {
		const char *addr = metrics_label_value(keys[i].address, ea, sizeof(ea));
		for (unsigned j = 0; j < keys[i].chain->n_kinds; j++) {
			uint64_t n = atomic_load(&keys[i].m->wm_rejected[j]);
			if (n)
				sbuf_printf(b, "watermark_rejection_total{address=\"%s\",kind=\"%s\"} "
				               "%llu\n", addr,
				            keys[i].chain->kinds[j], (unsigned long long)n);
		}
	}
	metrics_family(b, "policy_violation_total", "counter", "Requests refused by policy.");
	for (size_t i = 0; i < n_keys; i++)
		sbuf_printf(b, "policy_violation_total{address=\"%s\"} %llu\n",
		            metrics_label_value(keys[i].address, ea, sizeof(ea)),
		            (unsigned long long)atomic_load(&keys[i].m->policy_violations));
}

void
metrics_render(struct sbuf *b, const struct metrics *m, const struct metrics_vault_row *vaults,
               size_t n_vaults, const struct metrics_key_row *keys, size_t n_keys)
{
	char labels[256], ev[128];

	metrics_render_requests(b, m);
	metrics_family(b, "vault_sign_request_duration_milliseconds", "histogram",
	               "Time spent in the vault.");
	for (size_t i = 0; i < n_vaults; i++) {
		snprintf(labels, sizeof(labels), "vault=\"%s\"",
		         metrics_label_value(vaults[i].vault, ev, sizeof(ev)));
		metrics_render_hist(b, "vault_sign_request_duration_milliseconds", labels,
		                    vaults[i].h);
	}
	metrics_family(b, "vault_bad_signatures_total", "counter",
	               "Signatures from the vault that failed their check (verify_signatures), "
	               "never returned.");
	for (size_t i = 0; i < n_vaults; i++)
		sbuf_printf(b, "vault_bad_signatures_total{vault=\"%s\"} %llu\n",
		            metrics_label_value(vaults[i].vault, ev, sizeof(ev)),
		            (unsigned long long)vaults[i].bad_signatures);
	metrics_render_auth(b, m);
	metrics_render_keys(b, keys, n_keys);
}

