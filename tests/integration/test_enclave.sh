#!/usr/bin/env bash
# Keys in a separate key holder, end to end with real parts: swtpm seals the
# KEK, sigil-enclave holds the keys, sigild signs over HTTP through it. Keys
# of all four types are born inside the holder (sigil generate -v); every
# signature is checked with @taquito/utils or @noble/curves. Then: the holder
# restarts, sigild restarts, the holder is killed -9 under load (no 200
# without a valid signature, /healthz goes not ready and comes back), and
# stored blobs that were altered, moved or truncated are reported.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/enclave_lib.sh"
fail() { echo "FAIL: $*"; echo "--- enclave"; cat "$T/enclave.log"; echo "--- sigild"; cat "$T/sigild.log"; exit 1; }

tpm_start "$T/tpm"
SOCK="$T/run/enclave.sock"
start_holder() { enclave_start "$T/enclave.log" --socket "$SOCK" --state-dir "$T/enc-state" --tcti "$TCTI"; }
start_holder

# No $T/var yet: the first key stored makes it (0700).
vault_yaml() {
	cat <<YAML
vaults:
  enc:
    driver: enclave
    config:
      socket: $SOCK
      credentials:
        provider: tpm2
        pcrs: "16"
      storage:
        driver: file
        config: enclave_keys.json
YAML
}
{ printf 'base_dir: %s\n' "$T/var"; vault_yaml; } > "$T/boot.yaml"

ADDRS=()
for t in tz1 tz2 tz3 tz4; do
	a=$("$SIGIL" -c "$T/boot.yaml" generate -v enc -t "$t" | cut -d' ' -f1) || fail "generate $t"
	[[ $a == $t* ]] || fail "generate $t gave '$a'"
	ADDRS+=("$a")
done
TWO=$("$SIGIL" -c "$T/boot.yaml" generate -v enc -t tz1 -n 2 | cut -d' ' -f1 | wc -l)
[ "$TWO" = 2 ] || fail "generate -n 2 made $TWO keys"
[ "$(stat -c %a "$T/var/enclave_keys.json")" = 600 ] || fail "enclave_keys.json is not 0600"
[ "$(stat -c %a "$T/var")" = 700 ] || fail "the base directory made for the keys is not 0700"
python3 - "$T/var/enclave_keys.json" <<'PY' || fail "enclave_keys.json is not Signatory's form"
import json, sys, base64
e = json.load(open(sys.argv[1]))
assert len(e) == 6, e
for x in e:
    assert set(x) == {"public_key_hash", "encrypted_private_key"}, x
    assert x["public_key_hash"][:3] in ("tz1", "tz2", "tz3", "tz4")
    base64.b64decode(x["encrypted_private_key"], validate=True)
PY

{
	server_yaml "$T/var"
	printf '  backend_timeout_ms: 1000\n'
	vault_yaml
	echo "tezos:"
	for a in "${ADDRS[@]}"; do
		printf '  %s:\n    allow: {attestation: , generic: [transaction]}\n' "$a"
	done
} > "$T/sigil.yaml"
start_sigild "$T/sigil.yaml" "$T/sigild.log"
"$SIGIL" -c "$T/sigil.yaml" list | grep -c "tz[1-4]" | grep -q 6 || fail "sigil list"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 10 "${ADDRS[@]}" || fail "sign"

# The key holder restarts: sigild imports again on its next call.
kill -TERM "$ENC_PID"; wait "$ENC_PID" || fail "sigil-enclave did not stop cleanly"
[ -e "$SOCK" ] && fail "the socket was left behind"
start_holder
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 11 "${ADDRS[@]}" || fail "sign after the holder restarted"

# sigild restarts: Initialize finds the holder initialised, imports find the keys.
stop_sigild
start_sigild "$T/sigil.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 12 "${ADDRS[@]}" || fail "sign after sigild restarted"

