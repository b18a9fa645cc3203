//! Hostile input and bounded failure: reserved names, `SecretBinary`, huge and
//! deeply nested secrets, endpoints that refuse or never answer.

use crate::support::{Test, moto, os_error};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn reserved_names_are_refused_unless_allowed_for_a_plain_file() {
    let t = Test::new().secret(
        "danger",
        r#"{"PATH":"/evil","LD_PRELOAD":"/evil.so","OK":"fine"}"#,
    );
    let id = t.name("danger");
    t.args(["--secret-id", &id])
        .status(1)
        .stderr(
            "aws-secrets-env: error: variable `PATH` (from secret `[test]-danger` key `PATH`) would change how programs run; \
             rename it with an alias (`ALIAS,ID`); or pass `--allow-reserved-names` to write it to this file anyway\n\
             aws-secrets-env: error: variable `LD_PRELOAD` (from secret `[test]-danger` key `LD_PRELOAD`) would change how programs run; \
             rename it with an alias (`ALIAS,ID`); or pass `--allow-reserved-names` to write it to this file anyway\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();
    // The runs below have their own name prefix: `t`'s names show in full.
    Test::new()
        .args(["--secret-id", &id, "--allow-reserved-names"])
        .stderr(
            "aws-secrets-env: wrote 3 variables from 1 selector to [dir]/app.env (dotenv): PATH, LD_PRELOAD, OK\n",
        )
        .expect_file("app.env", "PATH='/evil'\nLD_PRELOAD='/evil.so'\nOK='fine'\n")
        .run();
    // Never into later steps, never into a process.
    Test::new()
        .args([
            "--secret-id",
            &id,
            "--allow-reserved-names",
            "--format",
            "github-env",
            "--allow-names",
            "*",
        ])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: variable `PATH` (from secret `{id}` key `PATH`) is never exported to later steps: \
             it is a PATH, HOME and system directories variable, and it changes which program a command runs or where \
             tools read their configuration; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` \
             where a reviewer sees it\n\
             aws-secrets-env: error: variable `LD_PRELOAD` (from secret `{id}` key `LD_PRELOAD`) is never exported to \
             later steps: it is a dynamic loader and C library variable, and it loads code into every later process or \
             changes how names resolve; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where \
             a reviewer sees it\n"
        ))
        .expect_no_file("app.env")
        .run();
    Test::exec()
        .args(["--secret-id", &id, "--", "sh", "-c", "touch ran"])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: variable `PATH` (from secret `{id}` key `PATH`) is never set for the command: \
             it is a PATH, HOME and system directories variable, and it changes which program a command runs or where \
             tools read their configuration; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` \
             where a reviewer sees it\n\
             aws-secrets-env: error: variable `LD_PRELOAD` (from secret `{id}` key `LD_PRELOAD`) is never set for the \
             command: it is a dynamic loader and C library variable, and it loads code into every later process or \
             changes how names resolve; rename it with an alias (`ALIAS,ID`), or set it in the workflow's `env:` where \
             a reviewer sees it\n"
        ))
        .expect_no_file("ran")
        .run();
    // An alias renames it out of the way.
    Test::new()
        .args(["--secret-id", &format!("DEPLOY_PATH,{id}:PATH")])
        .stderr("aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): DEPLOY_PATH\n")
        .expect_file("app.env", "DEPLOY_PATH='/evil'\n")
        .run();
}

#[test]
fn secret_binary_as_base64_or_as_a_file_of_its_own() {
    let t = Test::new();
    let bytes: Vec<u8> = (0u8..=255).chain([0xff, 0xfe, 0, b'\n']).collect();
    moto().create_binary(&t.name("cert"), &bytes);
    let id = t.name("cert");
    let out = Test::new()
        .args([
            "--secret-id",
            &format!("CERT,{id}"),
            "--binary-base64",
            "--format",
            "json",
            "-o",
            "-",
        ])
        .stdout_read_after()
        .stderr(
            "aws-secrets-env: wrote 1 variable from 1 selector to standard output (json): CERT\n",
        )
        .run();
    let got: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let expected = aws_secrets_env::secret::SecretBytes::new(bytes.clone()).to_base64();
    assert_eq!(got["CERT"], expected.expose());

    let t = Test::new();
    std::fs::create_dir(t.path("bin")).unwrap();
    let out = t
        .args([
            "--secret-id",
            &format!("CERT_FILE,{id}"),
            "--binary-dir",
            "bin",
            "--mask",
            "always",
        ])
        // stdout: the masks, none here (checked below).
        .stdout_read_after()
        .stderr("aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): CERT_FILE\n")
        .run();
    let path = out.test.path("bin").join("CERT_FILE");
    let canonical = std::fs::canonicalize(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let line = out.file("app.env");
    assert!(
        line.starts_with("CERT_FILE='/") && line.ends_with("/bin/CERT_FILE'\n"),
        "{line}"
    );
    assert!(canonical.ends_with("bin/CERT_FILE"));
    assert!(
        out.masks().is_empty(),
        "a file path is not a secret: {:?}",
        out.masks()
    );

    Test::new()
        .args(["--secret-id", &format!("{id}:key"), "--binary-base64"])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: secret `{id}` is stored as SecretBinary: pass `--binary-base64` to write it \
             as base64, or `--binary-dir DIR` to write it to a file of its own (a JSON key cannot be selected from it)\n"
        ))
        .expect_no_file("app.env")
        .run();
}

