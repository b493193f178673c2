# SPDX-License-Identifier: GPL-2.0-only
"""make demo's trainer (runs as root inside the test VM, started by
scripts/demo): one process, torch imported once, trains the same small CNN
with the same seeds under each variant and prints the table and one result
line (report.MARK + JSON) at the end.

Devices: /dev/ram1 holds the data set (ext4, one file per sample, written
once); each variant reaches it through its own dm-delay (the slow tier)
and its own cache, mounted read-only at MNT/<k>; /dev/ram0 holds the fast
tiers (one dm-linear slice of FAST_PCT % of the data set per variant),
/dev/ram2 dm-cache's metadata.  All variants are set up at once and their
epochs interleaved (epoch e of each, the order rotated every epoch), so
that a busy host slows them alike; the page cache is dropped before each.

Environment: DEMO_SAMPLES (1000), DEMO_EPOCHS (4), DEMO_VARIANTS (comma
list, default all), DEMO_DELAY_MS (slow tier latency per I/O, 2),
DEMO_FAST_PCT (20), DEMO_SEED (1), DEMO_BATCH (64), DEMO_SOCK (aattsd's
socket), DEMO_BLOCK_KIB (aatts block size, 4), DEMO_ORDER_POLICY (the order
variant's policy, lru), DEMO_ORDER_WINDOW (samples aattsd prefetches ahead
of the reader in the order variant; 0: none, only the order's hints;
default "auto": aattsd sizes it from the reader's rate, the slow tier's
bandwidth and a quarter of the fast tier), DEMO_SUB_WINDOW (isa+substitution's
window: a resident substitute serves at most once per window, 256),
DEMO_SUB_IMPORTANT (the fraction of the samples, by weight, that
isa+substitution never replaces, 0.1), DEMO_SUB_GROUPS (1: a substitute
has the class of the pick it replaces; 0: any class), DEMO_ORDER_DUE (the
order variant's cursors aattsd may be behind, Client's max_due, 1)."""
import json
import os
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
MNT = "/tmp/demo-mnt"
CLASSES = 10
SHAPE = (3, 32, 32)
SAMPLE_BYTES = 1 + 3 * 32 * 32


def env(name, default):
    return type(default)(os.environ.get(name, default))


N = env("DEMO_SAMPLES", 1000)
EPOCHS = env("DEMO_EPOCHS", 4)
DELAY_MS = env("DEMO_DELAY_MS", 2)
FAST_PCT = env("DEMO_FAST_PCT", 20)
SEED = env("DEMO_SEED", 1)
BATCH = env("DEMO_BATCH", 64)
SOCK = env("DEMO_SOCK", "/run/aatts/aattsd.sock")
BLOCK_KIB = env("DEMO_BLOCK_KIB", 4)
TEST_N = env("DEMO_TEST_SAMPLES", 1000)
ORDER_POLICY = os.environ.get("DEMO_ORDER_POLICY", "lru")


def _order_window():
    """None: aattsd sizes the window (the cursor sends none).  Its cap, a
    quarter of the fast tier, is what the demo named before: each sample
    read brings in up to two blocks (its prefetch, and its own promotion
    when the prefetch came late), so a prefetched block stays about half
    the fast tier's worth of samples; with half the fast tier as the
    window the far end was evicted before it was read (hit ratio 0.14 to
    0.20)."""
    w = os.environ.get("DEMO_ORDER_WINDOW", "auto")
    return None if w == "auto" else int(w)


