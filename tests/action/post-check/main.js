'use strict';
const list = (v) => (v || '').split(/\s+/).filter(Boolean).join(',');
require('fs').appendFileSync(process.env.GITHUB_STATE, `names=${list(process.env.INPUT_NAMES)}\nkept=${list(process.env.INPUT_KEPT)}\n`);
