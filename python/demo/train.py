# SPDX-License-Identifier: GPL-2.0-only
"""make demo's trainer (runs as root inside the test VM, started by
scripts/demo): one process, torch imported once, trains the same small CNN
with the same seeds under each variant, rebuilding the devices between
variants, and prints one result line (report.MARK + JSON) at the end.

Devices: /dev/ram1 holds the slow tier (ext4 with the data set, written
once), reached through dm-delay; /dev/ram0 holds the fast tier (a dm-linear
slice of FAST_PCT % of the data set's bytes) and /dev/ram2 dm-cache's
metadata.  Per variant a fresh cache over the same slow tier: nothing of a
variant is left for the next one.

Environment: DEMO_SAMPLES (2000), DEMO_EPOCHS (4), DEMO_VARIANTS (comma
list, default all), DEMO_DELAY_MS (slow tier latency per I/O, 2),
DEMO_FAST_PCT (20), DEMO_SEED (1), DEMO_BATCH (64), DEMO_SOCK (aattsd's
socket), DEMO_BLOCK_KIB (aatts block size, 4)."""
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import report                                   # noqa: E402  (python/demo)
from aatts import (CacheAwareSampler, Client, ImportanceSampler,   # noqa: E402
                   OrderPublisher, SampleDirDataset)

ALL = ["all-fast", "no-cache", "dm-cache", "lru", "default", "isa",
       "isa+substitution", "order"]
SLOW_RAM, FAST_RAM, META_RAM = "/dev/ram1", "/dev/ram0", "/dev/ram2"
SLOW, FAST, CACHE = "demo_slow", "demo_fast", "demo_cache"
MNT = "/tmp/demo-mnt"
CLASSES = 10
SHAPE = (3, 32, 32)
SAMPLE_BYTES = 1 + 3 * 32 * 32


def env(name, default):
    return type(default)(os.environ.get(name, default))


N = env("DEMO_SAMPLES", 2000)
EPOCHS = env("DEMO_EPOCHS", 4)
DELAY_MS = env("DEMO_DELAY_MS", 2)
FAST_PCT = env("DEMO_FAST_PCT", 20)
SEED = env("DEMO_SEED", 1)
BATCH = env("DEMO_BATCH", 64)
SOCK = env("DEMO_SOCK", "/run/aatts/aattsd.sock")
BLOCK_KIB = env("DEMO_BLOCK_KIB", 4)
TEST_N = env("DEMO_TEST_SAMPLES", 1000)


def log(*a):
    print("#", *a, flush=True)


def sh(*cmd, input=None):
    r = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def sectors(dev):
    return int(sh("blockdev", "--getsz", dev))


def dm_create(name, table):
    sh("dmsetup", "create", name, "--table", table)
    sh("dmsetup", "mknodes", name)


def dm_remove(*names):
    for n in names:
        if subprocess.run(["dmsetup", "info", n], capture_output=True).returncode == 0:
            for _ in range(50):
                if subprocess.run(["dmsetup", "remove", n],
                                  capture_output=True).returncode == 0:
                    break
                time.sleep(0.2)
            else:
                sh("dmsetup", "remove", n)


def devno(name):
    return sh("dmsetup", "info", "-c", "--noheadings", "-o", "major,minor",
              "--separator", ":", name).strip()


def dm_kname(name):
    """dm-N of a device-mapper device."""
    return os.path.basename(os.path.realpath(f"/sys/dev/block/{devno(name)}"))


def sectors_read(name):
    with open(f"/sys/block/{dm_kname(name)}/stat") as f:
        return int(f.read().split()[2])


def aatts_dir(name):
    for d in os.listdir("/sys/kernel/aatts"):
        p = f"/sys/kernel/aatts/{d}"
        try:
            with open(f"{p}/name") as f:
                if f.read().strip() == name:
                    return p
        except OSError:
            pass
    raise RuntimeError(f"no /sys/kernel/aatts entry for {name}")


def aatts_stat(name, key):
    with open(f"{aatts_dir(name)}/{key}") as f:
        return int(f.read())


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("1\n")


# --- the data set ---------------------------------------------------------
def make_images(rng_seed, n, np):
    """n labelled images of CLASSES noisy templates (uint8, label)."""
    g = np.random.default_rng(rng_seed)
    t = np.random.default_rng(SEED).normal(0, 1, size=(CLASSES,) + SHAPE)
    # Smooth templates: 4x4 blocks upsampled, so the classes overlap.
    t = t[:, :, ::4, ::4].repeat(4, axis=2).repeat(4, axis=3)
    labels = g.integers(0, CLASSES, size=n)
    x = 0.15 * t[labels] + g.normal(0, 1, size=(n,) + SHAPE)
    img = np.clip(128 + 40 * x, 0, 255).astype(np.uint8)
    return img, labels.astype(np.uint8)


