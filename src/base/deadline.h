/* Deadlines: the time by which a call into a back end that may leave the
 * machine (an HSM, a key holder, a database) must have answered. A back
 * end that cannot answer in time gives up with SIGIL_E_TIMEOUT and signs
 * nothing; the request is refused with that reason (503). Back ends on
 * local disk and in memory may ignore them. */
#ifndef SIGIL_BASE_DEADLINE_H
#define SIGIL_BASE_DEADLINE_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct sigil_deadline {
	uint64_t at_ms; /* CLOCK_MONOTONIC, in milliseconds; 0: none */
};

static inline uint64_t
sigil_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The same with its fraction, for latencies. */
static inline double
sigil_monotonic_ms_f(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A deadline ms from now (ms 0: none). */
static inline struct sigil_deadline
sigil_deadline_in(uint64_t ms)
{
	struct sigil_deadline d = {ms ? sigil_monotonic_ms() + ms : 0};
	return d;
}

/* Milliseconds left, 0 once passed; UINT64_MAX without a deadline (d NULL
 * or at_ms 0). */
static inline uint64_t
sigil_deadline_left_ms(const struct sigil_deadline *d)
{
	uint64_t now;
	if (d == NULL || d->at_ms == 0)
		return UINT64_MAX;
	now = sigil_monotonic_ms();
	return now >= d->at_ms ? 0 : d->at_ms - now;
}

/* CLOCK_MONOTONIC ms from now as a timespec, for pthread_cond_timedwait on
 * a condition variable set to that clock. */
static inline struct timespec
sigil_monotonic_timespec_in(uint64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static inline bool
sigil_deadline_passed(const struct sigil_deadline *d)
{
	return sigil_deadline_left_ms(d) == 0;
}

#endif
