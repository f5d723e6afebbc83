# SPDX-License-Identifier: GPL-2.0
#
# recframe: build the module, the CLI and the selftests; run them in a VM.
#
#   make                  module (kmod/recframe.ko), CLI and selftests
#   make check            boot Debian's 6.1 kernel in QEMU and run the suite
#   make check FLAVOUR=amd64   the same on the generic amd64 kernel
#   make demo             the guided scenario, in the VM
#   make vm-shell         the VM with the module loaded, interactive
#   make lint             checkpatch --strict, sparse (C=1), W=1 -Werror
#   make deps             install what is missing from Debian's packages
#
# KDIR defaults to the running kernel's build tree when there is one (a real
# machine), otherwise to the headers of the Debian kernel the VM boots.

FLAVOUR		?= cloud-amd64
BUILD		?= $(CURDIR)/build
VMBUILD		:= $(BUILD)/vm-$(FLAVOUR)
RECFRAME_VERSION := $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null || echo 0.1)
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

.PHONY: all module selftests unit check check-unit demo vm-shell lint deps \
	clean help kselftest-headers cli

all: module selftests cli

help:
	@sed -n '3,13s/^# \{0,1\}//p' Makefile

# ---------------------------------------------------------------- module ---

module: deps-build
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

initramfs: $(VMBUILD)/src/kmod/recframe.ko selftests cli
	$(VM_ENV) tools/vm/mkinitramfs

check: deps-vm
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory check-unit > $(BUILD)/unit.log 2>&1 \
		|| { cat $(BUILD)/unit.log; exit 1; }
	@$(MAKE) --no-print-directory initramfs > $(BUILD)/build.log 2>&1 \
		|| { tail -50 $(BUILD)/build.log; exit 1; }
	@$(VM_ENV) tools/vm/run check $(BUILD)/unit.log

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
