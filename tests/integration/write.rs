//! `write`: the seed scenario, every selector form, naming, errors, masking and
//! the file guarantees, against moto.

use crate::support::{Test, moto, os_error, read_with_python_dotenv, read_with_shell, vars};
use std::collections::BTreeMap;

/// The seed's secret (shared/seeds/000), with a password that breaks the
/// seed's `jq -r 'to_entries|…'` pipeline: a quote, `$`, `#` and `;`.
const SIMPLE_BANK: &str = r#"{"DB_DRIVER":"postgres","DB_SOURCE":"postgresql://root:pa\"ss$w0rd#x;y@simple-bank.czutruo2pa5q.eu-west-1.rds.amazonaws.com:5432/simple_bank","SERVER_ADDRESS":"0.0.0.0:8080","ACCESS_TOKEN_DURATION":"15m","TOKEN_SYMMETRIC_KEY":"a3f1c9e07b2d4e6f8a1b3c5d7e9f0a2b"}"#;

/// clap's message for `--format xml`, which names every format.
const XML_FORMAT: &str = "error: invalid value 'xml' for '--format <FORMAT>'\n  \
    [possible values: dotenv, shell, json, docker, systemd, yaml, github-env]\n\
    \n  \
    tip: a similar value exists: 'yaml'\n\
    \n\
    For more information, try '--help'.\n";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn bank() -> BTreeMap<String, String> {
    serde_json::from_str(SIMPLE_BANK).unwrap()
}

#[test]
fn seed_deploy_step_writes_app_env_that_bash_dash_and_python_read_back() {
    let out = Test::new()
        .secret("simple_bank", SIMPLE_BANK)
        .select("simple_bank")
        .args(["--output", "app.env"])
        .stderr(
            "aws-secrets-env: wrote 5 variables from 1 selector to [dir]/app.env (dotenv): \
             DB_DRIVER, DB_SOURCE, SERVER_ADDRESS, ACCESS_TOKEN_DURATION, TOKEN_SYMMETRIC_KEY\n",
        )
        .run()
        .no_leak();
    assert_eq!(
        out.file("app.env"),
        "DB_DRIVER='postgres'\n\
         DB_SOURCE='postgresql://root:pa\"ss$w0rd#x;y@simple-bank.czutruo2pa5q.eu-west-1.rds.amazonaws.com:5432/simple_bank'\n\
         SERVER_ADDRESS='0.0.0.0:8080'\n\
         ACCESS_TOKEN_DURATION='15m'\n\
         TOKEN_SYMMETRIC_KEY='a3f1c9e07b2d4e6f8a1b3c5d7e9f0a2b'\n"
    );
    let path = out.test.path("app.env");
    let expected = bank();
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(read_with_shell("bash", &path, &names), bank());
    assert_eq!(read_with_shell("dash", &path, &names), bank());
    assert_eq!(read_with_python_dotenv(&path), bank());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        out.masks().is_empty(),
        "masking is off outside Actions by default"
    );
}