#[test]
fn a_64_kib_secret_and_deep_nesting() {
    let big = "x".repeat(65_536 - 20);
    let t = Test::new().secret("big", &format!(r#"{{"BIG":"{big}"}}"#));
    let id = t.name("big");
    t.args(["--secret-id", &id])
        .stderr(
            "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (dotenv): BIG\n",
        )
        .expect_file("app.env", format!("BIG='{big}'\n"))
        .run();
    Test::new()
        .args(["--secret-id", &id, "--format", "docker"])
        .stderr(
            "aws-secrets-env: wrote 1 variable from 1 selector to [dir]/app.env (docker): BIG\n",
        )
        .run();
    // AWS's largest SecretString (65,536 bytes; a larger one is refused as
    // no AWS reply, issue 21 L7), as one variable: its docker line is longer.
    let bigger = "y".repeat(65_536);
    let t = Test::new().secret("bigger", &bigger);
    t.select("BIG,bigger")
        .args(["--format", "docker"])
        .status(1)
        .stderr(
            "aws-secrets-env: error: format `docker` cannot carry the value of `BIG`: it makes a line longer than \
             65,535 bytes, which docker cannot read; use `--format dotenv` with Docker Compose `env_file:`, or \
             `--format json` instead\n",
        )
        .expect_no_file("app.env")
        .run()
        .no_leak();

    // 100 levels flatten into one long name; 200 exceed the JSON parser's
    // depth limit, which `always` reports without showing the text.
    let deep = |n: usize| format!("{}\"leaf\"{}", r#"{"a":"#.repeat(n), "}".repeat(n));
    let t = Test::new()
        .secret("deep100", &deep(100))
        .secret("deep200", &deep(200));
    let name = vec!["a"; 100].join("_");
    Test::new()
        .args([
            "--secret-id",
            &t.name("deep100"),
            "--format",
            "json",
            "-o",
            "-",
        ])
        .stdout(format!("{{\n  \"{name}\": \"leaf\"\n}}\n"))
        .stderr(format!(
            "aws-secrets-env: wrote 1 variable from 1 selector to standard output (json): {name}\n"
        ))
        .run();
    Test::new()
        .args(["--secret-id", &t.name("deep200"), "--parse-json", "always"])
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: secret `{}` is not a JSON object (not valid JSON: recursion limit exceeded \
             at line 1 column 636), but --parse-json always requires one\n",
            t.name("deep200")
        ))
        .expect_no_file("app.env")
        .run();
}

#[test]
fn an_endpoint_that_never_answers_fails_within_the_timeout() {
    // Accepts connections and reads nothing: the SDK waits for a reply.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let started = Instant::now();
    Test::new()
        .args(["--secret-id", "anything", "--timeout", "2"])
        .env("AWS_ENDPOINT_URL", format!("http://{addr}"))
        .status(1)
        .stderr(
            "aws-secrets-env: error: AWS did not answer within 2 s (--timeout); check the network, the region \
             and AWS_ENDPOINT_URL, or raise --timeout\n",
        )
        .run();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn a_closed_port_fails_fast_and_clearly() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    Test::new()
        .args(["--secret-id", "anything", "--max-attempts", "2"])
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .status(1)
        .stderr(format!(
            "aws-secrets-env: error: secret `anything`: could not reach AWS Secrets Manager (io error: client error \
             (Connect): tcp connect error: {}); check the network, the region and AWS_ENDPOINT_URL\n",
            os_error(libc::ECONNREFUSED)
        ))
        .run();
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn limits_are_validated() {
    let seconds = "expected a number of seconds above 0 and at most 3600";
    for (args, message) in [
        (
            ["--timeout", "0"],
            format!("invalid value '0' for '--timeout <SECONDS>': {seconds}\n"),
        ),
        (
            ["--timeout", "-1"],
            "unexpected argument '-1' found\n\n\
             Usage: aws-secrets-env write [OPTIONS] --secret-id <SELECTOR>\n"
                .to_string(),
        ),
        (
            ["--max-attempts", "0"],
            "invalid value '0' for '--max-attempts <N>': 0 is not in 1..=20\n".to_string(),
        ),
        (
            ["--connect-timeout", "x"],
            format!("invalid value 'x' for '--connect-timeout <SECONDS>': {seconds}\n"),
        ),
    ] {
        Test::new()
            .args(["--secret-id", "x"])
            .args(args)
            .status(2)
            .stderr(format!(
                "error: {message}\nFor more information, try '--help'.\n"
            ))
            .run();
    }
}

#[test]
fn an_untrusted_certificate_says_what_to_check() {
    // A TLS server with a self-signed certificate: what a scratch image
    // without a CA bundle sees for the real AWS endpoint.
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-keyout", "key.pem", "-out", "cert.pem"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is needed (scripts/setup.sh installs it)");
    assert!(made.success());
    let server = "import socket,ssl,sys\n\
        c=ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain('cert.pem','key.pem')\n\
        s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(8)\n\
        print(s.getsockname()[1], flush=True)\n\
        while True:\n\
        \x20   conn,_=s.accept()\n\
        \x20   try: c.wrap_socket(conn, server_side=True)\n\
        \x20   except Exception: pass\n";
    let child = std::process::Command::new(crate::support::python())
        .args(["-c", server])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The server stops when the test ends, passed or failed.
    let mut child = KillOnDrop(child);
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.0.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap();
    Test::new()
        .args(["--secret-id", "anything", "--max-attempts", "1"])
        .env(
            "AWS_ENDPOINT_URL",
            format!("https://127.0.0.1:{}", port.trim()),
        )
        .status(1)
        .stderr(
            "aws-secrets-env: error: secret `anything`: could not reach AWS Secrets Manager (io error: client error \
             (Connect): TLS handshake failed: invalid peer certificate: UnknownIssuer; is a CA bundle installed? \
             (a scratch image needs /etc/ssl/certs/ca-certificates.crt)); check the network, the region and \
             AWS_ENDPOINT_URL\n",
        )
        .run();
}

/// A child process killed and waited for when this goes out of scope.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
