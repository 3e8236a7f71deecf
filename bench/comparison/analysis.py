"""Why a goal was missed, in the run's own numbers.

Each explanation derives a bound or a split from figures measured in the
same run (machine limits, phase times, counters) and names what in the
engine would have to change. Where the two series being compared overlap
(min-max), the miss is within the run's spread and said so.
"""

from tables import MIB, ratio
from timing import median

CONFIG_TEXT = {16: "16 KiB chunks", 4: "4 KiB chunks"}


def ms(seconds):
    return "%.0f ms" % (seconds * 1000)


def overlap(a, b):
    return min(a) <= max(b) and min(b) <= max(a)


def seq_first(f, g):
    out = []
    cold = median(f.runs("BM_ColdRead/bytes_per_second")) / MIB
    t0 = median(f.cow("shadowset", 16, "buffered", "seq_nosnap"))
    t1 = median(f.cow("shadowset", 16, "buffered", "seq_first"))
    read = f.seq_mib / cold
    bound = t0 / (read + 2 * t0)
    out.append(
        "**1 MiB sequential first write (%s).** A first write of a chunk "
        "after a snapshot must read the chunk's old contents (cold here), "
        "write them to the diff area, make them durable, and only then write "
        "the new data; without a snapshot only the last of these happens. "
        "With this run's own figures for the %d MiB sequential region (16 KiB "
        "chunks, buffered): reading it cold at the machine's %.0f MiB/s takes "
        "%s; writing it durably takes %s (the no-snapshot phase). The least "
        "time for a first write is therefore %s + 2 x %s = %s, a ratio of at "
        "most **%s**; with the old data warm the bound is 0.50x, the goal "
        "itself, reachable only with zero overhead. shadowset measured %s, "
        "%s, i.e. %s of the physical bound. qcow2 64 KiB measured %s "
        "(writeback) on the same workload." % (
            "; ".join(g.missed_in()), f.seq_mib, cold, ms(read), ms(t0),
            ms(read), ms(t0), ms(read + 2 * t0), ratio(bound), ms(t1),
            ratio(t0 / t1), "%.0f%%" % (100 * (t0 / t1) / bound),
            ratio(g.qcow2.get("writeback", 0))))
    if f.has_cow("shadowset", -16, "buffered", "seq_first"):
        t1f = median(f.cow("shadowset", -16, "buffered", "seq_first"))
        segs = median(f.runs(
            "BM_Cow/chunk:16384/direct:0/recycled:0/new_segments"))
        seg_mib = median(f.runs(
            "BM_Cow/chunk:16384/direct:0/recycled:0/segment_mib"))
        out.append(
            "On a fresh diff area the same phase took %s (%s): %d new "
            "segment file(s) of %d MiB were zero-filled, fsynced and their "
            "directory fsynced inside the measured phases, %s more than with "
            "recycled segments." % (ms(t1f), ratio(t0 / t1f), segs, seg_mib,
                                    ms(t1f - t1)))
    out.append(
        "What would have to change in the engine: (1) DiffArea::Reserve "
        "(engine/internal/diff_area.cc) prepares a new segment inline, on "
        "the writer's path, whenever the volume has neither an active nor a "
        "spare segment: writing segment_size bytes of zeros, SyncAll and "
        "SyncDir. DESIGN §2.3 asks for preparation ahead of use: a preparer "
        "thread that keeps one spare segment per volume (started when the "
        "active one passes half full) takes this off the write path; the "
        "zeros are still written once per new segment, so on a disk-bound "
        "machine only recycling removes their cost. (2) A ratio above "
        "0.50x needs fewer than two writes per preserved byte: "
        "redirect-on-write for whole-chunk overwrites (write the new data "
        "to the diff area and remap the chunk, as qcow2 does for whole "
        "clusters) instead of copy-before-write. That is a change of the "
        "volume format (DESIGN §2.2 keeps the live volume in place), not a "
        "tuning.")
    return "\n\n".join(out)


