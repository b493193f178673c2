# SPDX-License-Identifier: GPL-2.0-only
"""A dataset of one file per sample in a directory, named to aattsd by a
manifest (index -> path) and reporting per-sample losses through a Client.
A map-style dataset (__getitem__, __len__) that a torch DataLoader takes;
torch is not imported: importing it takes 1 to 3 s on a host and minutes
under emulation, which every client of aattsd would pay."""
import os


class SampleDirDataset:
    """The regular files under root (recursively, sorted by path).
    item i is (load(bytes of file i), i): the index comes back with the
    batch so the losses can be reported for it.  With a client, the
    manifest is registered at once."""

    def __init__(self, root, client=None, load=None):
        self.root = os.path.abspath(root)
        paths = []
        for d, dirs, files in os.walk(self.root):
            dirs.sort()
            paths += [os.path.join(d, f) for f in sorted(files)
                      if os.path.isfile(os.path.join(d, f))]
        self.paths = paths
        self.client = client
        self.load = load if load is not None else (lambda b: b)
        self.reported = 0
        if client is not None and paths:
            client.manifest(paths)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(self.paths[i], "rb") as f:
            return self.load(f.read()), i

    def report_losses(self, indices, losses):
        """Per-sample losses (e.g. a tensor of reduction='none' losses)."""
        indices = [int(i) for i in indices]
        losses = [float(l) for l in losses]
        self.reported += len(indices)
        if self.client is not None:
            self.client.importance(indices, losses)

    def epoch_end(self, commit=True):
        if self.client is not None:
            return self.client.epoch_end(commit=commit)
        return None

    def residency(self, indices):
        if self.client is None:
            return [False] * len(indices)
        return self.client.residency([int(i) for i in indices])
