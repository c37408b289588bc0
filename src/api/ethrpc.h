/* Ethereum JSON-RPC at POST /ethereum on the main API's address, for
 * wallets and ethers' JsonRpcSigner as they are: eth_accounts, eth_chainId
 * (server.ethereum_chain_id), net_version, eth_sign, personal_sign,
 * eth_signTypedData_v4 and eth_signTransaction, single calls or batches.
 * A bearer token is needed, as for /v1 (an HTTP 401 without one); every
 * signature goes through the pipeline as an Ethereum request of the kind
 * the method names (transaction, message, typed_data), so the token's
 * capabilities, the key's policy and the routes apply. A method sigil does
 * not sign with (eth_sendTransaction, eth_call, …) is -32601: sigil is a
 * signer, not a node. */
#ifndef SIGIL_API_ETHRPC_H
#define SIGIL_API_ETHRPC_H
#include <stdbool.h>
#include <stddef.h>

#include "api/server.h"
#include "core/context.h"

#define API_ETHRPC_PATH "/ethereum"
#define API_ETHRPC_BATCH_MAX 64

bool api_ethrpc_match(const char *url);
bool api_ethrpc_check(const char *method, size_t *max_body, struct api_response *res);
void api_ethrpc_handle(struct sigil_ctx *ctx, const struct api_request *req,
                       struct api_response *res);

#endif
