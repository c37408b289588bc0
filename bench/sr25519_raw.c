/* bench_sr25519_raw: what one sr25519 signature costs in sigil
 * (crypto/sr25519.h), beside the primitives it is made of and the Ed25519
 * signature of the same message, all straight from the libraries:
 *
 *   sr25519_sign      sigil_sr25519_sign, context "substrate"
 *   sr25519_verify    sigil_sr25519_verify
 *   ed25519_sign      libsodium's crypto_sign_detached
 *   ed25519_verify    libsodium's crypto_sign_verify_detached
 *   ristretto_base    crypto_scalarmult_ristretto255_base (the one
 *                     base-point multiplication an sr25519 signature makes;
 *                     the rest is Merlin's STROBE and scalar arithmetic)
 *
 * The message is 114 bytes (the Westend transfer_keep_alive signing payload
 * of section 9's load, signed as it is), a new one for each signature. The runs take turns in slices of 0.1 s, as many
 * as fit in the seconds given to each, because this shared host's speed
 * drifts within seconds and neighbouring slices see the same machine.
 *
 * usage: bench_sr25519_raw [seconds-per-run [only]]   (default 1; with
 * `only`, just the runs whose name contains it, e.g. sr25519_sign between
 * section 9's HTTP slices)
 * Prints "name_us value" lines (mean microseconds per operation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common.h"
#include "crypto/sr25519.h"

#define SRB_MSG_LEN 114
#define SRB_SLICE_S 0.1
#define SRB_RUNS 5

struct srb_ctx {
	uint8_t sk[SIGIL_SR25519_SK_LEN], pk[32], sig[64];
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES], ed_pk[32], ed_sig[64];
	uint8_t msg[SRB_MSG_LEN], scalar[32];
};

static void
srb_msg(struct srb_ctx *c, uint64_t i)
{
	memcpy(c->msg, &i, sizeof(i));
}

static int
srb_sr_sign(struct srb_ctx *c, uint64_t i)
{
	srb_msg(c, i);
	return sigil_sr25519_sign(c->sk, c->pk, (const uint8_t *)SIGIL_SR25519_CTX_SUBSTRATE,
	                          sizeof(SIGIL_SR25519_CTX_SUBSTRATE) - 1, c->msg, sizeof(c->msg),
	                          c->sig);
}

static int
srb_sr_verify(struct srb_ctx *c, uint64_t i)
{
	(void)i;
	return sigil_sr25519_verify(c->pk, (const uint8_t *)SIGIL_SR25519_CTX_SUBSTRATE,
	                            sizeof(SIGIL_SR25519_CTX_SUBSTRATE) - 1, c->msg, sizeof(c->msg),
	                            c->sig);
}

static int
srb_ed_sign(struct srb_ctx *c, uint64_t i)
{
	srb_msg(c, i);
	return crypto_sign_detached(c->ed_sig, NULL, c->msg, sizeof(c->msg), c->ed_sk);
}

static int
srb_ed_verify(struct srb_ctx *c, uint64_t i)
{
	(void)i;
	return crypto_sign_verify_detached(c->ed_sig, c->msg, sizeof(c->msg), c->ed_pk);
}

static int
srb_base(struct srb_ctx *c, uint64_t i)
{
	uint8_t q[32];

	memcpy(c->scalar, &i, sizeof(i));
	return crypto_scalarmult_ristretto255_base(q, c->scalar);
}

static const struct {
	const char *name;
	int (*op)(struct srb_ctx *, uint64_t);
} srb_runs[SRB_RUNS] = {
	{"sr25519_sign_us", srb_sr_sign},   {"sr25519_verify_us", srb_sr_verify},
	{"ed25519_sign_us", srb_ed_sign},   {"ed25519_verify_us", srb_ed_verify},
	{"ristretto_base_us", srb_base},
};

static int
srb_setup(struct srb_ctx *c)
{
	uint8_t mini[32];

	memset(c, 0x5a, sizeof(*c));
	randombytes_buf(mini, sizeof(mini));
	if (sigil_sr25519_expand_mini(mini, c->sk) != 0 || sigil_sr25519_public(c->sk, c->pk) != 0 ||
	    crypto_sign_seed_keypair(c->ed_pk, c->ed_sk, mini) != 0)
		return -1;
	sodium_memzero(mini, sizeof(mini));
	/* the verify runs check the signature the sign runs made last */
	return srb_sr_sign(c, 0) == 0 && srb_ed_sign(c, 0) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	double seconds = argc > 1 ? (double)bench_parse_long("seconds", argv[1], 1, 60) : 1.0;
	const char *only = argc > 2 ? argv[2] : NULL;
	int slices = (int)(seconds / SRB_SLICE_S + 0.5);
	uint64_t ns[SRB_RUNS] = {0}, ops[SRB_RUNS] = {0}, seq = 1;
	struct srb_ctx c;

	if (sodium_init() < 0 || srb_setup(&c) != 0) {
		fprintf(stderr, "bench_sr25519_raw: setup failed\n");
		return 1;
	}
	for (int j = 0; j < slices; j++) {
		for (int r = 0; r < SRB_RUNS; r++) {
			if (only != NULL && strstr(srb_runs[r].name, only) == NULL)
				continue;
			uint64_t t0 = bench_now_ns(), t1 = t0, end = t0 + (uint64_t)(SRB_SLICE_S * 1e9);

			while (t1 < end) {
				if (srb_runs[r].op(&c, seq++) != 0) {
					fprintf(stderr, "bench_sr25519_raw: %s failed\n", srb_runs[r].name);
					return 1;
				}
				ops[r]++;
				t1 = bench_now_ns();
			}
			ns[r] += t1 - t0;
		}
	}
	for (int r = 0; r < SRB_RUNS; r++)
		if (ops[r] > 0)
			bench_emit(srb_runs[r].name, (double)ns[r] / 1e3 / (double)ops[r], 1);
	sodium_memzero(&c, sizeof(c));
	return 0;
}
