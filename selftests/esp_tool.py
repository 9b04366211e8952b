#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of the ESP data path tests (no third-party modules needed).

  esp_tool.py tcp-server PORT OUTFILE     accept one connection, write the
                                          sha256 and length of what came
  esp_tool.py tcp-client ADDR PORT BYTES  send BYTES random bytes, print
                                          "sha256 length"
  esp_tool.py tcp-sink PORT DIR           accept connections for ever; for
                                          the Nth write DIR/N: "sha256 length"
  esp_tool.py sha FILE                    "sha256 length" of FILE
  esp_tool.py pcap FILE                   one line per IPv4 packet class:
                                          "esp SRC DST SPI N", "espfrag SRC
                                          DST - N" (non-first fragments),
                                          "clear SRC DST PROTO N"; AH:
                                          "ah SRC DST SPI N", "ahfrag ...",
                                          the ESP inside a bundle's AH as
                                          "esp SRC DST SPI N"
  esp_tool.py stats                       the per-netns drop counters of
                                          this netns (STATS_GET), "name N"
  esp_tool.py forge DST SPI SEQ KEYHEX KIND
                                          send one tunnel-mode ESP packet
                                          (esp-null, HMAC-SHA1-96 with KEYHEX)
                                          to DST; KIND: good badicv badpad
                                          trunc:N (ESP part cut to N bytes)
