#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Forge one tunnel-mode AH packet (RFC 4302, HMAC-SHA1-96), computed here
independently of the kernel, and send it with a raw IPv4 socket.

  ah_forge.py SRC DST SPI SEQ KEYHEX KIND

The inner packet is an ICMP echo 192.168.3.100 -> 192.168.1.100.  KIND:
  good      as signed
  mutable   TTL and TOS changed after signing (mutable: still valid)
  badicv    one ICV bit flipped
  src       the outer source address changed after signing
  ident     the outer identification changed after signing
  nexthdr   AH's next header changed after signing
  trunc:N   the AH part (after the outer header) cut to N bytes
"""

import hashlib
import hmac
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from esp_tool import inner_icmp  # noqa: E402


def outer(src, dst, tos, ttl, ident, length):
    return struct.pack('!BBHHHBBH4s4s', 0x45, tos, length, ident, 0, ttl,
                       51, 0, socket.inet_aton(src), socket.inet_aton(dst))


def forge(src, dst, spi, seq, key, kind):
    inner = inner_icmp('192.168.3.100', '192.168.1.100')
    icvlen = 12
    ident = 0x4242
    length = 20 + 12 + icvlen + len(inner)
    ah = struct.pack('!BBHII', 4, (12 + icvlen) // 4 - 2, 0, spi, seq)
    # The mutable fields (TOS, flags/offset, TTL, checksum) and ICV zeroed.
    zeroed = outer(src, dst, 0, 0, ident, length) + ah + b'\0' * icvlen + inner
    icv = hmac.new(bytes.fromhex(key), zeroed, hashlib.sha1).digest()[:icvlen]
    tos, ttl = 0, 64
    if kind == 'badicv':
        icv = bytes([icv[0] ^ 1]) + icv[1:]
    elif kind == 'mutable':
        tos, ttl = 0xb8, 3
    elif kind == 'src':
        src = '209.165.200.230'
    elif kind == 'ident':
        ident += 1
    elif kind == 'nexthdr':
        ah = bytes([41]) + ah[1:]
    body = ah + icv + inner
    if kind.startswith('trunc:'):
        body = body[:int(kind[6:])]
    pkt = outer(src, dst, tos, ttl, ident, 20 + len(body)) + body
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.sendto(pkt, (dst, 0))


if __name__ == '__main__':
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    forge(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
          sys.argv[5], sys.argv[6])