#[test]
fn default_output_is_app_env() {
    let out = Test::new()
        .secret("cfg", r#"{"A":"1"}"#)
        .select("cfg")
        .run()
        .success();
    assert_eq!(out.file("app.env"), "A='1'\n");
}

#[test]
fn shell_format_reads_back_every_tricky_value() {
    let values = r#"{"QUOTE":"it's \"x\"","DOLLAR":"$HOME ${PATH} $(id) `id`","BACKSLASH":"a\\b\\","LINES":"one\ntwo\n","HASH":"a #b;c&d|e","SPACES":"  padded  ","CR":"a\rb","UNICODE":"пароль 密码 ✓","EMPTY":""}"#;
    let out = Test::new()
        .secret("tricky", values)
        .select("tricky")
        .args(["--format", "shell", "--output", "env.sh"])
        .run()
        .success()
        .no_leak();
    let expected: BTreeMap<String, String> = serde_json::from_str(values).unwrap();
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let path = out.test.path("env.sh");
    assert_eq!(read_with_shell("bash", &path, &names), expected);
    assert_eq!(read_with_shell("dash", &path, &names), expected);
    assert!(
        out.file("env.sh")
            .starts_with("export QUOTE='it'\\''s \"x\"'\n")
    );
}

#[test]
fn dotenv_reads_back_exactly_in_bash_dash_and_python_dotenv() {
    let values = r#"{"SQ_FREE":"p\"a$s`s#w;o&r|d","WITH_SQ":"it's fine","MULTI":"-----BEGIN KEY-----\nabc\n-----END KEY-----","SPACES":" a  b ","UNICODE":"✓ é","EMPTY":""}"#;
    let out = Test::new()
        .secret("dot", values)
        .select("dot")
        .args(["--reader", "bash,dash,python-dotenv"])
        .run()
        .success()
        .no_leak();
    let expected: BTreeMap<String, String> = serde_json::from_str(values).unwrap();
    let names: Vec<&str> = expected.keys().map(String::as_str).collect();
    let path = out.test.path("app.env");
    assert_eq!(read_with_shell("bash", &path, &names), expected);
    assert_eq!(read_with_shell("dash", &path, &names), expected);
    assert_eq!(read_with_python_dotenv(&path), expected);
}

#[test]
fn json_format_is_one_object() {
    let out = Test::new()
        .secret("j", SIMPLE_BANK)
        .select("j")
        .args(["--format", "json", "--output", "-"])
        .run()
        .success();
    let parsed = out.json();
    assert_eq!(parsed, bank());
}

#[test]
fn every_selector_form() {
    let t = Test::new();
    let name = t.name("forms");
    let arn = moto().create(&name, r#"{"user":"u1","pass":"p1"}"#);
    let first_version = moto()
        .block_on(moto().client().get_secret_value().secret_id(&name).send())
        .unwrap()
        .version_id()
        .unwrap()
        .to_string();
    moto().put(&name, r#"{"user":"u2","pass":"p2"}"#);
    // Partial ARN: the full ARN without AWS's random 6-character suffix.
    let partial = arn.rsplit_once('-').unwrap().0.to_string();
    let cases: Vec<(String, BTreeMap<String, String>)> = vec![
        (name.clone(), map(&[("user", "u2"), ("pass", "p2")])),
        (arn.clone(), map(&[("user", "u2"), ("pass", "p2")])),
        (format!("{partial}:user"), map(&[("user", "u2")])),
        (format!("{name}:pass"), map(&[("pass", "p2")])),
        (format!("P,{arn}:pass"), map(&[("P", "p2")])),
        (
            format!("{name}::AWSPREVIOUS"),
            map(&[("user", "u1"), ("pass", "p1")]),
        ),
        (format!("{name}:user:AWSCURRENT"), map(&[("user", "u2")])),
        (
            format!("OLD,{name}:user::{first_version}"),
            map(&[("OLD", "u1")]),
        ),
        (
            format!("{arn}:pass:AWSPREVIOUS:{first_version}"),
            map(&[("pass", "p1")]),
        ),
        (
            format!("DB,{name}"),
            map(&[("DB_user", "u2"), ("DB_pass", "p2")]),
        ),
    ];
    for (selector, expected) in cases {
        let out = Test::new()
            .args([
                "--secret-id",
                &selector,
                "--format",
                "json",
                "--output",
                "-",
            ])
            .run();
        assert_eq!(out.code, Some(0), "{selector}: {}", out.stderr);
        let got = out.json();
        assert_eq!(got, expected, "{selector}");
    }
}

#[test]
fn plaintext_secret_is_named_after_the_secret_or_its_alias() {
    let t = Test::new().secret("api/token", "s3cr3t-t0ken-value");
    let derived = t.name("api/token").replace(['-', '/'], "_");
    let out = t
        .select("api/token")
        .select("TOKEN,api/token")
        .args(["--format", "json", "--output", "-"])
        .run()
        .success();
    let got = out.json();
    let expected = BTreeMap::from([
        (derived, "s3cr3t-t0ken-value".to_string()),
        ("TOKEN".to_string(), "s3cr3t-t0ken-value".to_string()),
    ]);
    assert_eq!(got, expected);
}

#[test]
fn nested_json_is_flattened_and_names_are_made_valid() {
    let out = Test::new()
        .secret(
            "nested",
            r#"{"db":{"host":"h","port":5432,"tls":{"on":true}},"list":[1,"a"],"nothing":null,"9lives":"cat","my-key.x":"v"}"#,
        )
        .select("nested")
        .args(["--name-transformation", "uppercase", "--format", "json", "-o", "-"])
        .run()
        .success();
    let got = out.json();
    assert_eq!(
        got,
        map(&[
            ("DB_HOST", "h"),
            ("DB_PORT", "5432"),
            ("DB_TLS_ON", "true"),
            ("LIST", r#"[1,"a"]"#),
            ("NOTHING", ""),
            ("_9LIVES", "cat"),
            ("MY_KEY_X", "v"),
        ])
    );
    let out = Test::new()
        .secret("lower", r#"{"Mixed_Case":"v"}"#)
        .select("lower")
        .args(["--name-transformation", "lowercase"])
        .run()
        .success();
    assert_eq!(out.file("app.env"), "mixed_case='v'\n");
}

#[test]
fn parse_json_modes() {
    let t = Test::new()
        .secret("obj", r#"{"k":"v"}"#)
        .secret("plain", "not json at all");
    let obj = t.name("obj");
    let plain = t.name("plain");
    let out = Test::new()
        .args([
            "--secret-id",
            &format!("WHOLE,{obj}"),
            "--parse-json",
            "never",
        ])
        .args(["--format", "json", "-o", "-"])
        .run()
        .success();
    let got = out.json();
    assert_eq!(got, map(&[("WHOLE", r#"{"k":"v"}"#)]));
    Test::new()
        .args(["--secret-id", &plain, "--parse-json", "always"])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: secret `{plain}` is not a JSON object \
             (not valid JSON: expected ident at line 1 column 2), but --parse-json always requires one\n"
        ))
        .expect_no_file("app.env")
        .run();
    Test::new()
        .args(["--secret-id", &format!("{obj}:k"), "--parse-json", "never"])
        .status(2)
        .stderr(format!(
            "aws-secrets-env: error: selector `{obj}:k` selects a JSON key, which --parse-json never forbids\n"
        ))
        .run();
}

#[test]
fn collisions_name_both_sources_and_write_nothing() {
    Test::new()
        .secret("a", r#"{"DB_HOST":"one"}"#)
        .secret("b", r#"{"DB":{"HOST":"two"}}"#)
        .with_file("app.env", "OLD=1\n")
        .select("a")
        .select("b")
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `DB_HOST` would come from both \
             secret `[test]-a` key `DB_HOST` and secret `[test]-b` key `DB.HOST`; \
             rename one with an alias (`ALIAS,ID`)\n",
        )
        .expect_file("app.env", "OLD=1\n")
        .run()
        .no_leak();
}

#[test]
fn missing_deleted_and_binary_secrets_fail_and_leave_the_file_untouched() {
    let t = Test::new()
        .secret("ok", r#"{"GOOD":"value-that-must-not-leak"}"#)
        .deleted_secret("gone", "deleted-value-must-not-leak")
        .binary_secret("bin", &[0, 159, 146, 150])
        .with_file("app.env", "KEEP='me'\n");
    let selectors = ["ok", "missing", "gone", "bin"]
        .map(|n| t.name(n))
        .join("\n");
    let out = t
        .arg("--secret-id")
        .arg(selectors)
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `[test]-missing` not found (ResourceNotFoundException): \
             check the name or ARN, the region (us-east-1) and the version stage or id\n\
             aws-secrets-env: error: secret `[test]-gone` is scheduled for deletion (InvalidRequestException): \
             restore it with `aws secretsmanager restore-secret --secret-id [test]-gone` or stop selecting it\n\
             aws-secrets-env: error: secret `[test]-bin` is stored as SecretBinary: pass `--binary-base64` \
             to write it as base64, or `--binary-dir DIR` to write it to a file of its own \
             (a JSON key cannot be selected from it)\n",
        )
        .expect_file("app.env", "KEEP='me'\n")
        .run()
        .no_leak();
    let leftovers: Vec<_> = std::fs::read_dir(out.test.dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "a temp file was left behind");
}

/// Issue 14: by default a multi-line value is refused, naming the reader
/// that would read its second line as a variable of its own and the
/// `--reader` choice that carries it; naming the real readers lets it through.
#[test]
fn dotenv_refuses_line_breaks_for_the_default_readers_and_names_them() {
    let pem = "-----BEGIN KEY-----\nMIIB\nDB_SOURCE=evil\n-----END KEY-----\n";
    let secret = serde_json::json!({ "KEY": pem, "DB_SOURCE": "postgres://real" }).to_string();
    Test::new()
        .secret("pem", &secret)
        .select("pem")
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: format `dotenv` cannot carry the value of `KEY` to reader \
             `gotenv`: it contains a line break, and {GOTENV_LINES}; use `--reader \
             python-dotenv,node-dotenv,dotenvx,godotenv,phpdotenv,bash,dash,systemd` if only \
             those read the file instead\n"
        ))
        .expect_no_file("app.env")
        .run()
        .no_leak();
    let t = Test::new().secret("pem2", &secret);
    let out = t
        .select("pem2")
        .args(["--reader", "python-dotenv,node-dotenv"])
        .run()
        .success()
        .no_leak();
    assert!(out.file("app.env").contains(&format!("KEY='{pem}'\n")));
    // Ruby dotenv needs `\n`, which bash reads as two characters.
    let t = Test::new().secret("pem3", &secret);
    let out = t
        .select("pem3")
        .args(["--reader", "ruby-dotenv,phpdotenv"])
        .run()
        .success();
    assert!(
        out.file("app.env")
            .contains("KEY=\"-----BEGIN KEY-----\\nMIIB\\n")
    );
    Test::new()
        .secret("pem4", &secret)
        .select("pem4")
        .args(["--reader", "ruby-dotenv,bash"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: format `dotenv` cannot carry the value of `KEY` to reader \
             `ruby-dotenv`: it contains a line break, and Ruby dotenv 2.4 splits the file into \
             lines before parsing: a later line can even set another variable; use `--reader \
             bash` if only those read the file instead\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();
    Test::new()
        .args([
            "--secret-id",
            "never-fetched",
            "--format",
            "shell",
            "--reader",
            "bash",
        ])
        .status(2)
        .stderr(
            "aws-secrets-env: error: --reader applies to `--format dotenv`; `--format shell` has \
             its own reader\n",
        )
        .run();
}

/// What a dotenv refusal's message says of gotenv and viper and line breaks.
const GOTENV_LINES: &str = "Debian's gotenv (also under viper 1.10) ends the line there, raw \
                            or written `\\n`: a later line can even set another variable";

#[test]
fn missing_json_key_is_named() {
    Test::new()
        .secret("k", r#"{"present":"x"}"#)
        .select("k:absent")
        .status(1)
        .stderr("aws-secrets-env: error: secret `[test]-k` has no JSON key `absent`; its keys: `present`\n")
        .expect_no_file("app.env")
        .run();
}

#[test]
fn dotenv_refusals_name_key_and_format_and_suggest_another() {
    Test::new()
        .secret("r", r#"{"SAFE":"ok","BAD":"it's $HOME"}"#)
        .with_file("app.env", "PREVIOUS='1'\n")
        .select("r")
        .status(1)
        .stderr(
            "aws-secrets-env: error: format `dotenv` cannot carry the value of `BAD` to reader \
             `python-dotenv`: it contains a single quote together with `\"`, `$` or backtick, \
             which needs escapes this reader does not read back exactly; use `--reader \
             gotenv,viper,ruby-dotenv,bash,dash,systemd` if only those read the file instead\n",
        )
        .expect_file("app.env", "PREVIOUS='1'\n")
        .run()
        .no_leak();
    let t = Test::new().secret(
        "r2",
        r#"{"CR":"a\rb","INTERP":"${HOME}x","BS":"it's \\$","LF":"a\nb"}"#,
    );
    for (key, reader, why) in [
        (
            "CR",
            "python-dotenv",
            "it contains a carriage return (CR), which python-dotenv turns into LF; use \
             `--reader bash,dash,systemd` if only those read the file instead",
        ),
        (
            "INTERP",
            "python-dotenv",
            "it contains `${`, which python-dotenv expands even inside single quotes; use \
             `--reader node-dotenv,dotenvx,godotenv,gotenv,viper,ruby-dotenv,phpdotenv,bash,\
             dash,systemd` if only those read the file instead",
        ),
        (
            "BS",
            "python-dotenv",
            "it contains a single quote together with a backslash, which needs escapes this \
             reader does not read back exactly; use `--reader gotenv,viper,ruby-dotenv,bash,dash,\
             systemd` if only those read the file instead",
        ),
        (
            "LF",
            "gotenv",
            &format!(
                "it contains a line break, and {GOTENV_LINES}; use `--reader \
                 python-dotenv,node-dotenv,dotenvx,godotenv,phpdotenv,bash,dash,systemd` if \
                 only those read the file instead"
            ),
        ),
    ] {
        Test::new()
            .args(["--secret-id", &format!("{}:{key}", t.name("r2"))])
            .status(1)
            .stderr(format!(
                "aws-secrets-env: error: format `dotenv` cannot carry the value of `{key}` to \
                 reader `{reader}`: {why}\n"
            ))
            .expect_no_file("app.env")
            .run();
    }
}

#[test]
fn masks_come_first_longest_first_escaped_and_per_line() {
    let values = r#"{"DRIVER":"postgres","URL":"postgresql://u:p%41@h/db","PEM":"-----BEGIN-----\nline-two\n-----END-----","EMPTY":"","PCT":"100%\r"}"#;
    let out = Test::new()
        .secret("m", values)
        .select("m")
        .args([
            "--mask", "always", "--format", "shell", "--output", "env.sh",
        ])
        .run()
        .success()
        .no_leak();
    let plain = [
        "-----BEGIN-----%0Aline-two%0A-----END-----",
        "postgresql://u:p%2541@h/db",
        "-----BEGIN-----",
        "-----END-----",
        "line-two",
        "postgres",
        "100%25%0D",
        "100%25",
    ];
    assert_eq!(out.masks_of(&plain), plain);
    // After a line break: stdout may hold a partial line (issue 21, M1).
    let masks = out.stdout.strip_prefix('\n').expect("a line break first");
    assert!(
        masks.lines().all(|l| l.starts_with("::add-mask::")),
        "only mask lines on stdout"
    );
    assert!(out.file("env.sh").contains("export PCT='100%\r'\n"));
}

#[test]
fn mask_auto_follows_github_actions_and_never_disables() {
    let t = Test::new().secret("auto", r#"{"K":"masked-value"}"#);
    let id = t.name("auto");
    let out = Test::new()
        .args(["--secret-id", &id])
        .env("GITHUB_ACTIONS", "true")
        // The value and its base64 forms (mask.rs's tests cover the forms).
        // Each stream's first command after a line break: it may hold a
        // partial line (issue 21, M1).
        .stdout(
            "\n\
             ::add-mask::bWFza2VkLXZhbHVl\n\
             ::add-mask::1hc2tlZC12YWx1Z\n\
             ::add-mask::tYXNrZWQtdmFsdW\n\
             ::add-mask::masked-value\n",
        )
        .stderr(
            "\n\
             ::group::aws-secrets-env\n\
             aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): K\n\
             ::endgroup::\n",
        )
        .run();
    assert_eq!(out.masks_of(&["masked-value"]), ["masked-value"]);
    let out = Test::new()
        .args(["--secret-id", &id, "--mask", "never"])
        .env("GITHUB_ACTIONS", "true")
        .stderr(
            "\n\
             ::group::aws-secrets-env\n\
             aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): K\n\
             ::endgroup::\n",
        )
        .run();
    assert!(out.masks().is_empty());
}

#[test]
fn masks_are_printed_even_when_the_run_fails() {
    let t = Test::new().secret("half", r#"{"K":"fetched-value-1"}"#);
    let (half, missing) = (t.name("half"), t.name("missing"));
    let out = Test::new()
        .args(["--secret-id", &half, "--secret-id", &missing])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .failure();
    assert_eq!(out.masks_of(&["fetched-value-1"]), ["fetched-value-1"]);
    // Masks first, then the annotation.
    let after_masks = out
        .stdout
        .lines()
        .skip(1) // the line break before the first mask (issue 21, M1)
        .find(|l| !l.starts_with("::add-mask::"))
        .unwrap_or_default();
    assert!(after_masks.starts_with("::error title="), "{}", out.stdout);
}

#[test]
fn every_flag_can_come_from_the_environment() {
    let t = Test::new().secret("e1", r#"{"a":"1"}"#).secret("e2", "two");
    let selectors = format!(
        "# from the action input\n{}\n\nB,{}\n",
        t.name("e1"),
        t.name("e2")
    );
    let out = t
        .env("AWS_SECRETS_ENV_SECRET_ID", selectors)
        .env("AWS_SECRETS_ENV_OUTPUT", "out.sh")
        .env("AWS_SECRETS_ENV_FORMAT", "shell")
        .env("AWS_SECRETS_ENV_NAME_TRANSFORMATION", "uppercase")
        .env("AWS_SECRETS_ENV_MASK", "true")
        .env("AWS_SECRETS_ENV_PARSE_JSON", "auto")
        .env("AWS_SECRETS_ENV_REGION", "us-east-1")
        .run()
        .success();
    assert_eq!(out.file("out.sh"), "export A='1'\nexport B='two'\n");
    // Values too short for derived forms are masked as they are.
    assert_eq!(out.masks(), ["two", "1"]);
}

#[test]
fn region_flag_overrides_the_environment() {
    let t = Test::new().secret("reg", r#"{"a":"1"}"#);
    let id = t.name("reg");
    // moto keeps secrets per region: the same name is missing in eu-west-1.
    Test::new()
        .args(["--secret-id", &id, "--region", "eu-west-1"])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: secret `{id}` not found (ResourceNotFoundException): \
             check the name or ARN, the region (eu-west-1) and the version stage or id\n"
        ))
        .run();
}

#[test]
fn usage_errors_exit_2() {
    Test::new()
        .status(2)
        .stderr(
            "error: the following required arguments were not provided:\n  \
             --secret-id <SELECTOR>\n\
             \n\
             Usage: aws-secrets-env write --secret-id <SELECTOR>\n\
             \n\
             For more information, try '--help'.\n\
             aws-secrets-env: the selectors can also come from AWS_SECRETS_ENV_SECRET_ID (one \
             per line), e.g. in a container's environment\n",
        )
        .run();
    Test::new()
        .args(["--secret-id", "a:b:c:d:e"])
        .status(2)
        .stderr(
            "aws-secrets-env: error: invalid selector `a:b:c:d:e`: too many `:` fields: \
             expected ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]\n",
        )
        .run();
    Test::new()
        .args(["--secret-id", "bad-alias,x"])
        .status(2)
        .stderr(
            "aws-secrets-env: error: invalid selector `bad-alias,x`: the alias before `,` must be \
             a variable name: letters, digits and `_`, not starting with a digit\n",
        )
        .run();
    Test::new()
        .args(["--secret-id", "x", "--format", "xml"])
        .status(2)
        .stderr(XML_FORMAT)
        .run();
    Test::new()
        .args(["--secret-id", "# only a comment"])
        .status(2)
        .stderr(
            "aws-secrets-env: error: no secret selected: give --secret-id (or AWS_SECRETS_ENV_SECRET_ID)\n",
        )
        .run();
    Test::new()
        .args(["--secret-id", "x", "--export-env"])
        .status(2)
        .stderr(
            "aws-secrets-env: error: --export-env needs GITHUB_ENV, which only GitHub Actions (or act) sets\n",
        )
        .run();
}

#[test]
fn unreachable_endpoint_and_missing_credentials_fail_clearly() {
    Test::new()
        .args(["--secret-id", "whatever"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .status(1)
        // The reason in parentheses is the SDK's, with the system's own
        // words for the refused connection.
        .stderr(format!(
            "aws-secrets-env: error: secret `whatever`: could not reach AWS Secrets Manager (io \
             error: client error (Connect): tcp connect error: {}); \
             check the network, the region and AWS_ENDPOINT_URL\n",
            os_error(libc::ECONNREFUSED)
        ))
        .run();
    Test::new()
        .args(["--secret-id", "whatever"])
        .env("AWS_ACCESS_KEY_ID", "")
        .env("AWS_SECRET_ACCESS_KEY", "")
        .offline()
        .status(1)
        .stderr(
            // The reason in parentheses is the SDK's own, for this test's
            // environment (no credentials, no instance metadata).
            "aws-secrets-env: error: secret `whatever`: could not obtain AWS credentials or build \
             the request (other: the credential provider was not enabled: no credentials found in \
             chain. Attempted: Environment: the credential provider was not enabled: environment \
             variable not set Profile: the credential provider was not enabled WebIdentityToken: \
             the credential provider was not enabled: $AWS_WEB_IDENTITY_TOKEN_FILE was not set \
             EcsContainer: the credential provider was not enabled: ECS provider not configured \
             Ec2InstanceMetadata: the credential provider was not enabled: IMDS disabled by \
             AWS_EC2_METADATA_DISABLED env var set to `true`); configure credentials (environment, \
             profile, SSO, web identity or an instance role)\n",
        )
        .run();
}

#[test]
fn annotations_under_github_actions() {
    let t = Test::new();
    let missing = t.name("nope");
    let out = t
        .args(["--secret-id", &missing])
        .env("GITHUB_ACTIONS", "true")
        .run()
        .failure();
    assert!(
        out.stdout.contains(&format!(
            "::error title=aws-secrets-env%3A not found::secret `{missing}` not found"
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn usage_errors_are_annotated_under_github_actions() {
    // On stderr (stdout may be the data), after clap's own message.
    Test::new()
        .args(["--secret-id", "x", "--format", "xml"])
        .env("GITHUB_ACTIONS", "true")
        .status(2)
        .stderr(format!(
            "{XML_FORMAT}::error title=aws-secrets-env%3A invalid input::\
             error: invalid value 'xml' for '--format <FORMAT>'\n"
        ))
        .stdout("")
        .run();
}

#[test]
fn step_outputs_summary_and_export_env() {
    let t = Test::new().secret(
        "gh",
        r#"{"DB_SOURCE":"postgres://x:y@z/db","MULTI":"a\nb"}"#,
    );
    for f in ["gh_output", "gh_env", "summary.md"] {
        std::fs::write(t.path(f), "").unwrap();
    }
    let (output, env, summary) = (t.path("gh_output"), t.path("gh_env"), t.path("summary.md"));
    let out = t
        .select("gh")
        .args(["--reader", "python-dotenv"])
        .args(["--export-env", "--allow-names", "DB_SOURCE,MULTI"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", output.to_str().unwrap())
        .env("GITHUB_ENV", env.to_str().unwrap())
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .run()
        .success()
        .no_leak();
    let app_env = out.test.path("app.env");
    let outputs = std::fs::read_to_string(&output).unwrap();
    let (_, path_block) = outputs.split_once("path<<").unwrap();
    let delim = path_block.lines().next().unwrap();
    assert!(outputs.contains(&format!("path<<{delim}\n{}\n{delim}\n", app_env.display())));
    assert!(
        outputs.ends_with("keys=DB_SOURCE,MULTI\ncount=2\n"),
        "{outputs}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("| `DB_SOURCE` | secret \\`"), "{summary}");
    assert!(!summary.contains("postgres://"), "summary shows a value");
    let env = std::fs::read_to_string(&env).unwrap();
    let blocks: Vec<&str> = env.split_inclusive('\n').collect();
    assert!(blocks[0].starts_with("DB_SOURCE<<ghadelimiter_"));
    assert_eq!(blocks[1], "postgres://x:y@z/db\n");
    assert!(blocks[3].starts_with("MULTI<<ghadelimiter_") && blocks[3] != blocks[0]);
    assert_eq!(blocks[4..6].concat(), "a\nb\n");
}

#[test]
fn docker_systemd_and_yaml_formats_through_the_binary() {
    let t = Test::new().secret("f", r#"{"A":"it's $x","B":"yes"}"#);
    let id = t.name("f");
    for (format, expected) in [
        ("docker", "A=it's $x\nB=yes\n"),
        ("systemd", "A=\"it's \\$x\"\nB=\"yes\"\n"),
        ("yaml", "\"A\": \"it's $x\"\n\"B\": \"yes\"\n"),
    ] {
        let out = Test::new()
            .args(["--secret-id", &id, "--format", format, "--output", "out"])
            .run()
            .success();
        assert_eq!(out.file("out"), expected, "{format}");
    }
    Test::new()
        .secret("multi", r#"{"PEM":"a\nb"}"#)
        .select("multi")
        .args(["--format", "docker", "--output", "env.list"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: format `docker` cannot carry the value of `PEM`: \
             it contains a line break, and docker env files are one line per variable; \
             use `--format dotenv` with Docker Compose `env_file:`, or `--format json` instead\n",
        )
        .expect_no_file("env.list")
        .run();
}

#[test]
fn devices_are_written_to_not_replaced() {
    let t = Test::new().secret("dev", r#"{"K":"to-stdout"}"#);
    let out = t
        .select("dev")
        .args(["--output", "/dev/stdout"])
        .run()
        .success();
    assert_eq!(out.stdout, "K='to-stdout'\n");
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null is still a device");
}

/// Issue 14 / review M3: a JSON number is written as its JSON text, also
/// inside arrays and objects kept as JSON.
#[test]
fn json_numbers_keep_their_text() {
    let secret = r#"{"BIG":12345678901234567890123,"PRICE":1.10,"EXP":1e3,"NEG0":-0,"ARR":[1.50, 2E2, {"a": 1.0}],"OBJ":{"N":-1.250E-3},"INT":7,"T":true,"S":"1.10"}"#;
    let out = Test::new()
        .secret("nums", secret)
        .select("nums")
        .args(["--format", "json", "--output", "-"])
        .run()
        .success();
    let got: BTreeMap<String, String> = serde_json::from_str(&out.stdout).unwrap();
    let want = vars(&[
        ("BIG", "12345678901234567890123"),
        ("PRICE", "1.10"),
        ("EXP", "1e3"),
        ("NEG0", "-0"),
        ("ARR", r#"[1.50,2E2,{"a":1.0}]"#),
        ("OBJ_N", "-1.250E-3"),
        ("INT", "7"),
        ("T", "true"),
        ("S", "1.10"),
    ]);
    assert_eq!(got, want);
}

/// Issue 14 / review L1: under `--parse-json auto`, text that starts with `{`
/// and is not valid JSON is an error naming the secret and the line and
/// column, never the text (a console edit's trailing comma must not deploy a
/// file without a single expected key); so is nesting deeper than the
/// parser's limit and a number out of range.
#[test]
fn malformed_json_object_is_an_error_naming_secret_and_position() {
    let deep = format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200));
    for (n, (text, why)) in [
        (
            r#"{"DB_DRIVER":"postgres","DB_PASSWORD":"hunter2-secret",}"#,
            "trailing comma at line 1 column 56",
        ),
        (
            "\n  \t{\"DB_PASSWORD\":\"hunter2-secret\" \"X\":1}",
            "expected `,` or `}` at line 2 column 36",
        ),
        (
            deep.as_str(),
            "recursion limit exceeded at line 1 column 636",
        ),
        (
            r#"{"DB_PASSWORD":"hunter2-secret","HUGE":1e400}"#,
            "number out of range at line 1 column 44",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("bad{n}");
        Test::new()
            .secret(&name, text)
            .select(&name)
            .status(1)
            .stderr(format!(
                "aws-secrets-env: error: secret `[test]-{name}` is not a JSON object (not valid \
                 JSON: {why}), but it starts with `{{` and ends with `}}` (`--parse-json never` keeps \
                 it whole)\n"
            ))
            .expect_no_file("app.env")
            .run()
            .no_leak();
    }
    // Text that does not start with `{` stays one variable, and
    // `--parse-json never` keeps even a broken object whole.
    let t = Test::new().secret("plain", "not json {,}");
    let out = t.select("plain").run().success();
    assert!(out.file("app.env").ends_with("plain='not json {,}'\n"));
    let t = Test::new().secret("keep", r#"{"A":"x",}"#);
    let out = t
        .select("keep")
        .args(["--parse-json", "never"])
        .run()
        .success();
    assert!(out.file("app.env").ends_with("keep='{\"A\":\"x\",}'\n"));
}
