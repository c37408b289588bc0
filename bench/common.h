/* Small helpers shared by the benchmark tools in bench/: clocks, sample
 * sets and percentiles, and the "name value" lines every tool prints on
 * stdout for scripts/bench.sh to collect. */
#ifndef SIGIL_BENCH_COMMON_H
#define SIGIL_BENCH_COMMON_H
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* A growable array of durations in nanoseconds, bounded by cap (samples
 * beyond it are counted but not kept, so a runaway loop cannot eat memory). */
struct bench_samples {
	uint64_t *v;
	size_t n, cap, dropped;
};

int bench_samples_init(struct bench_samples *s, size_t cap);
void bench_samples_add(struct bench_samples *s, uint64_t ns);
/* Sorts in place; p in [0, 100]. 0 when empty. Nearest-rank percentile. */
double bench_samples_pct_ms(struct bench_samples *s, double p);
double bench_samples_mean_ms(const struct bench_samples *s);
void bench_samples_free(struct bench_samples *s);

/* "name value\n" on stdout, value with the given precision. */
void bench_emit(const char *name, double value, int decimals);

/* Parses a positive integer option value; exits with a message when bad. */
long bench_parse_long(const char *opt, const char *s, long min, long max);

#endif
