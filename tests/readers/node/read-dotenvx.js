#!/usr/bin/env node
// Conformance reader: @dotenvx/dotenvx `parse` (version pinned in package.json / package-lock.json).
// Usage: node read-dotenvx.js FILE  -> prints {"KEY":"value",...} as JSON on stdout.
// Calls dotenvx.parse(fs.readFileSync(FILE, 'utf8')) with default options, i.e. the way a user
// calls it: `$VAR`/`${VAR}` expansion reads this process's environment (process.env) and
// `$(cmd)` command substitution IS executed (see README.md). Works fully offline: parse() needs
// no network, key store or .env.keys unless a value is `encrypted:...`.
// The caller controls the environment the reader runs in; run it with a minimal env (env -i)
// if expansion results must be deterministic.
'use strict'
const fs = require('fs')

// dotenvx's logger prints some levels with console.log; keep stdout for the JSON only.
console.log = console.info = console.warn = console.debug = (...a) => console.error(...a)

if (process.argv.length !== 3) {
  process.stderr.write('usage: read-dotenvx.js FILE\n')
  process.exit(2)
}
let src
try {
  src = fs.readFileSync(process.argv[2], 'utf8')
} catch (e) {
  process.stderr.write(`reader: cannot read ${process.argv[2]}: ${e.message}\n`)
  process.exit(2)
}
let parsed
try {
  // Copy process.env so that parse() cannot mutate this process's real environment.
  parsed = require('@dotenvx/dotenvx').parse(src, { processEnv: Object.assign({}, process.env) })
} catch (e) {
  process.stderr.write(`dotenvx: ${e && e.message ? e.message : e}\n`)
  process.exit(1)
}
process.stdout.write(JSON.stringify(parsed) + '\n')
