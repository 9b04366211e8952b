#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Drive the cryptomap generic netlink family without the CLI.

A raw NETLINK_GENERIC socket with struct packing; the attribute and
command numbers are read from uapi/linux/cryptomap.h, so this script
checks the header the kernel was built with, not a copy.

    nl.py GROUP...      run these check groups (see GROUPS at the end)
    nl.py --list        list them

Each group prints one line per check ("# ok ..." / "# FAIL ...") and the
script exits 1 if any check failed.  selftests/netlink_config.sh runs the
groups in a guest and reports them as KTAP.
"""

import errno
import os
import re
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
UAPI = os.path.join(HERE, '..', 'uapi', 'linux', 'cryptomap.h')

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_APPEND = 0x800
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ESP, IPPROTO_AH = 6, 17, 50, 51
IPPROTO_COMP = 108


def read_uapi(path=UAPI):
    """Every enumerator and #define number of the uapi header."""
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    c = {}
    for m in re.finditer(r'#define\s+(\w+)\s+(\d+|"[^"]*")', text):
        v = m.group(2)
        c[m.group(1)] = v.strip('"') if v.startswith('"') else int(v)
    for body in re.findall(r'enum\s+\w+\s*\{(.*?)\}', text, flags=re.S):
        val = -1
        for item in body.split(','):
            item = item.strip()
            if not item:
                continue
            if '=' in item:
                name, expr = (s.strip() for s in item.split('=', 1))
                val = int(expr, 0) if expr[0].isdigit() else c[expr]
            else:
                name, val = item, val + 1
            c[name] = val
    return c


C = read_uapi()


class K:
    """Attribute helpers: K.u8(type, v) etc. return packed TLVs."""

    @staticmethod
    def tlv(t, payload):
        ln = 4 + len(payload)
        return struct.pack('=HH', ln, t) + payload + b'\0' * ((-ln) % 4)

    @staticmethod
    def u8(t, v):
        return K.tlv(t, struct.pack('=B', v))

    @staticmethod
    def u16(t, v):
        return K.tlv(t, struct.pack('=H', v))

    @staticmethod
    def u32(t, v):
        return K.tlv(t, struct.pack('=I', v))

    @staticmethod
    def ip(t, a):
        return K.tlv(t, socket.inet_aton(a))

    @staticmethod
    def s(t, v):
        return K.tlv(t, v.encode() + b'\0')

    @staticmethod
    def b(t, v):
        return K.tlv(t, v)

    @staticmethod
    def flag(t):
        return K.tlv(t, b'')

    @staticmethod
    def nest(t, items):
        return K.tlv(t | 0x8000, b''.join(items))


