# SPDX-License-Identifier: GPL-2.0-only
"""AAT-TS for training jobs: the client of aattsd's trainer ops and samplers.

Standard library only; torch is never imported (the samplers are plain
iterables a torch DataLoader takes as its sampler, and the dataset a
map-style dataset it takes).  Documentation/aattsd.rst,
"Trainer ops", describes the protocol; Documentation/python.rst this package.
"""
from .client import AattsError, Client, DEFAULT_SOCKET, shuffle_order
from .samplers import CacheAwareSampler, ImportanceSampler, OrderPublisher
from .dataset import SampleDirDataset

__all__ = ["AattsError", "Client", "DEFAULT_SOCKET", "shuffle_order",
           "ImportanceSampler", "CacheAwareSampler", "OrderPublisher",
           "SampleDirDataset"]
