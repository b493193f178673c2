# SPDX-License-Identifier: GPL-2.0-only
"""Samplers for a torch DataLoader (any iterable of indices with a length
works as its sampler; torch is not needed to use or test them).

ImportanceSampler    weights from per-sample loss, drawn with replacement;
                     plain shuffling (each sample once) for warm-up epochs.
CacheAwareSampler    an ImportanceSampler's picks, where a low-importance
                     pick that is not on the fast tier is replaced by a
                     low-importance sample that is (substitution); the
                     important picks are never touched.
OrderPublisher       wraps any sampler: draws the next epoch's order while
                     this one runs and publishes it to aattsd.
"""
import random


class ImportanceSampler:
    """n samples; num_samples picks per epoch (default n).  update() takes
    per-sample losses; a sample's weight is its last loss (never seen: the
    mean of those seen) plus floor times the mean, so none is starved."""

    def __init__(self, n, num_samples=None, warmup_epochs=1, seed=0,
                 floor=0.1):
        if n <= 0:
            raise ValueError("n must be positive")
        self.n = n
        self.num_samples = n if num_samples is None else num_samples
        self.warmup_epochs = warmup_epochs
        self.seed = seed
        self.floor = floor
        self.epoch = 0
        self.loss = [None] * n

    def set_epoch(self, epoch):
        self.epoch = epoch

    def update(self, indices, losses):
        for i, l in zip(indices, losses):
            l = float(l)
            if not l >= 0:
                raise ValueError("a loss is a number >= 0")
            self.loss[int(i)] = l

    def warm(self):
        """True once the warm-up epochs are over: draws follow the weights."""
        return self.epoch >= self.warmup_epochs

    def weights(self):
        seen = [l for l in self.loss if l is not None]
        mean = sum(seen) / len(seen) if seen else 1.0
        base = self.floor * mean if mean > 0 else 1.0
        return [(mean if l is None else l) + base for l in self.loss]

    def draw(self, epoch=None):
        """The picks of an epoch (this one by default), as a list."""
        epoch = self.epoch if epoch is None else epoch
        rng = random.Random(self.seed * 1000003 + epoch)
        if epoch < self.warmup_epochs:
            v = list(range(self.n))
            rng.shuffle(v)
            return v
        return rng.choices(range(self.n), weights=self.weights(),
                           k=self.num_samples)

    def important(self, fraction):
        """The set of the fraction of samples with the highest weights."""
        w = self.weights()
        k = int(round(fraction * self.n))
        return set(sorted(range(self.n), key=lambda i: (-w[i], i))[:k])

    def __iter__(self):
        return iter(self.draw())

    def __len__(self):
        return self.n if self.epoch < self.warmup_epochs else self.num_samples


class CacheAwareSampler:
    """Substitution over an ImportanceSampler (base).  The samples in the
    top important_fraction of the weights are important: their picks stay
    as drawn, in place.  The other picks are examined in windows of window
    picks: each that is not resident (resident(list) -> list of bool, e.g.
    Client.residency) is replaced by a resident low-importance sample from
    a random pool, each used once per window.  The pool has pool samples
    (None: as many as the window's low picks; more finds more resident
    ones when few are, at the price of a longer residency query, and
    len(low) asks about every low-importance sample).  With groups (a
    sequence of n group keys, e.g. each sample's class label from the data
    set's manifest) a substitute comes from the replaced pick's group, so
    that substitution keeps each window's mix of groups as drawn.
    substitutions counts the replacements, low_picks the low-importance
    picks examined."""

    def __init__(self, base, resident, important_fraction=0.2, window=1024,
                 seed=0, pool=None, groups=None):
        if pool is not None and pool < 1:
            raise ValueError("pool must be at least 1")
        if groups is not None:
            groups = list(groups)
            if len(groups) != base.n:
                raise ValueError("groups must name one group per sample")
        self.groups = groups
        self.base = base
        self.resident = resident
        self.important_fraction = important_fraction
        self.window = window
        self.seed = seed
        self.pool = pool
        self.substitutions = 0
        self.low_picks = 0
        self.resident_low_picks = 0
        self.last_important = set()

    def set_epoch(self, epoch):
        self.base.set_epoch(epoch)

    def __len__(self):
        return len(self.base)

    def draw(self):
        picks = self.base.draw()
        if not self.base.warm():
            self.last_important = set()
            return picks
        imp = self.base.important(self.important_fraction)
        self.last_important = imp
        low = [i for i in range(self.base.n) if i not in imp]
        if not low:
            return picks
        rng = random.Random(self.seed * 7919 + self.base.epoch)
        out = list(picks)
        for w0 in range(0, len(out), self.window):
            pos = [p for p in range(w0, min(w0 + self.window, len(out)))
                   if out[p] not in imp]
            if not pos:
                continue
            k = len(pos) if self.pool is None else self.pool
            pool = rng.sample(low, min(len(low), k))
            asked = [out[p] for p in pos] + pool
            res = self.resident(asked)
            mine, pres = res[:len(pos)], res[len(pos):]
            free = {}
            for s, r in zip(pool, pres):
                if r:
                    g = None if self.groups is None else self.groups[s]
                    free.setdefault(g, []).append(s)
            self.low_picks += len(pos)
            for p, r in zip(pos, mine):
                g = None if self.groups is None else self.groups[out[p]]
                if r:
                    self.resident_low_picks += 1
                elif free.get(g):
                    out[p] = free[g].pop()
                    self.substitutions += 1
        return out

    def __iter__(self):
        return iter(self.draw())


class OrderPublisher:
    """Wraps any sampler (an iterable of indices; set_epoch() is called
    when it has one).  Iterating epoch e yields the order drawn for e (early,
    during e - 1, or now for the first), and right away draws e + 1's and
    publishes it with publish(list) (e.g. Client.order).  With cursor
    (e.g. Client.order_cursor), cursor(i) is called before the i-th index
    is yielded, for i = 0, every, 2 * every, ...: the reader's position in
    the order, from epoch 1 on (epoch 0's order was never published)."""

    def __init__(self, sampler, publish, cursor=None, every=16):
        if every < 1:
            raise ValueError("every must be at least 1")
        self.sampler = sampler
        self.publish = publish
        self.cursor = cursor
        self.every = every
        self.epoch = 0
        self._next = None       # (epoch, order)
        self.published = 0
        self.cursors = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.sampler)

    def _draw(self, epoch):
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)
        return [int(i) for i in self.sampler]

    def __iter__(self):
        e = self.epoch
        published_before = bool(self._next and self._next[0] == e)
        if published_before:
            cur = self._next[1]
        else:
            cur = self._draw(e)
        nxt = self._draw(e + 1)
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(e)
        self._next = (e + 1, nxt)
        self.publish(nxt)
        self.published += 1
        self.epoch = e + 1
        if self.cursor is None or not published_before:
            return iter(cur)
        return self._walk(cur)

    def _walk(self, order):
        for i, x in enumerate(order):
            if i % self.every == 0:
                self.cursor(i)
                self.cursors += 1
            yield x
