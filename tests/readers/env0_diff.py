#!/usr/bin/env python3
"""Shared by shell.sh and systemd_read.sh: what a consumer added to an environment.

Usage: env0_diff.py BASE OUT [--drop NAME]... [--volatile NAME]...

BASE and OUT are `env -0` dumps (NAME=VALUE, NUL-separated): the environment
after reading an empty file, and after reading the file under test. Prints, as
one JSON object, every variable of OUT that BASE does not have with the same
value, less the --drop names (always set by the consumer itself) and the
--volatile names that BASE has too (set anew on every run). A value that is
not valid UTF-8 cannot be printed as JSON: exit 2.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def load(path):
    out = {}
    with open(path, "rb") as f:
        for item in f.read().split(b"\0"):
            if not item:
                continue
            k, sep, v = item.partition(b"=")
            try:
                out[k.decode("utf-8")] = v.decode("utf-8") if sep else None
            except UnicodeDecodeError:
                _common.fail("reader: variable %r is not valid UTF-8; cannot print as JSON" % k, 2)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("--drop", action="append", default=[])
    ap.add_argument("--volatile", action="append", default=[])
    args = ap.parse_args()
    base, env = load(args.base), load(args.out)
    _common.emit({
        k: v
        for k, v in env.items()
        if k not in args.drop
        and not (k in base and (base[k] == v or k in args.volatile))
    })


if __name__ == "__main__":
    main()
