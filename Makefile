# SPDX-License-Identifier: GPL-2.0-only
#
# AAT-TS top-level build.
#
#   make            kmod/aatts.ko and every user-space binary in build/bin/
#   make deps       install what the build, tests and demo need (Debian)
#   make check      host tests + VM tests; ends with "N passed, N failed"
#   make check-debug  the VM tests on a debug kernel (built once, cached)
#   make demo       boot the VM, train a small PyTorch model through aatts
#                   under each variant -> table, out/demo.json, out/*.png
#   make demo-fio   boot the VM, run fio epochs through an aatts device
#   make demo-load  boot the VM, load a safetensors-style model repeatedly:
#                   no cache, lru, aattsd's prefetch, the header's manifest
#   make demo-check make demo at a small scale, checked (tests/daemon/demo.sh)
#   make bench      simulator matrix + VM runs -> bench/ (CSV, PNG, REPORT.md)
#   make style      checkpatch, W=1 and sparse on the kernel code
#   make deb        Debian packages in build/deb/ (aatts-dkms, aatts-tools,
#                   python3-aatts), checked by lintian
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
# EXTRA_CFLAGS / EXTRA_LDFLAGS: the distribution's flags (debian/rules passes
# dpkg-buildflags' hardening there).
CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude $(EXTRA_CFLAGS) \
	$(EXTRA_LDFLAGS)
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif

# kselftest_harness.h has unused parameters in its macros.
TEST_CFLAGS := $(CFLAGS) $(SANFLAGS) -Wno-unused-parameter -Itests/lib \
	-I$(SELFTESTS)

DM_TEST_BINS := $(B)/tests/dm/table_test $(B)/tests/dm/race_test
NL_TEST_BINS := $(B)/tests/netlink/netlink_test $(B)/tests/netlink/fuzz_test
NL_BENCH := $(B)/tests/netlink/nl_bench
INGEST_BENCH := $(B)/tests/bench/ingest_bench
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0)
NL_LIB := tests/netlink/aanl.c tests/netlink/aanl.h
HOST_TEST_BINS := $(B)/tests/host/core_test $(B)/tests/host/peek_test \
	$(B)/tests/host/gen_trace \
	$(B)/tests/host/markov_test $(B)/tests/host/planner_test \
	$(B)/tests/host/tune_test \
	$(B)/tests/host/ctl_parse_test \
	$(B)/tests/host/fmap_test $(B)/tests/host/config_test \
	$(B)/tests/host/record_test $(B)/tests/host/trainer_test

