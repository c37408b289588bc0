#!/usr/bin/env python3
"""Hostile HTTP clients for test_slow_clients.sh, all in one process.

Every connection goes to 127.0.0.1 from a loopback source address 127.0.0.N
(N from --sources, within 2..254): the extra loopback addresses stand in for
clients elsewhere, so that the per-address limit applies to them and not to
the test's own probes from 127.0.0.1. Nothing here reaches beyond loopback.
Every mode stops by itself after --duration seconds.

  slow_clients.py slowloris --port P --sources 2-12 --per-source 100
          [--interval 2] [--duration 16] [--line-source 13 --line-count 0]
      Opens per-source connections from each source, sends a request line
      and then one header line every --interval seconds, never the end of
      the head. Besides, line-count connections from 127.0.0.<line-source>,
      opened first and only once, send their request line one byte every
      --interval seconds. Any other connection the server closes is opened
      again a second later. Prints
      JSON: the most connections open at once, how many the server closed,
      and how long those it closed had lived (line_*: the byte tricklers).
  slow_clients.py body --port P --sources 2-6 --count 300 --announce N
          --send M [--path /keys/tz1…] [--ready FILE] [--duration 8]
      Opens count connections that announce an N-byte POST body and send M
      bytes of it, then hold. Writes FILE once every body is sent (or its
      connection gone). Prints JSON: the status of each answer (none: no
      answer), and how many connections sent all M bytes.
  slow_clients.py one --port P [--method POST] [--path /]
          [--announce N [--send M] | --chunked N]
      One request that announces N bytes and sends M of them (default
      none), or sends N bytes in chunks (no Content-Length); prints the
      status code and the body of the answer.
"""
import argparse
import errno
import json
import os
import resource
import selectors
import socket
import sys
import time


