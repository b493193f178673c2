#!/bin/bash
# The policy core's unit tests (tests/host/sim/core_test.c), built with
# ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/core_test"
