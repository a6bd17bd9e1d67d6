#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
"""Wall and CPU time of every ctest test of a build directory.

    scripts/ctest-cpu.py BUILD_DIR [JOBS] [OUT] [REGEX]

ctest prints each test's wall time only, and on two cores shared by three
builds a test's wall time says more about its neighbours than about it.
This runs the tests JOBS at a time (default 2) with their environment and
working directory, takes each one's user + system time from wait4 (its
whole process tree), and prints the tests by CPU, costliest first, then
the totals (to OUT, default stdout; REGEX: only the tests whose name it
matches). Exit status 1 when a test failed (marked rc=N).
"""
import json
import os
import re
import subprocess
import sys
import time


def tests_of(build):
    d = json.loads(subprocess.check_output(["ctest", "--show-only=json-v1"], cwd=build))
    for t in d["tests"]:
        env, cwd = dict(os.environ), build
        for p in t.get("properties", []):
            if p["name"] == "ENVIRONMENT":
                env.update(kv.split("=", 1) for kv in p["value"])
            elif p["name"] == "WORKING_DIRECTORY":
                cwd = p["value"]
        yield t["name"], t["command"], env, cwd


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    out = open(sys.argv[3], "w") if len(sys.argv) > 3 and sys.argv[3] != "-" else sys.stdout
    want = re.compile(sys.argv[4] if len(sys.argv) > 4 else "")
    todo = [t for t in tests_of(build) if want.search(t[0])]
    running, done = {}, []
    while todo or running:
        while todo and len(running) < jobs:
            name, cmd, env, cwd = todo.pop(0)
            p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            running[p.pid] = (name, time.monotonic())
        pid, status, ru = os.wait4(-1, 0)
        if pid in running:
            name, t0 = running.pop(pid)
            done.append((ru.ru_utime + ru.ru_stime, time.monotonic() - t0, name,
                         os.waitstatus_to_exitcode(status)))
    print("    CPU s   wall s  test", file=out)
    for cpu, wall, name, rc in sorted(done, reverse=True):
        print("%8.1f %8.1f  %s%s" % (cpu, wall, name, "" if rc == 0 else " rc=%d" % rc), file=out)
    print("%8.1f %8.1f  total (%d tests)" % (sum(d[0] for d in done), sum(d[1] for d in done),
                                            len(done)), file=out)
    return 1 if any(d[3] for d in done) else 0


if __name__ == "__main__":
    sys.exit(main())
