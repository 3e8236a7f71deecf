"""Why a goal was missed, in the run's own numbers.

Each explanation derives a bound or a split from figures measured in the
same run (machine limits, phase times, counters, the commands' own step
timings) and says what in the engine's current code does the work, and what
would have to change. Where the two series being compared overlap
(min-max), the miss is within the run's spread and said so.
"""

from tables import MIB, ratio
from timing import median

def ms(seconds):
    return "%.0f ms" % (seconds * 1000)


def us(seconds):
    return "%.0f us" % (seconds * 1e6)


def more_or_less(seconds):
    """'12 ms more' or '3 ms less'."""
    return "%d ms %s" % (round(abs(seconds) * 1000),
                         "more" if seconds >= 0 else "less")


def pct(x):
    return "%.0f%%" % (100 * x)


def overlap(a, b):
    return min(a) <= max(b) and min(b) <= max(a)


def config(label):
    """(chunk KiB, mode) of a goals.CONFIGS label."""
    return (16 if label.startswith("16") else 4,
            "direct" if "direct" in label else "buffered")


def machine(f):
    """This run's machine limits used by the bounds."""
    return {
        "write": median(f.runs("BM_SeqWriteSync/bytes_per_second")) / MIB,
        "read": median(f.runs("BM_ColdRead/bytes_per_second")) / MIB,
        "rand_read": f.med("BM_RandomRead4k/real_time"),
        "rand_write": 1 / median(f.runs("BM_RandomWrite4k/items_per_second")),
        "xxh3": median(f.runs("BM_Xxh3/bytes_per_second")) / MIB,
    }


def seq_first(f, g):
    m = machine(f)
    w, r = m["write"], m["read"]
    bound = (1 / w) / (1 / r + 2 / w)
    measured = "; ".join(
        "%s %s (%s of the bound)" % (label, ratio(v), pct(v / bound))
        for label, v in g.values.items() if v < g.target)
    q = " / ".join(ratio(g.qcow2[c]) for c in ("writeback", "none")
                   if c in g.qcow2)
    out = [
        "**1 MiB sequential first write (%s).** shadowset copies before it "
        "writes: a chunk's first write after a snapshot reads the chunk's "
        "old contents (cold here), writes them to the diff area as a "
        "record, and the live write waits until the group commit has made "
        "that record durable (VolumeImpl::WriteLocked, DeferredWrites). So "
        "a first write moves 3 bytes per byte written (read the old, write "
        "the pre-image, write the new) where a write without a snapshot "
        "moves 1. With this run's machine limits, sequential write + "
        "fdatasync W = %.0f MiB/s and cold sequential read R = %.0f MiB/s, "
        "the throughput ratio is at most (1/W) / (1/R + 2/W) = **%s**; with "
        "the old data warm (1/R -> 0) the bound is 0.50x, the goal itself, "
        "reachable only with zero overhead. Measured: %s. qcow2's internal "
        "snapshots are redirect-on-write, not copy-before-write: a first "
        "write to a cluster the snapshot shares allocates a new cluster and "
        "writes the new data there (these 1 MiB writes cover whole 64 KiB "
        "clusters, so no old data is read or copied), then updates refcounts "
        "and the L2 table; it moves the data once, plus metadata, so the 3x "
        "bound does not apply to it (qcow2 64 KiB measured %s, writeback / "
        "none, on the same workload)." % (
            "; ".join(g.missed_in()), w, r, ratio(bound), measured, q)]
    if any(v > bound for v in g.values.values()):
        out[0] += (
            " (A ratio above the bound means that configuration's "
            "no-snapshot phase ran below the machine's W in this run: the "
            "bound divides the machine's limits, the ratio the phase's own "
            "times.)")
    if f.has_cow("shadowset", -16, "buffered", "seq_first"):
        t0 = median(f.cow("shadowset", 16, "buffered", "seq_nosnap"))
        t1 = median(f.cow("shadowset", 16, "buffered", "seq_first"))
        t1f = median(f.cow("shadowset", -16, "buffered", "seq_first"))
        segs = median(f.runs(
            "BM_Cow/chunk:16384/direct:0/recycled:0/new_segments"))
        seg_mib = median(f.runs(
            "BM_Cow/chunk:16384/direct:0/recycled:0/segment_mib"))
        zeros = segs * seg_mib
        out.append(
            "On a fresh diff area (shown, not judged) the same phase took %s "
            "(%s), %s than with recycled segments; %d new segment "
            "file(s) of %d MiB were made during the measured phases. Segments "
            "are prepared "
            "ahead of use, off the write path: the commit asks for a spare "
            "segment for each volume of the set (DiffArea::RequestSpare), "
            "the preparer thread (EngineImpl::PreparerLoop, woken then and "
            "every 20 ms) prepares it, and a chain that takes its spare into "
            "use asks for the next (DiffArea::Reserve); a writer prepares "
            "inline, or waits, only when it fills its active segment before "
            "the spare is ready. A new segment is written with zeros (not "
            "fallocated, so that a later fdatasync carries no extent "
            "change), fsynced and its directory fsynced; a recycled one only "
            "gets a new header. Taking the preparation off the write path "
            "does not take its I/O off the disk: %d MiB of zeros at this "
            "machine's %.0f MiB/s is %s of writing, against a measured "
            "difference of %s; on a disk-bound machine that I/O competes "
            "with the writer's. Only recycling (the steady state judged "
            "above) avoids it." % (
                ms(t1f), ratio(t0 / t1f), more_or_less(t1f - t1), segs,
                seg_mib, zeros, w, ms(zeros / w),
                "%+d ms" % round((t1f - t1) * 1000)))
    out.append(
        "What would have to change: no tuning of the copy-before-write path "
        "reaches 0.50x with cold old data, because the bound above is below "
        "it. Fewer bytes per preserved byte would take redirect-on-write "
        "for whole-chunk overwrites (write the new data to the diff area "
        "and remap the chunk, as qcow2 does for whole clusters): a change "
        "of the volume format, since DESIGN §2.2 keeps the live volume in "
        "place and the snapshot's data in the diff area.")
    return "\n\n".join(out)


