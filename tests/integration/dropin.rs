//! Drop-in for aws-actions/aws-secretsmanager-get-secrets (issue 22): the
//! values users really have — generated passwords, PEM keys, service-account
//! JSON — pass every mode that writes no file, and reach a later step exactly
//! as the runner hands them over.

use crate::passwords::Seeded;
use crate::support::{Test, python, vars};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n\
VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNb\n\
-----END PRIVATE KEY-----\n";

/// A service account key as Google issues it: JSON whose `private_key`
/// holds a PEM with its line breaks.
fn service_account() -> String {
    serde_json::json!({
        "type": "service_account",
        "project_id": "demo-project",
        "private_key_id": "0123456789abcdef",
        "private_key": PEM,
        "client_email": "app@demo-project.iam.gserviceaccount.com",
    })
    .to_string()
}

/// `$GITHUB_ENV` read as the Linux runner reads it (`tests/readers/github_env.py`),
/// then handed, as the runner does, to a later step: bash prints each name's
/// value as it sees it.
pub(crate) fn later_step(github_env: &Path) -> BTreeMap<String, String> {
    let reader = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers/github_env.py");
    let out = Command::new(python())
        .arg(reader)
        .arg(github_env)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the runner refuses $GITHUB_ENV: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runner: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&String> = runner.keys().collect();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-c"])
        .arg(r#"for n; do printf '%s\0' "${!n-__unset__}"; done"#)
        .arg("bash")
        .args(&names)
        .env_clear()
        .envs(&runner)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    names
        .into_iter()
        .cloned()
        .zip(text.split('\0').map(str::to_string))
        .collect()
}

/// The test's secrets: `pw` (300 generated passwords as JSON keys `P000`…),
/// `tls` (a PEM key) and `sa` (a service-account key).
fn secrets() -> (Test, Vec<String>) {
    let mut rng = Seeded::new(22);
    let passwords: Vec<String> = (0..300).map(|_| rng.password(32)).collect();
    let object: serde_json::Map<String, serde_json::Value> = passwords
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("P{i:03}"), p.clone().into()))
        .collect();
    let t = Test::new()
        .secret("pw", &serde_json::Value::Object(object).to_string())
        .secret("tls", PEM)
        .secret("sa", &service_account());
    (t, passwords)
}

/// What every no-file mode must deliver: name → exact value.
fn expected(passwords: &[String], names: [&str; 3]) -> BTreeMap<String, String> {
    let [pw, tls, sa] = names;
    let mut want: BTreeMap<String, String> = passwords
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("{pw}P{i:03}"), p.clone()))
        .collect();
    want.insert(tls.to_string(), PEM.to_string());
    let sa_json: BTreeMap<String, String> = serde_json::from_str(&service_account()).unwrap();
    for (k, v) in sa_json {
        want.insert(format!("{sa}{}", k.to_uppercase()), v);
    }
    want
}

/// The names of `expected(…, names)` in the order a run lists them: the
/// selectors' order, then each secret's keys in their JSON order.
fn listed(names: [&str; 3]) -> String {
    let [pw, tls, sa] = names;
    let mut listed: Vec<String> = (0..300).map(|i| format!("{pw}P{i:03}")).collect();
    listed.push(tls.to_string());
    for key in [
        "TYPE",
        "PROJECT_ID",
        "PRIVATE_KEY_ID",
        "PRIVATE_KEY",
        "CLIENT_EMAIL",
    ] {
        listed.push(format!("{sa}{key}"));
    }
    listed.join(", ")
}

