//! Fetching at scale, against moto: batches of more than 20 ids, duplicates,
//! missing ids among found ones, wildcards over several pages, optional
//! selectors, and SSM parameters (single, versions, labels, paths).

use crate::support::{Test, moto};
use std::collections::BTreeMap;

fn json_map(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).expect("JSON object of strings")
}

#[test]
fn more_than_twenty_ids_with_duplicates_arns_and_missing_ones() {
    let t = Test::new();
    let mut expected = BTreeMap::new();
    let mut selectors = Vec::new();
    for i in 0..45 {
        let name = t.name(&format!("batch/{i:02}"));
        let arn = moto().create(&name, &format!(r#"{{"K{i:02}":"v-{i:02}"}}"#));
        expected.insert(format!("K{i:02}"), format!("v-{i:02}"));
        // Every fifth by ARN, every seventh by partial ARN.
        selectors.push(match i {
            i if i % 5 == 0 => arn,
            i if i % 7 == 0 => arn.rsplit_once('-').unwrap().0.to_string(),
            _ => name,
        });
    }
    // The same secret twice, by name and by ARN, is fetched once and gives
    // its variables once (the key names would otherwise collide).
    let mut args = vec![
        "write".to_string(),
        "--format".into(),
        "json".into(),
        "-o".into(),
        "-".into(),
    ];
    for s in &selectors {
        args.extend(["--secret-id".to_string(), s.clone()]);
    }
    args.extend(["--secret-id".to_string(), selectors[3].clone()]);
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let out = Test::new()
        .args(args.iter().skip(1).cloned())
        .stdout_read_after()
        .stderr(format!(
            "aws-secrets-env: wrote 45 variables from 45 selectors to standard output (json): {}\n",
            names.join(", ")
        ))
        .run();
    assert_eq!(out.json(), expected);

    // Missing ids among found ones: each missing one is named, nothing written.
    let (m1, m2) = (t.name("batch/missing-1"), t.name("batch/missing-2"));
    let mut some: Vec<String> = selectors[..25].to_vec();
    some.insert(3, m1.clone());
    some.push(m2.clone());
    // (The run has its own name prefix: `t`'s names show in full.)
    Test::new()
        .arg("--secret-id")
        .arg(some.join("\n"))
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: secret `{m1}` not found (ResourceNotFoundException): check the name or ARN, the region (us-east-1) and the version stage or id\n\
             aws-secrets-env: error: secret `{m2}` not found (ResourceNotFoundException): check the name or ARN, the region (us-east-1) and the version stage or id\n"
        ))
        .expect_no_file("app.env")
        .run();
}

#[test]
fn wildcard_follows_every_page_and_prefixes_with_an_alias() {
    let t = Test::new();
    // More than one ListSecrets page (100) and many BatchGetSecretValue calls (20).
    for i in 0..127 {
        moto().create(
            &t.name(&format!("app/prod/s{i:03}")),
            &format!(r#"{{"P{i:03}":"x{i:03}"}}"#),
        );
    }
    moto().create(&t.name("app/prod/plain"), "plain-value");
    moto().create(&t.name("app/production-other"), r#"{"OTHER":"no"}"#);
    moto().create(&t.name("app/prodX"), r#"{"NOPE":"no"}"#);
    let plain_name = t.name("app/prod/plain").replace(['-', '/'], "_");
    // The variables in the order of their secrets' names: `plain` sorts first.
    let names: Vec<String> = std::iter::once(plain_name.clone())
        .chain((0..127).map(|i| format!("P{i:03}")))
        .collect();
    let out = Test::new()
        .args([
            "--secret-id",
            &format!("{}*", t.name("app/prod/")),
            "--format",
            "json",
            "-o",
            "-",
        ])
        .stdout_read_after()
        .stderr(format!(
            "aws-secrets-env: wrote 128 variables from 1 selector to standard output (json): {}\n",
            names.join(", ")
        ))
        .run();
    let got = out.json();
    assert_eq!(got.len(), 128, "{got:?}");
    assert_eq!(got["P000"], "x000");
    assert_eq!(got["P126"], "x126");
    assert_eq!(got[&plain_name], "plain-value");
    assert!(!got.contains_key("OTHER") && !got.contains_key("NOPE"));

    let out = Test::new()
        .args([
            "--secret-id",
            &format!("W,{}*", t.name("app/prod/s00")),
            "--format",
            "json",
            "-o",
            "-",
        ])
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: wrote 10 variables from 1 selector to standard output (json): \
             W_P000, W_P001, W_P002, W_P003, W_P004, W_P005, W_P006, W_P007, W_P008, W_P009\n",
        )
        .run();
    let got = out.json();
    let keys: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "W_P000", "W_P001", "W_P002", "W_P003", "W_P004", "W_P005", "W_P006", "W_P007",
            "W_P008", "W_P009"
        ]
    );
}

