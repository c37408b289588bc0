/* The /metrics page: Prometheus text format 0.0.4, one contiguous group per
 * family, well-formed histograms, one vault histogram series per vault. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chain/tezos/chain.h"
#include "chain/tezos/decode.h"
#include "core/metrics.h"
#include "core_test.h"

static const char *const families[] = {
	"sign_handler_requests_total",      "sign_handler_request_duration_milliseconds",
	"vault_sign_request_duration_milliseconds", "vault_bad_signatures_total",
	"authentication_failure_total",     "token_requests_total",
	"watermark_fsync_total",            "signing_ops_total",
	"watermark_rejection_total",        "policy_violation_total",
};

struct fixture {
	struct metrics m;
	struct metrics_key k[3];
	struct metrics_hist vh[2];
	struct metrics_key_row keys[3];
	struct metrics_vault_row vaults[2];
};

static void
fixture_fill(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	metrics_count_status(&f->m, 200);
	metrics_count_status(&f->m, 409);
	metrics_count_status(&f->m, 418); /* unknown statuses count as 500 */
	atomic_store(&f->m.auth_failures, 3);
	atomic_store(&f->m.wm_fsyncs, 7);
	metrics_hist_observe(&f->m.request_ms, 0.3);
	metrics_hist_observe(&f->m.request_ms, 7);
	/* Both vaults and all three keys have something in every family, so a
	 * page that interleaves per-key lines cannot pass. */
	metrics_hist_observe(&f->vh[0], 0.2);
	metrics_hist_observe(&f->vh[0], 2000); /* above the top bound */
	metrics_hist_observe(&f->vh[1], 1);
	for (int i = 0; i < 3; i++) {
		atomic_store(&f->k[i].signed_ops[TZ_REQ_ATTESTATION], (uint64_t)(10 + i));
		atomic_store(&f->k[i].signed_ops[TZ_REQ_BLOCK], (uint64_t)(1 + i));
		atomic_store(&f->k[i].wm_rejected[TZ_REQ_ATTESTATION], (uint64_t)(i + 1));
		atomic_store(&f->k[i].policy_violations, (uint64_t)i);
	}
	static const char *const addr[] = {"tz1aaa", "tz1bbb", "tz2ccc"};
	static const char *const vname[] = {"hot", "cold", "hot"};
	for (int i = 0; i < 3; i++)
		f->keys[i] = (struct metrics_key_row){addr[i], vname[i], &f->k[i], &chain_tezos};
	f->vaults[0] = (struct metrics_vault_row){"hot", &f->vh[0], 0};
	f->vaults[1] = (struct metrics_vault_row){"cold", &f->vh[1], 3};
}