def loopback_sources(spec):
    lo, _, hi = spec.partition("-")
    lo, hi = int(lo), int(hi or lo)
    if not 2 <= lo <= hi <= 254:
        sys.exit("sources must lie within 2-254 (127.0.0.N)")
    return [f"127.0.0.{n}" for n in range(lo, hi + 1)]


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def open_from(src, port):
    """A non-blocking connection from src to 127.0.0.1:port, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.bind((src, 0))
        err = s.connect_ex(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    if err not in (0, errno.EINPROGRESS):
        s.close()
        return None
    return s


def status_of(data):
    """The status code of an HTTP answer's first bytes, or None."""
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def slowloris(a):
    sources = loopback_sources(a.sources)
    raise_nofile(len(sources) * a.per_source + 256)
    sel = selectors.DefaultSelector()
    line = b"GET /keys/slow HTTP/1.1\r\n"
    # slot: [src, sock, state, due, opened_at, line trickler: bytes sent, or
    # None]; state: idle, connecting, open, done. The line tricklers go
    # first, so that they find room, and are not opened again.
    slots = [[loopback_sources(str(a.line_source))[0], None, "idle", 0.0, 0.0, 0]
             for _ in range(a.line_count)]
    slots += [[src, None, "idle", 0.0, 0.0, None] for src in sources
              for _ in range(a.per_source)]
    start = time.monotonic()
    end = start + a.duration
    stats = {"opened": 0, "closed_by_server": 0, "max_open": 0, "lifetimes": [],
             "line_closed": 0, "line_lifetimes": []}
    n_open = 0

    def drop(slot, by_server, now):
        nonlocal n_open
        if slot[2] == "open":
            n_open -= 1
            if by_server:
                if slot[5] is None:
                    stats["closed_by_server"] += 1
                    stats["lifetimes"].append(now - slot[4])
                else:
                    stats["line_closed"] += 1
                    stats["line_lifetimes"].append(now - slot[4])
        try:
            sel.unregister(slot[1])
        except (KeyError, ValueError):
            pass
        slot[1].close()
        slot[1], slot[2], slot[3] = None, "idle", now + 1.0
        if slot[5] is not None:
            slot[2], slot[3] = "done", end

    while True:
        now = time.monotonic()
        if now >= end:
            break
        for key, _ in sel.select(timeout=0.05):
            slot = key.data
            now = time.monotonic()
            if slot[2] == "connecting":
                if slot[1].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    drop(slot, False, now)
                    continue
                try:
                    if slot[5] is None:
                        slot[1].send(line + f"Host: {slot[0]}\r\n".encode())
                    else:
                        slot[1].send(line[:1])
                        slot[5] = 1
                except OSError:
                    drop(slot, False, now)
                    continue
                slot[2], slot[3], slot[4] = "open", now + a.interval, now
                stats["opened"] += 1
                n_open += 1
                stats["max_open"] = max(stats["max_open"], n_open)
                sel.modify(slot[1], selectors.EVENT_READ, slot)
            else:
                try:
                    data = slot[1].recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                # Closed, or answered (an error): either way, over.
                drop(slot, True, now)
        now = time.monotonic()
        for slot in slots:
            if slot[3] > now or slot[2] == "done":
                continue
            if slot[2] == "idle":
                s = open_from(slot[0], a.port)
                if s is None:
                    slot[3] = now + 1.0
                    continue
                slot[1], slot[2], slot[3] = s, "connecting", now + 5.0
                sel.register(s, selectors.EVENT_WRITE, slot)
            elif slot[2] == "connecting":
                drop(slot, False, now)  # not accepted within 5 s
            else:
                try:
                    if slot[5] is None:
                        slot[1].send(b"X-Slow: one more line\r\n")
                    elif slot[5] < len(line) - 2:  # never the line's end
                        slot[1].send(line[slot[5]:slot[5] + 1])
                        slot[5] += 1
                    slot[3] = now + a.interval
                except OSError:
                    drop(slot, True, now)
    for slot in slots:
        if slot[1] is not None:
            slot[1].close()
    for pre in ("", "line_"):
        life = sorted(stats.pop(pre + "lifetimes"))
        stats[pre + "lifetime_max_s"] = round(life[-1], 2) if life else None
        stats[pre + "lifetime_median_s"] = round(life[len(life) // 2], 2) if life else None
    print(json.dumps(stats))


def body(a):
    sources = loopback_sources(a.sources)
    raise_nofile(a.count + 256)
    sel = selectors.DefaultSelector()
    head = (f"POST {a.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {a.announce}\r\n\r\n").encode()
    chunk = b"a" * 65536
    conns = []  # [sock, bytes left to send (head first), answer bytes, state]
    for i in range(a.count):
        s = open_from(sources[i % len(sources)], a.port)
        if s is None:
            continue
        c = {"s": s, "out": head, "left": a.send, "got": b"", "state": "connecting"}
        conns.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    end = time.monotonic() + a.duration
    ready = False
    sent_all = 0

    def finish_sending(c):
        nonlocal sent_all
        c["state"] = "holding"
        if c["left"] == 0 and not c["out"]:
            sent_all += 1
        try:
            sel.modify(c["s"], selectors.EVENT_READ, c)
        except (KeyError, ValueError):
            pass

    while time.monotonic() < end:
        for key, ev in sel.select(timeout=0.05):
            c = key.data
            if ev & selectors.EVENT_READ:
                try:
                    data = c["s"].recv(4096)
                except BlockingIOError:
                    data = None
                except OSError:
                    data = b""
                if data:
                    c["got"] += data
                elif data == b"":
                    if c["state"] != "holding":
                        finish_sending(c)
                    sel.unregister(c["s"])
                    c["state"] = "closed"
                    continue
            if ev & selectors.EVENT_WRITE and c["state"] in ("connecting", "sending"):
                c["state"] = "sending"
                try:
                    while c["out"] or c["left"]:
                        if not c["out"]:
                            n = min(c["left"], len(chunk))
                            c["out"], c["left"] = chunk[:n], c["left"] - n
                        n = c["s"].send(c["out"])
                        c["out"] = c["out"][n:]
                except BlockingIOError:
                    continue
                except OSError:
                    c["out"], c["left"] = b"", -1  # the server closed it
                finish_sending(c)
        if not ready and all(c["state"] in ("holding", "closed") for c in conns):
            ready = True
            if a.ready:
                with open(a.ready, "w") as f:
                    f.write("sent\n")
    statuses = {}
    for c in conns:
        st = status_of(c["got"])
        k = str(st) if st is not None else "none"
        statuses[k] = statuses.get(k, 0) + 1
        c["s"].close()
    print(json.dumps({"connections": len(conns), "sent_all": sent_all, "statuses": statuses}))


def one(a):
    s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
    head = f"{a.method} {a.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if a.announce is not None:
        head += f"Content-Length: {a.announce}\r\n"
    if a.chunked is not None:
        head += "Transfer-Encoding: chunked\r\n"
    s.sendall((head + "\r\n").encode())
    try:
        s.sendall(b"a" * a.send)
    except OSError:
        pass  # closed early: its answer is still to be read
    if a.chunked is not None:
        try:
            left = a.chunked
            while left > 0:
                n = min(left, 16384)
                s.sendall(b"%x\r\n" % n + b"a" * n + b"\r\n")
                left -= n
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # closed early: its answer is still to be read
    got = b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            got += data
    except OSError:
        pass
    s.close()
    _, _, rest = got.partition(b"\r\n\r\n")
    print(status_of(got), rest.decode(errors="replace"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--sources", default="2-12")
    s.add_argument("--per-source", type=int, default=100)
    s.add_argument("--interval", type=float, default=2.0)
    s.add_argument("--duration", type=float, default=16.0)
    s.add_argument("--line-source", type=int, default=13)
    s.add_argument("--line-count", type=int, default=0)
    b = sub.add_parser("body")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--sources", default="2-6")
    b.add_argument("--count", type=int, default=300)
    b.add_argument("--announce", type=int, required=True)
    b.add_argument("--send", type=int, required=True)
    b.add_argument("--path", default="/keys/none")
    b.add_argument("--ready")
    b.add_argument("--duration", type=float, default=8.0)
    o = sub.add_parser("one")
    o.add_argument("--port", type=int, required=True)
    o.add_argument("--method", default="POST")
    o.add_argument("--path", default="/")
    o.add_argument("--announce", type=int)
    o.add_argument("--send", type=int, default=0)
    o.add_argument("--chunked", type=int)
    a = p.parse_args()
    a.duration = min(getattr(a, "duration", 0), 60.0)  # bounded whatever is asked
    {"slowloris": slowloris, "body": body, "one": one}[a.mode](a)


if __name__ == "__main__":
    main()
