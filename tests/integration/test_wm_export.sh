#!/usr/bin/env bash
# Moving watermarks: marks made by real signing are exported (sigil's JSON),
# imported into a fresh store and exported again byte for byte; exported as
# Signatory's files and imported from them into a third store; a file with
# lower marks, and bad files, change nothing; and sigild on the new store
# refuses what the old one would have.
source "$(dirname "$0")/lib.sh"

export SIGIL_PASSPHRASE="wm export test passphrase"
fail() { echo "FAIL: $*"; exit 1; }
expect_fail() { local code=$1; shift; set +e; "$@" >"$T/out" 2>&1; local rc=$?; set -e
	[ "$rc" -eq "$code" ] || { cat "$T/out"; fail "expected exit $code from: $*, got $rc"; }; }

mkdir -p "$T/var" "$T/var2" "$T/var3"
printf 'base_dir: %s\n' "$T/var" > "$T/boot.yaml"
A=$("$SIGIL" -c "$T/boot.yaml" generate tz1 | cut -d' ' -f1)
B=$("$SIGIL" -c "$T/boot.yaml" generate tz2 | cut -d' ' -f1)
{ server_yaml "$T/var"; cat <<YAML
tezos:
  $A:
    allow: {block: , preattestation: , attestation: }
  $B:
    allow: {block: , preattestation: , attestation: }
YAML
} > "$T/s1.yaml"

