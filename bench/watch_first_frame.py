#!/usr/bin/env python3
"""bench/watch_first_frame.py - how soon `shmspy watch` shows a segment,
and how much memory it then holds, for scripts/bench.

  watch_first_frame.py SHMSPY NAME RUNS

Starts `SHMSPY watch NAME` in a detached tmux pane (120x40) RUNS times
and measures, each time, from the command's start until the first hex
line ("00000000") is on the pane (capture-pane, polled every 2 ms: the
figure includes tmux's own delay); then reads the watch process's VmRSS.
Prints "first_frame_ms MEDIAN best BEST rss_kib MAX" and removes the
sessions.
"""
import os
import statistics
import subprocess
import sys
import time


def pane_has_frame(session):
    out = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"],
                         capture_output=True, text=True).stdout
    return any(line.startswith("00000000") for line in out.splitlines())


def watch_pid(session):
    out = subprocess.run(["tmux", "list-panes", "-t", session, "-F",
                          "#{pane_pid}"], capture_output=True, text=True)
    return int(out.stdout.split()[0])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def one(spy, name, n):
    session = "shmspy-bench-first-%d-%d" % (os.getpid(), n)
    t0 = time.monotonic()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120",
                    "-y", "40", "exec %s watch %s" % (spy, name)], check=True)
    try:
        while not pane_has_frame(session):
            if time.monotonic() - t0 > 10:
                raise SystemExit("watch_first_frame: no frame in 10 s")
            time.sleep(0.002)
        ms = (time.monotonic() - t0) * 1000.0
        time.sleep(0.5)  # a few frames more, then the memory it holds
        return ms, rss_kib(watch_pid(session))
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session],
                       stderr=subprocess.DEVNULL)


def main():
    spy, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    got = [one(spy, name, i) for i in range(runs)]
    times = [t for t, _ in got]
    print("first_frame_ms %.1f best %.1f rss_kib %d" %
          (statistics.median(times), min(times), max(r for _, r in got)))


main()
