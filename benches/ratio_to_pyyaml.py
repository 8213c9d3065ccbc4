#!/usr/bin/env python3
"""The issue-13 figure: a whole `clowd2helm convert` process (new folder on tmpfs) against the
time Python's C YAML parser (`yaml.load(text, Loader=yaml.CSafeLoader)`) takes to read the same
file in process. The two alternate, run after run, so both see the same machine load; minimum
and median of each, and their ratios. Never run by `cargo test`.

Usage: benches/ratio_to_pyyaml.py BINARY [BINARY...]   (N=runs, default 60; KOKU=template)
Several binaries are interleaved too, for an A/B comparison. Needs PyYAML built with libyaml.
"""
import os, shutil, statistics, subprocess, sys, time
import yaml

koku = os.environ.get("KOKU", os.path.join(os.path.dirname(__file__), "../../shared/upstream/koku/clowdapp-2026-08-14.yaml"))
runs = int(os.environ.get("N", "60"))
binaries = sys.argv[1:] or ["target/release/clowd2helm"]
text = open(koku).read()
py, conv = [], {b: [] for b in binaries}
for i in range(runs):
    t = time.perf_counter()
    yaml.load(text, Loader=yaml.CSafeLoader)
    py.append(time.perf_counter() - t)
    for b in binaries:
        out = f"/dev/shm/clowd2helm-ratio-{os.getpid()}"
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        subprocess.run([b, "convert", koku, "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        conv[b].append(time.perf_counter() - t)
        shutil.rmtree(out, ignore_errors=True)
ms = lambda xs: (min(xs) * 1e3, statistics.median(xs) * 1e3)
pmin, pmed = ms(py)
print(f"Python CSafeLoader parse: min {pmin:.2f} ms, median {pmed:.2f} ms ({runs} runs)")
for b in binaries:
    cmin, cmed = ms(conv[b])
    print(f"{b}: min {cmin:.2f} ms, median {cmed:.2f} ms; ratio min/min {cmin / pmin:.3f}, median/median {cmed / pmed:.3f}")
