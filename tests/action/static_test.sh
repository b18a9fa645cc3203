#!/usr/bin/env bash
# Static checks of the action's own tree (action.yml and every file it runs):
#   - no `uses:` anywhere in action.yml: every line that runs when a workflow
#     writes `uses: aws-secrets-env/aws-secrets-env@<ref>` comes from <ref>
#     (a nested action of another ref, tag or repository is downloaded at job
#     set-up, breaks SHA-pinning policies and is not pinned by the caller);
#   - runs.using is node24 and its main/post scripts lie inside the action's
#     tree and load nothing but Node's own modules (no node_modules, no
#     download), run only the bash scripts beside them, never `uses:` text;
#   - every input has a default (so the runner always sets its INPUT_*, over
#     anything an earlier step planted through $GITHUB_ENV) and dist/main.js
#     passes exactly the inputs of action.yml on (binary and download-url as
#     arguments of dist/install.sh).
# Usage: bash tests/action/static_test.sh [ACTION-DIR]   (default: this tree)
# Needs: the project venv's python (PyYAML comes with moto). No network.
# Prints "N passed, M failed" last.
set -CeEuo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
python=${VENV:-$repo/.venv}/bin/python
[[ -x $python ]] || {
    echo "static_test: $python is missing: run scripts/setup.sh" >&2
    exit 1
}
action_dir=${1:-$repo}

"$python" - "$action_dir" <<'EOF'
import os, re, sys
import yaml

root = sys.argv[1]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}{': ' + detail if detail else ''}")


def uses_anywhere(node, where="action.yml"):
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "uses":
                found.append(f"{where}: uses: {v}")
            found += uses_anywhere(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += uses_anywhere(v, f"{where}[{i}]")
    return found


text = open(os.path.join(root, "action.yml"), encoding="utf-8").read()
action = yaml.safe_load(text)
runs = action.get("runs", {})
nested = uses_anywhere(runs, "runs")
nested += [f"action.yml line {n}: {l.strip()}" for n, l in enumerate(text.splitlines(), 1)
           if re.match(r"\s*-?\s*uses:", l) and not l.lstrip().startswith("#")
           and f"uses: {l.split('uses:', 1)[1].strip()}" not in " ".join(nested)]
check("action.yml has no nested `uses:` (every line runs from the caller's ref)", not nested, "; ".join(nested))
check("action.yml runs with node24 (main and post, no nested action)", runs.get("using") == "node24",
      f"runs.using is {runs.get('using')!r}")

builtin = {"fs", "os", "path", "child_process", "node:fs", "node:os", "node:path", "node:child_process"}
for stage in ("main", "post"):
    rel = runs.get(stage)
    if not rel:
        check(f"runs.{stage} is set", False)
        continue
    path = os.path.realpath(os.path.join(root, rel))
    inside = path.startswith(os.path.realpath(root) + os.sep) and os.path.isfile(path)
    check(f"runs.{stage} ({rel}) is a file inside the action", inside)
    if not inside:
        continue
    src = open(path, encoding="utf-8").read()
    mods = set(re.findall(r"""require\(\s*['"]([^'"]+)['"]\s*\)""", src))
    dynamic = re.findall(r"require\(\s*[^'\"\s]", src) + re.findall(r"\bimport\s*\(", src)
    check(f"{rel} loads only Node's own modules", mods <= builtin and not dynamic,
          f"modules {sorted(mods - builtin)}, dynamic loads {len(dynamic)}")
    scripts = set(re.findall(r"""run\(\s*bash,\s*['"]([^'"]+)['"]""", src))
    missing = [s for s in scripts if not os.path.isfile(os.path.join(root, "dist", s))]
    check(f"{rel} runs only scripts of the action's tree", not missing, f"missing {missing}")

inputs = action.get("inputs", {})
no_default = [n for n, spec in inputs.items() if "default" not in (spec or {})]
check("every input has a default (the runner sets every INPUT_*, over $GITHUB_ENV)", not no_default,
      f"no default: {no_default}")
main_js = os.path.join(root, runs.get("main") or "dist/main.js")
if os.path.isfile(main_js):
    src = open(main_js, encoding="utf-8").read()
    m = re.search(r"const INPUTS = \[(.*?)\];", src, re.S)
    listed = re.findall(r"'([a-z-]+)'", m.group(1)) if m else []
    want = [n for n in inputs if n not in ("binary", "download-url")]
    check("dist/main.js passes on exactly the inputs of action.yml", sorted(listed) == sorted(want),
          f"only in action.yml: {sorted(set(want) - set(listed))}, only in main.js: {sorted(set(listed) - set(want))}")
    check("binary and download-url reach dist/install.sh as arguments only",
          "input('binary')" in src and "input('download-url')" in src and "'--binary'" in src)

print()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
