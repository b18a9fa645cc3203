//! `--compat official`: the input and naming rules of the
//! aws-actions/aws-secretsmanager-get-secrets action (`secret-ids` lines,
//! `parse-json-secrets`, its variable names), so a workflow written for it
//! gets the same variables from ours. Fetching, masking, the deny set and
//! all-or-nothing stay ours (docs/action.md, "Migrating").

use crate::error::Error;
use crate::names::NameTransformation;
use crate::secret::{Item, Secret, Variable};
use crate::select::{Selector, Source};
use serde_json::Value;

/// The `secret-ids` lines as the official action reads them: one per line,
/// trimmed, blank lines skipped, exact duplicates dropped; `ALIAS, ID` (the
/// alias may be blank: `,ID`); `PREFIX*` with at least three characters of
/// `[A-Za-z0-9/_+=.@-]`. Ours on top: a line starting with `#`, or the rest
/// of a line from a white space followed by `#`, is a comment (no secret
/// name or ARN holds `#`; the official action fails on its own README's
/// `beta*    # Retrieves…`).
pub(crate) fn parse_lines(
    inputs: &[String],
    transformation: NameTransformation,
) -> Result<Vec<Selector>, Error> {
    let mut lines: Vec<&str> = Vec::new();
    for line in inputs.iter().flat_map(|s| s.lines()) {
        let line = strip_comment(line).trim();
        if !line.is_empty() && !lines.contains(&line) {
            lines.push(line);
        }
    }
    let mut selectors = Vec::new();
    let mut errors = Vec::new();
    for line in lines {
        match parse_line(line, transformation) {
            Ok(s) => selectors.push(s),
            Err(reason) => errors.push(Error::Selector {
                selector: line.to_string(),
                reason,
            }),
        }
    }
    Error::all(errors)?;
    if selectors.is_empty() {
        return Err(Error::Usage("no secret selected: give secret-ids".into()));
    }
    Ok(selectors)
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    let cut = line
        .char_indices()
        .find(|&(i, c)| c == '#' && line[..i].ends_with(char::is_whitespace))
        .map_or(line.len(), |(i, _)| i);
    &line[..cut]
}

fn parse_line(line: &str, transformation: NameTransformation) -> Result<Selector, String> {
    // As `input.split(',')`: a third field and beyond are ignored.
    let mut parts = line.split(',');
    let first = parts.next().unwrap_or_default();
    let (alias, id) = match parts.next() {
        Some(id) => {
            let alias = first.trim();
            if official_name(alias, transformation, false) != alias {
                return Err(format!(
                    "the alias is not a valid environment name for name-transformation {}: letters in that case, digits and `_`, not starting with a digit",
                    transformation_name(transformation)
                ));
            }
            (Some(alias.to_string()), id.trim())
        }
        None => (None, first.trim()),
    };
    if id.is_empty() {
        return Err("the secret id is empty".into());
    }
    let prefix = line.contains('*');
    let id = if prefix {
        let valid = id.strip_suffix('*').filter(|p| {
            p.len() >= 3
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
        });
        let Some(valid) = valid else {
            return Err("a prefix search needs at least 3 characters of `A-Za-z0-9/_+=.@-` and one `*` at the end".into());
        };
        valid
    } else {
        id
    };
    Ok(Selector {
        raw: line.to_string(),
        alias,
        optional: false,
        source: Source::Secret {
            id: id.to_string(),
            json_key: None,
            version_stage: None,
            version_id: None,
            prefix,
        },
    })
}

fn transformation_name(t: NameTransformation) -> &'static str {
    match t {
        NameTransformation::None => "none",
        NameTransformation::Uppercase => "uppercase",
        NameTransformation::Lowercase => "lowercase",
    }
}

/// The official name rule: a leading digit gets `_` in front (unless the
/// name is a JSON key to be prefixed), every UTF-16 unit outside
/// `[A-Za-z0-9_]` becomes `_`, then the case changes.
#[must_use]
pub(crate) fn official_name(raw: &str, t: NameTransformation, is_key: bool) -> String {
    let mut name = String::with_capacity(raw.len() + 1);
    if !is_key && raw.starts_with(|c: char| c.is_ascii_digit()) {
        name.push('_');
    }
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            name.push(c);
        } else {
            name.extend(std::iter::repeat_n('_', c.len_utf16()));
        }
    }
    match t {
        NameTransformation::None => name,
        NameTransformation::Uppercase => name.to_ascii_uppercase(),
        NameTransformation::Lowercase => name.to_ascii_lowercase(),
    }
}

