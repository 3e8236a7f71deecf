#!/usr/bin/python3
"""Hot database backup (bench/compare): DhcpServerBackupDatabase of a DHCP
database of N leases against mdb_copy of an LMDB environment holding N
records of the same size, both ending durable.

The LMDB side: an environment loaded with mdb_load (N records, 4-byte
big-endian keys, `--record-bytes` values), then, cold, `mdb_copy SRC DST`
(LMDB writes the copy with O_DIRECT) followed by `sync -d DST/data.mdb`
(fdatasync: O_DIRECT does not flush the device's cache); the two processes
are timed together.

The DHCP side needs the DHCP service (writers/dhcp/) and its `shadowset
dhcp backup` command; until they are in this tree the stage records itself
as pending and measures only the LMDB side.

Series: dbbackup/mdb_copy, dbbackup/dhcp_backup (seconds).
"""

import argparse
import os
import shutil
import subprocess

from timing import Results, drop_cache, run


def load_lmdb(path, records, record_bytes):
    """Creates an LMDB environment at `path` with `records` records."""
    os.makedirs(path)
    value = (b"\xa5" * record_bytes).hex()
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
    p.add_argument("--scratch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--records", type=int, default=20000)
    p.add_argument("--record-bytes", type=int, default=200)
    p.add_argument("--shadowset", default="")
    a = p.parse_args()

    results = Results("dbbackup")
    results.note("records", a.records)
    results.note("record_bytes", a.record_bytes)
    src = os.path.join(a.scratch, "lmdb-src")
    dst = os.path.join(a.scratch, "lmdb-dst")
    shutil.rmtree(src, ignore_errors=True)
    load_lmdb(src, a.records, a.record_bytes)
    results.note("lmdb_bytes", os.path.getsize(os.path.join(src, "data.mdb")))
    for _ in range(a.runs):
        shutil.rmtree(dst, ignore_errors=True)
        os.makedirs(dst)
        drop_cache(src)
        copy, _ = run(["mdb_copy", src, dst])
        sync, _ = run(["sync", "-d", os.path.join(dst, "data.mdb")])
        results.add("dbbackup/mdb_copy", copy + sync)
    shutil.rmtree(src)
    shutil.rmtree(dst)

    has_dhcp = bool(a.shadowset) and subprocess.run(
        [a.shadowset, "dhcp", "--help"], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL).returncode == 0
    results.note("dhcp", "measured" if has_dhcp else "pending")
    results.save(a.out)


if __name__ == "__main__":
    main()
