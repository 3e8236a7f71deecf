#!/usr/bin/python3
"""Hot database backup (bench/compare): DhcpServerBackupDatabase of a DHCP
database of N leases against mdb_copy of an LMDB environment holding N
records of the same size, both ending durable.

A record is `--record-bytes` bytes on both sides:

  LMDB  a 4-byte big-endian key and a (record-bytes - 4)-byte value, loaded
        with mdb_load;
  DHCP  a lease stored as a record-bytes-byte lease operation (its 4-byte
        address included; the comment pads it), in a server made by
        `shadowset init` and `dhcp_db populate` (one scope, N leases, 64
        threads: the server's group commit keeps this short).

Timed, cold (every file of the source dropped from the page cache), whole
processes, the two sides interleaved run by run:

  mdb_copy SRC DST ; sync -d DST/data.mdb
      LMDB reads the environment through its memory map and writes the
      copy with O_DIRECT; O_DIRECT does not flush the device's cache, so
      fdatasync (sync -d) ends it; the two processes are timed together.
  shadowset dhcp backup PATH  (DhcpServerBackupDatabase)
      opens the engine and the server (replaying the log from the live
      volume), commits an auto-release snapshot of the volume, replays the
      log again from the snapshot, and publishes PATH/dhcp.bak (buffered
      writes, fsync, rename, directory fsync), deletes the snapshot set,
      closes. The engine reads buffered (EngineOptions defaults).

One untimed `dhcp backup` runs first: its snapshot commit makes the engine
prepare a spare diff-area segment (a new zero-filled file) that later
backups reuse. Then, also cold after each timed pair, `dhcp_db split`
times the same steps in one process (engine open, server open,
BackupDatabase, close). The first run checks that the DHCP backup holds
the N leases.

Series: dbbackup/mdb_copy, dbbackup/dhcp_backup, dbbackup/split/<step>
(seconds); dbbackup/read_mib/<side>, MiB each side's process read from the
disk (timing.run_read).
"""

import argparse
import json
import os
import shutil
import subprocess

from timing import Results, drop_cache, run, run_read

ADMIN = "bench"


def load_lmdb(path, records, record_bytes):
    """Creates an LMDB environment at `path` with `records` records."""
    os.makedirs(path)
    value = (b"\xa5" * (record_bytes - 4)).hex()
    lines = ["VERSION=3", "format=bytevalue", "type=btree",
             "mapsize=%d" % max(1 << 30, records * record_bytes * 4),
             "HEADER=END"]
    body = []
    for i in range(records):
        body.append(" %08x" % i)
        body.append(" " + value)
    text = "\n".join(lines + body + ["DATA=END", ""]).encode()
    subprocess.run(["mdb_load", path], input=text, check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--shadowset", required=True)
    p.add_argument("--dhcp-db", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--records", type=int, default=20000)
    p.add_argument("--record-bytes", type=int, default=200)
    a = p.parse_args()

    results = Results("dbbackup")
    results.note("records", a.records)
    results.note("record_bytes", a.record_bytes)
    src = os.path.join(a.scratch, "lmdb-src")
    dst = os.path.join(a.scratch, "lmdb-dst")
    shutil.rmtree(src, ignore_errors=True)
    load_lmdb(src, a.records, a.record_bytes)
    results.note("lmdb_bytes", os.path.getsize(os.path.join(src, "data.mdb")))

    data = os.path.join(a.scratch, "dhcp-data")
    backup = os.path.join(a.scratch, "dhcp-backup")
    split = os.path.join(a.scratch, "dhcp-split")
    shutil.rmtree(data, ignore_errors=True)
    ss = [a.shadowset, "--data", data]
    run(ss + ["init"])
    populated = json.loads(run([a.dhcp_db, "populate", data, ADMIN,
                                str(a.records), str(a.record_bytes)])[1])
    results.note("dhcp_volume_bytes", populated["volume_bytes"])
    results.note("dhcp_log_bytes", populated["log_bytes"])

    # Steady state: the first backup's snapshot commit has the engine prepare
    # a spare diff-area segment (a new, zero-filled file); later ones reuse
    # it.
    run(ss + ["dhcp", "backup", "--as", ADMIN, backup])
    diff = os.path.join(data, "diff")
    segments = [os.path.getsize(os.path.join(diff, name))
                for name in os.listdir(diff) if name.startswith("seg-")]
    results.note("dhcp_segments", len(segments))
    results.note("dhcp_segment_bytes", max(segments, default=0))
    for i in range(a.runs):
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(dst)
        drop_cache(src)
        copy, _, mib = run_read(["mdb_copy", src, dst])
        sync, _ = run(["sync", "-d", os.path.join(dst, "data.mdb")])
        results.add("dbbackup/mdb_copy", copy + sync)
        results.add("dbbackup/read_mib/mdb_copy", mib, unit="MiB")
        if i == 0:
            results.note("lmdb_copy_bytes",
                         os.path.getsize(os.path.join(dst, "data.mdb")))

        shutil.rmtree(backup, ignore_errors=True)
        drop_cache(data)
        seconds, out, mib = run_read(ss + ["--json", "dhcp", "backup", "--as",
                                           ADMIN, backup])
        results.add("dbbackup/dhcp_backup", seconds)
        results.add("dbbackup/read_mib/dhcp_backup", mib, unit="MiB")
        if i == 0:
            info = json.loads(out)
            if info["leases"] != a.records:
                raise SystemExit("db_backup: the DHCP backup holds %d leases, "
                                 "not %d" % (info["leases"], a.records))
            results.note("dhcp_backup_bytes",
                         os.path.getsize(os.path.join(backup, "dhcp.bak")))

        shutil.rmtree(split, ignore_errors=True)
        drop_cache(data)
        steps = json.loads(run([a.dhcp_db, "split", data, ADMIN, split])[1])
        for step in ("engine_open", "server_open", "backup", "close"):
            results.add("dbbackup/split/" + step, steps[step])
    for path in (src, dst, data, backup, split):
        shutil.rmtree(path, ignore_errors=True)
    results.save(a.out)


if __name__ == "__main__":
    main()
