# SPDX-License-Identifier: GPL-2.0-only
"""The samplers' statistics."""
from collections import Counter

import pytest

from aatts import CacheAwareSampler, ImportanceSampler, OrderPublisher


def test_warmup_is_a_plain_shuffle():
    s = ImportanceSampler(100, num_samples=300, warmup_epochs=2, seed=1)
    s.update(range(100), [0.0] * 99 + [100.0])
    orders = []
    for e in range(2):
        s.set_epoch(e)
        v = list(s)
        assert sorted(v) == list(range(100)), "warm-up: each sample once"
        assert len(s) == 100
        orders.append(v)
    assert orders[0] != orders[1], "a new shuffle each epoch"
    assert orders[0] != list(range(100))


def test_draws_follow_the_loss():
    n = 50
    s = ImportanceSampler(n, num_samples=200000, warmup_epochs=0, seed=3,
                          floor=0.0)
    losses = [1.0 + (i % 5) for i in range(n)]     # weights 1..5
    s.update(range(n), losses)
    c = Counter(s)
    total = sum(losses)
    for i in range(n):
        expect = 200000 * losses[i] / total
        # 5 sigma of a binomial count
        sigma = (expect * (1 - losses[i] / total)) ** 0.5
        assert abs(c[i] - expect) < 5 * sigma, (i, c[i], expect)
    assert len(s) == 200000


def test_with_replacement_and_floor():
    s = ImportanceSampler(10, num_samples=10000, warmup_epochs=0, seed=5,
                          floor=0.1)
    s.update(range(10), [0.0] * 9 + [1.0])
    c = Counter(s)
    assert max(c.values()) > 10, "with replacement: repeats"
    # loss 0 still drawn: weight floor*mean = 0.01 against 1.01
    assert all(c[i] > 0 for i in range(9))
    assert c[9] > 8000


def test_unseen_samples_get_the_mean():
    s = ImportanceSampler(4, warmup_epochs=0, floor=0.0)
    s.update([0, 1], [2.0, 4.0])
    assert s.weights() == [2.0, 4.0, 3.0, 3.0]
    with pytest.raises(ValueError):
        s.update([0], [-1])


def test_same_seed_same_draw():
    a = ImportanceSampler(30, warmup_epochs=0, seed=9)
    b = ImportanceSampler(30, warmup_epochs=0, seed=9)
    for s in (a, b):
        s.update(range(30), range(30))
        s.set_epoch(4)
    assert list(a) == list(b)


def _cache_aware(resident_set, frac=0.2, n=200, seed=7):
    base = ImportanceSampler(n, num_samples=4 * n, warmup_epochs=0, seed=seed)
    base.update(range(n), [float(i) for i in range(n)])   # n-1 most important
    asked = []

    def resident(v):
        asked.append(len(v))
        return [i in resident_set for i in v]
    return base, CacheAwareSampler(base, resident, important_fraction=frac,
                                   window=64, seed=seed), asked


def test_substitution_keeps_the_important_picks():
    n = 200
    resident_set = set(range(0, n, 3))      # a third resident
    base, s, asked = _cache_aware(resident_set)
    drawn = base.draw()
    out = list(s)
    imp = s.last_important
    assert len(imp) == 40 and imp == set(range(160, 200))
    # the important picks: the same samples, the same positions
    assert [(p, x) for p, x in enumerate(drawn) if x in imp] == \
        [(p, x) for p, x in enumerate(out) if x in imp]
    assert all(Counter(out)[x] == Counter(drawn)[x] for x in imp)
    # every substitute is low-importance and resident
    changed = [(a, b) for a, b in zip(drawn, out) if a != b]
    assert len(changed) == s.substitutions > 0
    assert all(b in resident_set and b not in imp for _, b in changed)
    assert all(a not in resident_set for a, _ in changed)
    # resident low picks went up: more hits than without substitution
    low_before = sum(1 for x in drawn if x not in imp and x in resident_set)
    low_after = sum(1 for x in out if x not in imp and x in resident_set)
    assert low_after == low_before + s.substitutions
    assert s.low_picks == sum(1 for x in drawn if x not in imp)
    # batched: no query per sample
    assert len(asked) <= (len(out) + 63) // 64 and max(asked) > 1


