#!/usr/bin/python3
"""Snapshot creation as whole processes (bench/compare).

`shadowset snapshot create v` against `qemu-img snapshot -c NAME image`:
both are one process that opens the store, commits one snapshot durably
and exits. For each volume size both sides hold the same allocated data:
`--pieces` writes of `--piece-mib` spread evenly over the volume, filled
with the same non-zero byte; the shadowset volume uses 16 KiB chunks, the
qcow2 image 64 KiB clusters (the defaults). Files are warm (no cache
dropping): the cost measured is the commit's, not the reading of metadata
from disk. Each run adds one snapshot on each side.

Series: snapcreate/<side>/<size>, seconds per process; also the cost of
spawning a process that does nothing (/bin/true) in the same way.
"""

import argparse
import json
import os
import shutil

from timing import Results, run


def layout(size, pieces, piece):
    step = size // pieces
    return [(i * step, piece) for i in range(pieces)]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shadowset", required=True)
    p.add_argument("--apply-writes", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--sizes-mib", default="1024,65536")
    p.add_argument("--pieces", type=int, default=16)
    p.add_argument("--piece-mib", type=int, default=4)
    a = p.parse_args()

    results = Results("snapcreate")
    results.note("allocated_mib", a.pieces * a.piece_mib)
    results.note("pieces", a.pieces)
    results.note("sizes_mib", [int(s) for s in a.sizes_mib.split(",")])
    for _ in range(a.runs):
        results.add("snapcreate/true", run(["/bin/true"])[0])
    for size_mib in [int(s) for s in a.sizes_mib.split(",")]:
        size = size_mib << 20
        ops = layout(size, a.pieces, a.piece_mib << 20)
        ops_path = os.path.join(a.scratch, "snapcreate.ops")
        with open(ops_path, "w") as f:
            f.writelines("%d %d\n" % op for op in ops)
        data = os.path.join(a.scratch, "snapcreate-data")
        shutil.rmtree(data, ignore_errors=True)
        ss = [a.shadowset, "--data", data]
        run(ss + ["init", "--block-size", "16K", "--diff-area-max", "1G"])
        run(ss + ["volume", "create", "v", "--size", str(size)])
        run([a.apply_writes, data, "v", "0x5a"], stdin_path=ops_path)

        img = os.path.join(a.scratch, "snapcreate.qcow2")
        if os.path.exists(img):
            os.unlink(img)
        run(["qemu-img", "create", "-q", "-f", "qcow2", "-o",
             "cluster_size=65536", img, str(size)])
        script = os.path.join(a.scratch, "snapcreate.qemu-io")
        with open(script, "w") as f:
            f.writelines("write -q -P 0x5a %d %d\n" % op for op in ops)
            f.write("flush\n")
        run(["qemu-io", "-f", "qcow2", "-t", "writeback", img],
            stdin_path=script)

        key = "%dm" % size_mib
        for i in range(a.runs):
            seconds, out = run(ss + ["--json", "snapshot", "create", "v"])
            json.loads(out)  # the command reported a set
            results.add("snapcreate/shadowset/" + key, seconds)
            seconds, _ = run(["qemu-img", "snapshot", "-c", "s%d" % i, img])
            results.add("snapcreate/qcow2/" + key, seconds)
        shutil.rmtree(data)
        os.unlink(img)
    results.save(a.out)


if __name__ == "__main__":
    main()
