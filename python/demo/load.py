#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""make demo-load's model file and its loader (standard library only).

A model stored safetensors-style: an 8-byte little-endian header length,
a JSON header naming each tensor's dtype, shape and data_offsets (begin,
end, relative to the end of the header), then the data, the tensors laid
out in the order of their sorted names (as safetensors writes them).  A
loader builds the model layer by layer, so it reads in numeric layer
order (layers.2 before layers.10), not in file order: an order that
repeats from load to load and that the file's header gives away.

  load.py write FILE --mib N [--seed S]   write a model of about N MiB
  load.py load FILE [--prefetch CMD --window-mib W] [--block-size B]
                                         read it tensor by tensor in load
                                         order; prints {"seconds", "bytes",
                                         "device_blocks", ...}
  load.py report LOG [OUTDIR]            the table of scripts/demo-load's
                                         RESULT lines; OUTDIR/demo-load.json

With --prefetch, the loader itself asks for the tensors ahead of it from
the header's manifest: CMD (e.g. "aattsctl prefetch demo") gets
--range=OFF:LEN arguments, one per device block (--block-size, each block
once), for the next W MiB of tensors in load order, run in the background,
never more than one at a time; the blocks CMD
says it started ("started for N blocks", aattsctl's words) are counted.
The first request is waited for before the first tensor is read: the
head of the model is in flight before the reader needs it, however long
CMD takes to start (under emulation, with a debug kernel, longer than a
small model takes to read).
"""
import argparse
import fcntl
import json
import math
import os
import random
import re
import shlex
import struct
import subprocess
import sys
import time

FS_IOC_FIEMAP = 0xC020660B
FIEMAP_FLAG_SYNC = 0x1
FIEMAP_EXTENT_SIZE = 56
FIEMAP_HEADER = struct.Struct("=QQIIII")
FIEMAP_EXTENT = struct.Struct("=QQQ16xI12x")


def layer_key(name):
    """Load order: the embedding, the layers by number (each by its own
    tensors' names), the head last."""
    rank = 0 if name.startswith("embed") else 2 if name.startswith("head") else 1
    return [rank] + [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def write(path, mib, seed):
    rnd = random.Random(seed)
    total = mib << 20
    tensors = {"embed.weight": 0, "head.weight": 0}
    layers = 0
    names = []
    while True:
        for part in ("attn.qkv", "attn.out", "mlp.up", "mlp.down", "norm"):
            names.append("layers.%d.%s.weight" % (layers, part))
        layers += 1
        if layers >= 24:
            break
    names += list(tensors)
    # Sizes: lognormal, scaled so that the model is about mib MiB, each a
    # multiple of 4 KiB (a float32 tensor of 1024-element rows).
    raw = [rnd.lognormvariate(0, 0.8) for _ in names]
    scale = total / sum(raw)
    sizes = {n: max(4096, int(r * scale) // 4096 * 4096) for n, r in zip(names, raw)}
    header, off = {}, 0
    for n in sorted(names):            # file order: sorted names
        header[n] = {"dtype": "F32", "shape": [sizes[n] // 4096, 1024],
                     "data_offsets": [off, off + sizes[n]]}
        off += sizes[n]
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-(8 + len(text)) % 4096)   # data aligned to 4 KiB
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        chunk = rnd.randbytes(1 << 20)
        left = off
        while left > 0:
            f.write(chunk[:min(left, len(chunk))])
            left -= len(chunk)
        f.flush()
        os.fsync(f.fileno())
    print(json.dumps({"tensors": len(names), "bytes": off, "header": len(text)}))


def manifest(f):
    """(name, file offset, length) of every tensor, in load order."""
    n = struct.unpack("<Q", os.pread(f, 8, 0))[0]
    if n > 1 << 26:
        raise ValueError("header of %d bytes: not a model file" % n)
    header = json.loads(os.pread(f, n, 8))
    out = []
    for name in sorted(header, key=layer_key):
        b, e = header[name]["data_offsets"]
        out.append((name, 8 + n + b, e - b))
    return out


def fiemap(f):
    """(logical, physical, length) of the file's extents."""
    count = 512
    buf = bytearray(FIEMAP_HEADER.size + count * FIEMAP_EXTENT_SIZE)
    FIEMAP_HEADER.pack_into(buf, 0, 0, 0xFFFFFFFFFFFFFFFF, FIEMAP_FLAG_SYNC, 0, count, 0)
    fcntl.ioctl(f, FS_IOC_FIEMAP, buf)
    mapped = FIEMAP_HEADER.unpack_from(buf, 0)[3]
    if mapped >= count:
        raise ValueError("more than %d extents" % count)
    return [FIEMAP_EXTENT.unpack_from(buf, FIEMAP_HEADER.size + i * FIEMAP_EXTENT_SIZE)[:3]
            for i in range(mapped)]


def device_ranges(exts, off, length):
    """The device byte ranges of file bytes [off, off + length)."""
    out = []
    for lo, phys, n in exts:
        a, b = max(off, lo), min(off + length, lo + n)
        if a < b:
            out.append((phys + a - lo, b - a))
    return out


STARTED = re.compile(r"started for (\d+) blocks")


def started_blocks(job):
    """Waits for a prefetch job; the blocks it says it started."""
    out, _ = job.communicate()
    if job.returncode != 0:
        raise RuntimeError("prefetch command failed (exit %d)" % job.returncode)
    return sum(int(m) for m in STARTED.findall(out.decode(errors="replace")))


def device_blocks(exts, block_size):
    """How many block_size blocks of the device hold the file's data."""
    blocks = set()
    for _, phys, n in exts:
        blocks.update(range(phys // block_size, (phys + n - 1) // block_size + 1))
    return len(blocks)


def next_window(tensors, i, asked, window):
    """The reader is at tensors[i]; tensors[:asked] were asked for.  The
    tensors to ask for now, tensors[first:last], fill the window past the
    reader, in load order (whole device blocks of them, each once, are
    asked by the caller).  Never the one being read or any before it: a
    prefetch that slept for queue room may have been overtaken."""
    first = max(asked, i + 1)
    ahead = sum(t[2] for t in tensors[i + 1:first])
    last = first
    while last < len(tensors) and ahead < window:
        ahead += tensors[last][2]
        last += 1
    return first, last


def load(path, prefetch, window_mib, block_size):
    f = os.open(path, os.O_RDONLY)
    started = requests = 0
    try:
        try:
            exts = fiemap(f)
        except OSError:
            if prefetch:        # the device ranges are needed
                raise
            exts = None         # tmpfs, say: no device blocks
        t0 = time.monotonic()
        tensors = manifest(f)
        window = window_mib << 20
        asked = 0            # tensors[:asked] were asked for
        sent = set()         # the device blocks asked for
        job = None
        total = 0
        for i, (name, off, length) in enumerate(tensors):
            if prefetch and (job is None or job.poll() is not None):
                if job is not None:
                    started += started_blocks(job)
                    job = None
                first, asked = next_window(tensors, i, asked, window)
                args = []
                for _, o, n in tensors[first:asked]:
                    for d, dn in device_ranges(exts, o, n):
                        blocks = range(d // block_size, (d + dn - 1) // block_size + 1)
                        args += ["--range=%d:%d" % (b * block_size, block_size)
                                 for b in blocks if b not in sent]
                        sent.update(blocks)
                if args:
                    job = subprocess.Popen(shlex.split(prefetch) + args,
                                           stdout=subprocess.PIPE)
                    requests += 1
                    if i == 0:
                        started += started_blocks(job)
                        job = None
            got = 0
            while got < length:
                b = os.pread(f, min(length - got, 1 << 20), off + got)
                if not b:
                    raise IOError("%s: short read at %d" % (name, off + got))
                got += len(b)
            total += got
        seconds = time.monotonic() - t0
        if job is not None:
            started += started_blocks(job)
    finally:
        os.close(f)
    out = {"seconds": round(seconds, 3), "bytes": total, "tensors": len(tensors),
           "device_blocks": None if exts is None else device_blocks(exts, block_size)}
    if prefetch:
        out.update(prefetch_requests=requests, prefetch_started=started)
    print(json.dumps(out))


# scripts/demo-load's lines: "RESULT VARIANT LOAD SECONDS HIT PREFETCHED USED"
# (HIT, PREFETCHED and USED "-" where they do not apply).
def parse_results(lines):
    variants = {}
    for line in lines:
        f = line.split()
        if len(f) != 7 or f[0] != "RESULT":
            continue
        num = [None if x == "-" else float(x) for x in f[3:]]
        variants.setdefault(f[1], []).append({
            "load": int(f[2]), "seconds": num[0], "hit_ratio": num[1],
            "prefetched_blocks": None if num[2] is None else int(num[2]),
            "used_blocks": None if num[3] is None else int(num[3])})
    return [{"name": n, "loads": loads} for n, loads in variants.items()]


def summary(variant):
    """First load; the later loads' mean time and hit ratio; precision
    (used / prefetched blocks) over the later loads."""
    loads = variant["loads"]
    first, later = loads[0], loads[1:] or loads[:1]
    pre = sum(x["prefetched_blocks"] or 0 for x in later)
    used = sum(x["used_blocks"] or 0 for x in later)
    hits = [x["hit_ratio"] for x in later if x["hit_ratio"] is not None]
    return {"first_seconds": first["seconds"],
            "later_seconds": sum(x["seconds"] for x in later) / len(later),
            "first_hit_ratio": first["hit_ratio"],
            "later_hit_ratio": sum(hits) / len(hits) if hits else None,
            "prefetched_blocks": pre,
            "precision": used / pre if pre else None}


def report(log, outdir):
    with open(log, errors="replace") as f:
        variants = parse_results(f)
    if not variants:
        print("report: no RESULT line in %s" % log, file=sys.stderr)
        return 1
    for v in variants:
        v["summary"] = summary(v)
    base = next((v["summary"]["later_seconds"] for v in variants
                 if v["name"] == "no-cache"), None)

    def num(x, fmt):
        return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt % x
    print("%-9s %9s %9s %11s %8s %8s %10s %9s" % (
        "variant", "load 1 s", "later s", "vs no-cache", "hit 1", "hit later",
        "prefetched", "precision"))
    for v in variants:
        s = v["summary"]
        speed = base / s["later_seconds"] if base and s["later_seconds"] else None
        print("%-9s %9.2f %9.2f %11s %8s %8s %10s %9s" % (
            v["name"], s["first_seconds"], s["later_seconds"], num(speed, "%.2fx"),
            num(s["first_hit_ratio"], "%.2f"), num(s["later_hit_ratio"], "%.2f"),
            s["prefetched_blocks"] or "-", num(s["precision"], "%.2f")))
    if outdir:
        os.makedirs(outdir, exist_ok=True)
        with open(os.path.join(outdir, "demo-load.json"), "w") as f:
            json.dump({"variants": variants}, f, indent=1)
            f.write("\n")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("file")
    w.add_argument("--mib", type=int, required=True)
    w.add_argument("--seed", type=int, default=1)
    ld = sub.add_parser("load")
    ld.add_argument("file")
    ld.add_argument("--prefetch")
    ld.add_argument("--window-mib", type=int, default=8)
    ld.add_argument("--block-size", type=int, default=128 << 10,
                    help="the device's block size (device_blocks)")
    rep = sub.add_parser("report")
    rep.add_argument("log")
    rep.add_argument("outdir", nargs="?")
    a = p.parse_args()
    if a.cmd == "write":
        write(a.file, a.mib, a.seed)
    elif a.cmd == "load":
        load(a.file, a.prefetch, a.window_mib, a.block_size)
    else:
        return report(a.log, a.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