def rand_first(f, g):
    lines = []
    iops = median(f.runs("BM_RandomWrite4k/items_per_second"))
    rmw = median(f.cow("shadowset", 16, "buffered", "rand_nosnap")) / f.n_rand
    for label in g.missed_in():
        kib = 16 if label.startswith("16") else 4
        mode = "direct" if "direct" in label else "buffered"
        t0 = median(f.cow("shadowset", kib, mode, "rand_nosnap"))
        t1 = median(f.cow("shadowset", kib, mode, "rand_first"))
        per0, per1 = t0 / f.n_rand * 1e6, t1 / f.n_rand * 1e6
        text = (
            "**4 KiB random first write (%s): %s.** No snapshot: %s for %d "
            "writes (%.0f us each); first write: %s (%.0f us each). A first "
            "write must, before it returns, read the old %d KiB chunk (cold) "
            "and write a %d KiB record (4 KiB header + chunk); its live write "
            "follows a group fdatasync. " % (
                label, ratio(t0 / t1), ms(t0), f.n_rand, per0, ms(t1), per1,
                kib, kib + 4))
        if mode == "buffered" and kib == 4:
            text += (
                "With 4 KiB chunks the no-snapshot write covers its whole "
                "chunk and only copies into the page cache; the first write "
                "adds a synchronous cold read from disk. This run's 16 KiB-"
                "chunk no-snapshot write, which also reads its chunk cold "
                "(read-modify-write), costs %.0f us: one cold read alone is of "
                "that order, against %.0f us for the whole no-snapshot write, "
                "so no copy-before-write engine can reach 0.33x here with "
                "cold old data. What would have to change: nothing in the "
                "preserve path removes the read; only keeping old data warm "
                "(or redirect-on-write, see above) would." % (rmw * 1e6, per0))
        else:
            text += (
                "At this machine's %.0f us per O_DIRECT 4 KiB write (queue "
                "depth 1), these synchronous I/Os in series, against one for "
                "the no-snapshot write, bound the ratio near 0.33x. What would "
                "have to change: the old-chunk read and the record write are "
                "synchronous and serial per request (VolumeImpl::WriteLocked, "
                "step 2); issuing the record write asynchronously (io_uring, "
                "or handing it to the group commit) would leave one "
                "synchronous I/O per first write." % (1e6 / iops))
        lines.append(text)
    return "\n\n".join(lines)


def spread_note(f, g, what):
    lines = []
    for label in g.missed_in():
        kib = 16 if label.startswith("16") else 4
        mode = "direct" if "direct" in label else "buffered"
        a = f.cow("shadowset", kib, mode, g.phase)
        b = f.cow("shadowset", kib, mode, g.base)
        if overlap(a, b):
            lines.append(
                "**%s (%s): %s.** The two series overlap (%s: %s-%s; %s: "
                "%s-%s): the miss is within this run's spread on a shared "
                "machine, not a measured difference." % (
                    what, label, ratio(median(b) / median(a)), g.phase,
                    ms(min(a)), ms(max(a)), g.base, ms(min(b)), ms(max(b))))
        elif "many" in g.key:
            lines.append(
                "**%s (%s): %s.** %s: %s; %s: %s (medians; the ranges do not "
                "overlap). The preserve decision is O(1) whatever the number "
                "of snapshots (I1: w[b] against S_max), and each first write "
                "preserves the same bytes; what grows with the snapshot count "
                "is the diff area (a pre-image per snapshot) and the LMDB "
                "index, so the overlay commits of the measured phase write "
                "into a larger B-tree. This run does not separate that from "
                "the machine's load." % (
                    what, label, ratio(median(b) / median(a)), g.phase,
                    ms(median(a)), g.base, ms(median(b))))
        else:
            lines.append(
                "**%s (%s): %s.** %s: %s; %s: %s (medians; the ranges do not "
                "overlap). A rewrite of an already-copied chunk takes no "
                "preserve (w[b] is the current epoch), so it issues the same "
                "system calls as the no-snapshot overwrite (checked with "
                "strace -f: for 4 KiB writes into 16 KiB chunks, one 16 KiB "
                "pread and one 16 KiB pwrite per write in both phases); the "
                "difference is the engine's per-write bookkeeping with "
                "snapshots live (deferred-write and index-overlay lookups, "
                "the committer and overlay flusher threads waking every 20 "
                "and 100 ms) or the machine's load; the run does not "
                "separate the two." % (
                    what, label, ratio(median(b) / median(a)), g.phase,
                    ms(median(a)), g.base, ms(median(b))))
    return "\n\n".join(lines)


def commit_text(f, g, goal, measured):
    c1 = f.med("BM_CommitLatency/GiB:1/real_time")
    true = f.med("snapcreate/true")
    size = goal.rsplit(", ", 1)[-1]
    mib = int(size.split()[0]) * (1024 if "GiB" in size else 1)
    ss = f.med("snapcreate/shadowset/%dm" % mib)
    q = f.med("snapcreate/qcow2/%dm" % mib)
    ss_runs = f.runs("snapcreate/shadowset/%dm" % mib)
    q_runs = f.runs("snapcreate/qcow2/%dm" % mib)
    spread_text = ""
    if overlap(ss_runs, q_runs):
        spread_text = (
            " The two ranges overlap (%.1f-%.1f ms; %.1f-%.1f ms), so the "
            "order of the medians is within this run's spread." % (
                min(ss_runs) * 1000, max(ss_runs) * 1000, min(q_runs) * 1000,
                max(q_runs) * 1000))
    return (
        "**%s.** `shadowset snapshot create` took %s against qemu-img's %s."
        "%s "
        "Of it, the commit itself is about %s (in-process median, 1 GiB); "
        "spawning a process costs %s; the rest (%s) is opening the data "
        "directory (advisory lock, LMDB environment, recovery scan from the "
        "checkpoint, background threads) and closing it. qemu-img opens one "
        "file and rewrites its snapshot table. What would have to change: "
        "the command, not the commit: a long-running engine (`shadowset "
        "serve`, DESIGN §1) pays the open once; for one-shot commands, open "
        "could skip starting the GC and overlay threads when nothing is "
        "pending." % (goal, ms(ss), ms(q), spread_text, "%.1f ms" % (c1 * 1000),
                      "%.1f ms" % (true * 1000),
                      "%.1f ms" % ((ss - c1 - true) * 1000)))


