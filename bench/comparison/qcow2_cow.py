#!/usr/bin/python3
"""qcow2's side of the copy-on-write comparison (bench/compare).

Replays cow_bench's workload (--print_workload) with qemu-io on a qcow2
image with internal snapshots, phase for phase as BM_Cow and BM_CowMany do:
the same sizes, offsets, order, byte patterns and queue depth (qemu-io's
synchronous `write`: one request in flight, like the engine's synchronous
Volume::Write), each phase ending with `flush`. The image is dropped from
the page cache before each phase.

Each phase is one qemu-io process reading a command script that begins and
ends with `sigraise 19` (SIGSTOP): the clock runs from the first stop to
the second, so the process's start-up (exec, image open) and exit are not
in the phase's time, as engine open is not in cow_bench's. The start-up is
recorded as its own series (time to the first stop).

Series: qcow2/<cluster>/<cache>/<phase> in seconds, phases as cow_bench's.
"""

import argparse
import os
import signal
import subprocess
import tempfile
import time

from timing import Results, drop_cache, run

SEQ_WRITE = 1 << 20


def read_workload(cow_bench, which, flags):
    out = subprocess.run([cow_bench, "--print_workload=" + which] + flags,
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    volume, seq, rand = 0, [], []
    for line in out.splitlines():
        kind, *nums = line.split()
        if kind == "volume":
            volume = int(nums[0])
        elif kind == "seq":
            seq.append((int(nums[0]), int(nums[1])))
        elif kind == "rand":
            rand.append((int(nums[0]), int(nums[1])))
    return volume, seq, rand


class Qcow2:
    """One qcow2 image driven by qemu-io and qemu-img."""

    def __init__(self, path, cluster, cache, scripts):
        self.path, self.cluster, self.cache = path, cluster, cache
        self.scripts = scripts
        self.snapshots = 0

    def create(self, size):
        if os.path.exists(self.path):
            os.unlink(self.path)
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-o",
             "cluster_size=%d" % self.cluster, self.path, str(size)])
        self.snapshots = 0

    def io(self, script):
        """Runs a marked script; returns (start-up, phase) seconds."""
        drop_cache(self.path)
        return run_marked(["qemu-io", "-f", "qcow2", "-t", self.cache,
                           self.path], script)

    def snapshot(self):
        self.snapshots += 1
        run(["qemu-img", "snapshot", "-c", "s%d" % self.snapshots, self.path])


def run_marked(args, script):
    """Runs qemu-io on `script`, timing the part between its two SIGSTOPs.

    Returns (seconds to the first stop, seconds between the stops). Raises
    RuntimeError on a non-zero exit or an error in qemu-io's output.
    """
    with open(script, "rb") as stdin, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdin=stdin, stdout=out,
                                stderr=subprocess.STDOUT)
        marks = []
        status = 0
        while True:
            _, status = os.waitpid(proc.pid, os.WUNTRACED)
            if not os.WIFSTOPPED(status):
                break
            marks.append(time.perf_counter())
            os.kill(proc.pid, signal.SIGCONT)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    if proc.returncode != 0 or len(marks) != 2:
        raise RuntimeError("%s < %s: exit %d, %d marks: %s" % (
            " ".join(args), script, proc.returncode, len(marks), output[-2000:]))
    problem = qemu_io_error(output)
    if problem:
        raise RuntimeError("%s < %s: %s" % (" ".join(args), script, problem))
    return marks[0] - start, marks[1] - marks[0]


def qemu_io_error(output):
    for line in output.splitlines():
        if "failed" in line or "error" in line.lower():
            return line.strip()
    return None


class Scripts:
    """qemu-io command scripts, written once per (ops, pattern)."""

    def __init__(self, directory):
        self.dir = directory
        self.cache = {}

    def write(self, name, ops, pattern):
        key = (name, pattern)
        if key not in self.cache:
            path = os.path.join(self.dir, "%s-%02x.qemu-io" % (name, pattern))
            with open(path, "w") as f:
                f.write("sigraise %d\n" % signal.SIGSTOP)
                for off, length in ops:
                    f.write("write -q -P 0x%02x %d %d\n" % (pattern, off, length))
                f.write("flush\nsigraise %d\n" % signal.SIGSTOP)
            self.cache[key] = path
        return self.cache[key]


def whole(volume):
    return [(off, SEQ_WRITE) for off in range(0, volume, SEQ_WRITE)]


def run_main(img, workload, results, prefix, scripts):
    volume, seq, rand = workload
    img.create(volume)
    img.io(scripts.write("main-fill", whole(volume), 0x11))

    def phase(name, ops_name, ops, pattern):
        startup, seconds = img.io(scripts.write(ops_name, ops, pattern))
        results.add(prefix + name, seconds)
        results.add(prefix + "startup", startup)

    phase("seq_nosnap", "main-seq", seq, 0x22)
    phase("rand_nosnap", "main-rand", rand, 0x23)
    img.snapshot()
    phase("seq_first", "main-seq", seq, 0x33)
    phase("rand_first", "main-rand", rand, 0x34)
    phase("seq_rewrite", "main-seq", seq, 0x44)
    phase("rand_rewrite", "main-rand", rand, 0x45)


def run_many(img, workload, results, prefix, scripts, snapshots):
    volume, seq, rand = workload
    img.create(volume)
    img.io(scripts.write("many-fill", whole(volume), 0x11))
    img.snapshot()

    def phase(name, ops_name, ops, pattern):
        results.add(prefix + name, img.io(scripts.write(ops_name, ops, pattern))[1])

    phase("seq_first1", "many-seq", seq, 0x33)
    phase("rand_first1", "many-rand", rand, 0x34)
    for k in range(2, snapshots + 1):
        img.io(scripts.write("many-fill", whole(volume), 0x40 + k % 0x80))
        img.snapshot()
    phase("seq_first_many", "many-seq", seq, 0x35)
    phase("rand_first_many", "many-rand", rand, 0x36)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cow-bench", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--snapshots", type=int, default=64)
    p.add_argument("--clusters", default="16384,65536")
    p.add_argument("--caches", default="writeback,none")
    p.add_argument("--many-clusters", default="16384,65536",
                   help="cluster sizes that also run the 1-vs-64 test")
    # Anything else is one of cow_bench's workload flags (--volume_mib=...).
    a, workload_flags = p.parse_known_args()
    workload_flags.append("--snapshots=%d" % a.snapshots)

    scripts = Scripts(a.scratch)
    main_wl = read_workload(a.cow_bench, "main", workload_flags)
    many_wl = read_workload(a.cow_bench, "many", workload_flags)
    results = Results("qcow2_cow")
    results.note("qemu_img", subprocess.run(
        ["qemu-img", "--version"], stdout=subprocess.PIPE).stdout.decode()
        .splitlines()[0])
    many_clusters = {int(c) for c in a.many_clusters.split(",") if c}
    for cluster in [int(c) for c in a.clusters.split(",")]:
        for cache in a.caches.split(","):
            prefix = "qcow2/c%dk/%s/" % (cluster // 1024, cache)
            for _ in range(a.runs):
                img = Qcow2(os.path.join(a.scratch, "main.qcow2"), cluster, cache,
                            scripts)
                run_main(img, main_wl, results, prefix, scripts)
                os.unlink(img.path)
                if cluster in many_clusters:
                    img = Qcow2(os.path.join(a.scratch, "many.qcow2"), cluster,
                                cache, scripts)
                    run_many(img, many_wl, results, prefix, scripts, a.snapshots)
                    os.unlink(img.path)
    results.save(a.out)


if __name__ == "__main__":
    main()
