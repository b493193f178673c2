#!/bin/bash
# The policy core's lockless read-hit path (tests/host/sim/peek_test.c),
# built with ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/peek_test"
