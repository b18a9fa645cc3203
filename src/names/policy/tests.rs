//! The deny policy's unit tests: every family, the review's names, the
//! allow and overwrite patterns.
use super::*;

/// Every name the 0.1.0 review (H2) listed as accepted by `export-env`,
/// `exec` and `github-env` (its text says 58; the list holds these 57),
/// plus the two other keys of its demonstrated `git status` takeover.
const REVIEW_H2: [&str; 59] = [
    "CI",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "PYTHONPATH",
    "PYTHONWARNINGS",
    "PERL5OPT",
    "PERL5LIB",
    "RUBYOPT",
    "GIT_SSH_COMMAND",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_EXEC_PATH",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "RUSTFLAGS",
    "GOFLAGS",
    "GOPROXY",
    "OPENSSL_CONF",
    "LESSOPEN",
    "PAGER",
    "EDITOR",
    "HOME",
    "XDG_CONFIG_HOME",
    "TMPDIR",
    "CDPATH",
    "GLOBIGNORE",
    "BASH_XTRACEFD",
    "PS1",
    "HISTFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_CA_BUNDLE",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "NODE_EXTRA_CA_CERTS",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "DOCKER_HOST",
    "DOCKER_CONFIG",
    "KUBECONFIG",
    "NPM_CONFIG_REGISTRY",
    "npm_config_script_shell",
    "PIP_INDEX_URL",
    "MAKEFLAGS",
    "CC",
    "GCONV_PATH",
    "HOSTALIASES",
    "LOCPATH",
    "NODE_PATH",
    "AWS_SECRETS_ENV_BINARY",
    "AWS_SECRETS_ENV_MANIFEST",
    "AWS_SECRETS_ENV_DOWNLOAD_URL",
    "AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES",
    "GIT_CONFIG_KEY_0",
    "GIT_CONFIG_VALUE_0",
];

#[test]
fn every_name_the_review_found_accepted_is_denied() {
    let accepted: Vec<&str> = REVIEW_H2
        .iter()
        .copied()
        .filter(|n| denied(n).is_none())
        .collect();
    assert!(accepted.is_empty(), "still accepted: {accepted:?}");
}

fn assert_family(family: Family, names: &[&str]) {
    for name in names {
        assert_eq!(denied(name), Some(family), "{name}");
        assert_eq!(denied(&name.to_ascii_lowercase()), Some(family), "{name}");
    }
}

#[test]
fn tool_family_comes_before_aws() {
    assert_family(
        Family::Tool,
        &[
            "AWS_SECRETS_ENV_BINARY",
            "AWS_SECRETS_ENV_MANIFEST",
            "AWS_SECRETS_ENV_DOWNLOAD_URL",
            "AWS_SECRETS_ENV_ALLOW_RESERVED_NAMES",
            "AWS_SECRETS_ENV_SECRET_ID",
        ],
    );
}

#[test]
fn loader_family() {
    assert_family(
        Family::Loader,
        &[
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "LD_AUDIT",
            "DYLD_INSERT_LIBRARIES",
            "GLIBC_TUNABLES",
            "GCONV_PATH",
            "HOSTALIASES",
            "LOCPATH",
            "MALLOC_TRACE",
            "NLSPATH",
            "RES_OPTIONS",
            "LOCALDOMAIN",
        ],
    );
}

#[test]
fn shell_family() {
    assert_family(
        Family::Shell,
        &[
            "BASH_ENV",
            "ENV",
            "BASH_FUNC_env__",
            "SHELLOPTS",
            "BASHOPTS",
            "PS4",
            "PS1",
            "IFS",
            "PROMPT_COMMAND",
            "CDPATH",
            "GLOBIGNORE",
            "BASH_XTRACEFD",
            "ZDOTDIR",
            "SHELL",
        ],
    );
}