"""

import hashlib
import hmac
import os
import socket
import struct
import sys
import time


def tcp_server(port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', int(port)))
    s.listen(1)
    s.settimeout(40)
    with open(out + '.ready', 'w') as f:
        f.write('ready\n')
    c, _ = s.accept()
    c.settimeout(30)
    h = hashlib.sha256()
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    c.close()
    with open(out + '.tmp', 'w') as f:
        f.write('%s %d\n' % (h.hexdigest(), n))
    os.rename(out + '.tmp', out)


def tcp_sink(port, d):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', int(port)))
    s.listen(16)
    with open(os.path.join(d, 'ready'), 'w') as f:
        f.write('ready\n')
    n = 0
    while True:
        c, _ = s.accept()
        c.settimeout(30)
        h = hashlib.sha256()
        total = 0
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                h.update(b)
                total += len(b)
        except OSError:
            pass
        c.close()
        n += 1
        tmp = os.path.join(d, '.%d' % n)
        with open(tmp, 'w') as f:
            f.write('%s %d\n' % (h.hexdigest(), total))
        os.rename(tmp, os.path.join(d, str(n)))


def sha(path):
    with open(path, 'rb') as f:
        data = f.read()
    print('%s %d' % (hashlib.sha256(data).hexdigest(), len(data)))


def tcp_client(addr, port, nbytes):
    nbytes = int(nbytes)
    data = os.urandom(nbytes)
    deadline = time.time() + 20
    while True:
        try:
            c = socket.create_connection((addr, int(port)), timeout=10)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    else:
        sys.exit('cannot connect to %s:%s' % (addr, port))
    c.settimeout(30)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
    print('%s %d' % (hashlib.sha256(data).hexdigest(), nbytes))


def pcap(path):
    counts = {}
    with open(path, 'rb') as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = struct.unpack('<I', hdr[:4])[0]
        end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
        linktype = struct.unpack(end + 'I', hdr[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack(end + 'IIII', rec)[2]
            pkt = f.read(incl)
            if linktype == 1:		# Ethernet
                if len(pkt) < 14 or pkt[12:14] != b'\x08\x00':
                    continue
                ip = pkt[14:]
            elif linktype == 113:	# Linux cooked
                if len(pkt) < 16 or pkt[14:16] != b'\x08\x00':
                    continue
                ip = pkt[16:]
            else:
                ip = pkt
            if len(ip) < 20 or ip[0] >> 4 != 4:
                continue
            ihl = (ip[0] & 15) * 4
            proto = ip[9]
            src = socket.inet_ntoa(ip[12:16])
            dst = socket.inet_ntoa(ip[16:20])
            frag = struct.unpack('>H', ip[6:8])[0] & 0x1fff
            if proto == 50 and frag == 0 and len(ip) >= ihl + 8:
                spi = struct.unpack('>I', ip[ihl:ihl + 4])[0]
                key = 'esp %s %s %d' % (src, dst, spi)
            elif proto == 50:
                key = 'espfrag %s %s -' % (src, dst)
            elif proto == 51 and frag == 0 and len(ip) >= ihl + 12:
                # AH; the ESP of a bundle is counted too
                spi = struct.unpack('>I', ip[ihl + 4:ihl + 8])[0]
                key = 'ah %s %s %d' % (src, dst, spi)
                inner = ihl + (ip[ihl + 1] + 2) * 4
                if ip[ihl] == 50 and len(ip) >= inner + 8:
                    spi = struct.unpack('>I', ip[inner:inner + 4])[0]
                    k2 = 'esp %s %s %d' % (src, dst, spi)
                    counts[k2] = counts.get(k2, 0) + 1
            elif proto == 51:
                key = 'ahfrag %s %s -' % (src, dst)
            else:
                key = 'clear %s %s %d' % (src, dst, proto)
            counts[key] = counts.get(key, 0) + 1
    for k in sorted(counts):
        print('%s %d' % (k, counts[k]))


NLM_F_REQUEST = 1
NLM_F_ACK = 4
GENL_ID_CTRL = 0x10
CRYPTOMAP_CMD_STATS_GET = 20
STATS_NAMES = ['unspec', 'no_sa_send', 'invalid_sa_rcv', 'invalid_prot_rcv',
               'not_ipsec_rcv', 'invalid_len_rcv']


def nl_attrs(buf):
    attrs = {}
    while len(buf) >= 4:
        alen, atype = struct.unpack('=HH', buf[:4])
        if alen < 4:
            break
        attrs[atype & 0x3fff] = buf[4:alen]
        buf = buf[(alen + 3) & ~3:]
    return attrs


def genl_request(sock, family, cmd, attrs=b''):
    payload = struct.pack('=BBH', cmd, 1, 0) + attrs
    msg = struct.pack('=IHHII', 16 + len(payload), family,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + payload
    sock.send(msg)
    replies = []
    while True:
        data = sock.recv(65536)
        while data:
            mlen, mtype = struct.unpack('=IH', data[:6])
            if mtype == 2:		# NLMSG_ERROR
                err = struct.unpack('=i', data[16:20])[0]
                if err:
                    sys.exit('netlink error %d' % err)
                return replies
            replies.append(nl_attrs(data[20:mlen]))
            data = data[(mlen + 3) & ~3:]


def stats():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.bind((0, 0))
    name = b'cryptomap\0'
    attr = struct.pack('=HH', 4 + len(name), 2) + name
    attr += b'\0' * (((len(attr) + 3) & ~3) - len(attr))
    fam = genl_request(sock, GENL_ID_CTRL, 3, attr)[0]
    family = struct.unpack('=H', fam[1][:2])[0]
    st = genl_request(sock, family, CRYPTOMAP_CMD_STATS_GET)[0]
    for i in range(1, len(STATS_NAMES)):
        v = st.get(i, b'\0' * 8)
        print('%s %d' % (STATS_NAMES[i], struct.unpack('=Q', v[:8])[0]))


def ip_checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def inner_icmp(src, dst):
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x1234, 1) + b'cryptomap forged'
    icmp = icmp[:2] + struct.pack('!H', ip_checksum(icmp)) + icmp[4:]
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 1, 0, 64, 1,
                      0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack('!H', ip_checksum(hdr)) + hdr[12:]
    return hdr + icmp


def forge(dst, spi, seq, key, kind):
    inner = inner_icmp('192.168.3.100', '192.168.1.100')
    padlen = (-(len(inner) + 2)) % 4
    pad = bytes(range(1, padlen + 1))
    if kind == 'badpad':
        padlen += 4
        pad = bytes([0xff] * padlen)
    hdr = struct.pack('!II', int(spi), int(seq))
    body = hdr + inner + pad + bytes([padlen, 4])
    icv = hmac.new(bytes.fromhex(key), body, hashlib.sha1).digest()[:12]
    if kind == 'badicv':
        icv = bytes([icv[0] ^ 1]) + icv[1:]
    pkt = body + icv
    if kind.startswith('trunc:'):
        pkt = pkt[:int(kind[6:])]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    s.sendto(pkt, (dst, 0))


def main():
    cmd = sys.argv[1]
    if cmd == 'tcp-server':
        tcp_server(*sys.argv[2:4])
    elif cmd == 'tcp-sink':
        tcp_sink(*sys.argv[2:4])
    elif cmd == 'sha':
        sha(sys.argv[2])
    elif cmd == 'tcp-client':
        tcp_client(*sys.argv[2:5])
    elif cmd == 'pcap':
        pcap(sys.argv[2])
    elif cmd == 'stats':
        stats()
    elif cmd == 'forge':
        forge(*sys.argv[2:7])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
