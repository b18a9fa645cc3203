#!/usr/bin/env python3
"""Benchmark aws-secrets-env against the seed's aws-cli + jq pipeline.

Starts a moto server and bench/latency_proxy.py (2 RTT per new connection,
1 RTT per request, keep-alive) on free loopback ports, creates N secrets
(JSON objects of 5 keys, shaped like the seed's `simple_bank`), and times side
by side, for each N:

  * this tool (target/release, else target/debug; --bin or $BENCH_BIN),
  * the seed's pipeline (bench/seed_pipeline.sh: AWS CLI v1 + jq, one call
    per secret, appended to the env file),
  * a previous release of the tool (--prev-bin or $BENCH_PREV_BIN), if given.

Reports the median wall time, API calls and connections (counted at the proxy),
peak RSS and the ratio to the seed's pipeline; plus a plain-loopback row for
N=1, moto's own per-request service time and the binary's size.

Run it with the project venv (it needs boto3 and moto):
    .venv/bin/python bench/bench.py [--runs 5] [--ns 1,20,100,1000] [--json]
bench/run.sh installs the prerequisites and runs this under `nice -n 19`.
"""

from __future__ import annotations

import argparse
import math
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PREFIX = "bench/"
KEYS = ("DB_DRIVER", "DB_SOURCE", "SERVER_ADDRESS", "ACCESS_TOKEN_DURATION", "TOKEN_SYMMETRIC_KEY")
VAR_LINE = re.compile(rb"^[A-Za-z_][A-Za-z0-9_]*=", re.M)
MIB = 1024.0

TARGETS = {
    "n100_wall_s": 0.25,
    "n100_calls": 5,
    "loopback_n1_wall_s": 0.030,
    "loopback_n1_rss_mib": 15.0,
    "n1000_wildcard_wall_s": 1.0,
    "stripped_mib": 8.0,
}


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secret_name(i: int) -> str:
    return f"{PREFIX}s{i:04d}"


def secret_value(i: int) -> str:
    # simple_bank's five keys, suffixed so that every variable name is unique.
    values = {
        "DB_DRIVER": "postgres",
        "DB_SOURCE": f"postgresql://root:{i:08x}pw@simple-bank.example.eu-west-1.rds.amazonaws.com:5432/simple_bank",
        "SERVER_ADDRESS": "0.0.0.0:8080",
        "ACCESS_TOKEN_DURATION": "15m",
        "TOKEN_SYMMETRIC_KEY": os.urandom(16).hex(),
    }
    return json.dumps({f"{k}_{i:04d}": values[k] for k in KEYS})


# --------------------------------------------------------------------------- processes


