#!/usr/bin/env bash
# `make bench-compare`: two versions of sigil benchmarked in one run, so that
# their figures differ by the change and not by the hour (docs/BENCHMARKS.md).
#
# Usage: scripts/bench_compare.sh [BASE [NEW]]
#   BASE (HEAD~1): the old side, any commit-ish.
#   NEW: the new side, a commit-ish; empty or absent means the working tree
#   as it is now, uncommitted changes included (copied once, at the start).
#
# Both sides are copied (git archive; the working tree by its tracked and
# untracked, not ignored, files) into a temp dir under build-bench-compare/,
# on the repository's disk like bench.sh's own temp dir. Each side runs its
# own scripts/bench.sh, with BENCH_BUILD and BENCH_OUT pointing into that temp
# dir, in alternating order: old new, then new old, and so on, COMPARE_ROUNDS
# (2) runs of each. The first run of each side also builds it. Every other
# BENCH_* tunable passes through; BENCH_ROUNDS defaults to 3 here instead of 7.
# Prints one table (each figure both sides' results.json hold: median of the
# runs of each side, and new/old) and writes bench/compare.json. The temp dir
# and anything still running are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BASE=${1:-HEAD~1}
NEW=${2:-}
ROUNDS=${COMPARE_ROUNDS:-2}
export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
OUT=bench/compare.json

