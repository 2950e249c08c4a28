#!/usr/bin/env python3
"""bench/objects.py - POSIX shared memory objects for scripts/bench.

  objects.py create PREFIX N   creates /dev/shm/PREFIX00000.. (4 KiB each,
                               never written, mtimes spread over 4 months
                               so that no two rows share a time string)
  objects.py hold PREFIX N     maps the first N of them shared and sleeps
                               until SIGTERM, so
                               that list's mappers pass and lsof have
                               mappings to find (15 minutes at most)
  objects.py remove PREFIX     removes every /dev/shm/PREFIX* object
"""
import mmap
import os
import random
import signal
import sys

SHM = "/dev/shm"


def create(prefix, n):
    rnd = random.Random(6)
    for i in range(n):
        path = "%s/%s%05d" % (SHM, prefix, i)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, 4096)
        finally:
            os.close(fd)
        t = 1_700_000_000 + rnd.randrange(0, 10_000_000)
        os.utime(path, (t, t))


def hold(prefix, n):
    maps = []
    for i in range(n):
        fd = os.open("%s/%s%05d" % (SHM, prefix, i), os.O_RDWR)
        maps.append(mmap.mmap(fd, 4096, mmap.MAP_SHARED))
        os.close(fd)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Never outlive a bench run that was killed: give up after 15 minutes.
    signal.alarm(900)
    print("holding", len(maps), flush=True)
    while True:
        signal.pause()


def remove(prefix):
    for name in os.listdir(SHM):
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(SHM, name))
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "create":
        create(sys.argv[2], int(sys.argv[3]))
    elif cmd == "hold":
        hold(sys.argv[2], int(sys.argv[3]))
    elif cmd == "remove":
        remove(sys.argv[2])
    else:
        sys.exit("usage: objects.py create|hold|remove PREFIX [N]")