def write_dataset(np):
    """ext4 on SLOW_RAM, one file per sample under MNT/data."""
    sh("mkfs.ext4", "-q", "-F", "-b", "4096", "-N", str(N + 1024), SLOW_RAM)
    os.makedirs(MNT, exist_ok=True)
    sh("mount", SLOW_RAM, MNT)
    img, lab = make_images(SEED * 1000 + 1, N, np)
    os.makedirs(f"{MNT}/data")
    for i in range(N):
        with open(f"{MNT}/data/s{i:06d}", "wb") as f:
            f.write(bytes([lab[i]]) + img[i].tobytes())
    sh("umount", MNT)
    os.sync()


# --- devices per variant ------------------------------------------------------
def fast_sectors():
    blocks = -(-N * SAMPLE_BYTES // 4096)      # the data set's 4 KiB blocks
    s = blocks * 8 * FAST_PCT // 100
    bs = BLOCK_KIB * 2
    return max(bs, s // bs * bs)


def setup(variant):
    """Builds the stack of variant; returns (device to mount, stats kind)."""
    n = sectors(SLOW_RAM)
    if variant == "all-fast":       # the data set on a RAM disk, no delay
        dm_create(SLOW, f"0 {n} linear {SLOW_RAM} 0")
        return f"/dev/mapper/{SLOW}", "none"
    dm_create(SLOW, f"0 {n} delay {SLOW_RAM} 0 {DELAY_MS}")
    if variant == "no-cache":
        return f"/dev/mapper/{SLOW}", "none"
    fs = fast_sectors()
    dm_create(FAST, f"0 {fs} linear {FAST_RAM} 0")
    if variant == "dm-cache":
        # Zeroed metadata: a fresh cache.  32 KiB blocks, dm-cache's least.
        sh("dd", "if=/dev/zero", f"of={META_RAM}", "bs=1M", "count=8",
           "oflag=direct", "status=none")
        dm_create(CACHE, f"0 {n} cache {META_RAM} /dev/mapper/{FAST} "
                  f"/dev/mapper/{SLOW} 64 1 writethrough smq 0")
        return f"/dev/mapper/{CACHE}", "dm-cache"
    policy = {"lru": "lru", "default": "default", "isa": "isa",
              "isa+substitution": "isa", "order": "default"}[variant]
    dm_create(CACHE, f"0 {n} aatts {devno(SLOW)} {devno(FAST)} "
              f"{BLOCK_KIB * 2} 2 policy {policy}")
    return f"/dev/mapper/{CACHE}", "aatts"


def teardown():
    if os.path.ismount(MNT):
        sh("umount", MNT)
    dm_remove(CACHE, FAST, SLOW)


def read_counts(kind):
    """(hits, misses) of the cache's reads so far."""
    if kind == "aatts":
        return aatts_stat(CACHE, "read_hits"), aatts_stat(CACHE, "read_misses")
    if kind == "dm-cache":
        f = sh("dmsetup", "status", CACHE).split()
        return int(f[7]), int(f[8])
    return 0, 0


def wait_served(c, name, secs=30):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            if c.devices(name):
                return
        except Exception:       # noqa: BLE001  (not yet: not_found)
            pass
        time.sleep(0.2)
    raise RuntimeError(f"aattsd does not serve {name} after {secs} s")


# --- training ------------------------------------------------------------------
def run_variant(variant, torch, np, test):
    torch.manual_seed(SEED)
    random.seed(SEED)
    dev, kind = setup(variant)
    sh("mount", "-o", "noatime", dev, MNT)
    client = None
    if variant in ("isa", "isa+substitution", "order"):
        client = Client(SOCK, timeout=120)
        wait_served(client, CACHE)

    def load(b):
        return b

    ds = SampleDirDataset(f"{MNT}/data", client=client, load=load)
    assert len(ds) == N, f"{len(ds)} sample files, want {N}"
    base = ImportanceSampler(N, warmup_epochs=1 if variant.startswith("isa")
                             else 10**9, seed=SEED)
    sampler, cas = base, None
    if variant == "isa+substitution":
        cas = CacheAwareSampler(base, ds.residency, important_fraction=0.2,
                                seed=SEED)
        sampler = cas
    elif variant == "order":
        sampler = OrderPublisher(base, client.order)

    # Small enough for TCG: about 3 ms a sample there (16x as much with
    # 8 and 16 channels of 5x5 and 3x3 at stride 2), 0.1 ms on the host.
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 4, stride=4), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(8 * 4 * 4, CLASSES))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss(reduction="none")
    tx, ty = test
    epochs = []
    for e in range(EPOCHS):
        sampler.set_epoch(e)
        drop_caches()
        h0, m0 = read_counts(kind)
        s0 = sectors_read(SLOW)
        subs0 = cas.substitutions if cas else 0
        t0 = time.monotonic()
        stall = 0.0
        it = iter(sampler)
        model.train()
        seen = 0
        while True:
            ts = time.monotonic()
            idx = []
            for i in it:
                idx.append(i)
                if len(idx) == BATCH:
                    break
            if not idx:
                break
            raw = [ds[i][0] for i in idx]
            x = torch.from_numpy(np.stack([np.frombuffer(b, np.uint8, offset=1)
                                           for b in raw]).reshape((-1,) + SHAPE))
            y = torch.tensor([b[0] for b in raw], dtype=torch.long)
            stall += time.monotonic() - ts
            x = x.float().div_(255).sub_(0.5)
            losses = lossf(model(x), y)
            opt.zero_grad()
            losses.mean().backward()
            opt.step()
            seen += len(idx)
            if variant.startswith("isa"):
                lv = losses.detach().tolist()
                base.update(idx, lv)
                ds.report_losses(idx, lv)
        if client is not None:
            client.epoch_end()
        secs = time.monotonic() - t0
        h1, m1 = read_counts(kind)
        s1 = sectors_read(SLOW)
        model.eval()
        with torch.no_grad():
            acc = (model(tx).argmax(1) == ty).float().mean().item()
        hr = (h1 - h0) / max(1, (h1 - h0) + (m1 - m0))
        ep = {"epoch": e + 1, "seconds": round(secs, 3),
              "stall_seconds": round(min(stall, secs), 3),
              "hit_ratio": round(hr, 4), "slow_bytes": (s1 - s0) * 512,
              "accuracy": round(acc, 4), "samples": seen,
              "read_hits": h1 - h0, "read_misses": m1 - m0}
        if cas:
            ep["substitutions"] = cas.substitutions - subs0
        report.check_epoch(ep)
        epochs.append(ep)
        log(f"{variant:17s} epoch {e + 1}: {secs:6.1f} s, stall {stall:6.1f} s, "
            f"hit {hr:.2f}, slow {(s1 - s0) / 2048:6.1f} MiB, acc {acc:.3f}"
            + (f", {ep['substitutions']} substitutions" if cas else ""))
    if client is not None:
        client.close()
    teardown()
    return {"name": variant, "kind": kind, "epochs": epochs}