def parse_attrs(buf):
    """TLVs -> list of (type, payload)."""
    out, off = [], 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from('=HH', buf, off)
        if ln < 4:
            break
        out.append((t & 0x3fff, buf[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


class Attrs:
    """A parsed attribute set: a[T] is the first payload, a.all(T) every."""

    def __init__(self, buf):
        self.items = parse_attrs(buf)

    def __contains__(self, t):
        return any(x == t for x, _ in self.items)

    def __getitem__(self, t):
        for x, p in self.items:
            if x == t:
                return p
        raise KeyError(t)

    def all(self, t):
        return [p for x, p in self.items if x == t]

    def u8(self, t):
        return self[t][0]

    def u16(self, t):
        return struct.unpack('=H', self[t][:2])[0]

    def u32(self, t):
        return struct.unpack('=I', self[t][:4])[0]

    def ip(self, t):
        return socket.inet_ntoa(self[t][:4])

    def s(self, t):
        return self[t].split(b'\0', 1)[0].decode()

    def nest(self, t):
        return Attrs(self[t])

    def types(self):
        return [x for x, _ in self.items]


class NlError(Exception):
    def __init__(self, err, msg, offs=None):
        super().__init__(f'{errno.errorcode.get(err, err)}: {msg}')
        self.errno = err
        self.msg = msg
        self.offs = offs


class Genl:
    def __init__(self, family='cryptomap'):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.seq = 1
        self.fam = GENL_ID_CTRL
        self.fam = self._family_id(family)
        self.version = C['CRYPTOMAP_GENL_VERSION']

    def _family_id(self, name):
        self.version = 1
        msgs = self.request(CTRL_CMD_GETFAMILY,
                            [K.s(CTRL_ATTR_FAMILY_NAME, name)])
        return Attrs(msgs[0][1]).u16(CTRL_ATTR_FAMILY_ID)

    def send(self, cmd, attrs, flags):
        self.seq += 1
        payload = struct.pack('=BBH', cmd, self.version, 0) + b''.join(attrs)
        hdr = struct.pack('=IHHII', 16 + len(payload), self.fam, flags,
                          self.seq, 0)
        self.last = hdr + payload
        self.sock.send(self.last)
        return self.seq

    def recv_msgs(self):
        """One recv(): list of (type, flags, seq, payload)."""
        data = self.sock.recv(4 << 20)
        out, off = [], 0
        while off + 16 <= len(data):
            ln, typ, flags, seq, _ = struct.unpack_from('=IHHII', data, off)
            out.append((typ, flags, seq, data[off + 16:off + ln]))
            off += (ln + 3) & ~3
        return out

    @staticmethod
    def _error(payload, flags):
        err = -struct.unpack_from('=i', payload)[0]
        msg, offs = None, None
        if flags & 0x200:	# NLM_F_ACK_TLVS
            # NETLINK_CAP_ACK: only the request's header follows the error
            a = Attrs(payload[4 + 16:])
            if NLMSGERR_ATTR_MSG in a:
                msg = a.s(NLMSGERR_ATTR_MSG)
            if NLMSGERR_ATTR_OFFS in a:
                offs = a.u32(NLMSGERR_ATTR_OFFS)
        return err, msg, offs

    def request(self, cmd, attrs=(), flags=0, dump=False, stats=None):
        """Send one request; return [(cmd, attr bytes)] or raise NlError.

        With dump=True, stats (a dict) receives the number of messages,
        recv() calls and whether any message was flagged NLM_F_DUMP_INTR.
        """
        flags |= NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
        seq = self.send(cmd, attrs, flags)
        out = []
        st = stats if stats is not None else {}
        st.update(msgs=0, recvs=0, intr=False)
        while True:
            msgs = self.recv_msgs()
            st['recvs'] += 1
            for typ, fl, s, payload in msgs:
                if s != seq:
                    continue
                if typ == NLMSG_ERROR:
                    err, msg, offs = self._error(payload, fl)
                    if err:
                        raise NlError(err, msg, offs)
                    return out
                if typ == NLMSG_DONE:
                    return out
                st['msgs'] += 1
                if fl & NLM_F_DUMP_INTR:
                    st['intr'] = True
                out.append((payload[0], payload[4:]))
                if not dump:
                    # a do request: the reply, then the ACK
                    continue

    def do(self, cmd, *attrs, flags=0):
        return self.request(C[cmd], list(attrs), flags=flags)

    def get(self, cmd, *attrs):
        msgs = self.request(C[cmd], list(attrs))
        return Attrs(msgs[0][1])

    def dump(self, cmd, *attrs, stats=None):
        return [Attrs(p) for _, p in
                self.request(C[cmd], list(attrs), dump=True, stats=stats)]


# ------------------------------------------------------------ builders

def ace(action='permit', seq=None, proto=None, src=None, swild=None,
        dst=None, dwild=None, sport=None, dport=None):
    """sport/dport: (op, lo[, hi]) with op in eq neq lt gt range."""
    a = []
    if seq is not None:
        a.append(K.u32(C['CRYPTOMAP_ACE_A_SEQ'], seq))
    if action is not None:
        a.append(K.u8(C['CRYPTOMAP_ACE_A_ACTION'],
                      C['CRYPTOMAP_ACE_' + action.upper()]))
    if proto is not None:
        a.append(K.u8(C['CRYPTOMAP_ACE_A_PROTO'], proto))
    for t, v in (('SRC_ADDR', src), ('SRC_WILD', swild),
                 ('DST_ADDR', dst), ('DST_WILD', dwild)):
        if v is not None:
            a.append(K.ip(C['CRYPTOMAP_ACE_A_' + t], v))
    for w, p in (('SPORT', sport), ('DPORT', dport)):
        if p is None:
            continue
        a.append(K.u8(C[f'CRYPTOMAP_ACE_A_{w}_OP'],
                      C['CRYPTOMAP_PORT_' + p[0].upper()]))
        if len(p) > 1:
            a.append(K.u16(C[f'CRYPTOMAP_ACE_A_{w}_LO'], p[1]))
        if len(p) > 2:
            a.append(K.u16(C[f'CRYPTOMAP_ACE_A_{w}_HI'], p[2]))
    return K.nest(C['CRYPTOMAP_ACL_A_ENTRY'], a)


def acl_attrs(name, entries=None):
    a = [K.s(C['CRYPTOMAP_ACL_A_NAME'], name)]
    if entries is not None:
        a.append(K.nest(C['CRYPTOMAP_ACL_A_ENTRIES'], entries))
    return a


ENC = {'esp-null': 'NULL', 'esp-des': 'DES', 'esp-3des': '3DES',
       'esp-aes': 'AES', 'esp-gcm': 'GCM', 'esp-gmac': 'GMAC'}
HMAC = {'md5': 'MD5_HMAC', 'sha': 'SHA_HMAC', 'sha256': 'SHA256_HMAC',
        'sha384': 'SHA384_HMAC', 'sha512': 'SHA512_HMAC'}


def transform(t):
    """One IOS transform name -> its attribute."""
    m = re.fullmatch(r'ah-(\w+)-hmac', t)
    if m:
        return K.u8(C['CRYPTOMAP_TSET_A_AH'],
                    C['CRYPTOMAP_AH_' + HMAC[m.group(1)]])
    m = re.fullmatch(r'esp-(md5|sha|sha256|sha384|sha512)-hmac', t)
    if m:
        return K.u8(C['CRYPTOMAP_TSET_A_ESP_AUTH'],
                    C['CRYPTOMAP_EAUTH_' + HMAC[m.group(1)]])
    if t in ENC:
        return K.u8(C['CRYPTOMAP_TSET_A_ESP_ENC'],
                    C['CRYPTOMAP_ENC_' + ENC[t]])
    if t == 'comp-lzs':
        return K.u8(C['CRYPTOMAP_TSET_A_COMP'], C['CRYPTOMAP_COMP_LZS'])
    if t.isdigit():
        return K.u16(C['CRYPTOMAP_TSET_A_ESP_KEYBITS'], int(t))
    raise ValueError(t)


def tset_attrs(name, transforms, mode=None):
    a = [K.s(C['CRYPTOMAP_TSET_A_NAME'], name)]
    a += [transform(t) for t in transforms.split()]
    if mode:
        a.append(K.u8(C['CRYPTOMAP_TSET_A_MODE'],
                      C['CRYPTOMAP_MODE_' + mode.upper()]))
    return a


def key(direction, proto, spi, cipher=None, auth=None):
    d = 'IN' if direction.startswith('in') else 'OUT'
    a = [K.u8(C['CRYPTOMAP_KEY_A_DIR'], C['CRYPTOMAP_DIR_' + d]),
         K.u8(C['CRYPTOMAP_KEY_A_PROTO'],
              IPPROTO_ESP if proto == 'esp' else IPPROTO_AH),
         K.u32(C['CRYPTOMAP_KEY_A_SPI'], spi)]
    if cipher is not None:
        a.append(K.b(C['CRYPTOMAP_KEY_A_CIPHER'], cipher))
    if auth is not None:
        a.append(K.b(C['CRYPTOMAP_KEY_A_AUTH'], auth))
    return K.nest(C['CRYPTOMAP_ENTRY_A_KEY'], a)


def entry_attrs(mapname, seq, typ='isakmp', acl=None, peers=(), tsets=(),
                pfs=None, life_sec=None, life_kb=None, idle=None,
                replay=None, keys=()):
    E = 'CRYPTOMAP_ENTRY_A_'
    a = [K.s(C[E + 'MAP'], mapname), K.u32(C[E + 'SEQ'], seq),
         K.u8(C[E + 'TYPE'], C['CRYPTOMAP_TYPE_' + typ.upper()])]
    if acl is not None:
        a.append(K.s(C[E + 'ACL'], acl))
    if peers:
        a.append(K.nest(C[E + 'PEERS'], [K.ip(C[E + 'PEER'], p) for p in peers]))
    if tsets:
        a.append(K.nest(C[E + 'TSETS'], [K.s(C[E + 'TSET'], t) for t in tsets]))
    if pfs is not None:
        a.append(K.u8(C[E + 'PFS'], pfs))
    if life_sec is not None:
        a.append(K.u32(C[E + 'LIFE_SEC'], life_sec))
    if life_kb is not None:
        a.append(K.u32(C[E + 'LIFE_KB'], life_kb))
    if idle is not None:
        a.append(K.u32(C[E + 'IDLE_TIME'], idle))
    if replay == 'disable':
        a.append(K.u8(C[E + 'REPLAY_MODE'], C['CRYPTOMAP_REPLAY_DISABLE']))
    elif replay is not None:
        a.append(K.u8(C[E + 'REPLAY_MODE'], C['CRYPTOMAP_REPLAY_WINDOW']))
        a.append(K.u32(C[E + 'REPLAY_WINDOW'], replay))
    if keys:
        a.append(K.nest(C[E + 'KEYS'], list(keys)))
    return a


def bind_attrs(ifname=None, ifindex=None, mapname=None):
    a = []
    if ifindex is not None:
        a.append(K.u32(C['CRYPTOMAP_BIND_A_IFINDEX'], ifindex))
    if ifname is not None:
        a.append(K.s(C['CRYPTOMAP_BIND_A_IFNAME'], ifname))
    if mapname is not None:
        a.append(K.s(C['CRYPTOMAP_BIND_A_MAP'], mapname))
    return a


# ------------------------------------------------------------- checks

FAILED = 0


def ok(cond, what):
    global FAILED
    if cond:
        print(f'# ok {what}')
    else:
        FAILED += 1
        print(f'# FAIL {what}')
    return cond


def eq(actual, expected, what):
    return ok(actual == expected,
              f'{what}: {actual!r}' + ('' if actual == expected
                                       else f' (expected {expected!r})'))


def rejects(fn, err, msg_re, what):
    """fn() must fail with errno err and an extack message matching msg_re."""
    try:
        fn()
    except NlError as e:
        good = e.errno == err and e.msg is not None and \
            re.search(msg_re, e.msg) is not None
        return ok(good, f'{what}: {errno.errorcode.get(e.errno)} "{e.msg}"' +
                  ('' if good else
                   f' (expected {errno.errorcode[err]} /{msg_re}/)'))
    return ok(False, f'{what}: accepted (expected {errno.errorcode[err]})')


def bad_attr_type(g, fn):
    """The type of the attribute the kernel's extack offset points at."""
    try:
        fn()
    except NlError as e:
        if e.offs is None or e.offs + 4 > len(g.last):
            return None
        return struct.unpack_from('=H', g.last, e.offs + 2)[0] & 0x3fff
    return None


def acl_entries(g, name):
    """Every ACE of ACL name by dump, merging its messages."""
    out = []
    for m in g.dump('CRYPTOMAP_CMD_ACL_GET',
                    K.s(C['CRYPTOMAP_ACL_A_NAME'], name)):
        if m.s(C['CRYPTOMAP_ACL_A_NAME']) != name:
            continue
        if C['CRYPTOMAP_ACL_A_ENTRIES'] in m:
            out += [Attrs(p) for p in m.nest(C['CRYPTOMAP_ACL_A_ENTRIES'])
                    .all(C['CRYPTOMAP_ACL_A_ENTRY'])]
    return out


def flush(g):
    """Remove every object of the current netns."""
    for b in g.dump('CRYPTOMAP_CMD_BIND_GET'):
        g.do('CRYPTOMAP_CMD_BIND_DEL',
             K.u32(C['CRYPTOMAP_BIND_A_IFINDEX'],
                   b.u32(C['CRYPTOMAP_BIND_A_IFINDEX'])))
    for m in g.dump('CRYPTOMAP_CMD_MAP_GET'):
        g.do('CRYPTOMAP_CMD_MAP_DEL',
             K.s(C['CRYPTOMAP_MAP_A_NAME'], m.s(C['CRYPTOMAP_MAP_A_NAME'])))
    for t in g.dump('CRYPTOMAP_CMD_TSET_GET'):
        g.do('CRYPTOMAP_CMD_TSET_DEL',
             K.s(C['CRYPTOMAP_TSET_A_NAME'], t.s(C['CRYPTOMAP_TSET_A_NAME'])))
    names = {a.s(C['CRYPTOMAP_ACL_A_NAME'])
             for a in g.dump('CRYPTOMAP_CMD_ACL_GET')}
    for n in names:
        g.do('CRYPTOMAP_CMD_ACL_DEL', K.s(C['CRYPTOMAP_ACL_A_NAME'], n))
    g.do('CRYPTOMAP_CMD_GLOBAL_SET', K.u32(C['CRYPTOMAP_GLOBAL_A_LIFE_SEC'], 3600))


EINVAL, ENOENT, EEXIST, E2BIG, ERANGE, EPERM, ENODEV, EMSGSIZE = (
    errno.EINVAL, errno.ENOENT, errno.EEXIST, errno.E2BIG, errno.ERANGE,
    errno.EPERM, errno.ENODEV, errno.EMSGSIZE)


# ------------------------------------------------------------- groups

def t_global(g):
    G = 'CRYPTOMAP_GLOBAL_A_'
    a = g.get('CRYPTOMAP_CMD_GLOBAL_GET')
    eq((a.u32(C[G + 'LIFE_SEC']), a.u32(C[G + 'LIFE_KB']),
        a.u32(C[G + 'REPLAY_WINDOW']), a.u8(C[G + 'REPLAY_DISABLE']),
        a.u32(C[G + 'IDLE_TIME']), a.u8(C[G + 'DF_BIT']), a.u8(C[G + 'FRAG'])),
       (3600, 4608000, 64, 0, 0, C['CRYPTOMAP_DF_COPY'],
        C['CRYPTOMAP_FRAG_BEFORE']), 'IOS defaults')
    g.do('CRYPTOMAP_CMD_GLOBAL_SET', K.u32(C[G + 'LIFE_SEC'], 1800),
         K.u8(C[G + 'DF_BIT'], C['CRYPTOMAP_DF_CLEAR']))
    a = g.get('CRYPTOMAP_CMD_GLOBAL_GET')
    eq((a.u32(C[G + 'LIFE_SEC']), a.u32(C[G + 'LIFE_KB']),
        a.u8(C[G + 'DF_BIT'])), (1800, 4608000, C['CRYPTOMAP_DF_CLEAR']),
       'GLOBAL_SET changes only the attributes present')
    rejects(lambda: g.do('CRYPTOMAP_CMD_GLOBAL_SET',
                         K.u32(C[G + 'LIFE_SEC'], 100)),
            ERANGE, r'', 'lifetime seconds 100 (policy range 120-86400)')
    rejects(lambda: g.do('CRYPTOMAP_CMD_GLOBAL_SET',
                         K.u32(C[G + 'REPLAY_WINDOW'], 100)),
            EINVAL, r'replay window-size 100: must be 64, 128', 'window 100')
    rejects(lambda: g.do('CRYPTOMAP_CMD_GLOBAL_SET',
                         K.u32(C[G + 'IDLE_TIME'], 30)),
            EINVAL, r'idle-time 30: must be 60 to 86400', 'idle-time 30')
    rejects(lambda: g.do('CRYPTOMAP_CMD_GLOBAL_SET',
                         K.u32(C[G + 'LIFE_SEC'], 900),
                         K.u32(C[G + 'IDLE_TIME'], 30)),
            EINVAL, r'idle-time', 'a rejected GLOBAL_SET')
    eq(g.get('CRYPTOMAP_CMD_GLOBAL_GET').u32(C[G + 'LIFE_SEC']), 1800,
       '... leaves the lifetime it also carried unchanged')
    g.do('CRYPTOMAP_CMD_GLOBAL_SET', K.u32(C[G + 'LIFE_SEC'], 3600),
         K.u8(C[G + 'DF_BIT'], C['CRYPTOMAP_DF_COPY']))


def t_acl(g):
    A = 'CRYPTOMAP_ACE_A_'
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('VPN-TRAFFIC', [
        ace('permit', src='192.168.1.0', swild='0.0.0.255',
            dst='192.168.3.0', dwild='0.0.0.255'),
        ace('deny', proto=IPPROTO_TCP, src='192.168.1.7', dport=('eq', 23)),
        ace('permit', seq=5, proto=IPPROTO_UDP, src='10.0.7.5', swild='0.0.255.0',
            sport=('range', 1000, 2000), dport=('gt', 1023)),
    ]))
    a = g.get('CRYPTOMAP_CMD_ACL_GET', K.s(C['CRYPTOMAP_ACL_A_NAME'], 'VPN-TRAFFIC'))
    ents = [Attrs(p) for p in a.nest(C['CRYPTOMAP_ACL_A_ENTRIES'])
            .all(C['CRYPTOMAP_ACL_A_ENTRY'])]
    eq([e.u32(C[A + 'SEQ']) for e in ents], [5, 10, 20],
       'entries sorted by seq, auto seq 10, 20')
    e5 = ents[0]
    eq((e5.u8(C[A + 'PROTO']), e5.ip(C[A + 'SRC_ADDR']), e5.ip(C[A + 'SRC_WILD']),
        e5.u8(C[A + 'SPORT_OP']), e5.u16(C[A + 'SPORT_LO']),
        e5.u16(C[A + 'SPORT_HI']), e5.u8(C[A + 'DPORT_OP']),
        e5.u16(C[A + 'DPORT_LO'])),
       (17, '10.0.0.5', '0.0.255.0', C['CRYPTOMAP_PORT_RANGE'], 1000, 2000,
        C['CRYPTOMAP_PORT_GT'], 1023),
       'udp entry: address masked by its wildcard, ports kept')
    e10, e20 = ents[1], ents[2]
    ok(C[A + 'PROTO'] not in e10, 'ip entry has no PROTO attribute')
    eq((e20.ip(C[A + 'SRC_ADDR']), e20.ip(C[A + 'SRC_WILD']),
        e20.ip(C[A + 'DST_ADDR']), e20.ip(C[A + 'DST_WILD'])),
       ('192.168.1.7', '0.0.0.0', '0.0.0.0', '255.255.255.255'),
       'host source (no wildcard), any destination')
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('101', [ace('permit')]))
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('2699', []))
    names = [m.s(C['CRYPTOMAP_ACL_A_NAME']) for m in g.dump('CRYPTOMAP_CMD_ACL_GET')]
    eq(names, ['VPN-TRAFFIC', '101', '2699'], 'dump lists every ACL')

    # NLM_F_APPEND adds entries after the last one
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('101', [ace('deny'), ace('permit')]),
         flags=NLM_F_APPEND)
    eq([e.u32(C[A + 'SEQ']) for e in acl_entries(g, '101')], [10, 20, 30],
       'APPEND continues the numbering')
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('NEW-BY-APPEND', [ace('permit')]),
         flags=NLM_F_APPEND)
    eq(len(acl_entries(g, 'NEW-BY-APPEND')), 1, 'APPEND creates a missing ACL')
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('101', [ace('deny', seq=7)]))
    eq([e.u32(C[A + 'SEQ']) for e in acl_entries(g, '101')], [7],
       'SET without APPEND replaces the whole ACL')

    def bad(name, entries, flags=0):
        return lambda: g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs(name, entries),
                            flags=flags)
    rejects(bad('99', []), EINVAL,
            r'^access list 99: not an extended access list \(100-199, 2000-2699\)',
            'standard ACL number 99')
    rejects(bad('1300', []), EINVAL, r'access list 1300: not an extended', 'number 1300')
    rejects(bad('', []), EINVAL, r'access list name is empty', 'empty name')
    rejects(bad('A' * 64, []), EINVAL, r'', 'name of 64 characters (policy)')
    rejects(bad('has space', []), EINVAL, r'no spaces', 'name with a space')
    rejects(bad('100', [ace('permit', dport=('eq', 80))]), EINVAL,
            r'^access list 100: entry 10: port operator needs tcp or udp$',
            'port on an ip entry')
    eq(bad_attr_type(g, bad('100', [ace('permit', dport=('eq', 80))])),
       C[A + 'DPORT_OP'], 'the extack offset points at the port operator')
    rejects(bad('100', [ace('permit', proto=IPPROTO_TCP,
                            dport=('range', 2000, 1000))]), EINVAL,
            r'access list 100: entry 10: range 2000 1000: 2000 is greater than 1000',
            'range lo > hi')
    rejects(bad('100', [ace('permit', proto=IPPROTO_TCP, dport=('eq',))]),
            EINVAL, r'entry 10: destination port missing', 'eq without a port')
    rejects(bad('100', [ace('permit', proto=IPPROTO_TCP, dport=('eq', 1, 2))]),
            EINVAL, r'a second destination port needs range', 'eq with two ports')
    rejects(bad('100', [ace(None)]), EINVAL,
            r'access list 100: entry 10: permit or deny missing', 'no action')
    rejects(bad('100', [ace('permit', seq=10), ace('deny', seq=10)]), EEXIST,
            r'access list 100: entry 10: duplicate sequence number', 'duplicate seq')
    rejects(bad('101', [ace('permit', seq=7)], NLM_F_APPEND), EEXIST,
            r'access list 101: entry 7: duplicate sequence number',
            'APPEND with a seq already used')
    rejects(bad('100', [ace('permit', seq=0)]), ERANGE, r'', 'seq 0 (policy)')
    # a rejected SET of an existing ACL leaves it as it was
    rejects(bad('VPN-TRAFFIC', [ace('permit'), ace('permit', dport=('eq', 1))]),
            EINVAL, r'port operator needs tcp or udp', 'bad replacement')
    eq(len(acl_entries(g, 'VPN-TRAFFIC')), 3, '... leaves the old ACL whole')
    rejects(lambda: g.do('CRYPTOMAP_CMD_ACL_GET',
                         K.s(C['CRYPTOMAP_ACL_A_NAME'], 'NOPE')),
            ENOENT, r'access list NOPE does not exist', 'GET of a missing ACL')
    rejects(lambda: g.do('CRYPTOMAP_CMD_ACL_SET',
                         *acl_attrs('100'), K.u32(C['__CRYPTOMAP_ACL_A_MAX'], 1)),
            EINVAL, r'', 'unknown attribute (strict policy)')
    g.do('CRYPTOMAP_CMD_ACL_DEL', K.s(C['CRYPTOMAP_ACL_A_NAME'], '2699'))
    rejects(lambda: g.do('CRYPTOMAP_CMD_ACL_DEL',
                         K.s(C['CRYPTOMAP_ACL_A_NAME'], '2699')),
            ENOENT, r'access list 2699 does not exist', 'DEL twice')


