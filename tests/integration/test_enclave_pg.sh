#!/usr/bin/env bash
# The enclave vault's two storages hold the same keys and both survive
# restarts: keys made inside sigil-enclave (passphrase provider) are stored
# in a real PostgreSQL started by the test, signed with over HTTP, still
# there after PostgreSQL and sigild restart; the same rows written as a
# Signatory-style enclave_keys.json serve the same keys through the file
# storage. Signatures are checked with @taquito/utils and @noble/curves.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/enclave_lib.sh"
source "$(dirname "$0")/pg.sh"
fail() { echo "FAIL: $*"; echo "--- enclave"; cat "$T/enclave.log"; echo "--- sigild"; cat "$T/sigild.log" 2>/dev/null; exit 1; }
export SIGIL_PASSPHRASE="enclave pg test passphrase"
export SIGIL_ENCLAVE_ARGON2_FAST=1 # the key holder's Argon2id at its test cost (test builds)

pg_start "$T/pg"
SOCK="$T/run/enclave.sock"
enclave_start "$T/enclave.log" --socket "$SOCK" --state-dir "$T/enc-state"
mkdir -p "$T/var"
vault_yaml() { # vault_yaml STORAGE_YAML
	cat <<YAML
vaults:
  enc:
    driver: enclave
    config:
      socket: $SOCK
      credentials: {provider: passphrase}
      storage: $1
YAML
}
PG_STORAGE="{driver: postgres, config: {conninfo: \"$PG_CONNINFO\", table: sigil_keys}}"
FILE_STORAGE="{driver: file, config: from_pg.json}"
{ printf 'base_dir: %s\n' "$T/var"; vault_yaml "$PG_STORAGE"; } > "$T/boot.yaml"
ADDRS=()
for t in tz1 tz2 tz3 tz4; do
	a=$("$SIGIL" -c "$T/boot.yaml" generate -v enc -t "$t" | cut -d' ' -f1) || fail "generate $t"
	[[ $a == $t* ]] || fail "generate $t gave '$a'"
	ADDRS+=("$a")
done
[ "$(psql -Atc 'select count(*) from sigil_keys')" = 4 ] || fail "4 rows expected in PostgreSQL"
[ -e "$T/var/enclave_keys.json" ] && fail "the file storage was written"

config() { # config STORAGE_YAML > file
	server_yaml "$T/var"
	vault_yaml "$1"
	echo "tezos:"
	for a in "${ADDRS[@]}"; do printf '  %s:\n    allow: {attestation: , generic: [transaction]}\n' "$a"; done
}
config "$PG_STORAGE" > "$T/pg.yaml"
start_sigild "$T/pg.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 1 "${ADDRS[@]}" || fail "sign (postgres)"
stop_sigild

pg_restart "$T/pg"
start_sigild "$T/pg.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 2 "${ADDRS[@]}" || fail "sign after PostgreSQL restarted"
stop_sigild

# The same rows as Signatory's JSON: the file storage serves the same keys.
psql -Atc "select json_agg(json_build_object('public_key_hash', pkh, 'encrypted_private_key',
	replace(encode(value, 'base64'), E'\\n', ''))) from sigil_keys" | tr -d '\n' > "$T/var/from_pg.json"
chmod 600 "$T/var/from_pg.json"
config "$FILE_STORAGE" > "$T/file.yaml"
start_sigild "$T/file.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 3 "${ADDRS[@]}" || fail "sign (file)"
stop_sigild
start_sigild "$T/file.yaml" "$T/sigild.log"
node "$JS/enclave_http.mjs" sign "http://127.0.0.1:$API" 4 "${ADDRS[@]}" || fail "sign (file) after a restart"
stop_sigild
grep -q "$SIGIL_PASSPHRASE" "$T/sigild.log" "$T/enclave.log" && fail "the passphrase in a log"
grep -q "host=127.0.0.1 port" "$T/sigild.log" && fail "the conninfo in a log"
echo "integration: enclave storages ok"