/// A `--export-env --no-file` run (our `export-env: only`, the official
/// style's `secret-ids`): exit 0, no file, and the later step sees each value.
/// `names` are those of `want`, as `expected` was given them.
fn exported(t: Test, want: &BTreeMap<String, String>, names: [&str; 3]) {
    let env = t.path("github_env");
    std::fs::write(&env, "").unwrap();
    let out = t
        .args(["--export-env", "--no-file"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ENV", env.to_str().unwrap())
        // stdout: the masks, which `mask.rs`'s tests and `leaks.rs` cover.
        .stdout_read_after()
        .stderr(format!(
            "\n::group::aws-secrets-env\n\
             aws-secrets-env: wrote 306 variables from 3 selectors to no file (dotenv): {}\n\
             aws-secrets-env: exported them to later steps through GITHUB_ENV\n::endgroup::\n",
            listed(names)
        ))
        .expect_no_file("app.env")
        .run()
        .no_leak();
    let got = later_step(&out.test.path("github_env"));
    let refused: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    assert!(refused.is_empty(), "not exported: {refused:?}");
    assert!(
        got == *want,
        "a later step read other values than the secrets"
    );
}

/// Issue 22 D1 / red team L9: with no file written, no dotenv reader's
/// refusals apply: 0 of 300 generated passwords, the PEM key and the
/// service-account key refused, in our style's `export-env: only`.
#[test]
fn export_only_carries_every_generated_password_and_key() {
    let (t, passwords) = secrets();
    let (pw, tls, sa) = (t.name("pw"), t.name("tls"), t.name("sa"));
    let t = t.args([
        "--secret-id",
        &pw,
        "--secret-id",
        &format!("TLS_KEY,{tls}"),
        "--secret-id",
        &format!("SA,{sa}"),
        "--name-transformation",
        "uppercase",
        // Our style exports declared names only: here, all of them.
        "--allow-names",
        "*",
    ]);
    // Our style: a JSON secret's keys, an alias prefixing them with `_`.
    let names = ["", "TLS_KEY", "SA_"];
    exported(t, &expected(&passwords, names), names);
}

/// The same values in the official style (`secret-ids` without `output`), as
/// dist/run.sh runs it: `--compat official`, format dotenv left at its default.
#[test]
fn official_secret_ids_carry_every_generated_password_and_key() {
    let (t, passwords) = secrets();
    let lines = format!(
        "PW,{}\nTLS_KEY,{}\nGCP_SA,{}\n",
        t.name("pw"),
        t.name("tls"),
        t.name("sa")
    );
    let t = t
        .env("AWS_SECRETS_ENV_SECRET_ID", lines)
        .env("AWS_SECRETS_ENV_COMPAT", "official")
        .env("AWS_SECRETS_ENV_PARSE_JSON", "auto")
        .env("AWS_SECRETS_ENV_NAME_TRANSFORMATION", "uppercase")
        .env("AWS_SECRETS_ENV_FORMAT", "dotenv");
    let names = ["PW_", "TLS_KEY", "GCP_SA_"];
    exported(t, &expected(&passwords, names), names);
}

/// `exec` writes no file either: the command gets every value exactly.
#[test]
fn exec_carries_every_generated_password_and_key() {
    let (t, passwords) = secrets();
    let want = expected(&passwords, ["", "TLS_KEY", "SA_"]);
    let (pw, tls, sa) = (t.name("pw"), t.name("tls"), t.name("sa"));
    let names: Vec<&String> = want.keys().collect();
    let mut t = Test::exec().args([
        "--secret-id",
        &pw,
        "--secret-id",
        &format!("TLS_KEY,{tls}"),
        "--secret-id",
        &format!("SA,{sa}"),
        "--name-transformation",
        "uppercase",
        "--",
        "bash",
        "--noprofile",
        "--norc",
        "-c",
        r#"for n; do printf '%s\0' "${!n-__unset__}"; done"#,
        "bash",
    ]);
    for n in &names {
        t = t.arg(n.as_str());
    }
    let out = t
        .stdout_read_after()
        .stderr("aws-secrets-env: loaded 306 variables from 3 selectors; starting `bash`\n")
        .run();
    let got: BTreeMap<String, String> = names
        .into_iter()
        .cloned()
        .zip(out.stdout.split('\0').map(str::to_string))
        .collect();
    assert!(got == want, "the command saw other values than the secrets");
}

/// `--dry-run` of a no-file run plans what the run would do: a value only a
/// dotenv file could not carry is not refused there either.
#[test]
fn dry_run_of_a_no_file_run_plans_every_variable() {
    let t = Test::new().secret("tls", PEM);
    let env = t.path("github_env");
    std::fs::write(&env, "").unwrap();
    let tls = t.name("tls");
    t.args(["--secret-id", &format!("TLS_KEY,{tls}")])
        .args(["--export-env", "--no-file", "--dry-run"])
        .env("GITHUB_ENV", env.to_str().unwrap())
        .stdout(
            "aws-secrets-env: plan for no file (github-env); dry run, nothing written:\n  \
             added      TLS_KEY   secret `[test]-tls`\n",
        )
        .expect_file("github_env", "")
        .run();
}

/// Issue 22 / red team L8: `--compat official` keeps each number's text, as
/// our own style does — at the top, nested, in arrays and in a string that
/// holds JSON (split again).
#[test]
fn official_numbers_keep_their_text() {
    let secret = r#"{"P":1.10,"BIG":12345678901234567890123,"E":1e3,"NEG0":-0,"ARR":[1.50, 2E2, {"a": 1.0}],"OBJ":{"N":-1.250E-3,"M":{"K":0.5e1}},"INNER":"{\"X\": 1.0}","T":true,"NUL":null,"S":"1.10"}"#;
    let t = Test::new().secret("nums", secret);
    let id = t.name("nums");
    let out = t
        .args(["--secret-id", &format!("N,{id}"), "--compat", "official"])
        .args(["--name-transformation", "uppercase"])
        .args(["--format", "json", "--output", "-"])
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: wrote 11 variables from 1 selector to standard output (json): N_P, N_BIG, \
             N_E, N_NEG0, N_ARR, N_OBJ_N, N_OBJ_M_K, N_INNER_X, N_T, N_NUL, N_S\n",
        )
        .run();
    let want = vars(&[
        ("N_P", "1.10"),
        ("N_BIG", "12345678901234567890123"),
        ("N_E", "1e3"),
        ("N_NEG0", "-0"),
        ("N_ARR", "[1.50,2E2,{\"a\":1.0}]"),
        ("N_OBJ_N", "-1.250E-3"),
        ("N_OBJ_M_K", "0.5e1"),
        ("N_INNER_X", "1.0"),
        ("N_T", "true"),
        ("N_NUL", "null"),
        ("N_S", "1.10"),
    ]);
    assert_eq!(out.json(), want);
}

/// Issue 22 / red team L10: under `--parse-json auto`, a password that
/// starts with `{` is one variable, and JSON behind a byte order mark or an
/// NBSP gives its keys (never one variable holding the whole JSON).
#[test]
fn braced_passwords_are_text_and_json_behind_a_bom_is_json() {
    let t = Test::new()
        .secret("pw", "{'y!4HJQtk;$Ga]\"ey6sI$\"&/7'UXpPX")
        .secret(
            "bom",
            "\u{feff}{\"DB_PASSWORD\":\"bom-pw-123\",\"DB_USER\":\"app\"}",
        )
        .secret("nbsp", "\u{a0}{\"API_KEY\":\"nbsp-pw-123\"}");
    let (pw, bom, nbsp) = (t.name("pw"), t.name("bom"), t.name("nbsp"));
    let out = t
        .args(["--secret-id", &format!("PW,{pw}"), "--secret-id", &bom])
        .args(["--secret-id", &nbsp, "--format", "json", "--output", "-"])
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: wrote 4 variables from 3 selectors to standard output (json): PW, \
             DB_PASSWORD, DB_USER, API_KEY\n",
        )
        .run();
    let want = vars(&[
        ("PW", "{'y!4HJQtk;$Ga]\"ey6sI$\"&/7'UXpPX"),
        ("DB_PASSWORD", "bom-pw-123"),
        ("DB_USER", "app"),
        ("API_KEY", "nbsp-pw-123"),
    ]);
    assert_eq!(out.json(), want);
}

