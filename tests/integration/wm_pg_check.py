#!/usr/bin/env python3
"""Verdicts of the PostgreSQL watermark tests (test_wm_pg*.sh) on what the
harness logged and what the database holds.

  wm_pg_check.py audit [--acks ACKS] [--acks-in-audit] [--slots N] LOG...
      Every `decision=signed` audit line of the sigild logs (their keys
      must have log_payloads on): no two payloads signed at one (key, kind,
      level, round), across all the logs and the client's signature log
      ACKS (tests/torture/tt_log.c) together. --acks-in-audit: every
      signature the client received is also in an audit line. --slots:
      the audit lines name exactly N (key, kind, level, round).
  wm_pg_check.py backed ACKS MARKS
      Every signature the client received is backed by a committed mark:
      the mark of its (key, kind) in MARKS is at or above its (level, round).
  wm_pg_check.py regress OLD NEW
      No mark went down: every mark of OLD is in NEW, at or above.
  wm_pg_check.py round OLD NEW ACKS
      regress OLD NEW, then backed ACKS NEW (one process: a round of the
      kill test passes the signatures received since the previous round)
  wm_pg_check.py keyhex PKH
      The 21-byte key id of a tz1/tz2/tz3 address, in hex.

MARKS, OLD and NEW are the rows of sigil_watermarks as psql -tA prints
them with tabs: chain hex, key hex, kind, level, round.

Exit status 0 when the verdict holds, 1 when it does not (each violation
printed), 2 on bad input.
"""
import hashlib
import re
import sys

KINDS = {"block": 0, "preattestation": 1, "attestation": 2}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Tezos base58check prefixes of the three public key hashes, and the tag
# of each in the binary public_key_hash encoding (the watermark's key id).
PKH_PREFIX = {bytes.fromhex("06a19f"): 0, bytes.fromhex("06a1a1"): 1,
              bytes.fromhex("06a1a4"): 2}
AUDIT_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def die(msg):
    print(f"wm_pg_check: {msg}", file=sys.stderr)
    sys.exit(2)


def key_hex(pkh):
    n = 0
    for ch in pkh:
        if ch not in B58:
            die(f"not base58: {pkh}")
        n = n * 58 + B58.index(ch)
    raw = n.to_bytes(27, "big")  # 3 prefix + 20 hash + 4 check
    if hashlib.sha256(hashlib.sha256(raw[:23]).digest()).digest()[:4] != raw[23:]:
        die(f"bad checksum: {pkh}")
    tag = PKH_PREFIX.get(raw[:3])
    if tag is None:
        die(f"not a tz1, tz2 or tz3 address: {pkh}")
    return (bytes([tag]) + raw[3:23]).hex()


def read_acks(path):
    acks = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            p = line.split()
            if len(p) != 7 or p[1] not in KINDS:
                die(f"{path}:{n}: malformed line")
            acks.append((p[0], p[1], int(p[2]), int(p[3]), p[4]))
    return acks


def read_audit(paths):
    """(pkh, kind, level, round) -> {digest: first 'log:line'}"""
    signed, lines, missing = {}, 0, 0
    for path in paths:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                if " audit " not in line or "decision=signed" not in line:
                    continue
                kv = dict(AUDIT_PAIR.findall(line.split(" audit ", 1)[1]))
                if kv.get("level", "") == "" or kv.get("kind") not in KINDS:
                    continue
                lines += 1
                if "payload" not in kv:
                    missing += 1
                    continue
                d = hashlib.blake2b(bytes.fromhex(kv["payload"]), digest_size=32).hexdigest()
                slot = (kv["key"], kv["kind"], int(kv["level"]), int(kv["round"]))
                signed.setdefault(slot, {}).setdefault(d, f"{path}:{n}")
    if missing:
        die(f"{missing} signed audit lines without a payload (log_payloads off?)")
    return signed, lines