def t_tset(g):
    T = 'CRYPTOMAP_TSET_A_'
    good = {
        'ESP-ONLY': 'esp-3des esp-sha-hmac',
        'AH-AND-ESP': 'ah-sha-hmac esp-3des esp-md5-hmac',
        'AH-ONLY': 'ah-sha256-hmac',
        'AES256': 'esp-aes 256 esp-sha512-hmac',
        'GCM': 'esp-gcm',
        'GMAC192': 'esp-gmac 192',
        'NULL': 'esp-null',
        'FOUR': 'ah-md5-hmac esp-aes esp-sha-hmac comp-lzs',
    }
    for n, t in good.items():
        g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs(n, t))
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('TRANSPORT', 'esp-des esp-md5-hmac',
                                               'transport'))
    a = g.get('CRYPTOMAP_CMD_TSET_GET', K.s(C[T + 'NAME'], 'AES256'))
    eq((a.u8(C[T + 'ESP_ENC']), a.u16(C[T + 'ESP_KEYBITS']), a.u8(C[T + 'ESP_AUTH']),
        a.u8(C[T + 'MODE']), C[T + 'AH'] in a),
       (C['CRYPTOMAP_ENC_AES'], 256, C['CRYPTOMAP_EAUTH_SHA512_HMAC'],
        C['CRYPTOMAP_MODE_TUNNEL'], False), 'esp-aes 256 esp-sha512-hmac, tunnel')
    a = g.get('CRYPTOMAP_CMD_TSET_GET', K.s(C[T + 'NAME'], 'GCM'))
    eq(a.u16(C[T + 'ESP_KEYBITS']), 128, 'esp-gcm defaults to 128 bits')
    a = g.get('CRYPTOMAP_CMD_TSET_GET', K.s(C[T + 'NAME'], 'TRANSPORT'))
    eq(a.u8(C[T + 'MODE']), C['CRYPTOMAP_MODE_TRANSPORT'], 'mode transport')
    eq(len(g.dump('CRYPTOMAP_CMD_TSET_GET')), len(good) + 1, 'dump lists all')

    def bad(name, t):
        return lambda: g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs(name, t))
    rejects(bad('ESP-ONLY', 'esp-des esp-3des'), EINVAL,
            r'^transform set ESP-ONLY: esp-des and esp-3des are both ESP '
            r'encryption transforms$', 'two ESP encryption transforms')
    rejects(bad('X', 'ah-md5-hmac ah-sha-hmac'), EINVAL,
            r'ah-md5-hmac and ah-sha-hmac are both AH integrity', 'two AH')
    rejects(bad('X', 'ah-md5-hmac esp-des esp-null'), EINVAL,
            r'esp-des and esp-null are both ESP encryption', 'seed example')
    rejects(bad('X', 'esp-gcm esp-sha-hmac'), EINVAL,
            r'transform set X: esp-gcm carries its own integrity and takes no '
            r'esp-sha-hmac', 'esp-gcm with an ESP integrity transform')
    rejects(bad('X', 'comp-lzs'), EINVAL,
            r'transform set X: comp-lzs needs an AH or ESP transform', 'comp alone')
    rejects(bad('X', 'esp-aes 160'), EINVAL,
            r'esp-aes key size 160: must be 128, 192 or 256', 'aes 160')
    rejects(bad('X', 'esp-3des 256'), EINVAL,
            r'a key size needs esp-aes, esp-gcm or esp-gmac', 'key size on 3des')
    rejects(bad('X', 'esp-aes 512'), ERANGE, r'', 'aes 512 (policy)')
    rejects(lambda: g.do('CRYPTOMAP_CMD_TSET_SET', K.s(C[T + 'NAME'], 'X')),
            EINVAL, r'transform set X: no transforms', 'no transforms')
    rejects(lambda: g.do('CRYPTOMAP_CMD_TSET_SET', K.s(C[T + 'NAME'], 'X'),
                         K.u8(C[T + 'ESP_ENC'], 99)),
            ERANGE, r'', 'unknown encryption (policy)')
    a = g.get('CRYPTOMAP_CMD_TSET_GET', K.s(C[T + 'NAME'], 'ESP-ONLY'))
    eq(a.u8(C[T + 'ESP_ENC']), C['CRYPTOMAP_ENC_3DES'],
       'rejected SET left ESP-ONLY unchanged')
    ok('X' not in [t.s(C[T + 'NAME']) for t in g.dump('CRYPTOMAP_CMD_TSET_GET')],
       'no rejected set was created')
    g.do('CRYPTOMAP_CMD_TSET_DEL', K.s(C[T + 'NAME'], 'NULL'))
    rejects(lambda: g.do('CRYPTOMAP_CMD_TSET_GET', K.s(C[T + 'NAME'], 'NULL')),
            ENOENT, r'transform set NULL does not exist', 'deleted set is gone')


