#!/bin/bash
# The Markov predictor's unit tests (tests/host/sim/markov_test.c), built
# with ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/markov_test"