#[test]
fn wildcard_with_no_match_fails_unless_optional() {
    let t = Test::new().secret("present", r#"{"A":"1"}"#);
    let nothing = format!("{}*", t.name("nothing/"));
    t.args(["--secret-id", &nothing])
        .status(1)
        .stderr(
            "aws-secrets-env: error: selector `[test]-nothing/*` matched no secrets; \
             end it with `?` if finding nothing is fine\n",
        )
        .expect_no_file("app.env")
        .run();
    // A second test, with its own name prefix: the first one's shows in full.
    let t = Test::new().secret("present", r#"{"A":"1"}"#);
    t.select("present")
        .args(["--secret-id", &format!("{nothing}?")])
        .args(["--secret-id", "definitely-missing-secret-xyz?"])
        .stderr(format!(
            "aws-secrets-env: optional selector `{nothing}?` found nothing; skipped\n\
             aws-secrets-env: optional selector `definitely-missing-secret-xyz?` found nothing; skipped\n\
             aws-secrets-env: wrote 1 variable from 3 selectors to [dir]/app.env (dotenv): A\n"
        ))
        .expect_file("app.env", "A='1'\n")
        .run();
}

#[test]
fn optional_does_not_hide_other_errors() {
    let t = Test::new().secret("bin-holder", "x");
    moto().create_binary(&t.name("bin"), &[1, 2, 3]);
    let bin = t.name("bin");
    t.args(["--secret-id", &format!("{bin}?")])
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `[test]-bin` is stored as SecretBinary: \
             pass `--binary-base64` to write it as base64, or `--binary-dir DIR` to write it \
             to a file of its own (a JSON key cannot be selected from it)\n",
        )
        .expect_no_file("app.env")
        .run();
}

#[test]
fn ssm_path_recursive_over_several_pages_with_secure_strings() {
    let t = Test::new();
    let mut expected = BTreeMap::new();
    for i in 0..23 {
        let (rel, kind) = match i % 3 {
            0 => (format!("/app/homolog/K{i:02}"), "String"),
            1 => (format!("/app/homolog/db/K{i:02}"), "SecureString"),
            _ => (format!("/app/homolog/deep/er/K{i:02}"), "String"),
        };
        moto().put_parameter(&t.parameter(&rel), &format!("value {i} $x 'q'"), kind);
        let name = rel.trim_start_matches("/app/homolog/").replace('/', "_");
        expected.insert(name, format!("value {i} $x 'q'"));
    }
    moto().put_parameter(&t.parameter("/app/homolog/list"), "a,b,c", "StringList");
    expected.insert("list".into(), "a,b,c".into());
    moto().put_parameter(&t.parameter("/app/production/MSG"), "other env", "String");
    // The variables in the order of their parameters' names (those of
    // `expected`); the masks, with the blank line that opens them, go to
    // stderr since stdout is the data, and are checked below.
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let summary = format!(
        "\naws-secrets-env: wrote 24 variables from 1 selector to standard output (json): {}\n",
        names.join(", ")
    );
    let out = t
        .select("ssm:/app/homolog/")
        .args(["--format", "json", "-o", "-", "--mask", "always"])
        .stdout_read_after()
        .stderr_besides_masks(summary)
        .run();
    let body: String = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(json_map(&body), expected);
    // Every value is masked, SecureString ones included.
    for value in expected.values() {
        assert!(out.masks().contains(&value.as_str()), "{value} not masked");
    }
}

#[test]
fn ssm_single_parameters_versions_labels_and_aliases() {
    let t = Test::new();
    let msg = t.parameter("/app/homolog/MSG");
    moto().put_parameter(&msg, "hello v1", "String");
    let v2 = moto().put_parameter(&msg, "hello v2", "String");
    assert_eq!(v2, 2);
    moto().label_parameter(&msg, 1, "stable");
    moto().put_parameter(&t.parameter("/app/homolog/TOKEN"), "s3cure", "SecureString");
    let mut args = vec![
        format!("ssm:{msg}"),
        format!("V1,ssm:{msg}:1"),
        format!("STABLE,ssm:{msg}:stable"),
        format!("TOKEN_ALIAS,ssm:{}", t.parameter("/app/homolog/TOKEN")),
    ];
    // More than ten names: two GetParameters calls.
    for i in 0..12 {
        let name = t.parameter(&format!("/app/many/P{i:02}"));
        moto().put_parameter(&name, &format!("p{i}"), "String");
        args.push(format!("ssm:{name}"));
    }
    let out = Test::new()
        .arg("--secret-id")
        .arg(args.join("\n"))
        .args(["--format", "json", "-o", "-"])
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: wrote 16 variables from 16 selectors to standard output (json): \
             MSG, V1, STABLE, TOKEN_ALIAS, P00, P01, P02, P03, P04, P05, P06, P07, P08, P09, P10, P11\n",
        )
        .run();
    let got = out.json();
    assert_eq!(got["MSG"], "hello v2");
    assert_eq!(got["V1"], "hello v1");
    assert_eq!(got["STABLE"], "hello v1");
    assert_eq!(got["TOKEN_ALIAS"], "s3cure");
    assert_eq!(got["P11"], "p11");
    assert_eq!(got.len(), 16);
}

