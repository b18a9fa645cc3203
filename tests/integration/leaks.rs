//! No value leaks: for every format and every error path, with values chosen
//! to be found (multi-line, `%`, `::`, quotes), stdout and stderr hold no value
//! outside the `::add-mask::` lines, and those come before anything else.
//! Then the same over random values and random error points.

use crate::support::{Outcome, Test, moto};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

const FORMATS: [&str; 7] = [
    "dotenv",
    "shell",
    "docker",
    "systemd",
    "json",
    "yaml",
    "github-env",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Missing,
    Refused,
    Collision,
    Reserved,
    WriteFails,
    MissingKey,
    NotJson,
    Binary,
}

const FAULTS: [Fault; 9] = [
    Fault::None,
    Fault::Missing,
    Fault::Refused,
    Fault::Collision,
    Fault::Reserved,
    Fault::WriteFails,
    Fault::MissingKey,
    Fault::NotJson,
    Fault::Binary,
];

/// A value `format` refuses, if it refuses any.
fn refused_by(format: &str) -> Option<&'static str> {
    match format {
        "dotenv" => Some("it's $5-refused-secret"),
        "docker" => Some("line\nbreak-refused-secret"),
        "shell" | "systemd" | "github-env" => Some("nul\u{0}refused-secret"),
        _ => None,
    }
}

/// The whole stderr (after `Test::normalize`) of [`check`]'s run of
/// `format` with `fault` and `count` values (keys `V0`, `V1`, …): the
/// summary in its log group, or the one error that names the fault.
fn expected_stderr(format: &str, fault: Fault, count: usize) -> String {
    let keys: Vec<String> = (0..count).map(|i| format!("V{i}")).collect();
    let text = match fault {
        Fault::None => {
            let variables = if count == 1 {
                "1 variable".to_string()
            } else {
                format!("{count} variables")
            };
            return format!(
                "\n::group::aws-secrets-env\n\
                 aws-secrets-env: wrote {variables} from 1 selector to [dir]/out.file ({format}): \
                 {}\n::endgroup::\n",
                keys.join(", ")
            );
        }
        Fault::Missing => "secret `[test]-missing` not found (ResourceNotFoundException): check \
            the name or ARN, the region (us-east-1) and the version stage or id"
            .to_string(),
        Fault::Refused => refusal(format),
        Fault::Collision => "variable `V0` would come from both secret `[test]-good` key `V0` and \
            secret `[test]-other` key `V0`; rename one with an alias (`ALIAS,ID`)"
            .to_string(),
        // A plain file refuses it as reserved, github-env as denied.
        Fault::Reserved if format == "github-env" => "variable `LD_PRELOAD` (from secret \
            `[test]-good` key `LD_PRELOAD`) is never exported to later steps: it is a dynamic \
            loader and C library variable, and it loads code into every later process or changes \
            how names resolve; rename it with an alias (`ALIAS,ID`), or set it in the workflow's \
            `env:` where a reviewer sees it"
            .to_string(),
        Fault::Reserved => "variable `LD_PRELOAD` (from secret `[test]-good` key `LD_PRELOAD`) \
            would change how programs run; rename it with an alias (`ALIAS,ID`); or pass \
            `--allow-reserved-names` to write it to this file anyway"
            .to_string(),
        Fault::WriteFails => "cannot write `no/such/dir/out.file`: the directory `no/such/dir` \
            does not exist; create it first (mkdir -p)"
            .to_string(),
        Fault::MissingKey => {
            let listed: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "secret `[test]-good` has no JSON key `NO_SUCH_KEY`; its keys: {}",
                listed.join(", ")
            )
        }
        Fault::NotJson => "secret `[test]-plain` is not a JSON object (not valid JSON: expected \
            value at line 1 column 1), but --parse-json always requires one"
            .to_string(),
        Fault::Binary => "secret `[test]-bin` is stored as SecretBinary: pass `--binary-base64` \
            to write it as base64, or `--binary-dir DIR` to write it to a file of its own (a JSON \
            key cannot be selected from it)"
            .to_string(),
    };
    format!("aws-secrets-env: error: {text}\n")
}

