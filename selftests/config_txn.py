#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Configuration transactions (CONFIG_BEGIN/COMMIT/ABORT), raw netlink.

Run by selftests/config_txn.sh in a fresh netns.  Prints "# ok" and
"# FAIL" lines like nl.py and exits 1 if a check failed.
"""

import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nl  # noqa: E402
from nl import C, K, Genl, acl_attrs, ace, entry_attrs, eq, ok, rejects  # noqa: E402

E = 'CRYPTOMAP_ENTRY_A_'


def acl_names(g):
    return sorted(a.s(C['CRYPTOMAP_ACL_A_NAME'])
                  for a in g.dump('CRYPTOMAP_CMD_ACL_GET'))


def compiled(g, mapname, seq):
    """An entry carries INACTIVE once the policy was compiled with it."""
    a = g.get('CRYPTOMAP_CMD_ENTRY_GET', K.s(C[E + 'MAP'], mapname),
              K.u32(C[E + 'SEQ'], seq))
    return C[E + 'INACTIVE'] in a


def set_acl(g, name):
    g.do('CRYPTOMAP_CMD_ACL_SET',
         *acl_attrs(name, [ace('permit', proto=17, src='10.0.0.1',
                               dst='10.0.0.2')]))


def main():
    a, b = Genl(), Genl()
    set_acl(a, 'BASE')
    a.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('M', 10, acl='BASE',
                                                  peers=['10.1.1.1']))
    ok(compiled(a, 'M', 10), 'without a transaction every change is compiled')

    # a transaction that commits
    a.do('CRYPTOMAP_CMD_CONFIG_BEGIN')
    set_acl(a, 'T1')
    a.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('M', 20, acl='T1',
                                                  peers=['10.1.1.1']))
    ok(not compiled(a, 'M', 20), 'in a transaction: changed but not compiled')
    ok(compiled(a, 'M', 10), 'in a transaction: the old policy stays')
    rejects(lambda: set_acl(b, 'OTHER'), errno.EBUSY,
            r'configuration transaction is open', 'another socket must wait')
    rejects(lambda: b.do('CRYPTOMAP_CMD_CONFIG_BEGIN'), errno.EBUSY,
            r'already open', 'one transaction at a time')
    rejects(lambda: b.do('CRYPTOMAP_CMD_CONFIG_COMMIT'), errno.ENOENT,
            r'no configuration transaction is open on this socket',
            'another socket cannot commit it')
    eq(acl_names(b), ['BASE', 'T1'], 'reads see the objects as changed')
    a.do('CRYPTOMAP_CMD_CONFIG_COMMIT')
    ok(compiled(a, 'M', 20), 'compiled at the commit')
    set_acl(b, 'OTHER')
    ok(True, 'other sockets change again after the commit')
    rejects(lambda: a.do('CRYPTOMAP_CMD_CONFIG_COMMIT'), errno.ENOENT,
            r'no configuration transaction', 'a second commit')

    # abort: everything back, keys and all
    before = acl_names(a)
    a.do('CRYPTOMAP_CMD_CONFIG_BEGIN')
    set_acl(a, 'T2')
    a.do('CRYPTOMAP_CMD_ACL_DEL', K.s(C['CRYPTOMAP_ACL_A_NAME'], 'BASE'))
    a.do('CRYPTOMAP_CMD_ENTRY_DEL', K.s(C[E + 'MAP'], 'M'),
         K.u32(C[E + 'SEQ'], 10))
    a.do('CRYPTOMAP_CMD_CONFIG_ABORT')
    eq(acl_names(a), before, 'abort: the ACLs as before')
    ok(compiled(a, 'M', 10), 'abort: the deleted entry is back, compiled')

    # the socket closes in the middle: rolled back as an abort
    c = Genl()
    c.do('CRYPTOMAP_CMD_CONFIG_BEGIN')
    set_acl(c, 'T3')
    c.do('CRYPTOMAP_CMD_ENTRY_DEL', K.s(C[E + 'MAP'], 'M'),
         K.u32(C[E + 'SEQ'], 20))
    c.sock.close()
    eq(acl_names(a), before, 'socket closed: the ACLs as before')
    ok(compiled(a, 'M', 20), 'socket closed: the entry is back')
    set_acl(a, 'AFTER')
    ok(True, 'no transaction left open after the close')

    for n in ('AFTER', 'OTHER', 'T1'):
        a.do('CRYPTOMAP_CMD_ACL_DEL', K.s(C['CRYPTOMAP_ACL_A_NAME'], n))
    a.do('CRYPTOMAP_CMD_MAP_DEL', K.s(C['CRYPTOMAP_MAP_A_NAME'], 'M'))
    a.do('CRYPTOMAP_CMD_ACL_DEL', K.s(C['CRYPTOMAP_ACL_A_NAME'], 'BASE'))
    return 1 if nl.FAILED else 0


if __name__ == '__main__':
    sys.exit(main())
