#!/usr/bin/env python3
"""bench/shared_agree.py - does `shmspy list --kind all` agree with lsfd on
the processes bench_shared started? For scripts/bench's "shared" section.

  shared_agree.py PREFIX PIDS LIST_JSON LSFD_SHM_JSON LSFD_MEMFD_JSON PAIRS

PREFIX: the prefix of bench_shared's /dev/shm objects.
PIDS: bench_shared's output (its processes' pids, one a line).
LIST_JSON: `shmspy list --kind all --json`.
LSFD_SHM_JSON: `lsfd -J -o PID,ASSOC,MAJ:MIN,INODE,NAME -Q '(ASSOC == "shm")'`.
LSFD_MEMFD_JSON: the same with -Q '(NAME =~ "^/memfd:")' (descriptors).
PAIRS: `bench_list pairs`: every use of every object shmspy's one /proc
pass found ("KIND MAJ:MIN INO PID FD PATH", FD -1 for a mapping), the
pass the list rows are made from.

For the bench's processes, checks that
- the (object, pid) mappings of that pass equal lsfd's for every object
  lsfd shows (util-linux 2.38 shows no memfd or anonymous shared mapping:
  it stats the path maps prints, which fails for them), and equal the 's'
  lines of /proc/PID/maps read here for every object;
- its memfd descriptors (object, pid, fd) equal lsfd's;
- the list's rows are those objects: memfd:NAME, /NAME, pid:LOWEST@...
  with the kind, and the number of mapping and holding processes.
Prints "agree: yes (N objects, M mappings)" and what lsfd covered, or
the differences (exit status 1).
"""
import json
import os
import sys


def dev_of(text):
    maj, mn = text.split(":")
    return (int(maj, 16), int(mn, 16))


def main():
    prefix, pids_f, list_f, shm_f, memfd_f, pairs_f = sys.argv[1:7]
    pids = {int(x) for x in open(pids_f).read().split() if x.isdigit()}
    bad = []

    # shmspy's pass.
    kind, path = {}, {}
    e_map, e_hold = set(), set()
    for line in open(pairs_f):
        k, dev, ino, pid, fd, p = line.rstrip("\n").split(" ", 5)
        pid, fd = int(pid), int(fd)
        if pid not in pids:
            continue
        maj, mn = dev.split(":")
        obj = ((int(maj), int(mn)), int(ino))
        kind[obj], path[obj] = k, p
        (e_map if fd < 0 else e_hold).add((obj, pid) if fd < 0 else (obj, pid, fd))

    # /proc/PID/maps, read here.
    m_map = set()
    for pid in pids:
        try:
            lines = open("/proc/%d/maps" % pid).read().splitlines()
        except OSError as e:
            bad.append("pid %d: maps: %s" % (pid, e))
            continue
        for ln in lines:
            f = ln.split(None, 5)
            if len(f) >= 5 and f[1].endswith("s") and f[4] != "0":
                m_map.add(((dev_of(f[3]), int(f[4])), pid))
    if m_map != e_map:
        bad.append("/proc/PID/maps: %d mappings shmspy missed, %d it added: %s %s"
                   % (len(m_map - e_map), len(e_map - m_map),
                      sorted(m_map - e_map)[:3], sorted(e_map - m_map)[:3]))

    # lsfd.
    def lsfd_rows(f):
        rows = json.load(open(f)).get("lsfd", [])
        return [r for r in rows if int(r["pid"]) in pids]

    l_map = set()
    for r in lsfd_rows(shm_f):
        maj, mn = r["maj:min"].split(":")
        l_map.add((((int(maj), int(mn)), int(r["inode"])), int(r["pid"])))
    l_objs = {o for o, _ in l_map}
    e_seen = {(o, p) for o, p in e_map if o in l_objs}
    if l_map != e_seen:
        bad.append("lsfd shm: %d mappings shmspy missed, %d it added: %s %s"
                   % (len(l_map - e_seen), len(e_seen - l_map),
                      sorted(l_map - e_seen)[:3], sorted(e_seen - l_map)[:3]))
    unseen = {kind[o] for o, _ in e_map if o not in l_objs}
    l_hold = set()
    for r in lsfd_rows(memfd_f):
        if not str(r["assoc"]).isdigit():
            continue
        maj, mn = r["maj:min"].split(":")
        l_hold.add((((int(maj), int(mn)), int(r["inode"])), int(r["pid"]),
                    int(r["assoc"])))
    e_mholds = {h for h in e_hold if kind[h[0]] == "memfd"}
    if l_hold != e_mholds:
        bad.append("lsfd memfd descriptors: %d shmspy missed, %d it added"
                   % (len(l_hold - e_mholds), len(e_mholds - l_hold)))

    # The list's rows.
    objs = {o for o, _ in e_map} | {h[0] for h in e_hold}
    want = []
    for o in objs:
        mappers = {p for q, p in e_map if q == o}
        holders = {h[1] for h in e_hold if h[0] == o}
        k = kind[o]
        if k == "memfd":
            name = "memfd:" + path[o][len("/memfd:"):]
        elif k in ("posix", "sem"):
            name = path[o][len("/dev/shm"):]
        else:
            name = "pid:%d@" % min(mappers)
        want.append((name, k, len(mappers), len(holders)))
    got = []
    for r in json.load(open(list_f))["segments"]:
        n = r["name"]
        who = None
        if n.startswith("memfd:shmspy-bench-"):
            who = n.split("-")[2]
        elif n.startswith("pid:"):
            who = n[4:].split("@")[0]
        ours = n.startswith("/" + prefix) or \
            (who is not None and who.isdigit() and int(who) in pids)
        if ours:
            if n.startswith("pid:"):
                n = n[: n.index("@") + 1]
            got.append((n, r["kind"], r["nattch_min"], r["holders_min"]))
    if sorted(got) != sorted(want):
        g, w = set(got), set(want)
        bad.append("list rows: %d missing, %d extra: %s %s"
                   % (len(w - g), len(g - w), sorted(w - g)[:3], sorted(g - w)[:3]))

    if bad:
        for b in bad:
            print("agree: NO: " + b)
        return 1
    lk = sorted(kind[o] for o in l_objs)
    print("agree: yes (%d objects, %d mappings)" % (len(objs), len(e_map)))
    print("  lsfd shows %d of the objects (%s) with their %d mappings, and the %d memfd descriptors;"
          % (len(l_objs), ", ".join(sorted(set(lk))) or "none", len(l_map), len(l_hold)))
    if unseen:
        print("  not the %s mappings (util-linux %s): those were compared with /proc/PID/maps"
              % (" and ".join(sorted(unseen)), os.environ.get("LSFD_VERSION", "?")))
    print("  list rows: %d (names, kinds, mapper and holder counts)" % len(got))
    return 0


sys.exit(main())
