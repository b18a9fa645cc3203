//! Every error the tool reports. Variants carry ids, keys, paths and AWS error codes — never values.

use std::path::PathBuf;

/// What went wrong. `Display` is the one-line message the user sees; no variant
/// holds a secret value, so printing any of them cannot leak one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A selector that does not follow `[ALIAS,]ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]`.
    #[error("invalid selector `{selector}`: {reason}")]
    Selector { selector: String, reason: String },

    /// Options that do not fit together.
    #[error("{0}")]
    Usage(String),

    /// `what` is "secret `ID`" or "parameter `NAME`"; `hint` says what to check.
    #[error("{what} not found ({code}): {hint}")]
    NotFound {
        what: String,
        code: String,
        hint: String,
    },

    #[error("selector `{selector}` matched no {kind}; end it with `?` if finding nothing is fine")]
    NoMatch {
        selector: String,
        kind: &'static str,
    },

    #[error("access denied to {what} ({code}): the caller needs {actions}{detail}")]
    AccessDenied {
        what: String,
        code: String,
        actions: &'static str,
        detail: String,
    },

    #[error(
        "secret `{id}` is scheduled for deletion (InvalidRequestException): restore it with `aws secretsmanager restore-secret --secret-id {id}` or stop selecting it"
    )]
    ScheduledForDeletion { id: String },

    #[error(
        "{what} could not be decrypted ({code}): the caller needs `kms:Decrypt` on its KMS key, and the key must be enabled{detail}"
    )]
    Decryption {
        what: String,
        code: String,
        detail: String,
    },

    #[error(
        "{what}: AWS throttled the request ({code}) and retries ran out; run again later or select fewer at once"
    )]
    Throttled { what: String, code: String },

    #[error("{what}: AWS error {code}: {message}")]
    Aws {
        what: String,
        code: String,
        message: String,
    },

    /// A 5xx answer after the retries: the service failed on its side.
    #[error(
        "{what}: {service} failed on its side (HTTP {status}, {code}) and retries ran out{detail}"
    )]
    Unavailable {
        what: String,
        service: &'static str,
        status: u16,
        code: String,
        detail: String,
    },

    /// An outage of a secret's region (`primary`), and no replica in a
    /// `--fallback-region` could be read either: `replicas` says why, region
    /// by region.
    #[error("{primary}; no replica could be read instead: {replicas}")]
    NoReplica {
        primary: Box<Error>,
        replicas: String,
    },

    #[error(
        "{what}: could not reach {service} ({reason}); check the network, the region and AWS_ENDPOINT_URL"
    )]
    Network {
        what: String,
        service: &'static str,
        reason: String,
    },

    /// A reply body over the cap (`fetch::REPLY_CAP`), cut off while read;
    /// `operation` is the API call, `limit` the cap in bytes.
    #[error(
        "{what}: the {operation} reply from {service} is larger than {} MiB ({limit} bytes), the most read from one reply; no AWS reply is that large: check AWS_ENDPOINT_URL and any proxy in between",
        .limit >> 20
    )]
    ReplyTooLarge {
        what: String,
        service: &'static str,
        operation: String,
        limit: u64,
    },

    #[error(
        "{what}: could not obtain AWS credentials or build the request ({reason}); configure credentials (environment, profile, SSO, web identity or an instance role)"
    )]
    Credentials { what: String, reason: String },

    /// `role` in the variants below is `` `NAME` in account ID `` (an IAM
    /// ARN's `::` would be broken up by `sanitize`).
    ///
    /// `--role-arn` under GitHub Actions, where the SDK found no credentials
    /// and the job has no OIDC token to offer (no `id-token: write`).
    #[error(
        "cannot assume role {role}: this step has no AWS credentials, and no GitHub OIDC token to exchange for them (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set): give the job `permissions: id-token: write`, or configure credentials before this step"
    )]
    NoIdToken { role: String },

    /// `--role-arn` outside GitHub Actions with no credentials to assume it with.
    #[error(
        "cannot assume role {role}: the SDK found no AWS credentials to assume it with; configure credentials (environment, profile, SSO, web identity or an instance role)"
    )]
    NoBaseCredentials { role: String },

    /// `--role-external-id` where only the OIDC token is there to assume the role.
    #[error(
        "cannot assume role {role} with an external id: this step has no AWS credentials, and GitHub's OIDC token (AssumeRoleWithWebIdentity) carries no external id; drop --role-external-id (the trust policy's `sub` condition does its work), or configure credentials before this step"
    )]
    ExternalIdWithOidc { role: String },

    /// STS refused GitHub's OIDC token: `subject` is the token's `sub` claim.
    #[error(
        "role {role} refused GitHub's OIDC token for subject `{subject}` ({code}): the role's trust policy must allow `sts:AssumeRoleWithWebIdentity` from the OIDC provider `token.actions.githubusercontent.com` with audience `sts.amazonaws.com` and a `token.actions.githubusercontent.com:sub` condition that this subject matches{detail}"
    )]
    OidcRefused {
        role: String,
        subject: String,
        code: String,
        detail: String,
    },

    /// STS refused `AssumeRole` with the credentials the SDK found.
    #[error(
        "the current AWS credentials cannot assume role {role} ({code}): the role's trust policy must allow them `sts:AssumeRole`{external}, and their own IAM policy must allow `sts:AssumeRole` on the role{detail}"
    )]
    RoleRefused {
        role: String,
        code: String,
        external: &'static str,
        detail: String,
    },

    /// GitHub's token endpoint did not hand out the job's OIDC token.
    #[error("cannot get GitHub's OIDC token from ACTIONS_ID_TOKEN_REQUEST_URL: {reason}")]
    OidcToken { reason: String },

    #[error(
        "secret `{id}` is stored as SecretBinary: pass `--binary-base64` to write it as base64, or `--binary-dir DIR` to write it to a file of its own (a JSON key cannot be selected from it)"
    )]
    Binary { id: String },

    #[error("secret `{id}` has no SecretString")]
    Empty { id: String },

    #[error("secret `{id}` is not a JSON object{detail}, but {why}")]
    NotJsonObject {
        id: String,
        detail: String,
        why: &'static str,
    },

    /// `known`: the keys that exist, names only (`` `A`, `B` ``).
    #[error("secret `{id}` has no JSON key `{key}`; its keys: {known}")]
    MissingKey {
        id: String,
        key: String,
        known: String,
    },

    #[error(
        "no AWS region: set AWS_REGION, pass --region (the action's `region` input), or select by full ARN"
    )]
    NoRegion,

    #[error("variable `{name}` would come from both {first} and {second}{fix}")]
    Collision {
        name: String,
        first: String,
        second: String,
        /// What separates them: an alias, or (both under one wildcard or
        /// path, which an alias prefixes alike) a narrower selector.
        fix: String,
    },

    #[error(
        "variable `{name}` (from {source_desc}) would change how programs run; rename it with an alias (`ALIAS,ID`){hint}"
    )]
    Reserved {
        name: String,
        source_desc: String,
        hint: &'static str,
    },

    #[error(
        "variable `{name}` (from {source_desc}) is never {verb}: it is {article} {family} variable, and {reason}; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where a reviewer sees it"
    )]
    Denied {
        name: String,
        source_desc: String,
        verb: &'static str,
        /// "a" or "an", as [`family`](Error::Denied::family) is spoken.
        article: &'static str,
        family: &'static str,
        reason: &'static str,
    },

    #[error(
        "variable `{name}` (from {source_desc}) is already set in this step's environment; name it in --overwrite (the action's `overwrite` input) to replace it"
    )]
    Exists { name: String, source_desc: String },

    #[error("{source_desc} gives an empty variable name; select it with an alias (`ALIAS,ID`)")]
    EmptyName { source_desc: String },

    /// An encoder cannot represent a value exactly, so it refuses rather than corrupt it.
    #[error(
        "format `{format}` cannot carry the value of `{key}`: it {reason}; use {suggest} instead"
    )]
    Refused {
        key: String,
        format: &'static str,
        reason: &'static str,
        suggest: &'static str,
    },

    /// A `--base` or `--example` file line the grammar cannot read exactly:
    /// its number and why, never its content.
    #[error(
        "cannot read `{}` ({flag}) as {format}: line {line} {reason} (the line is not shown)",
        path.display()
    )]
    EnvFile {
        path: PathBuf,
        flag: &'static str,
        format: &'static str,
        line: usize,
        reason: &'static str,
    },

    #[error("cannot read `{}` ({flag}): {source}", path.display())]
    Read {
        path: PathBuf,
        flag: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// A key of the `--example` file that nothing provides.
    #[error(
        "`{key}` is listed in `{}` (--example), but no secret provides it{}",
        example.display(),
        if *.with_base { " and the base file lacks it" } else { "" }
    )]
    NotProvided {
        key: String,
        example: PathBuf,
        with_base: bool,
    },

    /// The same, for a reader of the file (`--reader`): names the reader and
    /// the `--reader` choice or format that would carry the value.
    #[error(
        "format `{format}` cannot carry the value of `{key}` to reader `{reader}`: it {reason}; use {suggest} instead"
    )]
    RefusedForReader {
        key: String,
        format: &'static str,
        reader: &'static str,
        reason: &'static str,
        suggest: String,
    },

    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "AWS did not answer within {seconds} s (--timeout); check the network, the region and AWS_ENDPOINT_URL, or raise --timeout"
    )]
    Timeout { seconds: f64 },

    /// `--timeout` passed after the fetch: `stage` is what was still running.
    #[error(
        "the run did not finish within {seconds} s (--timeout): still {stage}; raise --timeout, or select fewer secrets"
    )]
    RunTimeout { seconds: f64, stage: &'static str },

    /// A fetched value larger than AWS stores (`load::MAX_VALUE`).
    #[error(
        "{what}: its value is {bytes} bytes, more than the {limit} AWS stores in one secret or parameter; no AWS reply holds one: check AWS_ENDPOINT_URL and any proxy in between"
    )]
    ValueTooLarge {
        what: String,
        bytes: usize,
        limit: usize,
    },

    /// More variables than one run loads (`load::MAX_VARIABLES`).
    #[error(
        "the selected secrets give more than {limit} variables, the most one run loads; select fewer secrets, or single JSON keys"
    )]
    TooManyVariables { limit: usize },

    /// More mask lines than one run prints (`mask::MAX_LINES`, `mask::MAX_BYTES`).
    #[error(
        "the values need more than {lines} mask lines or {} MiB of them (their escaped and encoded forms), the most one run prints; select fewer secrets or keys",
        .bytes >> 20
    )]
    TooManyMasks { lines: usize, bytes: usize },

    #[error("cannot run `{program}`: {source}")]
    Exec {
        program: String,
        #[source]
        source: std::io::Error,
    },

    /// A variable that `execve` cannot pass to the command: a NUL byte, or
    /// a string past the kernel's limit. Names the variable, never the value.
    #[error("variable `{name}` (from {source_desc}) cannot be passed to `{program}`: {reason}")]
    Unpassable {
        name: String,
        source_desc: String,
        program: String,
        reason: String,
    },

    /// The command's whole environment and arguments past the kernel's limit.
    #[error(
        "the environment and arguments of `{program}` would take {bytes} bytes, over the kernel's limit of {limit} (ARG_MAX, a quarter of the stack limit); select fewer values, or pass large ones as files with --binary-dir"
    )]
    TooBigToExec {
        program: String,
        bytes: usize,
        limit: usize,
    },

    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),

    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),

    /// Several independent failures (e.g. three missing secrets); each is reported.
    #[error("{} secrets failed", .0.len())]
    Many(Vec<Error>),
}

