# SPDX-License-Identifier: GPL-2.0-only
"""The Client against a fake aattsd on a Unix socket."""
import json
import os
import socket
import threading

import pytest

from aatts import AattsError, Client, SampleDirDataset, shuffle_order
from aatts import client as client_mod


class FakeDaemon:
    """Answers each line like aattsd would, and keeps the requests."""

    def __init__(self, path, refuse=False):
        self.path = path
        self.refuse = refuse
        self.hold = threading.Event()    # cleared: replies wait for set()
        self.hold.set()
        self.requests = []
        self.line_sizes = []
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        self.t = threading.Thread(target=self._serve, daemon=True)
        self.t.start()

    def _serve(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(c,), daemon=True).start()

    def _client(self, c):
        if self.refuse:
            c.sendall(b'{"v":1,"ok":false,"error":"permission","message":"uid 65534 is neither root nor in group aatts"}\n')
            c.close()
            return
        buf = b""
        while True:
            data = c.recv(1 << 16)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.line_sizes.append(len(line) + 1)
                self.hold.wait()
                c.sendall(json.dumps(self.answer(line)).encode() + b"\n")
        c.close()

    def answer(self, line):
        try:
            r = json.loads(line)
        except ValueError:
            return {"v": 1, "ok": False, "error": "parse", "message": "not JSON"}
        self.requests.append(r)
        op = r.get("op")
        if op == "hello":
            return {"v": 1, "ok": True, "daemon": "aattsd", "protocols": [1]}
        if op == "manifest":
            n = r.get("start", 0) + len(r["paths"])
            return {"v": 1, "ok": True, "samples": n}
        if op == "importance":
            if any(s < 0 for s in r["scores"]):
                return {"v": 1, "ok": False, "error": "bad_score",
                        "message": "negative"}
            return {"v": 1, "ok": True, "accepted": len(r["samples"])}
        if op == "residency":
            return {"v": 1, "ok": True,
                    "resident": [None if s == -1 else (s % 2 == 0 if isinstance(s, int) else True)
                                 for s in r["samples"]]}
        if op == "epoch_end":
            return {"v": 1, "ok": True, "epoch": 1, "ranges": 3}
        if op == "order" and "cursor" in r:
            if r["cursor"] < 0:
                return {"v": 1, "ok": False, "error": "bad_request",
                        "message": "cursor"}
            return {"v": 1, "ok": True, "window": r.get("window", 32),
                    "cursor_echo": r["cursor"]}
        if op == "order":
            n = r.get("start", 0) + len(r.get("indices", []))
            return {"v": 1, "ok": True, "length": n}
        return {"v": 1, "ok": False, "error": "unknown_op", "message": op}

    def close(self):
        self.srv.close()


@pytest.fixture
def fake(tmp_path):
    f = FakeDaemon(str(tmp_path / "s.sock"))
    yield f
    f.close()


def test_hello_and_errors(fake):
    with Client(fake.path) as c:
        assert c.hello()["daemon"] == "aattsd"
        with pytest.raises(AattsError) as ei:
            c.request("nope")
        assert ei.value.code == "unknown_op"
        with pytest.raises(AattsError) as ei:
            c.importance([1], [-1.0])
        assert ei.value.code == "bad_score"
        r = c.raw("not json")
        assert r["error"] == "parse"
        assert c.requests == 4


def test_long_manifest_in_chunks(fake):
    paths = ["/data/set/%07d.sample" % i for i in range(150000)]
    with Client(fake.path) as c:
        assert c.manifest(paths) == 150000
    reqs = [r for r in fake.requests if r["op"] == "manifest"]
    assert len(reqs) >= 3
    got = []
    for r in reqs:
        assert r.get("start", 0) == len(got)
        assert len(r["paths"]) <= client_mod.BATCH_MAX
        got += r["paths"]
    assert got == paths
    assert max(fake.line_sizes) <= client_mod.LINE_MAX


def test_importance_chunks_stay_under_the_line_limit(fake):
    n = 140000
    with Client(fake.path) as c:
        c.importance(range(n), [1.0 / (i + 3) for i in range(n)])
    reqs = [r for r in fake.requests if r["op"] == "importance"]
    assert len(reqs) >= 3
    assert sum(len(r["samples"]) for r in reqs) == n
    assert [s for r in reqs for s in r["samples"]] == list(range(n))
    assert all(len(r["samples"]) == len(r["scores"]) for r in reqs)
    assert max(fake.line_sizes) <= client_mod.LINE_MAX


def test_residency_batches_and_job(tmp_path, fake):
    with Client(fake.path, job="resnet-1") as c:
        v = c.residency(list(range(10000)) + [-1, "/x"])
    reqs = [r for r in fake.requests if r["op"] == "residency"]
    assert [len(r["samples"]) for r in reqs] == [4096, 4096, 1810]
    assert all(r["job"] == "resnet-1" for r in reqs)
    assert v[:4] == [True, False, True, False] and v[-2:] == [None, True]
    assert len(v) == 10002


