"""Shared helpers for the Python conformance readers (not a reader itself).

- ensure_venv(): re-exec the calling script under <repo>/.venv/bin/python when it was started
  by another interpreter, so `./python_dotenv.py FILE` works from any shell.
- emit(obj): print one JSON object on stdout (json.dumps default: ASCII with \\u escapes).
- fail(msg, code): message on stderr, exit non-zero (1 = the consumer rejected the file,
  2 = usage / the reader itself cannot run or cannot represent the result).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VENV_PY = os.path.join(REPO, ".venv", "bin", "python")


def ensure_venv():
    if os.environ.get("READERS_NO_REEXEC") == "1":
        return
    if os.path.abspath(sys.prefix) == os.path.join(REPO, ".venv"):
        return
    if not os.path.exists(VENV_PY):
        fail("reader: %s missing; run tests/readers/install.sh" % VENV_PY, 2)
    os.environ["READERS_NO_REEXEC"] = "1"
    os.execv(VENV_PY, [VENV_PY, os.path.abspath(sys.argv[0])] + sys.argv[1:])


def fail(msg, code=1):
    sys.stderr.write(msg.rstrip("\n") + "\n")
    sys.exit(code)


def one_arg(name):
    if len(sys.argv) != 2:
        fail("usage: %s FILE" % name, 2)
    return sys.argv[1]


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=True, allow_nan=False) + "\n")
    sys.stdout.flush()


def yaml_to_json(obj, path="$"):
    """Convert a loaded YAML value to JSON-compatible data WITHOUT hiding type surprises.

    str/bool/int/float/None/list/dict keep their JSON type (so `yes` -> true is visible).
    Types JSON lacks are tagged: {"!!timestamp": "2001-12-14T21:59:43.100000"},
    {"!!binary": "<base64>"}, {"!!float": "nan"|"inf"|"-inf"}, {"!!set": [...]}, and
    {"!!<pytype>": "<repr>"} for anything else. A non-string mapping key is rendered as
    "!!<type> <json>" (e.g. "!!bool true" for an unquoted `on:` key under YAML 1.1),
    so it can never compare equal to a real key name.
    """
    import base64
    import datetime
    import math

    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj):
            return {"!!float": "nan"}
        if math.isinf(obj):
            return {"!!float": "inf" if obj > 0 else "-inf"}
        return obj
    if isinstance(obj, (datetime.date, datetime.datetime)):
        return {"!!timestamp": obj.isoformat()}
    if isinstance(obj, (bytes, bytearray)):
        return {"!!binary": base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, str):
                key = k
            else:
                conv = yaml_to_json(k, path)
                tname = {bool: "bool", int: "int", float: "float", type(None): "null"}.get(type(k), type(k).__name__)
                key = "!!%s %s" % (tname, json.dumps(conv, sort_keys=True))
            out[key] = yaml_to_json(v, "%s.%s" % (path, key))
        return out
    if isinstance(obj, (set, frozenset)):
        return {"!!set": sorted((yaml_to_json(x, path) for x in obj), key=repr)}
    if isinstance(obj, (list, tuple)):
        return [yaml_to_json(x, "%s[%d]" % (path, i)) for i, x in enumerate(obj)]
    return {"!!" + type(obj).__name__: repr(obj)}


def emit_yaml_mapping(doc, consumer):
    """Print a loaded YAML document; it must be a mapping (an empty document prints {})."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        fail("%s: top-level node is a %s, not a mapping" % (consumer, type(doc).__name__), 1)
    emit(yaml_to_json(doc))
