#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
"""Check a --trace file against Chrome's Trace Event Format (JSON Object
Format): a traceEvents array of events with a known phase, each with name,
pid, tid and (but metadata) a numeric ts; complete events with a dur; every
flow start (s) ended (f, same id) once, not before it started; every slice
(B) ended (E) on its own track; timestamps never going back on a track.
Prints what is wrong and exits 1; then the counts asked for with
--expect-flows N / --expect-sends N."""
import argparse
import json
import sys

PHASES = {"B", "E", "X", "i", "s", "f", "M"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--expect-flows", type=int)
    ap.add_argument("--expect-tracks", type=int)
    a = ap.parse_args()
    doc = json.load(open(a.file))
    errs = []
    evs = doc.get("traceEvents")
    if not isinstance(evs, list) or not evs:
        print("no traceEvents array")
        return 1
    last_ts, depth, starts, ends = {}, {}, {}, {}
    named = set()
    for n, e in enumerate(evs):
        ph = e.get("ph")
        if ph not in PHASES:
            errs.append(f"event {n}: phase {ph!r}")
            continue
        if not isinstance(e.get("name"), str) or not isinstance(e.get("pid"), int) \
                or not isinstance(e.get("tid"), int):
            errs.append(f"event {n}: name/pid/tid missing")
            continue
        track = (e["pid"], e["tid"])
        if ph == "M":
            if e["name"] in ("process_name", "thread_name"):
                named.add(track if e["name"] == "thread_name" else (e["pid"], None))
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)):
            errs.append(f"event {n}: ts {ts!r}")
            continue
        if ts < last_ts.get(track, ts):
            errs.append(f"event {n}: ts {ts} before {last_ts[track]} on track {track}")
        last_ts[track] = ts
        if track not in named or (e["pid"], None) not in named:
            errs.append(f"event {n}: track {track} has no name")
        if ph == "X" and not isinstance(e.get("dur"), (int, float)):
            errs.append(f"event {n}: complete event without dur")
        if ph == "B":
            depth[track] = depth.get(track, 0) + 1
        if ph == "E":
            depth[track] = depth.get(track, 0) - 1
            if depth[track] < 0:
                errs.append(f"event {n}: E without B on {track}")
        if ph in ("s", "f"):
            if "id" not in e:
                errs.append(f"event {n}: flow without id")
                continue
            d = starts if ph == "s" else ends
            if e["id"] in d:
                errs.append(f"event {n}: flow {e['id']} has two {ph}")
            d[e["id"]] = ts
    for t, d in depth.items():
        if d:
            errs.append(f"track {t}: {d} slices not ended")
    for i, ts in starts.items():
        if i not in ends:
            errs.append(f"flow {i}: started, never ended")
        elif ends[i] < ts:
            errs.append(f"flow {i}: ends before it starts")
    for i in ends:
        if i not in starts:
            errs.append(f"flow {i}: ended, never started")
    if a.expect_flows is not None and len(starts) != a.expect_flows:
        errs.append(f"{len(starts)} flows, expected {a.expect_flows}")
    if a.expect_tracks is not None and len(last_ts) != a.expect_tracks:
        errs.append(f"{len(last_ts)} tracks with events, expected {a.expect_tracks}")
    for m in errs[:20]:
        print(m)
    return 1 if errs else 0


sys.exit(main())
