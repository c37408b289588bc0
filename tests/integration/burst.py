#!/usr/bin/env python3
"""A burst on every connection at once, and nothing else going on.

Opens --conns keep-alive connections to --port and makes each answer one
GET first (every connection accepted and served). Then stops the server
(SIGSTOP to --pid), sends one more GET on every connection, lets the bytes
arrive, and lets the server go on (SIGCONT): each HTTP thread then finds
all of its connections ready at once, and nothing else will come until it
answers them. Prints one JSON line (answered, closed, unanswered, seconds)
and exits 0 only when every connection got its second answer. Bounded: at
most --deadline seconds after SIGCONT."""
import argparse, json, os, select, signal, socket, sys, time


def answer_done(buf):
    """The whole of one answer is in buf: its status, or None."""
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if len(body) < length:
        return None
    return int(head.split(b" ")[1])


def round_trip(socks, req, deadline):
    """Sends req on every socket already sent to (req None: only reads) and
    reads one answer from each: (answered, closed) sets."""
    bufs = {s: b"" for s in socks}
    answered, closed, pending = set(), set(), set(socks)
    if req is not None:
        for s in socks:
            s.sendall(req)
    end = time.monotonic() + deadline
    while pending and time.monotonic() < end:
        ready, _, _ = select.select(list(pending), [], [], max(0.0, end - time.monotonic()))
        for s in ready:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                closed.add(s)
                pending.discard(s)
                continue
            bufs[s] += d
            st = answer_done(bufs[s])
            if st is not None:
                if st == 200:
                    answered.add(s)
                else:
                    closed.add(s)
                pending.discard(s)
    return answered, closed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--conns", type=int, required=True)
    p.add_argument("--path", default="/authorized_keys")
    p.add_argument("--deadline", type=float, default=30.0)
    a = p.parse_args()
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % a.path).encode()
    socks = []
    for _ in range(a.conns):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        socks.append(s)
    ok, bad = round_trip(socks, req, a.deadline)
    if len(ok) != a.conns:
        print(json.dumps({"error": "first round", "answered": len(ok), "closed": len(bad)}))
        return 1
    os.kill(a.pid, signal.SIGSTOP)
    try:
        for s in socks:
            s.sendall(req)
        time.sleep(0.3)
    finally:
        os.kill(a.pid, signal.SIGCONT)
    t0 = time.monotonic()
    ok, bad = round_trip(socks, None, a.deadline)
    took = time.monotonic() - t0
    print(json.dumps({"conns": a.conns, "answered": len(ok), "closed": len(bad),
                      "unanswered": a.conns - len(ok) - len(bad), "seconds": round(took, 3)}))
    for s in socks:
        s.close()
    return 0 if len(ok) == a.conns else 1


if __name__ == "__main__":
    sys.exit(main())
