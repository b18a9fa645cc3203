#!/usr/bin/env python3
"""Parameter Store through the latency proxy: API calls and wall time for one
`ssm:/PATH/` selector over 25 parameters (GetParametersByPath gives at most 10
a page, so 3 calls are expected), plus 25 single names (GetParameters takes 10
names a call: 3 calls expected).

Usage: .venv/bin/python bench/ssm_pages.py [BINARY]   (default: target/release)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/aws-secrets-env")
    port = free_port()
    moto = subprocess.Popen([str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([sys.executable, str(ROOT / "bench/latency_proxy.py"),
                              "--upstream", f"http://127.0.0.1:{port}", "--rtt-ms", "50"],
                             stdout=subprocess.PIPE, text=True)
    try:
        proxy_port = int(proxy.stdout.readline().split()[1])
        wait(f"http://127.0.0.1:{port}/moto-api/")
        proxy_url = f"http://127.0.0.1:{proxy_port}"
        ssm = boto3.client("ssm", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="bench", aws_secret_access_key="bench")
        for i in range(25):
            kind = "SecureString" if i % 2 else "String"
            ssm.put_parameter(Name=f"/bench/app/homolog/P{i:02}", Value=f"value-{i}", Type=kind)
        env = {"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL": proxy_url, "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
               "AWS_EC2_METADATA_DISABLED": "true"}
        cases = [
            ("path `ssm:/bench/app/homolog/` (25 parameters)", ["ssm:/bench/app/homolog/"]),
            ("25 single names", [f"ssm:/bench/app/homolog/P{i:02}" for i in range(25)]),
        ]
        print("| selectors | wall | API calls | connections | variables |")
        print("|---|---:|---|---:|---:|")
        for label, selectors in cases:
            urllib.request.urlopen(urllib.request.Request(f"{proxy_url}/__reset", method="POST")).read()
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "out.json"
                args = [binary, "write", "--format", "json", "--output", str(out), "--mask", "never"]
                for s in selectors:
                    args += ["--secret-id", s]
                start = time.monotonic()
                subprocess.run(args, env=env, check=True, stderr=subprocess.DEVNULL)
                wall = time.monotonic() - start
                count = len(json.loads(out.read_text()))
            stats = json.loads(urllib.request.urlopen(f"{proxy_url}/__stats").read())
            calls = ", ".join(f"{k.split('.')[-1]}×{v}" for k, v in sorted(stats.get("calls", {}).items()))
            print(f"| {label} | {wall:.3f} s | {calls} | {stats.get('connections', '?')} | {count} |")
    finally:
        proxy.terminate()
        moto.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
