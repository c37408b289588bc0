#!/usr/bin/env bash
# Ethereum through the v1 API (tests/js/eth_v1.mjs) and the JSON-RPC endpoint
# (tests/js/eth_rpc.mjs: ethers' JsonRpcSigner unchanged), end to end: a secp256k1
# key of the file vault under its Ethereum address, a policy that allows
# ether and ERC-20 transfers on chains 1 and 11155111, messages and typed
# data; every signature and signed transaction checked by ethers.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="integration test passphrase"
mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
"$SIGIL" -c "$T/boot.yaml" generate secp256k1 --name eth >/dev/null
TOKEN=eth-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
server_yaml "$T/var"
cat <<YAML
auth:
  tokens:
    wallet:
      secret_sha256: $(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
      capabilities: ['ethereum:*', keys:read]
YAML
} > "$T/base.yaml"
cp "$T/base.yaml" "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
ADDR=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API/v1/keys" |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).keys[0].addresses.ethereum))')
stop_sigild
[[ "$ADDR" == 0x* ]] || { echo "FAIL: no Ethereum address in /v1/keys: $ADDR"; exit 1; }
# The CLI shows the same address for the chain.
"$SIGIL" -c "$T/base.yaml" list --chain ethereum | grep -q "^$ADDR	secp256k1	0x0[23]" ||
	{ "$SIGIL" -c "$T/base.yaml" list --chain ethereum; echo "FAIL: sigil list --chain ethereum"; exit 1; }
"$SIGIL" -c "$T/base.yaml" list --chain nochain 2>/dev/null && { echo "FAIL: list --chain nochain"; exit 1; }
{
cat "$T/base.yaml"
cat <<YAML
ethereum:
  $ADDR:
    allow: {transaction: [transfer, erc20_transfer], message: , typed_data: }
    allowed_chains: ['1', '11155111']
YAML
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
TOKEN=$TOKEN node "$JS/eth_v1.mjs" "http://127.0.0.1:$API" "$ADDR" ||
	{ tail -20 "$T/sigild.log"; echo "FAIL: eth_v1.mjs"; exit 1; }
# The JSON-RPC endpoint, through ethers' JsonRpcProvider and JsonRpcSigner.
TOKEN=$TOKEN node "$JS/eth_rpc.mjs" "http://127.0.0.1:$API" "$ADDR" ||
	{ tail -20 "$T/sigild.log"; echo "FAIL: eth_rpc.mjs"; exit 1; }
stop_sigild
echo "integration: ethereum over v1 ok"
