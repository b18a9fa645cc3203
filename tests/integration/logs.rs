//! What the tool prints under GitHub Actions: workflow commands never in the
//! data stream, and no outside text (JSON keys, ids) able to start one.

use crate::support::{Test, read_with_shell};
use std::collections::BTreeMap;
use std::process::Stdio;

const DB: &str = r#"{"password":"db-pass-one-1","user":"app-user-1"}"#;

/// Lines of `text` that start a workflow command other than the ones the tool
/// itself prints (masks, its `::error` annotations, its log group).
fn forged(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.trim_start().starts_with("::"))
        .filter(|l| {
            !l.starts_with("::add-mask::")
                && !l.starts_with("::error title=aws-secrets-env")
                && *l != "::group::aws-secrets-env"
                && *l != "::endgroup::"
        })
        .collect()
}

#[test]
fn piped_stdout_carries_only_the_data_and_masks_go_to_stderr() {
    let t = Test::new().secret("db", DB);
    let out = t
        .select("db")
        .args(["--format", "json", "--output", "-"])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .success();
    let expected: BTreeMap<String, String> =
        [("password", "db-pass-one-1"), ("user", "app-user-1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(out.json(), expected, "stdout is exactly the JSON document");
    assert!(
        out.stderr.contains("::add-mask::db-pass-one-1\n")
            && out.stderr.contains("::add-mask::app-user-1\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn redirected_stdout_file_is_sourced_without_printing_a_value() {
    let t = Test::new().secret("db", DB);
    let file = t.path("app.env");
    let t = t
        .select("db")
        .args(["--format", "shell", "--output", "-"])
        .env("GITHUB_ACTIONS", "true");
    let status = t
        .command()
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&file).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(status.status.success());
    let stderr = String::from_utf8(status.stderr).unwrap();
    assert!(stderr.contains("::add-mask::db-pass-one-1\n"), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        "export password='db-pass-one-1'\nexport user='app-user-1'\n"
    );
    let read = read_with_shell("bash", &file, &["password", "user"]);
    assert_eq!(read["password"], "db-pass-one-1");
}

#[test]
fn json_keys_cannot_forge_workflow_commands_on_any_stream() {
    let keys = [
        "LD_\n::warning title=INJECTED::pwned via json key\nx",
        "A\r::stop-commands::tok\n",
        "B\u{2028}::set-output name=x::y",
    ];
    for key in keys {
        let secret =
            serde_json::json!({ key: "value-for-forge-1", "OK": "ok-value-1" }).to_string();
        // Refused (a reserved LD_ name) or written: either way, nothing forged.
        for extra in [&[][..], &["--export-env"][..]] {
            let t = Test::new().secret("inj", &secret);
            let env_file = t.path("gh_env");
            std::fs::write(&env_file, "").unwrap();
            let out = t
                .select("inj")
                .args(extra.iter().copied())
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_ENV", env_file.to_str().unwrap())
                .run();
            assert_eq!(
                forged(&out.stdout),
                Vec::<&str>::new(),
                "stdout for {key:?}"
            );
            assert_eq!(
                forged(&out.stderr),
                Vec::<&str>::new(),
                "stderr for {key:?}"
            );
        }
    }
}

#[test]
fn summary_cells_escape_markdown_from_keys() {
    let key = "k`](https://attacker.example/login) [Re-run with debug: click here](https://attacker.example)";
    let secret = serde_json::json!({ key: "summary-value-1" }).to_string();
    let t = Test::new().secret("md", &secret);
    let summary = t.path("summary.md");
    std::fs::write(&summary, "").unwrap();
    let out = t
        .select("md")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .run()
        .success();
    let text = std::fs::read_to_string(out.test.path("summary.md")).unwrap();
    let row = text.lines().find(|l| l.contains("attacker")).unwrap();
    // Every Markdown-active character of the outside text is escaped.
    assert!(!row.contains("](") && !row.contains(" ["), "{row}");
    assert!(row.contains(r"\[Re\-run with debug: click here\]"), "{row}");
}
