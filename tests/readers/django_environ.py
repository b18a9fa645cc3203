#!/usr/bin/env python3
"""Conformance reader: django-environ 0.14.0 (pinned in install.sh).

Usage: django_environ.py FILE -> {"KEY": "value", ...} on stdout.

What a Django settings module gets from `environ.Env.read_env(FILE)` followed by
`env.str(KEY)` for each key of the file (keys not set in the environment before):
- The text is split with str.splitlines(): also at VT, FF, FS/GS/RS, U+0085, U+2028, U+2029,
  so no value can span lines.
- `'...'` is stripped, then `"..."` is stripped and `\\X` becomes X (`\\n`, `\\r`, `\\t` stay
  two characters): `'"x"'` reads as `x`.
- env.str() follows a value starting with `$` as a reference to another variable; a missing
  one raises ImproperlyConfigured, reported here as exit 1 (the app does not start).
Lines it cannot parse are skipped with a warning (logging, stderr).
"""
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

_common.ensure_venv()


def main():
    path = _common.one_arg("django_environ.py")
    if not os.path.isfile(path):
        _common.fail("reader: no such file: %s" % path, 2)
    try:
        import environ
    except ImportError as e:
        _common.fail("reader: %s; run tests/readers/install.sh" % e, 2)

    class FileOnly(environ.Env):
        ENVIRON = {}

    try:
        FileOnly.read_env(path)
    except (UnicodeDecodeError, ValueError, OSError) as e:
        _common.fail("django-environ: %s" % e, 1)
    parsed = dict(FileOnly.ENVIRON)
    env = environ.Env()
    env.ENVIRON = dict(os.environ)
    env.ENVIRON.update(parsed)
    out = {}
    for key in parsed:
        try:
            out[key] = env.str(key)
        except environ.ImproperlyConfigured as e:
            _common.fail("django-environ: env.str(%r): %s" % (key, e), 1)
    _common.emit(out)


if __name__ == "__main__":
    main()
