#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the module's netlink attribute policies from the family spec.

    tools/nlspec-gen.py [--spec FILE] [--out-dir DIR] [--check]

reads Documentation/netlink/specs/cryptomap.yaml and writes kmod/nl_policy.c
and kmod/nl_policy.h: one `const struct nla_policy cm_<set>_policy[]` per
attribute set that a request can carry (the sets named by operations, their
subsets and the sets nested in what a request may contain), sized
[<SET>_MAX + 1] from the uapi header.

What goes into a policy:
  - an attribute is accepted when an operation of its set lists it in a
    request (top-level sets), or, in a nested set, unless its doc ends in
    "(read only)"; every other attribute is NLA_REJECT;
  - types: u8/u16/u32/u64 -> NLA_U*, big-endian u16/u32 -> NLA_BE16/32,
    string -> NLA_NUL_STRING (.len = max-len), binary -> NLA_BINARY,
    flag -> NLA_FLAG, nest -> NLA_POLICY_NESTED(cm_<nested>_policy);
  - checks: min/max (and enum ranges, as YNL does) become
    NLA_POLICY_RANGE/MIN/MAX, or NLA_POLICY_FULL_RANGE when a bound does not
    fit the s16 of struct nla_policy; min-len/max-len/exact-len of binaries
    become length checks.
