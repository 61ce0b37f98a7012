#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py: turn the benchmark's results into docs/benchmarks.md.

Usage: bench-report.py [--data DIR] [--out DIR] [--no-plot]

Reads every DIR/<tag>.txt or DIR/results-<tag>.txt (the "# bench:" lines one
guest run of scripts/bench.sh produced, plus the host's lines) and writes
OUT/benchmarks.md (tables: medians with min-max, per-repetition ratios, CPU,
memory per device, the vhost-vdpa queue-size probe, errors) and, with
gnuplot, one plot per kernel, OUT/benchmarks-<tag>.png. Defaults: --data
docs/benchmarks-data, --out docs. Standard library only.
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

WORKLOADS = ["rr4k-qd1", "rr4k-qd32", "rw4k-qd32", "sr128k-qd8", "rr4k-qd32-2j"]
WL_TEXT = {
    "rr4k-qd1": "4k randread QD1",
    "rr4k-qd32": "4k randread QD32",
    "rw4k-qd32": "4k randwrite QD32",
    "sr128k-qd8": "128k seq read QD8",
    "rr4k-qd32-2j": "4k randread QD32 x2 jobs",
}
PATHS = ["vduse", "vduse-wq", "vduse-intree", "nbd", "null_blk", "vhost", "vhost-intree"]
PATH_TEXT = {
    "vduse": "ours (virtio-vdpa)",
    "vduse-wq": "ours, irq_inline=N (virtio-vdpa)",
    "vduse-intree": "in-tree (virtio-vdpa)",
    "nbd": "NBD",
    "null_blk": "null_blk",
    "vhost": "ours (vhost-vdpa, libblkio)",
    "vhost-intree": "in-tree (vhost-vdpa, libblkio)",
}
RATIOS = [
    ("ours / in-tree", "vduse", "vduse-intree"),
    ("ours: inline / workqueue interrupts", "vduse", "vduse-wq"),
    ("ours / NBD", "vduse", "nbd"),
    ("ours / null_blk", "vduse", "null_blk"),
    ("vhost: ours / in-tree", "vhost", "vhost-intree"),
]
KERNEL_ORDER = ["5.10", "6.1", "6.12-deb12", "6.12-deb13", "7.2"]


def parse_kv(text):
    """key=value tokens; a token without '=' continues the previous value."""
    out = {}
    last = None
    for tok in text.split():
        if "=" in tok and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tok):
            k, v = tok.split("=", 1)
            out[k] = v
            last = k
        elif last:
            out[last] += " " + tok
    return out


def load(path):
    d = {"meta": {}, "host": {}, "runs": [], "mem": [], "probe": [], "skip": [], "error": []}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("# bench: "):
                continue
            kind, _, rest = line[len("# bench: "):].partition(" ")
            if kind == "error":
                d["error"].append(rest)
                continue
            kv = parse_kv(rest)
            if kind in ("meta", "host"):
                d[kind].update(kv)
            elif kind == "run":
                d["runs"].append(kv)
            elif kind in ("mem", "probe", "skip"):
                d[kind].append(kv)
    return d


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def fmt_iops(v):
    if v is None:
        return "-"
    if v >= 10000:
        return "%.1fk" % (v / 1000)
    if v >= 1000:
        return "%.2fk" % (v / 1000)
    return "%.0f" % v


def fmt_range(vals, f=fmt_iops):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    med = statistics.median(vals)
    if len(vals) == 1:
        return f(med)
    return "%s [%s-%s]" % (f(med), f(min(vals)), f(max(vals)))


def ratio_fmt(v):
    return "%.2f" % v


def series(d, path, wl, key="iops"):
    """{rep: value} of one path and workload."""
    out = {}
    for r in d["runs"]:
        if r.get("path") == path and r.get("wl") == wl:
            out[r.get("rep")] = num(r.get(key))
    return out


def present_paths(d):
    seen = {r.get("path") for r in d["runs"]}
    return [p for p in PATHS if p in seen]


def present_wls(d):
    seen = {r.get("wl") for r in d["runs"]}
    return [w for w in WORKLOADS if w in seen]


