/* The Atto signer's HTTP API (attocash/signer), on addresses of its own
 * (config atto_api, or the ATTO_SIGNER_* variables):
 *
 *   GET  /public-keys  → {"publicKey":"<64 hex>"}        (no token: a GET)
 *   POST /blocks       {"target":{…block…}}               → {"signature":"<128 hex>"}
 *   POST /votes        {"target":{…vote…}}                → {"signature":…}
 *   POST /challenges   {"target":"<hex>","timestamp":ms} → {"signature":…}
 *
 * Every request but a GET needs the token in Authorization (bare, as the
 * Atto node sends it, or "Bearer <token>"), checked before routing: 401
 * with an empty body otherwise. Refusals are {"message": …} as the signer
 * words them (capability missing, different public key: 400), and what
 * the Atto node retries (a vault not ready or too slow) is 429, which it
 * retries, never 503, which it does not. Hex is written uppercase.
 *
 * The management address: GET /health ({"status":"UP"}, or 503
 * {"status":"DOWN"}), GET /prometheus and /metrics (sigil's metrics). */
#ifndef SIGIL_API_ATTO_H
#define SIGIL_API_ATTO_H
#include <stdbool.h>
#include <stddef.h>

#include "api/server.h"

bool api_atto_check(void *ctx, const char *method, const char *url, size_t *max_body,
                    struct api_response *res);
int api_atto_handle(void *ctx, const struct api_request *req, struct api_response *res,
                    struct api_async *a);
int api_atto_management_handle(void *ctx, const struct api_request *req,
                               struct api_response *res, struct api_async *a);

#endif
