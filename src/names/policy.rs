//! Which names a secret may set in another process's environment: the deny
//! policy for `--export-env` (later workflow steps, through `$GITHUB_ENV`) and
//! `exec` (the command and its children).
//!
//! The attacker this guards against can write a secret's value **and its JSON
//! keys** (SECURITY.md). Every key becomes a variable name, so a key such as
//! `GIT_CONFIG_COUNT`, `JAVA_TOOL_OPTIONS` or `HTTPS_PROXY` would otherwise let
//! them run code in, or redirect the traffic of, every later step. The policy
//! has three layers, each a pure function here:
//!
//! 1. [`denied`]: names that change how programs start, run, find code or
//!    reach the network are never set, whatever the user asks. They are
//!    grouped by the program that reads them ([`Family`]), so that a new
//!    variable of a known family is covered by its prefix and the error can say
//!    why. Matching ignores ASCII case: Windows environments are
//!    case-insensitive, and curl, npm and others read lower-case forms
//!    (`https_proxy`, `npm_config_script_shell`).
//! 2. [`allowed_by`]: an opt-in allow list of patterns (`DB_*`, `*` the only
//!    wildcard) that limits what may be exported or injected at all. A deny
//!    list can never be complete; the allow list is the real control, and the
//!    documentation recommends it.
//! 3. [`refuses_replacing`]: a name that the step's environment already has is
//!    not replaced unless the user names it (`--overwrite NAME`): the runner
//!    image's `JAVA_HOME`, `ANDROID_HOME`, `LANG`… and anything an earlier step
//!    set stay what they were, even when no family lists them.
//!
//! | family | names | why |
//! |---|---|---|
//! | this tool | `AWS_SECRETS_ENV_*` | a later run of the tool or the action reads its flags from them (`AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES`, `…_BINARY_DIR`…) |
//! | dynamic loader and libc | `LD_*`, `DYLD_*`, `GLIBC_TUNABLES`, `GCONV_PATH`, `GETCONF_DIR`, `HOSTALIASES`, `LOCALDOMAIN`, `LOCPATH`, `MALLOC_*`, `NIS_PATH`, `NLSPATH`, `RESOLV_HOST_CONF`, `RES_OPTIONS`, `TZDIR` | load code into every process, or change name resolution (glibc's own list of variables it drops for setuid programs) |
//! | shells | `BASH_ENV`, `ENV`, `BASH_FUNC_*`, `SHELLOPTS`, `BASHOPTS`, `IFS`, `CDPATH`, `GLOBIGNORE`, `EXECIGNORE`, `PS0`–`PS4`, `PROMPT_COMMAND`, `BASH_XTRACEFD`, `BASH_LOADABLES_PATH`, `BASH_COMPAT`, `POSIXLY_CORRECT`, `HISTFILE`, `INPUTRC`, `ZDOTDIR`, `SHELL` | every `run:` step is a shell: startup files, imported functions, `noexec`, word splitting |
//! | git | `GIT_*` | `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n` and `GIT_CONFIG_PARAMETERS` set any config (`core.fsmonitor`, `core.sshCommand` run commands); `GIT_SSH_COMMAND`, `GIT_ASKPASS`, `GIT_EXEC_PATH`, `GIT_EDITOR`, `GIT_PAGER` run commands; `GIT_SSL_*`, `GIT_DIR` redirect. Git adds new ones; the prefix covers them |
//! | language runtimes and build tools | Java (`JAVA_TOOL_OPTIONS`, `_JAVA_OPTIONS`, `JDK_JAVA_OPTIONS`, `JAVA_OPTS`, `CLASSPATH`, `MAVEN_OPTS`, `MAVEN_ARGS`, `GRADLE_OPTS`, `GRADLE_USER_HOME`, `SBT_OPTS`, `ANT_OPTS`, `CATALINA_OPTS`), Python (`PYTHON*`, `PIP_*`, `UV_*`), Perl (`PERL5*`, `PERLLIB`, `PERL_*`), Ruby (`RUBY*`, `GEM_HOME`, `GEM_PATH`, `BUNDLE_*`), Node (`NODE_OPTIONS`, `NODE_PATH`, `NODE_REPL_EXTERNAL_MODULE`, …, `NPM_CONFIG_*`, `YARN_*`, `COREPACK_*`), Rust (`RUSTC*`, `RUSTDOC*`, `RUSTFLAGS`, `RUSTDOCFLAGS`, `RUSTUP_*`, `CARGO_*` except registry tokens), Go (`GOFLAGS`, `GOPROXY`, `GOTOOLCHAIN`, `GOCACHEPROG`, …, `CGO_*`), C and make (`CC`, `CXX`, `CPP`, `LD`, `AR`, `AS`, `CFLAGS`, `CXXFLAGS`, `CPPFLAGS`, `LDFLAGS`, `MAKEFLAGS`, `MFLAGS`, `MAKEFILES`, `PKG_CONFIG*`, `CCACHE_*`, `CMAKE_*`), .NET (`DOTNET_*`, `CORECLR_*`, `COR_*`, `NUGET_*`, `MSBUILD*`), PHP (`PHPRC`, `PHP_INI_SCAN_DIR`, `COMPOSER_*`), Lua (`LUA_INIT*`, `LUA_PATH*`, `LUA_CPATH*`), Erlang (`ERL_AFLAGS`, `ERL_FLAGS`, `ERL_ZFLAGS`, `ELIXIR_ERL_OPTIONS`) | option variables that load agents, startup files, wrappers or packages from elsewhere: code execution in the next build or test step. `NODE_ENV` stays allowed (it selects a mode, it loads nothing) |
//! | PATH and friends | `PATH`, `PATHEXT`, `COMSPEC`, `HOME`, `USERPROFILE`, `APPDATA`, `LOCALAPPDATA`, `SYSTEMROOT`, `WINDIR`, `TMPDIR`, `TEMP`, `TMP`, `XDG_*` | which program a name runs, and where every tool reads its configuration (`~/.gitconfig`, `~/.npmrc`, `$XDG_CONFIG_HOME/git/config`) and writes its temp files |
//! | proxies and CA bundles | `*_PROXY` (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, curl's `<scheme>_proxy`…), `SOCKS_SERVER`, `SOCKS5_SERVER`, `SSL_CERT_FILE`, `SSL_CERT_DIR`, `CURL_CA_BUNDLE`, `REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, `NODE_TLS_REJECT_UNAUTHORIZED`, `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`, `SSLKEYLOGFILE`, `OPENSSL_CONF`, `OPENSSL_ENGINES`, `OPENSSL_MODULES`, `CURL_HOME`, `WGETRC`, `NETRC` | send later traffic, with its tokens, through the attacker, make their certificate trusted, or log TLS keys |
//! | other programs' commands | `PAGER`, `EDITOR`, `VISUAL`, `MANPAGER`, `LESSOPEN`, `LESSCLOSE`, `BROWSER`, `SSH_ASKPASS`, `SUDO_ASKPASS`, `SSH_AUTH_SOCK`, `GNUPGHOME`, `DOCKER_HOST`, `DOCKER_CONFIG`, `DOCKER_CERT_PATH`, `DOCKER_CONTEXT`, `BUILDKIT_HOST`, `KUBECONFIG`, `TF_CLI_CONFIG_FILE`, `GH_PAGER`, `GH_EDITOR`, `GH_BROWSER`, `GH_CONFIG_DIR`, `GH_HOST`, `SYSTEMD_PAGER`, `SYSTEMD_EDITOR` | commands that tools run for you, and where `docker`, `kubectl`, `terraform` and `gh` send their credentials |
//! | AWS SDK and CLI | `AWS_*` | the SDKs and the CLI read an open-ended, growing set: `AWS_ENDPOINT_URL[_<SERVICE>]` (capture later signed requests), `AWS_CA_BUNDLE`, `AWS_CONFIG_FILE` (a `credential_process` runs a command), `AWS_PAGER` (a command), `AWS_DATA_PATH`, `AWS_PROFILE`, the container-credential URIs, and the credentials themselves (swapping them sends every later AWS call, this tool's next run included, to the attacker's account). A list would age; the prefix does not. An application variable such as `AWS_BUCKET` needs an alias |
//! | CI and runner | `CI`, `GITHUB_*`, `RUNNER_*`, `ACTIONS_*`, `INPUT_*`, `STATE_*`, `ACT`, `GITEA_*`, `FORGEJO_*` | the runner's own variables; `INPUT_<NAME>` is how a JavaScript action reads an input that the workflow did not set, `STATE_<NAME>` its post step's saved state, and `CI` switches many tools into CI behaviour |
//!
//! A denied name is refused even when an allow pattern matches it and even
//! with `--overwrite`: to give a program such a variable on purpose, set it in
//! the workflow (`env:`), where a reviewer sees it. Writing a plain file is not
//! governed by this module (`--allow-reserved-names` applies there).

