// The action's post step (action.yml, `runs.post`), run at the end of the
// job: blanks every variable the main step (dist/main.js) exported, as the
// official aws-secretsmanager-get-secrets post step does: `NAME=` in
// $GITHUB_ENV, which the runner applies to the post steps that follow (a
// step cannot unset). The names come from this action's own state, which
// dist/main.js saved from the bytes it appended to $GITHUB_ENV; never from a
// step output or an input, which others can set.
'use strict';
const fs = require('fs');

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const names = (process.env.STATE_names || '').split(',').filter((n) => NAME.test(n));
if (names.length > 0 && process.env.GITHUB_ENV) {
  fs.appendFileSync(process.env.GITHUB_ENV, names.map((n) => `${n}=\n`).join(''));
  console.log(`aws-secrets-env: blanked ${names.length} variable(s): ${names.join(', ')}`);
}
