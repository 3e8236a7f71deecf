#!/usr/bin/python3
"""Converts a Google Benchmark JSON file (--benchmark_out_format=json, with
--benchmark_repetitions) into a bench/compare result file (timing.py).

Every repetition of a benchmark is one run. For a benchmark whose name,
without the "/iterations:N", "/min_time:T", "/manual_time" and
"/real_time" parts, is NAME, the series are NAME/real_time (seconds per
iteration) and NAME/<counter> for each counter (bytes_per_second and
items_per_second included).

  gbench_results.py STAGE IN.json OUT.json
"""

import json
import re
import sys

from timing import Results

UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
# Keys of a Google Benchmark run that are not user counters.
STANDARD = {"name", "family_index", "per_family_instance_index", "run_name",
            "run_type", "repetitions", "repetition_index", "threads",
            "iterations", "real_time", "cpu_time", "time_unit",
            "error_occurred", "error_message", "label", "aggregate_name",
            "aggregate_unit"}
NOISE = re.compile(r"/(iterations:\d+|min_time:[0-9.]+|manual_time|real_time)")


def main():
    stage, src, dst = sys.argv[1:4]
    with open(src) as f:
        doc = json.load(f)
    results = Results(stage)
    results.note("context", {k: doc["context"].get(k) for k in (
        "date", "host_name", "num_cpus", "mhz_per_cpu", "library_build_type")})
    for b in doc["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        if b.get("error_occurred"):
            raise SystemExit("%s: %s failed: %s" % (src, b["name"],
                                                    b.get("error_message")))
        name = NOISE.sub("", b["run_name"])
        results.add(name + "/real_time", b["real_time"] * UNITS[b["time_unit"]])
        for key, value in b.items():
            if key in STANDARD or not isinstance(value, (int, float)):
                continue
            unit = "1/s" if key.endswith("_per_second") else (
                "s" if key.endswith("_s") else "")
            results.add(name + "/" + key, value, unit=unit)
    results.save(dst)


if __name__ == "__main__":
    main()
