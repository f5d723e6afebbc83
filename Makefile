# SPDX-License-Identifier: GPL-2.0
#
# recframe: build the module, the CLI and the selftests; run them in a VM.
#
#   make                  module (kmod/recframe.ko), CLI and selftests
#   make check            boot Debian's 6.1 kernel in QEMU and run the suite
#   make check FLAVOUR=amd64   the same on the generic amd64 kernel
#   make check-debug      the same on a KASAN/UBSAN/lockdep/kmemleak kernel
#   make demo             the guided scenario, in the VM
#   make fuzz SECONDS=N   the stream fuzzer alone for N s (SEED=n), in the VM
#   make bench [QUICK=1]  recframe vs kTLS, TCP, userspace TLS; build/bench
#   make vm-shell         the VM with the module loaded, interactive
#   make lint             checkpatch --strict, sparse (C=1), W=1 -Werror
#   make deps             install what is missing from Debian's packages
#   make install          module, CLI, man pages, header (DESTDIR, PREFIX, KVER)
#   make uninstall        remove what make install installed
#   make dkms-install     register the source with DKMS, build and install
#
# KDIR defaults to the running kernel's build tree when there is one (a real
# machine), otherwise to the headers of the Debian kernel the VM boots.

FLAVOUR		?= cloud-amd64
BUILD		?= $(CURDIR)/build
VMBUILD		:= $(BUILD)/vm-$(FLAVOUR)
RECFRAME_VERSION := $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null || \
			cat $(CURDIR)/VERSION 2>/dev/null || echo 0.1)
export RECFRAME_VERSION

HOST_KDIR	:= /lib/modules/$(shell uname -r)/build
VM_KVER		= $(shell $(CURDIR)/tools/vm/kver $(FLAVOUR))
VM_KDIR		= /usr/src/linux-headers-$(VM_KVER)
KDIR		?= $(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR),$(VM_KDIR))

CC		?= cc
CFLAGS		?= -O2 -g
USER_CFLAGS	:= $(CFLAGS) -Wall -Wextra -I$(CURDIR)/include/uapi
KSFT_DIR	:= $(BUILD)/kselftest

