//! `--base`, `--example` and `--dry-run` (issue 16): the seed's app.env filled
//! in place from `simple_bank`, every unreplaced byte kept, read back by
//! python-dotenv, viper and bash; keys appended; unparsable lines named by
//! number; the example contract; the plan's four states.

use crate::support::{ROOT, Test, read_with_python_dotenv, read_with_shell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The seed's secret, as in `write.rs`: a password with `"`, `$`, `#`, `;`.
const SIMPLE_BANK: &str = r#"{"DB_DRIVER":"postgres","DB_SOURCE":"postgresql://root:pa\"ss$w0rd#x;y@simple-bank.czutruo2pa5q.eu-west-1.rds.amazonaws.com:5432/simple_bank","SERVER_ADDRESS":"0.0.0.0:8080","ACCESS_TOKEN_DURATION":"15m","TOKEN_SYMMETRIC_KEY":"a3f1c9e07b2d4e6f8a1b3c5d7e9f0a2b"}"#;

/// The seed repository's app.env: comments, development defaults for the
/// five keys the secret holds, and one non-secret setting no secret provides.
const SEED_APP_ENV: &str = "\
# Development defaults. The deploy workflow replaces them with production
# values from AWS Secrets Manager (secret simple_bank).
DB_DRIVER=postgres
DB_SOURCE=postgresql://root:secret@localhost:5432/simple_bank?sslmode=disable

# Not a secret: where the migrations live in the image.
MIGRATION_URL=file://db/migration
SERVER_ADDRESS=0.0.0.0:8080
# 32 characters, for the token maker
TOKEN_SYMMETRIC_KEY=12345678901234567890123456789012
ACCESS_TOKEN_DURATION=15m
";

/// What the deploy step leaves: the five values replaced, every other byte kept.
const FILLED_APP_ENV: &str = "\
# Development defaults. The deploy workflow replaces them with production
# values from AWS Secrets Manager (secret simple_bank).
DB_DRIVER='postgres'
DB_SOURCE='postgresql://root:pa\"ss$w0rd#x;y@simple-bank.czutruo2pa5q.eu-west-1.rds.amazonaws.com:5432/simple_bank'

# Not a secret: where the migrations live in the image.
MIGRATION_URL=file://db/migration
SERVER_ADDRESS='0.0.0.0:8080'
# 32 characters, for the token maker
TOKEN_SYMMETRIC_KEY='a3f1c9e07b2d4e6f8a1b3c5d7e9f0a2b'
ACCESS_TOKEN_DURATION='15m'
";

fn production() -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = serde_json::from_str(SIMPLE_BANK).unwrap();
    map.insert("MIGRATION_URL".into(), "file://db/migration".into());
    map
}

