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
      capabilities: ['tezos:*', 'ethereum:*', 'atto:*', 'solana:*', 'polkadot:*', 'bitcoin:*', keys:read]
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
	# The other chains: the tz1 key (Ed25519) as a Solana key, the sr25519
	# key on Polkadot (Westend), the tz2 key (secp256k1) as a Bitcoin key.
	if [ -n "${sol:-}" ] && [ -n "${dot:-}" ] && [ -n "${btc:-}" ]; then
		cat >> "$var/sigil.yaml.tmp" <<YAML
solana:
  $sol:
    allow: {transaction: [transfer, spl_transfer, spl_transfer_checked, compute_budget]}
polkadot:
  $dot:
    allow: {extrinsic: [transfer_keep_alive, transfer_allow_death]}
    allowed_chains: [westend]
bitcoin:
  $btc:
    allow: {psbt: [output]}
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
# The sr25519 demo key (Polkadot), also for a ./var made before it existed.
if ! "$sigil" --log-level warn -c "$var/sigil.yaml" list | awk -F'\t' '$2=="sr25519"{f=1} END{exit !f}'; then
	"$sigil" -c "$var/sigil.yaml" generate sr25519 --name demo-sr25519 >/dev/null
fi
# Quiet: until the config lists them, the keys are "not configured".
mapfile -t addrs < <("$sigil" --log-level warn -c "$var/sigil.yaml" list |
	awk -F'\t' '$4=="main" && $1 ~ /^tz/ {print $1}')
eth=$("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain ethereum |
	awk -F'\t' '$4=="main" && !done {print $1; done = 1}')
# The Ed25519 demo key as Atto writes it: its address and public key.
read -r atto_addr atto_pk < <("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain atto |
	awk -F'\t' '$4=="main" && $2=="ed25519" && !done {print $1, $3; done = 1}')
# The same keys on Solana, Polkadot and Bitcoin, and the public keys the
# demo payloads below need (Polkadot writes public keys in hex).
sol=$("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain solana |
	awk -F'\t' '$4=="main" && !done {print $1; done = 1}')
read -r dot dot_pk < <("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain polkadot |
	awk -F'\t' '$4=="main" && $2=="sr25519" && !done {print $1, $3; done = 1}')
ed_pk=$("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain polkadot |
	awk -F'\t' '$4=="main" && $2=="ed25519" && !done {print substr($3, 3); done = 1}')
btc=$("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain bitcoin |
	awk -F'\t' '$4=="main" && !done {print $1; done = 1}')
btc_p2tr=$("$sigil" --log-level warn -c "$var/sigil.yaml" list --chain bitcoin:p2tr |
	awk -F'\t' '$4=="main" && !done {print $1; done = 1}')
configured=1
for a in "${addrs[@]}" "$eth" "$atto_addr" "$sol" "$dot" "$btc"; do grep -q "^  $a:" "$var/sigil.yaml" || configured=0; done
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
echo "The v1 API, with the demo token (every request kind of every chain, keys:read):"
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
# A legacy Solana message: the Ed25519 key pays 0.001 SOL (System
# transfer) to 11…1 + 0x11 × 32; recent blockhash 0x22 × 32.
rep() { printf "$1%.0s" $(seq "$2"); }
sol_msg="010001"03"$ed_pk$(rep 11 32)$(rep 00 32)$(rep 22 32)"01020200010c0200000040420f0000000000
# A Westend signing payload: balances.transfer_keep_alive of 1 WND (10^12
# planck) to Bob, immortal, nonce 0, no tip, CheckMetadataHash off.
westend=e143f23803ac50e8f6f8e62695d1ce9e4e1d68aa36c1cd2cfd15340213f3423e
dot_payload=0403008eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48070010a5d4e8
dot_payload+=00000000c0800f001a000000$westend${westend}00
# A PSBT (BIP-174) spending 100,000 sat held by the key's P2WPKH address:
# 50,000 to another address, 50,000 of fee. The key's witness program is
# its address's (bech32: 5-bit groups back to bytes).
btc_prog=$(awk -v d="${btc:4:32}" 'BEGIN { cs = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	for (i = 1; i <= length(d); i++) { acc = acc * 32 + index(cs, substr(d, i, 1)) - 1; bits += 5
		if (bits >= 8) { bits -= 8; b = int(acc / 2 ^ bits); acc -= b * 2 ^ bits; printf "%02x", b } } }')
btc_tx=0200000001$(rep 33 32)0000000000fdffffff0150c30000000000001600144444444444444444444444444444444444444444""00000000
btc_psbt=70736274ff010052${btc_tx}0001011fa086010000000000160014${btc_prog}0000
echo "Solana: a System transfer by the Ed25519 demo key ($sol):"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"chain\":\"solana\",\"key_id\":\"$sol\",\"payload\":\"$sol_msg\"}' \\"
echo "    http://127.0.0.1:6732/v1/sign"
echo "Polkadot (Westend): a transfer by the sr25519 demo key ($dot):"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"chain\":\"polkadot\",\"key_id\":\"$dot\",\"payload\":\"$dot_payload\"}' \\"
echo "    http://127.0.0.1:6732/v1/sign"
echo "Bitcoin: a PSBT spending from the secp256k1 demo key's P2WPKH address ($btc;"
echo "inputs paid to its P2TR address, $btc_p2tr, are signed too);"
echo "the answer's \"signed\" is the PSBT with its signature, in base64:"
echo "  curl -s -H \"Authorization: Bearer \$SIGIL_TOKEN\" -H 'Content-Type: application/json' \\"
echo "    --data '{\"chain\":\"bitcoin\",\"key_id\":\"$btc\",\"payload\":\"$btc_psbt\"}' \\"
echo "    http://127.0.0.1:6732/v1/sign"
echo
exec "$build/sigild" -c "$var/sigil.yaml"
