#!/usr/bin/python3
"""Writes bench/RESULTS.md from the result files of one bench/compare run,
or checks that such a report is well-formed.

  report.py --results DIR --build-dir DIR --out FILE
  report.py --check FILE

Every figure is the median of the run's repetitions with min and max;
every ratio divides two medians measured in this run. The goals, their
verdicts and the explanation of every missed goal are computed here from
the figures (goals.py).
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys

from goals import evaluate_goals, explain_missed
from tables import Figures, md_table

SECTIONS = ["## Environment", "## How it was measured", "## Goals",
            "## Machine limits", "## Copy-on-write cost", "## Snapshot creation",
            "## Read-out", "## Hot database backup", "## Missed goals: why"]


def sh(*args):
    try:
        return subprocess.run(args, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).stdout.decode().strip()
    except OSError:
        return "not installed"


def environment(build_dir, params):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    hyper = ""
    for line in sh("lscpu").splitlines():
        if line.startswith("Hypervisor vendor"):
            hyper = ", virtual machine (%s)" % line.split(":", 1)[1].strip()
    fs = sh("findmnt", "-n", "-T", params["scratch_root"], "-o",
            "SOURCE,FSTYPE,OPTIONS")
    cache = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                m = re.match(r"(CMAKE_CXX_COMPILER|CMAKE_BUILD_TYPE):\w+=(.*)", line)
                if m:
                    cache[m.group(1)] = m.group(2).strip()
    except OSError:
        pass
    compiler = sh(cache.get("CMAKE_CXX_COMPILER", "c++"), "--version").splitlines()[0]
    commit = params.get("commit", "unknown")

    def deb(pkg):
        v = sh("dpkg-query", "-W", "-f=${Version}", pkg)
        return v if v and "no packages" not in v else "not installed"

    rows = [
        ("CPU", "%s, %d cores%s" % (cpu, os.cpu_count(), hyper)),
        ("Memory", "%.1f GiB" % (mem_kib / 1048576)),
        ("Kernel", platform.platform()),
        ("Filesystem of %s" % params["scratch_root"], fs or "unknown"),
        ("Load average (1/5/15 min)", "%s before, %s after the run" % (
            params["load_before"], params["load_after"])),
        ("shadowset", "commit %s, %s build, %s" % (
            commit, cache.get("CMAKE_BUILD_TYPE", "?"), compiler)),
        ("qemu-img / qemu-io", sh("qemu-img", "--version").splitlines()[0]),
        ("LMDB", "%s (mdb_copy), liblmdb %s" % (
            sh("mdb_copy", "-V"), deb("liblmdb0"))),
        ("Libraries", "xxhash %s, OpenSSL %s, Google Benchmark %s" % (
            deb("libxxhash0"), deb("libssl3"), deb("libbenchmark-dev"))),
        ("Python (harness)", platform.python_version()),
    ]
    return md_table(["", ""], rows)


def method(p, f):
    n_seq = p["cow_volume_mib"] // 2
    many = p["cow_snapshots"]
    lines = [
        "* Every figure is the median of %d runs, with (min-max); a ratio "
        "divides two medians from this run. Throughput figures are per "
        "wall-clock second." % p["runs"],
        "* **Cold** means every file involved was fdatasync'ed and dropped "
        "with posix_fadvise(DONTNEED) right before the timed part. The disk "
        "is virtual: a \"cold\" read may still be served by the host's cache.",
        "* Copy-on-write workload (bench/comparison/workload.h), the same "
        "operations in the same order on both sides: a %d MiB volume; "
        "1 MiB sequential writes over its first %d MiB; %d random 4 KiB "
        "writes into distinct 64 KiB regions of the other half (a first "
        "write for every chunk and cluster size); every write fills its "
        "bytes with one non-zero byte, a different byte per phase. Queue "
        "depth 1 on both sides (the engine's synchronous Volume::Write; "
        "qemu-io's synchronous `write`). Each phase ends with a flush that "
        "makes every write durable, and old data is cold." % (
            p["cow_volume_mib"], n_seq, f.n_rand),
        "* Pairs: shadowset buffered vs qcow2 `cache=writeback`; shadowset "
        "direct (EngineOptions::direct_io, O_DIRECT) vs qcow2 `cache=none` "
        "(O_DIRECT); each with a final flush. Chunk sizes: shadowset 16 KiB "
        "(default) and 4 KiB; qcow2 clusters 16 KiB and 64 KiB (default).",
        "* shadowset is timed in-process (Google Benchmark, "
        "bench/comparison/cow_bench.cc), from the first write to the end of "
        "the flush. qcow2 is timed inside one qemu-io process per phase: the "
        "command script starts and ends with `sigraise 19` (SIGSTOP) and the "
        "clock runs between the two stops, so qemu-io's start-up (%s, "
        "reported, not included) is excluded as engine open is on the other "
        "side." % f.text("qcow2_cow", "startup_all", "ms"),
        "* \"%d snapshots vs 1\": a %d MiB working-set volume (half "
        "sequential, %d random writes) is overwritten wholly before each of "
        "the %d snapshots, so every snapshot holds its own old data; the cap "
        "leaves room for all of it (a cap deletion fails the run)." % (
            many, p["cow_working_set_mib"], f.n_rand_ws, many),
        "* Whole-process comparisons (snapshot creation, read-out, database "
        "backup) time fork to exit of each command from Python; the cost of "
        "spawning `/bin/true` the same way is reported.",
    ]
    return "\n".join(lines)


def build(results_dir, build_dir):
    f = Figures(results_dir)
    p = f.params
    goals = evaluate_goals(f)
    out = []
    out.append("# shadowset beside qcow2 snapshots and LMDB hot copy\n")
    shared = ("This machine is **shared**: other people were compiling "
              "while it ran (load average %s before, %s after, on %d "
              "cores). Absolute figures are noisier than on an idle "
              "machine; every ratio pairs figures taken in this same run." % (
                  p["load_before"], p["load_after"], os.cpu_count()))
    out.append("Taken %s by `bench/compare%s` in %d s. %s\n" % (
        p["date"],
        " --quick" if p["mode"] == "quick" else "", p["elapsed_s"], shared))
    if p["mode"] == "quick":
        out.append("**Smoke run (--quick): tiny sizes; the figures only show "
                   "that every part runs.**\n")
    out.append("## Environment\n")
    out.append(environment(build_dir, p) + "\n")
    out.append("## How it was measured\n")
    out.append(method(p, f) + "\n")
    out.append("## Goals\n")
    out.append(goals.table() + "\n")
    out.append("## Machine limits\n")
    out.append(f.machine_table() + "\n")
    out.append("## Copy-on-write cost\n")
    out.append(f.cow_section() + "\n")
    out.append("## Snapshot creation\n")
    out.append(f.snapshot_section() + "\n")
    out.append("## Read-out\n")
    out.append(f.readout_section() + "\n")
    out.append("## Hot database backup\n")
    out.append(f.dbbackup_section() + "\n")
    out.append("## Missed goals: why\n")
    out.append(explain_missed(f, goals) + "\n")
    return "\n".join(out)


def check(path):
    """Returns a list of problems with the report at `path`."""
    with open(path) as fh:
        text = fh.read()
    problems = []
    for s in SECTIONS:
        if s not in text:
            problems.append("missing section '%s'" % s)
    if not text.startswith("# ") or "Taken " not in text:
        problems.append("missing title or date line")
    for bad in ("nan", "None", "inf ", "Traceback", "{", "}"):
        for line in text.splitlines():
            if line.startswith("|") and bad in line:
                problems.append("bad value '%s' in: %s" % (bad, line))
    goals = text.split("## Goals", 1)[-1].split("\n## ", 1)[0]
    rows = [l for l in goals.splitlines() if l.startswith("| ") and
            not l.startswith("| Goal") and not l.startswith("| ---")]
    if not rows:
        problems.append("the goals table is empty")
    for row in rows:
        if not any(v in row for v in ("met", "missed", "pending", "no goal")):
            problems.append("goal without a verdict: " + row)
    figures = re.findall(r"\d[\d.,]* \(\d[\d.,]*[-–]\d[\d.,]*\)", text)
    if len(figures) < 20:
        problems.append("only %d 'median (min-max)' figures" % len(figures))
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--results")
    p.add_argument("--build-dir", default="")
    p.add_argument("--out")
    p.add_argument("--check")
    a = p.parse_args()
    if a.check:
        problems = check(a.check)
        for problem in problems:
            print("report: %s: %s" % (a.check, problem), file=sys.stderr)
        sys.exit(1 if problems else 0)
    text = build(a.results, a.build_dir)
    with open(a.out + ".tmp", "w") as fh:
        fh.write(text)
    os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()
