//! A secret's JSON keys cannot take over later steps or a command: the deny
//! policy by family, the allow patterns, and existing variables kept.

use crate::support::Test;

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

#[test]
fn export_env_refuses_every_hijacking_name_and_exports_nothing() {
    let t = Test::new().secret("hj", &hijacking_secret());
    let env_file = t.path("gh_env");
    std::fs::write(&env_file, "").unwrap();
    let out = t
        .select("hj")
        .arg("--export-env")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .run()
        .failure()
        .no_file("app.env")
        .no_leak();
    for name in HIJACKERS {
        assert!(
            out.stderr
                .contains(&format!("variable `{name}` (from secret `")),
            "{name} not refused:\n{}",
            out.stderr
        );
    }
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
        .run()
        .failure()
        .no_file("ran");
    assert!(
        out.stderr
            .contains("variable `GIT_CONFIG_COUNT` (from secret `")
            && out
                .stderr
                .contains("is never set for the command: it is a git variable"),
        "{}",
        out.stderr
    );
}

#[test]
fn allow_names_limits_what_is_exported() {
    let t = Test::new().secret(
        "al",
        r#"{"DB_HOST":"allowed-host-1","OTHER":"other-value-1"}"#,
    );
    let env_file = t.path("gh_env");
    std::fs::write(&env_file, "").unwrap();
    let id = t.name("al");
    let out = t
        .select("al")
        .args(["--export-env", "--allow-names", "DB_*"])
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .run()
        .failure();
    assert!(
        out.stderr.contains(&format!(
            "variable `OTHER` (from secret `{id}` key `OTHER`) is not matched by --allow-names"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(out.test.path("gh_env")).unwrap(),
        ""
    );
    Test::new()
        .args([
            "--secret-id",
            &id,
            "--export-env",
            "--allow-names",
            "DB_*,OTHER",
        ])
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .run()
        .success();
}

#[test]
fn an_existing_variable_is_replaced_only_when_named() {
    let t = Test::new().secret("ex", r#"{"DB_HOST":"new-host-value"}"#);
    let env_file = t.path("gh_env");
    std::fs::write(&env_file, "").unwrap();
    let id = t.name("ex");
    let out = t
        .select("ex")
        .arg("--export-env")
        .env("GITHUB_ENV", env_file.to_str().unwrap())
        .env("DB_HOST", "from-the-workflow")
        .run()
        .failure();
    assert!(
        out.stderr.contains("variable `DB_HOST` (from secret `")
            && out
                .stderr
                .contains("is already set in this step's environment; name it in --overwrite"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&env_file).unwrap(), "");
    Test::new()
        .args(["--secret-id", &id, "--export-env", "--overwrite", "DB_HOST"])
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
