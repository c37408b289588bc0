/* The audit line's latency (sign_ms_text): milliseconds with three
 * decimals, rounded to the microsecond, as "%llu.%03llu" of the whole
 * microseconds writes them, and cut to fit as snprintf cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/sign_job.h"

static void
test_ms_text(void **state)
{
	static const struct {
		double ms;
		const char *want;
	} cases[] = {
		{0, "0.000"},         {-3.5, "0.000"},     {0.0004, "0.000"},
		{0.0006, "0.001"},    {0.031, "0.031"},    {1.5, "1.500"},
		{999.9996, "1000.000"}, {12345.6789, "12345.679"},
		{1e20, "0.000"}, /* absurd: the clock went wrong, not 20 digits */
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_ms_text(cases[i].ms, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	sign_ms_text(12.5, out, 4);
	assert_string_equal(out, "12.");
	sign_ms_text(12.5, out, 1);
	assert_string_equal(out, "");
}

/* Against printf over a spread of values. */
static void
test_ms_text_as_printf(void **state)
{
	char out[32], want[32];

	(void)state;
	srand(7);
	for (int i = 0; i < 100000; i++) {
		double ms = (double)rand() / RAND_MAX * (i % 2 ? 10.0 : 100000.0);
		unsigned long long us = (unsigned long long)(ms * 1000.0 + 0.5);
		snprintf(want, sizeof(want), "%llu.%03llu", us / 1000, us % 1000);
		sign_ms_text(ms, out, sizeof(out));
		assert_string_equal(out, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ms_text),
		cmocka_unit_test(test_ms_text_as_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
