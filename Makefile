# SPDX-License-Identifier: GPL-2.0
#
# cryptomap: top-level build.
#   make                 module (for KVER) and the CLI
#   make check           every selftest in a QEMU guest (KVER=..., TESTS="a b")
#   make demo            the README demo in a QEMU guest
#   make checkpatch      kernel style on kmod/ and uapi/
#   make C=1 / W=1       sparse / extra warnings, passed to Kbuild

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

check: all
	./selftests/vm/run.sh --kver $(KVER) $(if $(TESTS),--tests "$(TESTS)")

check-all:
	$(MAKE) check KVER=$(KVER)
	$(MAKE) check KVER=$(KVER612)

demo: all
	./selftests/vm/run.sh --kver $(KVER) --demo

checkpatch:
	./tools/checkpatch.sh

# kmod/nl_policy.[ch] are generated from the netlink spec.
nl-policy:
	./tools/nlspec-gen.py

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	rm -f kmod/.kver
	rm -rf build
	$(MAKE) -C tools/cryptomap clean

.PHONY: all deps module cli check check-all demo checkpatch nl-policy clean
