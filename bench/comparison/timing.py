"""Measuring for bench/compare: timed whole processes, dropping files from
the page cache, and the result file every stage writes.

A result file is JSON: {"stage": NAME, "series": {SERIES: {"unit": U,
"runs": [v, ...]}}, "notes": {KEY: VALUE}}. Every series holds one value
per run (at least 3); report.py turns them into median, min and max.
"""

import json
import os
import resource
import subprocess
import time


def drop_cache(*paths):
    """fdatasync and posix_fadvise(DONTNEED) every file under `paths`.

    After this the files' clean pages are gone from the page cache ("cold").
    """
    for path in paths:
        if os.path.isdir(path):
            for root, _, files in os.walk(path):
                drop_cache(*(os.path.join(root, f) for f in files))
            continue
        if not os.path.isfile(path):
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def run(args, stdin_path=None, check_output=None, env=None):
    """Runs `args` to completion; returns (seconds, stdout).

    Wall-clock seconds from fork to exit. Raises RuntimeError on a non-zero
    exit, or when `check_output(stdout)` returns an error message.
    """
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.run(args, stdin=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env)
        seconds = time.perf_counter() - start
    finally:
        if stdin_path:
            stdin.close()
    out = proc.stdout.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (
            " ".join(args), proc.returncode,
            proc.stderr.decode(errors="replace").strip()[-2000:]))
    if check_output:
        problem = check_output(out + proc.stderr.decode(errors="replace"))
        if problem:
            raise RuntimeError("%s: %s" % (" ".join(args), problem))
    return seconds, out


def run_read(args, **kwargs):
    """run(), also returning the MiB the process (and its children) read
    from the disk: the growth of RUSAGE_CHILDREN's ru_inblock (512-byte
    units), which counts reads the page cache did not serve."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_inblock
    seconds, out = run(args, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_inblock
    return seconds, out, (after - before) * 512 / (1 << 20)


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


class Results:
    """Collects a stage's series and notes; save() writes the result file."""

    def __init__(self, stage):
        self.stage = stage
        self.series = {}
        self.notes = {}

    def add(self, name, value, unit="s"):
        s = self.series.setdefault(name, {"unit": unit, "runs": []})
        s["runs"].append(value)

    def note(self, key, value):
        self.notes[key] = value

    def save(self, path):
        with open(path + ".tmp", "w") as f:
            json.dump({"stage": self.stage, "series": self.series,
                       "notes": self.notes}, f, indent=1, sort_keys=True)
        os.replace(path + ".tmp", path)
