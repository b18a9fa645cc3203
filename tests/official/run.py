#!/usr/bin/env python3
"""The official action's own test cases, run against this action (issue 22).

Usage: .venv/bin/python tests/official/run.py [--binary PATH] [CASE_ID...]

tests/official/cases.json holds the cases of aws-actions/aws-secretsmanager-get-secrets'
tests (and a few read off its source), written down as facts: the secrets, the inputs, and
what the official action does. Each case runs this action's main step as the runner runs
it — `node dist/main.js` with an INPUT_* variable for every input of action.yml (its
default unless the case gives one), `binary:` set to the binary under test — against a
moto server of its own, reset before every case. Then:
- the exit status and the variables read back from $GITHUB_ENV as the runner reads it
  (tests/readers/github_env.py) must be what the official action does; or, where the
  case says `ours`, what we do instead, and `row` must quote a row of docs/action.md's
  "Where we differ, on purpose" table;
- every exported value must have been masked (::add-mask::, runner unescaping).
Exit 0 when every case holds, 1 otherwise; a line per case either way.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "readers"))
import github_env  # noqa: E402  (the runner's $GITHUB_ENV parser, ported)

import boto3  # noqa: E402
import yaml  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    server = os.path.join(os.path.dirname(sys.executable), "moto_server")
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = "http://127.0.0.1:%d" % port
    for _ in range(200):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("run.py: moto did not start")


def reset(endpoint):
    req = urllib.request.Request(endpoint + "/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10)


def unmask(text):
    """A ::add-mask:: value as the runner unescapes it."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def table_rows():
    with open(os.path.join(ROOT, "docs", "action.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("### Where we differ, on purpose", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ")]


def run_case(case, endpoint, binary, defaults):
    reset(endpoint)
    sm = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    arns = {}
    for name, value in case["secrets"].items():
        arns[name] = sm.create_secret(Name=name, SecretString=value)["ARN"]
    for name, hexbytes in case.get("binary_secrets", {}).items():
        arns[name] = sm.create_secret(Name=name, SecretBinary=bytes.fromhex(hexbytes))["ARN"]
    with tempfile.TemporaryDirectory() as work:
        files = {k: os.path.join(work, k.lower()) for k in
                 ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY")}
        for path in files.values():
            open(path, "w").close()
        env = {
            "PATH": os.environ["PATH"], "HOME": work, "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": work, "RUNNER_TEMP": work,
            "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
            **files,
        }
        inputs = dict(defaults)
        inputs["binary"] = binary
        for name, value in case["inputs"].items():
            for secret, arn in arns.items():
                value = value.replace("{arn:%s}" % secret, arn)
            inputs[name] = value
        for name, value in inputs.items():
            env["INPUT_" + name.replace(" ", "_").upper()] = value
        env.update(case.get("env", {}))
        proc = subprocess.run(["node", os.path.join(ROOT, "dist", "main.js")], cwd=work,
                              env=env, capture_output=True, text=True, timeout=120)
        with open(files["GITHUB_ENV"], "rb") as f:
            exported = dict(github_env.parse(github_env.decode_like_dotnet(f.read())))
    masks = set()
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith("::add-mask::"):
            masks.add(unmask(line[len("::add-mask::"):]))
    return proc, exported, masks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "debug", "aws-secrets-env"))
    ap.add_argument("ids", nargs="*")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit("run.py: no binary at %s (cargo build first)" % binary)
    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    if args.ids:
        cases = [c for c in cases if c["id"] in args.ids]
    rows = table_rows()
    moto, endpoint = start_moto()
    failed, same, differ = [], 0, 0
    try:
        for case in cases:
            want = case.get("ours", case["official"])
            problems = []
            if "ours" in case:
                row = want.get("row", "")
                if not row or not any(row in r for r in rows):
                    problems.append("its `row` %r is not a row of docs/action.md's table" % row)
            proc, exported, masks = run_case(case, endpoint, binary, defaults)
            ok = proc.returncode == 0
            if ok != want["ok"]:
                problems.append("exit status %d, expected %s" % (proc.returncode, "0" if want["ok"] else "non-zero"))
            if exported != want["vars"]:
                missing = sorted(set(want["vars"]) - set(exported))
                extra = sorted(set(exported) - set(want["vars"]))
                other = sorted(k for k in set(want["vars"]) & set(exported) if want["vars"][k] != exported[k])
                problems.append("variables differ: missing %s, unexpected %s, other value %s" % (missing, extra, other))
            unmasked = sorted(k for k, v in exported.items() if v and v not in masks)
            if unmasked:
                problems.append("not masked: %s" % unmasked)
            if "error" in want and want["error"] not in proc.stdout + proc.stderr:
                problems.append("the log lacks %r" % want["error"])
            kind = "differs (documented)" if "ours" in case else "same as official"
            if problems:
                failed.append(case["id"])
                print("FAIL %-10s %s" % (case["id"], case["from"]))
                for p in problems:
                    print("       " + p)
                for line in (proc.stdout + proc.stderr).splitlines():
                    if "error" in line and "::add-mask::" not in line:
                        print("       | " + line[:300])
            else:
                same += "ours" not in case
                differ += "ours" in case
                print("ok   %-10s %-21s %s" % (case["id"], kind, case["from"]))
    finally:
        moto.kill()
        moto.wait()
    print("official cases: %d same as the official action, %d documented differences, %d failed%s"
          % (same, differ, len(failed), (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
