//! A secret's JSON keys cannot take over later steps or a command: only
//! declared names are exported, the deny policy by family stays behind that
//! (`--allow-names '*'` declares everything), and existing variables are
//! kept.

use crate::support::Test;
use std::fmt::Write as _;

/// Names the outside review exported through `--export-env` on 0.1.0.
const HIJACKERS: [&str; 10] = [
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_KEY_0",
    "GIT_CONFIG_VALUE_0",
    "CI",
    "AWS_ENDPOINT_URL",
    "HTTPS_PROXY",
    "JAVA_TOOL_OPTIONS",
    "PYTHONPATH",
    "RUSTC_WRAPPER",
    "AWS_SECRETS_ENV_BINARY",
];

fn hijacking_secret() -> String {
    let mut object = serde_json::Map::new();
    for name in HIJACKERS {
        object.insert(name.into(), format!("hijack-{name}").into());
    }
    object.insert("DB_HOST".into(), "db-host-value".into());
    serde_json::Value::Object(object).to_string()
}

/// Why each of [`HIJACKERS`] is refused: its family's words.
fn family(name: &str) -> &'static str {
    match name {
        n if n.starts_with("GIT_") => {
            "a git variable, and git runs commands and reads configuration from such variables"
        }
        "CI" => {
            "a CI and runner variable, and the runner, later actions and many tools read it to \
             decide how they run"
        }
        "AWS_ENDPOINT_URL" => {
            "an AWS SDK and CLI configuration variable, and later AWS calls would use other \
             credentials, endpoints, profiles or CA bundles"
        }
        "HTTPS_PROXY" => {
            "a proxy, CA bundle or TLS setting variable, and it sends later network traffic \
             through another host or changes which certificates are trusted"
        }
        "AWS_SECRETS_ENV_BINARY" => {
            "an aws-secrets-env's own settings variable, and a later run of aws-secrets-env or \
             its action would take its options from it"
        }
        _ => {
            "a language runtime or build tool variable, and the runtime or build tool loads \
             options, agents or packages from it"
        }
    }
}

/// The refusal of each of [`HIJACKERS`] from secret `[test]-hj`, in order,
/// each line `prefix` then the message; `never` says what is never done
/// ("exported to later steps", "set for the command").
fn refusals(prefix: &str, never: &str) -> String {
    let mut out = String::new();
    for name in HIJACKERS {
        let _ = writeln!(
            out,
            "{prefix}variable `{name}` (from secret `[test]-hj` key `{name}`) is never {never}: \
             it is {}; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` \
             where a reviewer sees it",
            family(name)
        );
    }
    out
}

#[test]
fn export_env_refuses_every_hijacking_name_and_exports_nothing() {
    let t = Test::new().secret("hj", &hijacking_secret());
    let env_file = t.path("gh_env");
    std::fs::write(&env_file, "").unwrap();
    let out = t
        .select("hj")
        .args(["--export-env", "--allow-names", "*"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .status(1)
        .stdout_read_after()
        .stderr(refusals(
            "aws-secrets-env: error: ",
            "exported to later steps",
        ))
        .run()
        .no_file("app.env")
        .no_leak();
    // After the masks, the same refusals as annotations.
    let mut annotations = String::new();
    for line in out.stdout.lines() {
        if !line.is_empty() && !line.starts_with("::add-mask::") {
            let _ = writeln!(annotations, "{}", out.test.normalize(line));
        }
    }
    assert_eq!(
        annotations,
        refusals(
            "::error title=aws-secrets-env%3A variable name::",
            "exported to later steps"
        )
    );
    assert_eq!(
        std::fs::read_to_string(out.test.path("gh_env")).unwrap(),
        ""
    );
}

#[test]
fn exec_refuses_them_too() {
    let t = Test::exec().secret("hj", &hijacking_secret());
    let out = t
        .select("hj")
        .args(["--", "sh", "-c", "touch ran"])
        .status(1)
        .stderr(refusals("aws-secrets-env: error: ", "set for the command"))
        .run()
        .no_file("ran");
    drop(out);
}

#[test]
fn allow_names_declares_what_is_exported_and_the_rest_is_named() {
    let t = Test::new()
        .secret(
            "al",
            r#"{"DB_HOST":"allowed-host-1","OTHER":"other-value-1"}"#,
        )
        .with_file("gh_env", "");
    let env_file = t.path("gh_env");
    let out = t
        .select("al")
        .args(["--export-env", "--no-file", "--allow-names", "DB_*"])
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .stderr(
            "aws-secrets-env: notice: 1 variable not exported because the workflow does not declare it: OTHER; declare a name with an alias (`NAME,ID:KEY`), allow-names, or the example or base file\n\
             aws-secrets-env: wrote 2 variables from 1 selector to no file (dotenv): DB_HOST, OTHER\n\
             aws-secrets-env: exported 1 of them to later steps through GITHUB_ENV: DB_HOST\n",
        )
        .run();
    let exported = out.file("gh_env");
    assert!(
        exported.starts_with("DB_HOST<<ghadelimiter_")
            && exported.contains("\nallowed-host-1\n")
            && !exported.contains("OTHER"),
        "{exported}"
    );
}

#[test]
fn an_existing_variable_is_replaced_only_when_named() {
    let t = Test::new().secret("ex", r#"{"DB_HOST":"new-host-value"}"#);
    let env_file = t.path("gh_env");
    std::fs::write(&env_file, "").unwrap();
    let id = t.name("ex");
    let out = t
        .select("ex")
        .args(["--export-env", "--allow-names", "DB_HOST"])
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .env("DB_HOST", "from-the-workflow")
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `DB_HOST` (from secret `[test]-ex` key `DB_HOST`) is \
             already set in this step's environment; name it in --overwrite (the action's \
             `overwrite` input) to replace it\n",
        )
        .run();
    assert_eq!(std::fs::read_to_string(&env_file).unwrap(), "");
    Test::new()
        .args(["--secret-id", &id, "--export-env", "--overwrite", "DB_HOST"])
        .args(["--allow-names", "DB_HOST"])
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .env("DB_HOST", "from-the-workflow")
        .run()
        .success();
    let exported = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        exported.starts_with("DB_HOST<<ghadelimiter_") && exported.contains("\nnew-host-value\n"),
        "{exported}"
    );
    drop(out);
}
