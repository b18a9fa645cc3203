// Blanks every variable main.js saved: `NAME=` in $GITHUB_ENV, which the
// runner applies to the post steps that follow (the toolkit cannot unset).
'use strict';
const fs = require('fs');
const valid = /^[A-Za-z_][A-Za-z0-9_]*$/;
const names = (process.env.STATE_names || '').split(',').filter((n) => valid.test(n));
if (names.length > 0) {
  fs.appendFileSync(process.env.GITHUB_ENV, names.map((n) => `${n}=\n`).join(''));
}
console.log(`aws-secrets-env: blanked ${names.length} variable(s): ${names.join(', ')}`);