def cmd_audit(args):
    acks_path, in_audit, want_slots = None, False, None
    while args and args[0].startswith("--"):
        if args[0] == "--slots" and len(args) > 1:
            want_slots, args = int(args[1]), args[2:]
        elif args[0] == "--acks" and len(args) > 1:
            acks_path, args = args[1], args[2:]
        elif args[0] == "--acks-in-audit":
            in_audit, args = True, args[1:]
        else:
            die(f"unknown option {args[0]}")
    if not args:
        die("audit: no log")
    signed, lines = read_audit(args)
    acks = read_acks(acks_path) if acks_path else []
    bad = 0
    unmatched = 0
    union = {s: dict(d) for s, d in signed.items()}
    for i, (pkh, kind, lv, rd, dg) in enumerate(acks, 1):
        slot = (pkh, kind, lv, rd)
        if dg not in signed.get(slot, {}):
            unmatched += 1
            if in_audit and unmatched <= 10:
                print(f"FAIL: {acks_path}:{i}: {pkh} {kind} level {lv} round {rd} digest "
                      f"{dg} was answered 200 but is in no audit line")
        union.setdefault(slot, {}).setdefault(dg, f"{acks_path}:{i}")
    for slot, ds in sorted(union.items()):
        if len(ds) > 1:
            bad += 1
            if bad <= 20:
                print(f"FAIL: DOUBLE SIGN: {slot[0]} {slot[1]} level {slot[2]} round {slot[3]}: "
                      + ", ".join(f"{d[:16]}.. ({w})" for d, w in ds.items()))
    print(f"audit: {lines} signed lines in {len(args)} logs, {len(signed)} (key, kind, level, "
          f"round), {len(acks)} client signatures ({unmatched} not in an audit line); "
          f"{bad} double signs")
    if want_slots is not None and len(signed) != want_slots:
        print(f"FAIL: the audit lines name {len(signed)} (key, kind, level, round), "
              f"not {want_slots}")
        bad += 1
    return 1 if bad or (in_audit and unmatched) else 0


def read_marks(path):
    marks = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            p = line.rstrip("\n").split("\t")
            if len(p) != 5:
                die(f"{path}:{n}: malformed line")
            marks.setdefault((p[1], int(p[2])), []).append((int(p[3]), int(p[4]), p[0]))
    return marks


def cmd_backed(args):
    if len(args) != 2:
        die("backed ACKS MARKS")
    acks, marks = read_acks(args[0]), read_marks(args[1])
    hexes, bad = {}, 0
    for pkh, kind, lv, rd, _ in acks:
        kh = hexes.setdefault(pkh, key_hex(pkh))
        ms = marks.get((kh, KINDS[kind]), [])
        if not any((m[0], m[1]) >= (lv, rd) for m in ms):
            bad += 1
            if bad <= 10:
                print(f"FAIL: {pkh} {kind} level {lv} round {rd} was answered 200, but the "
                      f"committed mark is {[(m[0], m[1]) for m in ms] or 'none'}")
    print(f"backed: {len(acks)} signatures, {bad} above their committed mark")
    return 1 if bad else 0


def cmd_regress(args):
    if len(args) != 2:
        die("regress OLD NEW")
    old, new = read_marks(args[0]), read_marks(args[1])
    bad = 0
    for slot, ms in old.items():
        for lv, rd, chain in ms:
            now = [(m[0], m[1]) for m in new.get(slot, []) if m[2] == chain]
            if not now or now[0] < (lv, rd):
                bad += 1
                print(f"FAIL: WATERMARK REGRESSION: key {slot[0]} kind {slot[1]} chain {chain}: "
                      f"{lv}/{rd} before, {now[0] if now else 'gone'} after")
    print(f"regress: {sum(len(m) for m in old.values())} marks, {bad} went down")
    return 1 if bad else 0


def main():
    if len(sys.argv) < 2:
        die(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "audit":
        return cmd_audit(args)
    if cmd == "backed":
        return cmd_backed(args)
    if cmd == "regress":
        return cmd_regress(args)
    if cmd == "round" and len(args) == 3:
        bad = cmd_regress(args[:2])
        return cmd_backed([args[2], args[1]]) or bad
    if cmd == "keyhex" and len(args) == 1:
        print(key_hex(args[0]))
        return 0
    die(__doc__)


if __name__ == "__main__":
    sys.exit(main())
