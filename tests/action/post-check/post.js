'use strict';
const names = (process.env.STATE_names || '').split(',').filter(Boolean);
const kept = (process.env.STATE_kept || '').split(',').filter(Boolean);
const left = names.filter((n) => process.env[n] !== '');
const lost = kept.filter((n) => !process.env[n]);
if (names.length === 0 || left.length > 0 || lost.length > 0) {
  console.log(`E2E-FAIL blanked: not blank at job end: ${left.join(', ')}; blanked but not ours: ${lost.join(', ')}`);
  process.exit(1);
}
console.log(`E2E-PASS blanked-${process.env.GITHUB_JOB}`);
