#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Find slab objects that cryptomap allocated and never freed.

Needs a kernel booted with slub_debug=U (SLUB records the stack of every
live object; /sys/kernel/debug/slab/CACHE/alloc_traces lists them).  An
object is the module's when the first frame above the allocator
(kmalloc, kvmalloc, kmemdup...) is module code: objects that kernel code
allocates on the module's behalf and owns (a crypto tfm's default RNG,
netfilter's hook arrays) are not counted.

    slab_leaks.py available              exit 0 if the tracking is on
    slab_leaks.py snapshot               "CACHE FUNCTION COUNT" lines
    slab_leaks.py compare BASEFILE       objects beyond a snapshot; exit 1
    slab_leaks.py unloaded BASE SIZE     after rmmod: objects allocated by
                                         code in [BASE, BASE+SIZE); exit 1
"""

import glob
import re
import sys

SLAB = '/sys/kernel/debug/slab'
ALLOCATOR = re.compile(
    r'^(__)?(kmalloc|kzalloc|kcalloc|kvmalloc|kvzalloc|kvcalloc|kmemdup|'
    r'kstrdup|kstrndup|krealloc|kvrealloc|kmem_cache_alloc|kmalloc_array|'
    r'kmalloc_large|kmalloc_trace|kmalloc_node_trace|kmalloc_node|'
    r'kmalloc_node_track_caller|kvmalloc_node)\w*(\.\w+)*\+')


def blocks():
    """(cache, count, owner frame) of every distinct allocation stack."""
    for f in sorted(glob.glob(SLAB + '/*/alloc_traces')):
        cache = f.split('/')[-2]
        try:
            text = open(f).read()
        except OSError:
            continue
        for block in text.split('\n\n'):
            lines = [ln.strip() for ln in block.strip().splitlines()]
            if not lines or not lines[0].split()[0].isdigit():
                continue
            count = int(lines[0].split()[0])
            owner = next((ln for ln in lines[1:] if not ALLOCATOR.match(ln)),
                         None)
            if owner:
                yield cache, count, owner


def snapshot():
    sums = {}
    for cache, count, owner in blocks():
        if '[cryptomap]' in owner:
            key = (cache, owner.split('+')[0])
            sums[key] = sums.get(key, 0) + count
    return sums


def main(argv):
    if argv[0] == 'available':
        try:
            return 0 if open(SLAB + '/kmalloc-64/alloc_traces').read().strip() else 1
        except OSError:
            return 1
    if argv[0] == 'snapshot':
        for (cache, fn), n in sorted(snapshot().items()):
            print(cache, fn, n)
        return 0
    if argv[0] == 'compare':
        base = {}
        for line in open(argv[1]):
            cache, fn, n = line.split()
            base[(cache, fn)] = int(n)
        extra = [(k, n - base.get(k, 0)) for k, n in sorted(snapshot().items())
                 if n > base.get(k, 0)]
        for (cache, fn), n in extra:
            print(f'{cache} {fn} +{n}')
        return 1 if extra else 0
    if argv[0] == 'unloaded':
        lo, size = int(argv[1], 16), int(argv[2])
        bad = 0
        for cache, count, owner in blocks():
            m = re.match(r'0x([0-9a-f]+)$', owner.split()[0])
            if m and lo <= int(m.group(1), 16) < lo + size:
                bad += count
                print(f'{cache}: {count} allocated at {owner}')
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