def plot(d, tag, png):
    gp = shutil.which("gnuplot")
    if not gp:
        return False
    paths = present_paths(d)
    wls = present_wls(d)
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, "data")
        with open(dat, "w") as f:
            for wl in wls:
                cols = ['"%s"' % WL_TEXT[wl]]
                for p in paths:
                    vals = [v for v in series(d, p, wl).values() if v]
                    if vals:
                        cols += ["%g" % statistics.median(vals), "%g" % min(vals), "%g" % max(vals)]
                    else:
                        cols += ["?", "?", "?"]
                f.write(" ".join(cols) + "\n")
        plots = []
        for i, p in enumerate(paths):
            c = 2 + 3 * i
            src = "'%s'" % dat if i == 0 else "''"
            plots.append("%s using %d:%d:%d%s title '%s'" % (
                src, c, c + 1, c + 2, ":xtic(1)" if i == 0 else "", PATH_TEXT[p]))
        kver = d["meta"].get("kernel", tag)
        script = "\n".join([
            "set terminal pngcairo size 1100,560 font 'sans,10'" if "cairo" in
            subprocess.run([gp, "-e", "set terminal"], capture_output=True, text=True).stdout +
            subprocess.run([gp, "-e", "set terminal"], capture_output=True, text=True).stderr
            else "set terminal png size 1100,560",
            "set output '%s'" % png,
            "set datafile missing '?'",
            "set title 'vduse-dkms benchmark, %s (TCG, 2 vCPUs): median IOPS, bars min-max over %s repetitions'"
            % (kver, d["meta"].get("reps", "?")),
            "set style data histograms",
            "set style histogram errorbars gap 2 lw 1",
            "set style fill solid 0.8 border -1",
            "set logscale y",
            "set yrange [100:*]",
            "set ylabel 'IOPS (log scale)'",
            "set grid ytics",
            "set key below horizontal",
            "set termoption noenhanced",
            "set xrange [-0.6:%f]" % (len(wls) - 0.4),
            "set xtics nomirror",
            "plot " + ", ".join(plots),
        ])
        r = subprocess.run([gp], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            sys.stderr.write("bench-report: gnuplot failed: %s\n" % r.stderr.strip())
            return False
    return True


def table_head(first, cols):
    """The two header lines of a markdown table: FIRST, then COLS."""
    return ["| %s | " % first + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]


def kernel_section(d, tag, png_name, have_png):
    m, h = d["meta"], d["host"]
    paths = present_paths(d)
    wls = present_wls(d)
    L = []
    L.append("## %s (`%s`)" % (tag, m.get("kernel", "?")))
    L.append("")
    L.append("Results written %s on the host (%s cores, %s); guest %s vCPUs, %s MiB; %s repetitions, "
             "runtime %s s + ramp %s s per measurement; the guest's benchmark took %s s. "
             "Host load before the boot: `%s`; after: `%s`. %s; %s; our vduse %s."
             % (h.get("date", "?"), h.get("cores", "?"), h.get("model", "?").replace("_", " "),
                m.get("cpus", "?"), int(num(m.get("mem_kib")) or 0) // 1024, m.get("reps", "?"),
                m.get("runtime", "?"), m.get("ramp", "?"), m.get("seconds", "?"),
                m.get("hostload", "?"), h.get("hostload_end", "?"),
                m.get("qemu", "?").replace("_", " "), m.get("fio", "?"),
                m.get("vduse_ours", "?")))
    L.append("")
    if have_png:
        L.append("![%s](%s)" % (tag, png_name))
        L.append("")
    L.append("**IOPS**, median [min-max] over the repetitions (128k: MiB/s below):")
    L.append("")
    L.extend(table_head("workload", [PATH_TEXT[p] for p in paths]))
    for wl in wls:
        row = [WL_TEXT[wl]]
        for p in paths:
            s = series(d, p, wl)
            row.append(fmt_range(list(s.values())) if s else "n/a")
        L.append("| " + " | ".join(row) + " |")
    if "sr128k-qd8" in wls:
        row = ["128k seq read QD8, MiB/s"]
        for p in paths:
            s = series(d, p, "sr128k-qd8", "bw_kib")
            row.append(fmt_range([v / 1024 if v else None for v in s.values()],
                                 lambda v: "%.0f" % v) if s else "n/a")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    # per-repetition ratios
    rat = [(t, a, b) for (t, a, b) in RATIOS if a in paths and b in paths]
    if rat:
        L.append("**Ratios per repetition** (each repetition's pair measured minutes apart in "
                 "the same boot), median [min-max]; > 1 means ours is faster:")
        L.append("")
        L.extend(table_head("workload", [t for t, _, _ in rat]))
        for wl in wls:
            row = [WL_TEXT[wl]]
            for _, a, b in rat:
                sa, sb = series(d, a, wl), series(d, b, wl)
                rs = [sa[k] / sb[k] for k in sa if k in sb and sa[k] and sb[k]]
                row.append(fmt_range(rs, ratio_fmt) if rs else "n/a")
            L.append("| " + " | ".join(row) + " |")
        L.append("")
    # CPU
    L.append("**CPU**, medians: guest CPU busy (all of the guest, percent of one vCPU, "
             "max 200) / guest CPU time per I/O in microseconds / the daemon's CPU "
             "(qemu-storage-daemon utime+stime, percent of one vCPU; null_blk has none). "
             "fio's own usr+sys in the table after.")
    L.append("")
    L.extend(table_head("workload", [PATH_TEXT[p] for p in paths]))
    for wl in wls:
        row = [WL_TEXT[wl]]
        for p in paths:
            busy = [v for v in series(d, p, wl, "guest_busy").values() if v is not None]
            iops = series(d, p, wl)
            per = [series(d, p, wl, "guest_busy")[k] / 100 * 1e6 / iops[k]
                   for k in iops if iops[k] and series(d, p, wl, "guest_busy").get(k) is not None]
            dmn = [v for v in series(d, p, wl, "daemon_cpu").values() if v is not None]
            if not busy:
                row.append("n/a")
                continue
            row.append("%.0f%% / %.0f us / %s" % (
                statistics.median(busy), statistics.median(per) if per else 0,
                ("%.0f%%" % statistics.median(dmn)) if dmn and p != "null_blk" else "-"))
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    fp = [p for p in paths if not p.startswith("vhost")]
    L.extend(table_head("fio usr+sys %", [PATH_TEXT[p] for p in fp]))
    for wl in wls:
        row = [WL_TEXT[wl]]
        for p in fp:
            u = series(d, p, wl, "fio_usr")
            s = series(d, p, wl, "fio_sys")
            v = [u[k] + s[k] for k in u if u[k] is not None and s.get(k) is not None]
            row.append("%.0f" % statistics.median(v) if v else "n/a")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    # memory
    if d["mem"]:
        L.append("**Memory a device costs** (first repetition; kB, relative to the moment before "
                 "the daemon started): *kernel* is what the kernel holds (MemTotal - MemFree - "
                 "Buffers - Cached - AnonPages - the per-cpu free page lists: slab, page tables, "
                 "vmalloc, bounce pages, the disk's own structures), the median of 5 samples "
                 "taken after the page cache is dropped and the slab caches are shrunk, both for "
                 "the baseline and *idle* (bound, before any I/O); *load* is sampled in the "
                 "middle of the 128k read without dropping or shrinking anything first (requests "
                 "in flight, unshrunk slabs). The daemon's private memory (RssAnon) and the Slab growth beside it; "
                 "bounce_size from sysfs (bytes). Measurements older than the kernel column "
                 "show n/a there.")
        L.append("")
        L.append("| path | state | kernel | Slab growth | daemon RssAnon | bounce_size |")
        L.append("|---|---|---|---|---|---|")
        for p in paths:
            base = [x for x in d["mem"] if x.get("path") == p and x.get("state") == "base"]
            if not base:
                continue
            b = base[0]
            for st in ("idle", "load"):
                for x in d["mem"]:
                    if x.get("path") != p or x.get("state") != st:
                        continue
                    if num(x.get("Kernel")) is not None and num(b.get("Kernel")) is not None:
                        kern = "%+.0f" % (num(x.get("Kernel")) - num(b.get("Kernel")))
                    else:
                        kern = "n/a"
                    anon = num(x.get("qsd_anon")) or 0
                    slab = num(x.get("Slab")) - num(b.get("Slab"))
                    L.append("| %s | %s | %s | %+.0f | %.0f | %s |" % (
                        PATH_TEXT[p], st, kern, slab, anon, x.get("bounce_size", "-")))
        L.append("")
    if d["probe"]:
        L.append("**vhost-vdpa queue sizes** (tests/bench/vring-probe on the export's "
                 "/dev/vhost-vdpa-N: VHOST_VDPA_GET_VRING_NUM, GET_VRING_SIZE of queue 0, "
                 "VHOST_SET_VRING_NUM on queue 0 after a reset; libblkio: a 4k read with qemu-io):")
        L.append("")
        for x in d["probe"]:
            rest = " ".join("%s=%s" % (k, v) for k, v in x.items() if k not in ("path", "queue_size"))
            L.append("- %s, export queue-size=%s: `%s`" % (
                PATH_TEXT.get(x.get("path"), x.get("path")), x.get("queue_size", "?"), rest))
        L.append("")
    skips = [x for x in d["skip"] if "wl" not in x]
    if skips:
        L.append("Not measured: " + "; ".join(
            "%s (%s)" % (x.get("path"), x.get("reason", "").replace("-", " ")) for x in skips) + ".")
        L.append("")
    if d["error"]:
        L.append("**Errors in this run:**")
        L.append("")
        for e in d["error"]:
            L.append("- %s" % e)
        L.append("")
    return L


INTRO = """# Benchmarks

`make bench` (scripts/bench.sh; not part of `make check`) boots each kernel of
the matrix once under QEMU (tests/harness/run.sh, one guest at a time) and runs
tests/bench/10-bench.sh inside it. Every path serves the same null backend:
qemu-storage-daemon's `null-co` block driver (`read-zeroes=off`, 1 GiB), 512-byte
logical blocks, 2 queues of 256 entries:

| path | what |
|---|---|
| ours (virtio-vdpa) | `--export type=vduse-blk` through our `vduse.ko` and virtio_vdpa: `/dev/vdX` |
| in-tree (virtio-vdpa) | the same with the kernel's own `vduse.ko` (6.12, 7.2): `rmmod` ours, `insmod` the in-tree file, in the same boot |
| NBD | the same daemon's `--export type=nbd` on a unix socket, the kernel NBD client attached straight to it (tests/bench/nbd-attach.c, 2 connections; `qemu-nbd -c` would add a second daemon to the path) |
| null_blk | the kernel's null_blk: `queue_mode=2 submit_queues=2 hw_queue_depth=256 bs=512 gb=1 irqmode=1 memory_backed=0`; no userspace, the ceiling |
| ours / in-tree (vhost-vdpa, libblkio) | the export bound to vhost_vdpa, driven through libblkio's `virtio-blk-vhost-vdpa` driver (`path=/dev/vhost-vdpa-N`) by tests/bench/blkio-bench.c (the VM path without a VM) |

Workloads: fio 3.39, `ioengine=libaio direct=1 time_based`, a ramp before each
measurement, `norandommap randrepeat=0`: 4k random read at QD1 and QD32, 4k
random write QD32, 128k sequential read QD8, and 4k random read QD32 with
`numjobs=2` (the two queues). On the vhost-vdpa paths tests/bench/blkio-bench.c
runs the same workloads through libblkio 1.5: time-based with the same runtime
and ramp, random offsets aligned to the request size over the whole device
(sequential for the 128k read), the queue depth kept full with
`blkioq_do_io()`, one libblkio queue and thread per job (the two-job row uses
both queues), every completion's status checked. Its buffers come from
`blkio_alloc_mem_region()` (memfd memory, mapped shared): vhost-vdpa in VA
mode, the mode of VDUSE devices, puts only shared file-backed memory into the
device's IOTLB. A buffer of plain anonymous memory (`blkio-bench --anon-buf`)
maps without an error on 7.2, but the daemon cannot reach it:
qemu-storage-daemon logs `virtio: invalid address for buffers` and the request
never completes. `qemu-img bench`, used before, failed on every workload
before its first request, for another reason: QEMU's blkio driver refuses to
register qemu-img's buffer unless it is aligned to libblkio's
`mem-region-alignment`, 4096 bytes for `virtio-blk-vhost-vdpa` (1 for
`virtio-blk-vhost-user`, where qemu-img bench works): `qemu-img: unaligned buf
0x562289115f00 with size 4096`.

Order: the paths are interleaved, A B C D ... A B C D ..., the device set up
anew each time; a ratio (ours / in-tree, ours / NBD, ours / null_blk) is taken
per repetition from the two measurements of the same repetition, then its
median and range over the repetitions are shown. CPU: `/proc/stat` deltas over
each fio or blkio-bench run (the whole guest), fio's own usr/sys (blkio-bench
reports none), and qemu-storage-daemon's utime+stime from `/proc/PID/stat`.

**Caveat.** These are TCG guests (no KVM) with 2 vCPUs on one host thread, on a
2-core host shared with other builds and guest runs. Absolute figures vary
from run to run and machine to machine by tens of percent; only ratios measured
in the same run (the same boot, interleaved) mean anything. Each kernel's
section names the host's load before and after its run.

Reproduce (as root, from a checkout; builds the modules first, installs
gnuplot-nox if missing, writes this file and the plots):

    make bench                                   # every kernel, 3 repetitions
    make bench KERNELS="6.1 7.2"                 # some kernels
    VDK_BENCH_REPS=5 VDK_BENCH_RUNTIME=10 make bench KERNELS=7.2
    scripts/bench.sh --help                      # all knobs

**vhost-vdpa queue sizes (`VHOST_SET_VRING_NUM`).** On the vhost-vdpa paths the
benchmark also runs tests/bench/vring-probe against the export's
`/dev/vhost-vdpa-N` (export `queue-size=256`, and in the first repetition a
second export with `queue-size=128`, where libblkio also tries a 4k read). The
kernels differ (Debian's linux-source 6.12.107 and 7.2.13): 7.2's
`drivers/vhost/vdpa.c` handles `VHOST_SET_VRING_NUM` itself
(`vhost_vdpa_vring_ioctl()`, lines 691-707) and answers `EINVAL` for a size
above `v->vq_num_max`, which `_compat_vdpa_reset()` (lines 256-261) caches from
`ops->get_vq_num_max()` after every reset; for VDUSE that is the largest
`max_size` of any queue (`vduse_vdpa_get_vq_num_max()`, vduse_dev.c 762-772,
set by `VDUSE_VQ_SETUP`, line 1475). 6.12 only has vhost.c's generic check
(`vhost_vring_set_num()`, vhost.c 2049: non-zero, at most 0xffff, a power of 2)
and passes any such size to the device (vdpa.c 768-770), so a driver can set a
ring larger than the device offers. A virtio driver may lower a queue's size,
never raise it above the device's maximum: 7.2 is right (a per-queue check
against the queue's own `max_size` would be exact where queues differ). Our
vhost_vdpa (5.10, 6.1; src/vhost_vdpa/ioctl.c `vhost_vdpa_vq_set_state()`)
answers `EINVAL` like 7.2's, and our vduse keeps a queue larger than its own
`max_size` disabled (`vduse_vdpa_set_vq_ready()`), so behind a vhost-vdpa
without the check such a ring never reaches the daemon (docs/vduse.md,
tests/uapi vhost part). Debian's 6.12.117 kernel, the one the harness boots,
answers `EINVAL` like 7.2.

Raw results: docs/benchmarks-data/<kernel>.txt (the guest's `# bench:` lines);
`scripts/bench.sh --report-only` rebuilds this page from them.
"""


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(top, "docs", "benchmarks-data"))
    ap.add_argument("--out", default=os.path.join(top, "docs"))
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()
    files = {}
    for f in sorted(glob.glob(os.path.join(a.data, "*.txt"))):
        tag = os.path.basename(f)[:-4]
        if tag.startswith("results-"):
            tag = tag[len("results-"):]
        files[tag] = f
    if not files:
        sys.exit("bench-report: no results in %s" % a.data)
    tags = sorted(files, key=lambda t: (KERNEL_ORDER.index(t) if t in KERNEL_ORDER else 99, t))
    os.makedirs(a.out, exist_ok=True)
    L = [INTRO]
    # A summary of the headline ratio across kernels.
    data = {t: load(files[t]) for t in tags}
    L.append("## Summary: 4k random read QD32 and 128k sequential read, medians of the "
             "per-repetition ratios")
    L.append("")
    L.append("| kernel | ours IOPS (4k QD32) | ours / in-tree | ours / NBD | ours / null_blk "
             "| ours / in-tree (128k) | vhost ours / in-tree (4k QD32) | host load (1 min) |")
    L.append("|---|---|---|---|---|---|---|---|")
    for t in tags:
        d = data[t]
        cells = [t]
        s = [v for v in series(d, "vduse", "rr4k-qd32").values() if v]
        cells.append(fmt_iops(statistics.median(s)) if s else "-")
        for wl, a_, b_ in (("rr4k-qd32", "vduse", "vduse-intree"), ("rr4k-qd32", "vduse", "nbd"),
                           ("rr4k-qd32", "vduse", "null_blk"), ("sr128k-qd8", "vduse", "vduse-intree"),
                           ("rr4k-qd32", "vhost", "vhost-intree")):
            sa, sb = series(d, a_, wl), series(d, b_, wl)
            rs = [sa[k] / sb[k] for k in sa if k in sb and sa[k] and sb[k]]
            cells.append(fmt_range(rs, ratio_fmt) if rs else "n/a")
        mload = re.search(r"load average: ([0-9.]+)", d["meta"].get("hostload", ""))
        cells.append(mload.group(1) if mload else "?")
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    for t in tags:
        d = data[t]
        png_name = "benchmarks-%s.png" % t
        have = False
        if not a.no_plot and d["runs"]:
            have = plot(d, t, os.path.join(a.out, png_name))
        L += kernel_section(d, t, png_name, have)
    with open(os.path.join(a.out, "benchmarks.md"), "w") as f:
        f.write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
