#!/usr/bin/env bash
# blame --pages: page-level attribution from soft-dirty bits. Two
# blame_writer processes write counters on different pages of one 16 KiB
# segment (pages 1 and 3), a third only reads page 2, and a fourth maps
# the segment only after 1.5 s and writes page 0: each writer is
# attributed exactly its own page (the late one too, and never the whole
# mapping its new mapping would otherwise show), the reader is never
# listed; text lines have the documented shape; --count stops after N
# lines; options that name bytes are refused. A kernel without soft-dirty
# bits (CONFIG_MEM_SOFT_DIRTY unset) gives one line naming the option in
# text and JSON, and the attribution checks are skipped saying why.
# shellcheck source=../lib/common.sh
source "$SPY_TESTLIB"
S=$SPY_SAMPLES

N=$(t_name pages)
shm_make "$N" 16384 || { t_fail "segment created"; t_done; exit; }

t_run "$SHMSPY" blame "$N" 8 --pages
t_expect_error 2 "OFFSET does not apply" "--pages with an OFFSET is a usage error"
t_run "$SHMSPY" blame "$N" --pages --len 8
t_expect_error 2 "--len does not apply" "--pages with --len is a usage error"

t_run "$SHMSPY" blame "$N" --pages --for 1
if [ "$T_RC" -ne 0 ] && printf '%s' "$T_ERR" | grep -q CONFIG_MEM_SOFT_DIRTY; then
  t_expect_error 1 "keeps no soft-dirty bits \(built without CONFIG_MEM_SOFT_DIRTY\)" \
    "a kernel without soft-dirty bits is said in one line"
  t_run "$SHMSPY" blame "$N" --pages --for 1 --json
  t_expect_json "the refusal in JSON"
  t_expect_match "$T_OUT" '"reason": "not supported"' "the JSON refusal says not supported"
  echo "skip - attribution: this kernel keeps no soft-dirty bits (CONFIG_MEM_SOFT_DIRTY is not set)"
  t_done
  exit
fi
t_expect_rc 0 "blame --pages with no writer runs"

# The writers run in the background of this shell (ended on exit).
W=("$S/blame_writer" "$N" --hz 200)
"${W[@]}" --offset 4096 >"$T_TMP/a.out" 2>&1 &
A=$!
"${W[@]}" --offset 12288 >"$T_TMP/b.out" 2>&1 &
B=$!
"${W[@]}" --offset 8192 --read >"$T_TMP/r.out" 2>&1 &
R=$!
t_wait_for "grep -q mapped '$T_TMP/a.out' && grep -q mapped '$T_TMP/b.out' && grep -q mapped '$T_TMP/r.out'" 100 ||
  t_fail "writers started"
"${W[@]}" --offset 0 --delay-map 1.5 >"$T_TMP/l.out" 2>&1 &
L=$!

t_run "$SHMSPY" blame "$N" --pages --for 4 --json
t_expect_rc 0 "blame --pages --json ran 4 s"
printf '%s\n' "$T_OUT" >"$T_TMP/pages.json"
RES=$(python3 - "$T_TMP/pages.json" "$A" "$B" "$R" "$L" <<'EOF'
import json, sys
path, a, b, r, l = sys.argv[1], *map(int, sys.argv[2:])
want = {a: {1}, b: {3}, l: {0}}
seen, bad, summary = {}, [], None
for line in open(path):
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    if "summary" in o:
        summary = o["summary"]
        continue
    pid, pages = o["pid"], set(o["pages"])
    seen.setdefault(pid, set()).update(pages)
    if pid == r:
        bad.append("reader listed: %s" % line)
    elif pid in want and pages != want[pid]:
        bad.append("pid %d pages %s, expected %s" % (pid, sorted(pages), sorted(want[pid])))
for pid in want:
    if pid not in seen:
        bad.append("pid %d never listed" % pid)
if summary is None or summary["page_size"] <= 0:
    bad.append("no summary")
print("; ".join(bad) if bad else "ok")
EOF
)
t_expect_eq "$RES" "ok" "each writer is attributed its own page, the late one too; the reader never"

t_run "$SHMSPY" blame "$N" --pages --for 2
t_expect_rc 0 "blame --pages (text) ran"
t_expect_match "$T_OUT" "^\+[0-9]+\.[0-9]{3}  pid $A \(blame_writer\)  pages 1 \(offsets 0x1000-0x1fff\)$" \
  "a text line: time, pid, command, pages and offsets"
t_expect_nomatch "$T_OUT" "pid $R " "the reader is not in the text output"
t_expect_match "$T_OUT" "^summary of " "a summary on exit"

t_run "$SHMSPY" blame "$N" --pages --count 1 --json
t_expect_rc 0 "--count 1 ends"
t_expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '"interval":')" "1" "--count 1 shows one line"
t_done
