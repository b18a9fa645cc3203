//! From secrets to variables: JSON objects split into one variable per key
//! (nested keys joined with `_`), names made valid, aliases and case applied.

use crate::error::Error;
use crate::names::{NameTransformation, env_name};
pub use crate::secret::Variable;
use crate::secret::{self, Item, Secret, SecretBytes};
use crate::select::{Selector, Source};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Whether to split JSON object secrets into one variable per key. `auto`:
/// when the `SecretString` is a JSON object; `always`: refuse anything else;
/// `never`: keep the whole `SecretString` as one variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ParseJson {
    Auto,
    Always,
    Never,
}

/// What to do with a secret stored as `SecretBinary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryMode {
    Refuse,
    Base64,
    /// Write it raw to `DIR/NAME`; the variable holds that path.
    Dir(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub parse_json: ParseJson,
    pub transformation: NameTransformation,
    pub binary: BinaryMode,
}

/// The variables one selector yields from what was fetched for it.
// One match over the selector kinds, each arm a few lines: split, it would
// read worse.
#[allow(clippy::too_many_lines)]
pub fn variables(
    selector: &Selector,
    items: &[Item],
    opts: &Options,
) -> Result<Vec<Variable>, Error> {
    let mut out: Vec<Variable> = Vec::new();
    let mut push = |raw_name: String,
                    value: Secret,
                    source: String,
                    binary: Option<SecretBytes>|
     -> Result<(), Error> {
        let name = env_name(&raw_name, opts.transformation);
        if name.is_empty() {
            return Err(Error::EmptyName {
                source_desc: source,
            });
        }
        let binary_text = binary.as_ref().and_then(SecretBytes::text);
        // A SecretBinary kept in a file of its own: the variable holds the path.
        let value = match (binary, &opts.binary) {
            (Some(bytes), BinaryMode::Dir(dir)) => {
                let path = dir.join(&name);
                let path = std::path::absolute(&path).unwrap_or(path);
                secret::Value::File {
                    path: Secret::new(path.to_string_lossy()),
                    bytes,
                }
            }
            _ => secret::Value::Text(value),
        };
        out.push(Variable {
            name,
            value,
            source,
            binary_text,
        });
        Ok(())
    };
    let alias = selector.alias.as_deref();
    match &selector.source {
        Source::Secret {
            json_key: Some(key),
            id,
            ..
        } => {
            let item = &items[0];
            if item.binary.is_some() {
                return Err(Error::Binary { id: id.clone() });
            }
            // `--parse-json never` with a JSON key is refused before any call.
            let object = parse_object(id, item.value.expose(), "a JSON key was selected")?;
            let value = lookup(&object, key).ok_or_else(|| Error::MissingKey {
                id: id.clone(),
                key: key.clone(),
                known: key_names(&object),
            })?;
            let name = alias.unwrap_or(key).to_string();
            let source = format!("secret `{id}` key `{key}`");
            match value {
                Value::Object(inner) => flatten_into(inner, &name, id, key, &mut push)?,
                leaf => push(name, leaf_text(leaf), source, None)?,
            }
        }
        Source::Secret {
            id, prefix: false, ..
        } => {
            let item = &items[0];
            let plain = alias.unwrap_or(&item.name).to_string();
            whole_secret(id, item, alias.unwrap_or(""), plain, opts, &mut push)?;
        }
        Source::Secret { prefix: true, .. } => {
            for item in items {
                let plain = match alias {
                    Some(a) => format!("{a}_{}", item.name),
                    None => item.name.clone(),
                };
                whole_secret(
                    &item.name,
                    item,
                    alias.unwrap_or(""),
                    plain,
                    opts,
                    &mut push,
                )?;
            }
        }
        Source::Parameter { .. } => {
            let item = &items[0];
            // The last path segment of the name AWS returned (no `:VERSION`).
            let last = item.name.rsplit('/').next().unwrap_or(&item.name);
            let name = alias.unwrap_or(last).to_string();
            let source = format!("parameter `{}`", item.name);
            push(name, item.value.clone(), source, None)?;
        }
        Source::ParameterPath { path } => {
            for item in items {
                let below = item
                    .name
                    .strip_prefix(path.as_str())
                    .unwrap_or(&item.name)
                    .trim_start_matches('/');
                let name = match alias {
                    Some(a) => format!("{a}_{below}"),
                    None => below.to_string(),
                };
                let source = format!("parameter `{}`", item.name);
                push(name.replace('/', "_"), item.value.clone(), source, None)?;
            }
        }
    }
    Ok(out)
}

/// The `push` callback: name, value, source, and the `SecretBinary` it came from.
type Push<'a> = dyn FnMut(String, Secret, String, Option<SecretBytes>) -> Result<(), Error> + 'a;

/// A whole secret: one variable per key of a JSON object (prefixed), or one
/// variable named `plain` holding the `SecretString` — or the `SecretBinary` as
/// `opts.binary` says.
fn whole_secret(
    id: &str,
    item: &Item,
    prefix: &str,
    plain: String,
    opts: &Options,
    push: &mut Push,
) -> Result<(), Error> {
    let source = format!("secret `{id}`");
    if let Some(bytes) = &item.binary {
        return match opts.binary {
            BinaryMode::Refuse => Err(Error::Binary { id: id.to_string() }),
            BinaryMode::Base64 => push(plain, bytes.to_base64(), source, Some(bytes.clone())),
            BinaryMode::Dir(_) => push(plain, Secret::default(), source, Some(bytes.clone())),
        };
    }
    let text = item.value.expose();
    let object = match opts.parse_json {
        // Text that starts like an object must be one: a stray comma must
        // not turn a whole JSON secret into a single variable.
        ParseJson::Auto if looks_like_object(text) => Some(parse_object(
            id,
            text,
            "it starts with `{` and ends with `}` (`--parse-json never` keeps it whole)",
        )?),
        ParseJson::Always => Some(parse_object(id, text, "--parse-json always requires one")?),
        ParseJson::Never | ParseJson::Auto => None,
    };
    match object {
        Some(object) => flatten_into(&object, prefix, id, "", push),
        None => push(plain, item.value.clone(), source, None),
    }
}

