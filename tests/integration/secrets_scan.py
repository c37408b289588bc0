#!/usr/bin/env python3
"""Looks for secrets in logs, in a live process's memory and in core files.

Used by test_secrets.sh. NEEDLES is a file of lines "SCOPE KIND NAME VALUE":
  SCOPE  all  (looked for everywhere) or logs (only in logs: secrets sigild
         never holds, such as the client's authentication key)
  KIND   b58  a base58check secret key (edsk, spsk, p2sk, BLsk): its last 32
              payload bytes are the raw secret
         text a passphrase, looked for as written
A secret is looked for in every form it could leak in: base58, hex (lower
and upper case), raw bytes, and for Ed25519 the SHA-512 expansion of the
seed (the signing scalar and nonce prefix), for BLS the big-endian scalar.
Any 16-byte slice of any form counts as a hit (a short text needle counts
only whole).

  secrets_scan.py NEEDLES text FILE...       hits in files: exit 1
  secrets_scan.py NEEDLES core FILE [HEX]    hits in a core: exit 1; HEX,
         bytes that must be there (proof that the core holds the heap)
  secrets_scan.py NEEDLES absent PID [HEX]   live memory of a process that
         must hold no secret at all (sigild with its keys in a key holder):
         every readable mapping, don't-dump ones too: exit 1 on any hit, or
         when HEX is nowhere (proof that the scan reached the heap)
  secrets_scan.py NEEDLES mem PID [locked]   live memory (needs ptrace
         rights): exit 1 on a hit outside a VM_DONTDUMP mapping, or when a
         secret is nowhere (the scan would prove nothing), or when the
         mappings holding them are not 64 KiB arena chunks (locked too, with
         "locked"); exit 3 when the memory cannot be read
"""
import hashlib
import mmap
import sys

ALPHABET = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SLICE = 16
CHUNK = 8  # every SLICE-byte window of a form holds one CHUNK-aligned chunk


def b58decode(s):
    n = 0
    for c in s.encode():
        n = n * 58 + ALPHABET.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    pad = len(s) - len(s.lstrip("1"))
    raw = b"\0" * pad + raw
    body, check = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] != check:
        raise ValueError("bad base58 checksum: " + s)
    return body


def forms(kind, value):
    """(label, bytes) for every form a secret could leak in."""
    if kind == "text":
        return [("text", value.encode())]
    raw = b58decode(value)[-32:]
    out = [("base58", value.encode())]
    extra = [("raw", raw)]
    if value.startswith("edsk"):
        h = bytearray(hashlib.sha512(raw).digest())
        extra.append(("sha512", bytes(h)))
        h[0] &= 248
        h[31] &= 127
        h[31] |= 64
        extra.append(("scalar", bytes(h[:32])))
    # blst keeps a BLsk scalar, and OpenSSL a p2sk one (a BIGNUM of 64-bit
    # little-endian words), in the other byte order.
    if value.startswith(("BLsk", "p2sk")):
        extra.append(("raw-be", raw[::-1]))
    for label, b in extra:
        out += [(label, b), (label + "-hex", b.hex().encode()),
                (label + "-HEX", b.hex().upper().encode())]
    return out


def load(path, scope):
    needles = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        sc, kind, name, value = line.split(" ", 3)
        if scope == "logs" or sc == "all":
            for label, b in forms(kind, value):
                needles.append((name, label, b))
    return needles


PAGE = 4096
ZERO = bytes(PAGE)


def find(data, needles):
    """find_run() over the runs of data that are not zero pages: cores and
    thread stacks are mostly untouched memory, and skipping it makes the
    scan of a core some ten times faster."""
    if len(data) < 64 * PAGE:
        return find_run(data, needles, 0)
    out, start, view = [], None, memoryview(data)
    for off in range(0, len(data), PAGE):
        zero = view[off:off + PAGE] == ZERO[:min(PAGE, len(data) - off)]
        if not zero and start is None:
            start = off
        elif zero and start is not None:
            out += find_run(bytes(view[start:off]), needles, start)
            start = None
    if start is not None:
        out += find_run(bytes(view[start:]), needles, start)
    return out