def test_a_larger_pool_finds_more_resident_substitutes():
    n = 200
    resident_set = set(range(0, 160, 10))   # 16 low samples resident
    subs = {}
    for pool in (None, 160):
        base = ImportanceSampler(n, num_samples=4 * n, warmup_epochs=0, seed=7)
        base.update(range(n), [float(i) for i in range(n)])
        s = CacheAwareSampler(base, lambda v: [i in resident_set for i in v],
                              window=64, seed=7, pool=pool)
        out = list(s)
        subs[pool] = s.substitutions
        imp = s.last_important
        # each substitute at most once per window, and resident
        for w0 in range(0, len(out), 64):
            win = [x for x, d in zip(out[w0:w0 + 64], base.draw()[w0:w0 + 64])
                   if x != d]
            assert len(win) == len(set(win))
            assert all(x in resident_set and x not in imp for x in win)
    # the whole low set as the pool: every resident one is found
    assert subs[160] > 2 * subs[None]
    with pytest.raises(ValueError):
        CacheAwareSampler(base, lambda v: v, pool=0)


def test_substitution_within_groups_keeps_each_windows_mix():
    n = 200
    groups = [i % 5 for i in range(n)]
    resident_set = set(range(0, 160, 2)) - set(range(0, 160, 10))  # no group 0
    base = ImportanceSampler(n, num_samples=4 * n, warmup_epochs=0, seed=3)
    base.update(range(n), [float(i) for i in range(n)])
    s = CacheAwareSampler(base, lambda v: [i in resident_set for i in v],
                          window=64, seed=3, pool=160, groups=groups)
    drawn, out = base.draw(), list(s)
    assert s.substitutions > 0
    for w0 in range(0, len(out), 64):
        assert Counter(groups[x] for x in out[w0:w0 + 64]) == \
            Counter(groups[x] for x in drawn[w0:w0 + 64])
    changed = [(a, b) for a, b in zip(drawn, out) if a != b]
    assert all(groups[a] == groups[b] and b in resident_set for a, b in changed)
    # group 0 has no resident low sample: its picks stay as drawn
    assert all(groups[a] != 0 for a, _ in changed)
    with pytest.raises(ValueError):
        CacheAwareSampler(base, lambda v: v, groups=[0] * (n - 1))


def test_all_resident_no_substitution():
    base, s, _ = _cache_aware(set(range(200)))
    drawn = base.draw()
    assert list(s) == drawn and s.substitutions == 0


def test_warmup_epochs_pass_through():
    base = ImportanceSampler(20, warmup_epochs=1)
    s = CacheAwareSampler(base, lambda v: [False] * len(v))
    assert sorted(s) == list(range(20)) and s.substitutions == 0


class _Sampler:
    """A torch-like sampler: set_epoch, __iter__, __len__."""

    def __init__(self, n):
        self.n, self.epoch, self.iters = n, 0, 0

    def set_epoch(self, e):
        self.epoch = e

    def __len__(self):
        return self.n

    def __iter__(self):
        self.iters += 1
        v = list(range(self.n))
        import random
        random.Random(self.epoch * 31 + self.iters).shuffle(v)
        return iter(v)


def test_order_publisher_publishes_what_comes_next():
    published = []
    p = OrderPublisher(_Sampler(50), published.append)
    seen = []
    for e in range(4):
        p.set_epoch(e)
        seen.append(list(p))
        assert len(published) == e + 1
    # what was published during epoch e is what epoch e + 1 yielded
    for e in range(3):
        assert published[e] == seen[e + 1]
    assert sorted(seen[0]) == list(range(50))
    assert len(p) == 50 and p.published == 4


def test_order_publisher_cursor_from_the_first_published_order():
    published, cursors = [], []
    p = OrderPublisher(_Sampler(50), published.append,
                       cursor=cursors.append, every=16)
    p.set_epoch(0)
    first = list(p)
    # epoch 0's order was never published: no cursor
    assert cursors == [] and sorted(first) == list(range(50))
    p.set_epoch(1)
    it = iter(p)
    assert cursors == []            # nothing asked before the first index
    got = [next(it)]
    assert cursors == [0]
    got += list(it)
    assert got == published[0]
    assert cursors == [0, 16, 32, 48] and p.cursors == 4
    with pytest.raises(ValueError):
        OrderPublisher(_Sampler(5), published.append, cursor=print, every=0)
