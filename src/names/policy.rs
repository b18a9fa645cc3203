//! Which names a secret may set in another process's environment: the deny
//! set for later workflow steps (through `$GITHUB_ENV`) and `exec` (the
//! command and its children).
//!
//! The attacker this guards against can write a secret's value **and its JSON
//! keys** (SECURITY.md). Every key becomes a variable name, so a key such as
//! `GIT_CONFIG_COUNT`, `TAR_OPTIONS` or `HTTPS_PROXY` would otherwise let them
//! run code in, or redirect the traffic of, every later step. A list of
//! dangerous names is never complete, so the first line is elsewhere: an
//! export sets only the names the workflow declared (`names::Declared`). This
//! module is the second line, and the only one for the drop-in
//! (`--compat official`, which exports every key as the official action does)
//! and for `exec` without `--allow-names`:
//!
//! 1. [`denied`]: names that change how programs start, run, find code or
//!    reach the network are never set, whatever the user declares. They live
//!    in `policy/deny.txt`, grouped by the program that reads them
//!    ([`Family`]), each family beside the manual pages and documentation it
//!    was built from (the ENVIRONMENT sections of the tools on GitHub's
//!    Ubuntu runner), so that the error can say why and a new variable of a
//!    known family is covered by its prefix. Matching ignores ASCII case:
//!    Windows environments are case-insensitive, and curl, npm and others
//!    read lower-case forms (`https_proxy`, `npm_config_script_shell`). A few
//!    credentials that their program only sends to the host it already uses
//!    (`GH_TOKEN`, `CARGO_REGISTRY_TOKEN`, `TF_VAR_*`…) are exceptions.
//! 2. [`matches_any`]: the `--allow-names` patterns (`DB_*`, `*` the only
//!    wildcard) that declare names.
//! 3. [`refuses_replacing`]: a name that the step's environment already has is
//!    not replaced unless the user names it (`--overwrite NAME`): the runner
//!    image's `JAVA_HOME_17_X64`, `ANDROID_NDK`, anything an earlier step set
//!    stay what they were, even when no family lists them.
//!
//! A denied name is refused even when an allow pattern matches it and even
//! with `--overwrite`: to give a program such a variable on purpose, set it in
//! the workflow (`env:`), where a reviewer sees it. Writing a plain file is not
//! governed by this module (`--allow-reserved-names` applies there).

/// A group of variables read by one kind of program, with the reason they
/// are never set from a secret. Its names, and the documentation they come
/// from, are in `policy/deny.txt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// `AWS_SECRETS_ENV_*`.
    Tool,
    /// The dynamic loader and the C library.
    Loader,
    /// bash, dash, zsh, mksh.
    Shell,
    /// git.
    Git,
    /// Language runtimes and their package managers.
    Runtime,
    /// Compilers, linkers, make, configure.
    Build,
    /// tar and the compressors.
    Archive,
    /// `PATH`, `HOME`, temp and config directories, the terminal.
    System,
    /// Locale and time zone.
    Locale,
    /// Proxies, CA bundles and TLS configuration.
    Network,
    /// Commands and endpoints of other programs (pagers, editors, docker…).
    Programs,
    /// The AWS SDKs and CLI.
    Aws,
    /// CI systems and the Actions runner.
    Ci,
}

impl Family {
    /// Every family, in the order [`denied`] checks them.
    pub(crate) const ALL: [Family; 13] = [
        Family::Tool,
        Family::Loader,
        Family::Shell,
        Family::Git,
        Family::Runtime,
        Family::Build,
        Family::Archive,
        Family::System,
        Family::Locale,
        Family::Network,
        Family::Programs,
        Family::Aws,
        Family::Ci,
    ];

    /// Its `[key]` in `policy/deny.txt`.
    fn key(self) -> &'static str {
        match self {
            Family::Tool => "tool",
            Family::Loader => "loader",
            Family::Shell => "shell",
            Family::Git => "git",
            Family::Runtime => "runtime",
            Family::Build => "build",
            Family::Archive => "archive",
            Family::System => "system",
            Family::Locale => "locale",
            Family::Network => "network",
            Family::Programs => "programs",
            Family::Aws => "aws",
            Family::Ci => "ci",
        }
    }

    /// The article before [`Family::name`] as it is spoken: "an AWS SDK…
    /// variable", "a git variable".
    pub(crate) fn article(self) -> &'static str {
        match self {
            Family::Tool | Family::Aws => "an",
            _ => "a",
        }
    }

    /// A short name for messages: "git", "dynamic loader"…
    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::Tool => "aws-secrets-env's own settings",
            Family::Loader => "dynamic loader and C library",
            Family::Shell => "shell",
            Family::Git => "git",
            Family::Runtime => "language runtime or build tool",
            Family::Build => "compiler, make or configure",
            Family::Archive => "tar or compressor option",
            Family::System => "PATH, HOME and system directories",
            Family::Locale => "locale and time zone",
            Family::Network => "proxy, CA bundle or TLS setting",
            Family::Programs => "command or endpoint of another program",
            Family::Aws => "AWS SDK and CLI configuration",
            Family::Ci => "CI and runner",
        }
    }

    /// Why such a name is never set from a secret (one clause, no value).
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Family::Tool => {
                "a later run of aws-secrets-env or its action would take its options from it"
            }
            Family::Loader => "it loads code into every later process or changes how names resolve",
            Family::Shell => {
                "every later shell would run code from it or parse commands differently"
            }
            Family::Git => "git runs commands and reads configuration from such variables",
            Family::Runtime => {
                "the runtime or build tool loads options, agents or packages from it"
            }
            Family::Build => {
                "compilers, make and configure run programs, read options or load files from it"
            }
            Family::Archive => {
                "tar and the compressors read it as command-line options, some of which run commands"
            }
            Family::System => {
                "it changes which program a command runs or where tools read their configuration"
            }
            Family::Locale => {
                "it changes how every later program parses and prints text, numbers and dates"
            }
            Family::Network => {
                "it sends later network traffic through another host or changes which certificates are trusted"
            }
            Family::Programs => {
                "another program runs a command from it or sends its credentials where it says"
            }
            Family::Aws => {
                "later AWS calls would use other credentials, endpoints, profiles or CA bundles"
            }
            Family::Ci => "the runner, later actions and many tools read it to decide how they run",
        }
    }
}

