"""The figures of one bench/compare run and the report's tables.

Figures loads every result file (timing.py's format) of a results
directory, names the series of each comparison, and formats every figure as
"median (min-max)" and every ratio as a quotient of two medians.
"""

import glob
import json
import os

from timing import median

MIB = 1 << 20

# (label, shadowset chunk or qcow2 cluster in KiB) per side.
SHADOWSET = [("shadowset, 16 KiB chunks", 16), ("shadowset, 4 KiB chunks", 4),
             ("shadowset, 16 KiB chunks, fresh diff area", -16)]
QCOW2 = [("qcow2, 64 KiB clusters", 64), ("qcow2, 16 KiB clusters", 16)]
# (title, shadowset mode, qcow2 cache mode)
PAIRS = [("Buffered: shadowset buffered vs qcow2 cache=writeback, final flush",
          "buffered", "writeback"),
         ("Direct: shadowset O_DIRECT vs qcow2 cache=none (O_DIRECT), final "
          "flush", "direct", "none")]


def md_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join(" --- " for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def num(x):
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def spread(values):
    """'median (min-max)' of `values`."""
    return "%s (%s-%s)" % (num(median(values)), num(min(values)), num(max(values)))


def ratio(x):
    return "%.2fx" % x


class Figures:
    def __init__(self, results_dir):
        self.series = {}
        self.notes = {}
        for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
            if path.endswith(".gbench.json") or path.endswith("params.json"):
                continue
            with open(path) as fh:
                doc = json.load(fh)
            self.notes[doc["stage"]] = doc["notes"]
            for name, s in doc["series"].items():
                self.series[name] = s["runs"]
        with open(os.path.join(results_dir, "params.json")) as fh:
            self.params = json.load(fh)
        p = self.params
        self.seq_mib = p["cow_volume_mib"] // 2
        self.ws_seq_mib = p["cow_working_set_mib"] // 2
        self.n_rand = min(p["cow_random_writes"], self.seq_mib * 16)
        self.n_rand_ws = min(p["cow_ws_random_writes"], self.ws_seq_mib * 16)

    # --- series -----------------------------------------------------------
    def runs(self, name):
        if name not in self.series:
            raise KeyError("no series '%s' in the results" % name)
        return self.series[name]

    def med(self, name):
        return median(self.runs(name))

    def cow(self, side, kib, mode, phase):
        """Seconds per run of one copy-on-write phase.

        shadowset: `kib` < 0 names the run on a fresh diff area (newly
        created segment files), otherwise recycled segments.
        """
        if side == "shadowset":
            direct = 1 if mode == "direct" else 0
            if phase.endswith("first1") or phase.endswith("first_many"):
                return self.runs("BM_CowMany/chunk:%d/direct:%d/%s_s" % (
                    abs(kib) * 1024, direct, phase))
            return self.runs("BM_Cow/chunk:%d/direct:%d/recycled:%d/%s_s" % (
                abs(kib) * 1024, direct, 0 if kib < 0 else 1, phase))
        return self.runs("qcow2/c%dk/%s/%s" % (kib, mode, phase))

    def has_cow(self, side, kib, mode, phase):
        try:
            self.cow(side, kib, mode, phase)
            return True
        except KeyError:
            return False

    def cow_ratio(self, side, kib, mode, phase, base):
        """Throughput of `phase` over throughput of `base` (same ops)."""
        return median(self.cow(side, kib, mode, base)) / median(
            self.cow(side, kib, mode, phase))

    def text(self, stage, key, unit):
        if key == "startup_all":
            values = [v for n, r in self.series.items()
                      if n.startswith("qcow2/") and n.endswith("/startup")
                      for v in r]
            return "%s ms" % spread([v * 1000 for v in values])
        raise KeyError(key)

    # --- tables -----------------------------------------------------------
    def machine_table(self):
        g = lambda n: self.runs(n)
        rows = [
            ("memcpy (64 MiB buffers)",
             spread([v / 2**30 for v in g("BM_Memcpy/bytes_per_second")]), "GiB/s"),
            ("Sequential write, 1 MiB writes + fdatasync",
             spread([v / MIB for v in g("BM_SeqWriteSync/bytes_per_second")]),
             "MiB/s"),
            ("Cold sequential read, 4 MiB reads",
             spread([v / MIB for v in g("BM_ColdRead/bytes_per_second")]), "MiB/s"),
            ("Random 4 KiB writes, O_DIRECT, queue depth 1",
             spread(g("BM_RandomWrite4k/items_per_second")), "IOPS"),
            ("Random 4 KiB cold read, O_DIRECT, queue depth 1",
             spread([v * 1e6 for v in g("BM_RandomRead4k/real_time")]), "us"),
            ("fdatasync after a 4 KiB overwrite",
             spread([v * 1e6 for v in g("BM_FdatasyncLatency/real_time")]), "us"),
            ("xxh3-64", spread([v / 2**30 for v in g("BM_Xxh3/bytes_per_second")]),
             "GiB/s"),
            ("SHA-256 (OpenSSL)",
             spread([v / 2**30 for v in g("BM_Sha256/bytes_per_second")]), "GiB/s"),
        ]
        return md_table(["Limit", "Median (min-max)", "Unit"], rows)

    def _rate(self, seconds, seq, ws=False):
        if seq:
            mib = self.ws_seq_mib if ws else self.seq_mib
            return [mib / s for s in seconds]
        n = self.n_rand_ws if ws else self.n_rand
        return [n / s for s in seconds]

    def _cow_rows(self, mode_index, seq):
        _, ss_mode, q_mode = PAIRS[mode_index]
        kind = "seq" if seq else "rand"
        rows = []
        for side, sides, mode in (("shadowset", SHADOWSET, ss_mode),
                                  ("qcow2", QCOW2, q_mode)):
            for label, kib in sides:
                t0 = self.cow(side, kib, mode, kind + "_nosnap")
                t1 = self.cow(side, kib, mode, kind + "_first")
                t2 = self.cow(side, kib, mode, kind + "_rewrite")
                rows.append((label, spread(self._rate(t0, seq)),
                             spread(self._rate(t1, seq)),
                             ratio(median(t0) / median(t1)),
                             spread(self._rate(t2, seq)),
                             ratio(median(t0) / median(t2))))
        return rows

    def _many_rows(self, mode_index):
        _, ss_mode, q_mode = PAIRS[mode_index]
        rows = []
        for side, sides, mode in (("shadowset", SHADOWSET, ss_mode),
                                  ("qcow2", QCOW2, q_mode)):
            for label, kib in sides:
                if kib < 0 or not self.has_cow(side, kib, mode, "seq_first1"):
                    continue
                row = [label]
                for kind, seq in (("seq", True), ("rand", False)):
                    t1 = self.cow(side, kib, mode, kind + "_first1")
                    tn = self.cow(side, kib, mode, kind + "_first_many")
                    row += [spread(self._rate(t1, seq, ws=True)),
                            spread(self._rate(tn, seq, ws=True)),
                            ratio(median(t1) / median(tn))]
                rows.append(row)
        return rows

    def cow_section(self):
        out = []
        many = self.params["cow_snapshots"]
        for i, (title, _, _) in enumerate(PAIRS):
            out.append("### %s\n" % title)
            out.append("1 MiB sequential writes over %d MiB (MiB/s); ratio = "
                       "throughput / no-snapshot throughput:\n" % self.seq_mib)
            out.append(md_table(
                ["", "No snapshot", "First write, 1 snapshot", "Ratio",
                 "Rewrite (already copied)", "Ratio"], self._cow_rows(i, True)))
            out.append("\n%d random 4 KiB writes (IOPS):\n" % self.n_rand)
            out.append(md_table(
                ["", "No snapshot", "First write, 1 snapshot", "Ratio",
                 "Rewrite (already copied)", "Ratio"], self._cow_rows(i, False)))
            out.append("\nFirst writes with %d live snapshots vs 1, on the "
                       "%d MiB working set (%d MiB sequential in MiB/s; %d "
                       "random 4 KiB writes in IOPS):\n" % (
                           many, self.params["cow_working_set_mib"],
                           self.ws_seq_mib, self.n_rand_ws))
            out.append(md_table(
                ["", "Seq, 1 snapshot", "Seq, %d" % many, "Ratio",
                 "Random, 1 snapshot", "Random, %d" % many, "Ratio"],
                self._many_rows(i)) + "\n")
        out.append("qemu-io's start-up (exec and image open; not in the qcow2 "
                   "figures): %s." % self.text("qcow2_cow", "startup_all", "ms"))
        return "\n".join(out)

    def snapshot_section(self):
        n = self.notes["snapcreate"]
        ms = lambda name: [v * 1000 for v in self.runs(name)]
        rows = []
        for size in n["sizes_mib"]:
            ss = self.runs("snapcreate/shadowset/%dm" % size)
            q = self.runs("snapcreate/qcow2/%dm" % size)
            rows.append((size_text(size), spread(ms("snapcreate/shadowset/%dm" % size)),
                         spread(ms("snapcreate/qcow2/%dm" % size)),
                         ratio(median(q) / median(ss))))
        out = [("Whole processes, %d runs each, interleaved; both stores hold "
                "the same %d MiB of data (%d pieces spread over the volume); "
                "shadowset 16 KiB chunks, qcow2 64 KiB clusters; warm. Ratio "
                "= qemu-img time / shadowset time (above 1: shadowset is "
                "faster). Spawning /bin/true the same way: %s ms.\n") % (
                    len(self.runs("snapcreate/shadowset/%dm" % n["sizes_mib"][0])),
                    n["allocated_mib"], n["pieces"],
                    spread(ms("snapcreate/true")))]
        out.append(md_table(["Volume", "`shadowset snapshot create` (ms)",
                             "`qemu-img snapshot -c` (ms)", "Ratio"], rows))
        c1 = [v * 1e6 for v in self.runs("BM_CommitLatency/GiB:1/real_time")]
        c64 = [v * 1e6 for v in self.runs("BM_CommitLatency/GiB:64/real_time")]
        out.append("\nIn-process commit (Engine::CreateSnapshotSet of a "
                   "persistent set, no dirty data, median of %d; "
                   "bench/engine/volume_bench.cc BM_CommitLatency):\n" % len(c1))
        out.append(md_table(["Volume", "Commit (us)"],
                            [("1 GiB", spread(c1)), ("64 GiB", spread(c64)),
                             ("64 GiB / 1 GiB", ratio(median(c64) / median(c1)))]))
        return "\n".join(out)

    def readout_section(self):
        n = self.notes["readout"]
        mib = n["volume_mib"]
        copy = self.med("readout/raw_copy")
        read = self.med("readout/raw_read")
        rows = []
        for name, label in (("raw_read", "Raw sequential read (`dd` to /dev/null)"),
                            ("raw_copy", "Raw copy (`dd conv=fdatasync`)"),
                            ("export", "`shadowset snapshot export`"),
                            ("qemu_convert", "`qemu-img convert -l snapshot.name=`"
                             " to raw"),
                            ("backup_create", "`shadowset backup create` "
                             "(full)")):
            t = self.runs("readout/" + name)
            rows.append((label, spread([v * 1000 for v in t]),
                         spread([mib / v for v in t]),
                         ratio(copy / median(t)), ratio(read / median(t)),
                         spread(self.runs("readout/read_mib/" + name))))
        out = ["A %d MiB volume, cold, whole processes; %d%% of its 64 KiB "
               "regions (%d) changed after the snapshot, so that fraction of "
               "the snapshot is read from the diff area (shadowset) or from "
               "clusters no longer shared (qcow2). Each read-out writes a raw "
               "image and makes it durable; the raw copy does the same with "
               "plain files. Ratio = raw time / time. \"Read from disk\": "
               "what the process read from the device (its ru_inblock; the "
               "page cache served the rest).\n" % (
                   mib, n["changed_pct"], n["changed_regions"])]
        out.append(md_table(["", "Time (ms)", "MiB/s", "vs raw copy",
                             "vs raw read", "Read from disk (MiB)"], rows))
        out.append("\nA shadowset process's start and end around its work "
                   "(spawn, engine open, cold, and close; `shadowset volume "
                   "list` on the same data directory): %s ms, reading %s MiB "
                   "from the disk." % (
                       spread([v * 1000 for v in
                               self.runs("readout/open_close")]),
                       spread(self.runs("readout/read_mib/open_close"))))
        total = self.runs("readout/backup/total")
        process = self.runs("readout/backup_create")
        steps = [("Snapshot (the protocol and the commit)", "snapshot"),
                 ("Copy (read, xxh3 per block, write; image and sums "
                  "fdatasync'ed)", "copy"),
                 ("Publish (manifest, token, directory fsyncs, rename)",
                  "publish"),
                 ("Total as the command reports it", "total")]
        step_rows = [(label, spread([v * 1000 for v in
                                     self.runs("readout/backup/" + key)]))
                     for label, key in steps]
        step_rows.append(("Rest of the process (spawn, engine open with "
                          "the service host, close)",
                          spread([(p - t) * 1000
                                  for p, t in zip(process, total)])))
        out.append(
            "\n`backup create` takes its own snapshot when it starts, of the "
            "live volume (the state with the %d changed regions); nothing "
            "writes the volume while it runs, so **0%% of its snapshot is "
            "read from the diff area** (the changed fraction above applies "
            "to `snapshot export` and qemu-img only). It reads the same %d "
            "MiB as the raw copy (%.1f MiB read) and writes a backup set, "
            "%.1f MiB in all: the volume image (4 KiB header, data, block "
            "map), per-block xxh3 sums, manifest and token, every file "
            "fdatasync'ed and the directories fsynced before the set is "
            "renamed into place. Each run is a full backup; its snapshot "
            "commit is inside the timed process (the export's is not). One "
            "untimed backup ran first, so the spare diff-area segment its "
            "commit has the engine prepare already exists. Its "
            "steps as the command reports them (`--json` timings), per run:"
            "\n" % (n["changed_regions"], mib,
                    n["backup_bytes_read"] / MIB,
                    n["backup_bytes_written"] / MIB))
        out.append(md_table(["Step of `backup create`", "Time (ms)"],
                            step_rows))
        return "\n".join(out)

    def dbbackup_section(self):
        n = self.notes["dbbackup"]
        ms = lambda name: [v * 1000 for v in self.runs(name)]
        lmdb = self.med("dbbackup/mdb_copy")
        dhcp = self.med("dbbackup/dhcp_backup")
        rows = [("`mdb_copy` + `sync -d`", spread(ms("dbbackup/mdb_copy")),
                 spread(self.runs("dbbackup/read_mib/mdb_copy")),
                 "%.2f MiB `data.mdb`" % (n["lmdb_copy_bytes"] / MIB),
                 "reads the environment through its memory map; writes the "
                 "copy with O_DIRECT; fdatasync at the end (O_DIRECT does not "
                 "flush the device's cache)"),
                ("`shadowset dhcp backup` (DhcpServerBackupDatabase)",
                 spread(ms("dbbackup/dhcp_backup")),
                 spread(self.runs("dbbackup/read_mib/dhcp_backup")),
                 "%.2f MiB `dhcp.bak`" % (n["dhcp_backup_bytes"] / MIB),
                 "engine reads buffered (the log, from the live volume and "
                 "again from the snapshot); backup file written buffered, "
                 "fsync, rename, directory fsync")]
        out = ["%d records of %d bytes on both sides: LMDB a 4-byte key and "
               "a %d-byte value (environment %.2f MiB); DHCP a lease stored "
               "as a %d-byte lease operation, its address included (a %d MiB "
               "volume whose log holds %.2f MiB). Cold, whole processes, the "
               "two sides interleaved run by run; no writer runs during "
               "either copy; one untimed `dhcp backup` ran first (its "
               "snapshot commit has the engine prepare a spare diff-area "
               "segment, a new file, which later backups reuse). Ratio = `mdb_copy` time / `dhcp backup` time "
               "(above 1: shadowset is faster).\n" % (
                   n["records"], n["record_bytes"], n["record_bytes"] - 4,
                   n["lmdb_bytes"] / MIB, n["record_bytes"],
                   n["dhcp_volume_bytes"] // MIB, n["dhcp_log_bytes"] / MIB)]
        out.append(md_table(["", "Time (ms)", "Read from disk (MiB)",
                             "Output", "I/O mode"], rows))
        out.append("\nRatio: **%s** (%.1f ms / %.1f ms).\n" % (
            ratio(lmdb / dhcp), lmdb * 1000, dhcp * 1000))
        steps = [("Engine::Open (lock, LMDB catalog, recovery, background "
                  "threads)", "engine_open"),
                 ("DhcpServer::Open (log replayed from the live volume, "
                  "cold)", "server_open"),
                 ("DhcpServer::BackupDatabase (snapshot, replay from the "
                  "snapshot, dhcp.bak published, set deleted)", "backup"),
                 ("Closing the server and the engine", "close")]
        out.append("The same steps timed inside one process (`dhcp_db "
                   "split`, cold, %d runs):\n" % len(
                       self.runs("dbbackup/split/backup")))
        out.append(md_table(["Step", "Time (ms)"],
                            [(label, spread(ms("dbbackup/split/" + key)))
                             for label, key in steps]))
        read = median(self.runs("dbbackup/read_mib/dhcp_backup"))
        log = n["dhcp_log_bytes"] / MIB
        if n["dhcp_segments"] > 0 and read > 2 * log:
            out.append(
                "\n`dhcp backup` read %.1f MiB from the disk for a %.2f MiB "
                "log. The rest is Engine::Open's recovery: it reads every "
                "diff-area segment of a volume at or after the volume's "
                "checkpoint to its end (EngineImpl::ReplayVolume), here the "
                "spare segment (%d file(s) of %d MiB) that the previous "
                "backup's snapshot commit had the engine prepare for the "
                "DHCP volume, although a spare holds only its header and the "
                "last close was clean." % (
                    read, log, n["dhcp_segments"],
                    n["dhcp_segment_bytes"] // MIB))
        return "\n".join(out)


def size_text(mib):
    return "%d GiB" % (mib // 1024) if mib >= 1024 else "%d MiB" % mib
