#!/usr/bin/env python3
"""Conformance reader: python-dotenv 1.2.4 (pinned in install.sh).

Usage: python_dotenv.py FILE -> {"KEY": "value", ...} on stdout.

Calls dotenv.dotenv_values(FILE, interpolate=True), the default users get:
- ${VAR} / ${VAR:-default} are interpolated in EVERY value, single-quoted ones included;
  lookups see earlier keys of the file, then this process's environment (os.environ).
- A bare `KEY` line (no `=`) gives None, printed as JSON null.
- Lines python-dotenv cannot parse are skipped with a warning on stderr (not an error:
  that is what the library does). Invalid UTF-8 is an error (exit 1).
"""
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

_common.ensure_venv()


def main():
    path = _common.one_arg("python_dotenv.py")
    if not os.path.isfile(path):
        _common.fail("reader: no such file: %s" % path, 2)
    try:
        import dotenv
    except ImportError as e:
        _common.fail("reader: %s; run tests/readers/install.sh" % e, 2)
    try:
        values = dotenv.dotenv_values(path, interpolate=True)
    except (UnicodeDecodeError, ValueError, OSError) as e:
        _common.fail("python-dotenv: %s" % e, 1)
    _common.emit(dict(values))


if __name__ == "__main__":
    main()
