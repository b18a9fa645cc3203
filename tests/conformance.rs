//! Conformance: for every format F and each real consumer R of F, a value
//! `encode_F` does not refuse must read back exactly: `R(file) == value`.
//! The readers are the programs users run (tests/readers/README.md), set up by
//! tests/readers/install.sh; a reader that cannot run fails the suite.
//! A lane of its own (it needs the readers and, for systemd, root):
//! `cargo test --features conformance --test conformance`.

use aws_secrets_env::error::Error;
use aws_secrets_env::render::{Format, Reader as DotenvReader, render};
use aws_secrets_env::secret::{Secret, Variable};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A consumer: how to run it, and which `--reader` it is for `dotenv`.
struct Reader {
    name: &'static str,
    command: &'static [&'static str],
    /// Keys come back lowercased (viper).
    lowercases_keys: bool,
    /// Its `--reader` name, for the `dotenv` format.
    dotenv: Option<DotenvReader>,
}

const fn reader(name: &'static str, command: &'static [&'static str]) -> Reader {
    Reader {
        name,
        command,
        lowercases_keys: false,
        dotenv: None,
    }
}

const fn dotenv(r: DotenvReader, name: &'static str, command: &'static [&'static str]) -> Reader {
    Reader {
        dotenv: Some(r),
        ..reader(name, command)
    }
}

const PYTHON_DOTENV: Reader = dotenv(
    DotenvReader::PythonDotenv,
    "python-dotenv",
    &["python_dotenv.py"],
);
const NODE_DOTENV: Reader = dotenv(DotenvReader::NodeDotenv, "node dotenv", &["node_dotenv.sh"]);
const DOTENVX: Reader = dotenv(DotenvReader::Dotenvx, "dotenvx", &["node_dotenvx.sh"]);
const GODOTENV: Reader = dotenv(DotenvReader::Godotenv, "godotenv", &["go_godotenv.sh"]);
const GOTENV: Reader = dotenv(DotenvReader::Gotenv, "gotenv (Debian)", &["go_gotenv.sh"]);
const VIPER: Reader = Reader {
    lowercases_keys: true,
    ..dotenv(DotenvReader::Viper, "viper (Debian)", &["go_viper.sh"])
};
const RUBY_DOTENV: Reader = dotenv(
    DotenvReader::RubyDotenv,
    "ruby-dotenv (Debian)",
    &["ruby_dotenv.rb"],
);
const PHPDOTENV: Reader = dotenv(
    DotenvReader::Phpdotenv,
    "phpdotenv (Debian)",
    &["php_dotenv.php"],
);
const DJANGO_ENVIRON: Reader = dotenv(
    DotenvReader::DjangoEnviron,
    "django-environ",
    &["django_environ.py"],
);
const BASH: Reader = dotenv(DotenvReader::Bash, "bash", &["shell.sh", "bash"]);
const DASH: Reader = dotenv(DotenvReader::Dash, "dash", &["shell.sh", "dash"]);
const SYSTEMD: Reader = dotenv(DotenvReader::Systemd, "systemd", &["systemd_read.sh"]);
const DOCKER: Reader = dotenv(
    DotenvReader::Docker,
    "docker --env-file",
    &["docker_envfile.sh"],
);
const YAML12: Reader = reader("ruamel.yaml (YAML 1.2)", &["yaml_read.py"]);
const YAML11: Reader = reader("PyYAML (YAML 1.1)", &["yaml11_read.py"]);
const GITHUB_ENV: Reader = reader("actions/runner GITHUB_ENV", &["github_env.py"]);

/// Every `--reader` of `dotenv`: each is also checked alone.
const DOTENV_READERS: [&Reader; 13] = [
    &PYTHON_DOTENV,
    &NODE_DOTENV,
    &DOTENVX,
    &GODOTENV,
    &GOTENV,
    &VIPER,
    &RUBY_DOTENV,
    &PHPDOTENV,
    &DJANGO_ENVIRON,
    &BASH,
    &DASH,
    &SYSTEMD,
    &DOCKER,
];

fn readers(format: Format) -> Vec<&'static Reader> {
    match format {
        // The default reader set: every dotenv reader but docker.
        Format::Dotenv => DOTENV_READERS
            .into_iter()
            .filter(|r| r.name != DOCKER.name)
            .collect(),
        Format::Shell => vec![&BASH, &DASH],
        Format::Systemd => vec![&SYSTEMD, &BASH, &DASH],
        Format::Docker => vec![&DOCKER],
        Format::Yaml => vec![&YAML12, &YAML11],
        Format::GithubEnv => vec![&GITHUB_ENV],
        Format::Json => vec![],
    }
}

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Tricky values: quotes, expansions, escapes, comments, separators, line
/// breaks, white space, non-ASCII, YAML look-alikes, workflow-command text,
/// plus every ASCII character alone and embedded.
// One literal list of tricky values reads best whole.
#[allow(clippy::too_many_lines)]
fn corpus() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        "plain",
        "with space",
        "  lead and trail  ",
        "tab\there",
        "it's",
        "\"dq\"",
        "'sq'",
        "say \"hi\"",
        "'\"'\"",
        "mix'\"",
        "a'b$c",
        "$HOME",
        "$",
        "cost$",
        "pa$$word",
        "${HOME}",
        "${HOME:-x}",
        "$(id)",
        "`id`",
        "\\",
        "a\\b",
        "end\\",
        "\\n literal",
        "#hash",
        "a #b",
        "a#b",
        "a;b",
        "a&b|c>d<e",
        "k=v=w",
        "=start",
        "{}()[]",
        "multi\nline",
        "trailing newline\n",
        "\nleading newline",
        "\n\n",
        "cr\rhere",
        "crlf\r\nx",
        "trailing cr\r",
        "unicode пароль 密码 ✓ é",
        "emoji 🦀",
        "\u{2028}line sep",
        "\u{feff}bom",
        "\u{85}nel",
        "\u{7f}del",
        // Regressions found by fuzz/encoders: YAML readers reject these raw.
        "\u{ffff}",
        "\u{fffe}${",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n",
        "postgresql://root:p\"w$x#y;z@host:5432/db?sslmode=require",
        "%0A%25",
        "::add-mask::x",
        "::stop-commands::t",
        "yes",
        "no",
        "on",
        "off",
        "null",
        "~",
        "true",
        "0777",
        "1e3",
        "0x1F",
        "1_000",
        "2001-12-14",
        ".inf",
        "- item",
        ": colon",
        "key: value",
        "[a, b]",
        "&anchor",
        "*alias",
        "!tag",
        "| block",
        "ghadelimiter_x",
        "EOF",
        "export",
        "K=V",
        // Numbers (JSON numbers become their text).
        "0",
        "42",
        "-1",
        "-0",
        "+1",
        "3.14",
        "1.10",
        "1E3",
        "12345678901234567890123",
        // Line breaks for str.splitlines() (django-environ) and Unicode.
        "\u{2028}",
        "a\u{2029}b",
        "\u{85}",
        "x\u{2028}y",
        "a\u{b}b",
        "a\u{c}b",
        "a\u{1c}b",
        "a\u{1e}b",
        // Wrapped in quotes of either kind (django-environ strips both).
        "\"dq wrapped\"",
        "'sq wrapped'",
        "'\"both\"'",
        "\"'both'\"",
        "\"a\" \"b\"",
        // Lines that look like `K=V` inside multi-line values (injection).
        "x\nDB_SOURCE=evil",
        "x\nexport Y=1",
        "x\n  Z = 2",
        "a\n#c\nW='1'",
        "x\nK2='q'",
        "x\nK3=\"q\"",
        "x\u{2028}DB_SOURCE=evil",
        "x\u{85}DB_SOURCE=evil",
        "x\u{c}DB_SOURCE=evil",
        "x\rDB_SOURCE=evil",
        // Regressions (random values): node dotenv reads `\'` as an escaped
        // quote; phpdotenv starts a multi-line value at a closing line `…="`.
        "@-Z/_*\\",
        "\t\u{2029}@\\0|0%a!}:{x",
        "_Z} *=\n/0=",
        // Debian's gotenv unescapes `\$` even in single quotes.
        "0_:/~! _a/\\$.",
        // phpdotenv reads `="` as the start of a multi-line value.
        "a=\"b",
        "x=\"y\nZ=1",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    for b in 1u8..=0x7f {
        let c = b as char;
        values.push(c.to_string());
        values.push(format!("a{c}b"));
    }
    values.push("x".repeat(60_000));
    // Over Debian gotenv's 64 KiB line limit, where it stops reading.
    values.push("y".repeat(70_000));
    values
}

