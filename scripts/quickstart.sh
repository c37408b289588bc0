#!/usr/bin/env bash
# `make run`: set up ./var on first use (config, passphrase, demo keys) and
# serve on 127.0.0.1:6732 (API) and 127.0.0.1:9583 (utility).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
sigil="$build/sigil"
var=./var
umask 077
mkdir -p "$var"

# The demo passphrase: SIGIL_PASSPHRASE when set, else one generated once.
if [ -z "${SIGIL_PASSPHRASE:-}" ] && [ ! -f "$var/passphrase" ]; then
	head -c 32 /dev/urandom | base64 | tr -d '\n=' > "$var/passphrase"
	chmod 600 "$var/passphrase"
	echo "quickstart: generated a demo passphrase in $var/passphrase (mode 0600)"
fi

# The demo token for the v1 API: made once. sigild knows only its SHA-256
# (in the config); the token itself stays in $var/demo-token (mode 0600)
# so that every `make run` can print it.
if [ ! -f "$var/demo-token" ]; then
	printf 'sigil-demo-%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$var/demo-token"
	chmod 600 "$var/demo-token"
	echo "quickstart: made a demo token for the v1 API in $var/demo-token (mode 0600)"
fi
token=$(head -1 "$var/demo-token")
token_sha=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)

write_config() {
	cat > "$var/sigil.yaml.tmp" <<YAML
# Written by scripts/quickstart.sh for the demo; see deploy/sigil.example.yaml.
base_dir: $var
server:
  address: 127.0.0.1:6732
  utility_address: 127.0.0.1:9583
vaults:
  main:
    driver: file
    config:
      path: keys.json
      passphrase_file: passphrase
watermark:
  driver: file
  dir: watermarks
auth:
  tokens:
    demo:
      secret_sha256: $token_sha
      capabilities: ['tezos:*', 'ethereum:*', 'atto:*', keys:read]
YAML
	# The secp256k1 demo key also serves Ethereum: every kind, chain ids 1
	# (mainnet) and 11155111 (Sepolia).
	if [ -n "${eth:-}" ]; then
		cat >> "$var/sigil.yaml.tmp" <<YAML
ethereum:
  $eth:
    allow: {transaction: [transfer, erc20_transfer, erc20_transfer_from, erc20_approve], message: , typed_data: }
    allowed_chains: ['1', '11155111']
YAML
	fi
	# The Atto signer's API, with the tz1 key (Ed25519) under its Atto
	# address, once the key exists.
	if [ -n "${atto_addr:-}" ]; then
		cat >> "$var/sigil.yaml.tmp" <<YAML
atto_api:
  address: 127.0.0.1:8080
  management_address: 127.0.0.1:8081
  key: $atto_addr
atto:
  $atto_addr:
    allow:
      block:
      vote:
      challenge:
YAML
	fi
	echo "tezos:" >> "$var/sigil.yaml.tmp"
	for a in "$@"; do
		cat >> "$var/sigil.yaml.tmp" <<YAML
  $a:
    allow:
      block:
      preattestation:
      attestation:
      attestation_with_dal:
      generic: [transaction]
YAML
		case $a in tz4*) echo "    allow_proof_of_possession: true" >> "$var/sigil.yaml.tmp" ;; esac
	done
	[ $# -gt 0 ] || echo "  {}" >> "$var/sigil.yaml.tmp"
	mv "$var/sigil.yaml.tmp" "$var/sigil.yaml"
}

if [ ! -f "$var/keys.json" ]; then
	write_config
	for t in tz1 tz2 tz3 tz4; do
		"$sigil" -c "$var/sigil.yaml" generate "$t" --name "demo-$t" >/dev/null
	done
fi
# Quiet: until the config lists them, the keys are "not configured".
mapfile -t addrs < <("$sigil" --log-level warn -c "$var/sigil.yaml" list |
	awk -F'\t' '$4=="main"{print $1}')
eth=$("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain ethereum |
	awk -F'\t' '$4=="main"{print $1; exit}')
# The Ed25519 demo key as Atto writes it: its address and public key.
read -r atto_addr atto_pk < <("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain atto |
	awk -F'\t' '$4=="main" && $2=="ed25519" {print $1, $3; exit}')
