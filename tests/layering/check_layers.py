#!/usr/bin/env python3
"""Reads every #include "dir/..." under a source tree and fails on an
include that points the wrong way between layers (docs/ARCHITECTURE.md).

usage: check_layers.py SRC_DIR [EXCEPTIONS_FILE]

Each rule below names what a folder must never include. EXCEPTIONS_FILE
lists known violations still to be removed, one "from -> to" a line (# for
comments): they are reported but allowed, and an exception that no longer
occurs is itself an error, so that the list only shrinks."""
import os
import re
import sys

# Folders of src/ from the ground up; a folder may include only folders
# listed with it or before it, and never the ones named in FORBIDDEN.
ALLOWED = {
    "base": {"base"},
    "crypto": {"base", "crypto"},
    "pg": {"base", "pg"},
    "chain": {"base", "crypto", "chain"},
    "policy": {"base", "crypto", "chain", "policy"},
    "auth": {"base", "crypto", "chain", "auth"},
    "vault": {"base", "pg", "crypto", "vault"},
    "watermark": {"base", "pg", "crypto", "chain", "watermark"},
    "enclave": {"base", "crypto", "enclave"},
    "config": {"base", "pg", "crypto", "chain", "policy", "auth", "vault", "watermark",
               "config"},
    "core": {"base", "pg", "crypto", "chain", "policy", "auth", "vault", "watermark", "config",
             "core"},
    "api": {"base", "pg", "crypto", "chain", "policy", "auth", "vault", "watermark", "config",
            "core", "api"},
    "cli": {"base", "pg", "crypto", "chain", "policy", "auth", "vault", "watermark", "config",
            "core", "api", "cli"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]+"')
# The key holder's RPC is spoken by both of its ends: sigild's enclave vault
# may include that one header of enclave/, and nothing else of the holder.
SHARED = {("vault", "enclave/proto.h")}
INCLUDE_PATH = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# Tezos is one chain among others: its headers are included only by its own
# folder, the chain registry and the two adapters that speak octez's forms:
# the HTTP protocol (api/tezos.c) and the CLI's (cli/tezos.c).
TEZOS = re.compile(r'^\s*#\s*include\s+"chain/tezos/')
TEZOS_OK = ("chain/tezos/", "chain/registry.c", "api/tezos.c", "cli/tezos.c")


def violations(src):
    found = {}
    for root, _, files in os.walk(src):
        rel = os.path.relpath(root, src)
        top = rel.split(os.sep)[0]
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            if top not in ALLOWED:
                found.setdefault((top, "?"), []).append(f"{path}: folder {top} has no layer")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    p = INCLUDE_PATH.match(line)
                    if p and (top, p.group(1)) in SHARED:
                        continue
                    if m and m.group(1) not in ALLOWED[top]:
                        found.setdefault((top, m.group(1)), []).append(
                            f"{path}:{n}: {top}/ includes {m.group(1)}/")
                    relpath = os.path.relpath(path, src).replace(os.sep, "/")
                    if TEZOS.match(line) and not relpath.startswith(TEZOS_OK):
                        found.setdefault((top, "chain/tezos"), []).append(
                            f"{path}:{n}: {relpath} includes chain/tezos/ (a chain's own)")
    return found


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    allowed = set()
    if len(sys.argv) == 3:
        with open(sys.argv[2]) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    a, b = (x.strip() for x in line.split("->"))
                    allowed.add((a, b))
    found = violations(sys.argv[1])
    bad = 0
    for key, where in sorted(found.items()):
        tag = "known exception" if key in allowed else "FORBIDDEN"
        for w in where:
            print(f"{tag}: {w}")
        bad += key not in allowed
    for key in sorted(allowed - set(found)):
        print(f"STALE exception (no longer occurs, remove it): {key[0]} -> {key[1]}")
        bad += 1
    print(f"layers: {sum(len(v) for v in found.values())} include(s) against the layers, "
          f"{bad} not allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
