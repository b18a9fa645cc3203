//! The official action's documented and tested naming, case by case.

use super::*;
use crate::secret::SecretBytes;
use NameTransformation::{Lowercase, None as Keep, Uppercase};

fn lines(text: &str, t: NameTransformation) -> Result<Vec<Selector>, Error> {
    parse_lines(&[text.to_string()], t)
}

fn item(name: &str, text: &str) -> Item {
    Item {
        name: name.into(),
        value: Secret::new(text),
        binary: None,
    }
}

/// The variables of the single line `line`, given what AWS returned for it.
fn vars(line: &str, items: &[Item], json: bool, t: NameTransformation) -> Vec<(String, String)> {
    try_vars(line, items, json, t).unwrap()
}

fn try_vars(
    line: &str,
    items: &[Item],
    json: bool,
    t: NameTransformation,
) -> Result<Vec<(String, String)>, Error> {
    let selectors = lines(line, t).unwrap();
    assert_eq!(selectors.len(), 1);
    Ok(variables(&selectors[0], items, json, t)?
        .into_iter()
        .map(|v| (v.name, v.value.expose().to_string()))
        .collect())
}

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

#[test]
fn lines_aliases_and_prefixes() {
    let all = lines(
        "  exampleSecretName  \n\nSECRET_ALIAS_1, test/secret\n,secret2\nbeta*    # all of beta\n# a comment\nexampleSecretName\nA,b,c\n",
        Uppercase,
    )
    .unwrap();
    let got: Vec<(Option<&str>, &str, bool)> = all
        .iter()
        .map(|s| match &s.source {
            Source::Secret { id, prefix, .. } => (s.alias.as_deref(), id.as_str(), *prefix),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        got,
        [
            (None, "exampleSecretName", false),
            (Some("SECRET_ALIAS_1"), "test/secret", false),
            (Some(""), "secret2", false),
            (None, "beta", true),
            (Some("A"), "b", false),
        ]
    );
}

#[test]
fn refusals_as_the_official_action() {
    for (line, t) in [
        ("lower, app", Uppercase),
        ("UPPER, app", Lowercase),
        ("1A, app", Keep),
        ("A-B, app", Keep),
        ("be*", Uppercase),
        ("a*b", Uppercase),
        ("ALIAS, ", Uppercase),
        ("sp ace*", Uppercase),
    ] {
        let err = lines(line, t).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{line:?}: {err}");
    }
    assert!(lines("  \n# only\n", Uppercase).is_err());
    // `none` keeps any case of a valid name.
    assert!(lines("SampleSecret1_Alias, SampleSecret1", Keep).is_ok());
}

#[test]
fn names_of_the_readme_example_1() {
    let arn = "arn:aws:secretsmanager:us-east-2:123456789012:secret:test1-a1b2c3";
    let cases = [
        (
            "exampleSecretName",
            "exampleSecretName",
            "EXAMPLESECRETNAME",
        ),
        (arn, "test1", "TEST1"),
        ("0/test/secret", "0/test/secret", "_0_TEST_SECRET"),
        (
            "/prod/example/secret",
            "/prod/example/secret",
            "_PROD_EXAMPLE_SECRET",
        ),
        (
            "SECRET_ALIAS_1,test/secret",
            "test/secret",
            "SECRET_ALIAS_1",
        ),
        (",secret2", "secret2", "SECRET2"),
    ];
    for (line, name, want) in cases {
        assert_eq!(
            vars(line, &[item(name, "v")], false, Uppercase),
            p(&[(want, "v")]),
            "{line}"
        );
    }
    // Not an ARN by the official rule: named from the id as written.
    assert_eq!(
        vars(
            "arn:aws-cn:secretsmanager:r:1:secret:x",
            &[item("x", "v")],
            false,
            Uppercase
        )[0]
        .0,
        "ARN_AWS_CN_SECRETSMANAGER_R_1_SECRET_X"
    );
}

#[test]
fn json_is_one_variable_unless_parsed() {
    let text = r#"{"api_user":"user","api_key":"key","config":{"active":"true"}}"#;
    assert_eq!(
        vars(
            "test/secret",
            &[item("test/secret", text)],
            false,
            Uppercase
        ),
        p(&[("TEST_SECRET", text)])
    );
    assert_eq!(
        vars("test/secret", &[item("test/secret", text)], true, Uppercase),
        p(&[
            ("TEST_SECRET_API_USER", "user"),
            ("TEST_SECRET_API_KEY", "key"),
            ("TEST_SECRET_CONFIG_ACTIVE", "true"),
        ])
    );
    let text2 = r#"{"myusername":"alejandro_rosalez","mypassword":"EXAMPLE_PASSWORD"}"#;
    assert_eq!(
        vars(",secret2", &[item("secret2", text2)], true, Uppercase),
        p(&[
            ("MYUSERNAME", "alejandro_rosalez"),
            ("MYPASSWORD", "EXAMPLE_PASSWORD"),
        ])
    );
    // A blank alias on a plain value: named from the secret.
    assert_eq!(
        vars(",secret2", &[item("secret2", "plain")], true, Uppercase),
        p(&[("SECRET2", "plain")])
    );
    assert_eq!(
        vars(
            "DB, app",
            &[item("app", r#"{"user":"u"}"#)],
            true,
            Uppercase
        ),
        p(&[("DB_USER", "u")])
    );
}

#[test]
fn json_leaves_as_the_official_action_writes_them() {
    let text = r#"{"n":5432,"b":true,"z":null,"a":["x",1],"e":{},"s":"{\"in\":\"side\"}","1x":"d","":"empty","k-é😀":"w"}"#;
    assert_eq!(
        vars("app", &[item("app", text)], true, Keep),
        p(&[
            ("app_n", "5432"),
            ("app_b", "true"),
            ("app_z", "null"),
            ("app_a", r#"["x",1]"#),
            ("app_s_in", "side"),
            ("app_1x", "d"),
            ("app", "empty"),
            ("app_k____", "w"),
        ])
    );
    // A leading digit of a bare key (blank alias) is prefixed at the end.
    assert_eq!(
        vars(",app", &[item("app", r#"{"1x":"d"}"#)], true, Uppercase),
        p(&[("_1X", "d")])
    );
    // Arrays and scalars are not split.
    assert_eq!(
        vars("app", &[item("app", "[1]")], true, Uppercase),
        p(&[("APP", "[1]")])
    );
}

#[test]
fn transformations_of_the_integration_tests() {
    let items = [item("SampleSecret1", "v")];
    assert_eq!(
        vars("SampleSecret1", &items, true, Keep)[0].0,
        "SampleSecret1"
    );
    assert_eq!(
        vars("SampleSecret1", &items, true, Lowercase)[0].0,
        "samplesecret1"
    );
    assert_eq!(
        vars(
            "samplesecret1_alias, SampleSecret1",
            &items,
            true,
            Lowercase
        )[0]
        .0,
        "samplesecret1_alias"
    );
    let json = [item("JsonSecret", r#"{"api_user":"user"}"#)];
    assert_eq!(
        vars("JsonSecret", &json, true, Keep)[0].0,
        "JsonSecret_api_user"
    );
}

#[test]
fn wildcards_with_and_without_alias() {
    let items = [
        item("betaSecretName", "1"),
        item("beta/test", r#"{"k":"v"}"#),
    ];
    assert_eq!(
        vars("beta*", &items, true, Uppercase),
        p(&[("BETASECRETNAME", "1"), ("BETA_TEST_K", "v")])
    );
    // A blank alias is dropped for a wildcard.
    assert_eq!(
        vars(",beta*", &items, true, Uppercase),
        p(&[("BETASECRETNAME", "1"), ("BETA_TEST_K", "v")])
    );
    assert_eq!(
        vars("ONE, beta*", &items[..1], true, Uppercase),
        p(&[("ONE", "1")])
    );
    assert!(try_vars("ONE, beta*", &items, true, Uppercase).is_err());
}

#[test]
fn secret_binary_text_is_kept_other_bytes_refused() {
    let text = Item {
        name: "bin".into(),
        value: Secret::default(),
        binary: Some(SecretBytes::new("olá".as_bytes())),
    };
    assert_eq!(vars("bin", &[text], false, Uppercase), p(&[("BIN", "olá")]));
    let raw = Item {
        name: "bin".into(),
        value: Secret::default(),
        binary: Some(SecretBytes::new(vec![0xff, 0x00, 0x80])),
    };
    assert!(matches!(
        try_vars("bin", &[raw], false, Uppercase),
        Err(Error::Binary { .. })
    ));
}

#[test]
fn official_arns() {
    assert!(is_official_arn(
        "arn:aws:secretsmanager:us-east-2:123456789012:secret:test1-a1b2c3"
    ));
    assert!(is_official_arn(
        "arn:aws:secretsmanager:r:123456789012:secret:x"
    ));
    assert!(!is_official_arn("arn:aws:secretsmanager:r:12345:secret:x"));
    assert!(!is_official_arn(
        "arn:aws-us-gov:secretsmanager:r:123456789012:secret:x"
    ));
}

/// Red team L10: JSON behind a byte order mark or NBSP is split (the
/// official `JSON.parse` would keep it whole: docs/action.md row), and a
/// password starting with `{` stays whole, as in the official action.
#[test]
fn json_behind_a_bom_is_split_a_braced_password_kept() {
    for text in ["\u{feff}{\"k\":\"v\"}", "\u{a0}{\"k\":\"v\"}\u{a0}\n"] {
        assert_eq!(
            vars("app", &[item("app", text)], true, Uppercase),
            p(&[("APP_K", "v")])
        );
    }
    assert_eq!(
        vars("app", &[item("app", "{\"k\":1,}")], true, Uppercase),
        p(&[("APP", "{\"k\":1,}")])
    );
}