def main():
    t_start = time.monotonic()
    import numpy as np
    import torch
    t0 = float(os.environ.get("DEMO_T0", "0") or 0)
    if t0:
        log(f"python3 started and imported torch in {time.time() - t0:.1f} s")
    torch.set_num_threads(1)     # faster than 2 under TCG (measured)
    variants = [v for v in os.environ.get("DEMO_VARIANTS", ",".join(ALL)).split(",") if v]
    for v in variants:
        if v not in ALL:
            raise SystemExit(f"unknown variant {v!r}; known: {', '.join(ALL)}")
    teardown()
    t = time.monotonic()
    write_dataset(np)
    log(f"data set: {N} files of {SAMPLE_BYTES} bytes on ext4 ({time.monotonic() - t:.1f} s); "
        f"fast tier {fast_sectors() // 2} KiB ({FAST_PCT}%), slow tier +{DELAY_MS} ms per I/O")
    img, lab = make_images(SEED * 1000 + 2, TEST_N, np)
    test = (torch.from_numpy(img).float().div_(255).sub_(0.5),
            torch.from_numpy(lab.astype(np.int64)))
    out = []
    for v in variants:
        t = time.monotonic()
        try:
            out.append(run_variant(v, torch, np, test))
        finally:
            teardown()
        log(f"{v}: {time.monotonic() - t:.1f} s")
    doc = {"config": {"samples": N, "epochs": EPOCHS, "delay_ms": DELAY_MS,
                      "fast_pct": FAST_PCT, "seed": SEED, "batch": BATCH,
                      "block_kib": BLOCK_KIB, "sample_bytes": SAMPLE_BYTES},
           "variants": out}
    report.check(doc)
    print(report.table(doc), flush=True)
    print(report.MARK + json.dumps(doc, separators=(",", ":")), flush=True)
    log(f"trainer total {time.monotonic() - t_start:.1f} s")


if __name__ == "__main__":
    main()
