/* The one path every Tezos signature takes (DESIGN.md):
 * key → auth → decode → policy → watermark → vault → audit. */
#ifndef SIGIL_SIGN_H
#define SIGIL_SIGN_H
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/b58.h"
#include "core/context.h"

struct sign_req {
	const char *address;  /* tz1… from the URL */
	const uint8_t *data;  /* the bytes to sign, magic byte first */
	size_t len;
	int version;          /* 0..2; selects the BLS scheme only */
	const char *auth;     /* the authentication query argument, or NULL */
	const char *peer;     /* caller address for the audit log */
};

struct sign_res {
	char signature[TZ_B58_MAX]; /* edsig…/spsig1…/p2sig…/BLsig… */
	char reason[160];           /* why it was refused; secret-free */
};

/* 0 with res->signature set, or an error code (api_status_for maps it)
 * with res->reason explaining. Takes ctx->lock for reading. */
__attribute__((warn_unused_result)) int
sigil_sign(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_res *res);

/* A tz4 key's proof of possession (BLsig…), if its policy allows it:
 * SIGIL_E_UNKNOWN_KEY, SIGIL_E_INVALID for a key that is not tz4,
 * SIGIL_E_POLICY when allow_proof_of_possession is off. */
__attribute__((warn_unused_result)) int
sigil_prove_possession(struct sigil_ctx *ctx, const char *address, const char *peer,
                       struct sign_res *res);

#endif
