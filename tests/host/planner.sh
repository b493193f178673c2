#!/bin/bash
# The prefetch planner's unit tests (tests/host/sim/planner_test.c), built
# with ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/planner_test"