def find_run(data, needles, base):
    """[(offset, name, label, length)] of every match of SLICE bytes or more."""
    hits = {}
    for name, label, form in needles:
        if len(form) < SLICE:
            at = data.find(form)
            while at >= 0:
                hits[(at, name, label)] = len(form)
                at = data.find(form, at + 1)
            continue
        for k in range(0, len(form) - CHUNK + 1, CHUNK):
            chunk = form[k:k + CHUNK]
            at = data.find(chunk)
            while at >= 0:
                b = 0
                while b < k and at - b > 0 and data[at - b - 1] == form[k - b - 1]:
                    b += 1
                f = CHUNK
                while k + f < len(form) and at + f < len(data) and data[at + f] == form[k + f]:
                    f += 1
                if b + f >= SLICE:
                    key = (at - b, name, label)
                    hits[key] = max(hits.get(key, 0), b + f)
                at = data.find(chunk, at + 1)
    return sorted((base + o, n, lab, ln) for (o, n, lab), ln in hits.items())


def cmd_text(needles, files):
    bad = 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        for off, name, label, ln in find(data, needles):
            bad += 1
            line = data[:off].count(b"\n") + 1
            print(f"LEAK: {path}:{line}: {name} ({label}, {ln} bytes)")
    print(f"scanned {len(files)} files: {bad} hits")
    return 1 if bad else 0


def cmd_core(needles, path, expect_hex=None):
    with open(path, "rb") as f:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    hits = find(data, needles)
    for off, name, label, ln in hits:
        print(f"LEAK: core offset {off:#x}: {name} ({label}, {ln} bytes)")
    if expect_hex and data.find(bytes.fromhex(expect_hex)) < 0:
        print("core does not hold the expected bytes: the scan would prove nothing")
        return 1
    print(f"core {len(data)} bytes: {len(hits)} hits")
    return 1 if hits else 0


def mappings(pid):
    maps, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                cur = {"lo": lo, "hi": hi, "perms": head[1],
                       "path": head[5] if len(head) > 5 else "", "flags": [], "locked": 0,
                       "rss": 0}
                maps.append(cur)
            elif head[0] == "VmFlags:":
                cur["flags"] = head[1:]
            elif head[0] == "Locked:":
                cur["locked"] = int(head[1])
            elif head[0] == "Rss:":
                cur["rss"] = int(head[1])
    return maps


def scan_mapping(mem, lo, size, needles):
    """find() over one mapping, read in pieces that overlap by a needle's length."""
    step, overlap, out = 16 << 20, 256, {}
    for start in range(0, size, step):
        try:
            mem.seek(lo + start)
            data = mem.read(min(size - start, step + overlap))
        except OSError:
            continue
        for off, name, label, ln in find(data, needles):
            out[(start + off, name, label)] = ln
    return sorted((o, n, lab, ln) for (o, n, lab), ln in out.items())


