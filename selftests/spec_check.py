#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the netlink spec and the uapi header say the same thing.

    selftests/spec_check.py [--spec FILE] [--header FILE] [--no-policy] [--no-ynl]

Documentation/netlink/specs/cryptomap.yaml and uapi/linux/cryptomap.h are
read independently and compared in both directions: the family name,
version and multicast groups, every constant, every enum with its entries
and values in order, every attribute set with its attributes, values and
max names, every command.  The attribute types, enums and numeric ranges
the header writes in its comments are checked against the spec's types
and checks.  Then: the spec is self-consistent (references resolve, every
attribute, enum and operation has a doc, changes need uns-admin-perm, read
only attributes are in no request), kmod/nl_policy.[ch] are exactly what
tools/nlspec-gen.py generates, and, with the kernel's YNL tools (from
linux-source-6.12, see ynl_tree.py), the spec passes the genetlink-legacy
schema and ynl-gen-c renders a uapi header with the same names and values
as ours.  Prints KTAP; exit 0 pass, 1 fail, 4 skip.
"""

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..'))
sys.path.insert(0, HERE)

try:
    import yaml
except ImportError:
    print('TAP version 13\n1..0 # SKIP python3-yaml is not installed')
    sys.exit(4)

# libyaml's loader when there is one: the pure Python one is slow under TCG.
LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_YAML = {}


def load_yaml(path):
    """A YAML file, parsed once per content (the self-test reads the same
    spec many times).  Callers must not modify what they get."""
    with open(path) as f:
        text = f.read()
    if text not in _YAML:
        _YAML[text] = yaml.load(text, Loader=LOADER)
    return _YAML[text]


def c_upper(name):
    return str(name).upper().replace('-', '_')


# ---------------------------------------------------------------- KTAP

class Ktap:
    def __init__(self, quiet=False):
        self.n = self.passed = self.failed = self.skipped = 0
        self.quiet = quiet
        self.failures = []          # (desc, problems)
        self.out('TAP version 13')

    def out(self, line):
        if not self.quiet:
            print(line)

    def plan(self, n):
        self.out(f'1..{n}')

    def run(self, desc, fn, *args):
        """One result from a check function; a crash is a failure."""
        try:
            problems = fn(*args)
        except Exception as e:                              # noqa: BLE001
            problems = [f'{fn.__name__} crashed: {type(e).__name__}: {e}']
        if problems is None:
            self.skip(desc, 'not available')
        else:
            self.result(desc, problems)

    def result(self, desc, problems):
        self.n += 1
        if problems:
            self.failed += 1
            self.failures.append((desc, problems))
            self.out(f'not ok {self.n} {desc}')
            for p in problems:
                self.out(f'# {p}')
        else:
            self.passed += 1
            self.out(f'ok {self.n} {desc}')

    def skip(self, desc, why):
        self.n += 1
        self.skipped += 1
        self.out(f'ok {self.n} {desc} # SKIP {why}')

    def finish(self):
        self.out(f'# Totals: pass:{self.passed} fail:{self.failed} xfail:0 xpass:0 '
              f'skip:{self.skipped} error:0')
        if self.failed:
            return 1
        if self.skipped == self.n:
            return 4
        return 0


# ----------------------------------------------------- the C header

class Header:
    """The enums and defines of a uapi header, values evaluated.

    enums: tag (or '' for anonymous) -> list of (name, value, comment)
    defines: name -> value (int or str)
    """

    ENTRY = re.compile(r'^(\w+)\s*(?:=\s*([^,/]+?))?\s*,?\s*(?:/\*(.*?)\*/)?\s*$')
    DEFINE = re.compile(r'^#define\s+(\w+)\s+(.+?)\s*(?:/\*.*\*/)?\s*$')

    def __init__(self, path):
        self.path = path
        self.enums = {}
        self.defines = {}
        self.values = {}
        self.problems = []
        with open(path) as f:
            text = f.read()
        # Block comments that span lines (kernel-doc, file header) go; the
        # one-line comments after enumerators stay: they are checked.
        text = re.sub(r'/\*(?:(?!\*/).)*\n(?:.|\n)*?\*/', '', text)
        tag = None
        for raw in text.split('\n'):
            line = raw.strip()
            if tag is None:
                m = re.match(r'^enum\s*(\w*)\s*\{', line)
                if m:
                    tag = m.group(1)
                    self.enums[tag] = []
                    continue
                m = self.DEFINE.match(line)
                if m:
                    self.defines[m.group(1)] = self.eval(m.group(2), m.group(1))
                    self.values[m.group(1)] = self.defines[m.group(1)]
                continue
            if line.startswith('}'):
                tag = None
                continue
            if not line or (line.startswith('/*') and line.endswith('*/')):
                continue
            m = self.ENTRY.match(line)
            if not m:
                self.problems.append(f'{path}: cannot parse enum line: {line}')
                continue
            name, expr, comment = m.group(1), m.group(2), (m.group(3) or '').strip()
            if expr is None:
                prev = self.enums[tag]
                value = prev[-1][1] + 1 if prev else 0
            else:
                value = self.eval(expr, name)
            self.enums[tag].append((name, value, comment))
            self.values[name] = value

    def eval(self, expr, name):
        expr = expr.strip()
        if expr.startswith('"'):
            return expr.strip('"')
        if not re.fullmatch(r'[\w\s()+\-*]+', expr):
            self.problems.append(f'{self.path}: {name}: cannot evaluate {expr!r}')
            return None
        try:
            return eval(expr, {'__builtins__': {}}, dict(self.values))
        except Exception:                                   # noqa: BLE001
            self.problems.append(f'{self.path}: {name}: cannot evaluate {expr!r}')
            return None

    def enum_names(self):
        return {tag: [n for n, _, _ in entries] for tag, entries in self.enums.items()}


# ------------------------------------------------------------ the spec

class Spec:
    def __init__(self, path):
        self.y = load_yaml(path)
        y = self.y
        self.name = y['name']
        self.defs = y.get('definitions', [])
        self.consts = {d['name']: d for d in self.defs if d['type'] == 'const'}
        self.enums = {d['name']: d for d in self.defs if d['type'] in ('enum', 'flags')}
        self.sets = {s['name']: s for s in y['attribute-sets']}
        self.ops = y['operations']['list']
        self.op_prefix = c_upper(y['operations'].get('name-prefix', f'{self.name}-cmd-'))

    def enum_tag(self, e):
        return e.get('enum-name', f"{self.name}-{e['name']}").replace('-', '_')

    def enum_entries(self, e):
        pfx = e.get('name-prefix', f"{self.name}-{e['name']}-")
        val = e.get('value-start', 0)
        out = []
        for ent in e['entries']:
            if not isinstance(ent, dict):
                ent = {'name': ent}
            val = ent.get('value', val)
            out.append((c_upper(pfx + str(ent['name'])), val, ent))
            val += 1
        return out

    def set_prefix(self, s):
        if 'subset-of' in s:
            return self.set_prefix(self.sets[s['subset-of']])
        return c_upper(s.get('name-prefix', f"{self.name}-a-{s['name']}-"))

    def set_tag(self, s):
        return s.get('enum-name', f"{self.name}-{s['name']}").replace('-', '_')

    def set_max(self, s):
        return c_upper(s.get('attr-max-name', self.set_prefix(s) + 'max'))

    def set_cnt(self, s):
        return c_upper(s.get('attr-cnt-name', '__' + self.set_prefix(s) + 'max'))

    def attrs(self, s):
        if 'subset-of' in s:
            parent = {a['name']: (v, a) for v, a in self.attrs(self.sets[s['subset-of']])}
            return [parent[a['name']] for a in s['attributes'] if a['name'] in parent]
        out = []
        val = 1
        for a in s['attributes']:
            val = a.get('value', val)
            out.append((val, a))
            val += 1
        return out

    def const_value(self, v):
        if isinstance(v, int):
            return v
        m = re.fullmatch(r'([0-9A-Za-z_-]+)( - 1)?', str(v))
        if not m:
            return None
        base = m.group(1)
        if base in self.consts:
            num = self.consts[base]['value']
        else:
            lm = re.fullmatch(r'([us])(8|16|32|64)-(min|max)', base)
            if not lm:
                return None
            w = int(lm.group(2))
            if lm.group(1) == 'u':
                num = 0 if lm.group(3) == 'min' else (1 << w) - 1
            else:
                num = -(1 << (w - 1)) if lm.group(3) == 'min' else (1 << (w - 1)) - 1
        return num - 1 if m.group(2) else num

    def root_sets(self):
        return {op['attribute-set'] for op in self.ops if 'attribute-set' in op}


# -------------------------------------------------------------- checks

def diff_lists(what, ours, theirs, a='spec', b='header'):
    """Both directions, then order."""
    out = []
    for x in ours:
        if x not in theirs:
            out.append(f'{what}: {x} is in the {a} but not in the {b}')
    for x in theirs:
        if x not in ours:
            out.append(f'{what}: {x} is in the {b} but not in the {a}')
    if not out and list(ours) != list(theirs):
        out.append(f'{what}: the order differs: {a} {list(ours)} vs {b} {list(theirs)}')
    return out


def check_family(spec, hdr):
    p = []
    want = {
        c_upper(spec.y.get('c-family-name', spec.name + '_FAMILY_NAME')): spec.name,
        c_upper(spec.y.get('c-version-name', spec.name + '_FAMILY_VERSION')):
            spec.y.get('version', 1),
    }
    for g in spec.y.get('mcast-groups', {}).get('list', []):
        want[c_upper(g.get('c-define-name', f"{spec.name}-mcgrp-{g['name']}"))] = g['name']
    for k, v in want.items():
        if k not in hdr.defines:
            p.append(f'{k} is not defined in the header')
        elif hdr.defines[k] != v:
            p.append(f'{k} is {hdr.defines[k]!r} in the header, {v!r} in the spec')
    pfx = c_upper(spec.name) + '_MCGRP_'
    for k in hdr.defines:
        if k.startswith(pfx) and k not in want:
            p.append(f'{k} (multicast group) is in the header but not in the spec')
    return p


def special_defines(spec):
    """Header defines that are not spec constants: family, groups, maxima."""
    out = {c_upper(spec.y.get('c-family-name', spec.name + '_FAMILY_NAME')),
           c_upper(spec.y.get('c-version-name', spec.name + '_FAMILY_VERSION')),
           c_upper(spec.y['operations'].get('cmd-max-name', spec.op_prefix + 'MAX'))}
    for g in spec.y.get('mcast-groups', {}).get('list', []):
        out.add(c_upper(g.get('c-define-name', f"{spec.name}-mcgrp-{g['name']}")))
    for s in spec.sets.values():
        if 'subset-of' not in s:
            out.add(spec.set_max(s))
    return out


def check_consts(spec, hdr):
    p = []
    for name, c in spec.consts.items():
        if c.get('header'):
            continue        # defined by another header (linux/if.h, ...)
        cname = c_upper(f'{spec.name}-{name}')
        if cname not in hdr.defines:
            p.append(f'constant {name}: {cname} is not defined in the header')
        elif hdr.defines[cname] != c['value']:
            p.append(f'constant {name}: {cname} is {hdr.defines[cname]} in the header, '
                     f"{c['value']} in the spec")
    ours = {c_upper(f'{spec.name}-{n}') for n, c in spec.consts.items() if not c.get('header')}
    guard = re.compile(r'^_UAPI_')
    for k in hdr.defines:
        if k in ours or k in special_defines(spec) or guard.match(k):
            continue
        p.append(f'define {k} is in the header but not in the spec')
    return p


def check_enums(spec, hdr):
    p = []
    for name, e in spec.enums.items():
        tag = spec.enum_tag(e)
        if tag not in hdr.enums:
            p.append(f'enum {name}: enum {tag} is not in the header')
            continue
        want = [(n, v) for n, v, _ in spec.enum_entries(e)]
        have = [(n, v) for n, v, _ in hdr.enums[tag]]
        if e.get('render-max'):
            pfx = c_upper(e.get('name-prefix', f"{spec.name}-{name}-"))
            last = want[-1][1] if want else -1
            want.append(('__' + pfx + 'MAX', last + 1))
            # The header may or may not also name PFX_MAX (YNL renders it).
            have = [(n, v) for n, v in have if n != pfx + 'MAX']
        p += diff_lists(f'enum {tag}', [f'{n}={v}' for n, v in want],
                        [f'{n}={v}' for n, v in have])
    known = {spec.enum_tag(e) for e in spec.enums.values()}
    known |= {spec.set_tag(s) for s in spec.sets.values() if 'subset-of' not in s}
    known.add(spec.y['operations'].get('enum-name', f'{spec.name}-cmd').replace('-', '_'))
    for tag in hdr.enums:
        if tag not in known:
            p.append(f'enum {tag or "(anonymous)"} is in the header but not in the spec')
    return p


TYPE_WORDS = ('u8', 'u16', 'u32', 'u64', 'be32', 'be16', 'string', 'nest', 'flag', 'binary')


def spec_type_word(a):
    t = a['type']
    if t in ('u16', 'u32') and a.get('byte-order') == 'big-endian':
        return 'be' + t[1:]
    return t


def check_set(spec, hdr, s):
    """One attribute set against its enum, including the comments."""
    p = []
    tag = spec.set_tag(s)
    if tag not in hdr.enums:
        return [f'attribute set {s["name"]}: enum {tag} is not in the header']
    pfx = spec.set_prefix(s)
    want = [(c_upper(pfx + a['name']), v) for v, a in spec.attrs(s)]
    want.append((spec.set_cnt(s), (want[-1][1] + 1) if want else 1))
    have = [(n, v) for n, v, _ in hdr.enums[tag]]
    p += diff_lists(f'enum {tag}', [f'{n}={v}' for n, v in want], [f'{n}={v}' for n, v in have])
    mx = spec.set_max(s)
    if hdr.defines.get(mx) != want[-1][1] - 1:
        p.append(f'{mx} is {hdr.defines.get(mx)} in the header, {want[-1][1] - 1} by the spec')

    comments = {n: c for n, _, c in hdr.enums[tag]}
    for v, a in spec.attrs(s):
        name = c_upper(pfx + a['name'])
        c = comments.get(name, '')
        if not c or a['type'] in ('unused', 'pad'):
            continue
        words = re.findall(r'[a-z0-9_]+', c.lower())
        hdr_types = [w for w in words[:1] if w in TYPE_WORDS]
        if hdr_types and hdr_types[0] != spec_type_word(a):
            p.append(f'{name}: the header says {hdr_types[0]}, the spec {spec_type_word(a)}')
        m = re.search(r'enum (\w+)', c)
        if m and 'nest' not in words[:1]:
            if 'enum' not in a:
                p.append(f'{name}: the header says enum {m.group(1)}, the spec has no enum')
            elif spec.enum_tag(spec.enums[a['enum']]) != m.group(1):
                p.append(f'{name}: the header says enum {m.group(1)}, the spec '
                         f"{spec.enum_tag(spec.enums[a['enum']])}")
        elif 'enum' in a:
            p.append(f'{name}: the spec says enum {a["enum"]}, the header comment does not')
        m = re.search(r'(\d+)\.\.(\d+)', c)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            ck = a.get('checks', {})
            slo = spec.const_value(ck['min']) if 'min' in ck else 0
            shi = spec.const_value(ck['max']) if 'max' in ck else None
            if lo == 0 and 'min' not in ck:
                pass
            elif slo == 0 and re.search(r'\b0 = ', c):
                pass        # "0 = off, else 60..86400": the policy allows 0
            elif slo != lo:
                p.append(f'{name}: the header says {lo}..{hi}, the spec min is {slo}')
            if hi != 4294967295 and shi != hi:
                p.append(f'{name}: the header says {lo}..{hi}, the spec max is {shi}')
        m = re.search(r'nest of (CRYPTOMAP_\w+)', c)
        if m:
            nested = spec.sets.get(a.get('nested-attributes', ''), {})
            inner = [c_upper(spec.set_prefix(nested) + x['name'])
                     for _, x in spec.attrs(nested)] if nested else []
            if inner != [m.group(1)]:
                p.append(f'{name}: the header says a nest of {m.group(1)}, '
                         f'the spec nests {inner}')
    return p


def check_ops(spec, hdr):
    tag = spec.y['operations'].get('enum-name', f'{spec.name}-cmd').replace('-', '_')
    if tag not in hdr.enums:
        return [f'enum {tag} is not in the header']
    want = []
    val = 1
    for op in spec.ops:
        val = op.get('value', val)
        want.append((spec.op_prefix + c_upper(op['name']), val))
        val += 1
    cnt = c_upper(spec.y['operations'].get('cmd-cnt-name', '__' + spec.op_prefix + 'MAX'))
    want.append((cnt, val))
    # YNL numbers operations from 1; the header's CMD_UNSPEC = 0 is no
    # operation and the only name allowed to be missing from the spec.
    have = [(n, v) for n, v, _ in hdr.enums[tag] if not (v == 0 and n.endswith('_UNSPEC'))]
    p = diff_lists(f'enum {tag}', [f'{n}={v}' for n, v in want], [f'{n}={v}' for n, v in have])
    mx = c_upper(spec.y['operations'].get('cmd-max-name', spec.op_prefix + 'MAX'))
    if hdr.defines.get(mx) != val - 1:
        p.append(f'{mx} is {hdr.defines.get(mx)} in the header, {val - 1} by the spec')
    return p


def check_refs(spec):
    p = []
    for s in spec.sets.values():
        if 'subset-of' in s:
            parent = spec.sets.get(s['subset-of'])
            if not parent:
                p.append(f"set {s['name']}: subset of unknown set {s['subset-of']}")
                continue
            names = [a['name'] for a in parent['attributes']]
            for a in s['attributes']:
                if a['name'] not in names:
                    p.append(f"set {s['name']}: {a['name']} is not in {s['subset-of']}")
            continue
        for a in s['attributes']:
            if 'nested-attributes' in a and a['nested-attributes'] not in spec.sets:
                p.append(f"{s['name']}.{a['name']}: unknown set {a['nested-attributes']}")
            if a['type'] == 'nest' and 'nested-attributes' not in a:
                p.append(f"{s['name']}.{a['name']}: a nest without nested-attributes")
            if 'enum' in a and a['enum'] not in spec.enums:
                p.append(f"{s['name']}.{a['name']}: unknown enum {a['enum']}")
            for k, v in a.get('checks', {}).items():
                if k in ('min', 'max', 'min-len', 'max-len', 'exact-len') and \
                        spec.const_value(v) is None:
                    p.append(f"{s['name']}.{a['name']}: check {k}: unknown value {v}")
    for op in spec.ops:
        s = spec.sets.get(op.get('attribute-set'))
        if not s:
            p.append(f"op {op['name']}: unknown attribute set {op.get('attribute-set')}")
            continue
        names = {a['name'] for a in s['attributes']}
        for mode in ('do', 'dump'):
            for rr in ('request', 'reply'):
                for a in op.get(mode, {}).get(rr, {}).get('attributes', []):
                    if a not in names:
                        p.append(f"op {op['name']} {mode} {rr}: {a} is not in set {s['name']}")
        for a in op.get('event', {}).get('attributes', []):
            if a not in names:
                p.append(f"op {op['name']} event: {a} is not in set {s['name']}")
        if 'do' not in op and 'dump' not in op and 'event' not in op:
            p.append(f"op {op['name']}: neither do, dump nor event")
    return p


def check_docs(spec):
    p = []
    if not spec.y.get('doc'):
        p.append('the family has no doc')
    for name, e in spec.enums.items():
        if not e.get('doc'):
            p.append(f'enum {name} has no doc')
    for name, c in spec.consts.items():
        if not c.get('doc'):
            p.append(f'constant {name} has no doc')
    for s in spec.sets.values():
        if not s.get('doc'):
            p.append(f"attribute set {s['name']} has no doc")
        if 'subset-of' in s:
            continue
        for a in s['attributes']:
            if not a.get('doc'):
                p.append(f"attribute {s['name']}.{a['name']} has no doc")
    for op in spec.ops:
        if not op.get('doc'):
            p.append(f"operation {op['name']} has no doc")
    return p


def check_perms(spec):
    p = []
    for op in spec.ops:
        flags = op.get('flags', [])
        if 'event' in op:
            # a notification on a multicast group, not a request
            if flags:
                p.append(f"event {op['name']} has flags {flags}")
            continue
        changes = not op['name'].endswith('-get')
        if changes and 'uns-admin-perm' not in flags:
            p.append(f"operation {op['name']} changes state but lacks uns-admin-perm")
        if not changes and flags:
            p.append(f"operation {op['name']} only reads but has flags {flags}")
    ro = re.compile(r'\(read only\)\.?\s*$')
    for op in spec.ops:
        s = spec.sets[op['attribute-set']]
        docs = {a['name']: a.get('doc', '') for a in s['attributes']}
        for mode in ('do', 'dump'):
            for a in op.get(mode, {}).get('request', {}).get('attributes', []):
                if ro.search(docs.get(a, '')):
                    p.append(f"operation {op['name']}: read only {a} in a {mode} request")
    return p


def check_strings(spec, hdr):
    """String limits: names fit CRYPTOMAP_NAME_MAX, interfaces IFNAMSIZ."""
    p = []
    name_max = hdr.defines.get(c_upper(spec.name) + '_NAME_MAX')
    for s in spec.sets.values():
        if 'subset-of' in s:
            continue
        for a in s['attributes']:
            if a['type'] != 'string':
                continue
            ml = a.get('checks', {}).get('max-len')
            if ml is None:
                p.append(f"{s['name']}.{a['name']}: a string without max-len")
                continue
            val = spec.const_value(ml)
            limit = 15 if 'ifname' in a['name'] else (name_max - 1 if name_max else None)
            if val != limit:
                p.append(f"{s['name']}.{a['name']}: max-len {ml} = {val}, expected {limit}")
    return p


def nlspec_gen():
    """tools/nlspec-gen.py as a module (its name has a dash)."""
    import importlib.util
    path = os.path.join(TOP, 'tools', 'nlspec-gen.py')
    mspec = importlib.util.spec_from_file_location('nlspec_gen', path)
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    return mod


def check_policy(spec_path, kmod):
    gen = nlspec_gen()
    try:
        texts = gen.Gen(gen.Spec(spec_path, copy.deepcopy(load_yaml(spec_path)))).render()
    except (gen.SpecError, KeyError) as e:
        return [f'tools/nlspec-gen.py: {e}']
    p = []
    for f, want in zip(('nl_policy.c', 'nl_policy.h'), texts):
        try:
            with open(os.path.join(kmod, f)) as fd:
                have = fd.read()
        except OSError as e:
            p.append(f'kmod/{f}: {e}')
            continue
        if want != have:
            import difflib
            p.append(f'kmod/{f} is not what tools/nlspec-gen.py generates (make nl-policy):')
            p += list(difflib.unified_diff(have.splitlines(), want.splitlines(),
                                           f'kmod/{f}', 'generated', lineterm=''))[:40]
    return p


def ynl_prepare(spec_path, tree, tmp):
    """A scratch kernel-like tree: ynl-gen-c wants MAINTAINERS above the
    spec and the schema next to specs/."""
    doc = os.path.join(tmp, 'Documentation', 'netlink')
    os.makedirs(os.path.join(doc, 'specs'))
    open(os.path.join(tmp, 'MAINTAINERS'), 'w').close()
    proto = 'genetlink-legacy'
    proto = load_yaml(spec_path).get('protocol', 'genetlink')
    shutil.copy(os.path.join(tree, 'Documentation', 'netlink', f'{proto}.yaml'), doc)
    dst = os.path.join(doc, 'specs', 'cryptomap.yaml')
    shutil.copy(spec_path, dst)
    return dst, os.path.join(doc, f'{proto}.yaml')


def check_schema(spec_path, schema):
    try:
        import jsonschema
    except ImportError:
        return None
    y = load_yaml(spec_path)
    s = load_yaml(schema)
    try:
        # The schemas are draft-07; no need to check them against the
        # meta-schema on every run (jsonschema.validate would).
        jsonschema.Draft7Validator(s).validate(y)
    except jsonschema.ValidationError as e:
        return [f'{spec_path}: {e.message} at {"/".join(map(str, e.absolute_path))}']
    return []


def check_ynl_uapi(spec, spec_copy, tree, hdr, tmp):
    out = os.path.join(tmp, 'cryptomap-ynl.h')
    gen = os.path.join(tree, 'tools', 'net', 'ynl', 'ynl-gen-c.py')
    r = subprocess.run([sys.executable, gen, '--mode', 'uapi', '--header',
                        '--spec', spec_copy, '-o', out],
                       capture_output=True, text=True, timeout=300)
    if r.returncode:
        return [f'ynl-gen-c failed: {(r.stdout + r.stderr).strip()}']
    g = Header(out)
    p = list(g.problems)
    # What the format cannot say (see the spec's header comment): our
    # CMD_UNSPEC, and the CRYPTOMAP_*_MAX that render-max adds.
    allowed_missing = {n for n, v, _ in hdr.enums.get('cryptomap_cmd', [])
                       if v == 0 and n.endswith('_UNSPEC')}
    allowed_extra = set()
    for name, e in spec.enums.items():
        if e.get('render-max'):
            allowed_extra.add(c_upper(e.get('name-prefix', f'{spec.name}-{name}-')) + 'MAX')
    for tag in sorted(set(hdr.enums) | set(g.enums)):
        ours = [(n, v) for n, v, _ in hdr.enums.get(tag, []) if n not in allowed_missing]
        theirs = [(n, v) for n, v, _ in g.enums.get(tag, []) if n not in allowed_extra]
        if tag not in g.enums:
            p.append(f'enum {tag} is in our header, not in the generated one')
        elif tag not in hdr.enums:
            p.append(f'enum {tag} is in the generated header, not in ours')
        else:
            p += diff_lists(f'enum {tag}', [f'{n}={v}' for n, v in ours],
                            [f'{n}={v}' for n, v in theirs], 'uapi header', 'generated header')
    for k in sorted(set(hdr.defines) | set(g.defines)):
        if hdr.defines.get(k) != g.defines.get(k):
            p.append(f'#define {k}: ours {hdr.defines.get(k)!r}, generated {g.defines.get(k)!r}')
    return p


def n_checks(spec):
    return 13 + len([s for s in spec.sets.values() if 'subset-of' not in s])


def all_checks(k, spec_path, hdr_path, kmod, no_policy=False, no_ynl=False):
    """Every check, one KTAP result each (n_checks of them)."""
    spec = Spec(spec_path)
    hdr = Header(hdr_path)
    sets = [s for s in spec.sets.values() if 'subset-of' not in s]
    k.result('uapi header parses', hdr.problems)
    k.run('family name, version and multicast groups', check_family, spec, hdr)
    k.run('constants, both directions', check_consts, spec, hdr)
    k.run('enums and their values, both directions', check_enums, spec, hdr)
    for s in sets:
        k.run(f"attribute set {s['name']} = enum {spec.set_tag(s)}", check_set, spec, hdr, s)
    hdr_sets = {spec.set_tag(s) for s in sets}
    known = hdr_sets | {spec.enum_tag(e) for e in spec.enums.values()} | {'cryptomap_cmd'}
    k.result('every attribute enum of the header is a spec attribute set',
             [f'enum {t} is in the header only' for t in hdr.enums
              if t not in known and t.endswith(('_attrs', '_stats'))])
    k.run('operations = enum cryptomap_cmd', check_ops, spec, hdr)
    k.run('references resolve (sets, subsets, enums, limits, op attributes)', check_refs, spec)
    k.run('a doc on every attribute, enum, constant and operation', check_docs, spec)
    k.run('changes need uns-admin-perm; read-only attributes in no request', check_perms, spec)
    k.run('string limits: names CRYPTOMAP_NAME_MAX - 1, interfaces IFNAMSIZ - 1',
          check_strings, spec, hdr)

    if no_policy:
        k.skip('kmod/nl_policy.[ch] = tools/nlspec-gen.py output', '--no-policy')
    else:
        k.run('kmod/nl_policy.[ch] = tools/nlspec-gen.py output', check_policy, spec_path, kmod)

    tree = None
    why = '--no-ynl'
    if not no_ynl:
        try:
            from ynl_tree import ynl_tree, NoSource
            try:
                tree = ynl_tree()
            except NoSource as e:
                why = str(e)
        except Exception as e:                              # noqa: BLE001
            why = f'cannot extract the YNL tools: {e}'
    if tree is None:
        k.skip('spec passes the genetlink-legacy schema', why)
        k.skip('ynl-gen-c --mode uapi renders our header\'s names and values', why)
        return
    tmp = tempfile.mkdtemp(prefix='spec-check-')
    try:
        spec_copy, schema = ynl_prepare(spec_path, tree, tmp)
        k.run('spec passes the genetlink-legacy schema', check_schema, spec_copy, schema)
        k.run('ynl-gen-c --mode uapi renders our header\'s names and values',
              check_ynl_uapi, spec, spec_copy, tree, hdr, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# One change each to the header, the spec or the generated policy that the
# checks must refuse: (description, file, pattern, replacement, re flags).
MUTATIONS = [
    ('a changed enum value in the header', 'header',
     r'CRYPTOMAP_ACE_PERMIT = 1,', 'CRYPTOMAP_ACE_PERMIT = 3,', 0),
    ('an attribute added to the header only', 'header',
     r'^\t__CRYPTOMAP_MAP_A_MAX,', '\tCRYPTOMAP_MAP_A_FOO,\n\t__CRYPTOMAP_MAP_A_MAX,', re.M),
    ('a command renamed in the header', 'header',
     r'CRYPTOMAP_CMD_BIND_DEL,', 'CRYPTOMAP_CMD_BIND_REMOVE,', 0),
    ('a constant changed in the header', 'header',
     r'(#define CRYPTOMAP_MAX_TSETS\s+)6', r'\g<1>8', 0),
    ('a header type comment that the spec contradicts', 'header',
     r'(CRYPTOMAP_TSET_A_AH,\s*/\* )u8,', r'\1u16,', 0),
    ('an enum entry dropped from the spec', 'spec',
     r'      -\n        name: deflate\n        doc: comp-deflate\n', '', 0),
    ('an attribute renamed in the spec', 'spec',
     r'name: local-ifname\n', 'name: local-if\n', 0),
    ('a range in the spec unlike the header\'s', 'spec', r'min: 120\n', 'min: 100\n', 0),
    ('an operation missing from the spec', 'spec',
     r'    -\n      name: stats-get\n.*?\n\n', '\n', re.S),
    ('a change without uns-admin-perm', 'spec', r' *flags: \[uns-admin-perm\]\n', '', 0),
    ('an attribute without a doc', 'spec',
     r'(name: esp-keybits\n)(\s+type: u16\n)\s+doc: \|\n(\s+[^\n]*\n){2}', r'\1\2', 0),
    ('a hand edit of kmod/nl_policy.c', 'kmod',
     r'NLA_POLICY_MAX\(NLA_U8, 24\)', 'NLA_POLICY_MAX(NLA_U8, 32)', 0),
]


def self_test(k, spec_path, hdr_path, kmod):
    """Each mutation must make at least one check fail."""
    for desc, what, pat, repl, flags in MUTATIONS:
        src = {'header': hdr_path, 'spec': spec_path,
               'kmod': os.path.join(kmod, 'nl_policy.c')}[what]
        with open(src) as f:
            text = f.read()
        new, n = re.subn(pat, repl, text, count=1, flags=flags)
        if n != 1:
            k.result(f'refused: {desc}', [f'the mutation /{pat}/ did not apply'])
            continue
        tmp = tempfile.mkdtemp(prefix='spec-mut-')
        try:
            paths = {'header': hdr_path, 'spec': spec_path, 'kmod': kmod}
            if what == 'kmod':
                shutil.copy(os.path.join(kmod, 'nl_policy.h'), tmp)
                dst = os.path.join(tmp, 'nl_policy.c')
            else:
                dst = os.path.join(tmp, os.path.basename(src))
            with open(dst, 'w') as f:
                f.write(new)
            paths[what] = tmp if what == 'kmod' else dst
            q = Ktap(quiet=True)
            try:
                # The policy check only for the policy mutation: a spec
                # change must be caught by the agreement checks themselves.
                all_checks(q, paths['spec'], paths['header'], paths['kmod'],
                           no_policy=(what != 'kmod'), no_ynl=True)
            except Exception as e:                          # noqa: BLE001
                q.result('reading the mutated files', [f'{type(e).__name__}: {e}'])
            if q.failed:
                k.result(f'refused: {desc}', [])
                for d, probs in q.failures:
                    k.out(f'#   by "{d}": {probs[0]}')
            else:
                k.result(f'refused: {desc}', ['no check noticed it'])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec',
                    default=os.path.join(TOP, 'Documentation/netlink/specs/cryptomap.yaml'))
    ap.add_argument('--header', default=os.path.join(TOP, 'uapi/linux/cryptomap.h'))
    ap.add_argument('--kmod', default=os.path.join(TOP, 'kmod'))
    ap.add_argument('--no-policy', action='store_true', help='skip the nl_policy.[ch] check')
    ap.add_argument('--no-ynl', action='store_true', help='skip the kernel YNL checks')
    ap.add_argument('--self-test', action='store_true',
                    help='then prove that one-change copies of the files are refused')
    args = ap.parse_args()

    k = Ktap()
    try:
        n = n_checks(Spec(args.spec))
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as e:
        k.plan(1)
        k.result('the spec can be read', [f'{type(e).__name__}: {e}'])
        return k.finish()
    k.plan(n + (len(MUTATIONS) if args.self_test else 0))
    try:
        all_checks(k, args.spec, args.header, args.kmod, args.no_policy, args.no_ynl)
    except Exception as e:                                  # noqa: BLE001
        k.result('reading the spec and the header', [f'{type(e).__name__}: {e}'])
    if args.self_test:
        self_test(k, args.spec, args.header, args.kmod)
    return k.finish()


if __name__ == '__main__':
    sys.exit(main())
