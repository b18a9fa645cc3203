//! Flattening's unit tests: selectors, JSON shapes, names, exact numbers.
use super::*;

#[test]
fn exact_keeps_number_text_and_compacts_arrays() {
    let v = exact(
        r#"{"a":1.10,"b":[1E3, "x \" ,", {"c": -0}],"d":{"e":12345678901234567890123},"f":null}"#,
    )
    .unwrap();
    assert_eq!(
        v.to_string(),
        r#"{"a":"1.10","b":"[1E3,\"x \\\" ,\",{\"c\":-0}]","d":{"e":"12345678901234567890123"},"f":null}"#
    );
}

fn run(
    selector: &str,
    name: &str,
    text: &str,
    parse_json: ParseJson,
) -> Result<Vec<(String, String, String)>, Error> {
    let selector = Selector::parse(selector).unwrap();
    let items = [Item {
        name: name.into(),
        value: Secret::new(text),
        binary: None,
    }];
    let opts = Options {
        parse_json,
        transformation: NameTransformation::None,
        binary: BinaryMode::Refuse,
    };
    Ok(variables(&selector, &items, &opts)?
        .into_iter()
        .map(|v| (v.name, v.value.expose().to_string(), v.source))
        .collect())
}

fn pairs(v: Vec<(String, String, String)>) -> Vec<(String, String)> {
    v.into_iter().map(|(n, v, _)| (n, v)).collect()
}