/// A group of variables read by one kind of program, with the reason they
/// are never set from a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// `AWS_SECRETS_ENV_*`.
    Tool,
    /// The dynamic loader and the C library.
    Loader,
    /// bash, dash, zsh.
    Shell,
    /// git.
    Git,
    /// Language runtimes and build tools.
    Runtime,
    /// `PATH`, `HOME`, temp and config directories.
    System,
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
    pub(crate) const ALL: [Family; 10] = [
        Family::Tool,
        Family::Loader,
        Family::Shell,
        Family::Git,
        Family::Runtime,
        Family::System,
        Family::Network,
        Family::Programs,
        Family::Aws,
        Family::Ci,
    ];

    /// A short name for messages: "git", "dynamic loader"…
    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::Tool => "aws-secrets-env's own settings",
            Family::Loader => "dynamic loader and C library",
            Family::Shell => "shell",
            Family::Git => "git",
            Family::Runtime => "language runtime or build tool",
            Family::System => "PATH, HOME and system directories",
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
            Family::System => {
                "it changes which program a command runs or where tools read their configuration"
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

/// How a rule matches an upper-cased name.
#[derive(Clone, Copy)]
enum Rule {
    Exact(&'static str),
    Prefix(&'static str),
    Suffix(&'static str),
}

use Rule::{Exact as E, Prefix as P, Suffix as S};

const TOOL: &[Rule] = &[P("AWS_SECRETS_ENV_")];

const LOADER: &[Rule] = &[
    P("LD_"),
    P("DYLD_"),
    E("GLIBC_TUNABLES"),
    E("GCONV_PATH"),
    E("GETCONF_DIR"),
    E("HOSTALIASES"),
    E("LOCALDOMAIN"),
    E("LOCPATH"),
    P("MALLOC_"),
    E("NIS_PATH"),
    E("NLSPATH"),
    E("RESOLV_HOST_CONF"),
    E("RES_OPTIONS"),
    E("TZDIR"),
];

const SHELL: &[Rule] = &[
    E("BASH_ENV"),
    E("ENV"),
    P("BASH_FUNC_"),
    E("SHELLOPTS"),
    E("BASHOPTS"),
    E("IFS"),
    E("CDPATH"),
    E("GLOBIGNORE"),
    E("EXECIGNORE"),
    E("PS0"),
    E("PS1"),
    E("PS2"),
    E("PS3"),
    E("PS4"),
    E("PROMPT_COMMAND"),
    E("BASH_XTRACEFD"),
    E("BASH_LOADABLES_PATH"),
    E("BASH_COMPAT"),
    E("POSIXLY_CORRECT"),
    E("HISTFILE"),
    E("INPUTRC"),
    E("ZDOTDIR"),
    E("SHELL"),
];

const GIT: &[Rule] = &[P("GIT_")];

const RUNTIME: &[Rule] = &[
    // Java and JVM build tools
    E("JAVA_TOOL_OPTIONS"),
    E("_JAVA_OPTIONS"),
    E("JDK_JAVA_OPTIONS"),
    E("JAVA_OPTS"),
    E("CLASSPATH"),
    E("MAVEN_OPTS"),
    E("MAVEN_ARGS"),
    E("GRADLE_OPTS"),
    E("GRADLE_USER_HOME"),
    E("SBT_OPTS"),
    E("ANT_OPTS"),
    E("CATALINA_OPTS"),
    // Python
    P("PYTHON"),
    P("PIP_"),
    P("UV_"),
    // Perl
    P("PERL5"),
    E("PERLLIB"),
    P("PERL_"),
    // Ruby
    P("RUBY"),
    E("GEM_HOME"),
    E("GEM_PATH"),
    P("BUNDLE_"),
    // Node and its package managers (NODE_ENV selects a mode: allowed)
    E("NODE_OPTIONS"),
    E("NODE_PATH"),
    E("NODE_REPL_EXTERNAL_MODULE"),
    E("NODE_ICU_DATA"),
    E("NODE_V8_COVERAGE"),
    E("NODE_REDIRECT_WARNINGS"),
    E("NODE_COMPILE_CACHE"),
    P("NPM_CONFIG_"),
    P("YARN_"),
    P("COREPACK_"),
    // Rust
    P("RUSTC"),
    P("RUSTDOC"),
    E("RUSTFLAGS"),
    P("RUSTUP_"),
    P("CARGO_"),
    // Go
    E("GOFLAGS"),
    E("GOPROXY"),
    E("GOSUMDB"),
    E("GONOSUMDB"),
    E("GONOSUMCHECK"),
    E("GONOPROXY"),
    E("GOPRIVATE"),
    E("GOINSECURE"),
    E("GOTOOLCHAIN"),
    E("GOCACHEPROG"),
    E("GOROOT"),
    E("GOPATH"),
    E("GOENV"),
    E("GOBIN"),
    E("GOCACHE"),
    E("GOMODCACHE"),
    E("GOEXPERIMENT"),
    E("GOVCS"),
    E("GOAUTH"),
    E("GODEBUG"),
    E("GOTMPDIR"),
    E("GO111MODULE"),
    P("CGO_"),
    // C, make, pkg-config, cmake, ccache
    E("CC"),
    E("CXX"),
    E("CPP"),
    E("LD"),
    E("AR"),
    E("AS"),
    E("CFLAGS"),
    E("CXXFLAGS"),
    E("CPPFLAGS"),
    E("LDFLAGS"),
    E("MAKEFLAGS"),
    E("MFLAGS"),
    E("MAKEFILES"),
    P("PKG_CONFIG"),
    P("CCACHE_"),
    P("CMAKE_"),
    // .NET
    P("DOTNET_"),
    P("CORECLR_"),
    P("COR_"),
    P("NUGET_"),
    P("MSBUILD"),
    // PHP
    E("PHPRC"),
    E("PHP_INI_SCAN_DIR"),
    P("COMPOSER_"),
    // Lua
    P("LUA_INIT"),
    P("LUA_PATH"),
    P("LUA_CPATH"),
    // Erlang and Elixir
    E("ERL_AFLAGS"),
    E("ERL_FLAGS"),
    E("ERL_ZFLAGS"),
    E("ELIXIR_ERL_OPTIONS"),
];

/// Registry tokens are credentials that the build tool sends to the registry
/// it already uses; they run nothing and redirect nothing, and loading them
/// from Secrets Manager for a publish step is a common, legitimate use.
fn registry_token(upper: &str) -> bool {
    upper == "CARGO_REGISTRY_TOKEN"
        || (upper.starts_with("CARGO_REGISTRIES_")
            && upper.ends_with("_TOKEN")
            && upper.len() > "CARGO_REGISTRIES__TOKEN".len())
}

const SYSTEM: &[Rule] = &[
    E("PATH"),
    E("PATHEXT"),
    E("COMSPEC"),
    E("HOME"),
    E("USERPROFILE"),
    E("APPDATA"),
    E("LOCALAPPDATA"),
    E("SYSTEMROOT"),
    E("WINDIR"),
    E("TMPDIR"),
    E("TEMP"),
    E("TMP"),
    P("XDG_"),
];

const NETWORK: &[Rule] = &[
    S("_PROXY"),
    E("SOCKS_SERVER"),
    E("SOCKS5_SERVER"),
    E("SSL_CERT_FILE"),
    E("SSL_CERT_DIR"),
    E("CURL_CA_BUNDLE"),
    E("REQUESTS_CA_BUNDLE"),
    E("NODE_EXTRA_CA_CERTS"),
    E("NODE_TLS_REJECT_UNAUTHORIZED"),
    E("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"),
    E("SSLKEYLOGFILE"),
    E("OPENSSL_CONF"),
    E("OPENSSL_ENGINES"),
    E("OPENSSL_MODULES"),
    E("CURL_HOME"),
    E("WGETRC"),
    E("NETRC"),
];

const PROGRAMS: &[Rule] = &[
    E("PAGER"),
    E("EDITOR"),
    E("VISUAL"),
    E("MANPAGER"),
    E("LESSOPEN"),
    E("LESSCLOSE"),
    E("BROWSER"),
    E("SSH_ASKPASS"),
    E("SSH_ASKPASS_REQUIRE"),
    E("SUDO_ASKPASS"),
    E("SSH_AUTH_SOCK"),
    E("GNUPGHOME"),
    E("DOCKER_HOST"),
    E("DOCKER_CONFIG"),
    E("DOCKER_CERT_PATH"),
    E("DOCKER_CONTEXT"),
    E("DOCKER_TLS_VERIFY"),
    E("BUILDKIT_HOST"),
    E("KUBECONFIG"),
    E("TF_CLI_CONFIG_FILE"),
    E("GH_PAGER"),
    E("GH_EDITOR"),
    E("GH_BROWSER"),
    E("GH_CONFIG_DIR"),
    E("GH_HOST"),
    E("SYSTEMD_PAGER"),
    E("SYSTEMD_EDITOR"),
];

const AWS: &[Rule] = &[P("AWS_")];

const CI: &[Rule] = &[
    E("CI"),
    P("GITHUB_"),
    P("RUNNER_"),
    P("ACTIONS_"),
    P("INPUT_"),
    P("STATE_"),
    E("ACT"),
    P("GITEA_"),
    P("FORGEJO_"),
];

fn rules(family: Family) -> &'static [Rule] {
    match family {
        Family::Tool => TOOL,
        Family::Loader => LOADER,
        Family::Shell => SHELL,
        Family::Git => GIT,
        Family::Runtime => RUNTIME,
        Family::System => SYSTEM,
        Family::Network => NETWORK,
        Family::Programs => PROGRAMS,
        Family::Aws => AWS,
        Family::Ci => CI,
    }
}

/// The family that forbids exporting or injecting `name`, if any. ASCII case
/// is ignored. A name that is empty, or not a portable variable name, is not
/// this function's business (the name rules refuse it earlier).
pub(crate) fn denied(name: &str) -> Option<Family> {
    let upper = name.to_ascii_uppercase();
    if registry_token(&upper) {
        return None;
    }
    Family::ALL.into_iter().find(|&family| {
        rules(family).iter().any(|rule| match *rule {
            Rule::Exact(n) => upper == n,
            Rule::Prefix(p) => upper.starts_with(p),
            Rule::Suffix(s) => upper.ends_with(s),
        })
    })
}

/// Whether `name` matches one of the allow `patterns` (`DB_*`, `APP_*_URL`,
/// `TOKEN`): `*` matches any run of characters, everything else matches
/// itself, case-sensitively (names are case-sensitive outside Windows, and a
/// limit should be no looser than written). **An empty list allows every
/// name**: it means the option was not given.
pub(crate) fn allowed_by(patterns: &[String], name: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| glob(p, name))
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
/// `overwrite` (same pattern syntax as [`allowed_by`], but an empty list
/// names nothing). The caller refuses such a name.
pub(crate) fn refuses_replacing(
    name: &str,
    overwrite: &[String],
    has: impl Fn(&str) -> bool,
) -> bool {
    has(name) && !overwrite.iter().any(|p| glob(p, name))
}

/// `*`-only glob match, linear backtracking on the last `*`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
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