def cmd_mem(needles, pid, want_locked):
    try:
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
        maps = mappings(pid)
    except OSError as e:
        print(f"cannot read the memory of {pid}: {e}")
        return 3
    bad, seen, holders, skipped = 0, set(), {}, 0
    for m in maps:
        size = m["hi"] - m["lo"]
        dd = "dd" in m["flags"]
        if "r" not in m["perms"] or m["path"] in ("[vvar]", "[vsyscall]") or m["rss"] == 0:
            continue
        if size > (1 << 30):
            # Sanitizer shadow and allocator reservations: terabytes, mostly
            # never touched. Excluded from dumps when marked dd.
            if not dd:
                print(f"warning: {m['lo']:#x}-{m['hi']:#x} {size >> 20} MiB not scanned")
            skipped += 1
            continue
        for off, name, label, ln in scan_mapping(mem, m["lo"], size, needles):
            seen.add(name)
            where = f"{m['lo']:#x}-{m['hi']:#x} {m['path'] or '[anon]'} VmFlags: {' '.join(m['flags'])}"
            if dd:
                holders[(m["lo"], m["hi"])] = m
            else:
                bad += 1
                print(f"LEAK: {name} ({label}, {ln} bytes) at {m['lo'] + off:#x} in {where}"
                      " (would be in a core dump)")
    for m in holders.values():
        size = m["hi"] - m["lo"]
        print(f"secrets held in {m['lo']:#x}-{m['hi']:#x} ({size >> 10} KiB,"
              f" locked {m['locked']} kB) VmFlags: {' '.join(m['flags'])}")
        if size % (64 << 10) != 0:
            print("  not a run of 64 KiB arena chunks (base/secmem.c)")
            bad += 1
        # Locked on fault (VmFlags lf, mlock2 MLOCK_ONFAULT, as OpenSSL's
        # secure heap is): the pages touched, those holding the secrets, are
        # locked; the others have nothing in them.
        on_fault = "lf" in m["flags"] and m["locked"] > 0
        if want_locked and ("lo" not in m["flags"] or (m["locked"] * 1024 < size and not on_fault)):
            print("  not locked in memory although sigild did not warn that locking failed")
            bad += 1
    if not holders:
        print("no VM_DONTDUMP mapping holds a secret")
        bad += 1
    missing = sorted({n for n, _, _ in needles if not n.startswith("pass")} - seen)
    if missing:
        print(f"secrets not found in memory at all: {' '.join(missing)}")
        return 1
    return 1 if bad else 0


def cmd_absent(needles, pid, expect_hex=None):
    """A process that must never hold the secrets: every readable mapping,
    don't-dump ones too, and the expected bytes somewhere (proof that the
    scan reached the heap)."""
    try:
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
        maps = mappings(pid)
    except OSError as e:
        print(f"cannot read the memory of {pid}: {e}")
        return 3
    hits, found, scanned = 0, expect_hex is None, 0
    want = bytes.fromhex(expect_hex) if expect_hex else b""
    for m in maps:
        size = m["hi"] - m["lo"]
        if "r" not in m["perms"] or m["path"] in ("[vvar]", "[vsyscall]") or m["rss"] == 0:
            continue
        if size > (1 << 30):
            continue  # sanitizer shadow and reservations (their touched pages are ours too,
            # but a key copy there would also be in a smaller mapping's bytes first)
        scanned += size
        for off, name, label, ln in scan_mapping(mem, m["lo"], size, needles):
            hits += 1
            print(f"LEAK: {name} ({label}, {ln} bytes) at {m['lo'] + off:#x} in "
                  f"{m['path'] or '[anon]'} VmFlags: {' '.join(m['flags'])}")
        if not found:
            for start in range(0, size, 1 << 20):
                try:
                    mem.seek(m["lo"] + start)
                    if want in mem.read(min(size - start, (1 << 20) + len(want))):
                        found = True
                        break
                except OSError:
                    break
    print(f"{scanned >> 20} MiB scanned: {hits} hits")
    if not found:
        print("the expected bytes are nowhere: the scan would prove nothing")
        return 1
    return 1 if hits else 0


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    mode = argv[2]
    needles = load(argv[1], "logs" if mode == "text" else "all")
    if mode == "text":
        return cmd_text(needles, argv[3:])
    if mode == "core":
        return cmd_core(needles, argv[3], argv[4] if len(argv) > 4 else None)
    if mode == "absent":
        return cmd_absent(needles, int(argv[3]), argv[4] if len(argv) > 4 else None)
    if mode == "mem":
        return cmd_mem(needles, int(argv[3]), len(argv) > 4 and argv[4] == "locked")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
