"""shadowset's performance goals, judged on the figures of one run.

Copy-on-write goals are judged on every shadowset configuration (16 and
4 KiB chunks, buffered and direct); qcow2's ratio on the same workload is
shown beside them. A goal is met only where every configuration meets it.
"""

from tables import md_table, ratio
from timing import median

CONFIGS = [("16 KiB, buffered", 16, "buffered"), ("16 KiB, direct", 16, "direct"),
           ("4 KiB, buffered", 4, "buffered"), ("4 KiB, direct", 4, "direct")]
# Shown beside the goals, not judged: the default configuration on a fresh
# diff area (every preserve appends to a newly zero-filled segment file).
FRESH = ("16 KiB, buffered, fresh diff area", -16, "buffered")
# "Independent of size": the 64 GiB commit (median) is at most this factor
# slower than the 1 GiB one.
SIZE_TOLERANCE = 1.25
# The verdict of a comparison the goals set no target for.
NO_GOAL = "no goal"


class CowGoal:
    def __init__(self, key, text, target, phase, base):
        self.key, self.text, self.target = key, text, target
        self.phase, self.base = phase, base
        self.values = {}  # config label -> ratio
        self.fresh = None  # ratio on a fresh diff area, if measured
        self.qcow2 = {}   # cache mode -> ratio (64 KiB clusters)

    def evaluate(self, f):
        for label, kib, mode in CONFIGS:
            self.values[label] = f.cow_ratio("shadowset", kib, mode, self.phase,
                                             self.base)
        if f.has_cow("shadowset", FRESH[1], FRESH[2], self.phase):
            self.fresh = f.cow_ratio("shadowset", FRESH[1], FRESH[2], self.phase,
                                     self.base)
        for cache in ("writeback", "none"):
            if f.has_cow("qcow2", 64, cache, self.phase):
                self.qcow2[cache] = f.cow_ratio("qcow2", 64, cache, self.phase,
                                                self.base)

    def missed_in(self):
        return [l for l, v in self.values.items() if v < self.target]

    def row(self):
        cells = ["%s %s" % (ratio(v), "met" if v >= self.target else "missed")
                 for v in self.values.values()]
        q = " / ".join(ratio(self.qcow2[c]) for c in ("writeback", "none")
                       if c in self.qcow2)
        missed = self.missed_in()
        verdict = "met" if not missed else "missed (%d of %d)" % (
            len(missed), len(self.values))
        fresh = ratio(self.fresh) if self.fresh is not None else "-"
        return [self.text, ">= %.2fx" % self.target] + cells + [fresh, q, verdict]


class Goals:
    def __init__(self, f):
        many = f.params["cow_snapshots"]
        self.cow = [
            CowGoal("seq_first", "1 MiB sequential first write vs no snapshot",
                    0.5, "seq_first", "seq_nosnap"),
            CowGoal("rand_first", "4 KiB random first write vs no snapshot",
                    0.33, "rand_first", "rand_nosnap"),
            CowGoal("seq_rewrite", "Sequential rewrite of copied blocks vs no "
                    "snapshot", 0.95, "seq_rewrite", "seq_nosnap"),
            CowGoal("rand_rewrite", "Random rewrite of copied blocks vs no "
                    "snapshot", 0.95, "rand_rewrite", "rand_nosnap"),
            CowGoal("seq_many", "Sequential first write, %d snapshots vs 1" % many,
                    0.95, "seq_first_many", "seq_first1"),
            CowGoal("rand_many", "Random first write, %d snapshots vs 1" % many,
                    0.95, "rand_first_many", "rand_first1"),
        ]
        for g in self.cow:
            g.evaluate(f)
        self.other = []  # (goal, target, measured, reference, met or None)
        c1 = f.med("BM_CommitLatency/GiB:1/real_time")
        c64 = f.med("BM_CommitLatency/GiB:64/real_time")
        self.commit_ratio = c64 / c1
        self.other.append((
            "In-process commit independent of volume size", "64 GiB / 1 GiB "
            "<= %.2fx" % SIZE_TOLERANCE,
            "%.0f us / %.0f us = %s" % (c64 * 1e6, c1 * 1e6, ratio(c64 / c1)), "",
            c64 / c1 <= SIZE_TOLERANCE))
        for size in f.notes["snapcreate"]["sizes_mib"]:
            ss = f.med("snapcreate/shadowset/%dm" % size)
            q = f.med("snapcreate/qcow2/%dm" % size)
            self.other.append((
                "`snapshot create` below `qemu-img snapshot -c`, %s" % (
                    "%d GiB" % (size // 1024) if size >= 1024 else "%d MiB" % size),
                "faster", "%.1f ms" % (ss * 1000), "%.1f ms" % (q * 1000), ss < q))
        copy = f.med("readout/raw_copy")
        export = f.med("readout/export")
        self.readout_ratio = copy / export
        self.other.append((
            "Read-out (`snapshot export`) vs raw copy, cold", ">= 0.90x",
            ratio(copy / export),
            "qemu-img convert: %s" % ratio(copy / f.med("readout/qemu_convert")),
            copy / export >= 0.9))
        backup = f.med("readout/backup_create")
        self.other.append((
            "Read-out (`backup create`) vs raw copy, cold", ">= 0.90x",
            ratio(copy / backup), "raw read: %s" % ratio(
                f.med("readout/raw_read") / backup),
            copy / backup >= 0.9))
        lmdb = f.med("dbbackup/mdb_copy")
        dhcp = f.med("dbbackup/dhcp_backup")
        self.other.append((
            "Hot database backup: DhcpServerBackupDatabase vs mdb_copy, "
            "%d records, cold, durable" % f.notes["dbbackup"]["records"],
            "none (compared)", "%.1f ms" % (dhcp * 1000),
            "mdb_copy + sync -d: %.1f ms; ratio %s" % (lmdb * 1000,
                                                       ratio(lmdb / dhcp)),
            NO_GOAL))

    def missed(self):
        out = [g.key for g in self.cow if g.missed_in()]
        for goal, _, _, _, met in self.other:
            if met is False:
                out.append(goal)
        return out

    def table(self):
        cow = md_table(["Goal", "Target"] + ["shadowset " + c[0] for c in CONFIGS]
                       + ["(16 KiB, buffered, fresh diff area)",
                          "qcow2 64 KiB (writeback / none)", "Verdict"],
                       [g.row() for g in self.cow])
        rows = []
        for goal, target, measured, ref, met in self.other:
            if met == NO_GOAL:
                verdict = NO_GOAL
            else:
                verdict = "pending" if met is None else (
                    "met" if met else "missed")
            rows.append((goal, target, measured, ref or "-", verdict))
        other = md_table(["Goal", "Target", "shadowset", "Reference", "Verdict"],
                         rows)
        return ("Copy-on-write ratios are throughput with snapshots over "
                "throughput without, same workload, same run (section "
                "\"Copy-on-write cost\"). shadowset is judged with its diff "
                "area in the steady state (segments recycled); the fresh-"
                "diff-area column is shown, not judged.\n\n" + cow + "\n\n" + other)


def evaluate_goals(f):
    return Goals(f)


def explain_missed(f, goals):
    from analysis import explain
    return explain(f, goals)
