#!/usr/bin/env bash
# The sigil command line: every verb, its --help, and its errors.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="cli test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
expect_fail() { local code=$1; shift; set +e; "$@" >"$T/out" 2>&1; local rc=$?; set -e
	[ "$rc" -eq "$code" ] || { cat "$T/out"; fail "expected exit $code from: $*, got $rc"; }; }

mkdir -p "$T/var"
printf 'base_dir: %s\n' "$T/var" > "$T/c.yaml"
S() { "$SIGIL" -c "$T/c.yaml" "$@"; }

# version and help
S version | grep -q '^sigil [0-9]'
for v in serve list generate import pubkey watermark config version; do
	S "$v" --help | grep -q usage || fail "$v --help"
done
expect_fail 2 S frobnicate
expect_fail 2 "$SIGIL"

# generate
A1=$(S generate tz1 --name g1 | cut -d' ' -f1); [[ $A1 == tz1* ]] || fail "generate tz1: $A1"
A2=$(S generate secp256k1 | cut -d' ' -f1); [[ $A2 == tz2* ]] || fail "generate tz2"
A3=$(S generate p256 --name g3 | cut -d' ' -f1); [[ $A3 == tz3* ]] || fail "generate tz3"
expect_fail 1 S generate tz1 --name g1            # duplicate name
expect_fail 2 S generate rsa
[ "$(stat -c %a "$T/var/keys.json")" = 600 ] || fail "vault mode"

# import: plain, from stdin, encrypted, PEM; results checked against Taquito
EDSK=edsk3sDP6GEtZDNCNa7cAKHnRUVoN5i9K3baFkienK9LDq2yQzfhnA   # taquito: tz1N7tYGMGs3GGjeJAJKtbycAWcvoPNSUYgu
echo "$EDSK" | S import - --name imp1 | grep -q '^tz1N7tYGMGs3GGjeJAJKtbycAWcvoPNSUYgu ' || fail "import edsk"
expect_fail 1 S import "$EDSK" --name again          # same address twice
SIGIL_IMPORT_PASSPHRASE=sigil-test S import \
	spesk1sokXbX31a1AiqkR4LCqvUvzWS2W2AH9FsQ2AhJ7tSvwV7PJtdh9YYvdeQDaD5pxJKKYfRr49tyekGQmjKB \
	| grep -q '^tz2EPEJBXyfUQPZAGTSqmYsZf2ebDdNoyW27 ' || fail "import spesk"
SIGIL_IMPORT_PASSPHRASE=wrong expect_fail 1 S import \
	p2esk1kpZnyokqFG3WGf5FNymbMQ23dDB9CVQH3HwJgMx2EBspEcPvbMxKwyyo84qdRDfkTvvADfzk9LuD5ef5Vv