/// Why `format` refuses [`refused_by`]'s value of key `REFUSED`.
fn refusal(format: &str) -> String {
    let why = match format {
        "dotenv" => {
            return "format `dotenv` cannot carry the value of `REFUSED` to reader \
                    `python-dotenv`: it contains a single quote together with `\"`, `$` or \
                    backtick, which needs escapes this reader does not read back exactly; use \
                    `--reader bash` if only those read the file instead"
                .to_string();
        }
        "docker" => {
            "it contains a line break, and docker env files are one line per variable; use \
             `--format dotenv` with Docker Compose `env_file:`, or `--format json` instead"
        }
        _ => {
            "it contains a NUL character, which no environment variable can hold; use \
             `--format json` instead"
        }
    };
    format!("format `{format}` cannot carry the value of `REFUSED`: {why}")
}

/// Runs `write` under GitHub Actions with `values` in one JSON secret plus
/// whatever `fault` needs; checks the whole stderr (which names the fault),
/// then the leak rules. Returns false when the format cannot produce this fault.
fn check(format: &str, fault: Fault, values: &[String]) -> bool {
    let mut object = serde_json::Map::new();
    for (i, v) in values.iter().enumerate() {
        object.insert(format!("V{i}"), serde_json::Value::String(v.clone()));
    }
    let mut t = Test::new();
    let mut selectors = vec![t.name("good")];
    let mut output = "out.file".to_string();
    let mut extra: Vec<&str> = Vec::new();
    match fault {
        Fault::None => {}
        Fault::Missing => {
            selectors.push(t.name("missing"));
        }
        Fault::Refused => {
            let Some(v) = refused_by(format) else {
                return false;
            };
            object.insert("REFUSED".into(), v.into());
        }
        Fault::Collision => {
            let other = t.name("other");
            let value = format!("{{\"V0\":\"collides-{}\"}}", values.len());
            moto().create(&other, &value);
            t.remember(&value);
            selectors.push(other);
        }
        Fault::Reserved => {
            object.insert("LD_PRELOAD".into(), "/reserved-secret.so".into());
        }
        Fault::WriteFails => {
            output = "no/such/dir/out.file".into();
        }
        Fault::MissingKey => {
            selectors[0] = format!("{}:NO_SUCH_KEY", t.name("good"));
        }
        Fault::NotJson => {
            let plain = t.name("plain");
            moto().create(&plain, "plaintext-secret-value-that-is-not-json");
            t.remember("plaintext-secret-value-that-is-not-json");
            selectors.push(plain);
            extra.extend(["--parse-json", "always"]);
        }
        Fault::Binary => {
            let bin = t.name("bin");
            moto().create_binary(&bin, b"binary-secret-bytes\x00\xff");
            selectors.push(bin);
        }
    }
    let text = serde_json::Value::Object(object).to_string();
    moto().create(&t.name("good"), &text);
    t.remember(&text);
    if let Some(v) = refused_by(format).filter(|_| fault == Fault::Refused) {
        t.values.push(v.to_string());
    }
    let out = t
        .arg("--secret-id")
        .arg(selectors.join("\n"))
        .args(["--format", format, "--output", &output])
        .args(extra)
        // Line breaks reach only the readers that carry them.
        .args(match format {
            "dotenv" => vec!["--reader", "python-dotenv,node-dotenv,bash"],
            // An export: every name declared, the deny set still applies.
            "github-env" => vec!["--allow-names", "*"],
            _ => vec![],
        })
        .env("GITHUB_ACTIONS", "true")
        .run();
    assert_eq!(
        out.test.normalize(&out.stderr),
        expected_stderr(format, fault, values.len()),
        "{format} {fault:?}: the whole stderr"
    );
    if fault == Fault::None {
        assert_eq!(out.code, Some(0), "{format}: {}", out.stderr);
    } else {
        assert_eq!(out.code, Some(1), "{format} {fault:?}: {}", out.stderr);
        assert!(
            !out.test.path("out.file").exists(),
            "{format} {fault:?} wrote a file"
        );
    }
    masks_first_and_no_leak(out, format, fault);
    true
}

