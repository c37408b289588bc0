/* bench_inproc: sigild's own work on an Ethereum request, without HTTP.
 *
 * Under the HTTP load, CPU per request moves by a microsecond or two from
 * one slice to the next (the host, the scheduler, the load generator on
 * the other hyperthread), which is as much as what sigild adds to the
 * bare server. Here the v1 API's handler (api_v1_handle: token, body,
 * decode, policy, the vault's signature, the signed transaction, the
 * answer, the audit line) is called directly, on one thread, on the same
 * config sigild ran, and timed against the bare server's work done in
 * the same process in alternating blocks: the body's hex, keccak-256 and
 * libsecp256k1's recoverable signature, hex out. The difference is what
 * sigild's pipeline costs per request, to a few hundredths of a
 * microsecond from one run to the next.
 *
 * The handler reads the Authorization header through libmicrohttpd, which
 * has no connection here: this program defines MHD_lookup_connection_value
 * itself, and the linker takes its definition over the library's.
 *
 * usage: bench_inproc CONFIG TOKEN ADDRESS [REQUESTS_PER_BLOCK [BLOCKS]]
 * Runs with sigild stopped (the config's watermark store is sigild's).
 * Prints "v1_us X", "bare_us Y" (medians over the blocks, process CPU
 * time per request, the log writer's thread included) and "diff_us Z".
 * The audit lines go to stderr, as sigild's do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "api/server.h"
#include "api/v1.h"
#include "base/log.h"
#include "common.h"
#include "core/context.h"
#include "crypto/keccak.h"
#include "payload.h"

#define INPROC_BLOCKS_MAX 99

static char inproc_auth[256];

const char *
MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
	(void)c;
	(void)kind;
	return key != NULL && strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0 ? inproc_auth
	                                                                          : NULL;
}

static double
cpu_now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The bare server's Ethereum work on one body (bench_bare's bare_eth):
 * the payload's hex, keccak-256, the recoverable signature, hex out. */
static int
inproc_bare(const secp256k1_context *ctx, const uint8_t sk[32], const char *body, char *out,
            size_t cap)
{
	uint8_t tx[4096], digest[32], sig[65];
	secp256k1_ecdsa_recoverable_signature rs;
	const char *p = strstr(body, "\"payload\":\"0x"), *q;
	size_t n;
	int recid;

	if (p == NULL || (q = strchr(p += 13, '"')) == NULL ||
	    sodium_hex2bin(tx, sizeof(tx), p, (size_t)(q - p), NULL, &n, NULL) != 0)
		return -1;
	sigil_keccak256(tx, n, digest);
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, digest, sk, NULL, NULL))
		return -1;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
	sig[64] = (uint8_t)(27 + recid);
	sodium_bin2hex(out, cap, sig, sizeof(sig));
	return 0;
}

/* /v1/sign's body for the nonce's transfer, as bench_load sends it. */
static int
inproc_body(const char *address, uint64_t nonce, char *body, size_t cap)
{
	char tx[1024];
	int n;

	if (bench_eth_tx_hex(nonce, tx, sizeof(tx)) < 0)
		return -1;
	n = snprintf(body, cap, "{\"chain\":\"ethereum\",\"key_id\":\"%s\",\"payload\":\"0x%s\"}",
	             address, tx);
	return n > 0 && (size_t)n < cap ? n : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static struct sigil_ctx ctx;
	static char body[4096], out[256];
	double v1[INPROC_BLOCKS_MAX], bare[INPROC_BLOCKS_MAX];
	uint8_t sk[32], seed[32];
	secp256k1_context *secp;
	char err[512];
	uint64_t nonce = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_inproc CONFIG TOKEN ADDRESS [PER_BLOCK [BLOCKS]]\n");
		return 2;
	}
	long per = argc > 4 ? strtol(argv[4], NULL, 10) : 2000;
	long blocks = argc > 5 ? strtol(argv[5], NULL, 10) : 15;
	if (per < 1 || per > 1000000 || blocks < 1 || blocks > INPROC_BLOCKS_MAX) {
		fprintf(stderr, "bench_inproc: PER_BLOCK 1..1000000, BLOCKS 1..%d\n",
		        INPROC_BLOCKS_MAX);
		return 2;
	}
	snprintf(inproc_auth, sizeof(inproc_auth), "Bearer %s", argv[2]);
	if (sodium_init() < 0 || (secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		return 1;
	randombytes_buf(seed, sizeof(seed));
	do
		randombytes_buf(sk, sizeof(sk));
	while (!secp256k1_ec_seckey_verify(secp, sk));
	if (!secp256k1_context_randomize(secp, seed))
		return 1;
	if (sigil_ctx_open(&ctx, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_inproc: %s\n", err);
		return 1;
	}
	/* As sigild serves: audit lines gathered by the writer thread. */
	if (log_out_async_start() != 0)
		return 1;
	for (long b = 0; b < blocks; b++) {
		double t0 = cpu_now_us();
		for (long i = 0; i < per; i++) {
			int n = inproc_body(argv[3], nonce++, body, sizeof(body));
			struct api_request req = {.method = "POST", .url = "/v1/sign", .body = body,
			                          .body_len = (size_t)n, .peer = "127.0.0.1"};
			struct api_response res = {0};

			if (n < 0 || api_v1_handle(&ctx, &req, &res, NULL) != API_DONE ||
			    res.status != 200) {
				fprintf(stderr, "bench_inproc: status %u: %s\n", res.status,
				        res.body ? res.body : "");
				return 1;
			}
			if (res.after)
				res.after(res.after_arg);
			free(res.body);
		}
		double t1 = cpu_now_us();
		for (long i = 0; i < per; i++) {
			if (inproc_body(argv[3], nonce++, body, sizeof(body)) < 0 ||
			    inproc_bare(secp, sk, body, out, sizeof(out)) != 0) {
				fprintf(stderr, "bench_inproc: the bare work failed\n");
				return 1;
			}
		}
		double t2 = cpu_now_us();
		v1[b] = (t1 - t0) / (double)per;
		bare[b] = (t2 - t1) / (double)per;
	}
	log_out_async_stop();
	sigil_ctx_close(&ctx);
	secp256k1_context_destroy(secp);
	sodium_memzero(sk, sizeof(sk));
	qsort(v1, (size_t)blocks, sizeof(v1[0]), cmp_double);
	qsort(bare, (size_t)blocks, sizeof(bare[0]), cmp_double);
	printf("v1_us %.2f\nbare_us %.2f\ndiff_us %.2f\n", v1[blocks / 2], bare[blocks / 2],
	       v1[blocks / 2] - bare[blocks / 2]);
	return 0;
}
