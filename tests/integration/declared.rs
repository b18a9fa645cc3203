//! A secret chooses values, the repository chooses names (issue 21, H1 and
//! L2): what reaches later steps is only what the workflow declared — an
//! alias, `--allow-names`, the keys of `--example` or `--base` — whatever the
//! route (`--export-env`, `--format github-env`, an output that is
//! `$GITHUB_ENV`); the deny set stays behind it; the drop-in exports every
//! key through the deny set.

use crate::support::Test;
use std::fmt::Write as _;

/// The red team's secret: a key the workflow wants, and three it never
/// asked for that run code in, or break, every later `tar`, `make` and
/// `read` (report H1).
const H1_SECRET: &str = r#"{"DB_PASSWORD":"declared-db-pw-5521","TAR_OPTIONS":"--checkpoint=1 --checkpoint-action=exec=id","GNUMAKEFLAGS":"--eval=$(shell id>mk_pwned)","TMOUT":"0.0001"}"#;

const NOTICE_H1: &str = "aws-secrets-env: notice: 3 variables not exported because the workflow does not declare them: TAR_OPTIONS, GNUMAKEFLAGS, TMOUT; declare a name with an alias (`NAME,ID:KEY`), allow-names, or the example or base file\n";

const NOTHING_DECLARED: &str = "aws-secrets-env: error: nothing is declared for export: later steps get only the names the workflow declares, never the keys a secret adds; declare them with an alias in the selector (`DB_PASSWORD,prod/db:password`), --allow-names patterns (the action's `allow-names`, e.g. `DB_*,API_TOKEN`), or the keys of --example or --base (the action's `example` and `base`)\n";

