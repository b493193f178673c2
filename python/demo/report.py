# SPDX-License-Identifier: GPL-2.0-only
"""make demo's results: the JSON document (out/demo.json), the table and the
plots.  Standard library only, but for the plots (python3-matplotlib).

A result is {"variants": [{"name": N, "epochs": [EPOCH, ...]}, ...]} where
EPOCH has the fields of EPOCH_FIELDS; extra keys (a variant's "policy",
"effective_hit_ratio", the run's "config") are kept as they are."""
import json
import math

EPOCH_FIELDS = {"epoch": int, "seconds": float, "stall_seconds": float,
                "hit_ratio": float, "slow_bytes": int, "accuracy": float}
MARK = "# demo-json: "


def check_epoch(e):
    """Raises ValueError unless e has every field, of its type, in range."""
    for k, t in EPOCH_FIELDS.items():
        if k not in e:
            raise ValueError(f"epoch without {k!r}: {e}")
        v = e[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{k} is not a number: {v!r}")
        if t is int and int(v) != v:
            raise ValueError(f"{k} is not an integer: {v!r}")
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{k} out of range: {v!r}")
    if e["epoch"] < 1:
        raise ValueError(f"epoch numbers start at 1: {e['epoch']}")
    if e["hit_ratio"] > 1 or e["accuracy"] > 1:
        raise ValueError(f"a ratio over 1: {e}")
    if e["stall_seconds"] > e["seconds"]:
        raise ValueError(f"stalled longer than the epoch: {e}")


def check(doc):
    """Raises ValueError unless doc is a well-formed result."""
    vs = doc.get("variants") if isinstance(doc, dict) else None
    if not isinstance(vs, list) or not vs:
        raise ValueError("no variants")
    names = set()
    for v in vs:
        n = v.get("name")
        if not isinstance(n, str) or not n or n in names:
            raise ValueError(f"bad or repeated variant name {n!r}")
        names.add(n)
        eps = v.get("epochs")
        if not isinstance(eps, list) or not eps:
            raise ValueError(f"{n}: no epochs")
        for i, e in enumerate(eps):
            check_epoch(e)
            if e["epoch"] != i + 1:
                raise ValueError(f"{n}: epoch {e['epoch']} at position {i + 1}")
    return doc


def effective_hit_ratio(e):
    """The fraction of the samples read that did not wait for the slow
    tier: 1 - read_misses / samples (the device's hits, and re-reads of a
    sample drawn twice in an epoch that the page cache served).  Without
    those fields (no cache, or an older result): hit_ratio."""
    if "samples" in e and "read_misses" in e and e["samples"] > 0 and \
            e.get("read_hits", 0) + e["read_misses"] > 0:
        return max(0.0, 1 - e["read_misses"] / e["samples"])
    return e["hit_ratio"]


def _mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def summary(v):
    """First epoch and steady epochs (2..) of one variant."""
    eps = v["epochs"]
    first, steady = eps[0], eps[1:]
    return {
        "name": v["name"],
        "first_seconds": first["seconds"],
        "first_hit_ratio": first["hit_ratio"],
        "steady_seconds": _mean(e["seconds"] for e in steady),
        "steady_stall": _mean(e["stall_seconds"] for e in steady),
        "steady_hit_ratio": _mean(e["hit_ratio"] for e in steady),
        "steady_effective": _mean(effective_hit_ratio(e) for e in steady),
        "steady_slow_mib": _mean(e["slow_bytes"] for e in steady) / 2**20,
        "accuracy": eps[-1]["accuracy"],
        "epochs": len(eps),
    }


def _f(x, fmt):
    return "-" if isinstance(x, float) and math.isnan(x) else format(x, fmt)


def table(doc):
    """The table make demo prints, as a string."""
    rows = [summary(v) for v in doc["variants"]]
    out = ["%-17s %9s %6s | %9s %9s %6s %6s %9s | %6s" % (
        "variant", "epoch1 s", "hit", "steady s", "stall s", "hit", "eff",
        "slow MiB", "acc %")]
    out.append("-" * len(out[0]))
    for r in rows:
        out.append("%-17s %9s %6s | %9s %9s %6s %6s %9s | %6s" % (
            r["name"], _f(r["first_seconds"], ".1f"),
            _f(r["first_hit_ratio"], ".2f"), _f(r["steady_seconds"], ".1f"),
            _f(r["steady_stall"], ".1f"), _f(r["steady_hit_ratio"], ".2f"),
            _f(r["steady_effective"], ".2f"),
            _f(r["steady_slow_mib"], ".1f"), _f(100 * r["accuracy"], ".1f")))
    return "\n".join(out)


def targets(doc, ref="all-fast"):
    """Issue 13's targets, each (text, met or None when not measurable)."""
    s = {v["name"]: summary(v) for v in doc["variants"]}
    out = []

    def add(text, ok):
        out.append((text, ok))
    o, r = s.get("order"), s.get(ref)
    if o and not math.isnan(o["steady_hit_ratio"]):
        add("order: steady hit ratio %.2f >= 0.9" % o["steady_hit_ratio"],
            o["steady_hit_ratio"] >= 0.9)
        if r and not math.isnan(r["steady_seconds"]):
            add("order: steady epoch %.1f s <= 1.2 x whole data set on the "
                "fast tier (%.1f s): %.2fx" % (
                    o["steady_seconds"], r["steady_seconds"],
                    o["steady_seconds"] / r["steady_seconds"]),
                o["steady_seconds"] <= 1.2 * r["steady_seconds"])
    i = s.get("isa+substitution")
    if i and not math.isnan(i["steady_effective"]):
        add("isa+substitution: effective hit ratio %.2f >= 0.6 (device's "
            "own: %.2f)" % (i["steady_effective"], i["steady_hit_ratio"]),
            i["steady_effective"] >= 0.6)
    d = s.get("dm-cache")
    if d and not math.isnan(d["steady_seconds"]):
        for n in ("default", "isa", "isa+substitution", "order"):
            if n in s and not math.isnan(s[n]["steady_seconds"]):
                add("%s: steady epoch %.1f s <= dm-cache's %.1f s" % (
                    n, s[n]["steady_seconds"], d["steady_seconds"]),
                    s[n]["steady_seconds"] <= d["steady_seconds"])
    nc = s.get("no-cache")
    if i and nc:
        add("isa+substitution: accuracy %.1f%% within 2 points of no-cache's "
            "%.1f%%" % (100 * i["accuracy"], 100 * nc["accuracy"]),
            abs(i["accuracy"] - nc["accuracy"]) <= 0.02)
    return out


def targets_text(doc):
    return "\n".join("%-4s %s" % ("met" if ok else "MISS", t)
                     for t, ok in targets(doc))


def from_log(lines):
    """The result a run printed: the last line starting with MARK."""
    doc = None
    for line in lines:
        line = line.rstrip("\r\n")
        if line.startswith(MARK):
            doc = json.loads(line[len(MARK):])
    if doc is None:
        raise ValueError("no result line in the log")
    return check(doc)


def plots(doc, outdir):
    """PNG plots under outdir; returns their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    paths = []
    for key, label, fn in (("seconds", "epoch time (s)", "demo-seconds.png"),
                           ("hit_ratio", "read hit ratio", "demo-hit-ratio.png"),
                           ("accuracy", "test accuracy", "demo-accuracy.png"),
                           ("stall_seconds", "time waiting for data (s)",
                            "demo-stall.png")):
        fig, ax = plt.subplots(figsize=(7, 4))
        for v in doc["variants"]:
            ax.plot([e["epoch"] for e in v["epochs"]],
                    [e[key] for e in v["epochs"]], marker="o", label=v["name"])
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = f"{outdir}/{fn}"
        fig.savefig(p, dpi=100)
        plt.close(fig)
        paths.append(p)
    return paths


def main(argv):
    """report.py LOG OUTDIR: the result line of LOG -> OUTDIR/demo.json,
    the table and the targets on stdout, the plots (unless --no-plots)."""
    import os
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print("usage: report.py [--no-plots] LOG OUTDIR")
        return 2
    with open(args[0], encoding="utf-8", errors="replace") as f:
        doc = from_log(f)
    os.makedirs(args[1], exist_ok=True)
    with open(os.path.join(args[1], "demo.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(table(doc))
    print()
    print(targets_text(doc))
    if "--no-plots" not in argv:
        for p in plots(doc, args[1]):
            print("wrote", p)
    print("wrote", os.path.join(args[1], "demo.json"))
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv))