#[track_caller]
fn masks_first_and_no_leak(out: Outcome, format: &str, fault: Fault) {
    // After the line break that starts the first mask's line (issue 21, M1).
    let stdout = out.stdout.strip_prefix('\n').unwrap_or(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let masks = lines
        .iter()
        .take_while(|l| l.starts_with("::add-mask::"))
        .count();
    assert!(
        lines[masks..]
            .iter()
            .all(|l| !l.starts_with("::add-mask::")),
        "{format} {fault:?}: a mask line after other output"
    );
    // Every fetched value that made a variable was masked (errors do not
    // prevent masking of what was fetched).
    if fault == Fault::None {
        assert!(masks > 0, "{format}: nothing masked");
    }
    // No line anyone else prints may start a workflow command we did not mean.
    for line in lines[masks..]
        .iter()
        .chain(out.stderr.lines().collect::<Vec<_>>().iter())
    {
        let t = line.trim_start();
        assert!(
            !t.starts_with("::")
                || t.starts_with("::error ")
                || t.starts_with("::group::")
                || t.starts_with("::endgroup::"),
            "{format} {fault:?}: unexpected workflow command {line:?}"
        );
    }
    out.no_leak();
}

/// Values chosen to be found: multi-line, `%`, `::`, quotes.
fn findable(format: &str) -> Vec<String> {
    let mut values = vec![
        "plain-secret-value-1".to_string(),
        "100%-secret%0A-2".to_string(),
        "::stop-commands::secret-3".to_string(),
        "quote'secret-4".to_string(),
        "%25::%0D-secret-5".to_string(),
    ];
    if format != "docker" {
        values.push("multi\nline-secret-6\n::add-mask::x".to_string());
    }
    values
}

#[test]
fn no_value_leaks_on_any_path_in_any_format() {
    let mut ran = 0;
    for format in FORMATS {
        for fault in FAULTS {
            if check(format, fault, &findable(format)) {
                ran += 1;
            }
        }
    }
    assert_eq!(ran, 61, "cases run");
}

/// Random values biased toward what breaks logs and files.
fn random_value() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "::", "%", "%0A", "%25", "\n", "\r", "'", "\"", "$", "`", "\\", "#", " ", "secret", "é",
        "🦀", "=",
    ]);
    (prop::collection::vec(piece, 1..8), 0u32..1_000_000)
        .prop_map(|(pieces, n)| format!("{}{n:06}", pieces.concat()))
}

#[test]
fn no_value_leaks_for_random_values_and_error_points() {
    // A fixed seed: CI must not fail by chance. With a random seed about one
    // run in twenty failed on a false positive: a random line such as
    // `::secret` is also text of the fixed error wording ("has no JSON key
    // `::secret…`" names the key, which is no value).
    let mut runner = TestRunner::deterministic();
    let strategy = (
        prop::collection::vec(random_value(), 1..5),
        prop::sample::select(FORMATS.to_vec()),
        prop::sample::select(FAULTS.to_vec()),
    );
    for _ in 0..24 {
        let (mut values, format, fault) = strategy.new_tree(&mut runner).unwrap().current();
        // The success path needs values the format accepts; the other paths
        // fail before rendering or on their own refusal.
        if matches!(fault, Fault::None | Fault::WriteFails | Fault::Reserved) {
            values.retain(|v| !v.contains(['\r', '\n', '\'', '"', '\\', '$', '`']));
            if values.is_empty() {
                values.push("fallback-secret-value".into());
            }
        }
        if fault == Fault::Refused {
            values.retain(|v| !v.contains(['\r', '\n', '\'', '"', '\\', '$', '`']));
        }
        check(format, fault, &values);
    }
}

/// The checker itself: a value printed outside the mask lines is caught.
#[test]
#[should_panic(expected = "leaked")]
fn the_leak_check_catches_a_leak() {
    let mut t = Test::new();
    t.values.push("visible-secret".into());
    Outcome {
        code: Some(0),
        stdout: "::add-mask::visible-secret\nlog: visible-secret\n".into(),
        stderr: String::new(),
        test: t,
    }
    .no_leak();
}
