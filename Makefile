# SPDX-License-Identifier: GPL-2.0
#
# cryptomap: top-level build.
#   make                 module (for KVER) and the CLI
#   make check           every selftest in a QEMU guest (KVER=..., TESTS="a b");
#                        fuzz, churn and unload at their CI sizes
#   make check-all       both kernels, full sizes (FULL_SIZES)
#   make check-debug     every selftest + the fuzzers at full sizes on a
#                        KASAN/kmemleak/lockdep 6.1 kernel built once from
#                        linux-source-6.1 (tools/build-debug-kernel.sh)
#   make debug-kernel    start that build in the background (nice 19)
#   make check-intree    the kernel-facing selftests on that kernel with
#                        cryptomap built in (CONFIG_CRYPTOMAP=y through
#                        tools/intree.sh; tools/build-intree-kernel.sh)
#   make demo            the README demo in a QEMU guest
#   make bench           benchmarks in a QEMU guest per kernel (BENCH_KVERS,
#                        default KVER; BENCH_* see selftests/bench/run.sh):
#                        table + build/bench/KVER.json
#   make checkpatch      kernel style on kmod/ and uapi/
#   make C=1 / W=1       sparse / extra warnings, passed to Kbuild
#   make install         module (KVER) + CLI, man pages, completion, unit
#                        (DESTDIR=, PREFIX=/usr/local); make uninstall
#   make install-tools   everything but the module (used by debian/rules)
#   make deb             build/deb/cryptomap-{dkms,tools}_*.deb

# Never derive the kernel from `uname -r`: this machine's own kernel has no
# modules.  Default: the newest installed Debian 6.1 kernel with headers.
KVER ?= $(shell ls -d /lib/modules/6.1.*-amd64/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4)
KDIR ?= /lib/modules/$(KVER)/build
# The 6.12 LTS kernel, for `make check-all`.
KVER612 ?= $(shell ls -d /lib/modules/6.12.*-amd64/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4)

BUILD := build/$(KVER)
KO := $(BUILD)/cryptomap.ko
CLI := tools/cryptomap/cryptomap

export KVER KDIR

all: module cli

deps:
	./tools/install-deps.sh

# kmod/ is built in place; the .ko is then kept per kernel under build/.
module:
	./tools/build-module.sh $(KVER) $(if $(C),C=$(C)) $(if $(W),W=$(W))

cli:
	$(MAKE) -C tools/cryptomap
	$(MAKE) -C tools/cryptomapd

# The packaging test installs build/deb/*.deb: make them when it runs.
check: all $(if $(filter packaging,$(TESTS)),deb-prebuilt)
	./selftests/vm/run.sh --kver $(KVER) $(if $(TESTS),--tests "$(TESTS)")

# The debug kernel is built once and cached outside the tree (its directory
# is the last line build-debug-kernel.sh prints); the module is built
# against it and every selftest, the fuzzers included, runs on it.  Any
# KASAN, lockdep or kmemleak report fails the test (selftests/vm/run.sh).
# The packaging test (DKMS build in the guest) only runs on request.
check-packaging: all deb-prebuilt
	VM_TIMEOUT=$${VM_TIMEOUT:-3600} ./selftests/vm/run.sh --kver $(KVER) --tests packaging

check-debug: cli
	@kdir=$$(./tools/build-debug-kernel.sh | tail -n1) && [ -d "$$kdir" ] && \
	kver=$$(cat "$$kdir/include/config/kernel.release") && \
	KDIR=$$kdir ./tools/build-module.sh "$$kver" && \
	env $(FULL_SIZES) VM_TIMEOUT=$${VM_TIMEOUT:-3000} ./selftests/vm/run.sh --kdir "$$kdir" \
		$(if $(TESTS),--tests "$(TESTS)")

debug-kernel:
	./tools/build-debug-kernel.sh --background

# cryptomap built into the kernel (CONFIG_CRYPTOMAP=y): the debug kernel's
# tree copied once, kmod/ placed in it by tools/intree.sh, relinked (a few
# minutes; tools/build-intree-kernel.sh).  The runner sees =y in its
# .config: no .ko, and what needs rmmod reports SKIP (unload skips whole).
INTREE_TESTS ?= module_smoke esp_policy esp_xfrm_tunnel ah_xfrm sa_ops sa_rekey \
	netlink_config fuzz_netlink fuzz_packets ike_traffic unload
INTREE_SIZES ?= ESP_CASES="3des:sha aes256:sha256 gcm128:none" \
	AH_CASES="sha:-:- sha:3des:md5"