class Services:
    """moto + the latency proxy (and a zero-latency proxy for calibration)."""

    def __init__(self, work: Path, rtt_ms: float) -> None:
        self.work = work
        self.procs: list[subprocess.Popen] = []
        self.moto_port = free_port()
        moto = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
        self._spawn([moto, "-H", "127.0.0.1", "-p", str(self.moto_port)], "moto.log")
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        # A loaded machine can take seconds to start moto and to answer.
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(self.moto_url + "/moto-api/", timeout=15).read()
                break
            except OSError:
                if time.monotonic() > deadline or self.procs[0].poll() is not None:
                    raise SystemExit(f"moto did not start: see {work / 'moto.log'}")
                time.sleep(0.1)
        self.proxy_url = self._proxy(rtt_ms, "proxy.log")
        self.proxy0_url = self._proxy(0.0, "proxy0.log")

    def _spawn(self, cmd: list[str], logname: str, **kw) -> subprocess.Popen:
        logf = open(self.work / logname, "wb")
        p = subprocess.Popen(cmd, stderr=logf, stdin=subprocess.DEVNULL, **({"stdout": logf} | kw))
        self.procs.append(p)
        return p

    def _proxy(self, rtt_ms: float, logname: str) -> str:
        cmd = [sys.executable, str(HERE / "latency_proxy.py"), "--upstream", self.moto_url, "--rtt-ms", str(rtt_ms)]
        p = self._spawn(cmd, logname, stdout=subprocess.PIPE)
        line = p.stdout.readline().decode()
        if not line.startswith("listening "):
            raise SystemExit(f"latency proxy did not start: see {self.work / logname}")
        return f"http://127.0.0.1:{int(line.split()[1])}"

    def close(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def proxy_call(url: str, path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


GNU_TIME = "/usr/bin/time"


def run_measured(cmd: list[str], env: dict, timeout: float, stderr_path: Path) -> tuple[float, int, int]:
    """Run cmd; return (wall seconds, exit code, peak RSS KiB of the largest process in its tree).

    The RSS comes from GNU time, not from this process's wait4(): Linux carries
    the pre-exec address space's high-water mark into ru_maxrss, so a child
    forked from this (large) Python process would report Python's RSS. time's
    own footprint is small, so what it reports is the tool's."""
    rss_path = stderr_path.with_suffix(".rss")
    rss_path.unlink(missing_ok=True)
    use_time = os.access(GNU_TIME, os.X_OK)
    full = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *cmd] if use_time else cmd
    with open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                             start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss
    if use_time:
        try:
            rss = int(rss_path.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = -1
    return wall, p.returncode, rss


def count_vars(path: Path) -> int:
    try:
        return len(VAR_LINE.findall(path.read_bytes()))
    except FileNotFoundError:
        return -1


# --------------------------------------------------------------------------- contenders


class Contender:
    def __init__(self, key: str, label: str, kind: str, exe: str) -> None:
        self.key, self.label, self.kind, self.exe = key, label, kind, exe
        self.wildcard = False

    def command(self, n: int, out: Path, use_wildcard: bool) -> tuple[list[str], str]:
        ids = [secret_name(i) for i in range(n)]
        if self.kind == "pipeline":
            return ["bash", str(HERE / "seed_pipeline.sh"), str(out), *ids], "ids"
        if use_wildcard:
            sel = ["--secret-id", PREFIX + "*"]
            how = f"wildcard `{PREFIX}*`"
        else:
            sel = [a for i in ids for a in ("--secret-id", i)]
            how = "ids" if n == 1 else f"{n} × --secret-id"
        return [self.exe, "write", *sel, "--output", str(out), "--mask", "never"], how


def binary_info(path: str, build: str | None = None) -> dict:
    p = Path(path)
    info: dict = {"path": str(p), "size_bytes": p.stat().st_size}
    parts = p.resolve().parts
    info["build"] = build or ("release" if "release" in parts else "debug" if "debug" in parts else "unknown")
    try:
        info["version"] = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        info["version"] = "?"
    desc = subprocess.run(["file", "-b", str(p.resolve())], capture_output=True, text=True).stdout if shutil.which("file") else ""
    info["file"] = desc.strip()
    stripped = "not stripped" not in desc and "with debug_info" not in desc
    info["stripped"] = stripped
    if stripped:
        info["stripped_size_bytes"] = info["size_bytes"]
    elif shutil.which("strip"):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "stripped"
            subprocess.run(["strip", "-o", str(out), str(p)], check=True)
            info["stripped_size_bytes"] = out.stat().st_size
    return info


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / MIB / MIB:.1f} GiB"
    except OSError:
        pass
    return {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg(),
        "niceness": os.nice(0),
    }


# --------------------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path, svc: Services) -> None:
        self.args, self.work, self.svc = args, work, svc
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(work / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
            "AWS_CLI": args.aws_cli,
        }

    def env(self, endpoint: str) -> dict:
        return self.base_env | {"AWS_ENDPOINT_URL": endpoint}

    def boto(self, endpoint: str):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "secretsmanager", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
            aws_secret_access_key="bench", config=Config(max_pool_connections=16, retries={"max_attempts": 2}),
        )

    def create_secrets(self, total: int) -> float:
        t0 = time.perf_counter()
        client = self.boto(self.svc.moto_url)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: client.create_secret(Name=secret_name(i), SecretString=secret_value(i)), range(total)))
        return time.perf_counter() - t0

    def probe_wildcard(self, c: Contender, total: int) -> bool:
        out = self.work / f"probe-{c.key}.env"
        cmd = [c.exe, "write", "--secret-id", PREFIX + "*", "--output", str(out), "--mask", "never"]
        _, rc, _ = run_measured(cmd, self.env(self.svc.moto_url), 300, self.work / f"probe-{c.key}.err")
        ok = rc == 0 and count_vars(out) == 5 * total
        log(f"{c.label}: wildcard `{PREFIX}*` {'supported' if ok else 'not supported (exit %d)' % rc}")
        return ok

    def calibrate(self, total: int) -> dict:
        """moto's own service time per request (through the 0-RTT proxy) and the proxy's overhead."""
        direct, via = self.boto(self.svc.moto_url), self.boto(self.svc.proxy0_url)
        ids20 = [secret_name(i) for i in range(min(20, total))]

        def one(client, fn) -> float:
            t0 = time.perf_counter()
            fn(client)
            return time.perf_counter() - t0

        calls = {
            "GetSecretValue": (40, lambda c: c.get_secret_value(SecretId=ids20[0])),
            f"BatchGetSecretValue ({len(ids20)} ids)": (20, lambda c: c.batch_get_secret_value(SecretIdList=ids20)),
            f"BatchGetSecretValue (name filter, page of 20 of {total})": (
                6, lambda c: c.batch_get_secret_value(Filters=[{"Key": "name", "Values": [PREFIX]}], MaxResults=20)),
            f"ListSecrets (name filter, page of 100 of {total})": (
                10, lambda c: c.list_secrets(Filters=[{"Key": "name", "Values": [PREFIX]}], MaxResults=100)),
        }
        result = {}
        for name, (k, fn) in calls.items():
            one(direct, fn), one(via, fn)  # warm both connections and moto's code path
            proxy_call(self.svc.proxy0_url, "/__reset", "POST")
            pairs = [(one(direct, fn), one(via, fn)) for _ in range(k)]  # interleaved: same load for both
            st = proxy_call(self.svc.proxy0_url, "/__stats")["service_time"]
            svc = next(iter(st.values()))
            overhead = statistics.median(v - d for d, v in pairs)
            result[name] = {
                "samples": k,
                "moto_median_ms": svc["median_ms"],
                "moto_mean_ms": svc["mean_ms"],
                "boto3_direct_median_ms": round(1000 * statistics.median(d for d, _ in pairs), 3),
                "boto3_via_0rtt_proxy_median_ms": round(1000 * statistics.median(v for _, v in pairs), 3),
                "proxy_overhead_ms": round(1000 * overhead, 3),
            }
            log(f"calibration {name}: moto {svc['median_ms']:.1f} ms, proxy overhead {1000 * overhead:.1f} ms")
        return result

    def measure(self, c: Contender, n: int, runs: int, endpoint: str, setting: str, use_wildcard: bool) -> dict:
        proxied = endpoint == self.svc.proxy_url
        row = {"setting": setting, "n": n, "contender": c.key, "label": c.label, "runs": runs, "wall_s": [],
               "rss_kib": [], "calls": [], "connections": [], "moto_busy_ms": [], "in_flight": [], "floor_s": [],
               "error": None}
        out = self.work / f"out-{c.key}.env"
        cmd, how = c.command(n, out, use_wildcard)
        row["selectors"] = how
        for r in range(runs):
            out.unlink(missing_ok=True)
            if proxied:
                proxy_call(endpoint, "/__reset", "POST")
            timeout = 7200 if c.kind == "pipeline" else 300
            wall, rc, rss = run_measured(cmd, self.env(endpoint), timeout, self.work / "stderr.txt")
            got = count_vars(out)
            if rc != 0 or got != 5 * n:
                tail = (self.work / "stderr.txt").read_text(errors="replace")[-600:]
                row["error"] = f"exit {rc}, {got} variables written (want {5 * n}): {tail.strip()}"
                log(f"{setting} N={n} {c.label}: FAILED: {row['error']}")
                break
            row["wall_s"].append(wall)
            row["rss_kib"].append(rss)
            if proxied:
                st = proxy_call(endpoint, "/__stats")
                row["calls"].append(st["calls"])
                row["connections"].append(st["connections"])
                busy_ms = sum(v["count"] * v["mean_ms"] for v in st["service_time"].values())
                row["moto_busy_ms"].append(busy_ms)
                row["in_flight"].append(st["max_in_flight"])
                row["floor_s"].append(floor_s(n, use_wildcard, self.args.rtt_ms, busy_ms))
            log(f"{setting} N={n} {c.label} run {r + 1}/{runs}: {wall:.3f} s"
                + (f", {sum(row['calls'][-1].values())} calls, {row['connections'][-1]} conns" if proxied else ""))
        if row["wall_s"]:
            row["median_s"] = statistics.median(row["wall_s"])
            row["min_s"], row["max_s"] = min(row["wall_s"]), max(row["wall_s"])
            row["peak_rss_kib"] = max(row["rss_kib"])
            if row["calls"]:
                totals = sorted({sum(x.values()) for x in row["calls"]})
                row["api_calls"] = totals
                kinds: dict[str, set] = {}
                for x in row["calls"]:
                    for k, v in x.items():
                        kinds.setdefault(k.split(".")[-1], set()).add(v)
                row["api_calls_by_kind"] = {k: sorted(v) for k, v in kinds.items()}
                row["connections_seen"] = sorted(set(row["connections"]))
                row["moto_busy_ms_median"] = statistics.median(row["moto_busy_ms"])
                row["in_flight_seen"] = sorted(set(row["in_flight"]))
                row["floor_median_s"] = statistics.median(row["floor_s"])
                row["floor_ratio"] = row["median_s"] / row["floor_median_s"]
        return row