def entry(g, mapname, seq):
    return g.get('CRYPTOMAP_CMD_ENTRY_GET',
                 K.s(C['CRYPTOMAP_ENTRY_A_MAP'], mapname),
                 K.u32(C['CRYPTOMAP_ENTRY_A_SEQ'], seq))


def t_entry(g):
    E = 'CRYPTOMAP_ENTRY_A_'
    I = 'CRYPTOMAP_INACTIVE_'
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('VPN-TRAFFIC', [
        ace('permit', src='192.168.1.0', swild='0.0.0.255',
            dst='192.168.3.0', dwild='0.0.0.255')]))
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('A', 'esp-des esp-md5-hmac'))
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('VPN', 10))
    eq(entry(g, 'VPN', 10).u8(C[E + 'INACTIVE']), C[I + 'NO_PEER'],
       'bare entry: inactive, no peer')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('VPN', 10, peers=['209.165.202.129']))
    eq(entry(g, 'VPN', 10).u8(C[E + 'INACTIVE']), C[I + 'NO_ACL'], 'no ACL')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('VPN', 10, acl='MISSING',
                                                 peers=['209.165.202.129']))
    eq(entry(g, 'VPN', 10).u8(C[E + 'INACTIVE']), C[I + 'NO_ACL'],
       'an ACL that does not exist')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('VPN', 10, acl='VPN-TRAFFIC',
                                                 peers=['209.165.202.129'],
                                                 tsets=['NOT-YET']))
    eq(entry(g, 'VPN', 10).u8(C[E + 'INACTIVE']), C[I + 'NO_TSET'],
       'a transform set that does not exist')
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('NOT-YET', 'esp-aes esp-sha-hmac'))
    eq(entry(g, 'VPN', 10).u8(C[E + 'INACTIVE']), C[I + 'NONE'],
       'active once the transform set is defined later')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(
        'VPN', 10, acl='VPN-TRAFFIC', peers=['209.165.202.129', '209.165.202.130'],
        tsets=['A', 'NOT-YET'], pfs=14, life_sec=1800, life_kb=10000,
        idle=900, replay=128))
    a = entry(g, 'VPN', 10)
    eq((a.u8(C[E + 'TYPE']), a.s(C[E + 'ACL']),
        [socket.inet_ntoa(p) for p in a.nest(C[E + 'PEERS']).all(C[E + 'PEER'])],
        [p.rstrip(b'\0').decode() for p in a.nest(C[E + 'TSETS']).all(C[E + 'TSET'])],
        a.u8(C[E + 'PFS']), a.u32(C[E + 'LIFE_SEC']), a.u32(C[E + 'LIFE_KB']),
        a.u32(C[E + 'IDLE_TIME']), a.u8(C[E + 'REPLAY_MODE']),
        a.u32(C[E + 'REPLAY_WINDOW']), a.u8(C[E + 'INACTIVE']),
        a.ip(C[E + 'CURRENT_PEER'])),
       (C['CRYPTOMAP_TYPE_ISAKMP'], 'VPN-TRAFFIC',
        ['209.165.202.129', '209.165.202.130'], ['A', 'NOT-YET'], 14, 1800,
        10000, 900, C['CRYPTOMAP_REPLAY_WINDOW'], 128, 0, '209.165.202.129'),
       'full isakmp entry reads back')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('VPN', 5, acl='VPN-TRAFFIC'))
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('OTHER', 1))
    d = g.dump('CRYPTOMAP_CMD_ENTRY_GET')
    eq([(m.s(C[E + 'MAP']), m.u32(C[E + 'SEQ'])) for m in d],
       [('VPN', 5), ('VPN', 10), ('OTHER', 1)], 'dump: maps, entries by seq')
    d = g.dump('CRYPTOMAP_CMD_ENTRY_GET', K.s(C[E + 'MAP'], 'OTHER'))
    eq([m.s(C[E + 'MAP']) for m in d], ['OTHER'], 'dump filtered by map')

    def bad(*a, **kw):
        return lambda: g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(*a, **kw))
    rejects(bad('VPN', 10, tsets=list('ABCDEFG')), E2BIG,
            r'^crypto map VPN 10: set transform-set takes at most 6 transform sets$',
            'seven transform sets')
    rejects(bad('VPN', 10, peers=[f'10.0.0.{i}' for i in range(1, 18)]), E2BIG,
            r'crypto map VPN 10: set peer takes at most 16 peers', '17 peers')
    rejects(bad('VPN', 10, peers=['10.0.0.1', '10.0.0.1']), EINVAL,
            r'set peer 10.0.0.1 is given twice', 'same peer twice')
    rejects(bad('VPN', 10, peers=['224.0.0.1']), EINVAL,
            r'set peer 224.0.0.1: not a unicast address', 'multicast peer')
    rejects(bad('VPN', 10, tsets=['A', 'A']), EINVAL,
            r'transform set A is given twice', 'same set twice')
    rejects(bad('VPN', 10, pfs=3), EINVAL,
            r'crypto map VPN 10: set pfs group3: not a supported DH group', 'group3')
    rejects(bad('VPN', 10, pfs=30), ERANGE, r'', 'group30 (policy)')
    rejects(bad('VPN', 10, replay=100), EINVAL,
            r'replay window-size 100: must be 64, 128, 256, 512 or 1024', 'window 100')
    rejects(bad('VPN', 10, replay=2048), ERANGE, r'', 'window 2048 (policy)')
    rejects(bad('VPN', 10, life_sec=100), ERANGE, r'', 'lifetime 100 s (policy)')
    rejects(bad('VPN', 10, life_kb=1000), ERANGE, r'', 'lifetime 1000 KB (policy)')
    rejects(bad('VPN', 10, idle=59), ERANGE, r'', 'idle-time 59 (policy)')
    rejects(bad('VPN', 0), ERANGE, r'', 'seq 0 (policy)')
    rejects(bad('VPN', 65536), ERANGE, r'', 'seq 65536 (policy)')
    rejects(bad('VPN', 10, acl='99'), EINVAL,
            r'crypto map VPN 10: match address 99: not an extended access list',
            'match address 99')
    rejects(bad('VPN', 10, keys=[key('in', 'esp', 1000, auth=b'x' * 16)]), EINVAL,
            r'crypto map VPN 10: set session-key needs ipsec-manual',
            'session key on ipsec-isakmp')
    rejects(lambda: g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('VPN', 10),
                         K.u8(C[E + 'INACTIVE'], 0)),
            EINVAL, r'', 'read-only INACTIVE attribute (policy)')
    eq(entry(g, 'VPN', 10).u8(C[E + 'PFS']), 14, 'rejections left VPN 10 as it was')
    rejects(lambda: entry(g, 'VPN', 11), ENOENT,
            r'crypto map VPN 11 does not exist', 'GET of a missing entry')

    # map level: local-address, MAP_DEL takes the entries with it
    M = 'CRYPTOMAP_MAP_A_'
    g.do('CRYPTOMAP_CMD_MAP_SET', K.s(C[M + 'NAME'], 'VPN'),
         K.s(C[M + 'LOCAL_IFNAME'], 'eth0'))
    eq(g.get('CRYPTOMAP_CMD_MAP_GET', K.s(C[M + 'NAME'], 'VPN'))
       .s(C[M + 'LOCAL_IFNAME']), 'eth0', 'crypto map VPN local-address eth0')
    rejects(lambda: g.do('CRYPTOMAP_CMD_MAP_SET', K.s(C[M + 'NAME'], 'VPN'),
                         K.s(C[M + 'LOCAL_IFNAME'], 'a/b')),
            EINVAL, r'local-address a/b: not a valid interface name', 'bad ifname')
    g.do('CRYPTOMAP_CMD_MAP_SET', K.s(C[M + 'NAME'], 'VPN'))
    eq(g.get('CRYPTOMAP_CMD_MAP_GET', K.s(C[M + 'NAME'], 'VPN'))
       .s(C[M + 'LOCAL_IFNAME']), '', 'MAP_SET without it removes local-address')
    g.do('CRYPTOMAP_CMD_ENTRY_DEL', K.s(C[E + 'MAP'], 'OTHER'), K.u32(C[E + 'SEQ'], 1))
    ok('OTHER' not in [m.s(C[M + 'NAME']) for m in g.dump('CRYPTOMAP_CMD_MAP_GET')],
       'deleting the last entry deletes the map')
    g.do('CRYPTOMAP_CMD_MAP_DEL', K.s(C[M + 'NAME'], 'VPN'))
    eq(len(g.dump('CRYPTOMAP_CMD_ENTRY_GET')), 0, 'MAP_DEL removed its entries')
    rejects(lambda: g.do('CRYPTOMAP_CMD_MAP_DEL', K.s(C[M + 'NAME'], 'VPN')),
            ENOENT, r'crypto map VPN does not exist', 'MAP_DEL twice')


