#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find (or extract) the kernel's YNL tools for the netlink spec tests.

    python3 selftests/ynl_tree.py        prints the tree's path, exit 0
                                         (exit 4 when there is no source)

The YNL code generator (tools/net/ynl/ynl-gen-c.py), the generic CLI
(tools/net/ynl/cli.py) and the spec schemas (Documentation/netlink/*.yaml)
come from Debian's linux-source-6.12 tarball (make deps).  They are not
part of this repository: the few files needed are extracted at test time
into /tmp/cryptomap-ynl/, once; a VM guest sees the host's /tmp under its
overlay, so an extraction made on the host is reused there.
"""

import os
import subprocess
import sys
import tempfile

TARBALL = os.environ.get('KSRC612_TARBALL', '/usr/src/linux-source-6.12.tar.xz')
CACHE = os.environ.get('YNL_CACHE', '/tmp/cryptomap-ynl')
TOP = 'linux-source-6.12'
MEMBERS = [f'{TOP}/tools/net/ynl', f'{TOP}/Documentation/netlink/genetlink-legacy.yaml',
           f'{TOP}/Documentation/netlink/genetlink-c.yaml',
           f'{TOP}/Documentation/netlink/genetlink.yaml', f'{TOP}/MAINTAINERS']


class NoSource(Exception):
    pass


def stamp():
    st = os.stat(TARBALL)
    return f'{TARBALL} {st.st_size} {int(st.st_mtime)}\n'


def ynl_tree():
    """The path of an extracted tree holding tools/net/ynl and the schemas."""
    if not os.path.exists(TARBALL):
        raise NoSource(f'no {TARBALL} (make deps installs linux-source-6.12)')
    want = stamp()
    tree = os.path.join(CACHE, TOP)
    try:
        with open(os.path.join(CACHE, 'stamp')) as f:
            if f.read() == want and os.path.exists(os.path.join(tree, 'tools/net/ynl/cli.py')):
                return tree
    except OSError:
        pass
    # A private cache when /tmp/cryptomap-ynl is someone else's and stale
    # (or read-only): extract into a fresh directory of our own.
    try:
        os.makedirs(CACHE, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix='.x', dir=CACHE)
    except OSError:
        tmp = tempfile.mkdtemp(prefix='cryptomap-ynl-')
    subprocess.run(['tar', '-C', tmp, '-xJf', TARBALL] + MEMBERS, check=True)
    if os.path.dirname(tmp) != CACHE:
        return os.path.join(tmp, TOP)
    try:
        if os.path.exists(tree):
            os.rename(tree, tmp + '.old')
        os.rename(os.path.join(tmp, TOP), tree)
        with open(os.path.join(CACHE, 'stamp'), 'w') as f:
            f.write(want)
        return tree
    except OSError:
        return os.path.join(tmp, TOP)


def main():
    try:
        print(ynl_tree())
    except NoSource as e:
        print(f'ynl_tree: {e}', file=sys.stderr)
        return 4
    except subprocess.CalledProcessError as e:
        print(f'ynl_tree: extraction failed: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