MAIN=7a06a770 GHOST=af1864d9
rep() { printf "$1%.0s" $(seq "$2"); }
i32() { printf '%08x' "$1"; }
item() { printf '%08x%s' $((${#1} / 2)) "$1"; }
# (pre)attestation: magic chain level round payload-byte
att() { printf '"%s%s%s%s%04x%s%s%s"' "$1" "$2" "$(rep ab 32)" "$([ "$1" = 12 ] && echo 14 || echo 15)" \
	0 "$(i32 "$3")" "$(i32 "$4")" "$(rep "$5" 32)"; }
# block: chain level round payload-byte (round in the fitness, payload round 0)
blk() {
	local fit shell
	fit="$(item 02)$(item "$(i32 "$2")")$(item '')$(item ffffffff)$(item "$(i32 "$3")")"
	shell="$(i32 "$2")01$(rep 01 32)$(printf '%016x' 1700000000)04$(rep 02 32)$(printf '%08x' $((${#fit} / 2)))$fit$(rep 03 32)"
	printf '"11%s%s%s%s%s"' "$1" "$shell" "$(rep "$4" 32)" "$(i32 0)" "$(rep 00 10)"
}
code() { curl -s -o /dev/null -w '%{http_code}' -X POST --data "$2" "http://127.0.0.1:$API/keys/$1"; }
sign() { [ "$(code "$1" "$2")" = 200 ] || fail "signing $3"; }

# --- marks made by signing -------------------------------------------------
start_sigild "$T/s1.yaml" "$T/s1.log"
sign "$A" "$(att 13 $MAIN 10 0 11)" "A attestation"
sign "$A" "$(att 12 $MAIN 10 1 11)" "A preattestation"
sign "$A" "$(blk $MAIN 11 2 22)" "A block"
sign "$B" "$(att 13 $GHOST 20 1 33)" "B attestation"
sign "$B" "$(blk $MAIN 5 0 44)" "B block"
stop_sigild

W1() { "$SIGIL" -c "$T/s1.yaml" watermark "$@"; }
W1 export --out "$T/e1.json" 2>"$T/out" || { cat "$T/out"; fail "export --out"; }
grep -q "exported 5 mark(s)" "$T/out" || { cat "$T/out"; fail "export count"; }
[ "$(stat -c %a "$T/e1.json")" = 600 ] || fail "export file mode"
W1 export | cmp - "$T/e1.json" || fail "export to stdout differs from --out"
head -1 "$T/e1.json" | grep -q '^{"format": "sigil-watermarks", "version": 1, "marks": \[$' || fail "header"
grep -q "\"chain\": \"tezos\", \"chain_id\": \"NetXdQprcVkpaWU\", \"address\": \"$A\", \"kind\": \"block\", \"level\": 11, \"round\": 2, \"network\": \"$MAIN\"" "$T/e1.json" ||
	{ cat "$T/e1.json"; fail "block mark with labels"; }
grep -q "\"chain_id\": \"NetXnHfVqm9iesp\", \"address\": \"$B\", \"kind\": \"attestation\", \"level\": 20, \"round\": 1" "$T/e1.json" ||
	{ cat "$T/e1.json"; fail "ghostnet mark"; }
[ "$(grep -c '"digest": "' "$T/e1.json")" = 5 ] || fail "every signed mark has its digest"

# --- into a fresh store, and out again: the same bytes ---------------------
printf 'base_dir: %s\n' "$T/var2" > "$T/s2.yaml"
W2() { "$SIGIL" -c "$T/s2.yaml" watermark "$@"; }
W2 init >/dev/null
W2 import "$T/e1.json" | grep -q "5 mark(s) set, 0 already at or above" || fail "import"
W2 export --out "$T/e2.json" 2>/dev/null
cmp "$T/e1.json" "$T/e2.json" || fail "a second export differs"
W2 import - < "$T/e1.json" | grep -q "0 mark(s) set, 5 already at or above" || fail "import from stdin"

# --- lower marks change nothing ---------------------------------------------
python3 - "$T/e1.json" "$T/lower.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for m in d["marks"]:
    m["level"] -= 1
json.dump(d, open(sys.argv[2], "w"))
PY
W2 import "$T/lower.json" | grep -q "0 mark(s) set, 5 already at or above" || fail "lower import"
W2 export | cmp - "$T/e1.json" || fail "a lower file changed the store"

# --- bad files change nothing, and say where --------------------------------
# A higher mark first, then a bad one: the higher one must not be set.
python3 - "$T/e1.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["marks"][0]["level"] += 100
d["marks"][4]["round"] = "1"
json.dump(d, open(sys.argv[2], "w"))
PY
expect_fail 1 W2 import "$T/bad.json"
grep -q "marks\[4\].round: is not a 32-bit integer: nothing imported" "$T/out" || { cat "$T/out"; fail "bad file message"; }
head -c 400 "$T/e1.json" > "$T/trunc.json"
expect_fail 1 W2 import "$T/trunc.json"
grep -q "not JSON" "$T/out" || { cat "$T/out"; fail "truncated file message"; }
sed "s/\"address\": \"$A\"/\"address\": \"$B\"/" "$T/e1.json" > "$T/mislabel.json"
expect_fail 1 W2 import "$T/mislabel.json"
grep -q "marks\[[0-9]\].address: does not match" "$T/out" || { cat "$T/out"; fail "mislabel message"; }
sed 's/"version": 1/"version": 9/' "$T/e1.json" > "$T/v9.json"
expect_fail 1 W2 import "$T/v9.json"
grep -q "version: 9: this sigil reads version 1" "$T/out" || { cat "$T/out"; fail "version message"; }
expect_fail 1 W2 import "$T/missing.json"
W2 export | cmp - "$T/e1.json" || fail "a bad file changed the store"

# --- Signatory's files, and back into a third store -------------------------
W1 export --signatory "$T/sd" | grep -q "exported 5 mark(s)" || fail "export --signatory"
[ -f "$T/sd/watermark_v2/NetXdQprcVkpaWU.json" ] && [ -f "$T/sd/watermark_v2/NetXnHfVqm9iesp.json" ] ||
	fail "one Signatory file per chain"
[ "$(stat -c %a "$T/sd/watermark_v2/NetXdQprcVkpaWU.json")" = 600 ] || fail "Signatory file mode"
python3 - "$T/sd/watermark_v2/NetXdQprcVkpaWU.json" "$A" <<'PY' || fail "Signatory file content"
import json, sys
d = json.load(open(sys.argv[1]))
a = d[sys.argv[2]]
assert a["block"]["level"] == 11 and a["block"]["round"] == 2 and a["block"]["hash"].startswith("vh"), a
assert a["preattestation"] == {"level": 10, "round": 1, "hash": a["preattestation"]["hash"]}, a
assert a["attestation"]["level"] == 10 and a["attestation"]["round"] == 0, a
PY
# An existing file is never replaced.
expect_fail 1 W1 export --signatory "$T/sd"
grep -q "exists" "$T/out" || { cat "$T/out"; fail "existing Signatory file message"; }
printf 'base_dir: %s\n' "$T/var3" > "$T/s3.yaml"
W3() { "$SIGIL" -c "$T/s3.yaml" watermark "$@"; }
W3 init >/dev/null
W3 import --signatory "$T/sd" >/dev/null 2>&1 || fail "import --signatory"
W3 export --out "$T/e3.json" 2>/dev/null
# The same Tezos marks; a block's comes back spending its whole level
# (Signatory keeps the payload round, so its import cannot trust a round).
python3 - "$T/e1.json" "$T/e3.json" <<'PY' || fail "marks through Signatory's files"
import json, sys
a, b = (json.load(open(p))["marks"] for p in sys.argv[1:])
for m in a:
    if m["kind"] == "block":
        m["round"] = 2**31 - 1
assert a == b, (a, b)
PY

# A damaged record fails the whole export: an export without that mark
# would let the importing store sign below it.
for off in 39 295; do printf '\x7f' | dd of="$T/var3/watermarks/watermarks.db" bs=1 seek=$off conv=notrunc 2>/dev/null; done
expect_fail 1 W3 export --out "$T/e4.json"
grep -q "cannot read every mark.*nothing exported" "$T/out" || { cat "$T/out"; fail "damaged store export message"; }
[ ! -e "$T/e4.json" ] || fail "an export of a damaged store was written"

# --- sigild on the second store refuses what the first would have ---------
cp "$T/var/keys.json" "$T/var2/keys.json"
{ server_yaml "$T/var2"; sed -n '/^tezos:/,$p' "$T/s1.yaml"; } > "$T/s2d.yaml"
start_sigild "$T/s2d.yaml" "$T/s2.log"
[ "$(code "$A" "$(att 13 $MAIN 10 0 99)")" = 409 ] || fail "imported attestation mark not honoured"
[ "$(code "$A" "$(blk $MAIN 11 2 98)")" = 409 ] || fail "imported block mark not honoured"
[ "$(code "$B" "$(att 13 $GHOST 20 1 97)")" = 409 ] || fail "imported ghostnet mark not honoured"
[ "$(code "$A" "$(att 13 $MAIN 10 0 11)")" = 200 ] || fail "the same attestation again"
[ "$(code "$A" "$(att 13 $MAIN 10 1 96)")" = 200 ] || fail "a higher round"
stop_sigild
echo "integration: watermark export/import ok"