def t_manual(g):
    E = 'CRYPTOMAP_ENTRY_A_'
    KA = 'CRYPTOMAP_KEY_A_'
    I = 'CRYPTOMAP_INACTIVE_'
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('120', [
        ace('permit', src='192.168.1.0', swild='0.0.0.255',
            dst='192.168.3.0', dwild='0.0.0.255')]))
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('T3DES', 'esp-3des esp-sha-hmac'))
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('TAH', 'ah-sha256-hmac'))
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('TGCM', 'esp-gcm 256'))
    k_in = key('inbound', 'esp', 1000, cipher=b'k' * 24, auth=b'a' * 20)
    k_out = key('outbound', 'esp', 1001, cipher=b'K' * 24, auth=b'A' * 20)
    base = dict(typ='manual', acl='120', peers=['209.165.202.129'], tsets=['T3DES'])
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('MAN', 10, **base))
    eq(entry(g, 'MAN', 10).u8(C[E + 'INACTIVE']), C[I + 'NO_KEYS'], 'no keys yet')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('MAN', 10, keys=[k_in, k_out], **base))
    a = entry(g, 'MAN', 10)
    eq(a.u8(C[E + 'INACTIVE']), C[I + 'NONE'], 'manual entry with keys: active')
    keys = [Attrs(p) for p in a.nest(C[E + 'KEYS']).all(C[E + 'KEY'])]
    eq([(k.u8(C[KA + 'DIR']), k.u8(C[KA + 'PROTO']), k.u32(C[KA + 'SPI']),
         k.u16(C[KA + 'CIPHER_LEN']), k.u16(C[KA + 'AUTH_LEN'])) for k in keys],
       [(1, 50, 1000, 24, 20), (2, 50, 1001, 24, 20)],
       'keys read back as dir/proto/spi/lengths')
    ok(all(C[KA + 'CIPHER'] not in k and C[KA + 'AUTH'] not in k for k in keys),
       'key material is never returned')
    raw = b''.join(p for _, p in g.request(C['CRYPTOMAP_CMD_ENTRY_GET'], [], dump=True))
    ok(b'k' * 24 not in raw and b'A' * 20 not in raw, 'not in a dump either')

    def bad(*k, **kw):
        d = dict(base)
        d.update(kw)
        return lambda: g.do('CRYPTOMAP_CMD_ENTRY_SET',
                            *entry_attrs('MAN', 10, keys=list(k), **d))
    rejects(bad(key('inbound', 'esp', 1000, cipher=b'k' * 16, auth=b'a' * 20)),
            EINVAL, r'^crypto map MAN 10: session key too short for esp-3des '
            r'\(24 bytes needed\)$', '3des key of 16 bytes')
    rejects(bad(key('inbound', 'esp', 1000, cipher=b'k' * 24, auth=b'a' * 32)),
            EINVAL, r'session key too long for esp-sha-hmac \(20 bytes needed\)',
            'sha1 authenticator of 32 bytes')
    rejects(bad(key('inbound', 'esp', 1000, cipher=b'k' * 24)), EINVAL,
            r'authenticator key missing for esp-sha-hmac \(20 bytes\)',
            'missing authenticator')
    rejects(bad(key('inbound', 'ah', 1000, auth=b'a' * 32)), EINVAL,
            r'transform set T3DES has no AH transform', 'ah key, ESP-only set')
    rejects(bad(key('inbound', 'esp', 1000, cipher=b'k' * 32), tsets=['TGCM']),
            EINVAL, r'session key too short for esp-gcm \(36 bytes needed\)',
            'esp-gcm 256 wants 32 + 4 bytes of salt')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(
        'MAN', 10, keys=[key('in', 'esp', 1000, cipher=b'g' * 36),
                         key('out', 'esp', 1001, cipher=b'G' * 36)],
        **dict(base, tsets=['TGCM'])))
    eq(entry(g, 'MAN', 10).u8(C[E + 'INACTIVE']), C[I + 'NONE'],
       'esp-gcm 256 with 36-byte keys (key + salt)')
    rejects(bad(key('inbound', 'esp', 1000, cipher=b'k' * 24, auth=b'a' * 20),
                key('inbound', 'esp', 1002, cipher=b'k' * 24, auth=b'a' * 20)),
            EINVAL, r'set session-key inbound esp is given twice', 'two inbound esp')
    rejects(bad(key('inbound', 'esp', 255, cipher=b'k' * 24)), ERANGE, r'',
            'SPI 255 (policy)')
    rejects(bad(key('inbound', 'esp', 1000, cipher=b'k' * 65)), ERANGE, r'',
            '65-byte key (policy)')
    rejects(bad(peers=['10.0.0.1', '10.0.0.2']), EINVAL,
            r'crypto map MAN 10: ipsec-manual takes one peer', 'manual, 2 peers')
    rejects(bad(tsets=['T3DES', 'TAH']), EINVAL,
            r'ipsec-manual takes one transform set', 'manual, 2 sets')
    rejects(bad(pfs=2), EINVAL, r'ipsec-manual takes no set pfs', 'manual pfs')
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs('MAN', 20, keys=[
        key('in', 'ah', 3000, auth=b'h' * 32), key('out', 'ah', 3001, auth=b'H' * 32)],
        **dict(base, tsets=['TAH'])))
    eq(entry(g, 'MAN', 20).u8(C[E + 'INACTIVE']), C[I + 'NONE'], 'AH manual entry')
    rejects(lambda: g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(
        'MAN', 30, keys=[key('in', 'ah', 3000, auth=b'h' * 32)],
        **dict(base, tsets=['TAH']))), EEXIST,
        r'crypto map MAN 30: inbound ah SPI 3000 is already used by crypto map MAN 20',
        'inbound SPI used twice')
    # the ACL of a manual entry may hold one permit: checked at compile time
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('120', [ace('permit', src='10.9.0.0',
                                                          swild='0.0.255.255')]),
         flags=NLM_F_APPEND)
    eq(entry(g, 'MAN', 20).u8(C[E + 'INACTIVE']), C[I + 'MANUAL_ACL'],
       'two permits in its ACL make a manual entry inactive')
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs('TAH', 'ah-sha-hmac'))
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('120', [ace('permit')]))
    eq(entry(g, 'MAN', 20).u8(C[E + 'INACTIVE']), C[I + 'NO_KEYS'],
       'keys that no longer fit a changed transform set: inactive')