/// Reads a dotenv file back with Go viper (`SetConfigType("env")`, as the
/// seed's application does); viper lowercases keys.
fn read_with_viper(file: &Path) -> BTreeMap<String, String> {
    let out = Command::new("bash")
        .arg(Path::new(ROOT).join("tests/readers/go_viper.sh"))
        .arg(file)
        .output()
        .expect("cannot run tests/readers/go_viper.sh");
    assert!(
        out.status.success(),
        "viper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("viper gave a map of strings")
}

#[test]
fn seed_app_env_is_filled_in_place_and_read_back_by_python_viper_and_bash() {
    let out = Test::new()
        .secret("simple_bank", SIMPLE_BANK)
        .with_file("app.env", SEED_APP_ENV)
        .select("simple_bank")
        .args(["--base", "app.env", "--output", "app.env"])
        .expect_file("app.env", FILLED_APP_ENV)
        .stderr(
            "aws-secrets-env: wrote 5 variables from 1 selector to [dir]/app.env (dotenv): \
             DB_DRIVER, DB_SOURCE, SERVER_ADDRESS, ACCESS_TOKEN_DURATION, TOKEN_SYMMETRIC_KEY\n",
        )
        .run()
        .no_leak();
    let path = out.test.path("app.env");
    let expected = production();
    assert_eq!(read_with_python_dotenv(&path), expected);
    let lower: BTreeMap<String, String> = expected
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    assert_eq!(read_with_viper(&path), lower);
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(read_with_shell("bash", &path, &names), expected);
}

#[test]
fn keys_the_base_lacks_are_appended_sorted_after_a_comment() {
    // No final newline in the base, `export` and quoting kept on the lines
    // no secret provides.
    Test::new()
        .secret(
            "app",
            r#"{"ZED":"z-value-1","API_KEY":"k-value-1","PORT":"8443"}"#,
        )
        .with_file(
            "template.env",
            "# shared settings\nexport LOG_LEVEL=\"debug\"\nPORT=8080",
        )
        .select("app")
        .args(["--base", "template.env", "--output", "out.env"])
        .expect_file(
            "template.env",
            "# shared settings\nexport LOG_LEVEL=\"debug\"\nPORT=8080",
        )
        .expect_file(
            "out.env",
            "# shared settings\nexport LOG_LEVEL=\"debug\"\nPORT='8443'\n\
             # Added by aws-secrets-env: keys the secrets provide that the base file lacks\n\
             API_KEY='k-value-1'\nZED='z-value-1'\n",
        )
        .stderr("aws-secrets-env: wrote 3 variables from 1 selector to [dir]/out.env (dotenv): ZED, API_KEY, PORT\n")
        .run()
        .no_leak();
}

#[test]
fn an_unparsable_base_line_is_named_by_number_never_by_content() {
    let base = "# ok\nGOOD=1\nthis line holds hunter2-password\n";
    Test::new()
        .offline()
        .with_file("app.env", base)
        .args(["--secret-id", "never-fetched", "--base", "app.env"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: cannot read `app.env` (--base) as dotenv: line 3 \
             is not `KEY=VALUE`, a comment or a blank line (the line is not shown)\n",
        )
        .expect_file("app.env", base)
        .run();
    // An unterminated quote is named by the line it opens on.
    Test::new()
        .offline()
        .with_file("app.env", "A='x\nB=2\n")
        .args(["--secret-id", "never-fetched", "--base", "app.env"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: cannot read `app.env` (--base) as dotenv: line 1 \
             opens a quote that is never closed (the line is not shown)\n",
        )
        .run();
}

#[test]
fn base_with_json_yaml_or_github_env_is_refused_clearly() {
    for format in ["json", "yaml", "github-env"] {
        Test::new()
            .with_file("app.env", "A=1\n")
            .args(["--secret-id", "x", "--base", "app.env", "--format", format])
            .status(2)
            .stderr(format!(
                "aws-secrets-env: error: --base works with the line formats (dotenv, shell, \
                 docker, systemd), not `{format}`: a {format} file cannot be kept byte for byte \
                 with only some values replaced\n"
            ))
            .run();
    }
}

#[test]
fn a_replaced_value_is_refused_like_any_other() {
    Test::new()
        .secret("app", r#"{"TOKEN":"it's a \\ trap $x"}"#)
        .with_file("app.env", "TOKEN=dev\n")
        .select("app")
        .args(["--base", "app.env"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: format `dotenv` cannot carry the value of `TOKEN` to reader \
             `python-dotenv`: it contains a single quote together with a backslash, which needs escapes \
             this reader does not read back exactly; use `--reader gotenv,viper,ruby-dotenv,bash,dash,systemd` \
             if only those read the file instead\n",
        )
        .expect_file("app.env", "TOKEN=dev\n")
        .run()
        .no_leak();
}

#[test]
fn shell_systemd_and_docker_bases_keep_their_lines() {
    let secret = r#"{"DB_PASSWORD":"s3cr3t 'quoted' \"x\""}"#;
    for (format, base, filled) in [
        (
            "shell",
            "# shell\nexport HOST='db.local' # the host\nDB_PASSWORD=\"dev\" # dev only\n",
            "# shell\nexport HOST='db.local' # the host\nDB_PASSWORD='s3cr3t '\\''quoted'\\'' \"x\"' # dev only\n",
        ),
        (
            "systemd",
            "# systemd comment\nHOST=db.local\nDB_PASSWORD='dev'\n",
            "# systemd comment\nHOST=db.local\nDB_PASSWORD=\"s3cr3t 'quoted' \\\"x\\\"\"\n",
        ),
        (
            "docker",
            "# docker\nHOST=db.local  \nDB_PASSWORD=dev\n",
            "# docker\nHOST=db.local  \nDB_PASSWORD=s3cr3t 'quoted' \"x\"\n",
        ),
    ] {
        let out = Test::new()
            .secret("db", secret)
            .with_file("app.env", base)
            .select("db")
            .args(["--base", "app.env", "--format", format])
            .expect_file("app.env", filled)
            .stderr(format!(
                "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env ({format}): DB_PASSWORD\n"
            ))
            .run()
            .no_leak();
        if format != "docker" {
            let got = read_with_shell("bash", &out.test.path("app.env"), &["DB_PASSWORD"]);
            assert_eq!(got["DB_PASSWORD"], "s3cr3t 'quoted' \"x\"", "{format}");
        }
    }
}

#[test]
fn a_missing_example_key_is_named_and_nothing_is_written() {
    Test::new()
        .secret("simple_bank", SIMPLE_BANK)
        .with_file("app.env", "MIGRATION_URL=file://db/migration\n")
        .with_file(
            ".env.example",
            "# what the app needs\nDB_SOURCE=\nMIGRATION_URL=\nREDIS_URL=redis://localhost\nSENTRY_DSN=\n",
        )
        .select("simple_bank")
        .args(["--base", "app.env", "--example", ".env.example"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: `REDIS_URL` is listed in `.env.example` (--example), \
             but no secret provides it and the base file lacks it\n\
             aws-secrets-env: error: `SENTRY_DSN` is listed in `.env.example` (--example), \
             but no secret provides it and the base file lacks it\n",
        )
        .expect_file("app.env", "MIGRATION_URL=file://db/migration\n")
        .run()
        .no_leak();
}

#[test]
fn an_example_met_by_secrets_and_base_passes_and_notes_unlisted_keys() {
    Test::new()
        .secret("simple_bank", SIMPLE_BANK)
        .with_file("app.env", SEED_APP_ENV)
        .with_file(
            ".env.example",
            "DB_DRIVER=\nDB_SOURCE=\nMIGRATION_URL=\nSERVER_ADDRESS=\nTOKEN_SYMMETRIC_KEY=\n",
        )
        .select("simple_bank")
        .args(["--base", "app.env", "--example", ".env.example"])
        .expect_file("app.env", FILLED_APP_ENV)
        .stderr(
            "aws-secrets-env: notice: 1 variable not listed in `.env.example`: ACCESS_TOKEN_DURATION\n\
             aws-secrets-env: wrote 5 variables from 1 selector to [dir]/app.env (dotenv): \
             DB_DRIVER, DB_SOURCE, SERVER_ADDRESS, ACCESS_TOKEN_DURATION, TOKEN_SYMMETRIC_KEY\n",
        )
        .run()
        .no_leak();
}

#[test]
fn dry_run_prints_the_plan_in_four_states_and_writes_nothing() {
    let current = "DB_DRIVER='postgres'\nDB_SOURCE='postgresql://dev'\nOLD_FLAG='1'\n";
    let t = Test::new()
        .secret(
            "app",
            r#"{"DB_DRIVER":"postgres","DB_SOURCE":"postgresql://prod-secret-value","NEW_KEY":"brand-new-value"}"#,
        )
        .with_file("app.env", current)
        .with_file("gh_env", "")
        .with_file("summary.md", "");
    let (env, summary) = (t.path("gh_env"), t.path("summary.md"));
    let out = t
        .select("app")
        .args([
            "--dry-run",
            "--compare-values",
            "--export-env",
            "--allow-names",
            "DB_*,NEW_KEY",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ENV", env.to_str().unwrap())
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .expect_file("app.env", current)
        .expect_file("gh_env", "")
        .stdout_contains("::add-mask::postgresql://prod-secret-value\n")
        .stdout_contains(
            "aws-secrets-env: plan for [dir]/app.env (dotenv); dry run, nothing written:\n\
             \x20 unchanged  DB_DRIVER   secret `[test]-app` key `DB_DRIVER`\n\
             \x20 changed    DB_SOURCE   secret `[test]-app` key `DB_SOURCE`\n\
             \x20 added      NEW_KEY     secret `[test]-app` key `NEW_KEY`\n\
             \x20 removed    OLD_FLAG    the current file only\n",
        )
        .run()
        .no_leak();
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("| `OLD_FLAG` | removed | the current file only |"),
        "{summary}"
    );
    assert!(
        summary.contains("| `DB_SOURCE` | changed | secret \\`"),
        "{summary}"
    );
    assert!(
        !summary.contains("prod-secret"),
        "the summary shows a value"
    );
    drop(out);
}

#[test]
fn dry_run_with_a_base_and_no_current_file_lists_sources_and_fails_like_the_write() {
    // No app.env yet: everything is added; base keys name the base.
    Test::new()
        .secret("app", r#"{"TOKEN":"token-value-1"}"#)
        .with_file("base.env", "# c\nHOST=localhost\nTOKEN=dev\n")
        .select("app")
        .args(["--base", "base.env", "--dry-run"])
        .stdout(
            "aws-secrets-env: plan for [dir]/app.env (dotenv); dry run, nothing written:\n\
             \x20 added      HOST    base `base.env`\n\
             \x20 added      TOKEN   secret `[test]-app` key `TOKEN`\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();
    // A pre-deploy check: the write's error and exit status, no plan.
    Test::new()
        .secret("app", r#"{"TOKEN":"token-value-1"}"#)
        .with_file(".env.example", "TOKEN=\nMISSING=\n")
        .select("app")
        .args(["--example", ".env.example", "--dry-run"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: `MISSING` is listed in `.env.example` (--example), \
             but no secret provides it\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();
}

// The files --base and --example name are read as carefully as the output is
// written: a committed symlink is not followed unless asked, a FIFO or device
// is not waited on or read without end, the size is capped, and under GitHub
// Actions the file lies in the workspace.

#[cfg(unix)]
#[test]
fn a_symlinked_base_or_example_is_refused_unless_followed() {
    for flag in ["--base", "--example"] {
        Test::new()
            .offline()
            .with_file("defaults.env", "HOST=localhost\n")
            .symlink("app.env", "defaults.env")
            .args(["--secret-id", "never-fetched", flag, "app.env"])
            .status(1)
            .stderr(format!(
                "aws-secrets-env: error: cannot read `app.env` ({flag}): it is a symlink \
                 (to `defaults.env`); refusing to read it. Remove the link, or pass \
                 --follow-symlinks to read the file it points to\n"
            ))
            .run();
    }
    Test::new()
        .secret("app", r#"{"TOKEN":"token-value-2"}"#)
        .with_file("defaults.env", "HOST=localhost\nTOKEN=dev\n")
        .symlink("base.env", "defaults.env")
        .select("app")
        .args(["--base", "base.env", "--follow-symlinks"])
        .expect_file("app.env", "HOST=localhost\nTOKEN='token-value-2'\n")
        .expect_file("defaults.env", "HOST=localhost\nTOKEN=dev\n")
        .stderr(
            "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): TOKEN\n",
        )
        .run()
        .no_leak();
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_as_base_fails_at_once() {
    use crate::support::{stderr_of, wait_or_kill};
    use std::time::Duration;
    for (file, what) in [("fifo", "a FIFO"), ("/dev/zero", "a character device")] {
        let t = Test::new().offline();
        if file == "fifo" {
            let made = Command::new("mkfifo").arg(t.path(file)).status().unwrap();
            assert!(made.success());
        }
        let mut child = t
            .command()
            .args(["--secret-id", "never-fetched", "--base", file])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_or_kill(&mut child, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("--base {file}: still running after 10 s"));
        assert_eq!(status.code(), Some(1), "--base {file}");
        assert_eq!(
            stderr_of(&mut child),
            format!(
                "aws-secrets-env: error: cannot read `{file}` (--base): it is {what}; \
                 --base and --example read a regular file\n"
            )
        );
    }
}

#[test]
fn a_base_larger_than_the_cap_is_refused() {
    // 5 MiB of valid lines: more than any env file, less than a risk to test.
    let line = format!("K={}\n", "v".repeat(1021));
    Test::new()
        .offline()
        .with_file("big.env", &line.repeat(5 * 1024))
        .args(["--secret-id", "never-fetched", "--base", "big.env"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: cannot read `big.env` (--base): it is larger than \
             4 MiB, more than an env file holds\n",
        )
        .run();
}

#[test]
fn under_actions_a_base_outside_the_workspace_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let base = outside.path().join("base.env");
    std::fs::write(&base, "HOST=localhost\n").unwrap();
    let real = std::fs::canonicalize(outside.path()).unwrap();
    let t = Test::new().offline();
    let workspace = t.path("");
    let message = format!(
        "cannot read `{}` (--base): its directory resolves to `{}`, outside the workspace \
         (`[dir]/`, `[dir]/`); read inside it, or pass --allow-outside-workspace",
        base.display(),
        real.display()
    );
    t.args([
        "--secret-id",
        "never-fetched",
        "--base",
        base.to_str().unwrap(),
    ])
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_WORKSPACE", workspace.to_str().unwrap())
    .env("RUNNER_TEMP", workspace.to_str().unwrap())
    .status(1)
    .stdout(format!(
        "\n::error title=aws-secrets-env%3A unreadable env file::{message}\n"
    ))
    .stderr(format!("aws-secrets-env: error: {message}\n"))
    .run();
}

#[cfg(unix)]
#[test]
fn dry_run_fails_as_the_write_would_on_a_symlinked_output() {
    Test::new()
        .secret("app", r#"{"TOKEN":"token-value-3"}"#)
        .with_file("elsewhere.env", "SAFE=1\n")
        .symlink("app.env", "elsewhere.env")
        .select("app")
        .arg("--dry-run")
        .status(1)
        .stderr(
            "aws-secrets-env: error: cannot write `app.env`: it is a symlink (to \
             `elsewhere.env`); refusing to write secrets through it. Remove the link, or \
             pass --follow-symlinks to write to the file it points to\n",
        )
        .expect_file("elsewhere.env", "SAFE=1\n")
        .run()
        .no_leak();
}

/// Issue 22 friction: the plan compares values, not their spelling. The
/// README's own example (the seed's committed app.env, unquoted, filled from
/// `simple_bank`): `DB_DRIVER=postgres` becomes `DB_DRIVER='postgres'`, the
/// same value, so it is unchanged. The README shows exactly this plan.
#[test]
fn dry_run_of_the_readmes_example_compares_values_not_their_quoting() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let states = |s: [&str; 6]| {
        let mut plan = String::from(
            "aws-secrets-env: plan for [dir]/app.env (dotenv); dry run, nothing written:\n",
        );
        for (state, (name, source)) in s.iter().zip([
            ("DB_DRIVER", "secret `[test]-simple_bank` key `DB_DRIVER`"),
            ("DB_SOURCE", "secret `[test]-simple_bank` key `DB_SOURCE`"),
            ("MIGRATION_URL", "base `app.env`"),
            (
                "SERVER_ADDRESS",
                "secret `[test]-simple_bank` key `SERVER_ADDRESS`",
            ),
            (
                "TOKEN_SYMMETRIC_KEY",
                "secret `[test]-simple_bank` key `TOKEN_SYMMETRIC_KEY`",
            ),
            (
                "ACCESS_TOKEN_DURATION",
                "secret `[test]-simple_bank` key `ACCESS_TOKEN_DURATION`",
            ),
        ]) {
            let _ = writeln!(plan, "  {state:<9}  {name:<21}   {source}");
        }
        plan
    };
    let kept = states(["kept"; 6]);
    let compared = states([
        "unchanged",
        "changed",
        "unchanged",
        "unchanged",
        "changed",
        "unchanged",
    ]);
    for (extra, plan) in [(None, &kept), (Some("--compare-values"), &compared)] {
        let mut t = Test::new()
            .secret("simple_bank", SIMPLE_BANK)
            .with_file("app.env", SEED_APP_ENV)
            .select("simple_bank")
            .args(["--base", "app.env", "--output", "app.env", "--dry-run"]);
        if let Some(extra) = extra {
            t = t.arg(extra);
        }
        t.stdout(plan.clone())
            .expect_file("app.env", SEED_APP_ENV)
            .run()
            .no_leak();
        // The README shows this plan, as a user in /work sees it.
        let shown: String = plan
            .replace("[dir]", "/work")
            .replace("[test]-", "")
            .lines()
            .flat_map(|line| ["  ", line, "\n"])
            .collect();
        assert!(
            readme.contains(&shown),
            "README.md does not show the plan the tool prints:\n{shown}"
        );
    }
    // Spelled otherwise (double quotes, `export`), the same values are
    // unchanged; a value that differs only in quoting is not "changed".
    Test::new()
        .secret("simple_bank", SIMPLE_BANK)
        .with_file(
            "app.env",
            "DB_DRIVER=\"postgres\"\nexport SERVER_ADDRESS=0.0.0.0:8080\nACCESS_TOKEN_DURATION='15m'\n\
             TOKEN_SYMMETRIC_KEY=\"a3f1c9e07b2d4e6f8a1b3c5d7e9f0a2b\"\n",
        )
        .select("simple_bank")
        .args(["--dry-run", "--compare-values"])
        .stdout(
            "aws-secrets-env: plan for [dir]/app.env (dotenv); dry run, nothing written:\n\
             \x20 unchanged  DB_DRIVER               secret `[test]-simple_bank` key `DB_DRIVER`\n\
             \x20 added      DB_SOURCE               secret `[test]-simple_bank` key `DB_SOURCE`\n\
             \x20 unchanged  SERVER_ADDRESS          secret `[test]-simple_bank` key `SERVER_ADDRESS`\n\
             \x20 unchanged  ACCESS_TOKEN_DURATION   secret `[test]-simple_bank` key `ACCESS_TOKEN_DURATION`\n\
             \x20 unchanged  TOKEN_SYMMETRIC_KEY     secret `[test]-simple_bank` key `TOKEN_SYMMETRIC_KEY`\n",
        )
        .run()
        .no_leak();
}