def rand_first(f, g):
    m = machine(f)
    lat = m["rand_read"]
    lines = []
    for label in g.missed_in():
        kib, mode = config(label)
        t0 = median(f.cow("shadowset", kib, mode, "rand_nosnap"))
        t1 = median(f.cow("shadowset", kib, mode, "rand_first"))
        per0, per1 = t0 / f.n_rand, t1 / f.n_rand
        text = (
            "**4 KiB random first write (%s): %s.** No snapshot: %s for %d "
            "writes (%s each); first write: %s (%s each). " % (
                label, ratio(t0 / t1), ms(t0), f.n_rand, us(per0), ms(t1),
                us(per1)))
        record_write = ("a copy into the page cache" if mode == "buffered"
                        else "a synchronous O_DIRECT write")
        if kib == 4:
            bound_per = per0 + lat
            bound = per0 / bound_per
            fast = min(f.runs("BM_RandomRead4k/real_time"))
            bound_fast = per0 / (per0 + fast)
            # The longest cold read that still allows the goal.
            allowed = per0 * (1 / g.target - 1)
            text += (
                "With 4 KiB chunks a 4 KiB write covers its whole chunk, so "
                "without a snapshot it reads nothing (%s). Its first write "
                "after the snapshot must first read the chunk's old contents, "
                "cold, before they can be preserved (VolumeImpl::WriteLocked, "
                "step 2: a synchronous DeviceRead), then append an 8 KiB "
                "record (4 KiB header slot + the chunk; %s); the live write "
                "is deferred until a group commit has made the record "
                "durable, and the phase's final Flush waits for all of them. "
                "At queue depth 1 nothing overlaps that read, so a first "
                "write takes at least the no-snapshot write plus one cold "
                "random read: with this run's %s per cold 4 KiB O_DIRECT "
                "read (machine limits, queue depth 1; fastest repetition %s), "
                "%s + %s = %s per write, a ratio of at most **%s** (%s with "
                "the fastest read). Measured: %s. " % (
                    "buffered: a copy into the page cache" if mode ==
                    "buffered" else "one O_DIRECT write", record_write,
                    us(lat), us(fast), us(per0), us(lat), us(bound_per),
                    ratio(bound), ratio(bound_fast), ratio(t0 / t1)))
            if t0 / t1 <= bound:
                text += (
                    "That is %s of the bound; the rest, %s per write, is the "
                    "record write, the group commits and the deferred live "
                    "writes. " % (pct((t0 / t1) / bound),
                                  us(per1 - bound_per)))
            else:
                text += (
                    "That is above the median bound: the phase's cold reads "
                    "were faster than the machine-limit median, measured at "
                    "another moment of a shared machine. ")
            text += (
                "For %s the goal needs a cold read of at most %s "
                "(no-snapshot write x (1/%.2f - 1)). " % (
                    ratio(g.target), us(allowed), g.target))
            if allowed < fast:
                text += (
                    "Every read-latency repetition of this run is slower: no "
                    "copy-before-write engine reaches the goal on this "
                    "machine with cold old data. What would have to change: "
                    "not the preserve path, which cannot skip the read; only "
                    "old data already in memory (warm), or redirect-on-write "
                    "(see above), removes it.")
            elif allowed < lat:
                text += (
                    "The median read is slower, the fastest is not: the goal "
                    "is within reach only at this machine's best read "
                    "latency, with no other cost per first write. What "
                    "would have to change: nothing in the preserve path "
                    "removes the read; only old data already in memory "
                    "(warm), or redirect-on-write (see above), would.")
            else:
                text += (
                    "The median read allows it, so the miss is in what "
                    "follows the read: the record write (%s) on the "
                    "request's path and the group commits. What would have "
                    "to change: that part, e.g. handing the record write to "
                    "the group commit so that a first write waits only for "
                    "its read." % record_write)
        else:
            text += (
                "With 16 KiB chunks a 4 KiB write covers a quarter of its "
                "chunk, so even without a snapshot it reads the chunk first "
                "(read-modify-write, VolumeImpl::WriteDirect); the first "
                "write's read of the old contents takes that read's place, "
                "and what it adds is the 20 KiB record (4 KiB header slot + "
                "the chunk; %s), the group commits and the deferred live "
                "writes: %s per write, against %s for one O_DIRECT 4 KiB "
                "write on this machine (queue depth 1). What would have to "
                "change: the record write is on the request's path; handing "
                "it to the group commit would leave one read per first "
                "write." % (record_write, us(per1 - per0), us(m["rand_write"])))
        lines.append(text)
    return "\n\n".join(lines)


