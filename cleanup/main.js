// Saves the names for the post step (GITHUB_STATE is private to this
// action). No dependencies: nothing to bundle or audit beyond these lines.
'use strict';
const fs = require('fs');
const valid = /^[A-Za-z_][A-Za-z0-9_]*$/;
const names = (process.env.INPUT_NAMES || '').split(',').filter((n) => valid.test(n));
if (process.env.GITHUB_STATE) {
  fs.appendFileSync(process.env.GITHUB_STATE, `names=${names.join(',')}\n`);
}
console.log(`aws-secrets-env: ${names.length} variable(s) to blank at the end of the job`);
