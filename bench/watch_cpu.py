#!/usr/bin/env python3
"""bench/watch_cpu.py - the CPU cost of `shmspy watch`, for scripts/bench.

  watch_cpu.py SHMSPY NAME SECONDS [WRITER_CMD...]

Runs `SHMSPY watch NAME --hz 60` (plus the words of $SPY_WATCH_ARGS, e.g.
a typed layout) in a detached tmux session (120x40), lets it settle for a
second, sends it the tmux key names of $SPY_WATCH_KEYS (if any), starts WRITER_CMD (if given) and measures, over SECONDS seconds,
the CPU time watch used (/proc/PID/schedstat, else /proc/PID/stat) as a
share of one core; the writer's share too; and watch's peak resident
memory (VmHWM). Prints "watch_cpu_pct P writer_cpu_pct W watch_rss_kib R"
and removes the session.
"""
import os
import shlex
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """Time on a CPU: /proc/PID/schedstat (nanoseconds) where the kernel
    has it, else utime + stime of /proc/PID/stat (clock ticks)."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_kib(pid):
    """VmHWM of /proc/PID/status: the peak resident set, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def find_watch(session):
    out = subprocess.run(["tmux", "list-panes", "-t", session, "-F",
                          "#{pane_pid}"], capture_output=True, text=True)
    pane = int(out.stdout.split()[0])
    # The pane runs the command directly (exec'd by tmux's shell) or as
    # the shell's only child.
    for _ in range(50):
        try:
            with open("/proc/%d/cmdline" % pane, "rb") as f:
                if b"watch" in f.read():
                    return pane
            kids = open("/proc/%d/task/%d/children" % (pane, pane)).read().split()
            if kids:
                return int(kids[0])
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("watch_cpu: cannot find the watch process")


def main():
    spy, name, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    writer_cmd = sys.argv[4:]
    session = "shmspy-bench-watch-%d" % os.getpid()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120",
                    "-y", "40", "exec %s watch %s --hz 60 %s" % (
                        shlex.quote(spy), shlex.quote(name),
                        os.environ.get("SPY_WATCH_ARGS", ""))],
                   check=True)
    writer = None
    try:
        pid = find_watch(session)
        time.sleep(1.0)
        keys = os.environ.get("SPY_WATCH_KEYS", "").split()
        if keys:
            subprocess.run(["tmux", "send-keys", "-t", session] + keys,
                           check=True)
            time.sleep(0.5)
        if writer_cmd:
            writer = subprocess.Popen(writer_cmd + [str(secs + 2)],
                                      stdout=subprocess.DEVNULL)
            time.sleep(0.5)
        w0, t0 = cpu_seconds(pid), time.monotonic()
        r0 = cpu_seconds(writer.pid) if writer else 0
        time.sleep(secs)
        w1, t1 = cpu_seconds(pid), time.monotonic()
        r1 = cpu_seconds(writer.pid) if writer else 0
        alive = subprocess.run(["tmux", "has-session", "-t", session]).returncode == 0
        if not alive:
            raise SystemExit("watch_cpu: watch exited early")
        wall = t1 - t0
        print("watch_cpu_pct %.2f writer_cpu_pct %.1f watch_rss_kib %d" %
              (100.0 * (w1 - w0) / wall, 100.0 * (r1 - r0) / wall,
               peak_rss_kib(pid)))
    finally:
        if writer is not None:
            writer.terminate()
            writer.wait()
        subprocess.run(["tmux", "kill-session", "-t", session],
                       stderr=subprocess.DEVNULL)


main()