check-intree: cli
	@kdir=$$(./tools/build-intree-kernel.sh | tail -n1) && [ -d "$$kdir" ] && \
	env $(INTREE_SIZES) VM_TIMEOUT=$${VM_TIMEOUT:-3000} ./selftests/vm/run.sh --kdir "$$kdir" \
		--tests "$(if $(TESTS),$(TESTS),$(INTREE_TESTS))"

# The sizes the robustness issue asks for; `make check` (and CI) use the
# tests' smaller defaults.  The whole ESP matrix runs on both kernels here.
FULL_SIZES ?= CONFIG_FUZZ_FILES=1000 UNLOAD_LOOPS=100 UNLOAD_TRAFFIC_ROUNDS=5 \
	CHURN_SECONDS=40 FUZZ_MESSAGES=100000
check-all:
	env $(FULL_SIZES) $(MAKE) check KVER=$(KVER)
	env $(FULL_SIZES) $(MAKE) check KVER=$(KVER612)

demo: all
	./selftests/vm/run.sh --kver $(KVER) --demo

# One guest per kernel; figures in build/bench/KVER.json, method and latest
# results in Documentation/performance.md.
BENCH_KVERS ?= $(KVER)
bench: cli
	@for k in $(BENCH_KVERS); do ./tools/build-module.sh $$k || exit 1; done
	./selftests/bench/vm.sh $(BENCH_KVERS)

checkpatch:
	./tools/checkpatch.sh

# Installation.  The module goes to /lib/modules/KVER/updates (depmod unless
# DESTDIR is set: a staging tree is for a package, whose install runs it);
# the rest under PREFIX.  UNITDIR: where systemd looks for units of PREFIX.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
MODDIR ?= /lib/modules/$(KVER)/updates

install: install-module install-tools

install-module: module
	install -D -m 0644 $(KO) $(DESTDIR)$(MODDIR)/cryptomap.ko
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tools: cli
	install -D -m 0755 $(CLI) $(DESTDIR)$(SBINDIR)/cryptomap
	install -D -m 0644 tools/cryptomap/cryptomap.8 $(DESTDIR)$(MANDIR)/man8/cryptomap.8
	install -D -m 0644 tools/cryptomap/cryptomap.conf.5 $(DESTDIR)$(MANDIR)/man5/cryptomap.conf.5
	install -D -m 0644 tools/cryptomap/cryptomap.bash-completion $(DESTDIR)$(BASHCOMPDIR)/cryptomap
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' tools/cryptomap/cryptomap.service.in > $(DESTDIR)$(UNITDIR)/cryptomap.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cryptomap.service
	install -D -m 0755 tools/cryptomapd/cryptomapd $(DESTDIR)$(SBINDIR)/cryptomapd
	install -D -m 0644 tools/cryptomapd/cryptomapd.8 $(DESTDIR)$(MANDIR)/man8/cryptomapd.8
	sed 's|@SBINDIR@|$(SBINDIR)|g' tools/cryptomapd/cryptomapd.service.in > $(DESTDIR)$(UNITDIR)/cryptomapd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cryptomapd.service

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/cryptomap.ko
	$(if $(DESTDIR),,-depmod -a $(KVER))
	rm -f $(DESTDIR)$(SBINDIR)/cryptomap $(DESTDIR)$(MANDIR)/man8/cryptomap.8 \
		$(DESTDIR)$(MANDIR)/man5/cryptomap.conf.5 $(DESTDIR)$(BASHCOMPDIR)/cryptomap \
		$(DESTDIR)$(UNITDIR)/cryptomap.service $(DESTDIR)$(SBINDIR)/cryptomapd \
		$(DESTDIR)$(MANDIR)/man8/cryptomapd.8 $(DESTDIR)$(UNITDIR)/cryptomapd.service

# The Debian packages (debian/), built out of a clean copy of the tracked
# files so that the work tree's objects never reach the source package.
deb:
	./tools/mkdeb.sh build/deb

# Also the module for KVER, built by DKMS here (selftests/packaging.sh then
# loads it with dkms ldtarball instead of compiling under TCG).
deb-prebuilt:
	MKDEB_PREBUILT="$(KVER)" ./tools/mkdeb.sh build/deb

# kmod/nl_policy.[ch] are generated from the netlink spec.
nl-policy:
	./tools/nlspec-gen.py

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	rm -f kmod/.kver
	rm -rf build
	$(MAKE) -C tools/cryptomap clean

.PHONY: all deps module cli check check-packaging check-debug debug-kernel check-intree check-all demo bench checkpatch nl-policy clean \
	install install-module install-tools uninstall deb deb-prebuilt