/// The official `isSecretArn`: `^arn:aws:secretsmanager:.*:[0-9]{12,}:secret:.*$`.
fn is_official_arn(id: &str) -> bool {
    let Some(body) = id.strip_prefix("arn:aws:secretsmanager") else {
        return false;
    };
    body.match_indices(":secret:").any(|(i, _)| {
        let before = &body[..i];
        let digits = before.rsplit(':').next().unwrap_or_default();
        before.contains(':') && digits.len() >= 12 && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// JSON text the official action splits: an object (not null, not an array),
/// read keeping each number's text as written (`1.10`, `1e3`, `-0`, 23
/// digits), as our own style does: the official action's `JSON.stringify`
/// forms (`1.1`, `1000`, `0`, `12345678901234567000`) are not the secret's
/// text either (docs/action.md, "Numbers").
/// Unlike the official `JSON.parse`, a byte order mark or Unicode white
/// space (NBSP) around the object does not keep it whole (red team L10).
fn object(text: &str) -> Option<serde_json::Map<String, Value>> {
    let text = crate::flatten::json_text(text);
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => match crate::flatten::exact(text) {
            Ok(Value::Object(object)) => Some(object),
            _ => unreachable!("a valid JSON object reads again as one"),
        },
        _ => None,
    }
}

/// The variables one `secret-ids` line yields from what was fetched for it.
pub(crate) fn variables(
    selector: &Selector,
    items: &[Item],
    parse_json: bool,
    t: NameTransformation,
) -> Result<Vec<Variable>, Error> {
    let Source::Secret { id, prefix, .. } = &selector.source else {
        unreachable!("parse_lines makes secret selectors only")
    };
    let alias = selector.alias.as_deref();
    if *prefix && items.len() > 1 && alias.is_some_and(|a| !a.is_empty()) {
        return Err(Error::Selector {
            selector: selector.raw.clone(),
            reason: format!(
                "an alias names one secret, but the prefix matched {} secrets",
                items.len()
            ),
        });
    }
    let mut out = Vec::new();
    for item in items {
        let text = match &item.binary {
            None => item.value.clone(),
            // Official: decoded as ASCII (bytes above 127 corrupted). Here:
            // text that is UTF-8 as it is; anything else refused.
            Some(bytes) => match std::str::from_utf8(bytes.expose()) {
                Ok(text) => Secret::new(text),
                Err(_) => {
                    return Err(Error::Binary {
                        id: item.name.clone(),
                    });
                }
            },
        };
        let json = parse_json && object(text.expose()).is_some();
        let name = match alias {
            // A wildcard keeps a named alias (one match), drops a blank one.
            Some(a) if !a.is_empty() => a.to_string(),
            Some("") if json && !prefix => String::new(),
            _ if *prefix || is_official_arn(id) => item.name.clone(),
            _ => id.clone(),
        };
        let source = format!("secret `{}`", item.name);
        inject(&name, text, parse_json, t, None, &source, "", &mut out)?;
    }
    Ok(out)
}

/// The official `injectSecret`: a JSON object (when parsing) gives one
/// variable per key, recursively, string values that hold a JSON object
/// included; anything else is one variable.
#[allow(clippy::too_many_arguments)]
fn inject(
    name: &str,
    text: Secret,
    parse_json: bool,
    t: NameTransformation,
    prefix: Option<&str>,
    source: &str,
    path: &str,
    out: &mut Vec<Variable>,
) -> Result<(), Error> {
    if parse_json && let Some(object) = object(text.expose()) {
        for (key, value) in &object {
            let head = match prefix {
                Some(p) => p.to_string(),
                None => official_name(name, t, false),
            };
            let joined: Vec<String> = [head, official_name(key, t, true)]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            let joined = joined.join("_");
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let leaf = match value {
                Value::String(s) => Secret::new(s.as_str()),
                other => Secret::new(other.to_string()),
            };
            let prefix = (!joined.is_empty()).then_some(joined.as_str());
            inject(name, leaf, parse_json, t, prefix, source, &path, out)?;
        }
        return Ok(());
    }
    let env = official_name(prefix.unwrap_or(name), t, false);
    let source = if path.is_empty() {
        source.to_string()
    } else {
        format!("{source} key `{path}`")
    };
    if env.is_empty() {
        return Err(Error::EmptyName {
            source_desc: source,
        });
    }
    out.push(Variable::new(env, text, source));
    Ok(())
}

#[cfg(test)]
mod tests;
