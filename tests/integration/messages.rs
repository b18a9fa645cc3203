//! Messages that help: each names what failed and what to do, never a value.

use crate::support::Test;
use std::process::Stdio;

#[test]
fn a_missing_region_says_how_to_set_one() {
    let t = Test::new().secret("rg", "region-value-1");
    let t = t.select("rg");
    let out = t
        .command()
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        t.normalize(&stderr),
        "aws-secrets-env: error: no AWS region: set AWS_REGION, pass --region (the action's `region` \
         input), or select by full ARN\n"
    );
    assert!(!t.path("app.env").exists());
}

#[test]
fn a_json_key_typo_lists_the_keys_that_exist() {
    let t = Test::new().secret(
        "kt",
        r#"{"DB_SOURCE":"typo-value-1","TOKEN_KEY":"typo-value-2"}"#,
    );
    t.select("kt:DB_SORCE")
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `[test]-kt` has no JSON key `DB_SORCE`; its keys: `DB_SOURCE`, \
             `TOKEN_KEY`\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();
}

/// Issue 22 friction: two secrets under one wildcard giving the same name
/// cannot be told apart by an alias (it prefixes both alike); the message
/// says what can.
#[test]
fn a_collision_under_one_wildcard_says_what_separates_the_two() {
    Test::new()
        .secret("wc/a", r#"{"DB_HOST":"wc-value-1"}"#)
        .secret("wc/b", r#"{"DB_HOST":"wc-value-2"}"#)
        .select("wc/*")
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `DB_HOST` would come from both \
             secret `[test]-wc/a` key `DB_HOST` and secret `[test]-wc/b` key `DB_HOST`, \
             both under `[test]-wc/*`, whose alias would prefix both alike; narrow the \
             wildcard so it matches one of them, or select the two by name, each with \
             its own alias (`ALIAS,ID`)\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();
}
