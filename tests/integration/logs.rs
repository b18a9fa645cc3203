//! What the tool prints under GitHub Actions: workflow commands never in the
//! data stream, and no outside text (JSON keys, ids) able to start one.

use crate::support::{Test, read_with_shell};
use std::collections::BTreeMap;
use std::process::Stdio;

const DB: &str = r#"{"password":"db-pass-one-1","user":"app-user-1"}"#;

/// Characters .NET's culture-sensitive comparisons skip under ICU
/// (Unicode's default-ignorable code points): the runner's `StartsWith("::")`
/// and `IndexOf("##[")` may match across them.
fn ignorable(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The lines of `text` that GitHub's runner takes for workflow commands, as
/// `actions/runner`'s `ActionCommand` parses each line (split at CR, LF or
/// CRLF, as `StreamReader.ReadLine` does): `TryParseV2`, `::NAME…::` after
/// leading white space, or else `TryParse`, `##[NAME…]` anywhere in the
/// line. Stricter than the runner: every command name counts, registered or
/// not, and ignorable characters are dropped first (see [`ignorable`]).
pub(crate) fn runner_commands(text: &str) -> Vec<&str> {
    text.split(['\n', '\r'])
        .filter(|line| {
            let line: String = line.chars().filter(|&c| !ignorable(c)).collect();
            let v2 = line
                .trim_start()
                .strip_prefix("::")
                .is_some_and(|rest| rest.contains("::"));
            let v1 = line
                .find("##[")
                .is_some_and(|at| line[at + 3..].contains(']'));
            v2 || v1
        })
        .collect()
}

/// The workflow commands in `text` other than the ones the tool itself
/// prints (masks, its `::error` annotations, its log group), each of those
/// at the very start of its line.
fn forged(text: &str) -> Vec<&str> {
    runner_commands(text)
        .into_iter()
        .filter(|l| {
            !l.starts_with("::add-mask::")
                && !l.starts_with("::error title=aws-secrets-env")
                && *l != "::group::aws-secrets-env"
                && *l != "::endgroup::"
        })
        .collect()
}

/// The stderr of a run under GitHub Actions that writes [`DB`] to standard
/// output (`to` names it, `format` is the format): the masks (each value and
/// its base64 forms) on a line of their own, then the log group.
fn masks_then_the_group(to: &str, format: &str) -> String {
    format!(
        "\n::add-mask::ZGItcGFzcy1vbmUtMQ==\n::add-mask::ZGItcGFzcy1vbmUtM\n\
         ::add-mask::kYi1wYXNzLW9uZS0x\n::add-mask::RiLXBhc3Mtb25lLT\n\
         ::add-mask::YXBwLXVzZXItMQ==\n::add-mask::YXBwLXVzZXItM\n::add-mask::db-pass-one-1\n\
         ::add-mask::hcHAtdXNlci0x\n::add-mask::FwcC11c2VyLT\n::add-mask::app-user-1\n\
         ::group::aws-secrets-env\n\
         aws-secrets-env: wrote 2 variables from 1 selector to {to} ({format}): password, user\n\
         ::endgroup::\n"
    )
}

#[test]
fn piped_stdout_carries_only_the_data_and_masks_go_to_stderr() {
    let t = Test::new().secret("db", DB);
    let out = t
        .select("db")
        .args(["--format", "json", "--output", "-"])
        .env("GITHUB_ACTIONS", "true")
        .stdout_read_after()
        .stderr(masks_then_the_group("standard output", "json"))
        .run();
    let expected: BTreeMap<String, String> =
        [("password", "db-pass-one-1"), ("user", "app-user-1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(out.json(), expected, "stdout is exactly the JSON document");
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
    assert_eq!(
        t.normalize(&stderr),
        masks_then_the_group("standard output", "shell")
    );
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
        // Issue 21 / review M3: the v1 syntax, which the runner finds
        // anywhere in a line, and both syntaxes across zero-width characters.
        "NOTE ##[warning]Forged annotation through a JSON key (v1 command syntax)",
        "C ##[set-output name=keys]x,PATH,HOME,",
        "D #\u{200B}#[warning]across a zero-width space",
        "E\n:\u{2060}:warning::across a word joiner",
        "F :::warning::three colons",
    ];
    for key in keys {
        let secret =
            serde_json::json!({ key: "value-for-forge-1", "OK": "ok-value-1" }).to_string();
        // Refused (a reserved LD_ name) or written or planned: either way,
        // nothing forged.
        for extra in [&[][..], &["--export-env"][..], &["--dry-run"][..]] {
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
                "stdout for {key:?} {extra:?}"
            );
            assert_eq!(
                forged(&out.stderr),
                Vec::<&str>::new(),
                "stderr for {key:?} {extra:?}"
            );
        }
    }
    // The collision error names both keys, one of them a v1 command.
    let secret = r#"{"A ##[stop-commands]pausetoken":"1","A____stop_commands_pausetoken":"2"}"#;
    let out = Test::new()
        .secret("v1c", secret)
        .select("v1c")
        .env("GITHUB_ACTIONS", "true")
        .run()
        .failure();
    assert_eq!(forged(&out.stderr), Vec::<&str>::new(), "{}", out.stderr);
}

/// The parser the tests above rely on finds what the runner would.
#[test]
fn the_runner_style_parser_finds_both_syntaxes() {
    let text = "ok line\n  ::warning::v2 after spaces\nmid ##[error]v1 mid-line\r\
                x ::not-at-start::no\n#\u{200B}#[debug]zw\n##[unclosed\n";
    assert_eq!(
        runner_commands(text),
        [
            "  ::warning::v2 after spaces",
            "mid ##[error]v1 mid-line",
            "#\u{200B}#[debug]zw"
        ]
    );
}

/// Issue 21 / review M2: the keys of a committed current file are outside
/// text. In the plan they are sanitized like any other; in the job summary
/// they are escaped as Markdown outside a code span (where a backslash is
/// literal, so a backtick in the key would close it).
#[test]
fn dry_run_shows_the_current_files_keys_sanitized_and_escaped() {
    let forged_key =
        "\n::warning title=Forged by a committed app.json::this annotation comes from a JSON key\n";
    let md_key = "` | [Re-run with debug](https://attacker.example/login) | `";
    let v1_key = "x ##[set-output name=keys]PATH,HOME";
    let current = serde_json::json!({
        "DB_PASSWORD": "old",
        forged_key: "x",
        md_key: "y",
        v1_key: "z",
    })
    .to_string();
    let t = Test::new()
        .secret("app", r#"{"DB_PASSWORD":"db-password-new-1"}"#)
        .with_file("app.json", &current)
        .with_file("summary.md", "");
    let summary = t.path("summary.md");
    let out = t
        .select("app")
        .args(["--format", "json", "--output", "app.json", "--dry-run"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())
        .run()
        .success()
        .no_leak();
    let plan = out.stdout.split_once("aws-secrets-env: plan").unwrap().1;
    let forged_shown =
        ": :warning title=Forged by a committed app.json: :this annotation comes from a JSON key";
    let md_shown = md_key;
    let v1_shown = "x # #[set-output name=keys]PATH,HOME";
    let w = forged_shown.len();
    assert_eq!(
        out.test.normalize(plan),
        format!(
            " for [dir]/app.json (json); dry run, nothing written:\n\
             \x20 kept       {:<w$}   secret `[test]-app` key `DB_PASSWORD`\n\
             \x20 removed    {forged_shown:<w$}   the current file only\n\
             \x20 removed    {md_shown:<w$}   the current file only\n\
             \x20 removed    {v1_shown:<w$}   the current file only\n",
            "DB_PASSWORD"
        )
    );
    assert_eq!(forged(&out.stdout), Vec::<&str>::new());
    let text = std::fs::read_to_string(&summary).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("| removed |")).collect();
    assert_eq!(
        rows,
        [
            r"| : :warning title=Forged by a committed app\.json: :this annotation comes from a JSON key | removed | the current file only |",
            r"| \` \| \[Re\-run with debug\]\(https://attacker\.example/login\) \| \` | removed | the current file only |",
            r"| x \# \#\[set\-output name=keys\]PATH,HOME | removed | the current file only |",
        ]
    );
    assert!(
        text.contains("| `DB_PASSWORD` | kept | "),
        "a plain name stays in a code span: {text}"
    );
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

/// Runs `t` with standard output redirected to `file` (created, or appended
/// to when `append`), standard error piped; returns the exit code and stderr.
fn redirected(t: &crate::support::Test, file: &std::path::Path, append: bool) -> (i32, String) {
    let stdout = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(file)
        .unwrap();
    let out = t
        .command()
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Issue 21 / review H2: an output path that is standard output (by name or
/// because it is the same file as fd 1) is a stream like `-o -`: the
/// redirected file holds exactly the data, every mask is on stderr.
#[test]
fn an_output_that_is_standard_output_gets_no_workflow_command() {
    let data = "export password='db-pass-one-1'\nexport user='app-user-1'\n";
    for path in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "a link"] {
        let t = Test::new().secret("db", DB);
        let file = t.path("app.env");
        // A path not spelled as a stream: a link to one, followed.
        let output: &[&str] = if path == "a link" {
            std::os::unix::fs::symlink("/dev/stdout", t.path("out.link")).unwrap();
            &["--follow-symlinks", "--output", "out.link"]
        } else {
            &["--output", path]
        };
        let t = t
            .select("db")
            .args(["--format", "shell"])
            .args(output.iter().copied())
            .env("GITHUB_ACTIONS", "true");
        let (code, stderr) = redirected(&t, &file, true);
        assert_eq!(code, 0, "{path}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            data,
            "{path}: the file holds the data and nothing else"
        );
        assert_eq!(
            t.normalize(&stderr),
            masks_then_the_group(
                if path == "a link" {
                    "[dir]/out.link"
                } else {
                    path
                },
                "shell"
            ),
            "{path}: the masks are on stderr"
        );
        assert_eq!(
            read_with_shell("bash", &file, &["password"])["password"],
            "db-pass-one-1"
        );
    }
}

/// With the data on standard output and standard error the same regular
/// file, no stream is left for the masks: the run is refused before any
/// call to AWS, with no workflow command (its annotation included) in the
/// file, which keeps what it had.
#[test]
fn data_and_stderr_in_one_file_are_refused() {
    let t = Test::new()
        .select("db")
        .args(["--format", "shell", "--output", "-"])
        .env("GITHUB_ACTIONS", "true")
        .offline();
    let file = t.path("app.env");
    std::fs::write(&file, "KEEP=1\n").unwrap();
    let log = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    let out = t
        .command()
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "KEEP=1\n\
         aws-secrets-env: error: standard output (the data) and standard error are the same file, \
         so the masks would go into the data; send standard error elsewhere (`2>&1` is the cause), \
         or write with `--output FILE`\n"
    );
}

/// Runs `t` as `sh -c 'printf partial; printf partial >&2; exec BIN ARGS'`:
/// both streams hold a partial line when the tool starts.
fn after_partial_lines(t: &Test) -> std::process::Output {
    let inner = t.command();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(r#"printf partial; printf partial >&2; exec "$0" "$@""#)
        .arg(inner.get_program())
        .args(inner.get_args())
        .current_dir(inner.get_current_dir().unwrap())
        .env_clear();
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.stdin(Stdio::null()).output().unwrap()
}

/// Issue 21 / review M1: whatever an earlier command left on the same
/// stream, every workflow command the tool prints starts a line of its own,
/// so the runner parses each one (masks on stdout, or on stderr with
/// `--output -`; the log group and annotations on stderr).
#[test]
fn every_command_starts_a_line_of_its_own_after_a_partial_line() {
    let data_args: [&[&str]; 2] = [&[], &["--format", "json", "--output", "-"]];
    for args in data_args {
        let t = Test::new()
            .secret("db", DB)
            .select("db")
            .args(args.iter().copied())
            .env("GITHUB_ACTIONS", "true");
        let alone = t.command().stdin(Stdio::null()).output().unwrap();
        let after = after_partial_lines(&t);
        assert!(alone.status.success() && after.status.success());
        for (name, alone, after) in [
            ("stdout", &alone.stdout, &after.stdout),
            ("stderr", &alone.stderr, &after.stderr),
        ] {
            let (alone, after) = (
                String::from_utf8(alone.clone()).unwrap(),
                String::from_utf8(after.clone()).unwrap(),
            );
            assert_eq!(after, format!("partial{alone}"), "{args:?} {name}");
            let commands = runner_commands(&alone);
            let data = name == "stdout" && !args.is_empty();
            assert_eq!(commands.is_empty(), data, "{args:?} {name}: {alone}");
            assert_eq!(
                runner_commands(&after),
                commands,
                "{args:?} {name}: every command is still parsed after the partial line"
            );
            assert_eq!(forged(&after), Vec::<&str>::new());
        }
    }
}

/// The texts a run registers with `::add-mask::` (data unescaped).
fn registered(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .map(|m| {
            m.replace("%0A", "\n")
                .replace("%0D", "\r")
                .replace("%25", "%")
        })
        .collect()
}

/// What `program args…` prints with `V` set to `value` (one line, its
/// trailing line break removed).
fn printed(value: &str, program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .env("V", value)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    let text = String::from_utf8(out.stdout).unwrap();
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

/// The inside of a quoted form: `$'…'`, `"…"`, `'…'` or `` `…` ``, else the
/// text itself (`printf %q`'s backslash form).
fn inside(form: &str) -> &str {
    let form = form.split_once("V=").map_or(form, |(_, rest)| rest);
    if let Some(rest) = form.strip_prefix("$'") {
        return rest.strip_suffix('\'').unwrap();
    }
    for q in ['"', '\'', '`'] {
        if form.len() >= 2 && form.starts_with(q) && form.ends_with(q) {
            return &form[1..form.len() - 1];
        }
    }
    form
}

/// Issue 21 / review L4: the backslash-escaped forms that real programs
/// print are registered as masks: bash `printf %q` (also in the C locale),
/// `declare -p`, `export -p`, Python `repr`, Node `util.inspect`.
#[test]
fn masks_cover_what_bash_python_and_node_print() {
    let values = [
        "it's \"quoted\" $USER `x`",
        "  spaced value pw  ",
        "p@ss w/rd?&=+#",
        "back\\slash 'single' only",
        "ctl\ttab\u{1}'both\"-quotes\u{7f}",
        "#hash~start \u{e4}-\u{fc} 'q' \"d\"",
        "multi\nline 'v' \"w\"",
    ];
    let secret = serde_json::Value::Object(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("K{i}"), serde_json::Value::from(*v)))
            .collect(),
    );
    let out = Test::new()
        .secret("forms", &secret.to_string())
        .select("forms")
        .args([
            "--mask",
            "always",
            "--format",
            "json",
            "--output",
            "/dev/null",
        ])
        .run()
        .success();
    let masks = registered(&out.stdout);
    let forms: [(&str, &[&str]); 6] = [
        ("bash", &["-c", r#"printf '%q' "$V""#]),
        ("env", &["LC_ALL=C", "bash", "-c", r#"printf '%q' "$V""#]),
        ("bash", &["-c", "declare -p V"]),
        ("bash", &["-c", "export -p | grep '^declare -x V='"]),
        (
            "python3",
            &["-c", "import os; print(repr(os.environ['V']))"],
        ),
        (
            "node",
            &["-e", "console.log(require('util').inspect(process.env.V))"],
        ),
    ];
    let mut missing = Vec::new();
    for value in values {
        for (program, args) in forms {
            let form = printed(value, program, args);
            let text = inside(&form);
            if !masks.iter().any(|m| m == text) {
                missing.push(format!("{program} {args:?}: {form}"));
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new(), "forms printed in clear");
}

/// Issue 21 / review L5: whoever controls the current file (a committed
/// app.env) and reads the log learns nothing from a plan about a guessed
/// value: a key in both files is `kept`, right guess or wrong. Values are
/// compared only with `--compare-values`.
#[test]
fn dry_run_does_not_tell_whether_a_guessed_value_is_right() {
    for (compare, wrong, right) in [
        (false, "kept     ", "kept     "),
        (true, "changed  ", "unchanged"),
    ] {
        for (guess, state) in [("1234", wrong), ("4711", right)] {
            Test::new()
                .secret("pin", r#"{"DEPLOY_PIN":"4711"}"#)
                .with_file("app.env", &format!("DEPLOY_PIN='{guess}'\n"))
                .select("pin")
                .arg("--dry-run")
                .args(compare.then_some("--compare-values"))
                .env("GITHUB_ACTIONS", "true")
                .stdout(format!(
                    "\n::add-mask::NDcxMQ==\n::add-mask::4711\n\
                     aws-secrets-env: plan for [dir]/app.env (dotenv); dry run, nothing written:\n\
                     \x20 {state}  DEPLOY_PIN   secret `[test]-pin` key `DEPLOY_PIN`\n"
                ))
                .run();
        }
    }
}
