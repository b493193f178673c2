#!/bin/bash
# aattsd's configuration parser unit tests (tests/host/daemon/config_test.c),
# built with ASan/UBSan by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/config_test"