def t_bind(g, ifa, ifb):
    B = 'CRYPTOMAP_BIND_A_'
    idx_a = socket.if_nametoindex(ifa)
    g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifname=ifa, mapname='VPN'))
    g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifindex=socket.if_nametoindex(ifb),
                                               mapname='VPN'))
    d = sorted((b.u32(C[B + 'IFINDEX']), b.s(C[B + 'IFNAME']), b.s(C[B + 'MAP']))
               for b in g.dump('CRYPTOMAP_CMD_BIND_GET'))
    eq(d, sorted([(idx_a, ifa, 'VPN'), (socket.if_nametoindex(ifb), ifb, 'VPN')]),
       'one map on two interfaces, dumped with ifindex and name')
    g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifname=ifa, mapname='OTHER'))
    a = g.get('CRYPTOMAP_CMD_BIND_GET', *bind_attrs(ifname=ifa))
    eq(a.s(C[B + 'MAP']), 'OTHER', 'BIND_SET on a bound interface replaces its map')
    eq(len(g.dump('CRYPTOMAP_CMD_BIND_GET')), 2, 'still one binding per interface')
    rejects(lambda: g.do('CRYPTOMAP_CMD_BIND_SET',
                         *bind_attrs(ifname=ifa, ifindex=idx_a, mapname='VPN')),
            EINVAL, r'exactly one of ifindex or ifname', 'both ifindex and ifname')
    rejects(lambda: g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(mapname='VPN')),
            EINVAL, r'exactly one of ifindex or ifname', 'neither')
    rejects(lambda: g.do('CRYPTOMAP_CMD_BIND_SET',
                         *bind_attrs(ifname='nosuchif0', mapname='VPN')),
            ENODEV, r'interface nosuchif0 does not exist', 'unknown interface')
    rejects(lambda: g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifname=ifa)),
            EINVAL, r'crypto map name missing', 'no map')
    rejects(lambda: g.do('CRYPTOMAP_CMD_BIND_DEL',
                         *bind_attrs(ifname=ifa, mapname='VPN')),
            ENOENT, rf'interface {ifa} has crypto map OTHER, not VPN', 'DEL wrong map')
    g.do('CRYPTOMAP_CMD_BIND_DEL', *bind_attrs(ifname=ifa))
    rejects(lambda: g.get('CRYPTOMAP_CMD_BIND_GET', *bind_attrs(ifname=ifa)),
            ENOENT, rf'interface {ifa} has no crypto map', 'binding deleted')


