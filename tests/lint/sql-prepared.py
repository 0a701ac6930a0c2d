#!/usr/bin/env python3
"""SQL only through prepared statements with bound parameters: every call in DIR/*.c that
takes SQL text (store_q, store_exec, store_int, store_text, sqlite3_exec, sqlite3_prepare*)
must pass a string literal as that text, so that no value from outside can become SQL;
sqlite3_mprintf and friends (SQL built by formatting) must not be used at all. The
wrappers in store.c that pass their own caller's literal on (store_exec_plain runs the
embedded migrations, store_prepare prepares and caches by the literal's address) and the
four variadic wrappers that hand their caller's literal to store_vq are the only
exceptions. Prints one "FILE:LINE: ..." per offence; exit 1 if there is any.

Usage: sql-prepared.py DIR
"""
import glob
import re
import sys

SQL_ARG = {'store_q': 1, 'store_exec': 1, 'store_int': 2, 'store_text': 1, 'store_vq': 1,
           'sqlite3_exec': 1, 'sqlite3_prepare': 1, 'sqlite3_prepare_v2': 1,
           'sqlite3_prepare_v3': 1, 'sqlite3_prepare16': 1}
FORMATTERS = ('sqlite3_mprintf', 'sqlite3_vmprintf', 'sqlite3_snprintf',
              'sqlite3_vsnprintf', 'sqlite3_str_appendf', 'sqlite3_str_vappendf')
# (file, enclosing function) allowed to pass a variable on: see the docstring.
WRAPPERS = {('store.c', 'store_exec_plain'), ('store.c', 'store_prepare'),
            ('store.c', 'store_q'), ('store.c', 'store_exec'), ('store.c', 'store_int'),
            ('store.c', 'store_text')}


def blank_comments(src):
    return re.sub(r'/\*.*?\*/|//[^\n]*',
                  lambda m: re.sub(r'[^\n]', ' ', m.group(0)), src, flags=re.S)


def call_args(src, i):
    """The top-level arguments of the call whose '(' ends just before i."""
    depth, args, cur, quote = 1, [], '', None
    while depth > 0 and i < len(src):
        c = src[i]
        if quote:
            cur += c
            if c == '\\':
                cur += src[i + 1]
                i += 1
            elif c == quote:
                quote = None
        elif c in '"\'':
            quote = c
            cur += c
        elif c in '([{':
            depth += 1
            cur += c
        elif c in ')]}':
            depth -= 1
            if depth > 0:
                cur += c
        elif c == ',' and depth == 1:
            args.append(cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    args.append(cur.strip())
    return args


def enclosing_function(src, pos):
    found = None
    for m in re.finditer(r'^([a-z_][a-z0-9_]*)\(', src[:pos], flags=re.M):
        found = m.group(1)
    return found


STRING = r'"(?:[^"\\]|\\.)*"'


def literal(arg, macros):
    """Adjacent string literals and macros that are such literals, nothing else."""
    toks = re.findall(STRING + r'|[A-Za-z_][A-Za-z0-9_]*|\S', arg, flags=re.S)
    return bool(toks) and all(t.startswith('"') or t in macros for t in toks)


def literal_macros(d):
    """#define NAME followed only by string literals (and such macros), in DIR/*.[ch]."""
    defs = {}
    for path in sorted(glob.glob(d + '/*.[ch]')):
        src = blank_comments(open(path, encoding='utf-8').read()).replace('\\\n', ' ')
        for m in re.finditer(r'^#define\s+([A-Z_][A-Z0-9_]*)[ \t]+(.*)$', src, flags=re.M):
            defs[m.group(1)] = m.group(2)
    macros, grew = set(), True
    while grew:
        grew = False
        for name, body in defs.items():
            if name not in macros and literal(body, macros):
                macros.add(name)
                grew = True
    return macros


def main(d):
    bad = 0
    macros = literal_macros(d)
    for path in sorted(glob.glob(d + '/*.c')):
        src = blank_comments(open(path, encoding='utf-8').read())
        base = path.rsplit('/', 1)[-1]
        for m in re.finditer(r'\b(%s)\s*\(' % '|'.join(FORMATTERS), src):
            line = src.count('\n', 0, m.start()) + 1
            print(f'{path}:{line}: {m.group(1)} builds SQL text; bind parameters instead')
            bad += 1
        for m in re.finditer(r'\b(%s)\s*\(' % '|'.join(SQL_ARG), src):
            args = call_args(src, m.end())
            k = SQL_ARG[m.group(1)]
            if len(args) <= k or 'const char' in ' '.join(args):
                continue        # a declaration or the definition itself
            if literal(args[k], macros):
                continue
            if (base, enclosing_function(src, m.start())) in WRAPPERS:
                continue
            line = src.count('\n', 0, m.start()) + 1
            print(f'{path}:{line}: {m.group(1)} with SQL that is not a string literal '
                  f'({args[k][:40]}); use a literal and bind the values')
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
