#!/usr/bin/python3
"""Read-out of a snapshot to a raw image, cold, as whole processes
(bench/compare).

The same volume on both sides: `--volume-mib` filled with one byte, a
snapshot, then `--changed-pct` percent of its 64 KiB regions (picked at
random, seeded) overwritten with another byte, so that fraction of the
snapshot's data lives in the diff area (shadowset, 16 KiB chunks) or in
clusters the snapshot no longer shares (qcow2, 64 KiB clusters). Then:

  shadowset snapshot export SET v --out FILE   (buffered, fsync at the end)
  qemu-img convert -f qcow2 -O raw -t writeback -l snapshot.name=s1 IMG FILE
                                               (flushed when it closes)
  dd if=RAW of=FILE bs=4M conv=fdatasync       raw copy: same bytes read
                                               and written durably
  dd if=RAW of=/dev/null bs=4M                 raw sequential read
  shadowset backup create --to DIR --volumes v  a full backup set of the
                                               same volume
  shadowset volume list                        the cost of a shadowset
                                               process around its work

`backup create` takes its own snapshot when it starts and nothing writes
the volume while it runs, so it copies the live volume (the state with the
changed regions) and none of its snapshot's blocks come from the diff area;
its output is a backup set (volume image, per-block xxh3 sums, manifest,
token; every file fdatasync'ed, the directories fsynced). Each of its runs
is a full backup; the chain keeps the newest set and releases the previous
run's (the export's set, taken by other means, is never touched). One
untimed backup runs first: its commit makes the engine prepare a spare
diff-area segment, a new zero-filled file; the timed runs find it made.

Before every run every input file is dropped from the page cache (cold) and
the output is removed. The first run checks that both read-outs produced
the snapshot's exact bytes, and that the backup's image holds the live
volume's exact bytes and verifies (`backup verify`).

Series: readout/<what>, seconds per process; readout/read_mib/<what>, MiB
the process read from the disk (timing.run_read); readout/backup/<step>,
the seconds `backup create` reports for its steps (snapshot, copy,
publish, total)."""

import argparse
import filecmp
import json
import os
import random
import shutil

from timing import Results, drop_cache, run, run_read

MIB = 1 << 20
REGION = 64 << 10


