# SPDX-License-Identifier: GPL-2.0
#
# vduse-dkms: VDUSE and, where the kernel has none, a vDPA bus, for stock
# distribution kernels. `make help` lists the targets.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD ?= $(TOP)/build/$(KVER)
JOBS ?= $(shell nproc)
# Tags from tests/kernels.conf for `make check` and `make matrix`
# (default: all of them), e.g. `make check KERNELS=6.1`.
KERNELS ?=

# Passed through to Kbuild when given: W=1, C=1/2, V=1, KCFLAGS.
KBUILD_ARGS := $(if $(VDK_TEST_MODULES),VDK_TEST_MODULES=$(VDK_TEST_MODULES)) \
	$(if $(W),W=$(W)) $(if $(C),C=$(C)) $(if $(V),V=$(V)) \
	$(if $(KCFLAGS),KCFLAGS="$(KCFLAGS)")

.PHONY: all modules probe prepare install clean distclean check matrix \
	checkpatch sparse demo help deb rpm pkg-check status install-status fuzz \
	soak check-debug bench

all: modules

help:
	@echo 'make [KVER=release] [KDIR=headers]  build the modules (default: running kernel)'
	@echo '                                     into build/<release>/out/'
	@echo 'make probe                           only run the compat probes'
	@echo 'make install [KVER=...]              install the built modules under'
	@echo '                                     /lib/modules/<release>/updates/vduse-dkms'
	@echo 'make status                          build build/vduse-status (tools/vduse-status,'
	@echo '                                     needs libkmod-dev, pkg-config)'
	@echo 'make install-status                  install it to /usr/sbin with its man page'
	@echo 'make demo                            see it work: Debian 12 kernel in QEMU,'
	@echo '                                     a VDUSE disk, lsblk and fio'
	@echo 'make check [KERNELS="6.1 7.2"]       the whole test suite (README: Testing)'
	@echo 'make check-debug                     the guest scenarios on a KASAN/lockdep/kmemleak'
	@echo '                                     kernel built from linux-source-6.1 (README: Testing)'
	@echo 'make matrix [KERNELS=...]            build for every kernel of tests/kernels.conf'
	@echo 'make fuzz [KERNELS=...]              the long fuzzer run (VDK_FUZZ_OPS, default 1000000;'
	@echo '                                     VDK_FUZZ_SEED, VDK_FUZZ_TIME; scripts/fuzz.sh --help)'
	@echo 'make soak [KERNELS="6.1 7.2"]        the load scenario, 1000 iterations (scripts/soak.sh)'
	@echo 'make bench [KERNELS="6.1 7.2"]       the benchmark (docs/benchmarks.md; not in make check;'
	@echo '                                     VDK_BENCH_REPS, scripts/bench.sh --help)'
	@echo 'make checkpatch                      checkpatch.pl --strict on src/ compat/ include/'
	@echo 'make sparse                          sparse (C=2) on the matrix kernels'
	@echo 'make deb                             build/pkg/vduse-dkms_<version>_all.deb'
	@echo 'make rpm                             build/pkg/vduse-dkms-<version>-1.noarch.rpm'
	@echo 'make pkg-check [KERNELS=...]         the package tests (tests/pkg/)'
	@echo 'make clean                           remove build/'

# The build directory mirrors the source tree with symlinks, so objects,
# probe results and the generated header never land in the source tree.
prepare:
	@mkdir -p $(BUILD)/out $(BUILD)/include
	@cd $(TOP) && find $$(ls -d src include compat tests/kmod Kbuild 2>/dev/null) -type f ! -name '*.o' | \
	while read -r f; do \
		mkdir -p "$(BUILD)/$$(dirname "$$f")"; \
		[ -L "$(BUILD)/$$f" ] || ln -sf "$(TOP)/$$f" "$(BUILD)/$$f"; \
	done
	@find $(BUILD)/src $(BUILD)/include $(BUILD)/compat $(BUILD)/tests -xtype l -delete 2>/dev/null || true

probe: prepare
	@$(TOP)/scripts/probe.sh $(KDIR) $(BUILD) $(JOBS)

modules: probe
	@$(MAKE) -C $(KDIR) M=$(BUILD) VDK_BUILD=$(BUILD) $(KBUILD_ARGS) -j$(JOBS) modules
	@rm -f $(BUILD)/out/*.ko
	@[ ! -d $(BUILD)/src ] || find $(BUILD)/src -name '*.ko' -exec cp {} $(BUILD)/out/ \;
	@echo "modules for $(KVER): $$(cd $(BUILD)/out && ls *.ko 2>/dev/null | tr '\n' ' ')"

# For a manual install from a source tree; packages use dkms instead.
install:
	@ls $(BUILD)/out/*.ko >/dev/null 2>&1 || \
		{ echo "nothing built for $(KVER): run 'make KVER=$(KVER)' first" >&2; exit 1; }
	install -d $(DESTDIR)/lib/modules/$(KVER)/updates/vduse-dkms
	install -m 644 $(BUILD)/out/*.ko $(DESTDIR)/lib/modules/$(KVER)/updates/vduse-dkms/
	$(if $(DESTDIR),,depmod -a $(KVER))

# vduse-status, the userspace readiness check (tools/vduse-status).
status:
	@mkdir -p $(TOP)/build
	@$(MAKE) --no-print-directory -C $(TOP)/tools/vduse-status O=$(TOP)/build $(TOP)/build/vduse-status

install-status: status
	@$(MAKE) --no-print-directory -C $(TOP)/tools/vduse-status O=$(TOP)/build install

clean:
	rm -rf $(TOP)/build

distclean: clean

check:
	@$(TOP)/scripts/check.sh $(KERNELS)

check-debug:
	@$(TOP)/scripts/check.sh --debug

matrix:
	@$(TOP)/scripts/matrix.sh $(KERNELS)

fuzz:
	@$(TOP)/scripts/fuzz.sh $(KERNELS)

bench:
	@$(TOP)/scripts/bench.sh $(if $(KERNELS),--kernels "$(KERNELS)")

demo:
	@$(TOP)/scripts/demo.sh

soak:
	@$(TOP)/scripts/soak.sh $(KERNELS)

checkpatch:
	@$(TOP)/scripts/checkpatch.sh

sparse:
	@$(TOP)/scripts/matrix.sh --sparse $(KERNELS)

deb:
	@$(TOP)/scripts/pkg.sh deb

rpm:
	@$(TOP)/scripts/pkg.sh rpm

pkg-check:
	@$(TOP)/tests/pkg/run.sh $(KERNELS)