configured=1
for a in "${addrs[@]}" "$eth" "$atto_addr"; do grep -q "^  $a:" "$var/sigil.yaml" || configured=0; done
grep -q "secret_sha256: $token_sha" "$var/sigil.yaml" || configured=0
[ "$configured" = 1 ] || write_config "${addrs[@]}"

# sigild never creates a watermark store (a wrong path must not start from
# no marks): the demo's is made here, once; init keeps an existing one.
"$sigil" -c "$var/sigil.yaml" watermark init

echo
echo "sigil demo keys (vault $var/keys.json):"
"$sigil" -c "$var/sigil.yaml" list | awk -F'\t' '{printf "  %s  %-9s %s\n", $1, $2, $3}'
echo
echo "The first key's public key, and the authorized keys (none: authentication off):"
echo "  curl -s http://127.0.0.1:6732/keys/${addrs[0]}"
echo "  curl -s http://127.0.0.1:6732/authorized_keys"
echo "Health and Prometheus metrics (utility address):"
echo "  curl -s http://127.0.0.1:9583/healthz"
echo "  curl -s http://127.0.0.1:9583/metrics"
echo "Sign a demo transaction with the first key:"
echo "  curl -s -X POST -H 'Content-Type: application/json' \\"
echo "    --data '\"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00\"' \\"
echo "    http://127.0.0.1:6732/keys/${addrs[0]}"
tz4=$(printf '%s\n' "${addrs[@]}" | grep '^tz4' | head -1 || true)
if [ -n "$tz4" ]; then
	echo "The tz4 key's proof of possession:"
	echo "  curl -s http://127.0.0.1:6732/bls_prove_possession/$tz4"
fi
echo "The v1 API, with the demo token (every Tezos and Ethereum request kind, keys:read):"
echo "  export SIGIL_TOKEN=$token"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" http://127.0.0.1:6732/v1/keys"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"chain\":\"tezos\",\"key_id\":\"${addrs[0]}\",\"payload\":\"038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00\"}' \\"
echo "    http://127.0.0.1:6732/v1/sign"
echo "Ethereum: personal_sign of \"hello\" by the secp256k1 demo key ($eth):"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"chain\":\"ethereum\",\"key_id\":\"$eth\",\"kind\":\"message\",\"payload\":\"68656c6c6f\"}' \\"
echo "    http://127.0.0.1:6732/v1/sign"
echo "The same over Ethereum's JSON-RPC (ethers' JsonRpcSigner works against it):"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"personal_sign\",\"params\":[\"0x68656c6c6f\",\"$eth\"]}' \\"
echo "    http://127.0.0.1:6732/ethereum"
echo "The Atto signer's API (127.0.0.1:8080; /health and /prometheus on 127.0.0.1:8081),"
echo "the tz1 key as $atto_addr, the demo token as the node sends it:"
echo "  curl -s http://127.0.0.1:8080/public-keys"
echo "  curl -s -X POST -H \"Authorization: \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"target\":{\"version\":0,\"algorithm\":\"V1\",\"publicKey\":\"$atto_pk\",\"blockAlgorithm\":\"V1\",\"blockHash\":\"6CC2D3A7513723B1BA59DE784BA546BAF6447464D0BA3D80004752D6F9F4BA23\",\"timestamp\":1704616009211}}' \\"
echo "    http://127.0.0.1:8080/votes"
echo "  curl -s -X POST -H \"Authorization: \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"target\":{\"type\":\"OPEN\",\"network\":\"LOCAL\",\"version\":0,\"algorithm\":\"V1\",\"publicKey\":\"$atto_pk\",\"balance\":18000000000000000000,\"timestamp\":1704616009211,\"sendHashAlgorithm\":\"V1\",\"sendHash\":\"6CC2D3A7513723B1BA59DE784BA546BAF6447464D0BA3D80004752D6F9F4BA23\",\"representativeAlgorithm\":\"V1\",\"representativePublicKey\":\"552254E101B51B22080D084C12C94BF7DFC5BE0D973025D62C0BC1FF4D9B145F\"}}' \\"
echo "    http://127.0.0.1:8080/blocks"
echo "  curl -s -X POST -H \"Authorization: \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"target\":\"$(printf '0%.0s' $(seq 128))\",\"timestamp\":1704616009211}' \\"
echo "    http://127.0.0.1:8080/challenges"
echo
exec "$build/sigild" -c "$var/sigil.yaml"