def t_bigacl(g, n='5000'):
    """An ACL too big for one message: sent with APPEND, dumped in parts."""
    n = int(n)
    A = 'CRYPTOMAP_ACE_A_'
    chunk = 500		# a nest holds at most 64 KiB
    for start in range(0, n, chunk):
        ents = [ace('permit' if i % 2 else 'deny', proto=IPPROTO_TCP,
                    src=f'10.{i >> 8 & 255}.{i & 255}.0', swild='0.0.0.255',
                    dst='192.168.3.0', dwild='0.0.0.255', dport=('eq', 1 + i % 65535))
                for i in range(start, min(n, start + chunk))]
        g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('BIG', ents),
             flags=NLM_F_APPEND if start else 0)
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('SMALL-AFTER', [ace('permit')]))
    st = {}
    msgs = g.dump('CRYPTOMAP_CMD_ACL_GET', stats=st)
    parts = [m for m in msgs if m.s(C['CRYPTOMAP_ACL_A_NAME']) == 'BIG']
    ents = []
    for m in parts:
        ents += [Attrs(p) for p in m.nest(C['CRYPTOMAP_ACL_A_ENTRIES'])
                 .all(C['CRYPTOMAP_ACL_A_ENTRY'])]
    print(f'# ACL BIG: {len(ents)} entries in {len(parts)} messages, '
          f'{st["recvs"]} recv() calls')
    ok(len(parts) > 1, f'one ACL spans several messages ({len(parts)})')
    eq(len(ents), n, 'every entry dumped once')
    seqs = [e.u32(C[A + 'SEQ']) for e in ents]
    eq(seqs, list(range(10, 10 * n + 1, 10)), 'in sequence order, none lost')
    eq(ents[-1].u16(C[A + 'DPORT_LO']), n % 65535, 'last entry intact')
    eq([m.s(C['CRYPTOMAP_ACL_A_NAME']) for m in msgs][-1], 'SMALL-AFTER',
       'the next ACL follows the split one')
    ok(not st['intr'], 'dump not flagged inconsistent')
    rejects(lambda: g.get('CRYPTOMAP_CMD_ACL_GET',
                          K.s(C['CRYPTOMAP_ACL_A_NAME'], 'BIG')),
            EMSGSIZE, rf'access list BIG: {n} entries do not fit one reply, dump it',
            'GET (do) of the big ACL points at the dump')
    eq(len(acl_entries(g, 'BIG')), n, 'dump filtered by name')


def t_intr(g):
    """A change in the middle of a dump flags the rest NLM_F_DUMP_INTR."""
    ents = [ace('permit', proto=IPPROTO_UDP, dport=('eq', 1 + i)) for i in range(600)]
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('INTR', ents))
    other = Genl()
    seq = g.send(C['CRYPTOMAP_CMD_ACL_GET'], [],
                 NLM_F_REQUEST | NLM_F_DUMP)
    first = g.recv_msgs()
    other.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs('INTR-2', []))
    intr, done = False, False
    for _ in range(100):
        for typ, fl, s, _p in g.recv_msgs():
            if s != seq:
                continue
            intr |= bool(fl & NLM_F_DUMP_INTR)
            done |= typ == NLMSG_DONE
        if done:
            break
    ok(len(first) > 0 and done, f'dump finished ({len(first)} messages in the '
       'first part)')
    ok(intr, 'messages after the change carry NLM_F_DUMP_INTR')