#[test]
fn git_family() {
    assert_family(
        Family::Git,
        &[
            "GIT_CONFIG_COUNT",
            "GIT_CONFIG_KEY_0",
            "GIT_CONFIG_VALUE_0",
            "GIT_CONFIG_PARAMETERS",
            "GIT_CONFIG_GLOBAL",
            "GIT_SSH_COMMAND",
            "GIT_SSH",
            "GIT_EXEC_PATH",
            "GIT_ASKPASS",
            "GIT_PAGER",
            "GIT_SSL_NO_VERIFY",
            "GIT_SSL_CAINFO",
            "GIT_DIR",
        ],
    );
}

#[test]
fn runtime_family() {
    assert_family(
        Family::Runtime,
        &[
            "JAVA_TOOL_OPTIONS",
            "_JAVA_OPTIONS",
            "JDK_JAVA_OPTIONS",
            "PYTHONPATH",
            "PYTHONSTARTUP",
            "PYTHONHOME",
            "PERL5OPT",
            "PERL5LIB",
            "RUBYOPT",
            "RUBYLIB",
            "NODE_OPTIONS",
            "NODE_PATH",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTFLAGS",
            "CARGO_HOME",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER",
            "GOFLAGS",
            "GOPROXY",
            "GOTOOLCHAIN",
            "NPM_CONFIG_REGISTRY",
            "npm_config_script_shell",
            "MAVEN_OPTS",
            "GRADLE_OPTS",
            "DOTNET_STARTUP_HOOKS",
            "CORECLR_PROFILER_PATH",
            "MAKEFLAGS",
            "CC",
            "PIP_INDEX_URL",
            "BUNDLE_GEMFILE",
            "PHPRC",
            "LUA_INIT",
        ],
    );
}

#[test]
fn system_family() {
    assert_family(
        Family::System,
        &[
            "PATH",
            "Path",
            "PATHEXT",
            "COMSPEC",
            "HOME",
            "USERPROFILE",
            "TMPDIR",
            "TEMP",
            "XDG_CONFIG_HOME",
            "XDG_RUNTIME_DIR",
        ],
    );
}

#[test]
fn network_family_in_any_case() {
    assert_family(
        Family::Network,
        &[
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "NO_PROXY",
            "FTP_PROXY",
            "SMTP_PROXY",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "CURL_CA_BUNDLE",
            "REQUESTS_CA_BUNDLE",
            "NODE_EXTRA_CA_CERTS",
            "SSLKEYLOGFILE",
            "OPENSSL_CONF",
        ],
    );
    assert_eq!(denied("hTtPs_PrOxY"), Some(Family::Network));
}

#[test]
fn programs_family() {
    assert_family(
        Family::Programs,
        &[
            "PAGER",
            "EDITOR",
            "LESSOPEN",
            "SSH_ASKPASS",
            "DOCKER_HOST",
            "DOCKER_CONFIG",
            "KUBECONFIG",
            "GH_PAGER",
        ],
    );
}

#[test]
fn aws_family_takes_the_whole_prefix() {
    assert_family(
        Family::Aws,
        &[
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_PROFILE",
            "AWS_CA_BUNDLE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_PAGER",
            "AWS_BUCKET",
        ],
    );
}

#[test]
fn ci_family() {
    assert_family(
        Family::Ci,
        &[
            "CI",
            "GITHUB_TOKEN",
            "GITHUB_ENV",
            "RUNNER_TEMP",
            "ACTIONS_RUNTIME_TOKEN",
            "ACTIONS_ALLOW_UNSECURE_COMMANDS",
            "INPUT_TOKEN",
            "STATE_CLEANUP",
            "ACT",
            "GITEA_ACTIONS",
        ],
    );
}

#[test]
fn every_family_has_a_name_and_a_reason_and_is_reachable() {
    for family in Family::ALL {
        assert!(!family.name().is_empty() && !family.reason().is_empty());
        assert!(
            rules(family).iter().any(|r| match *r {
                Rule::Exact(n) | Rule::Prefix(n) => denied(n) == Some(family),
                Rule::Suffix(_) => true,
            }),
            "{family:?} is shadowed by an earlier family"
        );
    }
}