def check_backup(ss, backup_dir, size, changed):
    """Checks the backup set in `backup_dir`: it verifies, and its image's
    payload (docs/backup-format.md: data blocks from offset 4096; no holes
    here, every byte is non-zero) is the live volume: 0x22 in the changed
    regions, 0x11 elsewhere."""
    run(ss + ["backup", "verify", backup_dir])
    image = os.path.join(backup_dir, "volumes", "v.img")
    with open(image, "rb") as f:
        f.seek(4096)
        for region in range(size // REGION):
            want = (b"\x22" if region in changed else b"\x11") * REGION
            if f.read(REGION) != want:
                raise SystemExit("readout: the backup's image differs from "
                                 "the live volume in region %d" % region)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shadowset", required=True)
    p.add_argument("--apply-writes", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--volume-mib", type=int, default=256)
    p.add_argument("--changed-pct", type=int, default=20)
    p.add_argument("--seed", type=int, default=5)
    a = p.parse_args()

    size = a.volume_mib * MIB
    regions = size // REGION
    rng = random.Random(a.seed)
    changed = sorted(rng.sample(range(regions), regions * a.changed_pct // 100))
    fill_ops = os.path.join(a.scratch, "readout-fill.ops")
    change_ops = os.path.join(a.scratch, "readout-change.ops")
    with open(fill_ops, "w") as f:
        f.writelines("%d %d\n" % (off, MIB) for off in range(0, size, MIB))
    with open(change_ops, "w") as f:
        f.writelines("%d %d\n" % (r * REGION, REGION) for r in changed)

    data = os.path.join(a.scratch, "readout-data")
    shutil.rmtree(data, ignore_errors=True)
    ss = [a.shadowset, "--data", data]
    cap_mib = max(1024, 2 * a.volume_mib)
    run(ss + ["init", "--block-size", "16K", "--diff-area-max",
              "%dM" % cap_mib])
    run(ss + ["volume", "create", "v", "--size", str(size)])
    run([a.apply_writes, data, "v", "0x11"], stdin_path=fill_ops)
    set_id = json.loads(
        run(ss + ["--json", "snapshot", "create", "v"])[1])["set_id"]
    run([a.apply_writes, data, "v", "0x22"], stdin_path=change_ops)

    img = os.path.join(a.scratch, "readout.qcow2")
    if os.path.exists(img):
        os.unlink(img)
    run(["qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=65536",
         img, str(size)])
    for ops, pattern, name in ((fill_ops, 0x11, "fill"), (change_ops, 0x22, "change")):
        script = os.path.join(a.scratch, "readout-%s.qemu-io" % name)
        with open(ops) as src, open(script, "w") as f:
            for line in src:
                off, length = line.split()
                f.write("write -q -P 0x%02x %s %s\n" % (pattern, off, length))
            f.write("flush\n")
        run(["qemu-io", "-f", "qcow2", "-t", "writeback", img], stdin_path=script)
        if name == "fill":
            run(["qemu-img", "snapshot", "-c", "s1", img])

    raw = os.path.join(a.scratch, "readout.raw")
    with open(raw, "wb") as f:
        block = b"\x11" * MIB
        for _ in range(a.volume_mib):
            f.write(block)
    out = os.path.join(a.scratch, "readout.out")
    backups = os.path.join(a.scratch, "readout-backups")
    commands = {
        "export": ss + ["snapshot", "export", set_id, "v", "--out", out],
        "qemu_convert": ["qemu-img", "convert", "-f", "qcow2", "-O", "raw",
                         "-t", "writeback", "-l", "snapshot.name=s1", img, out],
        "raw_copy": ["dd", "if=" + raw, "of=" + out, "bs=4M", "conv=fdatasync",
                     "status=none"],
        "raw_read": ["dd", "if=" + raw, "of=/dev/null", "bs=4M", "status=none"],
        "backup_create": ss + ["--json", "backup", "create", "--to", backups,
                               "--volumes", "v"],
        # What a one-shot command pays around its work: spawn, engine open
        # (cold), close.
        "open_close": ss + ["volume", "list"],
    }
    results = Results("readout")
    results.note("volume_mib", a.volume_mib)
    results.note("changed_pct", a.changed_pct)
    results.note("changed_regions", len(changed))
    # Steady state: the first backup's commit has the engine prepare a spare
    # diff-area segment (a new, zero-filled file); later ones reuse it.
    run(commands["backup_create"])
    shutil.rmtree(backups)
    diff = os.path.join(data, "diff")
    segments = [os.path.getsize(os.path.join(diff, name))
                for name in os.listdir(diff) if name.startswith("seg-")]
    results.note("diff_area_max_mib", cap_mib)
    results.note("segment_bytes", max(segments))
    results.note("segments", len(segments))
    for i in range(a.runs):
        for name, cmd in commands.items():
            if os.path.exists(out):
                os.unlink(out)
            shutil.rmtree(backups, ignore_errors=True)
            drop_cache(data, img, raw)
            seconds, stdout, mib = run_read(cmd)
            results.add("readout/" + name, seconds)
            results.add("readout/read_mib/" + name, mib, unit="MiB")
            if name == "backup_create":
                backup = json.loads(stdout)
                for step in ("snapshot", "copy", "publish", "total"):
                    results.add("readout/backup/" + step,
                                backup["timings_ms"][step] / 1000)
                if i == 0:
                    results.note("backup_bytes_read", backup["bytes_read"])
                    results.note("backup_bytes_written", backup["bytes_written"])
                    check_backup(ss, backup["dir"], size, set(changed))
            elif i == 0 and name in ("export", "qemu_convert") and \
                    not filecmp.cmp(out, raw, shallow=False):
                raise SystemExit("readout: %s did not produce the snapshot's "
                                 "bytes" % name)
    if os.path.exists(out):
        os.unlink(out)
    os.unlink(raw)
    os.unlink(img)
    shutil.rmtree(data)
    shutil.rmtree(backups, ignore_errors=True)
    results.save(a.out)


if __name__ == "__main__":
    main()