def floor_s(n: int, wildcard: bool, rtt_ms: float, busy_ms: float) -> float:
    """The least time any client could take against this endpoint: a new
    connection (2 RTT), the round trips the API's paging forces one after
    another (ids: one wave of BatchGetSecretValue, however many; a wildcard:
    one ListSecrets page per 100 names, then the last page's batches), and
    moto's own service time for the run's calls (it serves one at a time)."""
    waves = (math.ceil(n / 100) + 1) if wildcard else 1
    return (2 + waves) * rtt_ms / 1000 + busy_ms / 1000


def fmt_set(values: list) -> str:
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def add_ratios(rows: list[dict]) -> None:
    for setting in {r["setting"] for r in rows}:
        pipes = {r["n"]: r for r in rows if r["setting"] == setting and r["contender"] == "pipeline" and "median_s" in r}
        per_secret = None
        if pipes:
            big = max(pipes)
            per_secret = pipes[big]["median_s"] / big
        for r in rows:
            if r["setting"] != setting or "median_s" not in r:
                continue
            if r["n"] in pipes:
                r["ratio"] = pipes[r["n"]]["median_s"] / r["median_s"]
                r["ratio_estimated"] = False
            elif per_secret is not None and r["n"] > max(pipes):
                r["ratio"] = per_secret * r["n"] / r["median_s"]
                r["ratio_estimated"] = True


