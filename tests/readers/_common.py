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