/// The single heredoc block `$GITHUB_ENV` got for `name`, delimiter replaced.
fn blocks(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        match line.split_once("<<ghadelimiter_") {
            Some((name, delim)) => {
                let end = format!("ghadelimiter_{delim}");
                let value: Vec<&str> = lines.by_ref().take_while(|l| *l != end).collect();
                let _ = write!(out, "{name}<<D\n{}\nD\n", value.join("\n"));
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

#[test]
fn export_env_sets_only_declared_names_and_names_the_rest_in_a_notice() {
    let t = Test::new()
        .secret("h1", H1_SECRET)
        .with_file("gh_env", "PREVIOUS=kept\n");
    let env = t.path("gh_env");
    let out = t
        .select("h1")
        .args(["--export-env", "--allow-names", "DB_*"])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .stderr(format!(
            "{NOTICE_H1}aws-secrets-env: wrote 4 variables from 1 selector to [dir]/app.env (dotenv): DB_PASSWORD, TAR_OPTIONS, GNUMAKEFLAGS, TMOUT\n\
             aws-secrets-env: exported 1 of them to later steps through GITHUB_ENV: DB_PASSWORD\n"
        ))
        .run()
        .no_leak();
    assert_eq!(
        blocks(&out.file("gh_env")),
        "PREVIOUS=kept\nDB_PASSWORD<<D\ndeclared-db-pw-5521\nD\n"
    );
}

#[test]
fn export_with_nothing_declared_fails_before_any_aws_call() {
    for extra in [
        &["--export-env"][..],
        &["--format", "github-env"][..],
        &["--export-env", "--no-file"][..],
    ] {
        let t = Test::new().with_file("gh_env", "PREVIOUS=kept\n");
        let env = t.path("gh_env");
        t.args(["--secret-id", "prod/app"])
            .args(extra.iter().copied())
            .env("GITHUB_ENV", env.to_str().unwrap())
            .offline()
            .status(2)
            .stderr(NOTHING_DECLARED)
            .expect_file("gh_env", "PREVIOUS=kept\n")
            .expect_no_file("app.env")
            .run();
    }
}

#[test]
fn a_declared_name_of_the_deny_set_still_fails_the_step() {
    let t = Test::new()
        .secret("star", H1_SECRET)
        .with_file("gh_env", "");
    let env = t.path("gh_env");
    t.select("star")
        .args(["--export-env", "--allow-names", "*"])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `TAR_OPTIONS` (from secret `[test]-star` key `TAR_OPTIONS`) is never exported to later steps: it is a tar or compressor option variable, and tar and the compressors read it as command-line options, some of which run commands; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer sees it\n\
             aws-secrets-env: error: variable `GNUMAKEFLAGS` (from secret `[test]-star` key `GNUMAKEFLAGS`) is never exported to later steps: it is a compiler, make or configure variable, and compilers, make and configure run programs, read options or load files from it; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer sees it\n\
             aws-secrets-env: error: variable `TMOUT` (from secret `[test]-star` key `TMOUT`) is never exported to later steps: it is a shell variable, and every later shell would run code from it or parse commands differently; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer sees it\n",
        )
        .expect_file("gh_env", "")
        .expect_no_file("app.env")
        .run();
}

#[test]
fn aliases_and_the_keys_of_example_and_base_declare_names() {
    let t = Test::new()
        .secret(
            "decl",
            r#"{"DB_SOURCE":"postgres://u:declared-pw@db/bank","TOKEN_SYMMETRIC_KEY":"declared-token-key-32","EXTRA":"undeclared-extra-1"}"#,
        )
        .secret("tok", r#"{"token":"aliased-api-token-9"}"#)
        .with_file("app.env.example", "DB_SOURCE=\n")
        .with_file("base.env", "DB_DRIVER=postgres\nTOKEN_SYMMETRIC_KEY=dev\n")
        .with_file("gh_env", "");
    let env = t.path("gh_env");
    let out = t
        .select("decl")
        .select("API_TOKEN,tok:token")
        .args(["--export-env", "--example", "app.env.example"])
        .args(["--base", "base.env"])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .stderr(
            "aws-secrets-env: notice: 1 variable not exported because the workflow does not declare it: EXTRA; \
             declare a name with an alias (`NAME,ID:KEY`), allow-names, or the example or base file\n\
             aws-secrets-env: notice: 4 variables not listed in `app.env.example`: TOKEN_SYMMETRIC_KEY, EXTRA, \
             API_TOKEN, DB_DRIVER\n\
             aws-secrets-env: wrote 4 variables from 2 selectors to [dir]/app.env (dotenv): DB_SOURCE, \
             TOKEN_SYMMETRIC_KEY, EXTRA, API_TOKEN\n\
             aws-secrets-env: exported 3 of them to later steps through GITHUB_ENV: DB_SOURCE, \
             TOKEN_SYMMETRIC_KEY, API_TOKEN\n",
        )
        .run()
        .no_leak();
    assert_eq!(
        blocks(&out.file("gh_env")),
        "DB_SOURCE<<D\npostgres://u:declared-pw@db/bank\nD\n\
         TOKEN_SYMMETRIC_KEY<<D\ndeclared-token-key-32\nD\n\
         API_TOKEN<<D\naliased-api-token-9\nD\n"
    );
}

/// Report L2: `--format docker -o "$GITHUB_ENV"` skipped the deny set and
/// replaced the runner's file (`PREVIOUS=kept` was gone).
#[test]
fn an_output_that_is_github_env_is_an_export_appended_not_replaced() {
    let secret = r#"{"DB_PASSWORD":"l2-db-password-77","TAR_OPTIONS":"--checkpoint=1 --checkpoint-action=exec=id","GIT_CONFIG_COUNT":"1","GIT_CONFIG_KEY_0":"core.fsmonitor","GIT_CONFIG_VALUE_0":"id"}"#;
    // The report's command as it was: nothing declared, refused before AWS.
    let t = Test::new().with_file("gh_env", "PREVIOUS=kept\n");
    let env = t.path("gh_env").to_str().unwrap().to_string();
    t.args(["--secret-id", "rt/ge", "--format", "docker", "-o", &env])
        .env("GITHUB_ENV", &env)
        .offline()
        .status(2)
        .stderr(NOTHING_DECLARED)
        .expect_file("gh_env", "PREVIOUS=kept\n")
        .run();
    // Declared: only the declared name, appended in the runner's syntax.
    for output in ["(its path)", "./link/gh_env", "/dev/stdout"] {
        let t = Test::new()
            .secret("ge", secret)
            .with_file("gh_env", "PREVIOUS=kept\n")
            .symlink("link", ".");
        let env = t.path("gh_env").to_str().unwrap().to_string();
        let output = if output == "(its path)" { &env } else { output };
        let t = t
            .select("ge")
            .args(["--format", "docker", "-o", output, "--allow-names", "DB_*"])
            .env("GITHUB_ENV", &env);
        let mut cmd = t.command();
        let file = std::fs::OpenOptions::new().append(true).open(&env).unwrap();
        let run = cmd.stdout(file).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{output}: {stderr}");
        let text = std::fs::read_to_string(&env).unwrap();
        assert_eq!(
            blocks(&text),
            "PREVIOUS=kept\nDB_PASSWORD<<D\nl2-db-password-77\nD\n",
            "{output}"
        );
        assert_eq!(
            t.normalize(&stderr),
            "aws-secrets-env: notice: 4 variables not exported because the workflow does not declare them: \
             TAR_OPTIONS, GIT_CONFIG_COUNT, GIT_CONFIG_KEY_0, GIT_CONFIG_VALUE_0; declare a name with an alias \
             (`NAME,ID:KEY`), allow-names, or the example or base file\n\
             aws-secrets-env: wrote 5 variables from 1 selector to no file (docker): DB_PASSWORD, TAR_OPTIONS, \
             GIT_CONFIG_COUNT, GIT_CONFIG_KEY_0, GIT_CONFIG_VALUE_0\n\
             aws-secrets-env: exported 1 of them to later steps through GITHUB_ENV: DB_PASSWORD\n",
            "{output}"
        );
    }
}

/// `-o - >> "$GITHUB_ENV"`, the seed's `jq … >> $GITHUB_ENV` rewritten.
#[test]
fn standard_output_appended_to_github_env_is_an_export() {
    let t = Test::new()
        .secret("so", H1_SECRET)
        .with_file("gh_env", "PREVIOUS=kept\n");
    let env = t.path("gh_env").to_str().unwrap().to_string();
    let t = t
        .select("so")
        .args([
            "--format",
            "docker",
            "-o",
            "-",
            "--allow-names",
            "DB_PASSWORD",
        ])
        .env("GITHUB_ENV", &env);
    let mut cmd = t.command();
    let file = std::fs::OpenOptions::new().append(true).open(&env).unwrap();
    let run = cmd.stdout(file).output().unwrap();
    assert_eq!(
        t.normalize(&String::from_utf8_lossy(&run.stderr)),
        "aws-secrets-env: notice: 3 variables not exported because the workflow does not declare them: \
         TAR_OPTIONS, GNUMAKEFLAGS, TMOUT; declare a name with an alias (`NAME,ID:KEY`), allow-names, or the \
         example or base file\n\
         aws-secrets-env: wrote 4 variables from 1 selector to no file (docker): DB_PASSWORD, TAR_OPTIONS, \
         GNUMAKEFLAGS, TMOUT\n\
         aws-secrets-env: exported 1 of them to later steps through GITHUB_ENV: DB_PASSWORD\n"
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        blocks(&std::fs::read_to_string(&env).unwrap()),
        "PREVIOUS=kept\nDB_PASSWORD<<D\ndeclared-db-pw-5521\nD\n"
    );
}

#[test]
fn a_format_the_runner_cannot_read_is_refused_into_github_env() {
    let t = Test::new().with_file("gh_env", "PREVIOUS=kept\n");
    let env = t.path("gh_env").to_str().unwrap().to_string();
    t.args(["--secret-id", "DB,prod/db:pw", "-o", &env])
        .env("GITHUB_ENV", &env)
        .status(2)
        .stderr(
            "aws-secrets-env: error: the output is the runner's $GITHUB_ENV file, which reads only its own syntax, not `dotenv`: use --export-env (the action's `export-env`), or --format github-env\n",
        )
        .expect_file("gh_env", "PREVIOUS=kept\n")
        .run();
}

#[test]
fn the_runners_other_files_are_never_an_output() {
    for var in [
        "GITHUB_PATH",
        "GITHUB_OUTPUT",
        "GITHUB_STATE",
        "GITHUB_STEP_SUMMARY",
    ] {
        let t = Test::new().with_file("runner_file", "kept\n");
        let path = t.path("runner_file").to_str().unwrap().to_string();
        t.args(["--secret-id", "DB,prod/db:pw", "--format", "docker", "-o", &path])
            .env(var, &path)
            .status(2)
            .stderr(format!(
                "aws-secrets-env: error: the output is the runner's ${var} file, which is not for secrets: write to a file of your own\n"
            ))
            .expect_file("runner_file", "kept\n")
            .run();
    }
}

/// Report L11, the binary's side: unmasked values must not reach later steps.
#[test]
fn mask_never_with_an_export_is_refused() {
    for extra in [
        &["--export-env"][..],
        &["--format", "github-env"][..],
        &["--compat", "official", "--export-env", "--no-file"][..],
    ] {
        let t = Test::new().with_file("gh_env", "");
        let env = t.path("gh_env");
        t.args(["--secret-id", "DB,prod/db:pw", "--mask", "never"])
            .args(extra.iter().copied())
            .env("GITHUB_ENV", env.to_str().unwrap())
            .status(2)
            .stderr(
                "aws-secrets-env: error: --mask never with an export: every later step would get the values unmasked, and any of them that prints one would show it in the log; keep masking on (the action's `mask: true`)\n",
            )
            .expect_file("gh_env", "")
            .run();
    }
}

/// The drop-in exports every key (no declaration needed), through the
/// grown deny set: the report's `official-compat` job ran code in `tar`.
#[test]
fn the_drop_in_exports_every_key_through_the_deny_set() {
    let t = Test::new()
        .secret(
            "oc",
            r#"{"DB_PASSWORD":"dropin-db-pw-42","API_KEY":"dropin-api-key-42"}"#,
        )
        .with_file("gh_env", "");
    let env = t.path("gh_env");
    let id = t.name("oc");
    let out = t
        .args(["--secret-id", &format!(",{id}"), "--compat", "official"])
        .args([
            "--name-transformation",
            "uppercase",
            "--export-env",
            "--no-file",
        ])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .stderr(
            "aws-secrets-env: wrote 2 variables from 1 selector to no file (dotenv): DB_PASSWORD, API_KEY\n\
             aws-secrets-env: exported them to later steps through GITHUB_ENV\n",
        )
        .run()
        .no_leak();
    assert_eq!(
        blocks(&out.file("gh_env")),
        "DB_PASSWORD<<D\ndropin-db-pw-42\nD\nAPI_KEY<<D\ndropin-api-key-42\nD\n"
    );
    let t = Test::new().secret("tar", H1_SECRET).with_file("gh_env", "");
    let env = t.path("gh_env");
    let id = t.name("tar");
    t.args(["--secret-id", &format!(",{id}"), "--compat", "official"])
        .args([
            "--name-transformation",
            "uppercase",
            "--export-env",
            "--no-file",
        ])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `TAR_OPTIONS` (from secret `[test]-tar` key `TAR_OPTIONS`) is never \
             exported to later steps: it is a tar or compressor option variable, and tar and the compressors read it \
             as command-line options, some of which run commands; rename it with an alias (`ALIAS,ID`), or set it in \
             the workflow's `env:` where a reviewer sees it\n\
             aws-secrets-env: error: variable `GNUMAKEFLAGS` (from secret `[test]-tar` key `GNUMAKEFLAGS`) is never \
             exported to later steps: it is a compiler, make or configure variable, and compilers, make and configure \
             run programs, read options or load files from it; rename it with an alias (`ALIAS,ID`), or set it in the \
             workflow's `env:` where a reviewer sees it\n\
             aws-secrets-env: error: variable `TMOUT` (from secret `[test]-tar` key `TMOUT`) is never exported to \
             later steps: it is a shell variable, and every later shell would run code from it or parse commands \
             differently; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer \
             sees it\n",
        )
        .expect_file("gh_env", "")
        .run()
        .no_leak();
}

#[test]
fn exec_sets_only_allowed_names_and_still_refuses_the_deny_set() {
    let t = Test::exec().secret(
        "ex",
        r#"{"DB_HOST":"exec-db-host-1","OTHER":"exec-other-value-1"}"#,
    );
    t.select("ex")
        .args(["--allow-names", "DB_*", "--", "sh", "-c"])
        .arg("printf '%s|%s\\n' \"$DB_HOST\" \"${OTHER-unset}\"")
        .stdout("exec-db-host-1|unset\n")
        .stderr(
            "aws-secrets-env: notice: 1 variable not set for the command because it is not declared: OTHER; declare a name with an alias (`NAME,ID:KEY`) or --allow-names\n\
             aws-secrets-env: loaded 1 variable from 1 selector; starting `sh`\n",
        )
        .run();
    Test::exec()
        .secret("tx", H1_SECRET)
        .select("tx")
        .args(["--", "sh", "-c", "touch ran"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `TAR_OPTIONS` (from secret `[test]-tx` key `TAR_OPTIONS`) is never \
             set for the command: it is a tar or compressor option variable, and tar and the compressors read it as \
             command-line options, some of which run commands; rename it with an alias (`ALIAS,ID`), or set it in \
             the workflow's `env:` where a reviewer sees it\n\
             aws-secrets-env: error: variable `GNUMAKEFLAGS` (from secret `[test]-tx` key `GNUMAKEFLAGS`) is never \
             set for the command: it is a compiler, make or configure variable, and compilers, make and configure run \
             programs, read options or load files from it; rename it with an alias (`ALIAS,ID`), or set it in the \
             workflow's `env:` where a reviewer sees it\n\
             aws-secrets-env: error: variable `TMOUT` (from secret `[test]-tx` key `TMOUT`) is never set for the \
             command: it is a shell variable, and every later shell would run code from it or parse commands \
             differently; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer \
             sees it\n",
        )
        .expect_no_file("ran")
        .run();
}

/// The drop-in with `allow-names` (what docs/action.md recommends): only the
/// declared names, the rest named in a notice, the step green.
#[test]
fn the_drop_in_with_allow_names_exports_only_those() {
    let t = Test::new()
        .secret(
            "oa",
            r#"{"DB_PASSWORD":"dropin-allowed-pw-7","EXTRA":"dropin-extra-7"}"#,
        )
        .with_file("gh_env", "");
    let env = t.path("gh_env");
    let id = t.name("oa");
    let out = t
        .args(["--secret-id", &format!(",{id}"), "--compat", "official"])
        .args(["--name-transformation", "uppercase", "--export-env", "--no-file"])
        .args(["--allow-names", "DB_*"])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .stderr(
            "aws-secrets-env: notice: 1 variable not exported because the workflow does not declare it: EXTRA; declare a name with an alias (`NAME,ID:KEY`), allow-names, or the example or base file\n\
             aws-secrets-env: wrote 2 variables from 1 selector to no file (dotenv): DB_PASSWORD, EXTRA\n\
             aws-secrets-env: exported 1 of them to later steps through GITHUB_ENV: DB_PASSWORD\n",
        )
        .run()
        .no_leak();
    assert_eq!(
        blocks(&out.file("gh_env")),
        "DB_PASSWORD<<D\ndropin-allowed-pw-7\nD\n"
    );
}
