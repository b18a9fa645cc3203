// The action's main step (action.yml, `runs.main`): checks the inputs, installs
// the binary and writes the env file by running the bash scripts beside this
// file, as the three steps of the former composite did. No dependencies and
// nothing outside this action's own tree: every line that runs comes from the
// ref the workflow pinned (no nested `uses:`; docs/action.md, "How it runs").
//
// An earlier step can set any variable for this one through $GITHUB_ENV, so:
// - inputs come from INPUT_* only, which the runner (and act) always sets for
//   every input this action declares, over anything planted; every input
//   has a default for that reason;
// - each script gets a fresh environment: no AWS_SECRETS_ENV_*, INPUT_*,
//   BASH_FUNC_*, BASH_ENV, ENV, SHELLOPTS, BASHOPTS, CDPATH, GLOBIGNORE or
//   TMOUT from outside, then the inputs as AWS_SECRETS_ENV_* (the scripts'
//   documented interface), and runs under `bash -p`, which ignores those too;
// - `binary` and `download-url` reach dist/install.sh as arguments only;
// - bash is looked up in absolute PATH entries only (never the workspace).
// The names this step exports are read back from the bytes it appended to
// $GITHUB_ENV and saved in the action state (private to this action), which
// dist/post.js blanks at the end of the job; no step output is trusted.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

// input name -> variable the scripts read (dist/run.sh's interface).
const INPUTS = [
  'secret-id',
  'secret-ids',
  'parse-json-secrets',
  'auto-select-family-attempt-timeout',
  'output',
  'mode',
  'format',
  'reader',
  'base',
  'example',
  'dry-run',
  'mask',
  'parse-json',
  'name-transformation',
  'export-env',
  'allow-outside-workspace',
  'allow-names',
  'overwrite',
  'region',
  'version',
  'timeout',
  'connect-timeout',
  'max-attempts',
  'fallback-regions',
  'role-to-assume',
  'role-session-name',
  'role-duration-seconds',
  'role-external-id',
];
const DROPPED = new Set(['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS', 'CDPATH', 'GLOBIGNORE', 'TMOUT']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function input(name) {
  // As @actions/core: INPUT_<NAME>, spaces to `_`, upper case, `-` kept.
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
}

function varOf(name) {
  return `AWS_SECRETS_ENV_${name.replace(/-/g, '_').toUpperCase()}`;
}

function saveState(names) {
  if (process.env.GITHUB_STATE) {
    fs.appendFileSync(process.env.GITHUB_STATE, `names=${names.join(',')}\n`);
  }
}

function baseEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AWS_SECRETS_ENV_') || k.startsWith('INPUT_') || k.startsWith('BASH_FUNC_')) continue;
    if (DROPPED.has(k)) continue;
    env[k] = v;
  }
  env.GITHUB_ACTION_PATH = root;
  return env;
}

function findBash() {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, `bash${ext}`);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function run(bash, script, args, env) {
  const r = spawnSync(bash, ['--noprofile', '--norc', '-p', path.join(root, 'dist', script), ...args], {
    env,
    stdio: 'inherit',
  });
  if (r.error) {
    console.log(`::error title=aws-secrets-env::cannot run dist/${script}: ${r.error.code || 'error'}`);
    return 1;
  }
  return r.status === null ? 1 : r.status;
}

// The binary's messages name its command-line flags; a user of the action
// knows its inputs. Every line of the write step is rewritten (`--reader x`
// to `reader: x`, `--format` to input `format`), except ::add-mask:: lines,
// which pass byte for byte. Lines are forwarded whole and in order, stream by
// stream; only when no value can be on either stream (see writeFiltered).
const FLAGS = [
  'allow-outside-workspace', 'name-transformation', 'connect-timeout', 'max-attempts', 'allow-names',
  'export-env', 'parse-json', 'secret-id', 'overwrite', 'dry-run', 'example', 'timeout', 'output',
  'format', 'reader', 'region', 'base', 'mask', 'mode',
].join('|');
const IN_CODE = new RegExp(`\`--(${FLAGS})(?:[ =]([^\`]+))?\``, 'g');
const CLAP = new RegExp(`'--(${FLAGS})(?: <[A-Z_]+>| \\[<[A-Z_]+>\\])?'`, 'g');
const BARE = new RegExp(`(^|[\\s(])--(${FLAGS})(?![\\w-])`, 'g');

function inputsNamed(line, official) {
  const input = (flag) => (flag === 'secret-id' && official ? 'secret-ids' : flag);
  return line
    .replace(IN_CODE, (_, f, v) => (v === undefined ? `input \`${input(f)}\`` : `\`${input(f)}: ${v}\``))
    .replace(CLAP, (_, f) => `input '${input(f)}'`)
    .replace(BARE, (_, pre, f) => `${pre}input \`${input(f)}\``);
}