# The policy core, built into aatts.ko and, unchanged, into user space.
POLICY_SRCS := $(wildcard kmod/policy/*.c)
POLICY_HDRS := $(wildcard kmod/policy/*.h)
# Usage errors and counted options, shared by the command-line tools.
CLI := tools/common/cli.c tools/common/cli.h
PREDICT_SRCS := lib/predict/markov.c lib/predict/planner.c
PREDICT_HDRS := lib/predict/markov.h lib/predict/planner.h
SIM_SRCS := $(wildcard tools/sim/*.c) $(PREDICT_SRCS) tools/common/cli.c
SIM_HDRS := $(wildcard tools/sim/*.h) $(PREDICT_HDRS) tools/common/cli.h
JSONC_CFLAGS := $(shell pkg-config --cflags json-c)
JSONC_LIBS := $(shell pkg-config --libs json-c)
# The aatts generic netlink client, shared by aattsctl and aattsd.
NL_CLIENT := lib/aattsnl/aattsnl.c lib/aattsnl/json.c
NL_CLIENT_HDRS := lib/aattsnl/aattsnl.h
CTL_SRCS := $(wildcard tools/ctl/*.c) $(NL_CLIENT)
CTL_HDRS := $(wildcard tools/ctl/*.h) $(NL_CLIENT_HDRS)
CTL_PKGS := libnl-genl-3.0 devmapper json-c
CTL_CFLAGS := $(shell pkg-config --cflags $(CTL_PKGS))
CTL_LIBS := $(shell pkg-config --libs $(CTL_PKGS))
# The eBPF read observers (ebpf/): vmlinux.h from the build host's BTF, the
# CO-RE object and its bpftool skeleton in build/ebpf/; the loader
# (ebpf/observer.c, API ebpf/observer.h) in build/lib/libaatts-observer.a,
# linked with $(OBSERVER_LIBS).
BPFTOOL ?= bpftool
BPF_CLANG ?= clang
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
OBSERVER_CFLAGS := -Iebpf -I$(B)/ebpf
OBSERVER_LIBS := -lbpf -lelf -lz
OBSERVER_DEPS := ebpf/observer.c ebpf/observer.h ebpf/reads.h $(B)/ebpf/reads.skel.h
# aattsd: libnl-genl-3, json-c, libcap, and the observers' loader (built
# into it from ebpf/observer.c, as into aatts-observe).
D_SRCS := $(wildcard daemon/*.c) $(NL_CLIENT) ebpf/observer.c lib/predict/markov.c \
	lib/predict/planner.c lib/predict/tune.c
D_HDRS := $(wildcard daemon/*.h) $(NL_CLIENT_HDRS) $(OBSERVER_DEPS) $(PREDICT_HDRS) \
	lib/predict/tune.h
D_PKGS := libnl-genl-3.0 json-c libcap libsystemd
D_CFLAGS := $(shell pkg-config --cflags $(D_PKGS))
D_LIBS := $(shell pkg-config --libs $(D_PKGS)) $(OBSERVER_LIBS) -lm
VM_TESTS := $(DM_TEST_BINS) tests/dm/datapath.sh tests/dm/fio_verify.sh \
	tests/dm/faults.sh tests/dm/stress.sh tests/dm/ima.sh tests/dm/tiers.sh \
	tests/dm/quiesce.sh \
	$(NL_TEST_BINS) tests/dm/unload.sh tests/ctl/devices.sh tests/ctl/files.sh \
	tests/ctl/apply.sh \
	tests/dm/integrity.sh tests/ctl/control.sh tests/ebpf/observe.sh \
	tests/daemon/aattsd.sh tests/daemon/fmap.sh tests/daemon/record.sh \
	tests/daemon/trainer.sh tests/daemon/prefetch.sh tests/daemon/demo_load.sh

all: kmod user tests

deps:
	@scripts/deps

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

user: $(B)/bin/aatts-sim $(B)/bin/aatts-tracegen $(B)/bin/aatts-trace \
	$(B)/bin/aattsctl $(B)/bin/aatts-observe $(B)/lib/libaatts-observer.a \
	$(B)/bin/aattsd
	@mkdir -p $(B)/bin

# The same tools built with ASan and UBSan (unless SAN=0), which the shell
# tests run under make check (AATTS_BIN, see tests/check).
SAN_TOOLS := $(addprefix $(B)/san/bin/,aatts-sim aatts-tracegen aatts-trace \
	aattsctl aatts-observe aattsd)
$(B)/san/bin/%: CFLAGS += $(SANFLAGS)

san-tools: $(SAN_TOOLS)

$(B)/bin/aatts-tracegen $(B)/san/bin/aatts-tracegen: tools/tracegen/main.c $(CLI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/common -o $@ $(filter %.c,$^) -lm

$(B)/bin/aatts-trace $(B)/san/bin/aatts-trace: $(wildcard tools/trace/*.c tools/trace/*.h) $(CLI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/common -o $@ $(filter %.c,$^)

$(B)/bin/aatts-sim $(B)/san/bin/aatts-sim: $(SIM_SRCS) $(SIM_HDRS) $(POLICY_SRCS) $(POLICY_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/policy -Ilib/predict -Itools/common $(JSONC_CFLAGS) -o $@ $(SIM_SRCS) \
		$(POLICY_SRCS) $(JSONC_LIBS)

$(B)/bin/aattsctl $(B)/san/bin/aattsctl: $(CTL_SRCS) $(CTL_HDRS) include/uapi/linux/aatts.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude/uapi -Ilib/aattsnl $(CTL_CFLAGS) -o $@ $(CTL_SRCS) \
		$(CTL_LIBS)

$(B)/ebpf/vmlinux.h:
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp && mv $@.tmp $@

$(B)/ebpf/reads.bpf.o: ebpf/reads.bpf.c ebpf/reads.h $(B)/ebpf/vmlinux.h
	$(BPF_CLANG) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -g -O2 -Wall -Werror \
		-I$(B)/ebpf -Iebpf -c $< -o $@
	$(LLVM_STRIP) -g $@

$(B)/ebpf/reads.skel.h: $(B)/ebpf/reads.bpf.o
	$(BPFTOOL) gen skeleton $< name reads_bpf >$@.tmp && mv $@.tmp $@

$(B)/ebpf/observer.o: $(OBSERVER_DEPS)
	$(CC) $(CFLAGS) $(OBSERVER_CFLAGS) -c -o $@ $<

$(B)/lib/libaatts-observer.a: $(B)/ebpf/observer.o
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(B)/bin/aatts-observe $(B)/san/bin/aatts-observe: tools/observe/main.c $(OBSERVER_DEPS) $(CLI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itools/common $(OBSERVER_CFLAGS) -o $@ $(filter %.c,$^) \
		$(OBSERVER_LIBS)

$(B)/bin/aattsd $(B)/san/bin/aattsd: $(D_SRCS) $(D_HDRS) include/uapi/linux/aatts.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude/uapi -Ilib/aattsnl -Ilib/predict $(OBSERVER_CFLAGS) $(D_CFLAGS) -o $@ \
		$(D_SRCS) $(D_LIBS)

$(B)/tests/daemon/client: tests/daemon/client.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $<

tests: $(B)/tests/daemon/client $(DM_TEST_BINS) $(HOST_TEST_BINS) $(NL_TEST_BINS) $(NL_BENCH) $(B)/tests/netlink/prefetch_prio \
	$(INGEST_BENCH)

$(B)/tests/host/core_test: tests/host/sim/core_test.c $(POLICY_SRCS) \
		$(POLICY_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ikmod/policy -o $@ $< $(POLICY_SRCS)

$(B)/tests/host/peek_test: tests/host/sim/peek_test.c $(POLICY_SRCS) \
		$(POLICY_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ikmod/policy -o $@ $< $(POLICY_SRCS)

$(B)/tests/host/markov_test: tests/host/sim/markov_test.c \
		lib/predict/markov.c lib/predict/markov.h \
		$(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ilib/predict -o $@ $< lib/predict/markov.c

$(B)/tests/host/planner_test: tests/host/sim/planner_test.c $(PREDICT_SRCS) \
		$(PREDICT_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ilib/predict -o $@ $< $(PREDICT_SRCS)

$(B)/tests/host/tune_test: tests/host/sim/tune_test.c lib/predict/tune.c \
		lib/predict/tune.h $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ilib/predict -o $@ $< lib/predict/tune.c

$(B)/tests/host/ctl_parse_test: tests/host/ctl/parse_test.c tools/ctl/parse.c \
		$(CTL_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Itools/ctl -Ilib/aattsnl -Iinclude/uapi -o $@ $< tools/ctl/parse.c

$(B)/tests/host/fmap_test: tests/host/daemon/fmap_test.c daemon/fmap.c \
		daemon/fmap.h $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Idaemon -o $@ $< daemon/fmap.c

$(B)/tests/host/record_test: tests/host/daemon/record_test.c daemon/record.c \
		daemon/record.h daemon/fmap.c daemon/fmap.h daemon/mnttab.c daemon/config.c \
		daemon/log.c daemon/loop.c daemon/aattsd.h ebpf/observer.h \
		$(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Idaemon -Iebpf -Ilib/aattsnl -Iinclude/uapi -o $@ $< \
		daemon/record.c daemon/fmap.c daemon/mnttab.c daemon/config.c daemon/log.c \
		daemon/loop.c

$(B)/tests/host/trainer_test: tests/host/daemon/trainer_test.c daemon/trainer.c \
		daemon/trainer.h daemon/fmap.c daemon/fmap.h daemon/config.c \
		daemon/loop.c daemon/log.c daemon/devices.c daemon/aattsd.h $(NL_CLIENT) \
		$(NL_CLIENT_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Idaemon -Ilib/aattsnl -Iinclude/uapi $(D_CFLAGS) -o $@ $< \
		daemon/trainer.c daemon/fmap.c daemon/config.c daemon/loop.c \
		daemon/log.c daemon/devices.c $(NL_CLIENT) $(D_LIBS)

$(B)/tests/host/config_test: tests/host/daemon/config_test.c daemon/config.c \
		daemon/aattsd.h $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Idaemon -Ilib/aattsnl -Iinclude/uapi -o $@ $< daemon/config.c

$(B)/tests/host/gen_trace: tests/host/sim/gen_trace.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< -lm

$(B)/tests/dm/%: tests/dm/%.c tests/lib/dmtest.c tests/lib/dmtest.h \
		$(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/lib/dmtest.c -ldevmapper -lpthread

$(B)/tests/netlink/%: tests/netlink/%.c $(NL_LIB) tests/lib/dmtest.c \
		tests/lib/dmtest.h include/uapi/linux/aatts.h \
		$(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Itests/netlink -Iinclude/uapi $(NL_CFLAGS) -o $@ \
		$< tests/netlink/aanl.c tests/lib/dmtest.c $(NL_LIBS) \
		-ldevmapper -lcap

# The benchmark is built without the sanitizers: it measures the kernel.
$(NL_BENCH): tests/netlink/nl_bench.c $(NL_LIB) include/uapi/linux/aatts.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/netlink -Iinclude/uapi $(NL_CFLAGS) -o $@ \
		$< tests/netlink/aanl.c $(NL_LIBS)

$(SELFTESTS)/kselftest_harness.h:
	@scripts/deps

check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all san-tools
	@VM_TESTS="$(VM_TESTS)" AATTS_BIN=$(B)/san/bin tests/check

# The VM tests on a debug kernel (lockdep, KASAN, UBSAN, KFENCE, kmemleak,
# might_sleep), built once into build/debug-kernel/; not part of check (time).
check-debug:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@VM_TESTS="$(VM_TESTS)" scripts/check-debug

# make check's driver run against deliberately broken modules: each must
# fail it, with the summary naming what broke or did not run.
check-mutants:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@scripts/check-mutants

# DEMO_* (python/demo/train.py) pass into the guest; out/ gets demo.json,
# the plots and the guest's log (demo.log).
DEMO_OUT ?= out
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(DEMO_OUT)
	@start=$$(date +%s); \
	{ tests/vm/run --timeout 1200 scripts/demo $$(env | grep "^DEMO_[A-Z_]*=[^ ]*$$"); echo $$? >$(DEMO_OUT)/.vm-rc; } | \
		tee $(DEMO_OUT)/demo.log; \
	rc=$$(cat $(DEMO_OUT)/.vm-rc); rm -f $(DEMO_OUT)/.vm-rc; \
	[ "$$rc" = 0 ] && /usr/bin/python3 python/demo/report.py $(DEMO_OUT)/demo.log $(DEMO_OUT); \
	rc2=$$?; echo "make demo: $$(($$(date +%s) - start)) s (VM and report)"; \
	[ "$$rc" = 0 ] && [ $$rc2 = 0 ]

# make demo at a small scale in the VM (tests/daemon/demo.sh): not in
# check, since importing torch alone takes 80 to 200 s under TCG.
demo-check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@tests/vm/run --timeout 1500 tests/dm/suite tests/daemon/demo.sh

# make demo-load: model cold start in the VM (scripts/demo-load): a
# safetensors-style model loaded tensor by tensor, no cache / lru / aattsd's
# Markov prefetch / prefetch from the header's manifest.  DEMO_LOAD_* pass
# into the guest; out/ gets demo-load.log and demo-load.json.
demo-load:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(DEMO_OUT)
	@start=$$(date +%s); \
	{ tests/vm/run --timeout 2400 scripts/demo-load $$(env | grep "^DEMO_LOAD_[A-Z_]*=[^ ]*$$"); \
		echo $$? >$(DEMO_OUT)/.vm-rc; } | tee $(DEMO_OUT)/demo-load.log; \
	rc=$$(cat $(DEMO_OUT)/.vm-rc); rm -f $(DEMO_OUT)/.vm-rc; \
	[ "$$rc" = 0 ] && /usr/bin/python3 python/demo/load.py report $(DEMO_OUT)/demo-load.log $(DEMO_OUT) >/dev/null; \
	rc2=$$?; echo "make demo-load: $$(($$(date +%s) - start)) s; $(DEMO_OUT)/demo-load.json"; \
	[ "$$rc" = 0 ] && [ $$rc2 = 0 ]

demo-fio:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@tests/vm/run --timeout 900 scripts/demo-fio

# Not a test: the simulator matrix, plots and bench/REPORT.md, plus the VM
# runs (BENCH_VM=0 skips them); see scripts/bench.
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@scripts/bench

# Not a test: default against the best fixed policy over traces x seeds x
# cache ratios x block sizes (scripts/bench-policy -> bench/policy*).
bench-policy:
	@$(MAKE) --no-print-directory all
	@nice -n 5 scripts/bench-policy

# Not a test: aatts vs dm-linear and dm-cache in one VM run, with ratios.
bench-datapath:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(B)/bench
	@tests/vm/run --timeout 10800 scripts/bench-datapath | tee $(B)/bench/datapath.txt

# Not a test: a 4 KiB read hit's and miss's cost per policy beside dm-linear, in guest
# instructions (qemu -icount: independent of the host's load).
bench-hitcost:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(B)/bench
	@AATTS_VM_QEMU_ARGS="-icount shift=0 -smp 1" tests/vm/run --timeout 3600 \
		scripts/bench-hitcost | tee $(B)/bench/hitcost.txt

# Not a test: HINTS_SET and RESIDENCY_GET rates on a 1 TiB device.
bench-netlink:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(B)/bench
	@tests/vm/run --timeout 1800 scripts/bench-netlink \
		"$$($(NL_BENCH) --calibrate)" | tee $(B)/bench/netlink.txt

# Not a test: fio 4 KiB page-cache reads with and without the eBPF
# observers attached, in one VM run (scripts/bench-ebpf), in guest
# instructions (qemu -icount: independent of the host's load).
bench-ebpf:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(B)/bench
	@AATTS_VM_QEMU_ARGS="-icount shift=0 -smp 1" tests/vm/run --timeout 1800 \
		scripts/bench-ebpf | tee $(B)/bench/ebpf.txt

# Not a test: aattsd's ingest rate on one core (tests/bench/ingest_bench,
# the daemon's objects on synthetic ranges, no kernel), then ring-buffer
# drops under a read storm and the model load with and without aattsd in
# one VM run (scripts/bench-daemon) -> bench/daemon.txt.
INGEST_SRCS := daemon/observer.c daemon/prefetch.c daemon/record.c daemon/fmap.c \
	daemon/devices.c daemon/loop.c daemon/log.c daemon/config.c $(NL_CLIENT) \
	$(PREDICT_SRCS) lib/predict/tune.c
$(INGEST_BENCH): tests/bench/ingest_bench.c $(INGEST_SRCS) $(D_HDRS) daemon/record.h \
		include/uapi/linux/aatts.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Idaemon -Iinclude/uapi -Ilib/aattsnl -Ilib/predict -Iebpf \
		$(D_CFLAGS) -Wl,--wrap=aatts_nl_exchange -o $@ $< $(INGEST_SRCS) \
		$(shell pkg-config --libs $(D_PKGS))

bench-daemon:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p bench $(B)/bench
	@{ nice -n 10 $(INGEST_BENCH) -d $(B)/bench/ingest && \
	   nice -n 10 tests/vm/run --timeout 5400 scripts/bench-daemon; } | tee bench/daemon.txt

# Not a test: the longest hold of the I/O lock by each long operation of
# the policy core, at 16 M slots (1 GiB of memory), in user space.
HOLD_BENCH := $(B)/tests/host/hold_bench
$(HOLD_BENCH): tests/host/sim/hold_bench.c $(POLICY_SRCS) $(POLICY_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ikmod/policy -o $@ $< $(POLICY_SRCS)

bench-holds: $(HOLD_BENCH)
	@mkdir -p $(B)/bench
	@nice -n 10 $(HOLD_BENCH) | tee $(B)/bench/holds.txt

style:
	@tests/host/style.sh

# Manual pages, from Documentation/'s reStructuredText (rst2man): each
# source has ":Manual section: N".
MAN_SRCS := Documentation/aattsctl.rst Documentation/aattsd.rst \
	Documentation/admin-guide/aatts.rst $(wildcard Documentation/aattstab.rst)
man_page = $(B)/man/$(basename $(notdir $(1))).$(shell sed -n \
	's/^:Manual section: *//p' $(1))
MAN_PAGES := $(foreach f,$(MAN_SRCS),$(call man_page,$(f)))
man: $(MAN_PAGES)
define man_rule
$(call man_page,$(1)): $(1)
	@mkdir -p $$(dir $$@)
	rst2man --exit-status=2 $$< $$@.tmp && mv $$@.tmp $$@
endef
$(foreach f,$(MAN_SRCS),$(eval $(call man_rule,$(f))))

# Installation (DESTDIR=, used by debian/rules): the tools and the daemon,
# their manual pages, units and completion; the module's source for DKMS;
# the Python package.
VERSION := $(shell sed -n '1s/^aatts (\([^)-]*\).*/\1/p' debian/changelog)
DKMS_DIR := /usr/src/aatts-$(VERSION)
PY_DIR := /usr/lib/python3/dist-packages/aatts
install-tools: user man
	install -d $(DESTDIR)/usr/sbin $(DESTDIR)/usr/bin $(DESTDIR)/lib/systemd/system \
		$(DESTDIR)/etc/aatts $(DESTDIR)/usr/share/bash-completion/completions
	install -m 0755 $(B)/bin/aattsctl $(B)/bin/aattsd $(B)/bin/aatts-observe \
		$(DESTDIR)/usr/sbin/
	install -m 0755 $(B)/bin/aatts-sim $(B)/bin/aatts-trace $(B)/bin/aatts-tracegen \
		$(DESTDIR)/usr/bin/
	for m in $(MAN_PAGES); do \
		install -D -m 0644 $$m $(DESTDIR)/usr/share/man/man$${m##*.}/$${m##*/}; \
	done
	install -m 0644 contrib/systemd/*.service $(DESTDIR)/lib/systemd/system/
	install -m 0644 contrib/aattstab $(DESTDIR)/etc/aatts/aattstab
	install -m 0644 contrib/bash-completion/aattsctl \
		$(DESTDIR)/usr/share/bash-completion/completions/aattsctl
install-dkms:
	install -d $(DESTDIR)$(DKMS_DIR)/kmod/policy $(DESTDIR)$(DKMS_DIR)/include/uapi/linux
	install -m 0644 kmod/Kbuild kmod/Makefile \
		$(filter-out %.mod.c,$(wildcard kmod/*.[ch])) $(DESTDIR)$(DKMS_DIR)/kmod/
	install -m 0644 kmod/policy/*.[ch] $(DESTDIR)$(DKMS_DIR)/kmod/policy/
	install -m 0644 include/uapi/linux/aatts.h $(DESTDIR)$(DKMS_DIR)/include/uapi/linux/
install-python:
	install -d $(DESTDIR)$(PY_DIR)
	install -m 0644 python/aatts/*.py $(DESTDIR)$(PY_DIR)/

# Debian packages from the files git knows (tracked and new, not ignored),
# built in a copy so that the checkout's build/ stays as it is.
deb:
	@$(MAKE) --no-print-directory deps
	@scripts/deb

# Not part of make check (time: DKMS compiles the module under emulation):
# the packages installed in the VM (tests/pkg/install.sh), then six boots
# of a guest with a persistent root: devices back after reboots (systemd
# as PID 1) and after a kernel upgrade (tests/pkg/reboot.sh; two more DKMS
# builds, about an hour under TCG).
check-deb: deb
	@tests/vm/run --no-module --timeout 3600 tests/pkg/install.sh
	@scripts/old-kernel --install >/dev/null
	@nice -n 10 tests/pkg/reboot.sh

clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean
	rm -rf $(B)

.PHONY: all deps kmod user san-tools tests check check-debug check-mutants demo demo-fio demo-load demo-check bench bench-policy \
	bench-datapath bench-hitcost bench-netlink bench-ebpf bench-holds bench-daemon \
	style clean man install-tools install-dkms install-python deb check-deb