# A key holder that hangs (SIGSTOP): the request is refused by its deadline
# (server.backend_timeout_ms, 1 s here) with 503 and the reason, and nothing
# signed then is ever returned; once it runs again, signing goes on.
kill -STOP "$ENC_PID"
ATT=$(node -e 'const i32=(n)=>(n>>>0).toString(16).padStart(8,"0");
console.log("137a06a770"+"ab".repeat(32)+"150000"+i32(50)+i32(0)+Buffer.from("p".padEnd(32,".")).toString("hex"))')
start=$(date +%s%N)
code=$(curl -s -o "$T/hang.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data "\"$ATT\"" "http://127.0.0.1:$API/keys/${ADDRS[0]}")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT "$ENC_PID"
[ "$code" = 503 ] || { cat "$T/hang.out"; fail "a hung key holder gave $code, not 503"; }
grep -qi "deadline\|not ready" "$T/hang.out" || { cat "$T/hang.out"; fail "503 without the reason"; }
[ "$ms" -lt 4000 ] || fail "the refusal took $ms ms (deadline 1000)"
echo "hung key holder: 503 after $ms ms: $(cat "$T/hang.out")"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 51 "${ADDRS[@]}" || fail "sign after the holder ran again"

# kill -9 the holder under load: every answer is a verified 200 or a 503.
node "$JS/enclave_http.mjs" load "http://127.0.0.1:$API" "${ADDRS[0]}" 100 4 > "$T/load.out" &
LOAD=$!
sleep 1
kill -9 "$ENC_PID"
wait "$ENC_PID" 2>/dev/null || true
wait_healthz "127.0.0.1:$UTIL" 503 || fail "/healthz stayed ready without the holder"
sleep 0.5
start_holder
wait_healthz "127.0.0.1:$UTIL" 200 || fail "/healthz did not come back"
wait "$LOAD" || { cat "$T/load.out"; fail "load: a bad answer"; }
cat "$T/load.out"
grep -q "^200 " "$T/load.out" || fail "load: nothing signed"
grep -q "^503 " "$T/load.out" || fail "load: the kill was not seen"
LAST=$(awk '/^LAST/{print $2}' "$T/load.out")
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" "$((LAST + 1))" "${ADDRS[@]}" || fail "sign after kill -9"
grep -qi "passphrase\|edsk\|spsk\|p2sk\|BLsk" "$T/sigild.log" "$T/enclave.log" && fail "a secret form in a log"
stop_sigild

# Stored blobs: one altered, one moved to another address: each reported by
# address and skipped; the other keys still sign.
cp "$T/var/enclave_keys.json" "$T/keys.orig"
python3 - "$T/var/enclave_keys.json" <<'PY'
import json, sys, base64
p = sys.argv[1]
e = json.load(open(p))
b = bytearray(base64.b64decode(e[0]["encrypted_private_key"]))
b[-5] ^= 1                                   # a flipped bit in key 0's ciphertext
e[0]["encrypted_private_key"] = base64.b64encode(bytes(b)).decode()
e[1]["public_key_hash"], e[4]["public_key_hash"] = e[4]["public_key_hash"], e[1]["public_key_hash"]
json.dump(e, open(p, "w"))
PY
start_sigild "$T/sigil.yaml" "$T/sigild.log"
grep -q "${ADDRS[0]}.*does not decrypt\|${ADDRS[0]} cannot be imported" "$T/sigild.log" || fail "the altered blob was not reported"
grep -q "${ADDRS[1]}.*moved" "$T/sigild.log" || fail "the moved blob was not reported"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" "$((LAST + 2))" "${ADDRS[2]}" "${ADDRS[3]}" || fail "the other keys"
stop_sigild
# A truncated file: sigild refuses to start, naming it.
head -c 100 "$T/keys.orig" > "$T/var/enclave_keys.json"
if "$SIGILD" -c "$T/sigil.yaml" > "$T/trunc.log" 2>&1; then fail "sigild started on a truncated key file"; fi
grep -q "enclave_keys.json" "$T/trunc.log" || { cat "$T/trunc.log"; fail "the truncated file was not named"; }
cp "$T/keys.orig" "$T/var/enclave_keys.json"
echo "integration: enclave ok"