def spread_note(f, g, what):
    lines = []
    for label in g.missed_in():
        kib, mode = config(label)
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
                "of snapshots (I1: w[b] against S_max, VolumeImpl::"
                "WriteLocked), and each first write preserves the same bytes "
                "once; what grows with the snapshot count is the diff area "
                "(a pre-image per snapshot) and the LMDB index, so the index "
                "commits of the measured phase write into a larger B-tree. "
                "This run does not separate that from the machine's load." % (
                    what, label, ratio(median(b) / median(a)), g.phase,
                    ms(median(a)), g.base, ms(median(b))))
        else:
            lines.append(
                "**%s (%s): %s.** %s: %s; %s: %s (medians; the ranges do not "
                "overlap). A rewrite of an already-copied chunk takes no "
                "preserve: its write epoch w[b] is the current one, above "
                "S_max, so VolumeImpl::WriteLocked sends it straight to "
                "VolumeImpl::WriteDirect, which issues the same device reads "
                "and writes as the no-snapshot overwrite (for 4 KiB writes "
                "into 16 KiB chunks, one 16 KiB read and one 16 KiB write). "
                "The difference is the per-write bookkeeping with a snapshot "
                "live (the deferred-write lookup, the epoch check) and the "
                "engine's background threads (the committer waking every 20 "
                "ms, the index-overlay flusher every 100 ms), or the "
                "machine's load; this run does not separate the two." % (
                    what, label, ratio(median(b) / median(a)), g.phase,
                    ms(median(a)), g.base, ms(median(b))))
    return "\n\n".join(lines)


