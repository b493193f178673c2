#!/bin/bash
# aattsd's recorder unit test (tests/host/daemon/record_test.c), built with
# ASan/UBSan by make; it converts its output with build/bin/aatts-trace.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
exec "$top/build/tests/host/record_test"
