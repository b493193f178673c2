#!/bin/bash
# aattsd's trainer ops: the validation of every request, the jobs, the
# named shuffle, the caller's mode-bits check (tests/host/daemon/
# trainer_test.c), built with ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
exec "$top/build/tests/host/trainer_test"