Only what both 6.1 and 6.12 have is used: no NLA_UINT/NLA_SINT, no split
ops.  --check compares the files on disk with what would be generated and
exits 1 when they differ.
"""

import argparse
import os
import re
import sys

import yaml

LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
SPEC_REL = 'Documentation/netlink/specs/cryptomap.yaml'
ME = 'tools/nlspec-gen.py'
READ_ONLY = re.compile(r'\(read only\)\.?\s*$')

SCALAR = {'u8': 'NLA_U8', 'u16': 'NLA_U16', 'u32': 'NLA_U32', 'u64': 'NLA_U64',
          's8': 'NLA_S8', 's16': 'NLA_S16', 's32': 'NLA_S32', 's64': 'NLA_S64'}
BIG_ENDIAN = {'u16': 'NLA_BE16', 'u32': 'NLA_BE32'}
TYPE_MAX = {'u8': 0xff, 'u16': 0xffff, 'u32': 0xffffffff, 'u64': 0xffffffffffffffff}
TYPE_MAX_C = {'u8': 'U8_MAX', 'u16': 'U16_MAX', 'u32': 'U32_MAX', 'u64': 'U64_MAX'}


class SpecError(Exception):
    pass


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


class Spec:
    def __init__(self, path, y=None):
        if y is None:
            with open(path) as f:
                y = yaml.load(f, Loader=LOADER)
        self.y = y
        self.name = self.y['name']
        self.consts = {}
        self.enums = {}
        for d in self.y.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d
            elif d['type'] in ('enum', 'flags'):
                self.enums[d['name']] = d
        self.sets = {s['name']: s for s in self.y['attribute-sets']}
        self.ops = self.y['operations']['list']

    # ---- names ------------------------------------------------------

    def set_prefix(self, aset):
        if 'subset-of' in aset:
            return self.set_prefix(self.sets[aset['subset-of']])
        return c_upper(aset.get('name-prefix', f"{self.name}-a-{aset['name']}-"))

    def set_max(self, aset):
        if 'subset-of' in aset:
            return self.set_max(self.sets[aset['subset-of']])
        return c_upper(aset.get('attr-max-name', self.set_prefix(aset) + 'max'))

    def attrs(self, aset):
        """(value, attr) of a set, values numbered as YNL numbers them."""
        if 'subset-of' in aset:
            parent = dict((a['name'], (v, a)) for v, a in self.attrs(self.sets[aset['subset-of']]))
            return sorted(parent[a['name']] for a in aset['attributes'])
        out = []
        val = 1
        for a in aset['attributes']:
            val = a.get('value', val)
            out.append((val, a))
            val += 1
        return out

    def enum_entries(self, enum):
        """(value, C name) of an enum definition."""
        pfx = enum.get('name-prefix', f"{self.name}-{enum['name']}-")
        val = enum.get('value-start', 0)
        out = []
        for e in enum['entries']:
            if isinstance(e, str):
                e = {'name': e}
            val = e.get('value', val)
            out.append((val, c_upper(pfx + str(e['name']))))
            val += 1
        return out

    def const_c(self, name):
        c = self.consts[name]
        if c.get('header'):
            return c_upper(name)
        return c_upper(f"{self.name}-{name}")

    def limit(self, value):
        """A check value as (number, C text)."""
        if isinstance(value, int):
            return value, str(value)
        m = re.fullmatch(r'([0-9A-Za-z_-]+)( - 1)?', value)
        if not m:
            raise SpecError(f"bad limit {value!r}")
        base, minus = m.group(1), 1 if m.group(2) else 0
        if base in self.consts:
            num, text = self.consts[base]['value'], self.const_c(base)
        else:
            lm = re.fullmatch(r'([us])(8|16|32|64)-(min|max)', base)
            if not lm:
                raise SpecError(f"unknown limit {value!r}")
            sign, width, end = lm.group(1), int(lm.group(2)), lm.group(3)
            if sign == 'u':
                num = 0 if end == 'min' else (1 << width) - 1
            else:
                num = -(1 << (width - 1)) if end == 'min' else (1 << (width - 1)) - 1
            text = f"{sign.upper()}{width}_{end.upper()}"
        if minus:
            return num - 1, f"{text} - 1"
        return num, text

    # ---- which attributes a request may carry ------------------------

    def request_attrs(self, set_name):
        names = set()
        for op in self.ops:
            if op.get('attribute-set') != set_name:
                continue
            for mode in ('do', 'dump'):
                req = op.get(mode, {}).get('request', {})
                names.update(req.get('attributes', []))
        return names

    def root_sets(self):
        out = []
        for op in self.ops:
            s = op.get('attribute-set')
            if s and s not in out:
                out.append(s)
        return out

    def accepted(self, set_name, roots):
        aset = self.sets[set_name]
        if set_name in roots:
            listed = self.request_attrs(set_name)
        else:
            listed = None
        acc = {}
        for val, a in self.attrs(aset):
            if a['type'] in ('unused',) or val == 0:
                continue
            ok = a['type'] != 'pad' and not READ_ONLY.search(a.get('doc', ''))
            if listed is not None and a['name'] not in listed:
                ok = False
            acc[a['name']] = ok
        return acc

    def policy_sets(self):
        """The sets that need a policy, in spec order."""
        roots = self.root_sets()
        need = set()
        todo = list(roots)
        while todo:
            s = todo.pop()
            if s in need:
                continue
            need.add(s)
            acc = self.accepted(s, roots)
            for _, a in self.attrs(self.sets[s]):
                if a['type'] == 'nest' and acc.get(a['name']):
                    todo.append(a['nested-attributes'])
        return [s for s in self.sets if s in need], roots


def policy_name(set_name):
    return f"cm_{c_lower(set_name)}_policy"


class Gen:
    def __init__(self, spec):
        self.spec = spec
        self.ranges = []        # (struct name, min text, max text)

    def scalar(self, set_name, a):
        sp = self.spec
        t = a['type']
        if t in ('uint', 'sint'):
            raise SpecError(f"{set_name}.{a['name']}: {t} needs NLA_UINT/NLA_SINT, not in 6.1")
        if a.get('byte-order') == 'big-endian':
            if t not in BIG_ENDIAN:
                raise SpecError(f"{set_name}.{a['name']}: big-endian {t} not supported")
            if a.get('checks'):
                raise SpecError(f"{set_name}.{a['name']}: checks on a big-endian attribute")
            return f"{{ .type = {BIG_ENDIAN[t]} }}"
        nla = SCALAR[t]
        checks = dict(a.get('checks', {}))
        lo = hi = None
        if 'min' in checks:
            lo = sp.limit(checks['min'])
        if 'max' in checks:
            hi = sp.limit(checks['max'])
        if 'enum' in a:
            entries = sp.enum_entries(sp.enums[a['enum']])
            vals = [v for v, _ in entries]
            if max(vals) - min(vals) + 1 != len(vals):
                raise SpecError(f"{set_name}.{a['name']}: enum {a['enum']} is not contiguous")
            first = min(entries)
            last = max(entries)
            if lo is None and first[0] != 0:
                lo = first
            if hi is None:
                hi = last
        if lo is None and hi is None:
            return f"{{ .type = {nla} }}"
        if lo is not None and hi is not None and lo[0] > hi[0]:
            raise SpecError(f"{set_name}.{a['name']}: min > max")
        fits = all(-32768 <= x[0] <= 32767 for x in (lo, hi) if x is not None)
        if not fits:
            if t not in TYPE_MAX:
                raise SpecError(f"{set_name}.{a['name']}: full range on {t}")
            rname = f"cm_{c_lower(set_name)}_{c_lower(a['name'])}_range"
            lo = lo or (0, '0')
            hi = hi or (TYPE_MAX[t], TYPE_MAX_C[t])
            self.ranges.append((rname, lo[1], hi[1]))
            return f"NLA_POLICY_FULL_RANGE({nla}, &{rname})"
        if lo is not None and hi is not None:
            return f"NLA_POLICY_RANGE({nla}, {lo[1]}, {hi[1]})"
        if lo is not None:
            return f"NLA_POLICY_MIN({nla}, {lo[1]})"
        return f"NLA_POLICY_MAX({nla}, {hi[1]})"

    def entry(self, set_name, a):
        sp = self.spec
        t = a['type']
        checks = a.get('checks', {})
        if t == 'string':
            nla = 'NLA_STRING' if checks.get('unterminated-ok') else 'NLA_NUL_STRING'
            if 'exact-len' in checks:
                raise SpecError(f"{set_name}.{a['name']}: exact-len on a string")
            if 'max-len' in checks:
                return f"{{ .type = {nla}, .len = {sp.limit(checks['max-len'])[1]} }}"
            return f"{{ .type = {nla} }}"
        if t == 'binary':
            if 'exact-len' in checks:
                return f"NLA_POLICY_EXACT_LEN({sp.limit(checks['exact-len'])[1]})"
            lo = sp.limit(checks['min-len']) if 'min-len' in checks else None
            hi = sp.limit(checks['max-len']) if 'max-len' in checks else None
            if lo and hi:
                return f"NLA_POLICY_RANGE(NLA_BINARY, {lo[1]}, {hi[1]})"
            if lo:
                return f"NLA_POLICY_MIN_LEN({lo[1]})"
            if hi:
                return f"{{ .type = NLA_BINARY, .len = {hi[1]} }}"
            return "{ .type = NLA_BINARY }"
        if t == 'flag':
            return "{ .type = NLA_FLAG }"
        if t == 'nest':
            return f"NLA_POLICY_NESTED({policy_name(a['nested-attributes'])})"
        if t in SCALAR or t in ('uint', 'sint'):
            return self.scalar(set_name, a)
        raise SpecError(f"{set_name}.{a['name']}: type {t} not supported")

    @staticmethod
    def wrap(key, value):
        """One policy entry in at most 80 columns: on one line; else wrapped
        after the first macro argument or struct member, aligned; else the
        value on its own line."""
        def width(line):
            return len(line.expandtabs(8))

        line = f"\t[{key}] = {value},"
        if width(line) <= 80:
            return [line]
        head = f"\t[{key}] = "
        open_at = 1 if value.startswith('{ ') else value.find('(')
        comma = value.find(', ', open_at) if open_at > 0 else -1
        if comma > 0:
            col = width(head + value[:open_at + 1]) + (1 if value.startswith('{ ') else 0)
            indent = '\t' * (col // 8) + ' ' * (col % 8)
            lines = [head + value[:comma + 1], indent + value[comma + 2:] + ',']
            if all(width(x) <= 80 for x in lines):
                return lines
        own = f"\t\t{value},"
        if width(own) <= 80 or '(' not in value:
            return [f"\t[{key}] =", own]
        col = width('\t\t' + value[:value.index('(') + 1])
        cut = value.rfind(', ', 0, 80 - 16)
        return [f"\t[{key}] =", f"\t\t{value[:cut + 1]}",
                '\t' * (col // 8) + ' ' * (col % 8) + value[cut + 2:] + ',']

    def comment(self, s, sets, roots):
        """Where a policy is used: the commands, or the nests it checks."""
        sp = self.spec
        if s in roots:
            pfx = c_upper(sp.y['operations'].get('name-prefix', sp.name + '-cmd-'))
            users = [c_upper(op['name']) for op in sp.ops if op.get('attribute-set') == s]
            return f"/* {s}: the requests of {pfx}{', '.join(users)} */"
        users = []
        for o in sets:
            acc = sp.accepted(o, roots)
            oset = sp.sets[o]
            for _, a in sp.attrs(oset):
                if a.get('nested-attributes') == s and acc.get(a['name']):
                    users.append(c_upper(sp.set_prefix(oset) + a['name']))
        return f"/* {s}: the content of {', '.join(users)} */"

    def render(self):
        sp = self.spec
        sets, roots = sp.policy_sets()
        bodies = []
        for s in sets:
            aset = sp.sets[s]
            acc = sp.accepted(s, roots)
            lines = []
            lines.append(self.comment(s, sets, roots))
            lines.append(f"const struct nla_policy {policy_name(s)}[{sp.set_max(aset)} + 1] = {{")
            pfx = sp.set_prefix(aset)
            for val, a in sp.attrs(aset):
                if a['name'] not in acc:
                    continue
                key = c_upper(pfx + a['name'])
                value = self.entry(s, a) if acc[a['name']] else "{ .type = NLA_REJECT }"
                lines += self.wrap(key, value)
            lines.append('};')
            bodies.append('\n'.join(lines))

        headers = sorted(set(c['header'] for c in sp.consts.values() if c.get('header')))
        banner = (f"generated from {SPEC_REL} by {ME}: do not edit")
        c = ['// SPDX-License-Identifier: GPL-2.0',
             '/*',
             f' * {banner}',
             ' *',
             ' * The attribute policies of the cryptomap generic netlink family.',
             ' * Every check that one attribute can express on its own is here;',
             ' * rules that involve several attributes or other objects are in the',
             ' * handlers, with an extack message in IOS words.  To change a policy,',
             f' * edit the spec and run {ME} (make nl-policy).',
             ' */']
        c += [f"#include <{h}>" for h in headers]
        c += ['', '#include "nl_policy.h"', '']
        for rname, lo, hi in self.ranges:
            c += [f"static struct netlink_range_validation {rname} = {{",
                  f"\t.min = {lo}, .max = {hi},", '};', '']
        c.append('\n\n'.join(bodies))
        c_text = '\n'.join(c) + '\n'

        h = ['/* SPDX-License-Identifier: GPL-2.0 */',
             '/*',
             f' * {banner}',
             ' *',
             ' * The attribute policies of the cryptomap generic netlink family, one',
             ' * per attribute set that a request can carry (see nl_policy.c).',
             ' */',
             '#ifndef _CM_NL_POLICY_H',
             '#define _CM_NL_POLICY_H',
             '',
             '#include <net/netlink.h>',
             '#include <linux/cryptomap.h>',
             '']
        for s in sets:
            h.append(f"extern const struct nla_policy {policy_name(s)}"
                     f"[{sp.set_max(sp.sets[s])} + 1];")
        h += ['', '#endif /* _CM_NL_POLICY_H */']
        h_text = '\n'.join(h) + '\n'
        return c_text, h_text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', default=os.path.join(TOP, SPEC_REL))
    ap.add_argument('--out-dir', default=os.path.join(TOP, 'kmod'))
    ap.add_argument('--check', action='store_true',
                    help='compare with the files on disk, write nothing')
    args = ap.parse_args()

    try:
        c_text, h_text = Gen(Spec(args.spec)).render()
    except (SpecError, KeyError) as e:
        print(f"nlspec-gen: {args.spec}: {e}", file=sys.stderr)
        return 2

    status = 0
    for name, text in (('nl_policy.c', c_text), ('nl_policy.h', h_text)):
        path = os.path.join(args.out_dir, name)
        if args.check:
            try:
                with open(path) as f:
                    old = f.read()
            except OSError:
                old = None
            if old != text:
                print(f"nlspec-gen: {path} differs from what {ME} generates", file=sys.stderr)
                status = 1
            continue
        with open(path + '.tmp', 'w') as f:
            f.write(text)
        os.replace(path + '.tmp', path)
    return status


if __name__ == '__main__':
    sys.exit(main())