static char *
render(const struct fixture *f, size_t nv, size_t nk)
{
	struct sbuf b = {0};
	size_t len;
	metrics_render(&b, &f->m, f->vaults, nv, f->keys, nk);
	char *text = sbuf_take(&b, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void
test_grouping(void **state)
{
	struct fixture f;
	struct prom_check p;

	(void)state;
	fixture_fill(&f);
	/* Requests by token: a row per name, a series per status seen. */
	metrics_count_token(&f.m, "ops", 200);
	metrics_count_token(&f.m, "ops", 200);
	metrics_count_token(&f.m, "ops", 403);
	metrics_count_token(&f.m, "we\"ird", 404);
	char *text = render(&f, 2, 3);
	prom_check(&p, text);
	assert_int_equal(p.n, sizeof(families) / sizeof(families[0]));
	for (size_t i = 0; i < p.n; i++)
		assert_string_equal(p.families[i], families[i]);
	assert_non_null(strstr(text, "\ntoken_requests_total{token=\"ops\",status=\"200\"} 2\n"));
	assert_non_null(strstr(text, "\ntoken_requests_total{token=\"ops\",status=\"403\"} 1\n"));
	assert_non_null(strstr(text, "\ntoken_requests_total{token=\"we\\\"ird\",status=\"404\"} 1\n"));
	assert_null(strstr(text, "token=\"ops\",status=\"500\""));
	free(text);
}

/* Families with no rows keep their HELP/TYPE and stay valid. */
static void
test_empty(void **state)
{
	struct fixture f;
	struct prom_check p;

	(void)state;
	memset(&f, 0, sizeof(f));
	char *text = render(&f, 0, 0);
	prom_check(&p, text);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		assert_true(prom_has_family(&p, families[i]));
	assert_null(strstr(text, "{}")); /* no empty label sets */
	free(text);
}

/* The page sigild drew before metrics_render put the TYPE lines of three
 * families together and then mixed the per-key samples: the checker must
 * reject that shape, or test_grouping proves nothing. */
static void
test_checker_rejects_old_page(void **state)
{
	struct prom_check p;

	(void)state;
	prom_scan(&p, "# HELP signing_ops_total x\n# TYPE signing_ops_total counter\n"
	              "# HELP policy_violation_total x\n# TYPE policy_violation_total counter\n"
	              "signing_ops_total{address=\"a\"} 1\npolicy_violation_total{address=\"a\"} 0\n"
	              "signing_ops_total{address=\"b\"} 2\npolicy_violation_total{address=\"b\"} 0\n");
	assert_true(p.err[0] != '\0');

	prom_scan(&p, "# HELP a x\n# TYPE a counter\na 1\n# HELP b x\n# TYPE b counter\na 2\n");
	assert_non_null(strstr(p.err, "inside family b"));
	prom_scan(&p, "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
	              "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n");
	assert_non_null(strstr(p.err, "cumulative"));
	prom_scan(&p, "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
	              "h_count 2\n");
	assert_non_null(strstr(p.err, "differs"));
}

static void
test_per_vault(void **state)
{
	struct fixture f;
	struct prom_check p;

	(void)state;
	fixture_fill(&f);
	char *text = render(&f, 2, 3);
	prom_check(&p, text);
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_count{vault=\"hot\"} 2\n"));
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_count{vault=\"cold\"} 1\n"));
	assert_non_null(strstr(text, "vault_bad_signatures_total{vault=\"hot\"} 0\n"));
	assert_non_null(strstr(text, "vault_bad_signatures_total{vault=\"cold\"} 3\n"));
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_bucket{vault=\"hot\","
	                             "le=\"1000\"} 1\n"));
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_bucket{vault=\"hot\","
	                             "le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(text, "signing_ops_total{address=\"tz1bbb\",vault=\"cold\","
	                             "kind=\"attestation\"} 11\n"));
	assert_non_null(strstr(text, "watermark_rejection_total{address=\"tz2ccc\","
	                             "kind=\"attestation\"} 3\n"));
	assert_non_null(strstr(text, "policy_violation_total{address=\"tz1aaa\"} 0\n"));
	assert_non_null(strstr(text, "sign_handler_requests_total{status=\"500\"} 1\n"));
	assert_non_null(strstr(text, "authentication_failure_total 3\n"));
	assert_non_null(strstr(text, "\nwatermark_fsync_total 7\n"));
	/* What tests/js/tezos_http.mjs looks for. */
	assert_non_null(strstr(text, "sign_handler_request_duration_milliseconds_bucket"));
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_count"));
	free(text);
}

static void
test_observe(void **state)
{
	struct metrics_hist h;
	struct prom_check p;
	struct sbuf b = {0};
	size_t len;

	(void)state;
	memset(&h, 0, sizeof(h));
	metrics_hist_observe(&h, 0.05); /* on a bound: that bucket (le is <=) */
	metrics_hist_observe(&h, 0.051);
	metrics_hist_observe(&h, -3);   /* a clock step back counts as 0 */
	metrics_hist_observe(&h, NAN);
	metrics_hist_observe(&h, 1e300); /* clamped, not undefined */
	sbuf_printf(&b, "# HELP x y\n# TYPE x histogram\n");
	metrics_render_hist(&b, "x", "", &h);
	char *text = sbuf_take(&b, &len);
	prom_check(&p, text);
	assert_non_null(strstr(text, "x_bucket{le=\"0.05\"} 3\n"));
	assert_non_null(strstr(text, "x_bucket{le=\"0.1\"} 4\n"));
	assert_non_null(strstr(text, "x_bucket{le=\"1000\"} 4\n"));
	assert_non_null(strstr(text, "x_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(text, "x_count 5\n"));
	assert_non_null(strstr(text, "\nx_sum "));
	free(text);
}

/* Label values are escaped even though today's names never need it. */
static void
test_label_escape(void **state)
{
	struct fixture f;
	struct prom_check p;

	(void)state;
	fixture_fill(&f);
	f.vaults[1].vault = "we\"ird\\\nname";
	f.keys[0].address = "tz1\"x";
	char *text = render(&f, 2, 3);
	prom_check(&p, text);
	assert_non_null(strstr(text, "{vault=\"we\\\"ird\\\\\\nname\"}"));
	assert_non_null(strstr(text, "policy_violation_total{address=\"tz1\\\"x\"}"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping),  cmocka_unit_test(test_empty),
		cmocka_unit_test(test_checker_rejects_old_page), cmocka_unit_test(test_per_vault),
		cmocka_unit_test(test_observe),   cmocka_unit_test(test_label_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