fn p(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn nested_objects_and_leaf_types() {
    let text = r#"{"db":{"host":"h","port":5432,"tls":{"on":true}},"tags":["a",1],"none":null,"1x":"d","a-b":"e"}"#;
    let got = run("app", "app", text, ParseJson::Auto).unwrap();
    assert_eq!(
        pairs(got.clone()),
        p(&[
            ("db_host", "h"),
            ("db_port", "5432"),
            ("db_tls_on", "true"),
            ("tags", r#"["a",1]"#),
            ("none", ""),
            ("_1x", "d"),
            ("a_b", "e")
        ])
    );
    assert_eq!(got[2].2, "secret `app` key `db.tls.on`");
    assert_eq!(got[3].2, "secret `app` key `tags`");
}

#[test]
fn alias_prefixes_objects_and_names_plain_values() {
    let got = run("DB,app", "app", r#"{"user":"u"}"#, ParseJson::Auto).unwrap();
    assert_eq!(pairs(got), p(&[("DB_user", "u")]));
    let got = run("TOKEN,app/token", "app/token", "plain", ParseJson::Auto).unwrap();
    assert_eq!(pairs(got), p(&[("TOKEN", "plain")]));
    let got = run("app/token", "app/token", "plain", ParseJson::Auto).unwrap();
    assert_eq!(pairs(got), p(&[("app_token", "plain")]));
}

#[test]
fn selected_keys() {
    let text = r#"{"user":"u","db":{"host":"h","port":1},"a.b":"dotted"}"#;
    assert_eq!(
        pairs(run("app:user", "app", text, ParseJson::Auto).unwrap()),
        p(&[("user", "u")])
    );
    assert_eq!(
        pairs(run("U,app:user", "app", text, ParseJson::Auto).unwrap()),
        p(&[("U", "u")])
    );
    assert_eq!(
        pairs(run("app:db.host", "app", text, ParseJson::Auto).unwrap()),
        p(&[("db_host", "h")])
    );
    assert_eq!(
        pairs(run("app:a.b", "app", text, ParseJson::Auto).unwrap()),
        p(&[("a_b", "dotted")])
    );
    assert_eq!(
        pairs(run("X,app:db", "app", text, ParseJson::Auto).unwrap()),
        p(&[("X_host", "h"), ("X_port", "1")])
    );
    assert!(matches!(
        run("app:nope", "app", text, ParseJson::Auto),
        Err(Error::MissingKey { .. })
    ));
    assert!(matches!(
        run("app:user", "app", "plain", ParseJson::Auto),
        Err(Error::NotJsonObject { .. })
    ));
}

#[test]
fn parse_json_modes() {
    let text = r#"{"k":"v"}"#;
    assert_eq!(
        pairs(run("app", "app", text, ParseJson::Never).unwrap()),
        p(&[("app", text)])
    );
    assert_eq!(
        pairs(run("app", "app", "[1]", ParseJson::Auto).unwrap()),
        p(&[("app", "[1]")])
    );
    let err = run("app", "app", "not json {", ParseJson::Always).unwrap_err();
    assert!(
        err.to_string().contains("not valid JSON") && !err.to_string().contains("not json {"),
        "{err}"
    );
    let err = run("app", "app", r#""a string""#, ParseJson::Always).unwrap_err();
    assert!(err.to_string().contains("JSON string"), "{err}");
}

fn run_items(selector: &str, items: &[(&str, &str)]) -> Vec<(String, String)> {
    let selector = Selector::parse(selector).unwrap();
    let items: Vec<Item> = items
        .iter()
        .map(|(n, v)| Item {
            name: n.to_string(),
            value: Secret::new(*v),
            binary: None,
        })
        .collect();
    let opts = Options {
        parse_json: ParseJson::Auto,
        transformation: NameTransformation::None,
        binary: BinaryMode::Refuse,
    };
    variables(&selector, &items, &opts)
        .unwrap()
        .into_iter()
        .map(|v| (v.name, v.value.expose().to_string()))
        .collect()
}

#[test]
fn wildcards_name_plain_secrets_by_name_and_prefix_with_the_alias() {
    let items = [("app/a", "plain"), ("app/b", r#"{"k":"v"}"#)];
    assert_eq!(
        run_items("app/*", &items),
        p(&[("app_a", "plain"), ("k", "v")])
    );
    assert_eq!(
        run_items("X,app/*", &items),
        p(&[("X_app_a", "plain"), ("X_k", "v")])
    );
}

#[test]
fn parameters_are_named_by_last_segment_or_path_below_the_prefix() {
    assert_eq!(
        run_items("ssm:/app/homolog/MSG", &[("/app/homolog/MSG", "hi")]),
        p(&[("MSG", "hi")])
    );
    assert_eq!(
        run_items("G,ssm:/app/homolog/MSG:2", &[("/app/homolog/MSG", "hi")]),
        p(&[("G", "hi")])
    );
    let items = [
        ("/app/homolog/MSG", "m"),
        ("/app/homolog/db/PASSWORD", "pw"),
        ("/app/homolog/j", r#"{"a":1}"#),
    ];
    assert_eq!(
        run_items("ssm:/app/homolog/", &items),
        p(&[("MSG", "m"), ("db_PASSWORD", "pw"), ("j", r#"{"a":1}"#)])
    );
    assert_eq!(
        run_items("H,ssm:/app/homolog/", &items[..1]),
        p(&[("H_MSG", "m")])
    );
}

#[test]
fn empty_names_are_refused() {
    assert!(matches!(
        run("app", "app", r#"{"":"v"}"#, ParseJson::Auto),
        Err(Error::EmptyName { .. })
    ));
}

#[test]
fn white_space_around_a_json_object_is_fine() {
    // Found by fuzz/flatten: `\n{ }\n` panicked (the exact re-read looked at
    // the first byte, a line break).
    for text in ["\n{ }\n", " \t{\"n\": 1.10 }\r\n"] {
        let object = parse_object("s", text, "test").unwrap();
        assert!(object.len() <= 1);
    }
    let object = parse_object("s", " {\"n\": 1.10}", "test").unwrap();
    assert_eq!(object["n"], Value::String("1.10".into()));
}

/// Issue 22: under `auto`, a plaintext password that starts with `{` is
/// text, not a broken JSON object (1 generated password in 94 starts so).
#[test]
fn generated_passwords_that_start_with_a_brace_are_text() {
    let passwords = crate::passwords::Seeded::new(94).passwords(3000, 32);
    let braced: Vec<&String> = passwords.iter().filter(|p| p.starts_with('{')).collect();
    assert!(braced.len() >= 20, "only {} start with `{{`", braced.len());
    for (i, pw) in passwords
        .iter()
        .chain(["{abc}".to_string(), "{".to_string()].iter())
        .enumerate()
    {
        let got = run("app", "app", pw, ParseJson::Auto).map(pairs);
        assert!(
            got.ok() == Some(p(&[("app", pw)])),
            "password {i} was not text"
        );
    }
}

/// Text that looks like an object (`{`, then `"` or `}`, and a final `}`)
/// must be one under `auto`: a stray comma still fails.
#[test]
fn what_looks_like_an_object_must_be_one() {
    for text in [
        r#"{"a":1,}"#,
        r#"{ "a" 1}"#,
        "{ }  x}",
        "\u{feff}{\"a\":1,}",
    ] {
        assert!(
            matches!(
                run("app", "app", text, ParseJson::Auto),
                Err(Error::NotJsonObject { .. })
            ),
            "{text:?}"
        );
    }
}

/// Red team L10: JSON behind a BOM or Unicode white space (NBSP, U+2028…) is
/// read as JSON, never kept silently as one variable.
#[test]
fn json_behind_a_bom_or_unicode_space_is_json() {
    for text in [
        "\u{feff}{\"DB_PASSWORD\":\"bom-pw\"}",
        "\u{a0}{\"DB_PASSWORD\":\"bom-pw\"}\u{a0}",
        "\u{feff}\u{2028} {\"DB_PASSWORD\":\"bom-pw\"}\r\n",
    ] {
        for mode in [ParseJson::Auto, ParseJson::Always] {
            assert_eq!(
                pairs(run("app", "app", text, mode).unwrap()),
                p(&[("DB_PASSWORD", "bom-pw")]),
                "{text:?}"
            );
        }
    }
}
