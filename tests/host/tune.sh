#!/bin/bash
# The performance / cost knob's unit tests (tests/host/sim/tune_test.c),
# built with ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/tune_test"