die() { echo "bench-compare: $*" >&2; exit 1; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "COMPARE_ROUNDS must be a positive integer, not '$ROUNDS'"
old_sha=$(git rev-parse --verify --quiet "$BASE^{commit}") || die "BASE=$BASE is not a commit"
git cat-file -e "$old_sha:scripts/bench.sh" 2>/dev/null || die "BASE=$BASE has no scripts/bench.sh"
if [ -n "$NEW" ]; then
	new_sha=$(git rev-parse --verify --quiet "$NEW^{commit}") || die "NEW=$NEW is not a commit"
	new_desc=$NEW
	dirty=false
else
	new_sha=$(git rev-parse HEAD)
	new_desc="working tree"
	dirty=false
	[ -z "$(git --no-optional-locks status --porcelain)" ] || dirty=true
fi

LOADAVG=$(cut -d' ' -f1 /proc/loadavg)
mkdir -p build-bench-compare
T=$(mktemp -d "$ROOT/build-bench-compare/run.XXXXXX")
CHILD=""

cleanup() {
	if [ -n "$CHILD" ]; then
		echo "stopped"
		# bench.sh runs in a session of its own: its trap stops its servers
		# on TERM; what is left after 30 s is killed.
		kill -TERM -- "-$CHILD" 2>/dev/null || true
		for _ in $(seq 1 300); do kill -0 -- "-$CHILD" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	rm -rf "$T"
	rmdir "$ROOT/build-bench-compare" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the two trees --------------------------------------------------------
mkdir -p "$T/old" "$T/new"
git archive --format=tar "$old_sha" | tar -x -C "$T/old"
if [ -n "$NEW" ]; then
	git archive --format=tar "$new_sha" | tar -x -C "$T/new"
else
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done |
		tar --null -T - -c | tar -x -C "$T/new"
fi
new_label=$new_desc
$dirty && new_label="$new_label, uncommitted changes"
echo "bench-compare: old ${old_sha:0:7} ($BASE), new ${new_sha:0:7} ($new_label)"
echo "bench-compare: COMPARE_ROUNDS=$ROUNDS, BENCH_ROUNDS=$BENCH_ROUNDS, load average $LOADAVG on $(nproc) cores"
if awk "BEGIN { exit !($LOADAVG > $(nproc) / 2) }"; then
	echo "bench-compare: WARNING: the machine is busy: other work will skew both sides"
fi

# ---- the runs -------------------------------------------------------------
# run_side SIDE N: one run of SIDE's own bench.sh, its output in a log.
run_side() {
	local side=$1 n=$2 log="$T/$1.$2.log" t0 rc=0 what=""
	[ "$n" = 1 ] && what=", with its build"
	printf 'bench-compare: run %s/%s, %s%s ... ' "$n" "$ROUNDS" "$side" "$what"
	t0=$(date +%s)
	BENCH_BUILD="$T/$side/build-bench" BENCH_OUT="$T/$side.$n.json" \
		setsid bash "$T/$side/scripts/bench.sh" </dev/null >"$log" 2>&1 &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=""
	if [ "$rc" != 0 ] || [ ! -s "$T/$side.$n.json" ]; then
		echo "failed"
		echo "bench-compare: $side's scripts/bench.sh (exit $rc) ended with:"
		tail -20 "$log"
		exit 1
	fi
	echo "$(($(date +%s) - t0)) s"
}

for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="old new"; else order="new old"; fi
	for side in $order; do run_side "$side" "$r"; done
done

# ---- the table and compare.json ------------------------------------------
T="$T" OUT="$OUT" BASE="$BASE" OLD_SHA="$old_sha" NEW_SHA="$new_sha" NEW_DESC="$new_desc" \
DIRTY="$dirty" LOADAVG="$LOADAVG" ROUNDS="$ROUNDS" NPROC="$(nproc)" python3 - <<'EOF'
import json, os, statistics, textwrap, time

T = os.environ["T"]
rounds = int(os.environ["ROUNDS"])
# Run settings and descriptions, not figures.
SKIP = {"generated", "cpu", "cores", "connections", "keys", "warmup_s",
        "duration_s", "rounds", "slices", "slice_s", "tz4_warmup_s", "raw_s",
        "per_round", "load_average"}

def load(side):
    runs = []
    for n in range(1, rounds + 1):
        with open(f"{T}/{side}.{n}.json") as f:
            runs.append(json.load(f))
    return runs

def figures(run):
    return [k for k, v in run.items()
            if k not in SKIP and isinstance(v, (int, float)) and not isinstance(v, bool)]

old, new = load("old"), load("new")
# Names in every run of the side (new's order first).
old_names = set.intersection(*(set(figures(r)) for r in old))
new_names = [k for k in figures(new[0]) if all(k in r for r in new)]
both = [k for k in new_names if k in old_names]

def num(v, runs):
    """A median, 6 digits; an integer when the runs' numbers are and it is."""
    v = float(f"{v:.6g}")
    ints = all(isinstance(x, int) for x in runs)
    return int(v) if ints and v == int(v) else v

def show(v):
    return str(v) if isinstance(v, int) else f"{v:g}"

table = {}
for k in both:
    o = [r[k] for r in old]
    n = [r[k] for r in new]
    mo, mn = statistics.median(o), statistics.median(n)
    table[k] = {"old": num(mo, o), "new": num(mn, n),
                "ratio": round(mn / mo, 3) if mo else None,
                "old_runs": o, "new_runs": n}

width = max([len(k) for k in both] + [len("figure")])
print()
print(f"  {'figure':<{width}} {'old':>12} {'new':>12} {'new/old':>8}")
for k, v in table.items():
    ratio = "-" if v["ratio"] is None else f"{v['ratio']:.3f}"
    print(f"  {k:<{width}} {show(v['old']):>12} {show(v['new']):>12} {ratio:>8}")
only_old = sorted(old_names - set(new_names))
only_new = [k for k in new_names if k not in old_names]
for label, names in (("only in old", only_old), ("only in new", only_new)):
    if names:
        print(textwrap.fill(f"{label}: " + ", ".join(names), 100,
                            initial_indent="  ", subsequent_indent="    "))

doc = {
    "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "base": os.environ["BASE"],
    "old_commit": os.environ["OLD_SHA"],
    "new_commit": os.environ["NEW_SHA"],
    "new_tree": os.environ["NEW_DESC"],
    "new_uncommitted_changes": os.environ["DIRTY"] == "true",
    "cores": int(os.environ["NPROC"]),
    "load_average": float(os.environ["LOADAVG"]),
    "compare_rounds": rounds,
    "bench_rounds": new[0].get("rounds"),
    "run_load_averages": {"old": [r.get("load_average") for r in old],
                          "new": [r.get("load_average") for r in new]},
    "figures": table,
    "only_old": only_old,
    "only_new": only_new,
}
out = os.environ["OUT"]
# One line per figure and per setting, like results.json.
lines = []
for k, v in doc.items():
    if k == "figures":
        inner = [f'    {json.dumps(n)}: {json.dumps(f)}' for n, f in v.items()]
        lines.append(f'  "figures": {{\n' + ",\n".join(inner) + "\n  }")
    else:
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)}")
with open(out + ".tmp", "w") as f:
    f.write("{\n" + ",\n".join(lines) + "\n}\n")
os.replace(out + ".tmp", out)
print()
print(f"bench-compare: wrote {out}")
EOF
