/* Merlin transcripts and their STROBE-128 (crypto/merlin.h, strobe.h).
 *
 * The known answer is the merlin crate's own test (transcript.rs,
 * equivalence_simple): transcript "test protocol", append "some label" =
 * "some data", challenge "challenge" of 32 bytes. The rest checks the
 * properties sr25519 leans on: framing (the same bytes split otherwise
 * give another challenge), messages that cross STROBE's 166-byte blocks,
 * and a witness RNG that depends on its witness and leaves the transcript
 * as it was. The sr25519 tests then hold the whole construction to
 * @scure/sr25519's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/errors.h"
#include "crypto/merlin.h"
#include "../unit_util.h"

static void
append_str(struct sigil_merlin *t, const char *label, const char *msg)
{
	assert_int_equal(sigil_merlin_append(t, label, (const uint8_t *)msg, strlen(msg)), 0);
}

static void
test_equivalence_simple(void **state)
{
	struct sigil_merlin t;
	uint8_t got[32], want[32];

	(void)state;
	unhex("d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615", want,
	      sizeof(want));
	sigil_merlin_init(&t, "test protocol");
	append_str(&t, "some label", "some data");
	assert_int_equal(sigil_merlin_challenge(&t, "challenge", got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	sigil_merlin_wipe(&t);
}

/* label ‖ LE32(len) is framed: moving a byte from the label into the
 * message, or from one message into the next, changes the challenge. */
static void
test_framing(void **state)
{
	struct sigil_merlin a, b, c;
	uint8_t ca[32], cb[32], cc[32];

	(void)state;
	sigil_merlin_init(&a, "p");
	sigil_merlin_init(&b, "p");
	sigil_merlin_init(&c, "p");
	append_str(&a, "ab", "cd");
	append_str(&b, "a", "bcd");
	append_str(&c, "ab", "c");
	append_str(&c, "", "d");
	assert_int_equal(sigil_merlin_challenge(&a, "x", ca, sizeof(ca)), 0);
	assert_int_equal(sigil_merlin_challenge(&b, "x", cb, sizeof(cb)), 0);
	assert_int_equal(sigil_merlin_challenge(&c, "x", cc, sizeof(cc)), 0);
	assert_memory_not_equal(ca, cb, sizeof(ca));
	assert_memory_not_equal(ca, cc, sizeof(ca));
	assert_memory_not_equal(cb, cc, sizeof(ca));
}

/* Long messages and challenges cross many blocks; the same inputs give the
 * same bytes, a one-bit change anywhere gives others, and a second
 * challenge differs from the first. */
static void
test_long(void **state)
{
	static uint8_t msg[1000];
	uint8_t c1[400], c2[400], c3[400];
	struct sigil_merlin t;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + 1);
	for (int round = 0; round < 2; round++) {
		sigil_merlin_init(&t, "long");
		assert_int_equal(sigil_merlin_append(&t, "m", msg, sizeof(msg)), 0);
		assert_int_equal(sigil_merlin_challenge(&t, "c", round ? c2 : c1, sizeof(c1)), 0);
	}
	assert_memory_equal(c1, c2, sizeof(c1));
	assert_int_equal(sigil_merlin_challenge(&t, "c", c3, sizeof(c3)), 0);
	assert_memory_not_equal(c1, c3, sizeof(c1));
	msg[500] ^= 1;
	sigil_merlin_init(&t, "long");
	assert_int_equal(sigil_merlin_append(&t, "m", msg, sizeof(msg)), 0);
	assert_int_equal(sigil_merlin_challenge(&t, "c", c2, sizeof(c2)), 0);
	assert_memory_not_equal(c1, c2, sizeof(c1));
}

/* The witness RNG: a function of the transcript, the witness and the
 * finalize bytes; forking it does not touch the transcript. */
static void
test_witness_rng(void **state)
{
	static const uint8_t zero[32];
	uint8_t w[32], o1[64], o2[64], c1[32], c2[32];
	struct sigil_merlin t, u;
	struct sigil_merlin_rng r;

	(void)state;
	memset(w, 7, sizeof(w));
	sigil_merlin_init(&t, "w");
	append_str(&t, "a", "b");
	u = t;
	for (int i = 0; i < 2; i++) {
		sigil_merlin_rng_init(&r, &t);
		assert_int_equal(sigil_merlin_rng_rekey(&r, "signing", w, sizeof(w)), 0);
		sigil_merlin_rng_finalize(&r, zero);
		assert_int_equal(sigil_merlin_rng_fill(&r, i ? o2 : o1, sizeof(o1)), 0);
		sigil_merlin_rng_wipe(&r);
	}
	assert_memory_equal(o1, o2, sizeof(o1));
	assert_memory_equal(&t, &u, sizeof(t));
	w[31] ^= 0x80;
	sigil_merlin_rng_init(&r, &t);
	assert_int_equal(sigil_merlin_rng_rekey(&r, "signing", w, sizeof(w)), 0);
	sigil_merlin_rng_finalize(&r, zero);
	assert_int_equal(sigil_merlin_rng_fill(&r, o2, sizeof(o2)), 0);
	assert_memory_not_equal(o1, o2, sizeof(o1));
	/* and the RNG's output is not the transcript's challenge */
	assert_int_equal(sigil_merlin_challenge(&t, "c", c1, sizeof(c1)), 0);
	assert_int_equal(sigil_merlin_challenge(&u, "c", c2, sizeof(c2)), 0);
	assert_memory_equal(c1, c2, sizeof(c1));
	assert_memory_not_equal(c1, o1, sizeof(c1));
	sigil_merlin_rng_wipe(&r);
	sodium_memzero(&r, sizeof(r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equivalence_simple),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_witness_rng),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