/// Issue 22 friction: the official style `DB, id` in our `--secret-id`
/// says what went wrong, not only "the secret id is empty".
#[test]
fn an_official_style_alias_with_a_space_is_explained() {
    Test::new()
        .args(["--secret-id", "DB, myapp/db"])
        .status(2)
        .stderr(
            "aws-secrets-env: error: invalid selector `DB,`: the secret id is empty: a space \
             after the comma splits `ALIAS, ID` in two; write `DB,ID` (no space), or give the \
             line to `secret-ids` (the official action's style)\n",
        )
        .run();
}

/// Issue 22 friction: no selector at all names the variable that can hold
/// them (`exec` in a container reads its environment).
#[test]
fn no_selector_names_the_environment_variable() {
    Test::exec()
        .args(["--", "true"])
        .status(2)
        .stderr(
            "error: the following required arguments were not provided:\n  \
             --secret-id <SELECTOR>\n\
             \n\
             Usage: aws-secrets-env exec --secret-id <SELECTOR> -- <COMMAND>...\n\
             \n\
             For more information, try '--help'.\n\
             aws-secrets-env: the selectors can also come from AWS_SECRETS_ENV_SECRET_ID \
             (one per line), e.g. in a container's environment\n",
        )
        .run();
}

/// Issue 22 friction: `ssm:/app/prod` (a path without its trailing `/`)
/// is looked up as one parameter; the message says how to load the path.
#[test]
fn a_path_without_its_slash_is_told_to_end_with_one() {
    let t = Test::new();
    crate::support::moto().put_parameter(&t.parameter("/app/prod/DB_HOST"), "db", "String");
    t.select("ssm:/app/prod")
        .status(1)
        .stderr(
            "aws-secrets-env: error: parameter `/[test]/app/prod` not found (ParameterNotFound): \
             check the name or path, the region (us-east-1) and the version or label; to load \
             every parameter under the path, end it with `/` (`ssm:/[test]/app/prod/`)\n",
        )
        .expect_no_file("app.env")
        .run();
}