def t_eperm(g):
    """Run as an unprivileged user: reads work, changes get EPERM."""
    ok(os.geteuid() != 0, f'running as uid {os.geteuid()}')
    g.dump('CRYPTOMAP_CMD_ACL_GET')
    g.get('CRYPTOMAP_CMD_GLOBAL_GET')
    print('# ok reads allowed')
    for cmd, attrs in (
            ('ACL_SET', acl_attrs('100', [])),
            ('ACL_DEL', acl_attrs('100')),
            ('TSET_SET', tset_attrs('T', 'esp-aes')),
            ('TSET_DEL', [K.s(C['CRYPTOMAP_TSET_A_NAME'], 'T')]),
            ('MAP_SET', [K.s(C['CRYPTOMAP_MAP_A_NAME'], 'M')]),
            ('MAP_DEL', [K.s(C['CRYPTOMAP_MAP_A_NAME'], 'M')]),
            ('ENTRY_SET', entry_attrs('M', 1)),
            ('ENTRY_DEL', entry_attrs('M', 1)[:2]),
            ('GLOBAL_SET', [K.u32(C['CRYPTOMAP_GLOBAL_A_LIFE_SEC'], 600)]),
            ('BIND_SET', bind_attrs(ifname='lo', mapname='M')),
            ('BIND_DEL', bind_attrs(ifname='lo'))):
        try:
            g.do('CRYPTOMAP_CMD_' + cmd, *attrs)
            ok(False, f'{cmd} as uid {os.geteuid()}: accepted')
        except NlError as e:
            eq(e.errno, EPERM, f'{cmd} as uid {os.geteuid()}')


def t_mark(g, name):
    """Put a marker ACL (and one of everything) into this netns."""
    g.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs(name, [ace('permit')]))
    g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs(name, 'esp-aes esp-sha-hmac'))
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(name, 10, acl=name,
                                                 peers=['10.0.0.2'], tsets=[name]))
    g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(name, 20, typ='manual', acl=name,
                                                 peers=['10.0.0.2'], tsets=[name],
                                                 keys=[key('in', 'esp', 4242,
                                                           cipher=b'c' * 16,
                                                           auth=b'a' * 20)]))
    g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifname='lo', mapname=name))
    g.do('CRYPTOMAP_CMD_GLOBAL_SET', K.u32(C['CRYPTOMAP_GLOBAL_A_LIFE_SEC'], 900))
    print(f'# ok marked {name}')


def t_expect(g, name=None):
    """This netns holds exactly the marker NAME (or nothing)."""
    want = [name] if name else []
    eq([a.s(C['CRYPTOMAP_ACL_A_NAME']) for a in g.dump('CRYPTOMAP_CMD_ACL_GET')],
       want, 'ACLs')
    eq([a.s(C['CRYPTOMAP_TSET_A_NAME']) for a in g.dump('CRYPTOMAP_CMD_TSET_GET')],
       want, 'transform sets')
    eq([a.s(C['CRYPTOMAP_MAP_A_NAME']) for a in g.dump('CRYPTOMAP_CMD_MAP_GET')],
       want, 'maps')
    eq([a.s(C['CRYPTOMAP_BIND_A_MAP']) for a in g.dump('CRYPTOMAP_CMD_BIND_GET')],
       want, 'bindings')
    eq(g.get('CRYPTOMAP_CMD_GLOBAL_GET').u32(C['CRYPTOMAP_GLOBAL_A_LIFE_SEC']),
       900 if name else 3600, 'global lifetime')


def t_binds(g, *want):
    """The interfaces bound in this netns, by name."""
    eq(sorted(b.s(C['CRYPTOMAP_BIND_A_IFNAME']) if C['CRYPTOMAP_BIND_A_IFNAME'] in b
              else '?' for b in g.dump('CRYPTOMAP_CMD_BIND_GET')),
       sorted(want), 'bound interfaces')


def t_bindto(g, mapname, *ifs):
    for i in ifs:
        g.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifname=i, mapname=mapname))
    print(f'# ok bound {" ".join(ifs)} to {mapname}')


def t_flush(g):
    flush(g)
    t_expect(g)


def t_stress(g, rounds='200'):
    """Changes from two sockets while a third dumps: no error, no hang."""
    import threading
    rounds = int(rounds)
    errors = []

    def writer(tag):
        w = Genl()
        try:
            for i in range(rounds):
                w.do('CRYPTOMAP_CMD_ACL_SET', *acl_attrs(
                    f'S{tag}', [ace('permit', proto=IPPROTO_TCP, dport=('eq', j + 1))
                                for j in range(i % 50 + 1)]))
                w.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs(f'T{tag}', 'esp-aes esp-sha-hmac'))
                w.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(
                    f'M{tag}', i % 7 + 1, acl=f'S{tag}', peers=['10.0.0.2'],
                    tsets=[f'T{tag}']))
                w.do('CRYPTOMAP_CMD_BIND_SET', *bind_attrs(ifname='lo', mapname=f'M{tag}'))
                if i % 3 == 0:
                    w.do('CRYPTOMAP_CMD_MAP_DEL', K.s(C['CRYPTOMAP_MAP_A_NAME'], f'M{tag}'))
                    w.do('CRYPTOMAP_CMD_ACL_DEL', *acl_attrs(f'S{tag}'))
        except NlError as e:
            errors.append(f'writer {tag}: {e}')

    def dumper():
        d = Genl()
        try:
            for _ in range(rounds // 2):
                for cmd in ('ACL', 'ENTRY', 'BIND', 'TSET', 'MAP'):
                    d.dump(f'CRYPTOMAP_CMD_{cmd}_GET')
        except NlError as e:
            errors.append(f'dumper: {e}')

    th = [threading.Thread(target=writer, args=(t,)) for t in 'AB']
    th.append(threading.Thread(target=dumper))
    for t in th:
        t.start()
    for t in th:
        t.join()
    eq(errors, [], f'{rounds} rounds of changes from 2 sockets with a dumper')


def t_many(g, n='400'):
    """Many objects: dumps continue across messages without loss."""
    n = int(n)
    E = 'CRYPTOMAP_ENTRY_A_'
    for i in range(n):
        g.do('CRYPTOMAP_CMD_TSET_SET', *tset_attrs(f'TS-{i:04}', 'esp-aes 256 esp-sha-hmac'))
        g.do('CRYPTOMAP_CMD_ENTRY_SET', *entry_attrs(
            'MANY', n - i, acl='101', peers=[f'10.1.{i >> 8}.{i & 255 or 1}'],
            tsets=[f'TS-{i:04}']))
    st = {}
    ts = [t.s(C['CRYPTOMAP_TSET_A_NAME'])
          for t in g.dump('CRYPTOMAP_CMD_TSET_GET', stats=st)]
    ok(ts == [f'TS-{i:04}' for i in range(n)],
       f'{len(ts)} transform sets dumped in order, {st["recvs"]} recv() calls')
    ok(st['recvs'] >= 2, 'the transform set dump took several parts')
    st = {}
    es = [e.u32(C[E + 'SEQ']) for e in g.dump('CRYPTOMAP_CMD_ENTRY_GET', stats=st)]
    ok(es == list(range(1, n + 1)),
       f'{len(es)} entries of one map dumped by seq, {st["recvs"]} recv() calls')
    ok(st['recvs'] >= 2, 'the entry dump took several parts')


def main(argv):
    global FAILED
    if argv and argv[0] == '--list':
        print(' '.join(GROUPS))
        return 0
    for arg in argv:
        name, _, rest = arg.partition(':')
        params = rest.split(',') if rest else []
        g = Genl()
        print(f'# group {arg}')
        try:
            GROUPS[name](g, *params)
        except NlError as e:
            FAILED += 1
            print(f'# FAIL unexpected error {e}')
    return 1 if FAILED else 0


GROUPS = {
    'global': t_global,
    'acl': t_acl,
    'tset': t_tset,
    'entry': t_entry,
    'manual': t_manual,
    'bind': t_bind,
    'bigacl': t_bigacl,
    'intr': t_intr,
    'eperm': t_eperm,
    'mark': t_mark,
    'expect': t_expect,
    'binds': t_binds,
    'bindto': t_bindto,
    'flush': t_flush,
    'stress': t_stress,
    'many': t_many,
}

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