def open_scan(f):
    """What opening the read-out's data directory costs."""
    return (
        "**Opening the data directory.** A bare `shadowset volume "
        "list` on the read-out's data directory takes %s cold and reads %.0f "
        "MiB from the disk. After a clean close EngineImpl::Recover replays "
        "nothing (the catalog's open flag is clear, so no record can lie "
        "past a checkpoint); it reads each segment's header (segments of %d "
        "MiB with this data directory's %d MiB cap; %d segment files) and "
        "the catalog." % (
            ms(f.med("readout/open_close")),
            f.med("readout/read_mib/open_close"),
            f.notes["readout"]["segment_bytes"] // MIB,
            f.notes["readout"]["diff_area_max_mib"],
            f.notes["readout"]["segments"]))


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
        "directory (advisory lock, LMDB catalog, recovery, which after a "
        "clean close reads the catalog and each segment's header and "
        "replays nothing, starting the four background threads and the "
        "eight-thread I/O pool) and closing it (joining them, a last sync "
        "round and collection, and a synced catalog transaction recording "
        "the clean close). qemu-img opens one file and rewrites its "
        "snapshot table. What would have to change: the command, not the "
        "commit: a long-running engine (`shadowset serve`, DESIGN §1) pays "
        "the open once; for one-shot commands, open could start the "
        "background threads and the I/O pool on first use." % (
            goal, ms(ss), ms(q), spread_text, "%.1f ms" % (c1 * 1000),
            "%.1f ms" % (true * 1000), "%.1f ms" % ((ss - c1 - true) * 1000)))


