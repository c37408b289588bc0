/* The chain-neutral v1 API, on the main API's address, with bearer tokens
 * (auth/token.h) as its only authentication:
 *
 *   GET  /v1/keys            keys:read  every key of every vault: its key
 *                                       id, type, public key (hex), vault,
 *                                       and the address each chain makes of it
 *   GET  /v1/keys/{id}       keys:read  one of them, by key id or address
 *   POST /v1/keys            keys:admin {"type": ed25519|secp256k1|p256|bls,
 *                                       "vault" (default: the first), "label"}:
 *                                       a key made by the vault, as GET gives it
 *   DELETE /v1/keys/{id}     keys:admin the key, for good (audit-logged);
 *                                       409 while the config's policy lists it
 * A key made or deleted so is in the running key ring at once (the state
 * is loaded again, as by SIGHUP); it signs once the config allows it.
 *   POST /v1/sign_digest     sign:digest {"key_id", "digest": 32 bytes of hex}:
 *                                       the digest signed as it is (no decoding,
 *                                       no watermark), for a key the config lists
 *                                       → {"signature": hex, "recovery_id"?}
 *   POST /v1/sign            the request's <chain>:<kind> (checked once the
 *                            chain has decoded the payload)
 *        {"chain", "key_id" (a key id or an address), "payload",
 *         "encoding": "hex" (default; "0x" allowed) | "base64",
 *         "kind": what the payload is, where the chain cannot tell from the
 *         bytes (sign_request.kind)}
 *        → {"signature" (the chain's own form), "intent": {"chain",
 *           "kind", "operations", "asset", "amount", "destination"}}
 *
 * A key id is 40 hex digits: blake2b-160 of the key's type byte and public
 * key, the same whichever vault or chain. Errors are
 * {"error": {"code", "message"}} with a stable code (bad_request,
 * unauthorized, forbidden, not_found, method_not_allowed, conflict,
 * too_large, not_ready, internal) and the octez API's statuses. Every
 * request needs a token: with none configured the API answers 401. */
#ifndef SIGIL_API_V1_H
#define SIGIL_API_V1_H
#include <stdbool.h>
#include <stddef.h>

#include "api/server.h"
#include "core/context.h"

#define API_V1_PREFIX "/v1/"

bool api_v1_match(const char *url);
/* api_check's part for /v1/: 405 and 404 from the method and URL alone;
 * only POST takes a body. */
bool api_v1_check(const char *method, const char *url, size_t *max_body,
                  struct api_response *res);
int api_v1_handle(struct sigil_ctx *ctx, const struct api_request *req, struct api_response *res,
                  struct api_async *a);

#endif
