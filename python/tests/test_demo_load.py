# SPDX-License-Identifier: GPL-2.0-only
"""make demo-load's model file, loader and report (python/demo/load.py)."""
import json
import os
import struct
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "demo"))
import load  # noqa: E402

LOAD_PY = os.path.join(os.path.dirname(__file__), "..", "demo", "load.py")


@pytest.fixture(name="model")
def fixture_model(tmp_path, capsys):
    path = str(tmp_path / "model.safetensors")
    load.write(path, 4, 3)
    info = json.loads(capsys.readouterr().out)
    return path, info


def test_file_is_safetensors_layout(model):
    path, info = model
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    assert (8 + n) % 4096 == 0
    assert os.path.getsize(path) == 8 + n + info["bytes"]
    # The data in the order of the sorted names, back to back.
    spans = [header[k]["data_offsets"] for k in sorted(header)]
    assert spans[0][0] == 0
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert spans[-1][1] == info["bytes"]
    assert len(header) == info["tensors"] == 24 * 5 + 2


def test_manifest_is_layer_order_not_file_order(model):
    path, _ = model
    f = os.open(path, os.O_RDONLY)
    try:
        names = [t[0] for t in load.manifest(f)]
    finally:
        os.close(f)
    assert names[0] == "embed.weight" and names[-1] == "head.weight"
    layers = [int(n.split(".")[1]) for n in names[1:-1]]
    assert layers == sorted(layers)
    assert names.index("layers.2.attn.out.weight") < names.index("layers.10.attn.out.weight")
    # The file's own order puts layers.10 before layers.2.
    assert sorted(names).index("layers.10.attn.out.weight") < \
        sorted(names).index("layers.2.attn.out.weight")


def test_header_length_checked(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    f = os.open(str(bad), os.O_RDONLY)
    try:
        with pytest.raises(ValueError):
            load.manifest(f)
    finally:
        os.close(f)


def test_device_ranges_and_blocks():
    exts = [(0, 1 << 20, 8192), (8192, 5 << 20, 4096)]
    assert load.device_ranges(exts, 4096, 8192) == [((1 << 20) + 4096, 4096), (5 << 20, 4096)]
    assert load.device_ranges(exts, 12288, 10) == []
    assert load.device_blocks(exts, 128 << 10) == 2
    assert load.device_blocks([(0, 0, (128 << 10) + 1)], 128 << 10) == 2


def test_next_window():
    t = [("t%d" % k, 0, 100) for k in range(10)]
    assert load.next_window(t, 0, 0, 250) == (1, 4)
    # The reader moved on by one: the window is topped up past what was asked.
    assert load.next_window(t, 1, 4, 250) == (4, 5)
    # The reader overtook the prefetch: nothing it has read is asked.
    assert load.next_window(t, 6, 4, 250) == (7, 10)
    assert load.next_window(t, 9, 10, 250) == (10, 10)
    # Still full: nothing to ask.
    assert load.next_window(t, 1, 5, 250) == (5, 5)


def run_load(path, *args):
    out = subprocess.run([sys.executable, LOAD_PY, "load", path, *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_load_reads_every_tensor_once(model):
    path, info = model
    out = run_load(path)
    assert out["bytes"] == info["bytes"]
    assert out["tensors"] == info["tensors"]


def needs_fiemap(model):
    """The model's path; skips where its file system has no FIEMAP."""
    path, _ = model
    f = os.open(path, os.O_RDONLY)
    try:
        load.fiemap(f)
    except OSError:
        pytest.skip("the file system has no FIEMAP")
    finally:
        os.close(f)
    return path


def fake_prefetch(tmp_path, body):
    """A stand-in for aattsctl prefetch: runs the shell BODY with the
    ranges as "$@", then says it started one block per range."""
    fake = tmp_path / "fake-prefetch"
    fake.write_text("#!/bin/sh\n%s\necho \"dev: promotion started for $# blocks\"\n"
                    % body)
    fake.chmod(0o755)
    return fake


def test_prefetch_command_counts_started_blocks(model, tmp_path):
    path = needs_fiemap(model)
    # A stand-in for aattsctl: logs its ranges, says it started one block
    # per range.
    log = tmp_path / "ranges"
    fake = fake_prefetch(tmp_path, 'for r; do echo "$r" >>%s; done' % log)
    # A window larger than the model: one request, for all but the first
    # tensor (the one being read).
    out = run_load(path, "--prefetch", str(fake), "--window-mib", "64")
    asked = log.read_text().split()
    assert out["prefetch_started"] == len(asked) > 0
    assert out["prefetch_requests"] == 1
    # Whole blocks of the model, each once.
    offs = [int(r.split("=")[1].split(":")[0]) for r in asked]
    assert all(r.endswith(":%d" % (128 << 10)) for r in asked)
    assert all(o % (128 << 10) == 0 for o in offs)
    assert len(set(offs)) == len(offs) <= out["device_blocks"]


def test_first_prefetch_is_waited_for(model, tmp_path):
    """A prefetch command slower than the whole load: its first request
    still lands before the reader starts, and its blocks count."""
    path = needs_fiemap(model)
    log = tmp_path / "calls"
    fake = fake_prefetch(tmp_path, "sleep 1; echo $# >>%s" % log)
    out = run_load(path, "--prefetch", str(fake), "--window-mib", "64")
    calls = [int(n) for n in log.read_text().split()]
    assert out["prefetch_requests"] == len(calls) == 1
    assert out["prefetch_started"] == calls[0] > 0
    assert out["seconds"] >= 1.0


def test_prefetch_command_failure_is_an_error(model, tmp_path):
    path, _ = model
    f = os.open(path, os.O_RDONLY)
    try:
        load.fiemap(f)
    except OSError:
        pytest.skip("the file system has no FIEMAP")
    finally:
        os.close(f)
    r = subprocess.run([sys.executable, LOAD_PY, "load", path, "--prefetch", "false"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "prefetch command failed" in r.stderr


LOG = """\
# aatts-vm: boot
RESULT no-cache 1 20.0 - - -\r
RESULT no-cache 2 10.0 - - -
RESULT no-cache 3 12.0 - - -
RESULT lru 1 30.0 0.000 - -
RESULT lru 2 22.0 0.010 - -
RESULT lru 3 22.0 0.030 - -
RESULT markov 1 30.0 0.000 0 0
RESULT markov 2 11.0 0.500 100 90
RESULT markov 3 5.5 0.900 100 100
RESULT broken line
"""


def test_report_table_and_json(tmp_path, capsys):
    log = tmp_path / "log"
    log.write_text(LOG)
    assert load.report(str(log), str(tmp_path)) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[0] == "variant"
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["no-cache"][3] == "1.00x"
    assert rows["markov"][3] == "1.33x"         # 11 / 8.25
    assert rows["markov"][7] == "0.95"          # 190 / 200
    assert rows["lru"][7] == "-"
    doc = json.loads((tmp_path / "demo-load.json").read_text())
    names = [v["name"] for v in doc["variants"]]
    assert names == ["no-cache", "lru", "markov"]
    markov = doc["variants"][2]
    assert [x["load"] for x in markov["loads"]] == [1, 2, 3]
    assert markov["summary"]["later_hit_ratio"] == pytest.approx(0.7)
    assert markov["summary"]["first_seconds"] == 30.0


def test_report_without_results_fails(tmp_path):
    log = tmp_path / "log"
    log.write_text("no results here\n")
    assert load.report(str(log), None) == 1