fn variable(name: String, value: &str) -> Variable {
    Variable::new(name, Secret::new(value), "test")
}

/// Runs one reader on one file; the parsed map, or a panic with its stderr.
fn read(reader: &Reader, file: &Path) -> BTreeMap<String, serde_json::Value> {
    // Two systemd user managers started at once interfere: one at a time.
    static SYSTEMD_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = (reader.name == SYSTEMD.name).then(|| {
        SYSTEMD_LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    let dir = Path::new(ROOT).join("tests/readers");
    let program = dir.join(reader.command[0]);
    let out = Command::new(&program)
        .args(&reader.command[1..])
        .arg(file)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} cannot run ({e}): run tests/readers/install.sh",
                reader.name
            )
        });
    match out.status.code() {
        Some(0) => serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{} printed no JSON object: {e}", reader.name)),
        Some(2) => panic!(
            "{} cannot run here (exit 2): {} — run tests/readers/install.sh",
            reader.name,
            String::from_utf8_lossy(&out.stderr)
        ),
        _ => panic!(
            "{} rejected the file: {}",
            reader.name,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Encodes `values` in `format` for the given `--reader` set (each value
/// alone first, to learn which are refused), writes the accepted ones to one
/// file per consumer and checks that every consumer gives every value back.
/// `dotenv` is checked for its default set, for each reader alone, and for
/// python-dotenv with node dotenv. Returns the refused indexes (default set).
fn check(format: Format, values: &[String]) -> (Vec<usize>, Vec<String>) {
    let (refused, mut failures) = check_set(format, values, &[], &readers(format));
    if format == Format::Dotenv {
        for consumer in DOTENV_READERS {
            let set = [consumer.dotenv.unwrap()];
            failures.extend(check_set(format, values, &set, &[consumer]).1);
        }
        let set = [DotenvReader::PythonDotenv, DotenvReader::NodeDotenv];
        failures.extend(check_set(format, values, &set, &[&PYTHON_DOTENV, &NODE_DOTENV]).1);
    }
    (refused, failures)
}

fn check_set(
    format: Format,
    values: &[String],
    set: &[DotenvReader],
    consumers: &[&Reader],
) -> (Vec<usize>, Vec<String>) {
    let mut refused = Vec::new();
    let mut accepted = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match render(format, &[variable(format!("V{i:03}"), value)], set) {
            Ok(_) => accepted.push(i),
            Err(Error::Refused { key, format: f, .. }) => {
                assert_eq!(
                    (key.as_str(), f),
                    (format!("V{i:03}").as_str(), format.name())
                );
                refused.push(i);
            }
            Err(Error::RefusedForReader {
                key,
                format: f,
                reader,
                ..
            }) => {
                assert_eq!(
                    (key.as_str(), f),
                    (format!("V{i:03}").as_str(), format.name())
                );
                // Every refusal names a reader of the set.
                let named = if set.is_empty() {
                    &DotenvReader::DEFAULT[..]
                } else {
                    set
                };
                assert!(
                    named.iter().any(|r| r.name() == reader),
                    "{reader} is not in {named:?}"
                );
                refused.push(i);
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    let mut failures = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for reader in consumers {
        let keep = &accepted;
        let vars: Vec<Variable> = keep
            .iter()
            .map(|&i| variable(format!("V{i:03}"), &values[i]))
            .collect();
        let bytes = render(format, &vars, set).expect("accepted one by one, accepted together");
        let file = dir
            .path()
            .join(format!("{}.{}", format.name(), reader.command.join("_")));
        std::fs::write(&file, &bytes).unwrap();
        let got = read(reader, &file);
        let set_name = if format == Format::Dotenv {
            format!(" for --reader {set:?}")
        } else {
            String::new()
        };
        for &i in keep {
            let key = format!("V{i:03}");
            let key = if reader.lowercases_keys {
                key.to_lowercase()
            } else {
                key
            };
            let expected = serde_json::Value::String(values[i].clone());
            match got.get(&key) {
                Some(v) if *v == expected => {}
                other => failures.push(format!(
                    "{} reading {}{set_name}: {key} = {:?}, read back as {:?}",
                    reader.name,
                    format.name(),
                    values[i],
                    other
                )),
            }
        }
        if got.len() != keep.len() {
            failures.push(format!(
                "{} reading {}{set_name}: {} variables, expected {}",
                reader.name,
                format.name(),
                got.len(),
                keep.len()
            ));
        }
    }
    (refused, failures)
}

fn refused_values(values: &[String], refused: &[usize]) -> Vec<String> {
    refused
        .iter()
        .map(|&i| format!("{:?}", values[i]))
        .collect()
}

#[test]
fn every_format_reads_back_exactly_through_its_real_consumers() {
    let values = corpus();
    let mut failures = Vec::new();
    for &format in Format::all() {
        let (refused, f) = check(format, &values);
        failures.extend(f);
        // What each format refuses is part of its contract: pin it down.
        let refused = refused_values(&values, &refused);
        match format {
            Format::Systemd => assert_eq!(refused, ["\"\\u{ffff}\"", "\"\\u{fffe}${\""]),
            Format::Shell | Format::Yaml | Format::Json => {
                assert!(refused.is_empty(), "{} refused {refused:?}", format.name());
            }
            Format::GithubEnv => assert_eq!(
                refused,
                ["\"crlf\\r\\nx\"", "\"trailing cr\\r\"", "\"\\r\""]
            ),
            Format::Docker => {
                for r in &refused {
                    assert!(
                        r.contains("\\n")
                            || r.ends_with("\\r\"")
                            || r.starts_with("\"'")
                            || r.starts_with("\"\\\"")
                            || r.len() > 65_000,
                        "docker refused {r}"
                    );
                }
                assert_eq!(refused.len(), 26, "docker refused {refused:?}");
            }
            Format::Dotenv => {
                // The default readers include Ruby, PHP, Django, gotenv and
                // viper: no line break of any kind gets through.
                for must in [
                    "\"multi\\nline\"",
                    "\"x\\nDB_SOURCE=evil\"",
                    "\"x\\u{2028}DB_SOURCE=evil\"",
                    "\"\\\"dq wrapped\\\"\"",
                    "\"$HOME\"",
                    "\"${HOME}\"",
                ] {
                    assert!(refused.iter().any(|r| r == must), "dotenv took {must}");
                }
                for r in &refused {
                    assert!(
                        !["\"plain\"", "\"12345678901234567890123\"", "\"it's\""]
                            .contains(&r.as_str()),
                        "dotenv refused {r}"
                    );
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Values biased toward the characters that break env files.
fn tricky_value() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\'', '"', '\\', '$', '`', '#', '=', ';', '{', '}', '(', ')', ' ', '\t', '\r', '\n', '%',
        ':', '!', '&', '|', '*', '~', 'é', '密', '🦀', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}',
        '\u{c}',
    ]);
    let ordinary = prop::sample::select(vec!['a', 'Z', '0', '_', '-', '.', '/', '@', 'x']);
    prop::collection::vec(prop_oneof![3 => special, 2 => ordinary], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

#[test]
fn random_values_read_back_exactly_through_every_consumer() {
    let mut runner = TestRunner::default();
    let values = prop::collection::vec(tricky_value(), 400)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let mut failures = Vec::new();
    for &format in Format::all() {
        failures.extend(check(format, &values).1);
    }
    assert!(
        failures.is_empty(),
        "{} mismatches (add them to the corpus as regressions):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

proptest! {
    /// In process, with shrinking: dotenv output read back by the Rust
    /// `dotenvy` crate, and JSON by serde_json.
    #[test]
    fn dotenv_round_trips_through_dotenvy(value in tricky_value()) {
        if let Ok(bytes) = render(Format::Dotenv, &[variable("K".into(), &value)], &[]) {
            let parsed: Vec<(String, String)> = dotenvy::from_read_iter(&bytes[..])
                .collect::<Result<_, _>>()
                .map_err(|e| TestCaseError::fail(format!("dotenvy: {e}")))?;
            prop_assert_eq!(parsed, vec![("K".to_string(), value)]);
        }
    }

    #[test]
    fn json_round_trips(value in tricky_value()) {
        let bytes = render(Format::Json, &[variable("K".into(), &value)], &[]).unwrap();
        let parsed: BTreeMap<String, String> = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(parsed, BTreeMap::from([("K".to_string(), value)]));
    }
}
