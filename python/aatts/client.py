# SPDX-License-Identifier: GPL-2.0-only
"""The client of aattsd's control socket: one JSON object per line each way
(protocol version 1, Documentation/aattsd.rst).  Long lists are sent in
several messages, each under the daemon's line limit."""
import json
import select
import socket

DEFAULT_SOCKET = "/run/aatts/aattsd.sock"
PROTOCOL = 1
LINE_MAX = 1 << 20          # the daemon's request line limit, '\n' included
BATCH_MAX = 65536           # elements of one array in a request
RESIDENCY_MAX = 4096        # samples in one residency request
MAX_DUE = 1                 # replies of unwaited cursors due at most
SHUFFLE = "splitmix64-fisher-yates"
_M64 = (1 << 64) - 1


class AattsError(Exception):
    """An error reply: code (e.g. "bad_request", "permission") and message."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & _M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return state, z ^ (z >> 31)


def shuffle_order(n, seed):
    """The order aattsd computes for {"seed": seed, "shuffle":
    "splitmix64-fisher-yates"} over n samples."""
    v = list(range(n))
    st = seed & _M64
    for i in range(n - 1, 0, -1):
        st, r = _splitmix64(st)
        j = r % (i + 1)
        v[i], v[j] = v[j], v[i]
    return v


def _size(x):
    return len(json.dumps(x, separators=(",", ":"))) + 1


def _chunks(items, limit_count, limit_bytes, size=_size):
    """(start, slice) of items, each slice at most limit_count long and
    limit_bytes in JSON (the sum of size() of its elements)."""
    start, size_ = 0, 0
    for i, x in enumerate(items):
        n = size(x)
        if i > start and (i - start >= limit_count or size_ + n > limit_bytes):
            yield start, items[start:i]
            start, size_ = i, 0
        size_ += n
    if start < len(items) or not items:
        yield start, items[start:]


class Client:
    """A connection to aattsd.  job: a named job shared by connections of
    one uid (data loader workers); None: the connection's own job."""

    def __init__(self, path=DEFAULT_SOCKET, job=None, timeout=60.0,
                 max_due=MAX_DUE):
        if max_due < 1:
            raise ValueError("max_due must be at least 1")
        self.path = path
        self.job = job
        self.max_due = max_due
        self.requests = 0
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(path)
        except OSError:
            self._sock.close()
            raise
        self._buf = b""
        self._due = 0           # replies of unwaited cursors not read yet
        self._late = []         # read but not handed to order_cursor yet
        # Leaves 300 kB for the rest of a line when chunking arrays.
        self._chunk_bytes = LINE_MAX - 300000

    def close(self):
        if self._sock:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _readline(self):
        while b"\n" not in self._buf:
            try:
                data = self._sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                raise AattsError("closed", "aattsd closed the connection")
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return line

    def _send(self, line):
        if isinstance(line, str):
            line = line.encode()
        try:
            self._sock.sendall(line + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            # Refused: aattsd sent its one error line and closed.
            pass
        self.requests += 1

    def _collect(self, block, keep=0):
        """Reads the replies due to unwaited cursors, oldest first, until
        keep are due (block), or those that have arrived."""
        while self._due > keep:
            if (not block and b"\n" not in self._buf and
                    not select.select([self._sock], [], [], 0)[0]):
                return
            self._late.append(json.loads(self._readline()))
            self._due -= 1

    def raw(self, line):
        """Sends one line as it is; the reply as a dict (errors included)."""
        self._collect(block=True)      # replies come in order
        self._send(line)
        return json.loads(self._readline())

    def _line(self, op, **fields):
        req = {"v": PROTOCOL, "op": op}
        if self.job is not None and op in ("manifest", "importance", "order",
                                           "epoch_end", "residency"):
            req["job"] = self.job
        req.update({k: v for k, v in fields.items() if v is not None})
        line = json.dumps(req, separators=(",", ":"))
        if len(line) + 1 > LINE_MAX:
            raise ValueError(f"request of {len(line)} bytes: over the line limit")
        return line

    @staticmethod
    def _check(r):
        if not r.get("ok"):
            raise AattsError(r.get("error", "?"), r.get("message", ""))
        return r

    def request(self, op, **fields):
        """One request; the reply as a dict, or AattsError."""
        return self._check(self.raw(self._line(op, **fields)))

    def hello(self):
        return self.request("hello")

    def stats(self):
        return self.request("stats")["stats"]

    def devices(self, name=None):
        return self.request("devices", name=name)["devices"]

    def manifest(self, paths):
        """Registers index -> path for paths (a list of absolute paths)."""
        paths = [str(p) for p in paths]
        r = None
        for start, part in _chunks(paths, BATCH_MAX, self._chunk_bytes):
            r = self.request("manifest", paths=part, start=start or None)
        return r["samples"]

    def importance(self, samples, scores):
        """Per-sample scores (>= 0) for this epoch; samples are manifest
        indices or paths."""
        samples, scores = list(samples), [float(s) for s in scores]
        if len(samples) != len(scores):
            raise ValueError("samples and scores differ in length")
        r = None
        pairs = list(zip(samples, scores))
        for _, part in _chunks(pairs, BATCH_MAX, self._chunk_bytes,
                               lambda p: _size(p[0]) + _size(p[1])):
            r = self.request("importance", samples=[p[0] for p in part],
                             scores=[p[1] for p in part])
        return r

    def order(self, indices):
        """The next epoch's order (manifest indices)."""
        indices = [int(i) for i in indices]
        r = None
        for start, part in _chunks(indices, BATCH_MAX, self._chunk_bytes):
            r = self.request("order", indices=part, start=start or None)
        return r

    def order_seed(self, seed, shuffle=SHUFFLE):
        """The next epoch's order as a seed of a named shuffle."""
        return self.request("order", seed=int(seed), shuffle=shuffle)

    def order_cursor(self, position, window=None, wait=True):
        """The reader is at position of this epoch's order (the one the
        last epoch_end published): aattsd prefetches the window samples
        from there that it has not sent yet.  Without a window aattsd sizes
        it from the reader's rate (measured from these calls), the slow
        tier's bandwidth and the fast tier's size.  Reply: window, sent,
        started (blocks whose copy began), ahead, unresolved; without a
        window also rate, slow_bps, fast_bytes, sample_bytes.

        wait=False sends the request and does not wait for its reply, so
        that the reader does not wait for aattsd's work: at most max_due
        replies (the Client's, default 1) may be due, beyond that the call
        waits for the oldest, so that aattsd is never more than max_due
        cursors behind the reader (prefetches sent late are wasted).  It
        returns the replies of unwaited cursors that have arrived, this
        one's too if it already has (a list, oldest first, maybe empty),
        and raises AattsError if one of them is an error."""
        line = self._line("order", cursor=int(position),
                          window=None if window is None else int(window))
        if wait:
            return self._check(self.raw(line))
        self._collect(block=True, keep=self.max_due - 1)
        self._send(line)
        self._due += 1
        self._collect(block=False)
        return self.cursor_replies()

    def cursor_replies(self, wait=False):
        """The replies of unwaited cursors read so far (all still due, with
        wait), oldest first; AattsError for the first error among them."""
        self._collect(block=wait)
        late, self._late = self._late, []
        for r in late:
            self._check(r)
        return late

    def epoch_end(self, commit=True):
        return self.request("epoch_end", commit=commit)

    def residency(self, samples):
        """For each sample (index or path): True (every block on the fast
        tier), False, or None (aattsd could not resolve it)."""
        samples = list(samples)
        out = []
        for i in range(0, len(samples), RESIDENCY_MAX):
            out += self.request("residency",
                                samples=samples[i:i + RESIDENCY_MAX])["resident"]
        return out
