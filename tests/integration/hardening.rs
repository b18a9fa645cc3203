//! Hostile input and bounded failure: reserved names, `SecretBinary`, huge and
//! deeply nested secrets, endpoints that refuse or never answer.

use crate::support::{Test, moto};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn reserved_names_are_refused_unless_allowed_for_a_plain_file() {
    let t = Test::new().secret(
        "danger",
        r#"{"PATH":"/evil","LD_PRELOAD":"/evil.so","OK":"fine"}"#,
    );
    let id = t.name("danger");
    let out = t
        .args(["--secret-id", &id])
        .run()
        .failure()
        .no_leak()
        .stderr_has(&format!(
            "variable `PATH` (from secret `{id}` key `PATH`) would change how programs run"
        ))
        .stderr_has("variable `LD_PRELOAD`")
        .stderr_has("--allow-reserved-names")
        .no_file("app.env");
    drop(out);
    let out = Test::new()
        .args(["--secret-id", &id, "--allow-reserved-names"])
        .run()
        .success();
    assert_eq!(
        out.file("app.env"),
        "PATH='/evil'\nLD_PRELOAD='/evil.so'\nOK='fine'\n"
    );
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
        .run()
        .failure()
        .stderr_has(
            "is never exported to later steps: it is a PATH, HOME and system directories variable",
        );
    Test::exec()
        .args(["--secret-id", &id, "--", "sh", "-c", "touch ran"])
        .run()
        .failure()
        .stderr_has(
            "is never set for the command: it is a PATH, HOME and system directories variable",
        )
        .no_file("ran");
    // An alias renames it out of the way.
    let out = Test::new()
        .args(["--secret-id", &format!("DEPLOY_PATH,{id}:PATH")])
        .run()
        .success();
    assert_eq!(out.file("app.env"), "DEPLOY_PATH='/evil'\n");
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
        .run()
        .success();
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
        .run()
        .success();
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
        .run()
        .failure()
        .stderr_has("is stored as SecretBinary");
}

#[test]
fn a_64_kib_secret_and_deep_nesting() {
    let big = "x".repeat(65_536 - 20);
    let t = Test::new().secret("big", &format!(r#"{{"BIG":"{big}"}}"#));
    let id = t.name("big");
    let out = t.args(["--secret-id", &id]).run().success();
    assert_eq!(out.file("app.env"), format!("BIG='{big}'\n"));
    Test::new()
        .args(["--secret-id", &id, "--format", "docker"])
        .run()
        .success();
    // AWS's largest SecretString (65,536 bytes; a larger one is refused as
    // no AWS reply, issue 21 L7), as one variable: its docker line is longer.
    let bigger = "y".repeat(65_536);
    let t = Test::new().secret("bigger", &bigger);
    t.select("BIG,bigger")
        .args(["--format", "docker"])
        .run()
        .failure()
        .no_leak()
        .stderr_has("longer than 65,535 bytes");

    // 100 levels flatten into one long name; 200 exceed the JSON parser's
    // depth limit, which `always` reports without showing the text.
    let deep = |n: usize| format!("{}\"leaf\"{}", r#"{"a":"#.repeat(n), "}".repeat(n));
    let t = Test::new()
        .secret("deep100", &deep(100))
        .secret("deep200", &deep(200));
    let out = Test::new()
        .args([
            "--secret-id",
            &t.name("deep100"),
            "--format",
            "json",
            "-o",
            "-",
        ])
        .run()
        .success();
    let name = vec!["a"; 100].join("_");
    assert!(out.stdout.contains(&format!("\"{name}\": \"leaf\"")));
    Test::new()
        .args(["--secret-id", &t.name("deep200"), "--parse-json", "always"])
        .run()
        .failure()
        .stderr_has("is not a JSON object (not valid JSON: recursion limit exceeded");
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
        .run()
        .failure()
        .stderr_has("AWS did not answer within 2 s (--timeout)");
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
        .run()
        .failure()
        .stderr_has("secret `anything`: could not reach AWS Secrets Manager")
        .stderr_has("Connection refused");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn limits_are_validated() {
    for args in [
        ["--timeout", "0"],
        ["--timeout", "-1"],
        ["--max-attempts", "0"],
        ["--connect-timeout", "x"],
    ] {
        Test::new()
            .args(["--secret-id", "x"])
            .args(args)
            .run()
            .code(2);
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
    let mut child = std::process::Command::new(crate::support::python())
        .args(["-c", server])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap();
    let out = Test::new()
        .args(["--secret-id", "anything", "--max-attempts", "1"])
        .env(
            "AWS_ENDPOINT_URL",
            format!("https://127.0.0.1:{}", port.trim()),
        )
        .run();
    let _ = child.kill();
    let _ = child.wait();
    out.failure()
        .stderr_has("UnknownIssuer")
        .stderr_has("is a CA bundle installed?");
}
