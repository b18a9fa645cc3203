//! The fault proxy (`tests/faults/fault_proxy.py`) in front of moto: it
//! answers the first N requests with the fault asked for, then passes
//! through, and counts what it saw (`GET /__stats`).

use super::{ROOT, moto, python};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A helper server from `tests/faults/` (a fault proxy, the `SigV4` proxy,
/// the OIDC token server) on a free port: it prints `PORT n` first, and
/// answers `GET /__…` with JSON. Killed when dropped.
pub(crate) struct Helper {
    child: Child,
    pub(crate) endpoint: String,
}

impl Helper {
    /// Starts `tests/faults/SCRIPT ARGS…` and waits for its port.
    pub(crate) fn start(script: &str, args: &[&str]) -> Helper {
        let mut child = Command::new(python())
            .arg(format!("{ROOT}/tests/faults/{script}"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tests/faults/{script}: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("{script} said {line:?}"))
            .trim()
            .to_string();
        Helper {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `GET path` (`/__stats`, `/__log`): the JSON the helper answers.
    pub(crate) fn get(&self, path: &str) -> serde_json::Value {
        let addr = self.endpoint.trim_start_matches("http://");
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        conn.read_to_string(&mut reply).unwrap();
        let (_, body) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running fault proxy (`fault_proxy.py`); killed when dropped.
pub(crate) struct Proxy(Helper);

impl std::ops::Deref for Proxy {
    type Target = Helper;
    fn deref(&self) -> &Helper {
        &self.0
    }
}

impl Proxy {
    pub(crate) fn start(mode: &str, count: u32, message: Option<&str>) -> Proxy {
        Proxy::start_on(mode, count, message, 0)
    }

    /// On `port` (0: a free one), e.g. again where a stopped proxy was.
    pub(crate) fn start_on(mode: &str, count: u32, message: Option<&str>, port: u16) -> Proxy {
        let mut extra = vec!["--port".to_string(), port.to_string()];
        if let Some(m) = message {
            extra.extend(["--message".to_string(), m.to_string()]);
        }
        Proxy::start_with(mode, count, &extra)
    }

    /// With more of `fault_proxy.py`'s options (`--only ACTION`, `--delay-ms MS`).
    pub(crate) fn start_with(mode: &str, count: u32, extra: &[String]) -> Proxy {
        let (upstream, count) = (moto().endpoint.clone(), count.to_string());
        let mut args = vec!["--upstream", &upstream, "--mode", mode, "--count", &count];
        args.extend(extra.iter().map(String::as_str));
        Proxy(Helper::start("fault_proxy.py", &args))
    }
}

impl Proxy {
    /// The proxy's counters (`GET /__stats`).
    pub(crate) fn stats(&self) -> serde_json::Value {
        self.get("/__stats")
    }

    /// The calls the proxy has seen, in order (`service.Action`).
    pub(crate) fn calls(&self) -> Vec<String> {
        self.stats()["calls"]
            .as_array()
            .expect("the stats hold the calls")
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    }

    /// The calls after the first `from`, grouped into bursts: calls that
    /// arrived less than `gap` after the one before belong to the same burst. A `--watch` check
    /// sends all its calls at once, so each check is one burst, and a
    /// window can be cut at burst edges instead of in the middle of one.
    pub(crate) fn bursts(&self, from: usize, gap: Duration) -> Vec<Vec<String>> {
        let stats = self.stats();
        let calls = stats["calls"].as_array().expect("the stats hold the calls");
        let arrivals = stats["arrivals"].as_array().expect("and their arrivals");
        let mut timed: Vec<(f64, &str)> = arrivals
            .iter()
            .zip(calls)
            .skip(from)
            .map(|(t, c)| (t.as_f64().unwrap(), c.as_str().unwrap()))
            .collect();
        timed.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut bursts: Vec<Vec<String>> = Vec::new();
        let mut last = f64::NEG_INFINITY;
        for (t, call) in timed {
            if t - last >= gap.as_secs_f64() || bursts.is_empty() {
                bursts.push(Vec::new());
            }
            bursts.last_mut().unwrap().push(call.to_string());
            last = t;
        }
        bursts
    }
}