#[test]
fn ordinary_application_names_stay_allowed() {
    for name in [
        "DB_SOURCE",
        "DB_PASSWORD",
        "DB_PATH",
        "PATHS",
        "ENVIRONMENT",
        "NODE_ENV",
        "GITHUB",
        "GITLAB_TOKEN",
        "GH_TOKEN",
        "NPM_TOKEN",
        "API_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET",
        "SECRET_KEY_BASE",
        "CARGO_REGISTRY_TOKEN",
        "CARGO_REGISTRIES_MY_REG_TOKEN",
        "PROXY_PASSWORD",
        "LDAP_URL",
        "CIRCLE",
        "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        "ENVOY_ADMIN",
        "TEMPLATE_DIR",
        "PS5",
        "CICD_TOKEN",
        "STATEMENT_TIMEOUT",
        "INPUTS",
    ] {
        assert_eq!(denied(name), None, "{name}");
    }
    // A registry token in a denied family is allowed only as a token.
    assert_eq!(denied("CARGO_REGISTRIES__TOKEN"), Some(Family::Runtime));
    assert_eq!(denied("CARGO_REGISTRY_INDEX"), Some(Family::Runtime));
}

#[test]
fn the_old_reserved_list_stays_denied() {
    for name in [
        "PATH",
        "IFS",
        "ENV",
        "BASH_ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "PS4",
        "PROMPT_COMMAND",
        "NODE_OPTIONS",
        "LD_X",
        "DYLD_X",
        "GITHUB_X",
        "RUNNER_X",
        "ACTIONS_X",
        "BASH_FUNC_X",
        "path",
    ] {
        assert!(denied(name).is_some(), "{name}");
    }
}

fn pats(p: &[&str]) -> Vec<String> {
    p.iter().map(std::string::ToString::to_string).collect()
}

#[test]
fn allow_patterns_limit_names() {
    let p = pats(&["DB_*", "API_TOKEN", "APP_*_URL"]);
    for name in [
        "DB_",
        "DB_HOST",
        "DB_PASSWORD",
        "API_TOKEN",
        "APP_X_URL",
        "APP__URL",
    ] {
        assert!(allowed_by(&p, name), "{name}");
    }
    for name in [
        "DB",
        "db_host",
        "API_TOKEN2",
        "XAPI_TOKEN",
        "APP_URL",
        "APP_X_URLS",
        "OTHER",
    ] {
        assert!(!allowed_by(&p, name), "{name}");
    }
    assert!(allowed_by(&[], "ANYTHING"), "no pattern: no limit");
    assert!(allowed_by(&pats(&["*"]), "X"));
    assert!(allowed_by(&pats(&["**A**"]), "XAY"));
    assert!(!allowed_by(&pats(&["*A*B"]), "XAYBZ"));
    assert!(allowed_by(&pats(&["*A*B"]), "XAYBZB"));
}

#[test]
fn patterns_are_checked_and_split() {
    assert_eq!(
        parse_patterns("DB_*, API_TOKEN\nAPP_*_URL  ").unwrap(),
        ["DB_*", "API_TOKEN", "APP_*_URL"]
    );
    assert_eq!(parse_patterns("").unwrap(), Vec::<String>::new());
    for bad in ["DB-*", "DB?", "D[B]", "a.b", "x/y"] {
        assert!(parse_patterns(bad).is_err(), "{bad}");
    }
    assert!(check_pattern("").is_err());
    assert!(check_pattern("DB_*").is_ok());
}

#[test]
fn existing_variables_are_kept_unless_named() {
    let env = |n: &str| matches!(n, "JAVA_HOME" | "DB_HOST" | "LANG");
    assert!(refuses_replacing("JAVA_HOME", &[], env));
    assert!(refuses_replacing("LANG", &pats(&["DB_*"]), env));
    assert!(!refuses_replacing("DB_HOST", &pats(&["DB_*"]), env));
    assert!(!refuses_replacing("DB_HOST", &pats(&["DB_HOST"]), env));
    assert!(
        !refuses_replacing("NEW_NAME", &[], env),
        "absent: nothing replaced"
    );
}
