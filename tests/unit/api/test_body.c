/* The sign-request body parser and the status mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "../unit_util.h"

#include "api/body.h"
#include "api/status.h"
#include "base/errors.h"

static int
parse(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	void *map;
	size_t maplen, len = strlen(s);
	char *p = flush_copy(s, len, &map, &maplen);
	int rc = api_parse_sign_body(p, len, out, cap, n);
	munmap(map, maplen);
	return rc;
}

static void
test_good(void **state)
{
	uint8_t out[16];
	size_t n;
	(void)state;
	assert_int_equal(parse("\"03aBcd\"", out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\x03\xab\xcd", 3);
	assert_int_equal(parse(" \n\"11\" \r\n", out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
}

static void
test_bad(void **state)
{
	uint8_t out[4];
	size_t n;
	(void)state;
	assert_int_equal(parse("", out, sizeof(out), &n), SIGIL_E_INCOMPLETE);
	assert_int_equal(parse("   ", out, sizeof(out), &n), SIGIL_E_INCOMPLETE);
	assert_int_equal(parse("\"03ab", out, sizeof(out), &n), SIGIL_E_INCOMPLETE);
	assert_int_equal(parse("\"\"", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("\"03a\"", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("\"0g\"", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("\"03\\u0030\"", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("\"03\" x", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("\"03\"\"03\"", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("03", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("[\"03\"]", out, sizeof(out), &n), SIGIL_E_INVALID);
	assert_int_equal(parse("\"0102030405\"", out, sizeof(out), &n), SIGIL_E_TOO_BIG);
	assert_int_equal(n, 0);
}

static void
test_oversized(void **state)
{
	uint8_t out[4];
	size_t n;
	(void)state;
	assert_int_equal(api_parse_sign_body("\"00\"", API_BODY_MAX + 1, out, sizeof(out), &n),
	                 SIGIL_E_TOO_BIG);
}

static void
test_version(void **state)
{
	int v;
	(void)state;
	assert_int_equal(api_parse_version(NULL, &v), 0);
	assert_int_equal(v, 2);
	for (int i = 0; i <= 2; i++) {
		char s[2] = {(char)('0' + i), 0};
		assert_int_equal(api_parse_version(s, &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(api_parse_version("3", &v), SIGIL_E_INVALID);
	assert_int_equal(api_parse_version("", &v), SIGIL_E_INVALID);
	assert_int_equal(api_parse_version("01", &v), SIGIL_E_INVALID);
	assert_int_equal(api_parse_version("-1", &v), SIGIL_E_INVALID);
}

static void
test_status(void **state)
{
	(void)state;
	assert_int_equal(api_status_for(0), 200);
	assert_int_equal(api_status_for(SIGIL_E_INVALID), 400);
	assert_int_equal(api_status_for(SIGIL_E_INCOMPLETE), 400);
	assert_int_equal(api_status_for(SIGIL_E_TOO_BIG), 413);
	assert_int_equal(api_status_for(SIGIL_E_AUTH_REQUIRED), 401);
	assert_int_equal(api_status_for(SIGIL_E_AUTH), 403);
	assert_int_equal(api_status_for(SIGIL_E_POLICY), 403);
	assert_int_equal(api_status_for(SIGIL_E_UNKNOWN_KEY), 404);
	assert_int_equal(api_status_for(SIGIL_E_WATERMARK), 409);
	assert_int_equal(api_status_for(SIGIL_E_CORRUPT), 500);
	assert_int_equal(api_status_for(SIGIL_E_IO), 500);
	assert_int_equal(api_status_for(SIGIL_E_NOT_READY), 503);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),    cmocka_unit_test(test_bad),
		cmocka_unit_test(test_oversized), cmocka_unit_test(test_version),
		cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