def test_order_and_epoch_end(fake):
    with Client(fake.path) as c:
        assert c.order(list(range(100000)))["length"] == 100000
        r = c.epoch_end()
        assert r["ranges"] == 3
        c.order_seed(42)
    reqs = fake.requests
    assert reqs[-1] == {"v": 1, "op": "order", "seed": 42,
                        "shuffle": "splitmix64-fisher-yates"}
    assert reqs[-2] == {"v": 1, "op": "epoch_end", "commit": True}
    orders = [r for r in reqs if r["op"] == "order" and "indices" in r]
    assert [r.get("start", 0) for r in orders] == [0, 65536]


def test_refused(tmp_path):
    f = FakeDaemon(str(tmp_path / "r.sock"), refuse=True)
    try:
        with Client(f.path) as c:
            with pytest.raises(AattsError) as ei:
                c.hello()
            assert ei.value.code == "permission"
    finally:
        f.close()


def test_shuffle_matches_the_daemon():
    # tests/host/daemon/trainer_test.c asserts the same vector for aattsd.
    assert shuffle_order(10, 42) == [0, 9, 5, 8, 6, 4, 7, 2, 1, 3]
    v = shuffle_order(1000, 7)
    assert sorted(v) == list(range(1000)) and v != list(range(1000))


def test_dataset_reports_through_the_client(tmp_path, fake):
    root = tmp_path / "data"
    (root / "b").mkdir(parents=True)
    for i in range(5):
        (root / ("b" if i % 2 else "") / ("s%d" % i)).write_bytes(bytes([i]) * (i + 1))
    with Client(fake.path) as c:
        ds = SampleDirDataset(str(root), client=c, load=len)
        assert len(ds) == 5
        assert ds[0] == (1, 0)
        ds.report_losses([0, 3], [0.5, 2.0])
        ds.epoch_end()
    m = [r for r in fake.requests if r["op"] == "manifest"][0]
    assert m["paths"] == ds.paths and all(os.path.isabs(p) for p in m["paths"])
    imp = [r for r in fake.requests if r["op"] == "importance"][0]
    assert imp["samples"] == [0, 3] and imp["scores"] == [0.5, 2.0]
    assert ds.reported == 2


def test_order_cursor_request(fake):
    with Client(fake.path, job="j1") as c:
        c.order_cursor(32, window=64)
        c.order_cursor(48)
    assert fake.requests[-2] == {"v": 1, "op": "order", "job": "j1",
                                 "cursor": 32, "window": 64}
    assert fake.requests[-1] == {"v": 1, "op": "order", "job": "j1",
                                 "cursor": 48}


def test_order_cursor_without_waiting(fake):
    with Client(fake.path, job="j1", max_due=2) as c:
        fake.hold.clear()               # aattsd busy: no reply comes
        assert c.order_cursor(0, wait=False) == []
        assert c.order_cursor(16, window=8, wait=False) == []
        fake.hold.set()
        got = c.cursor_replies(wait=True)
        assert [r["cursor_echo"] for r in got] == [0, 16]
        assert got[1]["window"] == 8
        assert c.cursor_replies() == []
        # Replies due are read, in order, before another request's.
        # (A reply that came at once is handed over by the call itself.)
        got = c.order_cursor(32, wait=False)
        assert c.hello()["daemon"] == "aattsd"
        got += c.order_cursor(48, wait=False)
        got += c.cursor_replies(wait=True)
        assert [r["cursor_echo"] for r in got] == [32, 48]
        # An error among them is raised when they are handed over: by
        # the call itself when its reply came at once, else by the next.
        with pytest.raises(AattsError) as ei:
            c.order_cursor(-1, wait=False)
            c.cursor_replies(wait=True)
        assert ei.value.code == "bad_request"
    assert fake.requests[1] == {"v": 1, "op": "order", "job": "j1",
                                "cursor": 16, "window": 8}


def test_max_due_is_at_least_one(fake):
    with pytest.raises(ValueError):
        Client(fake.path, max_due=0)


@pytest.mark.parametrize("max_due", [1, 8])
def test_order_cursor_pipeline_is_bounded(fake, max_due):
    assert client_mod.MAX_DUE == 1
    with Client(fake.path, max_due=max_due) as c:
        fake.hold.clear()
        t = threading.Timer(0.5, fake.hold.set)
        t.start()
        for i in range(max_due):
            c.order_cursor(i, wait=False)
        assert not fake.hold.is_set()   # none of those waited
        # One more waits for the oldest reply.
        got = c.order_cursor(99, wait=False)
        assert fake.hold.is_set() and got[0]["cursor_echo"] == 0
        t.join()
        got += c.cursor_replies(wait=True)
        assert [r["cursor_echo"] for r in got] == list(range(max_due)) + [99]
