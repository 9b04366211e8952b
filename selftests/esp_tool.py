#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of the ESP data path tests (no third-party modules needed).

  esp_tool.py tcp-server PORT OUTFILE     accept one connection, write the
                                          sha256 and length of what came
  esp_tool.py tcp-client ADDR PORT BYTES  send BYTES random bytes, print
                                          "sha256 length"
  esp_tool.py pcap FILE                   one line per IPv4 packet class:
                                          "esp SPI N", "clear SRC DST PROTO N"
  esp_tool.py stats NETNS                 the per-netns drop counters and
                                          every SA's counters (netlink)
"""

import hashlib
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
            else:
                key = 'clear %s %s %d' % (src, dst, proto)
            counts[key] = counts.get(key, 0) + 1
    for k in sorted(counts):
        print('%s %d' % (k, counts[k]))


def main():
    cmd = sys.argv[1]
    if cmd == 'tcp-server':
        tcp_server(*sys.argv[2:4])
    elif cmd == 'tcp-client':
        tcp_client(*sys.argv[2:5])
    elif cmd == 'pcap':
        pcap(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
