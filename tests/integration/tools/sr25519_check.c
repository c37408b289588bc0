/* sigil's sr25519 (crypto/sr25519.h) for tests/js/sr25519_check.mjs, which
 * holds it to @scure/sr25519 and @polkadot/util-crypto. One command a line
 * on stdin, one answer a line on stdout; hex everywhere, "-" for no bytes:
 *
 *   sign MINI CTX MSG      ->  PK ED SIG   (ED: the 64-byte secret key in
 *                              polkadot-js's form, sigil_sr25519_to_ed25519_bytes)
 *   pub ED                 ->  PK          (polkadot-js's 64-byte secretKey in)
 *   verify PK CTX MSG SIG  ->  ok | bad
 *
 * A line it cannot read answers "error" (the script counts them as
 * failures). Exits 0 at the end of input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/hex.h"
#include "crypto/sr25519.h"

#define CHECK_MAX 65536 /* bytes of one field */

struct field {
	uint8_t *b;
	size_t len;
};

/* The next space-separated hex field of *p into f (malloc'ed, owned by the
 * caller); -1 when missing or not hex. */
static int
next_field(char **p, struct field *f)
{
	char *tok = strtok_r(NULL, " \n", p);

	f->b = malloc(CHECK_MAX);
	f->len = 0;
	if (tok == NULL || f->b == NULL)
		return -1;
	if (strcmp(tok, "-") == 0)
		return 0;
	return hex_decode(tok, strlen(tok), f->b, CHECK_MAX, &f->len) == 0 ? 0 : -1;
}

static void
put_hex(const uint8_t *b, size_t len, const char *end)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	fputs(end, stdout);
}

static int
do_sign(char **p)
{
	struct field mini = {0}, ctx = {0}, msg = {0};
	uint8_t sk[SIGIL_SR25519_SK_LEN], ed[SIGIL_SR25519_SK_LEN], pk[32], sig[64];
	int rc = -1;

	if (next_field(p, &mini) == 0 && next_field(p, &ctx) == 0 && next_field(p, &msg) == 0 &&
	    mini.len == SIGIL_SR25519_MINI_LEN && sigil_sr25519_expand_mini(mini.b, sk) == 0 &&
	    sigil_sr25519_public(sk, pk) == 0 && sigil_sr25519_to_ed25519_bytes(sk, ed) == 0 &&
	    sigil_sr25519_sign(sk, pk, ctx.b, ctx.len, msg.b, msg.len, sig) == 0) {
		put_hex(pk, sizeof(pk), " ");
		put_hex(ed, sizeof(ed), " ");
		put_hex(sig, sizeof(sig), "\n");
		rc = 0;
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(ed, sizeof(ed));
	free(mini.b);
	free(ctx.b);
	free(msg.b);
	return rc;
}

static int
do_pub(char **p)
{
	struct field ed = {0};
	uint8_t sk[SIGIL_SR25519_SK_LEN], pk[32];
	int rc = -1;

	if (next_field(p, &ed) == 0 && ed.len == SIGIL_SR25519_SK_LEN &&
	    sigil_sr25519_from_ed25519_bytes(ed.b, sk) == 0 && sigil_sr25519_public(sk, pk) == 0) {
		put_hex(pk, sizeof(pk), "\n");
		rc = 0;
	}
	sodium_memzero(sk, sizeof(sk));
	free(ed.b);
	return rc;
}

static int
do_verify(char **p)
{
	struct field pk = {0}, ctx = {0}, msg = {0}, sig = {0};
	int rc = -1;

	if (next_field(p, &pk) == 0 && next_field(p, &ctx) == 0 && next_field(p, &msg) == 0 &&
	    next_field(p, &sig) == 0 && pk.len == 32 && sig.len == 64) {
		puts(sigil_sr25519_verify(pk.b, ctx.b, ctx.len, msg.b, msg.len, sig.b) == 0 ? "ok"
		                                                                            : "bad");
		rc = 0;
	}
	free(pk.b);
	free(ctx.b);
	free(msg.b);
	free(sig.b);
	return rc;
}

int
main(void)
{
	char *line = NULL, *save;
	size_t cap = 0;

	if (sodium_init() < 0)
		return 1;
	while (getline(&line, &cap, stdin) > 0) {
		char *cmd = strtok_r(line, " \n", &save);
		int rc = -1;

		if (cmd == NULL)
			rc = -1;
		else if (strcmp(cmd, "sign") == 0)
			rc = do_sign(&save);
		else if (strcmp(cmd, "pub") == 0)
			rc = do_pub(&save);
		else if (strcmp(cmd, "verify") == 0)
			rc = do_verify(&save);
		if (rc != 0)
			puts("error");
	}
	free(line);
	return 0;
}
