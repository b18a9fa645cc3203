#!/usr/bin/env python3
"""Conformance reader: GitHub Actions `$GITHUB_ENV` file, as the Linux runner reads it.

Usage: github_env.py FILE -> {"NAME": "value", ...} on stdout; exit 1 with the runner's
message when the runner would fail the step.

This is an independent Python port (not a copy) of the parsing in actions/runner
src/Runner.Worker/FileCommandManager.cs: class `EnvFileKeyValuePairs` (shared by
$GITHUB_ENV / $GITHUB_OUTPUT / $GITHUB_STATE) plus the block list in `SetEnvFileCommand`.
Behaviour reproduced:
- The whole file is read as text (.NET File.ReadAllText: BOM detection for UTF-8/16/32,
  otherwise UTF-8; undecodable bytes become U+FFFD instead of failing).
- Lines are split on LF only (Linux/macOS runner; the Windows build also splits on CRLF,
  which is NOT modelled here). A CR before the LF stays part of the line/value.
- Empty lines are skipped. No trimming, no comments, no quotes, no escapes, no key syntax
  check: `# x=1` sets a variable named "# x".
- `NAME=VALUE` when a `=` occurs and comes before any `<<`: split at the first `=`.
- `NAME<<DELIM` when `<<` comes first: the value is every following line up to the first line
  exactly equal to DELIM, re-joined with the original LFs, without the final LF. Errors:
    "Invalid format '<line>'. Name must not be empty and delimiter must not be empty"
    "Invalid value. Matching delimiter not found '<DELIM>'"  (file ends right after an LF)
    "Invalid value. EOF marker missing new line."  (last value line has no LF and is not DELIM)
  The closing DELIM line itself may be the last line without a trailing LF.
- A line with neither `=` nor `<<`: "Invalid format '<line>'".
- Duplicate names: last wins.
- NODE_OPTIONS (any case) is refused ("Can't store NODE_OPTIONS output parameter using
  '$GITHUB_ENV' command."). The real runner records that as an error annotation and skips the
  variable; this reader exits 1 so a test sees the refusal.
- Empty NAME in `=value`: the runner's check tests the whole *line* for emptiness rather than
  the name (so upstream lets `=value` through and stores an empty-named variable); this reader
  treats it as an error, "Invalid format '<line>'. Name must not be empty", which is the
  documented intent of that check. (Our writer never emits an empty name.)
In the runner, variables from lines before an error are already applied when the step
fails; this reader only reports the error.
"""
import codecs
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

BLOCKED = ("NODE_OPTIONS",)


class RunnerError(Exception):
    pass


def decode_like_dotnet(data):
    """Mimic File.ReadAllText(path): BOM sniffing, UTF-8 default, lossy decoding."""
    boms = [
        (codecs.BOM_UTF32_LE, "utf-32-le"),  # must be tested before UTF-16 LE (same prefix)
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ]
    for bom, enc in boms:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    return data.decode("utf-8", errors="replace")


def next_line(text, pos):
    """Return (line, newline, new_pos); line is None at end of text.

    newline is "\\n" when the line was terminated by LF, None for a final unterminated line.
    """
    if pos >= len(text):
        return None, None, pos
    lf = text.find("\n", pos)
    if lf < 0:
        return text[pos:], None, len(text)
    return text[pos:lf], "\n", lf + 1


def parse(text):
    pairs = []
    pos = 0
    line, _, pos = next_line(text, pos)
    while line is not None:
        if line != "":
            eq = line.find("=")
            hd = line.find("<<")
            if eq >= 0 and (hd < 0 or eq < hd):
                name, value = line.split("=", 1)
                if name == "":
                    raise RunnerError("Invalid format '%s'. Name must not be empty" % line)
            elif hd >= 0 and (eq < 0 or hd < eq):
                name, delim = line.split("<<", 1)
                if name == "" or delim == "":
                    raise RunnerError(
                        "Invalid format '%s'. Name must not be empty and delimiter must not be empty" % line)
                start = end = pos
                cur, nl, pos = next_line(text, pos)
                while cur != delim:
                    if cur is None:
                        raise RunnerError("Invalid value. Matching delimiter not found '%s'" % delim)
                    if nl is None:
                        raise RunnerError("Invalid value. EOF marker missing new line.")
                    end = pos - len(nl)
                    cur, nl, pos = next_line(text, pos)
                value = text[start:end] if end > start else ""
            else:
                raise RunnerError("Invalid format '%s'" % line)
            pairs.append((name, value))
        line, _, pos = next_line(text, pos)
    return pairs


def main():
    path = _common.one_arg("github_env.py")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        _common.fail("reader: %s" % e, 2)
    try:
        pairs = parse(decode_like_dotnet(data))
    except RunnerError as e:
        _common.fail("github-runner: %s" % e, 1)
    env = {}
    for name, value in pairs:
        for blocked in BLOCKED:
            if name.casefold() == blocked.casefold():
                _common.fail("github-runner: Can't store %s output parameter using '$GITHUB_ENV' command." % blocked, 1)
        env[name] = value
    _common.emit(env)


if __name__ == "__main__":
    main()
