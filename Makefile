# SPDX-License-Identifier: GPL-2.0-only
#
# AAT-TS top-level build.
#
#   make            kmod/aatts.ko and every user-space binary in build/bin/
#   make deps       install what the build, tests and demo need (Debian)
#   make check      host tests + VM tests; ends with "N passed, N failed"
#   make demo       boot the VM, run fio through an aatts device
#   make style      checkpatch, W=1 and sparse on the kernel code
#
# KDIR= builds the module against another kernel tree (default: headers of
# the newest installed kernel image, see scripts/kver).  SAN=0 builds the
# test programs without ASan/UBSan.

KVER ?= $(shell scripts/kver 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
SAN ?= 1

B := build
LINUX_SRC := $(B)/linux-src
SELFTESTS := $(LINUX_SRC)/tools/testing/selftests

CC ?= gcc
CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif

# kselftest_harness.h has unused parameters in its macros.
TEST_CFLAGS := $(CFLAGS) $(SANFLAGS) -Wno-unused-parameter -Itests/lib \
	-I$(SELFTESTS)

DM_TEST_BINS := $(B)/tests/dm/table_test
VM_TESTS := $(DM_TEST_BINS) tests/dm/fio_verify.sh tests/dm/ima.sh \
	tests/dm/unload.sh

all: kmod user tests

deps:
	@scripts/deps

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

user:
	@mkdir -p $(B)/bin

tests: $(DM_TEST_BINS)

$(B)/tests/dm/%: tests/dm/%.c tests/lib/dmtest.c tests/lib/dmtest.h \
		$(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/lib/dmtest.c -ldevmapper

$(SELFTESTS)/kselftest_harness.h:
	@scripts/deps

check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@VM_TESTS="$(VM_TESTS)" tests/check

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@tests/vm/run --timeout 900 scripts/demo

style:
	@tests/host/style.sh

clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean
	rm -rf $(B)

.PHONY: all deps kmod user tests check demo style clean