grep -q "wrong passphrase" "$T/out" || fail "wrong passphrase message"
expect_fail 1 S import edsk3sDP6GEtZDNCNa7cAKHnRUVoN5i9K3baFkienK9LDq2yQzfhnB   # bad checksum
grep -q "checksum" "$T/out" || fail "checksum message"
openssl genpkey -algorithm ed25519 -out "$T/k.pem" 2>/dev/null
PEM_PK=$(openssl pkey -in "$T/k.pem" -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
WANT=$(cd "$JS" && node -e "const u=require('@taquito/utils');console.log(u.b58Encode(Buffer.from('$PEM_PK','hex'),u.PrefixV2.Ed25519PublicKey))")
GOT=$(S import --pem "$T/k.pem" --name pem | cut -d' ' -f2)
[ "$GOT" = "$WANT" ] || fail "pem import: $GOT != $WANT"
if grep -q "$EDSK" "$T/var/keys.json"; then fail "secret in vault file"; fi

# list and pubkey
[ "$(S list | wc -l)" -eq 6 ] || fail "list count"
S list | grep -q "^$A1	ed25519	edpk.*	main	not-configured	[^	]*	-$" || fail "list format"
S pubkey tz1N7tYGMGs3GGjeJAJKtbycAWcvoPNSUYgu | grep -qx edpkvH4rzbmfvAEgiJQU1TKYfrTvBbpVJGHmQByh9Nph4BzvRh8aXP
expect_fail 1 S pubkey tz1gjaF81ZRRvdzjobyfVNsAeSC6PScjfQwN
SIGIL_PASSPHRASE=nope expect_fail 1 S list
# --base-dir with the embedded defaults finds the same vault.
[ "$("$SIGIL" --base-dir "$T/var" list | wc -l)" -eq 6 ] || fail "--base-dir"

# config check
API=$(free_port); UTIL=$(free_port)
cat > "$T/s.yaml" <<YAML
base_dir: $T/var
server:
  address: 127.0.0.1:$API
  utility_address: 127.0.0.1:$UTIL
tezos:
  $A1:
    allow: {attestation: }
YAML
"$SIGIL" -c "$T/s.yaml" config check | grep -q "1 usable" || fail "config check"
printf 'base_dir: %s\nserver:\n  adress: x\n' "$T/var" > "$T/bad.yaml"
expect_fail 1 "$SIGIL" -c "$T/bad.yaml" config check
grep -q "line 3" "$T/out" || { cat "$T/out"; fail "config error names the line"; }

# watermarks: set, show, import from Signatory and octez; sigild honours them
WM() { "$SIGIL" -c "$T/s.yaml" watermark "$@"; }
WM init | grep -q "^created watermark store" || fail "watermark init"
WM init | grep -q "^kept the existing watermark store" || fail "second watermark init"
WM set "$A1" NetXdQprcVkpaWU attestation 500 2 | grep -q "none -> level 500 round 2$" || fail "set output"
WM show | grep -q "^$A1	NetXdQprcVkpaWU	attestation	500	2" || fail "show"
# Lowering a mark (level or round) needs --force, and says what it would do.
expect_fail 1 WM set "$A1" NetXdQprcVkpaWU attestation 499 9
grep -q "refusing to lower the attestation mark of $A1 on NetXdQprcVkpaWU from level 500 round 2 to level 499 round 9" "$T/out" \
	|| { cat "$T/out"; fail "lowering message"; }
grep -q -- "--force" "$T/out" || fail "lowering message names --force"
expect_fail 1 WM set "$A1" NetXdQprcVkpaWU attestation 500 1
WM show | grep -q "^$A1	NetXdQprcVkpaWU	attestation	500	2" || fail "refused set changed the mark"
WM set --force "$A1" NetXdQprcVkpaWU attestation 400 0 >"$T/out" 2>&1 || { cat "$T/out"; fail "set --force"; }
grep -q "level 500 round 2 -> level 400 round 0" "$T/out" || { cat "$T/out"; fail "forced set output"; }
grep -q "warning: lowering" "$T/out" || fail "forced set warns"
WM show | grep -q "^$A1	NetXdQprcVkpaWU	attestation	400	0" || fail "forced set"
WM set "$A1" NetXdQprcVkpaWU attestation 500 2 | grep -q "level 400 round 0 -> level 500 round 2$" || fail "raise"
WM set --help | grep -q -- "--force" || fail "set --help names --force"
expect_fail 2 "$SIGIL" -c "$T/s.yaml" watermark set "$A1" NetXdQprcVkpaWU attestation 500
expect_fail 1 "$SIGIL" -c "$T/s.yaml" watermark set "$A1" NetXdQprcVkpaWU nonsense 1 1
mkdir -p "$T/sig/watermark_v2" "$T/oct"
cat > "$T/sig/watermark_v2/NetXdQprcVkpaWU.json" <<JSON
{"$A1": {"preattestation": {"level": 700, "round": 1}}}
JSON
"$SIGIL" -c "$T/s.yaml" watermark import --signatory "$T/sig" | grep -q imported
cat > "$T/oct/attestation_high_watermark" <<JSON
{"NetXdQprcVkpaWU": {"$A1": {"level": 900, "round": 0, "hash": "$(printf '00%.0s' $(seq 32))"}}}
JSON
"$SIGIL" -c "$T/s.yaml" watermark import --octez "$T/oct" | grep -q imported
"$SIGIL" -c "$T/s.yaml" watermark show | grep -q "^$A1	NetXdQprcVkpaWU	attestation	900	0" || fail "octez import"
echo '{"NetXdQprcVkpaWU": 5}' > "$T/oct/attestation_high_watermark"
expect_fail 1 "$SIGIL" -c "$T/s.yaml" watermark import --octez "$T/oct"
"$SIGIL" -c "$T/s.yaml" watermark show | grep -q "attestation	900	0" || fail "bad import changed marks"

# No store: every watermark command says how to make one, and makes none.
printf 'base_dir: %s\n' "$T/wm2" > "$T/wm2.yaml"
expect_fail 1 "$SIGIL" -c "$T/wm2.yaml" watermark show
grep -q "sigil watermark init" "$T/out" || { cat "$T/out"; fail "no store: how to proceed"; }
[ ! -e "$T/wm2/watermarks" ] || fail "watermark show created a store"
"$SIGIL" -c "$T/wm2.yaml" watermark init | grep -q "^created watermark store $T/wm2/watermarks\$" || fail "watermark init"
[ "$(stat -c %a "$T/wm2/watermarks")" = 700 ] || fail "store directory mode"
# watermarks.db gone beside its lock: refused, never silently made afresh;
# removing the lock on purpose and running init starts an empty store.
"$SIGIL" -c "$T/wm2.yaml" watermark set "$A1" NetXdQprcVkpaWU block 10 0 >/dev/null
# Both slots of that record damaged (its level bytes): the mark cannot be
# read, so a set over it may lower it and needs --force too.
for off in 39 295; do printf '\x7f' | dd of="$T/wm2/watermarks/watermarks.db" bs=1 seek=$off conv=notrunc 2>/dev/null; done
expect_fail 1 "$SIGIL" -c "$T/wm2.yaml" watermark set "$A1" NetXdQprcVkpaWU block 5 0
grep -q "cannot be read" "$T/out" || { cat "$T/out"; fail "damaged record: set without --force"; }
"$SIGIL" -c "$T/wm2.yaml" watermark set --force "$A1" NetXdQprcVkpaWU block 11 0 | grep -q "unreadable.* -> level 11 round 0" \
	|| fail "damaged record: set --force"
"$SIGIL" -c "$T/wm2.yaml" watermark show | grep -q "^$A1	NetXdQprcVkpaWU	block	11	0" || fail "repaired record"
rm "$T/wm2/watermarks/watermarks.db"
expect_fail 1 "$SIGIL" -c "$T/wm2.yaml" watermark show
grep -q "$T/wm2/watermarks/watermarks.db is missing" "$T/out" || { cat "$T/out"; fail "missing store message"; }
grep -q "remove $T/wm2/watermarks/lock" "$T/out" || { cat "$T/out"; fail "missing store: how to proceed"; }
[ ! -e "$T/wm2/watermarks/watermarks.db" ] || fail "missing store recreated"
expect_fail 1 "$SIGIL" -c "$T/wm2.yaml" watermark init
[ ! -e "$T/wm2/watermarks/watermarks.db" ] || fail "missing store recreated by init"
rm "$T/wm2/watermarks/lock"
expect_fail 1 "$SIGIL" -c "$T/wm2.yaml" watermark show
"$SIGIL" -c "$T/wm2.yaml" watermark init | grep -q "^created" || fail "init after removing the lock"
[ -z "$("$SIGIL" -c "$T/wm2.yaml" watermark show)" ] || fail "store after removing the lock"

# sigild never creates a store: an empty or missing directory (here through
# SIGIL_WATERMARK__DIR, as a mistyped override would) is a start-up error
# that says how to proceed, and nothing is created.
mkdir -m 700 "$T/empty"
SIGIL_WATERMARK__DIR="$T/empty" expect_fail 1 timeout 20 "$SIGILD" -c "$T/s.yaml"
grep -q "there is none at $T/empty" "$T/out" || { cat "$T/out"; fail "empty store: message"; }
grep -q "sigil watermark init" "$T/out" || { cat "$T/out"; fail "empty store: how to proceed"; }
[ -z "$(ls -A "$T/empty")" ] || fail "sigild wrote into an empty watermark directory"
SIGIL_WATERMARK__DIR="$T/nowhere" expect_fail 1 timeout 20 "$SIGILD" -c "$T/s.yaml"
[ ! -e "$T/nowhere" ] || fail "sigild created a watermark directory"

start_sigild "$T/s.yaml" "$T/sigild.log"
grep -q "watermark store: file $(realpath "$T")/" "$T/sigild.log" || { cat "$T/sigild.log"; fail "store path at start-up"; }
expect_fail 1 "$SIGIL" -c "$T/s.yaml" watermark show      # the store is locked
grep -q "sigild running" "$T/out" || fail "locked message"
expect_fail 1 "$SIGILD" -c "$T/s.yaml"                     # a second sigild cannot share it
grep -q -i "lock" "$T/out" || { cat "$T/out"; fail "second sigild message"; }
att() { printf '"137a06a770%s15%04x%08x%08x%s"' "$(printf 'ab%.0s' $(seq 32))" 0 "$1" "$2" "$(printf 'cd%.0s' $(seq 32))"; }
code() { curl -s -o /dev/null -w '%{http_code}' -X POST --data "$(att "$1" "$2")" "http://127.0.0.1:$API/keys/$A1"; }
[ "$(code 900 0)" = 409 ] || fail "imported mark not enforced"
[ "$(code 901 0)" = 200 ] || fail "above the imported mark"
stop_sigild

# Without a passphrase and without a terminal, sigild says so and exits.
unset SIGIL_PASSPHRASE
expect_fail 1 timeout 20 "$SIGILD" -c "$T/s.yaml" </dev/null
grep -q "no passphrase" "$T/out" || { cat "$T/out"; fail "no passphrase message"; }
# allowed_chains does not limit generic and pack requests: config --help says so.
S config --help | grep -q "allowed_chains.*" && S config --help | grep -q "Generic" || fail "config --help: allowed_chains"

# A new vault's passphrase typed at a prompt is asked twice: a typo would
# make the first key unrecoverable.
printf 'base_dir: %s\n' "$T/tty" > "$T/tty.yaml"
PTY="python3 $SIGIL_SOURCE_DIR/tests/integration/pty_answer.py"
(unset SIGIL_PASSPHRASE; expect_fail 1 $PTY "one phrase" "one phrasf" -- "$SIGIL" -c "$T/tty.yaml" generate tz1)
grep -q "again" "$T/out" && grep -q "passphrases differ" "$T/out" || { cat "$T/out"; fail "new vault: second prompt"; }
[ ! -e "$T/tty/keys.json" ] || fail "a vault was written after mismatched passphrases"
(unset SIGIL_PASSPHRASE; $PTY "one phrase" "one phrase" -- "$SIGIL" -c "$T/tty.yaml" generate tz1 >"$T/out") || { cat "$T/out"; fail "new vault by prompt"; }
grep -q "^tz1" "$T/out" || { cat "$T/out"; fail "new vault by prompt: no key"; }
# An existing vault is opened with one prompt, and a wrong passphrase fails.
(unset SIGIL_PASSPHRASE; $PTY "one phrase" -- "$SIGIL" -c "$T/tty.yaml" generate tz2 >"$T/out") || { cat "$T/out"; fail "existing vault by prompt"; }
[ "$(grep -c "passphrase" "$T/out")" = 1 ] || { cat "$T/out"; fail "existing vault: one prompt"; }
echo "integration: cli ok"