// forward(stream, out, official): `stream`'s lines to `out`, rewritten.
function forward(stream, out, official) {
  let pending = Buffer.alloc(0);
  const emit = (buf) => {
    const text = buf.toString('latin1');
    if (text.startsWith('::add-mask::') || !text.includes('--')) {
      out.write(buf);
    } else {
      out.write(Buffer.from(inputsNamed(text, official), 'latin1'));
    }
  };
  stream.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let nl;
    while ((nl = pending.indexOf(10)) >= 0) {
      emit(pending.subarray(0, nl + 1));
      pending = pending.subarray(nl + 1);
    }
  });
  return new Promise((resolve) => {
    stream.on('end', () => {
      if (pending.length) emit(pending);
      resolve();
    });
  });
}

// writeFiltered(...): the write step with its messages rewritten. Only when
// `output` is a file the input check keeps inside the workspace: with `-`
// (or a path that could be standard output) values are on standard output
// and masks on standard error, whose order the runner must see unchanged.
async function writeFiltered(bash, env) {
  const output = input('output').trim();
  if (output === '-' || /^true$/i.test(input('allow-outside-workspace').trim())) {
    return run(bash, 'run.sh', [], env);
  }
  const official = input('secret-ids').trim() !== '';
  const child = spawn(bash, ['--noprofile', '--norc', '-p', path.join(root, 'dist', 'run.sh')], {
    env,
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  const pumped = Promise.all([forward(child.stdout, process.stdout, official), forward(child.stderr, process.stderr, official)]);
  const rc = await new Promise((resolve) => {
    child.on('error', (e) => {
      console.log(`::error title=aws-secrets-env::cannot run dist/run.sh: ${e.code || 'error'}`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code === null ? 1 : code));
  });
  await pumped;
  return rc;
}

// names(text): the variable names a $GITHUB_ENV file command text sets, read
// as the runner reads it (NAME=VALUE lines, NAME<<DELIMITER blocks).
function names(text) {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    let name;
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      name = line.slice(0, eq);
    } else if (heredoc >= 0) {
      name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      while (i + 1 < lines.length && lines[i + 1] !== delimiter) i++;
      i++;
    } else {
      continue;
    }
    if (NAME.test(name) && !found.includes(name)) found.push(name);
  }
  return found;
}

function size(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

async function main() {
  // First, so that a STATE_names planted through $GITHUB_ENV never reaches
  // the post step: the runner applies this action's state over the env.
  saveState([]);
  const bash = findBash();
  if (!bash) {
    console.log('::error title=aws-secrets-env::bash is not on PATH: this action runs bash scripts');
    return 1;
  }
  const clean = baseEnv();
  const inputs = {};
  for (const name of INPUTS) inputs[varOf(name)] = input(name);

  let rc = run(bash, 'run.sh', ['--check'], { ...clean, ...inputs });
  if (rc !== 0) return rc;

  const scratch = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'aws-secrets-env-'));
  let bin = '';
  try {
    const out = path.join(scratch, 'install-output');
    fs.writeFileSync(out, '', { mode: 0o600 });
    rc = run(bash, 'install.sh', ['--binary', input('binary'), '--download-url', input('download-url')], {
      ...clean,
      AWS_SECRETS_ENV_VERSION: input('version'),
      GITHUB_OUTPUT: out,
    });
    if (rc !== 0) return rc;
    for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
      if (line.startsWith('bin=')) bin = line.slice(4);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (!bin) {
    console.log('::error title=aws-secrets-env::the install step did not provide a binary');
    return 1;
  }

  const githubEnv = process.env.GITHUB_ENV;
  const before = githubEnv ? size(githubEnv) : 0;
  rc = await writeFiltered(bash, { ...clean, ...inputs, AWS_SECRETS_ENV_INSTALLED_BIN: bin });
  // Whatever this step appended to $GITHUB_ENV, failed or not, is blanked at
  // the end of the job (a failed write appends nothing; this is the net).
  if (githubEnv && size(githubEnv) > before) {
    const fd = fs.openSync(githubEnv, 'r');
    try {
      const buf = Buffer.alloc(size(githubEnv) - before);
      fs.readSync(fd, buf, 0, buf.length, before);
      const exported = names(buf.toString('utf8'));
      saveState(exported);
      console.log(`aws-secrets-env: ${exported.length} variable(s) to blank at the end of the job`);
    } finally {
      fs.closeSync(fd);
    }
  }
  return rc;
}

main().then(
  (rc) => {
    process.exitCode = rc;
  },
  (e) => {
    console.log(`::error title=aws-secrets-env::${String(e && e.message).split('\n')[0].replace(/::/g, ': :').replace(/##\[/g, '# #[')}`);
    process.exitCode = 1;
  },
);