def readout_text(f):
    copy = f.runs("readout/raw_copy")
    export = f.runs("readout/export")
    read = f.med("readout/raw_read")
    convert = f.med("readout/qemu_convert")
    n = f.notes["readout"]
    size = n["volume_mib"] * MIB
    extra = median(export) - median(copy)
    opened = f.med("readout/open_close")
    diff_mib = n["changed_regions"] * (64 + 4) / 1024
    live_mib = (size - n["changed_regions"] * 64 * 1024) / MIB
    text = (
        "**Read-out (`snapshot export`): %s of the raw copy.** For the %d MiB "
        "volume with %d%% of its 64 KiB regions changed: raw read %s, raw "
        "copy %s, export %s (%s more than the raw copy), qemu-img convert "
        "%s.%s" % (
            ratio(median(copy) / median(export)), n["volume_mib"],
            n["changed_pct"], ms(read), ms(median(copy)), ms(median(export)),
            ms(extra), ms(convert),
            " The export and raw-copy ranges overlap (%s-%s; %s-%s), so the "
            "miss is within this run's spread." % (
                ms(min(export)), ms(max(export)), ms(min(copy)), ms(max(copy)))
            if overlap(copy, export) else ""))
    text += (
        " What the export does: `snapshot export` (requestor/cli/"
        "engine_commands.cc, ExportTo) reads the snapshot in 8 MiB chunks "
        "on one thread while a writer thread writes the previous chunk "
        "(two buffers), then fsyncs, renames and fsyncs the directory. Each "
        "Snapshot::Read looks its blocks up in the index, then issues the "
        "diff-area reads (records lying within 64 KiB of each other in a "
        "segment read as one span of up to 8 MiB, header slots included) "
        "and the live runs between them together on the engine's I/O pool "
        "(8 threads; SnapshotImpl::ReadBlocks). Here the %d changed regions "
        "were written in ascending order, one 64 KiB record each, so their "
        "records lie back to back in the diff area and coalesce: it reads "
        "%.1f MiB from the diff area (%.1f MiB of it header slots) and %.1f "
        "MiB of live runs, against the raw copy's %d MiB." % (
            n["changed_regions"], diff_mib, n["changed_regions"] * 4 / 1024,
            live_mib, n["volume_mib"]))
    read_mib = f.med("readout/read_mib/export")
    open_mib = f.med("readout/read_mib/open_close")
    whole = open_mib + diff_mib + n["volume_mib"]
    if abs(whole - read_mib) <= 0.03 * read_mib:
        text += (
            " The process read %.0f MiB from the disk, where dd reads %d: "
            "the open's %.0f MiB (see \"Opening the data directory\"), the "
            "diff area's %.1f MiB and the whole live file, %d MiB, since "
            "the kernel's readahead of the live runs also reads the %.1f MiB "
            "of changed regions between them (%.0f + %.1f + %d = %.1f)." % (
                read_mib, n["volume_mib"], open_mib, diff_mib,
                n["volume_mib"], n["volume_mib"] - live_mib, open_mib,
                diff_mib, n["volume_mib"], whole))
    else:
        text += (" The process read %.0f MiB from the disk, where dd reads "
                 "%d." % (read_mib, n["volume_mib"]))
    diff_time = diff_mib / machine(f)["read"]
    text += (
        " Against the raw copy's %s, the export pays the process's own start "
        "and end (spawn, engine open, cold, and close: `shadowset volume "
        "list` takes %s) and the diff-area reads "
        "(%.1f MiB at this machine's cold read rate, %.0f MiB/s: %s), "
        "together %s of its %s more" % (
            ms(median(copy)), ms(opened), diff_mib, machine(f)["read"],
            ms(diff_time), ms(opened + diff_time), ms(extra)))
    if extra > opened + diff_time:
        text += (
            "; the remaining %s is the reads being split around the changed "
            "regions (about %d live runs per 8 MiB chunk, each its own "
            "pread) where dd reads 4 MiB at a time." % (
                ms(extra - opened - diff_time),
                round(n["changed_regions"] / (size / (8 * MIB)))))
    else:
        text += ": the read-out itself keeps up with dd."
    try:
        snap = f.med("BM_ReadOut/snapshot:1/changed_pct:20/real_time")
        raw = f.med("BM_ReadOut/snapshot:0/changed_pct:20/real_time")
        # BM_ReadOut's layout: 256 MiB of 16 KiB blocks, 20% of the blocks
        # overwritten one by one in random order, so one single-block record
        # each, scattered over the segment.
        records = (256 * MIB // 16384) * 20 // 100
        text += (
            " In-process split (bench/engine/volume_bench.cc BM_ReadOut: 256 "
            "MiB, 20%% of its 16 KiB blocks overwritten one by one in random "
            "order, i.e. %d single-block records scattered over the diff "
            "area, which do not coalesce; cold; 4 MiB reads): Snapshot::Read "
            "of the whole volume takes %s against %s for a raw read of its "
            "file (%s), %s more, or %s per scattered record." % (
                records, ms(snap), ms(raw), ratio(raw / snap), ms(snap - raw),
                us((snap - raw) / records)))
    except KeyError:
        pass
    if extra > opened + diff_time:
        text += (
            " What would have to change, besides the open: the engine "
            "already reads at queue depth within one call, but each "
            "Snapshot::Read waits for its whole batch before the caller asks "
            "for the next, so no read is in flight between calls; reading "
            "the next chunk's live runs while the current one completes (or "
            "larger export chunks) would keep the device as busy as dd's "
            "sequential reads do.")
    else:
        text += (" What would have to change: the open (see \"Opening the "
                 "data directory\").")
    return text


def backup_text(f):
    copy = f.runs("readout/raw_copy")
    backup = f.runs("readout/backup_create")
    n = f.notes["readout"]
    m = machine(f)
    step = lambda key: f.med("readout/backup/" + key)
    outside = median(backup) - step("total")
    housekeeping = step("total") - step("snapshot") - step("copy") - \
        step("publish")
    fixed = step("snapshot") + step("publish") + housekeeping + outside
    mib_read = n["backup_bytes_read"] / MIB
    mib_written = n["backup_bytes_written"] / MIB
    text = (
        "**Read-out (`backup create`): %s of the raw copy.** Raw copy %s, "
        "`backup create` %s (%s more).%s Where its time goes (medians; the "
        "command's own `--json` timings): the snapshot, %s (the protocol, "
        "with no writers here, and the commit of a persistent set); the "
        "copy, %s (%.1f MiB read at %.0f MiB/s by a reader thread in 8 MiB "
        "runs while the calling thread hashes every 16 KiB block with "
        "xxh3-64 and writes the image from the read buffers; the image and "
        "its sums fdatasync'ed); publishing, %s (manifest, token, directory "
        "fsyncs, rename); the rest of RunBackup, %s (stale-partial and "
        "chain housekeeping, gathering writer metadata, the catalog record, "
        "releasing the previous "
        "run's set, the writers' BackupComplete and BackupShutdown); and, "
        "outside RunBackup, %s (spawn, engine open with the "
        "service host, close; a bare `shadowset volume list` takes %s, see "
        "\"Opening the data directory\" below). It "
        "writes %.1f MiB where the raw copy writes %d MiB, and hashing %.0f "
        "MiB at this machine's %.0f MiB/s xxh3 rate costs %s. So %s of the "
        "time is fixed cost the raw copy does not have (everything but the "
        "copy), and the copy itself takes %s against the raw copy's %s." % (
            ratio(median(copy) / median(backup)), ms(median(copy)),
            ms(median(backup)), ms(median(backup) - median(copy)),
            " The two ranges overlap (%s-%s; %s-%s), so the miss is within "
            "this run's spread." % (ms(min(backup)), ms(max(backup)),
                                    ms(min(copy)), ms(max(copy)))
            if overlap(copy, backup) else "",
            ms(step("snapshot")), ms(step("copy")), mib_read,
            mib_read / step("copy"), ms(step("publish")), ms(housekeeping),
            ms(outside), ms(f.med("readout/open_close")), mib_written,
            n["volume_mib"], mib_read, m["xxh3"], ms(mib_read / m["xxh3"]),
            ms(fixed), ms(step("copy")), ms(median(copy))))
    if step("copy") < median(copy):
        text += (
            " The copy step alone is faster than the raw copy, so what "
            "would have to change is the fixed cost: for a volume this size "
            "it weighs most; a long-running engine (`shadowset serve`, "
            "DESIGN §1) pays the open once, and the snapshot's commit and the "
            "publication's fsyncs are what make the set consistent and "
            "durable.")
    else:
        text += (
            " The copy step alone is slower than the raw copy by %s; what "
            "would have to change is in the copy (reading ahead of the "
            "hashing and writing already happens on the reader thread), "
            "besides the fixed cost." % ms(step("copy") - median(copy)))
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
    opened = False
    for goal, _, measured, _, met in goals.other:
        if met is not False:
            continue
        if goal.startswith("`snapshot create`"):
            parts.append(commit_text(f, goals, goal, measured))
        elif goal.startswith("Read-out (`snapshot export`)"):
            parts.append(readout_text(f))
            opened = True
        elif goal.startswith("Read-out (`backup create`)"):
            parts.append(backup_text(f))
            opened = True
        elif goal.startswith("In-process commit"):
            parts.append(
                "**%s: %s.** The commit does no work proportional to volume "
                "size (DESIGN §2.5); with medians of a few milliseconds on a "
                "shared machine, a difference this size is the machine's "
                "fsync latency varying between the two series." % (
                    goal, measured))
    if opened:
        parts.append(open_scan(f))
    if not parts:
        return "Every measured goal is met."
    return "\n\n".join(parts)
