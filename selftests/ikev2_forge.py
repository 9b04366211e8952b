#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed and forged IKEv2 datagrams for the ikev2_* selftests.

ikev2_forge.py DST SPI_I SPI_R: sends, from an ephemeral port, IKEv2
headers with random payload chains, truncated and length-mismatched
headers, bad payload lengths, and SK-protected messages with the live IKE
SA's SPIs but random ciphertext (as requests and responses, message IDs
0-7), and IKE_SA_INITs with forged cookies.  Prints the number sent.
None of them may be acted upon.

ikev2_forge.py init DST COUNT: sends COUNT well-formed IKE_SA_INITs from
port 500 (new SPIs each, AES-CBC-256/SHA256/group 14, never an IKE_AUTH:
half-open SAs) and prints one word per answer: sa (the responder went
on), cookie (it demanded a COOKIE, RFC 7296 2.6), notify-N, or none."""
import os
import random
import socket
import struct
import sys


def sa_init(dst, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', 500))	# answers go to port 500 (no charon yet)
    s.settimeout(3)

    def pl(np, body):
        return bytes([np, 0]) + struct.pack('>H', 4 + len(body)) + body

    def xf(last, ttype, tid, attr=b''):
        return bytes([0 if last else 3, 0]) + \
            struct.pack('>HBBH', 8 + len(attr), ttype, 0, tid) + attr
    xfs = xf(False, 1, 12, struct.pack('>HH', 0x800e, 256)) + \
        xf(False, 2, 5) + xf(False, 3, 12) + xf(True, 4, 14)
    prop = bytes([0, 0]) + struct.pack('>HBBBB', 8 + len(xfs), 1, 1, 0, 4) + xfs
    # a valid (if weak) group 14 public value: 2, as 256 bytes
    ke = struct.pack('>HH', 14, 0) + bytes(255) + b'\x02'
    body = pl(34, prop) + pl(40, ke) + pl(0, os.urandom(32))
    for _ in range(count):
        m = os.urandom(8) + bytes(8) + bytes([33, 0x20, 34, 0x08]) + \
            struct.pack('>II', 0, 28 + len(body)) + body
        s.sendto(m, (dst, 500))
        try:
            r = s.recv(65535)
        except socket.timeout:
            print('none')
            continue
        np, off, words = r[16], 28, []
        while np and off + 4 <= len(r):
            plen = struct.unpack('>H', r[off + 2:off + 4])[0]
            if np == 41 and plen >= 8:
                words.append('notify-%d' % struct.unpack('>H', r[off + 6:off + 8])[0])
            elif np == 33:
                words.append('sa')
            np, off = r[off], off + max(plen, 4)
        print('cookie' if 'notify-16390' in words else
              'sa' if 'sa' in words else (words or ['none'])[0])
        sys.stdout.flush()


def main():
    if sys.argv[1] == 'init':
        sa_init(sys.argv[2], int(sys.argv[3]))
        return
    dst = sys.argv[1]
    spi_i, spi_r = bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    random.seed(9)
    sent = 0

    def send(b):
        nonlocal sent
        s.sendto(b, (dst, 500))
        sent += 1

    def hdr(si, sr, np, exch, flags, mid, blen):
        return si + sr + bytes([np, 0x20, exch, flags]) + \
            struct.pack('>II', mid, 28 + blen)

    # random chains after a well-formed header (new and live SPIs)
    for i in range(24):
        body = os.urandom(random.randint(0, 200))
        si = os.urandom(8) if i % 2 else spi_i
        sr = bytes(8) if i % 3 == 0 else spi_r
        send(hdr(si, sr, random.choice([0, 33, 34, 40, 41, 46, 99]),
                 random.choice([34, 35, 36, 37]),
                 random.choice([0x08, 0x20, 0x28, 0x00]), i % 3, len(body)) +
             body)
    # truncated headers and length fields that lie
    full = hdr(os.urandom(8), bytes(8), 33, 34, 0x08, 0, 8) + \
        bytes([0, 0, 0, 8, 0, 0, 0, 0])
    for cut in (1, 17, 18, 27, 30):
        send(full[:cut])
    for lie in (0, 27, 29, 4000):
        send(full[:24] + struct.pack('>I', lie) + full[28:])
    # payload lengths of 0, 3 and past the end
    for plen in (0, 3, 9, 200):
        send(hdr(os.urandom(8), bytes(8), 33, 34, 0x08, 0, 8) +
             bytes([0, 0]) + struct.pack('>H', plen) + bytes(4))
    # SK payloads with the live SA's SPIs and random contents
    for mid in range(8):
        for flags in (0x08, 0x20, 0x28, 0x00):
            sk = bytes([41, 0]) + struct.pack('>H', 4 + 80) + os.urandom(80)
            send(hdr(spi_i, spi_r, 46, random.choice([35, 36, 37]), flags,
                     mid, len(sk)) + sk)
    # IKE_SA_INITs whose COOKIE (RFC 7296 2.6) is forged: random with the
    # right length, an unknown secret version, too short
    def pl(np, body):
        return bytes([np, 0]) + struct.pack('>H', 4 + len(body)) + body
    for ck in (bytes(1) + os.urandom(32), bytes([0x85]) + os.urandom(32),
               os.urandom(10)):
        body = pl(33, bytes([0, 0]) + struct.pack('>H', 16390) + ck) + \
            pl(34, os.urandom(8)) + \
            pl(40, struct.pack('>HH', 19, 0) + os.urandom(64)) + \
            pl(0, os.urandom(32))
        send(hdr(os.urandom(8), bytes(8), 41, 34, 0x08, 0, len(body)) + body)
    print(sent)


if __name__ == '__main__':
    main()