#[test]
fn ssm_missing_parameters_are_each_named_and_empty_paths_fail() {
    let t = Test::new();
    let there = t.parameter("/app/x/THERE");
    moto().put_parameter(&there, "yes", "String");
    let (gone1, gone2) = (t.parameter("/app/x/GONE1"), t.parameter("/app/x/GONE2"));
    // (Each run has its own name prefix: `t`'s names show in full.)
    Test::new()
        .args([
            "--secret-id",
            &format!("ssm:{there}\nssm:{gone1}\nssm:{gone2}"),
        ])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: parameter `{gone1}` not found (ParameterNotFound): check the name or path, \
             the region (us-east-1) and the version or label; to load every parameter under the path, \
             end it with `/` (`ssm:{gone1}/`)\n\
             aws-secrets-env: error: parameter `{gone2}` not found (ParameterNotFound): check the name or path, \
             the region (us-east-1) and the version or label; to load every parameter under the path, \
             end it with `/` (`ssm:{gone2}/`)\n"
        ))
        .expect_no_file("app.env")
        .run();
    let empty = t.parameter("/nothing/here/");
    Test::new()
        .args(["--secret-id", &format!("ssm:{empty}")])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: selector `ssm:{empty}` matched no parameters; \
             end it with `?` if finding nothing is fine\n"
        ))
        .expect_no_file("app.env")
        .run();
    Test::new()
        .args([
            "--secret-id",
            &format!("ssm:{empty}?"),
            "--secret-id",
            &format!("ssm:{there}"),
        ])
        .stderr(format!(
            "aws-secrets-env: optional selector `ssm:{empty}?` found nothing; skipped\n\
             aws-secrets-env: wrote 1 variable from 2 selectors to [dir]/app.env (dotenv): THERE\n"
        ))
        .run();
}

#[test]
fn secrets_and_parameters_in_one_run_and_their_collisions() {
    let t = Test::new().secret("cfg", r#"{"DB_PASSWORD":"from-secrets-manager"}"#);
    moto().put_parameter(
        &t.parameter("/app/homolog/MSG"),
        "from parameter store",
        "String",
    );
    moto().put_parameter(
        &t.parameter("/app/homolog/DB_PASSWORD"),
        "from ssm",
        "SecureString",
    );
    let cfg = t.name("cfg");
    let msg = t.parameter("/app/homolog/MSG");
    let out = Test::new()
        .args([
            "--secret-id",
            &cfg,
            "--secret-id",
            &format!("ssm:{msg}"),
            "--mask",
            "always",
        ])
        .args(["--output", "app.env"])
        // stdout: the masks, checked below.
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: wrote 2 variables from 2 selectors to [dir]/app.env (dotenv): DB_PASSWORD, MSG\n",
        )
        .expect_file(
            "app.env",
            "DB_PASSWORD='from-secrets-manager'\nMSG='from parameter store'\n",
        )
        .run();
    let plain = ["from parameter store", "from-secrets-manager"];
    assert_eq!(out.masks_of(&plain), plain);
    let path = t.parameter("/app/homolog/");
    Test::new()
        .args(["--secret-id", &cfg, "--secret-id", &format!("ssm:{path}")])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: variable `DB_PASSWORD` would come from both secret `{cfg}` key `DB_PASSWORD` \
             and parameter `{}`; rename one with an alias (`ALIAS,ID`)\n",
            t.parameter("/app/homolog/DB_PASSWORD")
        ))
        .expect_no_file("app.env")
        .run();
}