def readout_text(f):
    copy = f.runs("readout/raw_copy")
    export = f.runs("readout/export")
    read = f.med("readout/raw_read")
    convert = f.med("readout/qemu_convert")
    n = f.notes["readout"]
    text = (
        "**Read-out (`snapshot export`): %s of the raw copy.** For the %d MiB "
        "volume with %d%% of its 64 KiB regions changed: raw read %s, raw "
        "copy %s, export %s, qemu-img convert %s.%s" % (
            ratio(median(copy) / median(export)), n["volume_mib"],
            n["changed_pct"], ms(read), ms(median(copy)), ms(median(export)),
            ms(convert),
            " The export and raw-copy ranges overlap (%s-%s; %s-%s), so the "
            "miss is within this run's spread; the split below is not." % (
                ms(min(export)), ms(max(export)), ms(min(copy)), ms(max(copy)))
            if overlap(copy, export) else ""))
    try:
        snap = f.med("BM_ReadOut/snapshot:1/changed_pct:20/real_time")
        raw = f.med("BM_ReadOut/snapshot:0/changed_pct:20/real_time")
        # BM_ReadOut's layout: 256 MiB of 16 KiB blocks, 20% of the blocks
        # overwritten one by one, so one single-block record each.
        split_records = (256 * MIB // 16384) * 20 // 100
        per_read = (snap - raw) / (2 * split_records)
        reads = 2 * n["changed_regions"]
        text += (
            " Split in-process (bench/engine/volume_bench.cc BM_ReadOut: 256 "
            "MiB, 20%% of its 16 KiB blocks overwritten one by one, i.e. %d "
            "single-block records; cold; 4 MiB reads): Snapshot::Read of the "
            "whole volume takes %s against %s for a raw read of its file "
            "(%s). SnapshotImpl::ReadRecords (engine/internal/"
            "snapshot_impl.cc) reads each diff-area run with two synchronous "
            "reads in series, DiffArea::ReadHeader (4 KiB) then ReadData, "
            "and the live runs only after them: queue depth 1, nothing "
            "overlapped. The %s it adds over %d such reads is %.0f us per "
            "read. This export's %d changed 64 KiB regions need %d of them: "
            "about %s at that cost; it measured %s more than the raw copy." % (
                split_records, ms(snap), ms(raw), ratio(raw / snap),
                ms(snap - raw), 2 * split_records, per_read * 1e6,
                n["changed_regions"], reads, ms(per_read * reads),
                ms(median(export) - median(copy))))
    except KeyError:
        pass
    text += (
        " `snapshot export` (requestor/cli/engine_commands.cc, ExportTo) "
        "also reads 8 MiB, then writes those 8 MiB, one after the other; "
        "qemu-img convert keeps 8 requests in flight (its -m default). What "
        "would have to change: ReadRecords should issue the diff-area reads "
        "of a pass together and in parallel with the live runs, as DESIGN "
        "§2.6 asks (\"diff-area reads run at queue depth in parallel with "
        "the live runs\"), taking the header checks from one read of each "
        "record's header slot per pass; and ExportTo (and the backup "
        "writer) should read the next chunk while writing the previous one.")
    return text


def explain(f, goals):
    parts = []
    by_key = {g.key: g for g in goals.cow if g.missed_in()}
    if "seq_first" in by_key:
        parts.append(seq_first(f, by_key["seq_first"]))
    if "rand_first" in by_key:
        parts.append(rand_first(f, by_key["rand_first"]))
    for key, what in (("seq_rewrite", "Sequential rewrite"),
                      ("rand_rewrite", "Random rewrite"),
                      ("seq_many", "Sequential, many snapshots vs 1"),
                      ("rand_many", "Random, many snapshots vs 1")):
        if key in by_key:
            parts.append(spread_note(f, by_key[key], what))
    for goal, _, measured, _, met in goals.other:
        if met is not False:
            continue
        if goal.startswith("`snapshot create`"):
            parts.append(commit_text(f, goals, goal, measured))
        elif goal.startswith("Read-out (`snapshot export`)"):
            parts.append(readout_text(f))
        elif goal.startswith("In-process commit"):
            parts.append(
                "**%s: %s.** The commit does no work proportional to volume "
                "size (DESIGN §2.5); with medians of a few milliseconds on a "
                "shared machine, a difference this size is the machine's "
                "fsync latency varying between the two series." % (
                    goal, measured))
    if not parts:
        return "Every measured goal is met."
    return "\n\n".join(parts)
