#!/usr/bin/env python3
"""Conformance reader: YAML 1.2 via ruamel.yaml 0.19.1 (pinned in install.sh).

Usage: yaml_read.py FILE -> the top-level mapping as a JSON object on stdout.

Loads with ruamel.yaml.YAML(typ='safe', pure=True) (YAML 1.2 core schema: only
true/false are booleans, `yes`/`on`/`0777` stay strings/ints per 1.2). Values keep their JSON
type so a caller sees non-string surprises; see _common.yaml_to_json for how timestamps,
binary, NaN and non-string keys are tagged. Duplicate keys, multiple documents and syntax
errors are errors (exit 1, ruamel's message on stderr). An empty document prints {}.
"""
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

_common.ensure_venv()


def main():
    path = _common.one_arg("yaml_read.py")
    try:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError, YAMLFutureWarning  # noqa: F401
    except ImportError as e:
        _common.fail("reader: %s; run tests/readers/install.sh" % e, 2)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        _common.fail("reader: %s" % e, 2)
    yaml = YAML(typ="safe", pure=True)
    try:
        doc = yaml.load(data)
    except Exception as e:  # ruamel raises YAMLError subclasses, plus e.g. DuplicateKeyError
        _common.fail("ruamel.yaml: %s: %s" % (type(e).__name__, e), 1)
    _common.emit_yaml_mapping(doc, "ruamel.yaml")


if __name__ == "__main__":
    main()
