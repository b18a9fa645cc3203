#!/usr/bin/env python3
"""Conformance reader: YAML 1.1 via PyYAML 6.0.3 (pinned in install.sh).

Usage: yaml11_read.py FILE -> the top-level mapping as a JSON object on stdout.

Loads with yaml.safe_load (pure-Python SafeLoader, YAML 1.1 resolvers): unquoted
yes/no/on/off/y?/true... become booleans, 0777 octal, 1_000 ints, 12:30 sexagesimal ints,
2001-12-14 dates. Values keep their JSON type (see _common.yaml_to_json), so a caller sees
these surprises. Duplicate keys are NOT an error in PyYAML (last wins). Syntax errors and
multiple documents are errors (exit 1). An empty document prints {}.
"""
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

_common.ensure_venv()


def main():
    path = _common.one_arg("yaml11_read.py")
    try:
        import yaml
    except ImportError as e:
        _common.fail("reader: %s; run tests/readers/install.sh" % e, 2)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        _common.fail("reader: %s" % e, 2)
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as e:
        _common.fail("PyYAML: %s: %s" % (type(e).__name__, e), 1)
    _common.emit_yaml_mapping(doc, "PyYAML")


if __name__ == "__main__":
    main()