def markdown(result: dict) -> str:
    a = result["args"]
    out = []
    m, b = result["machine"], result["binary"]
    out.append(f"Machine: {m['nproc']} × {m['cpu']}, {m['memory']}, kernel {m['kernel']}; "
               f"{m['date_utc']}; load average {m['loadavg_start'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end; "
               f"niceness {m['niceness']}.")
    out.append(f"Tool: `{b['path']}` ({b['build']}, {b['version']}); wildcard `{PREFIX}*`: "
               f"{'supported' if result['wildcard'] else 'not supported'}.")
    out.append(f"Proxy RTT {a['rtt_ms']:g} ms (2 RTT per new connection, 1 RTT per request). "
               f"Runs: {a['runs']} per cell (median), {a['loopback_runs']} for the tool on loopback; seed pipeline: {result['pipeline_policy']}.")
    out.append("")
    out.append("| N | setting | contender | selectors | runs | median wall | min–max | API calls | connections "
               "| most in flight | floor | ÷ floor | peak RSS | seed ÷ this |")
    out.append("|---:|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in result["rows"]:
        lead = f"| {r['n']} | {r['setting']} | {r['label']} | {r['selectors']} | {len(r['wall_s'])} |"
        if "median_s" not in r:
            out.append(lead + " failed | | | | | | | | |")
            continue
        if r.get("api_calls"):
            kinds = ", ".join(f"{k}×{fmt_set(v)}" for k, v in sorted(r["api_calls_by_kind"].items()))
            calls = f"{fmt_set(r['api_calls'])} ({kinds})"
            conns = fmt_set(r["connections_seen"])
            flight = fmt_set(r["in_flight_seen"])
            floor = f"{r['floor_median_s']:.3f} s"
            vs_floor = f"{r['floor_ratio']:.2f}×"
        else:
            calls, conns, flight, floor, vs_floor = "—", "—", "—", "—", "—"
        ratio = "—"
        if "ratio" in r:
            ratio = f"{r['ratio']:.1f}×" + (" (est.)" if r["ratio_estimated"] else "")
        out.append(lead + f" {r['median_s']:.3f} s | {r['min_s']:.3f}–{r['max_s']:.3f} | {calls} | {conns} | "
                   f"{flight} | {floor} | {vs_floor} | {r['peak_rss_kib'] / MIB:.1f} MiB | {ratio} |")
    out.append("")
    size = f"{b['size_bytes'] / MIB / MIB:.2f} MiB"
    if b["stripped"]:
        size += " (stripped)"
    elif "stripped_size_bytes" in b:
        size += f", {b['stripped_size_bytes'] / MIB / MIB:.2f} MiB stripped"
    out.append(f"Binary size: {size}.")
    out.append("")
    out.append("Issue 5 targets:")
    out.append("")
    out.append("| target | measured | met |")
    out.append("|---|---|---|")
    for t in result["targets"]:
        out.append(f"| {t['target']} | {t['measured']} | {t['met']} |")
    out.append("")
    out.append("moto's own service time per request (sequential calls from a keep-alive boto3 client through the 0-RTT "
               "proxy, which times moto; proxy overhead = median of (via proxy − direct), calls interleaved):")
    out.append("")
    out.append("| call | moto median | moto mean | proxy overhead |")
    out.append("|---|---:|---:|---:|")
    for name, c in result["calibration"].items():
        out.append(f"| {name} | {c['moto_median_ms']:.1f} ms | {c['moto_mean_ms']:.1f} ms | {c['proxy_overhead_ms']:.1f} ms |")
    out.append("")
    busy = [r for r in result["rows"] if r.get("moto_busy_ms_median") is not None and r["contender"] != "pipeline"]
    if busy:
        out.append("Sum of moto's service times per proxied run (median; requests that overlap queue inside moto, "
                   "so the sum can exceed the wall time): "
                   + "; ".join(f"{r['label']} N={r['n']}: {r['moto_busy_ms_median']:.0f} ms" for r in busy) + ".")
    for note in result["notes"]:
        out.append(f"- {note}")
    return "\n".join(out)


def check_targets(result: dict) -> list[dict]:
    rows = {(r["setting"], r["n"], r["contender"]): r for r in result["rows"]}
    out = []

    def add(target, measured, ok):
        out.append({"target": target, "measured": measured, "met": "n/a" if ok is None else ("yes" if ok else "no")})

    proxied = f"proxy {result['args']['rtt_ms']:g} ms"
    r = rows.get((proxied, 100, "tool"))
    if r and "median_s" in r:
        calls = r["api_calls"][-1]
        add(f"100 secrets ≤ {TARGETS['n100_wall_s']} s wall, ≤ {TARGETS['n100_calls']} API calls",
            f"{r['median_s']:.3f} s, {fmt_set(r['api_calls'])} calls",
            r["median_s"] <= TARGETS["n100_wall_s"] and calls <= TARGETS["n100_calls"])
    r = rows.get(("loopback", 1, "tool"))
    if r and "median_s" in r:
        add(f"1 secret on loopback ≤ {TARGETS['loopback_n1_wall_s'] * 1000:.0f} ms, ≤ {TARGETS['loopback_n1_rss_mib']:.0f} MiB RSS",
            f"{1000 * r['median_s']:.1f} ms, {r['peak_rss_kib'] / MIB:.1f} MiB",
            r["median_s"] <= TARGETS["loopback_n1_wall_s"] and r["peak_rss_kib"] / MIB <= TARGETS["loopback_n1_rss_mib"])
    r = rows.get((proxied, 1000, "tool"))
    if r and "median_s" in r:
        wild = r["selectors"].startswith("wildcard")
        add(f"1,000 secrets by wildcard ≤ {TARGETS['n1000_wildcard_wall_s']:.0f} s",
            f"{r['median_s']:.3f} s ({r['selectors']})",
            r["median_s"] <= TARGETS["n1000_wildcard_wall_s"] if wild else None)
    b = result["binary"]
    if "stripped_size_bytes" in b:
        mib = b["stripped_size_bytes"] / MIB / MIB
        add(f"stripped release binary ≤ {TARGETS['stripped_mib']:.0f} MiB", f"{mib:.2f} MiB ({b['build']} build)",
            mib <= TARGETS["stripped_mib"] if b["build"] == "release" else None)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ns", default="1,20,100,1000", help="comma-separated secret counts")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")))
    ap.add_argument("--loopback-runs", type=int, default=11, help="runs of the plain-loopback N=1 rows (cheap, noisy)")
    ap.add_argument("--rtt-ms", type=float, default=50.0)
    ap.add_argument("--bin", default=os.environ.get("BENCH_BIN"), help="the tool (default: target/release, else target/debug)")
    ap.add_argument("--bin-build", choices=("release", "debug"), help="the build of --bin, when its path does not say")
    ap.add_argument("--prev-bin", default=os.environ.get("BENCH_PREV_BIN"), help="a previous release to compare (skipped if absent)")
    ap.add_argument("--aws-cli", default=os.environ.get("BENCH_AWS_CLI", str(HERE / ".venv-awscli/bin/aws")))
    ap.add_argument("--no-pipeline", action="store_true", help="skip the seed's aws-cli + jq pipeline")
    ap.add_argument("--pipeline-max-n", type=int, default=100,
                    help="run the seed pipeline only for N up to this (beyond: ratio estimated per secret)")
    ap.add_argument("--pipeline-runs-large", type=int, default=3, help="pipeline runs for N >= 100 (1 for N >= 1000)")
    ap.add_argument("--no-wildcard", action="store_true", help="never use `bench/*`, even if the tool supports it")
    ap.add_argument("--ids-too", action="store_true",
                    help="at the largest N, time N --secret-id flags as well as the wildcard")
    ap.add_argument("--wait-load", type=float, help="first wait (up to 10 min) until the 1-minute load average is below this")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument("--json-out", help="also write the JSON result to this file")
    args = ap.parse_args()

    ns = sorted({int(x) for x in args.ns.split(",") if x.strip()})
    total = max(ns)
    exe = args.bin
    if not exe:
        for cand in (ROOT / "target/release/aws-secrets-env", ROOT / "target/debug/aws-secrets-env"):
            if cand.is_file():
                exe = str(cand)
                break
    if not exe or not Path(exe).is_file():
        raise SystemExit("no aws-secrets-env binary: build one (cargo build --release) or pass --bin")
    contenders = [Contender("tool", "aws-secrets-env", "tool", exe)]
    notes = []
    if args.prev_bin:
        if Path(args.prev_bin).is_file():
            contenders.append(Contender("prev", "previous release", "tool", args.prev_bin))
        else:
            notes.append(f"previous release {args.prev_bin} not found: skipped")
    else:
        notes.append("no previous release given (--prev-bin / BENCH_PREV_BIN): skipped")
    pipeline = None
    if not args.no_pipeline:
        if not Path(args.aws_cli).is_file() and not shutil.which(args.aws_cli):
            notes.append(f"AWS CLI {args.aws_cli} not found (bench/run.sh installs it): seed pipeline skipped")
        elif not shutil.which("jq"):
            notes.append("jq not found (apt-get install jq): seed pipeline skipped")
        else:
            pipeline = Contender("pipeline", "seed: aws-cli v1 + jq", "pipeline", args.aws_cli)
            contenders.append(pipeline)

    def pipeline_runs(n: int) -> int:
        if n > args.pipeline_max_n:
            return 0
        if n >= 1000:
            return 1
        return min(args.runs, args.pipeline_runs_large) if n >= 100 else args.runs

    policy = f"{args.runs} runs for N < 100, {min(args.runs, args.pipeline_runs_large)} for 100 ≤ N < 1000, 1 for N ≥ 1000"
    policy += f", not run above N = {args.pipeline_max_n} (the ratio there is estimated from its per-secret time at the largest N it ran)"

    if args.wait_load is not None:
        deadline = time.monotonic() + 600
        while os.getloadavg()[0] >= args.wait_load and time.monotonic() < deadline:
            time.sleep(5)
        log(f"load average {os.getloadavg()[0]:.2f} (waited for < {args.wait_load:g})")

    work = Path(tempfile.mkdtemp(prefix="aws-secrets-env-bench."))
    svc = Services(work, args.rtt_ms)
    try:
        bench = Bench(args, work, svc)
        machine = machine_info()
        log(f"work dir {work}; moto {svc.moto_url}; proxy {svc.proxy_url} (RTT {args.rtt_ms:g} ms)")
        log(f"creating {total} secrets")
        created_s = bench.create_secrets(total)
        log(f"created {total} secrets in {created_s:.1f} s")
        for c in contenders:
            if c.kind == "tool":
                c.wildcard = not args.no_wildcard and bench.probe_wildcard(c, total)
        calibration = bench.calibrate(total)
        if pipeline:
            # warm the page cache for the AWS CLI's Python files
            run_measured(pipeline.command(1, work / "warm.env", False)[0], bench.env(svc.moto_url), 600, work / "warm.err")

        rows = []
        # plain loopback, N=1: no proxy
        for c in contenders:
            runs = args.loopback_runs if c.kind == "tool" else args.runs
            rows.append(bench.measure(c, 1, runs, svc.moto_url, "loopback", False))
        proxied = f"proxy {args.rtt_ms:g} ms"
        for n in ns:
            plan = [(c, pipeline_runs(n) if c.kind == "pipeline" else args.runs) for c in contenders]
            for c, runs in plan:
                if runs == 0:
                    continue
                use_wild = c.kind == "tool" and c.wildcard and n == total and n >= 1000
                if use_wild and args.ids_too:
                    rows.append(bench.measure(c, n, runs, svc.proxy_url, proxied, False))
                rows.append(bench.measure(c, n, runs, svc.proxy_url, proxied, use_wild))
        add_ratios(rows)
        machine["loadavg_end"] = os.getloadavg()
        result = {
            "args": vars(args) | {"ns": ns},
            "machine": machine,
            "binary": binary_info(exe, args.bin_build),
            "prev_binary": binary_info(args.prev_bin) if args.prev_bin and Path(args.prev_bin).is_file() else None,
            "wildcard": contenders[0].wildcard,
            "pipeline_policy": policy if pipeline else "not run",
            "secrets_created": total,
            "secrets_create_s": round(created_s, 2),
            "calibration": calibration,
            "rows": rows,
            "notes": notes,
            "versions": versions(args.aws_cli),
        }
        if total >= 1000 and not contenders[0].wildcard:
            notes.append(f"N = {total} passes {total} --secret-id flags: this binary has no `PREFIX*` wildcard")
        result["targets"] = check_targets(result)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2) if args.json else markdown(result))
        return 1 if any(r["error"] for r in rows) else 0
    finally:
        svc.close()
        shutil.rmtree(work, ignore_errors=True)


def versions(aws_cli: str) -> dict:
    out = {}
    for name, cmd in {"aws": [aws_cli, "--version"], "jq": ["jq", "--version"]}.items():
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            out[name] = (p.stdout or p.stderr).strip()
        except (OSError, subprocess.TimeoutExpired):
            out[name] = None
    try:
        import importlib.metadata as md

        out["moto"] = md.version("moto")
        out["boto3"] = md.version("boto3")
    except Exception:  # noqa: BLE001 - informational only
        pass
    return out


if __name__ == "__main__":
    sys.exit(main())
