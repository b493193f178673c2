#!/bin/bash
# aattsd's FIEMAP cache unit tests (tests/host/daemon/fmap_test.c), built
# with ASan/UBSan by make, on files in build/ (the host's file system).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
exec "$top/build/tests/host/fmap_test"
