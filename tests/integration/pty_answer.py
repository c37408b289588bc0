#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts.

usage: pty_answer.py ANSWER [ANSWER ...] -- CMD [ARG ...]

Each ANSWER is typed (with a newline) once the command has printed a line
ending in ': ' (a passphrase prompt). Prints what the command wrote and
exits with its status. Bounded: 30 s in all."""
import os, pty, select, sys, time

sep = sys.argv.index("--")
answers, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out, pending, deadline = b"", b"", time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
        pending += data
        if pending.rstrip().endswith(b":") and answers:
            # The prompt comes before echo is turned off, which flushes
            # whatever was typed already: give it a moment.
            time.sleep(0.5)
            os.write(fd, answers.pop(0).encode() + b"\n")
            pending = b""
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
