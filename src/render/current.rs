//! An output file read back for the `--dry-run` plan: each key with a text
//! that is equal exactly when the value written is, in every format — the
//! value as written for the line formats and YAML (whose encoders are
//! deterministic), the decoded value for JSON and `github-env` (whose
//! heredoc delimiters are random). Used only to compare, never shown.

use super::base::EnvFile;
use super::format::Format;

/// The keys of `bytes` read as `format`, in order, each with its comparable
/// text; `None` when the file is not of that format as this tool writes it.
#[must_use]
pub fn comparable(format: Format, bytes: &[u8]) -> Option<Vec<(String, String)>> {
    match format {
        Format::Dotenv | Format::Shell | Format::Docker | Format::Systemd => {
            EnvFile::parse(format, bytes).ok().map(|file| file.values())
        }
        Format::Json => json(bytes),
        Format::Yaml => yaml(std::str::from_utf8(bytes).ok()?),
        Format::GithubEnv => github_env(std::str::from_utf8(bytes).ok()?),
    }
}

fn json(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let serde_json::Value::Object(map) = serde_json::from_slice(bytes).ok()? else {
        return None;
    };
    Some(
        map.into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect(),
    )
}

/// `"KEY": "…"` lines, as `yaml.rs` writes them (`{}` when empty).
fn yaml(text: &str) -> Option<Vec<(String, String)>> {
    if text == "{}\n" {
        return Some(Vec::new());
    }
    text.lines()
        .map(|line| {
            let rest = line.strip_prefix('"')?;
            let (key, value) = rest.split_once("\": ")?;
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

/// `NAME<<DELIM` heredocs (and `NAME=value` lines) of the runner's file
/// command syntax.
fn github_env(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value: Vec<&str> = Vec::new();
            loop {
                let next = lines.next()?;
                if next == delim {
                    break;
                }
                value.push(next);
            }
            out.push((name.to_string(), value.join("\n")));
        } else {
            let (name, value) = line.split_once('=')?;
            out.push((name.to_string(), value.to_string()));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_reads_back_its_keys() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
        };
        assert_eq!(
            comparable(Format::Dotenv, b"# c\nA='1'\nB=2\n"),
            Some(pairs(&[("A", "'1'"), ("B", "2")]))
        );
        assert_eq!(
            comparable(Format::Json, br#"{"A":"1","B":2}"#),
            Some(pairs(&[("A", "1"), ("B", "2")]))
        );
        assert_eq!(
            comparable(Format::Yaml, b"\"A\": \"1\"\n"),
            Some(pairs(&[("A", "\"1\"")]))
        );
        assert_eq!(comparable(Format::Yaml, b"{}\n"), Some(Vec::new()));
        assert_eq!(
            comparable(Format::GithubEnv, b"A<<d1\nx\ny\nd1\nB=2\n"),
            Some(pairs(&[("A", "x\ny"), ("B", "2")]))
        );
        assert_eq!(comparable(Format::GithubEnv, b"A<<d1\nx\n"), None);
        assert_eq!(comparable(Format::Json, b"[1]"), None);
        assert_eq!(comparable(Format::Dotenv, b"not a line\n"), None);
    }
}