impl Error {
    /// True for "does not exist" outcomes that an optional selector may ignore.
    #[must_use]
    pub fn is_absence(&self) -> bool {
        matches!(self, Error::NotFound { .. } | Error::NoMatch { .. })
    }

    /// The process exit code: 2 for usage errors, 1 for everything else.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Selector { .. } | Error::Usage(_) => 2,
            Error::Many(errors) if errors.iter().all(|e| e.exit_code() == 2) => 2,
            // As shells do: 127 for a command not found, 126 for one that cannot run.
            Error::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 127,
            Error::Exec { .. } | Error::Unpassable { .. } | Error::TooBigToExec { .. } => 126,
            _ => 1,
        }
    }

    /// A short title for a GitHub `::error title=…::` annotation.
    #[must_use]
    pub fn title(&self) -> &'static str {
        match self {
            Error::Selector { .. } | Error::Usage(_) => "invalid input",
            Error::NotFound { .. } | Error::NoMatch { .. } => "not found",
            Error::AccessDenied { .. } => "access denied",
            Error::ScheduledForDeletion { .. } => "secret scheduled for deletion",
            Error::Decryption { .. } => "KMS decryption failed",
            Error::Throttled { .. } => "throttled",
            Error::Aws { .. } => "AWS error",
            Error::Network { .. } | Error::Timeout { .. } => "network failure",
            Error::Unavailable { .. } | Error::NoReplica { .. } => "AWS unavailable",
            Error::RunTimeout { .. } => "timeout",
            Error::TooManyVariables { .. } | Error::TooManyMasks { .. } => "too many values",
            Error::ReplyTooLarge { .. } | Error::ValueTooLarge { .. } => "reply too large",
            Error::Credentials { .. } => "no AWS credentials",
            Error::NoIdToken { .. }
            | Error::NoBaseCredentials { .. }
            | Error::ExternalIdWithOidc { .. }
            | Error::OidcRefused { .. }
            | Error::RoleRefused { .. }
            | Error::OidcToken { .. } => "role not assumed",
            Error::NoRegion => "no AWS region",
            Error::Binary { .. } | Error::Empty { .. } => "unsupported secret",
            Error::NotJsonObject { .. } | Error::MissingKey { .. } => "JSON secret",
            Error::Collision { .. }
            | Error::EmptyName { .. }
            | Error::Reserved { .. }
            | Error::Denied { .. }
            | Error::Exists { .. } => "variable name",
            Error::Refused { .. } | Error::RefusedForReader { .. } => "value refused by format",
            Error::Write { .. } | Error::Stdout(_) => "write failed",
            Error::EnvFile { .. } | Error::Read { .. } => "unreadable env file",
            Error::NotProvided { .. } => "key missing",
            Error::Runtime(_) => "internal error",
            Error::Exec { .. } | Error::Unpassable { .. } | Error::TooBigToExec { .. } => {
                "command failed to start"
            }
            Error::Many(_) => "several errors",
        }
    }

    /// Ok for no errors, the error itself for one, `Many` for several.
    pub fn all(mut errors: Vec<Error>) -> Result<(), Error> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Many(errors)),
        }
    }

    /// The individual errors: itself, or each one of `Many`.
    pub fn flatten(&self) -> Vec<&Error> {
        match self {
            Error::Many(errors) => errors.iter().flat_map(Error::flatten).collect(),
            other => vec![other],
        }
    }
}