/// White space around a secret's text: Unicode's (NBSP, U+2028…) and a
/// byte order mark, which editors on Windows save in front of JSON.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Whether `--parse-json auto` must read `text` as a JSON object: inside
/// white space ([`is_space`]) it starts with `{` followed by `"` or `}`, and
/// ends with `}`. A generated password that merely starts with `{` (1 in 94)
/// is text; a console edit's stray comma (`{"a":1,}`) is still an error.
fn looks_like_object(text: &str) -> bool {
    let text = text.trim_matches(is_space);
    text.strip_prefix('{').is_some_and(|body| {
        text.ends_with('}') && body.trim_start_matches(is_space).starts_with(['"', '}'])
    })
}

/// `text` without the white space around it when that holds more than JSON's
/// own (space, tab, LF, CR), which the JSON parser would refuse; else as it
/// is, so a parse error's line and column count from the secret's start.
pub(crate) fn json_text(text: &str) -> &str {
    let json_space = [' ', '\t', '\n', '\r'];
    let trimmed = text.trim_matches(is_space);
    if trimmed.len() == text.trim_matches(json_space).len() {
        text
    } else {
        trimmed
    }
}

fn parse_object(id: &str, text: &str, why: &'static str) -> Result<Map<String, Value>, Error> {
    let text = json_text(text);
    let not_object = |detail: String| Error::NotJsonObject {
        id: id.to_string(),
        detail,
        why,
    };
    match serde_json::from_str::<Value>(text) {
        // Valid (syntax, nesting, number range): read again keeping each
        // number's text.
        Ok(Value::Object(_)) => match exact(text) {
            Ok(Value::Object(object)) => Ok(object),
            _ => unreachable!("a valid JSON object reads again as one"),
        },
        // serde_json's messages give a line and column, never the text.
        Err(e) => Err(not_object(format!(" (not valid JSON: {e})"))),
        Ok(other) => Err(not_object(format!(" (it is a JSON {})", kind(&other)))),
    }
}

/// `text`, already validated, with every number, boolean and array as a
/// string holding its JSON text exactly as written (`1.10`, `1E3`, `-0`, 23
/// digits; arrays without the white space between tokens), objects as
/// objects and strings as strings.
pub(crate) fn exact(text: &str) -> serde_json::Result<Value> {
    use serde_json::value::RawValue;
    // A secret's text may have white space around the object (a raw value
    // never has).
    let text = text.trim_matches([' ', '\t', '\n', '\r']);
    Ok(match text.as_bytes().first() {
        Some(b'{') => {
            let members: indexmap::IndexMap<String, Box<RawValue>> = serde_json::from_str(text)?;
            let mut object = Map::new();
            for (key, value) in members {
                object.insert(key, exact(value.get())?);
            }
            Value::Object(object)
        }
        Some(b'"' | b'n') => serde_json::from_str(text)?,
        _ => Value::String(compact(text)),
    })
}

/// JSON text without the white space outside strings.
fn compact(text: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::with_capacity(text.len()), false, false);
    for c in text.chars() {
        if in_string {
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        out.push(c);
    }
    out
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The object's keys for a message: names only, made printable, at most 20.
fn key_names(object: &Map<String, Value>) -> String {
    const SHOWN: usize = 20;
    let mut names: Vec<String> = object
        .keys()
        .take(SHOWN)
        .map(|k| format!("`{}`", crate::error::sanitize(k)))
        .collect();
    if object.len() > SHOWN {
        names.push(format!("and {} more", object.len() - SHOWN));
    }
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// A top-level key, or else a `.`-separated path into nested objects.
fn lookup<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(value) = object.get(key) {
        return Some(value);
    }
    let mut parts = key.split('.');
    let mut value = object.get(parts.next()?)?;
    for part in parts {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
}

/// Strings as they are; `null` as empty; numbers, booleans and arrays as JSON text.
fn leaf_text(value: &Value) -> Secret {
    match value {
        Value::String(s) => Secret::new(s.as_str()),
        Value::Null => Secret::default(),
        other => Secret::new(other.to_string()),
    }
}

/// Walks an object depth first, calling `push` for every leaf with its name
/// (joined with `_`) and its source (the key path joined with `.`).
fn flatten_into(
    object: &Map<String, Value>,
    name_prefix: &str,
    id: &str,
    path_prefix: &str,
    push: &mut Push,
) -> Result<(), Error> {
    for (key, value) in object {
        let name = join(name_prefix, key, '_');
        let path = join(path_prefix, key, '.');
        match value {
            Value::Object(inner) => flatten_into(inner, &name, id, &path, push)?,
            leaf => push(
                name,
                leaf_text(leaf),
                format!("secret `{id}` key `{path}`"),
                None,
            )?,
        }
    }
    Ok(())
}

fn join(prefix: &str, key: &str, sep: char) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}{sep}{key}")
    }
}

#[cfg(test)]
mod tests;
