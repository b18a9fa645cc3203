#!/usr/bin/env node
// Conformance reader: node `dotenv` (version pinned in package.json / package-lock.json).
// Usage: node read-dotenv.js FILE  -> prints {"KEY":"value",...} as JSON on stdout.
// Uses dotenv.parse(fs.readFileSync(FILE)), the default regex parser (no `fast:` option,
// no dotenv-expand). dotenv.parse never throws on bad lines: it skips them silently.
'use strict'
const fs = require('fs')

// Keep stdout clean: anything a library logs goes to stderr.
console.log = console.info = console.warn = console.debug = (...a) => console.error(...a)

if (process.argv.length !== 3) {
  process.stderr.write('usage: read-dotenv.js FILE\n')
  process.exit(2)
}
let src
try {
  src = fs.readFileSync(process.argv[2])
} catch (e) {
  process.stderr.write(`reader: cannot read ${process.argv[2]}: ${e.message}\n`)
  process.exit(2)
}
let parsed
try {
  parsed = require('dotenv').parse(src)
} catch (e) {
  process.stderr.write(`dotenv: ${e && e.message ? e.message : e}\n`)
  process.exit(1)
}
process.stdout.write(JSON.stringify(parsed) + '\n')
