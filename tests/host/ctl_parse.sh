#!/bin/bash
# aattsctl's parsers (tests/host/ctl/parse_test.c), built with ASan/UBSan
# by make.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/build/tests/host/ctl_parse_test"