/// The deny set's data: families of patterns with their sources.
const DENY: &str = include_str!("policy/deny.txt");

/// `policy/deny.txt`, parsed: the credential exceptions, then each family's
/// patterns (upper case, `*` and `?`).
struct Rules {
    credentials: Vec<&'static str>,
    families: Vec<(Family, Vec<&'static str>)>,
}

/// Parses `text` (the syntax is described at the top of `deny.txt`).
fn parse(text: &'static str) -> Result<Rules, String> {
    let mut rules = Rules {
        credentials: Vec::new(),
        families: Vec::new(),
    };
    let mut current: Option<Option<Family>> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("source:") {
            continue;
        }
        if let Some(key) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let family = if key == "credentials" {
                None
            } else {
                let family = Family::ALL
                    .into_iter()
                    .find(|f| f.key() == key)
                    .ok_or(format!("line {}: unknown family `{key}`", n + 1))?;
                rules.families.push((family, Vec::new()));
                Some(family)
            };
            current = Some(family);
            continue;
        }
        if !line
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_*?".contains(&b))
        {
            return Err(format!(
                "line {}: `{line}` is not an upper-case pattern",
                n + 1
            ));
        }
        match current {
            None => return Err(format!("line {}: a pattern before any family", n + 1)),
            Some(None) => rules.credentials.push(line),
            Some(Some(_)) => rules
                .families
                .last_mut()
                .expect("a family was pushed")
                .1
                .push(line),
        }
    }
    Ok(rules)
}

fn rules() -> &'static Rules {
    static RULES: std::sync::LazyLock<Rules> = std::sync::LazyLock::new(|| {
        parse(DENY).unwrap_or_else(|e| panic!("src/names/policy/deny.txt: {e}"))
    });
    &RULES
}

/// The family that forbids exporting or injecting `name`, if any. ASCII case
/// is ignored. A credential of the `[credentials]` block is never denied. A
/// name that is empty, or not a portable variable name, is not this
/// function's business (the name rules refuse it earlier).
pub(crate) fn denied(name: &str) -> Option<Family> {
    let upper = name.to_ascii_uppercase();
    let rules = rules();
    if rules.credentials.iter().any(|p| glob(p, &upper)) {
        return None;
    }
    rules
        .families
        .iter()
        .find(|(_, patterns)| patterns.iter().any(|p| glob(p, &upper)))
        .map(|(family, _)| *family)
}

/// Whether `name` matches one of the `patterns` (`DB_*`, `APP_*_URL`,
/// `TOKEN`): `*` matches any run of characters, everything else matches
/// itself, case-sensitively (names are case-sensitive outside Windows, and a
/// declaration should be no looser than written). An empty list matches
/// nothing.
pub(crate) fn matches_any(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| glob(p, name))
}

/// Checks one allow or overwrite pattern: non-empty, only `[A-Za-z0-9_*]`.
/// The error names the rule, never echoes the pattern.
pub(crate) fn check_pattern(pattern: &str) -> Result<(), &'static str> {
    if pattern.is_empty() {
        return Err("a name pattern must not be empty");
    }
    if !pattern
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'*')
    {
        return Err("a name pattern may hold only letters, digits, `_` and `*`");
    }
    Ok(())
}

/// Splits an option value or environment variable into patterns: separated
/// by commas, spaces or line breaks; empty pieces dropped; each checked.
pub(crate) fn parse_patterns(text: &str) -> Result<Vec<String>, &'static str> {
    text.split([',', ' ', '\t', '\n', '\r'])
        .filter(|p| !p.is_empty())
        .map(|p| check_pattern(p).map(|()| p.to_string()))
        .collect()
}

/// True when exporting `name` would replace a variable that the step's
/// environment already has (`has` looks it up: `|n| std::env::var_os(n).is_some()`,
/// which is case-insensitive on Windows) and the user did not name it in
/// `overwrite` (same pattern syntax as [`matches_any`]; an empty list
/// names nothing). The caller refuses such a name.
pub(crate) fn refuses_replacing(
    name: &str,
    overwrite: &[String],
    has: impl Fn(&str) -> bool,
) -> bool {
    has(name) && !overwrite.iter().any(|p| glob(p, name))
}

/// Glob match: `*` any run of characters, `?` exactly one (only
/// `deny.txt` uses `?`: user patterns allow `*` alone); linear
/// backtracking on the last `*`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == t[ti] || p[pi] == b'?') {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests;
