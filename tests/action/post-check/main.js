'use strict';
require('fs').appendFileSync(process.env.GITHUB_STATE, `names=${(process.env.INPUT_NAMES || '').split(/\s+/).filter(Boolean).join(',')}\n`);