MODULE_SRCS	:= Kbuild $(wildcard kmod/*.[ch] kmod/Kbuild) $(wildcard include/uapi/linux/*.h)
SELFTESTS	:= $(patsubst selftests/%.c,%,$(wildcard selftests/*.c))

.PHONY: all module selftests unit check check-unit demo vm-shell lint deps fuzz \
	check-debug deps-debug debug-kernel \
	clean help kselftest-headers cli examples demo-bin module-only \
	install uninstall dkms-install dkms-uninstall

all: module selftests cli examples

help:
	@sed -n '3,20s/^# \{0,1\}//p' Makefile

# ---------------------------------------------------------------- module ---

module: deps-build
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The same without the dependency check, for DKMS and packagers.
module-only:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The VM's module is built from a copy so that the in-tree build (for the
# machine's own kernel) and each VM flavour never share objects.
$(VMBUILD)/src/kmod/recframe.ko: $(MODULE_SRCS) | deps-vm
	@rm -rf $(VMBUILD)/src && mkdir -p $(VMBUILD)/src
	@cp -r Kbuild kmod include $(VMBUILD)/src/
	@find $(VMBUILD)/src -name '*.o' -o -name '*.ko' -o -name '.*.cmd' | xargs rm -f
	$(MAKE) -C $(VM_KDIR) M=$(VMBUILD)/src modules

# ------------------------------------------------------------------- CLI ---

# recframe(8), linked statically (pkg-config --static) against libnl-genl-3
# so that it runs in the VM's busybox initramfs too.
cli:
	$(MAKE) -C tools/recframe OUTPUT=$(BUILD)/tools \
		UAPI_DIR=$(CURDIR)/include/uapi

# --------------------------------------------------- examples and demo ---

# The echo examples (run by selftests/examples.sh) and recframe-demo (make
# demo, statically linked with OpenSSL) go next to the CLI, which the VM
# puts in /usr/bin.
examples:
	$(MAKE) -C tools/examples OUTPUT=$(BUILD)/tools \
		UAPI_DIR=$(CURDIR)/include/uapi

demo-bin:
	$(MAKE) -C tools/demo OUTPUT=$(BUILD)/tools \
		UAPI_DIR=$(CURDIR)/include/uapi

# ------------------------------------------------------------- selftests ---

# kselftest_harness.h is taken from Debian's linux-source-6.1 at build time.
KSFT_HDRS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

kselftest-headers: $(KSFT_HDRS)

$(KSFT_HDRS): | deps-src
	@mkdir -p $(KSFT_DIR)
	tar -xJf $(shell ls /usr/src/linux-source-6.1.tar.xz) -C $(KSFT_DIR) \
		--strip-components=4 --wildcards \
		'linux-source-6.1/tools/testing/selftests/kselftest.h' \
		'linux-source-6.1/tools/testing/selftests/kselftest_harness.h'
	@touch $(KSFT_HDRS)

selftests: $(KSFT_HDRS)
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests KSFT_DIR=$(KSFT_DIR) \
		UAPI_DIR=$(CURDIR)/include/uapi

unit:
	$(MAKE) -C selftests/unit

check-unit:
	$(MAKE) -C selftests/unit run

# ------------------------------------------------------------------- VM ---

VM_ENV = FLAVOUR=$(FLAVOUR) KVER=$(VM_KVER) BUILD=$(VMBUILD) \
	 MODULE=$(VMBUILD)/src/kmod/recframe.ko SELFTESTS=$(BUILD)/selftests \
	 TOOLS=$(BUILD)/tools

initramfs: $(VMBUILD)/src/kmod/recframe.ko selftests cli examples demo-bin
	$(VM_ENV) tools/vm/mkinitramfs

check: deps-vm
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory check-unit > $(BUILD)/unit.log 2>&1 \
		|| { cat $(BUILD)/unit.log; exit 1; }
	@$(MAKE) --no-print-directory initramfs > $(BUILD)/build.log 2>&1 \
		|| { tail -50 $(BUILD)/build.log; exit 1; }
	@$(VM_ENV) tools/vm/run check $(BUILD)/unit.log

# The suite on a debug kernel built from linux-source-6.1 with
# tools/vm/debug.config, kept in $(DEBUG_KERNEL_CACHE) (default
# /var/cache/recframe; empty: $(BUILD)) and reused while unchanged: the
# first build takes about 20 minutes. See tools/vm/debug-kernel.
check-debug: deps-debug
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory selftests cli examples \
		> $(BUILD)/build-debug.log 2>&1 \
		|| { tail -50 $(BUILD)/build-debug.log; exit 1; }
	@BUILD=$(BUILD) SELFTESTS=$(BUILD)/selftests TOOLS=$(BUILD)/tools \
		tools/vm/check-debug

deps-debug:
	@tools/vm/deps debug $(FLAVOUR)

# Only the debug kernel of check-debug, built or found in its cache (.ci/run
# times it as a stage of its own); prints its folder.
debug-kernel: deps-debug
	@BUILD=$(BUILD) tools/vm/debug-kernel

# make fuzz SECONDS=N [SEED=n]: the stream fuzzer alone, for N seconds.
SECONDS ?= 300
fuzz: deps-vm
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory initramfs > $(BUILD)/build.log 2>&1 \
		|| { tail -50 $(BUILD)/build.log; exit 1; }
	@$(VM_ENV) VM_TIMEOUT=$$(($(SECONDS) + 900)) \
		VM_APPEND="rf.only=stream_fuzz rf.seconds=$(SECONDS)$(if $(SEED), rf.seed=$(SEED))" \
		tools/vm/run check

demo: deps-vm
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory initramfs > $(BUILD)/build.log 2>&1 \
		|| { tail -50 $(BUILD)/build.log; exit 1; }
	@$(VM_ENV) tools/vm/run demo

vm-shell: deps-vm initramfs
	@$(VM_ENV) tools/vm/run shell

# ----------------------------------------------------------------- lint ---

CHECKPATCH := $(BUILD)/checkpatch/checkpatch.pl
LINT_SRCS := $(filter-out kmod/rf_trace.h,$(wildcard kmod/*.[ch] include/uapi/linux/*.h))

$(CHECKPATCH): | deps-src
	@mkdir -p $(BUILD)/checkpatch
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(BUILD)/checkpatch \
		--strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	@touch $(CHECKPATCH)

# CONST_STRUCT: the proto_ops tables are built at run time from the
# socket's own ops (as net/tls does), so they cannot be const.
lint: $(CHECKPATCH) $(KSFT_HDRS) deps-vm
	perl $(CHECKPATCH) --strict --no-tree --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,CONST_STRUCT \
		-f $(LINT_SRCS)
	@# TRACE_EVENT() has a layout of its own, as in include/trace/events/.
	perl $(CHECKPATCH) --strict --no-tree --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		--ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE -f kmod/rf_trace.h
	@rm -rf $(BUILD)/lint && mkdir -p $(BUILD)/lint
	@cp -r Kbuild kmod include $(BUILD)/lint/
	$(MAKE) -C $(VM_KDIR) M=$(BUILD)/lint W=1 C=2 \
		KCFLAGS=-Werror CHECK="sparse -Wsparse-error" modules
	$(MAKE) -C selftests WERROR=1 OUTPUT=$(BUILD)/lint/selftests \
		KSFT_DIR=$(KSFT_DIR) UAPI_DIR=$(CURDIR)/include/uapi
	$(MAKE) -C selftests/unit WERROR=1 OUT=$(BUILD)/lint/unit
	$(MAKE) -C tools/recframe WERROR=1 OUTPUT=$(BUILD)/lint/tools \
		UAPI_DIR=$(CURDIR)/include/uapi
	$(MAKE) -C tools/examples WERROR=1 OUTPUT=$(BUILD)/lint/tools \
		UAPI_DIR=$(CURDIR)/include/uapi
	$(MAKE) -C tools/demo WERROR=1 OUTPUT=$(BUILD)/lint/tools \
		UAPI_DIR=$(CURDIR)/include/uapi
	$(MAKE) -C tools/bench WERROR=1 OUTPUT=$(BUILD)/lint/tools \
		UAPI_DIR=$(CURDIR)/include/uapi

# --------------------------------------------------------------- install ---

# make install [DESTDIR=/some/root] [PREFIX=/usr/local] [KVER=$(uname -r)]
# Pass KDIR too when KVER is not the running kernel. The CLI is installed
# if it was built (make or make cli).
PREFIX		?= /usr/local
KVER		?= $(shell uname -r)
MODDIR		:= /lib/modules/$(KVER)/extra
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= /usr/share/bash-completion/completions
DEPMOD		= [ ! -d $(DESTDIR)/lib/modules/$(KVER) ] || \
		  depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

install: module-only
	@v=$$(modinfo -F vermagic kmod/recframe.ko | cut -d' ' -f1); \
	[ "$$v" = "$(KVER)" ] || { echo "install: kmod/recframe.ko is built for $$v, not $(KVER): give KDIR=/lib/modules/$(KVER)/build" >&2; exit 1; }
	install -D -m 0644 kmod/recframe.ko $(DESTDIR)$(MODDIR)/recframe.ko
	$(DEPMOD)
	install -D -m 0644 include/uapi/linux/recframe.h \
		$(DESTDIR)$(PREFIX)/include/linux/recframe.h
	install -D -m 0644 Documentation/recframe.7 \
		$(DESTDIR)$(MANDIR)/man7/recframe.7
	@if [ -f Documentation/recframe.8 ]; then set -x; install -D -m 0644 \
		Documentation/recframe.8 $(DESTDIR)$(MANDIR)/man8/recframe.8; fi
	@if [ -x $(BUILD)/tools/recframe ]; then set -x; install -D -m 0755 \
		$(BUILD)/tools/recframe $(DESTDIR)$(PREFIX)/sbin/recframe; \
	else echo "install: the recframe CLI is not built (make cli): skipped"; fi
	@if [ -f tools/recframe/recframe.bash-completion ]; then set -x; \
		install -D -m 0644 tools/recframe/recframe.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/recframe; fi

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/recframe.ko \
		$(DESTDIR)$(PREFIX)/include/linux/recframe.h \
		$(DESTDIR)$(MANDIR)/man7/recframe.7 \
		$(DESTDIR)$(MANDIR)/man8/recframe.8 \
		$(DESTDIR)$(PREFIX)/sbin/recframe \
		$(DESTDIR)$(BASHCOMPDIR)/recframe
	-@rmdir $(DESTDIR)$(MODDIR) 2>/dev/null
	$(DEPMOD)

# DKMS rebuilds the module for every kernel the distribution installs. The
# source goes to /usr/src/recframe-VERSION with the version in a VERSION
# file and in its dkms.conf; it is built and installed for KVER.
DKMS_SRC	:= /usr/src/recframe-$(RECFRAME_VERSION)
DKMS_FILES	:= Makefile Kbuild kmod/Kbuild include/uapi/linux/recframe.h \
		   $(filter-out %.mod.c,$(wildcard kmod/*.[ch]))

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms-install: install dkms first (apt-get install dkms)" >&2; exit 1; }
	@dkms remove recframe/$(RECFRAME_VERSION) --all >/dev/null 2>&1 || true
	rm -rf $(DKMS_SRC)
	for f in $(DKMS_FILES); do install -D -m 0644 $$f $(DKMS_SRC)/$$f; done
	echo $(RECFRAME_VERSION) >$(DKMS_SRC)/VERSION
	sed 's/@VERSION@/$(RECFRAME_VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms add recframe/$(RECFRAME_VERSION)
	dkms build -k $(KVER) recframe/$(RECFRAME_VERSION)
	dkms install -k $(KVER) recframe/$(RECFRAME_VERSION)

dkms-uninstall:
	-dkms remove recframe/$(RECFRAME_VERSION) --all
	rm -rf $(DKMS_SRC)

# ----------------------------------------------------------------- bench ---

# recframe against kTLS, plain TCP and userspace TLS in one VM boot (see
# Documentation/performance.rst): raw lines, results.csv, results.json,
# table.txt and throughput.png in $(BUILD)/bench. QUICK=1 runs a short
# subset for development; BENCH= passes options to recframe-bench, e.g.
# BENCH=reps=3,only=tls+tcp,mem-n=2000.
BENCH_DIR	:= $(BUILD)/bench
bench_comma	:= ,
BENCH_OPTS	= $(if $(QUICK),quick,full)$(if $(BENCH),$(bench_comma)$(BENCH))

.PHONY: bench bench-tool deps-bench

bench-tool:
	$(MAKE) -C tools/bench OUTPUT=$(BUILD)/tools \
		UAPI_DIR=$(CURDIR)/include/uapi

bench: deps-bench
	@mkdir -p $(BENCH_DIR)
	@$(MAKE) --no-print-directory bench-tool initramfs \
		> $(BENCH_DIR)/build.log 2>&1 \
		|| { tail -50 $(BENCH_DIR)/build.log; exit 1; }
	@{ echo "$$(nproc) CPUs, $$(sed -n 's/^model name[[:space:]]*: //p' \
		/proc/cpuinfo | head -n 1), Linux $$(uname -r)"; \
	   echo "load average before the run: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	 } > $(BENCH_DIR)/host.txt
	@# A VM that fails late still leaves results worth a report.
	@$(VM_ENV) VM_APPEND="rf.bench=$(BENCH_OPTS)" tools/vm/run bench; \
	rc=$$?; \
	echo "load average after the run: $$(cut -d' ' -f1-3 /proc/loadavg)" \
		>> $(BENCH_DIR)/host.txt; \
	cp $(VMBUILD)/results.log $(BENCH_DIR)/raw.log && \
	tools/bench/report $(BENCH_DIR)/raw.log $(BENCH_DIR) && exit $$rc

deps-bench:
	@tools/vm/deps bench $(FLAVOUR)

# ----------------------------------------------------------------- deps ---

deps:
	@tools/vm/deps all $(FLAVOUR)

deps-build:
	@tools/vm/deps build $(FLAVOUR)

deps-vm:
	@tools/vm/deps vm $(FLAVOUR)

deps-src:
	@tools/vm/deps src $(FLAVOUR)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	rm -rf $(BUILD)
