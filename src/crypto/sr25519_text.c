/* sr25519 secret keys as sigil imports them, "sr25519:0x…" (sr25519.h):
 * the tag, then the digits of one of the two forms, told apart by their
 * count alone. The mini secret takes any 32 bytes; the 64-byte form is
 * refused unless it is a key (sigil_sr25519_ed25519_bytes_problem), here
 * rather than when the vault first opens, so that a bad key never reaches
 * a vault file. */
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/hex.h"
#include "crypto/sr25519.h"

static int
sr_text_fail(int rc, const char *reason, uint8_t sk[SIGIL_SR25519_SK_LEN], const char **why)
{
	sodium_memzero(sk, SIGIL_SR25519_SK_LEN);
	*why = reason;
	return rc;
}

int
sigil_sr25519_secret_parse(const char *text, size_t len, uint8_t sk[static SIGIL_SR25519_SK_LEN],
                           size_t *sklen, const char **why)
{
	static const char tag[] = SIGIL_SR25519_TEXT_TAG;
	const size_t taglen = sizeof(tag) - 1;
	const char *problem;
	size_t digits, n = 0;

	*sklen = 0;
	*why = NULL;
	if (len > SIGIL_SR25519_TEXT_MAX)
		return sr_text_fail(SIGIL_E_TOO_BIG, "more than 128 hex digits after sr25519:0x", sk,
		                    why);
	if (len < taglen || memcmp(text, tag, taglen) != 0)
		return sr_text_fail(SIGIL_E_INVALID, "not sr25519:0x and hex digits", sk, why);
	digits = len - taglen;
	if (digits != 2 * SIGIL_SR25519_MINI_LEN && digits != 2 * SIGIL_SR25519_SK_LEN)
		return sr_text_fail(SIGIL_E_INCOMPLETE,
		                    "neither 64 hex digits (the mini secret) nor 128 (the secret key "
		                    "in the ed25519 form)",
		                    sk, why);
	if (hex_decode(text + taglen, digits, sk, SIGIL_SR25519_SK_LEN, &n) != 0 || n != digits / 2)
		return sr_text_fail(SIGIL_E_INVALID, "a character after sr25519:0x is no hex digit", sk,
		                    why);
	if (n == SIGIL_SR25519_SK_LEN && (problem = sigil_sr25519_ed25519_bytes_problem(sk)) != NULL)
		return sr_text_fail(SIGIL_E_CRYPTO, problem, sk, why);
	*sklen = n;
	return 0;
}