ORDER_WINDOW = _order_window()
SUB_WINDOW = env("DEMO_SUB_WINDOW", 256)
SUB_IMPORTANT = float(os.environ.get("DEMO_SUB_IMPORTANT", "0.1"))
SUB_GROUPS = env("DEMO_SUB_GROUPS", 1)
ORDER_DUE = env("DEMO_ORDER_DUE", 1)


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
    x = 0.2 * t[labels] + g.normal(0, 1, size=(n,) + SHAPE)
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
    """FAST_PCT % of the data set as stored: each sample file takes whole
    4 KiB blocks of ext4."""
    blocks = N * -(-SAMPLE_BYTES // 4096)
    s = blocks * 8 * FAST_PCT // 100
    bs = BLOCK_KIB * 2
    return max(bs, s // bs * bs)


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


class Variant:
    """One variant's stack, mounted read-only at MNT/<k>, with its own
    model, optimiser, sampler and trainer connection.  k numbers the
    variants: their devices are demo_{slow,fast,cache}_<k>, the fast tier
    the k-th slice of FAST_RAM."""

    def __init__(self, k, name, torch, np):
        self.k, self.name, self.torch, self.np = k, name, torch, np
        self.slow, self.fast, self.cache = (f"demo_slow_{k}", f"demo_fast_{k}",
                                            f"demo_cache_{k}")
        self.mnt = f"{MNT}/{k}"
        self.kind = "none"
        self.client = None
        self.epochs = []
        self.setup()

    def setup(self):
        n = sectors(SLOW_RAM)
        v = self.name
        if v == "all-fast":         # the data set on a RAM disk, no delay
            dm_create(self.slow, f"0 {n} linear {SLOW_RAM} 0")
        else:
            dm_create(self.slow, f"0 {n} delay {SLOW_RAM} 0 {DELAY_MS}")
        dev = f"/dev/mapper/{self.slow}"
        if v not in ("all-fast", "no-cache"):
            fs = fast_sectors()
            dm_create(self.fast, f"0 {fs} linear {FAST_RAM} {self.k * fs}")
            if v == "dm-cache":
                # Zeroed metadata: a fresh cache.  32 KiB blocks, its least.
                sh("dd", "if=/dev/zero", f"of={META_RAM}", "bs=1M",
                   "count=8", "oflag=direct", "status=none")
                dm_create(self.cache, f"0 {n} cache {META_RAM} "
                          f"/dev/mapper/{self.fast} /dev/mapper/{self.slow} "
                          "64 1 writethrough smq 0")
                self.kind = "dm-cache"
            else:
                policy = {"lru": "lru", "default": "default", "isa": "isa",
                          "isa+substitution": "isa", "order": ORDER_POLICY}[v]
                dm_create(self.cache, f"0 {n} aatts {devno(self.slow)} "
                          f"{devno(self.fast)} {BLOCK_KIB * 2} 2 policy {policy}")
                self.kind = "aatts"
            dev = f"/dev/mapper/{self.cache}"
        os.makedirs(self.mnt, exist_ok=True)
        # Read-only: the same ext4 is mounted through every variant's stack.
        sh("mount", "-o", "ro,noatime", dev, self.mnt)
        if v in ("isa", "isa+substitution", "order"):
            self.client = Client(SOCK, timeout=120, max_due=ORDER_DUE)
            wait_served(self.client, self.cache)
        self.ds = SampleDirDataset(f"{self.mnt}/data", client=self.client)
        assert len(self.ds) == N, f"{len(self.ds)} sample files, want {N}"
        self.base = ImportanceSampler(
            N, warmup_epochs=1 if v.startswith("isa") else 10**9, seed=SEED)
        self.sampler, self.cas = self.base, None
        self.windows = []       # the order cursor's windows, this epoch
        self.cursor_secs = 0.0  # time in order_cursor calls, this epoch
        if v == "isa+substitution":
            # Windows of SUB_WINDOW picks, each asking about every
            # low-importance sample (one residency request): every
            # resident one is found, and used at most once per window.
            # aattsd prefetches the top-scored samples that fit the fast
            # tier at each epoch_end, so the resident set is the top 20%
            # by weight; with the top 10% important (never replaced), the
            # next 10% are resident substitutes.  A substitute has the
            # class of the pick it replaces (DEMO_SUB_GROUPS=1; the labels,
            # as a data set's manifest would give them), so batches keep
            # their class mix.  Measured (Documentation/demo.rst, run F):
            # without classes, windows of 128 reached an effective 0.73 at
            # 52% accuracy; with them, 0.1 and 256: 0.62 at 97.6%.
            groups = (make_images(SEED * 1000 + 1, N, self.np)[1].tolist()
                      if SUB_GROUPS else None)
            self.cas = CacheAwareSampler(self.base, self.ds.residency,
                                         important_fraction=SUB_IMPORTANT, seed=SEED,
                                         window=SUB_WINDOW, pool=N, groups=groups)
            self.sampler = self.cas
        elif v == "order":
            # The reader's position every 16 samples: aattsd prefetches
            # the next ORDER_WINDOW samples of the published order.  The
            # loop does not wait for aattsd's replies (wait=False): they
            # are read as they come, and the time the calls took is
            # counted (cursor_seconds).
            c = self.client

            def cursor(i):
                t = time.monotonic()
                for r in c.order_cursor(i, window=ORDER_WINDOW, wait=False):
                    self.windows.append(r.get("window", 0))
                self.cursor_secs += time.monotonic() - t
            self.sampler = OrderPublisher(
                self.base, c.order, every=16,
                cursor=cursor if ORDER_WINDOW != 0 else None)
        torch = self.torch
        torch.manual_seed(SEED)
        # Small enough for TCG: about 3 ms a sample there (16x as much with
        # 8 and 16 channels of 5x5 and 3x3 at stride 2), 0.1 ms on the host.
        self.model = torch.nn.Sequential(
            torch.nn.Conv2d(3, 4, 4, stride=4), torch.nn.ReLU(),
            torch.nn.Conv2d(4, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Flatten(), torch.nn.Linear(8 * 4 * 4, CLASSES))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1,
                                   momentum=0.9)

    def teardown(self):
        if self.client is not None:
            if self.name == "order":
                t = self.client.stats().get("trainer", {})
                log("aattsd's trainer counters: " + ", ".join(
                    f"{k} {t[k]}" for k in ("cursors", "prefetch_samples",
                                            "paths_opened", "paths_cached",
                                            "advised_samples")
                    if k in t))
            self.client.close()
            self.client = None
        if os.path.ismount(self.mnt):
            sh("umount", self.mnt)
        dm_remove(self.cache, self.fast, self.slow)

    def read_counts(self):
        """(hits, misses) of the cache's reads so far."""
        if self.kind == "aatts":
            return (aatts_stat(self.cache, "read_hits"),
                    aatts_stat(self.cache, "read_misses"))
        if self.kind == "dm-cache":
            f = sh("dmsetup", "status", self.cache).split()
            return int(f[7]), int(f[8])
        return 0, 0

    def promotions(self):
        """The aatts device's (promotions, read_filling) so far."""
        if self.kind != "aatts":
            return 0, 0
        return (aatts_stat(self.cache, "promotions"),
                aatts_stat(self.cache, "read_filling"))

    def settle(self, secs=20):
        """Waits (untimed) until the aatts device has no migration queued
        or in flight, so that it does not take the next variant's CPU."""
        if self.kind != "aatts":
            return
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if (aatts_stat(self.cache, "queued_migrations") == 0 and
                    aatts_stat(self.cache, "inflight_migrations") == 0):
                return
            time.sleep(0.05)

    def epoch(self, e, test):
        torch, np = self.torch, self.np
        lossf = torch.nn.CrossEntropyLoss(reduction="none")
        self.sampler.set_epoch(e)
        drop_caches()
        h0, m0 = self.read_counts()
        p0 = self.promotions()
        s0 = sectors_read(self.slow)
        subs0 = self.cas.substitutions if self.cas else 0
        self.windows = []
        self.cursor_secs = 0.0
        t0 = time.monotonic()
        stall = reads = 0.0
        it = iter(self.sampler)
        self.model.train()
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
            tr = time.monotonic()
            raw = [self.ds[i][0] for i in idx]
            reads += time.monotonic() - tr
            x = torch.from_numpy(np.stack([np.frombuffer(b, np.uint8, offset=1)
                                           for b in raw]).reshape((-1,) + SHAPE))
            y = torch.tensor([b[0] for b in raw], dtype=torch.long)
            stall += time.monotonic() - ts
            x = x.float().div_(255).sub_(0.5)
            losses = lossf(self.model(x), y)
            self.opt.zero_grad()
            losses.mean().backward()
            self.opt.step()
            seen += len(idx)
            if self.name.startswith("isa"):
                lv = losses.detach().tolist()
                self.base.update(idx, lv)
                self.ds.report_losses(idx, lv)
        te = time.monotonic()
        if self.client is not None:
            if self.name == "order":
                self.windows += [r.get("window", 0) for r in
                                 self.client.cursor_replies(wait=True)]
            self.client.epoch_end()
        secs = time.monotonic() - t0
        end = time.monotonic() - te
        h1, m1 = self.read_counts()
        p1 = self.promotions()
        s1 = sectors_read(self.slow)
        self.settle()
        self.model.eval()
        tx, ty = test
        with torch.no_grad():
            acc = (self.model(tx).argmax(1) == ty).float().mean().item()
        hr = (h1 - h0) / max(1, (h1 - h0) + (m1 - m0))
        ep = {"epoch": e + 1, "seconds": round(secs, 3),
              "stall_seconds": round(min(stall, secs), 3),
              "hit_ratio": round(hr, 4), "slow_bytes": (s1 - s0) * 512,
              "accuracy": round(acc, 4), "samples": seen,
              "read_hits": h1 - h0, "read_misses": m1 - m0}
        if self.cas:
            ep["substitutions"] = self.cas.substitutions - subs0
        if self.windows:
            ep["order_window"] = [min(self.windows), max(self.windows)]
        if self.name == "order":
            ep["cursor_seconds"] = round(self.cursor_secs, 3)
        ep["read_seconds"] = round(reads, 3)
        ep["end_seconds"] = round(end, 3)
        report.check_epoch(ep)
        self.epochs.append(ep)
        log(f"{self.name:17s} epoch {e + 1}: {secs:6.1f} s, stall {stall:6.1f} s, "
            f"hit {hr:.2f}, slow {(s1 - s0) / 2048:6.1f} MiB, acc {acc:.3f}"
            + (f", {ep['substitutions']} substitutions" if self.cas else "")
            + (", order window %d-%d" % tuple(ep["order_window"]) if self.windows else "")
            + (f", cursors {self.cursor_secs:.2f} s" if self.name == "order" else "")
            + f", reads {reads:.2f} s, epoch end {end:.2f} s"
            + (f", promotions {p1[0] - p0[0]}, misses of blocks being copied "
               f"{p1[1] - p0[1]}" if self.kind == "aatts" else ""))

    def result(self):
        return {"name": self.name, "kind": self.kind, "epochs": self.epochs}


def teardown_all(k):
    for i in range(k):
        if os.path.ismount(f"{MNT}/{i}"):
            sh("umount", f"{MNT}/{i}")
        dm_remove(f"demo_cache_{i}", f"demo_fast_{i}", f"demo_slow_{i}")


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
    teardown_all(len(ALL))
    t = time.monotonic()
    write_dataset(np)
    log(f"data set: {N} files of {SAMPLE_BYTES} bytes on ext4 ({time.monotonic() - t:.1f} s); "
        f"fast tier {fast_sectors() // 2} KiB ({FAST_PCT}%), slow tier +{DELAY_MS} ms per I/O")
    img, lab = make_images(SEED * 1000 + 2, TEST_N, np)
    test = (torch.from_numpy(img).float().div_(255).sub_(0.5),
            torch.from_numpy(lab.astype(np.int64)))
    # Every variant's stack at once, their epochs interleaved (epoch e of
    # each, in an order rotated every epoch): a busy host slows them alike.
    vs = []
    try:
        for k, v in enumerate(variants):
            vs.append(Variant(k, v, torch, np))
        for e in range(EPOCHS):
            r = e % len(vs)
            for v in vs[r:] + vs[:r]:
                v.epoch(e, test)
    finally:
        for v in vs:
            v.teardown()
        teardown_all(len(ALL))
    out = [v.result() for v in vs]
    doc = {"config": {"samples": N, "epochs": EPOCHS, "delay_ms": DELAY_MS,
                      "order_policy": ORDER_POLICY, "order_window": ORDER_WINDOW,
                      "substitution_window": SUB_WINDOW,
                      "substitution_important": SUB_IMPORTANT,
                      "substitution_groups": bool(SUB_GROUPS),
                      "order_due": ORDER_DUE,
                      "fast_pct": FAST_PCT, "seed": SEED, "batch": BATCH,
                      "block_kib": BLOCK_KIB, "sample_bytes": SAMPLE_BYTES},
           "variants": out}
    report.check(doc)
    print(report.table(doc), flush=True)
    print(report.MARK + json.dumps(doc, separators=(",", ":")), flush=True)
    log(f"trainer total {time.monotonic() - t_start:.1f} s")


if __name__ == "__main__":
    main()