/// Text that came from outside (AWS messages, names, keys of a file) made
/// safe to print on one line: control and default-ignorable characters (see
/// [`ignorable`]) become spaces, runs of white space one space, so it can
/// neither start a new log line nor a workflow command: `::` (which the
/// runner reads at a line's start) becomes `: :`, and `##[` (its v1 syntax,
/// read anywhere in a line) becomes `# #[`.
#[must_use]
pub fn sanitize(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_control() || ignorable(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut out = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    // Repeated: one pass over `:::` leaves `: ::`.
    while out.contains("::") {
        out = out.replace("::", ": :");
    }
    while out.contains("##[") {
        out = out.replace("##[", "# #[");
    }
    out
}

/// Unicode's default-ignorable code points (zero-width and joining
/// characters, bidirectional controls, variation selectors, tags…). The
/// runner matches `::` and `##[` with .NET's culture-sensitive `StartsWith`
/// and `IndexOf`, which under ICU skip these, so `:\u{200B}:` could match.
#[must_use]
pub fn ignorable(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_2_others_1() {
        let usage = Error::Usage("x".into());
        let missing = Error::Empty { id: "a".into() };
        assert_eq!(usage.exit_code(), 2);
        assert_eq!(missing.exit_code(), 1);
        assert_eq!(Error::Many(vec![Error::Usage("a".into())]).exit_code(), 2);
        assert_eq!(Error::Many(vec![usage, missing]).exit_code(), 1);
    }

    #[test]
    fn sanitize_removes_line_breaks_and_command_markers() {
        assert_eq!(
            sanitize("bad\n::stop-commands::x\r"),
            "bad : :stop-commands: :x"
        );
    }

    /// Issue 21 / review M3: the v1 syntax `##[` anywhere, `:::`, and both
    /// across characters the runner's culture-sensitive match skips.
    #[test]
    fn sanitize_breaks_v1_commands_and_ignorable_tricks() {
        let cases = [
            ("NOTE ##[warning]x", "NOTE # #[warning]x"),
            ("###[error]x", "## #[error]x"),
            ("::::x", ": : : :x"),
            (":::warning::x", ": : :warning: :x"),
            ("#\u{200B}#[warning]x", "# #[warning]x"),
            (":\u{2060}:warning::x", ": :warning: :x"),
            ("a\u{FEFF}b\u{202E}c", "a b c"),
            ("plain `key` [x](y)", "plain `key` [x](y)"),
        ];
        for (text, want) in cases {
            assert_eq!(sanitize(text), want, "{text:?}");
        }
    }
}
