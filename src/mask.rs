//! Masking: the `::add-mask::` lines that make GitHub (and act, Gitea, Forgejo)
//! hide every value, printed before anything else.
//!
//! [`mask_lines`] registers each value, each line of a multi-line value, and
//! the forms that later steps commonly print, so that a value is hidden
//! however it is shown:
//!
//! | form | printed by | GitHub's runner adds it itself |
//! |---|---|---|
//! | the value trimmed of white space | `echo $V` (unquoted), most loggers | no |
//! | each line, trimmed; each segment around a literal `%0A`/`%0D` | multi-line values; act decodes `%0A` inside mask data in no fixed order, so a value holding that text is registered wrongly there | lines yes, segments no |
//! | shell-quoted, `'` as `'\''` | `set -x`, `${V@Q}` | no |
//! | `"` as `\"` | `docker` command lines | yes |
//! | JSON string: as `serde_json`/`JSON.stringify`, with `\uXXXX` for non-ASCII (lower and upper hex, surrogate pairs), and Go's `\u003c`/`\u003e`/`\u0026` | `json.dumps`, `jq`, Go, logs of API payloads | only the first |
//! | base64 standard and URL-safe: the whole value with padding, and the characters that depend on the value alone at each of the three byte alignments (a value inside `base64(user:password)`) | `base64`, HTTP basic auth, Kubernetes secrets | standard only, not URL-safe |
//! | percent-encoded: RFC 3986 (upper and lower hex), with `+` for spaces, as `encodeURIComponent`, keeping `/` | URLs, query strings, form bodies | one variant |
//!
//! They are registered on every runner, GitHub's included: act, Gitea and
//! Forgejo add no encodings themselves, a step cannot tell reliably which
//! runner it is on, and a duplicate mask costs one line.
//!
//! **Short values.** The value itself, its trimmed form, its lines and its
//! `%0A` segments are registered whatever their length, as GitHub does with
//! any `::add-mask::` (a short secret is still a secret; the log gets `***` in
//! odd places, a documented residual risk). The *derived* forms (escapes and
//! encodings) are registered only from [`MIN_DERIVED_LEN`] characters: a base64
//! fragment of a 3-byte value is 2 to 4 characters and would hide every such
//! run of letters in the log, while a value that short is not protected by
//! masking anyway.

use crate::github::escape_data;
use crate::secret::{Secret, SecretBytes};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Instant;

/// The shortest escape or encoding of a value that is registered (see the
/// module documentation).
pub(crate) const MIN_DERIVED_LEN: usize = 6;

/// The most mask lines one run prints, and the most bytes of them: a value
/// gives its own forms (the module documentation) for itself, its trimmed
/// form, each of its lines and `%0A` segments — so a PEM bundle of 64 KiB
/// gives a few thousand — and a run past either bound fails instead of
/// flooding the runner's log masker.
pub(crate) const MAX_LINES: usize = 100_000;
pub(crate) const MAX_BYTES: usize = 32 << 20;

/// Why [`bounded_mask_lines`] gave up.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Over {
    /// The deadline passed.
    Deadline,
    /// More than [`MAX_LINES`] lines or [`MAX_BYTES`] bytes.
    Lines,
}

/// The mask lines for `values`: each value, each line of a multi-line value
/// and every derived form in the module documentation (trimmed, `%0A`/`%0D`
/// segments, shell-quoted, JSON-escaped, base64, percent-encoded). Empty
/// values are skipped, duplicates dropped, and the longest comes first:
/// runners that apply masks in registration order would otherwise let a
/// short value such as `postgres` cut into `postgresql://…` and leave the
/// rest of the longer one readable.
#[cfg(test)]
pub(crate) fn mask_lines<'a>(values: impl IntoIterator<Item = &'a Secret>) -> Vec<String> {
    let far = std::time::Instant::now() + std::time::Duration::from_hours(1);
    bounded_mask_lines(values, far).expect("within the bounds")
}

/// The mask lines for `values` (as [`mask_lines`] describes them), unless
/// they are more than [`MAX_LINES`] or [`MAX_BYTES`], or `deadline` passes
/// while they are made: the work and memory stop at the bound.
pub(crate) fn bounded_mask_lines<'a>(
    values: impl IntoIterator<Item = &'a Secret>,
    deadline: Instant,
) -> Result<Vec<String>, Over> {
    let mut texts = Texts::default();
    for value in values {
        if Instant::now() >= deadline {
            return Err(Over::Deadline);
        }
        add_all_forms(value.expose(), &mut texts)?;
    }
    Ok(finish(texts.set))
}

/// The texts to register, counted against the bounds as they are added.
#[derive(Default)]
struct Texts {
    set: BTreeSet<String>,
    bytes: usize,
}

impl Texts {
    fn insert(&mut self, text: String) -> Result<(), Over> {
        let len = text.len();
        if self.set.insert(text) {
            self.bytes += len + "::add-mask::\n".len();
            if self.set.len() > MAX_LINES || self.bytes > MAX_BYTES {
                return Err(Over::Lines);
            }
        }
        Ok(())
    }
}

fn finish(texts: BTreeSet<String>) -> Vec<String> {
    let mut texts: Vec<String> = texts.into_iter().collect();
    // Longest first; ties in byte order so the output is deterministic.
    texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    texts
        .iter()
        .map(|t| format!("::add-mask::{}", escape_data(t)))
        .collect()
}

fn add_all_forms(value: &str, texts: &mut Texts) -> Result<(), Over> {
    if value.trim().is_empty() {
        return Ok(());
    }
    // The value and the pieces a log shows on their own: registered whatever
    // their length.
    let mut bases = BTreeSet::new();
    bases.insert(value.to_string());
    bases.insert(value.trim().to_string());
    for line in value.split(['\n', '\r']) {
        bases.insert(line.trim().to_string());
    }
    let mut segments = BTreeSet::new();
    for base in &bases {
        for segment in split_percent_breaks(base) {
            segments.insert(segment.trim().to_string());
        }
    }
    bases.extend(segments);
    bases.remove("");
    for base in &bases {
        texts.insert(base.clone())?;
        for form in derived(base) {
            if form.len() >= MIN_DERIVED_LEN && !bases.contains(&form) {
                texts.insert(form)?;
            }
        }
    }
    Ok(())
}

/// Pieces of `text` around the literal texts `%0A` and `%0D` (any case).
fn split_percent_breaks(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i + 3 <= bytes.len() {
        if bytes[i] == b'%'
            && bytes[i + 1] == b'0'
            && matches!(bytes[i + 2].to_ascii_uppercase(), b'A' | b'D')
        {
            pieces.push(&text[start..i]);
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    if start > 0 {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Escapes and encodings of `text` that later steps commonly print.
fn derived(text: &str) -> Vec<String> {
    let mut forms = vec![text.replace('\'', r"'\''"), text.replace('"', "\\\"")];
    forms.extend(backslash_forms(text));
    let json = json_escape(text);
    forms.push(go_html_escape(&json));
    forms.push(ascii_json(&json, false));
    forms.push(ascii_json(&json, true));
    forms.push(json);
    for b64 in base64_forms(text.as_bytes()) {
        forms.push(b64.replace('+', "-").replace('/', "_"));
        forms.push(b64);
    }
    forms.push(percent_encode(text, b"-._~", false, true));
    forms.push(percent_encode(text, b"-._~", true, true));
    forms.push(percent_encode(text, b"-._~", false, false));
    forms.push(percent_encode(text, b"-._~!'()*", false, true));
    forms.push(percent_encode(text, b"-._~/", false, true));
    forms
}

/// The backslash-escaped forms of `text` (the inside of the quotes) that
/// shells and language runtimes print: bash's `printf %q`, `declare -p` and
/// `export -p` (`\$`, `` \` ``, `\"`), their `$'…'` form for a value with
/// control characters (non-ASCII as UTF-8, or as octal bytes in the C
/// locale), Python's `repr` and Node's `util.inspect` (`\'` when the value
/// holds both quote kinds, else the quotes as they are).
fn backslash_forms(text: &str) -> Vec<String> {
    let controls = text.chars().any(char::is_control);
    let mut forms = vec![
        ansi_c(text, false),
        ansi_c(text, true),
        python_repr(text, true),
        python_repr(text, false),
        node_inspect(text, true),
        node_inspect(text, false),
    ];
    if !controls {
        forms.push(printf_q(text));
        forms.push(declare_p(text));
    }
    forms
}

/// bash `printf %q` of a value without control characters: a backslash
/// before each character the shell would read specially (`~` and `#` only
/// at the start).
fn printf_q(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for (i, c) in text.chars().enumerate() {
        if " '\"$`\\?&*[]{}()<>|;^,!".contains(c) || (i == 0 && (c == '~' || c == '#')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// bash `declare -p` / `export -p` of a value without control characters:
/// inside double quotes, `\`, `"`, `$` and `` ` `` backslash-escaped.
fn declare_p(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\\"$`".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The inside of bash's `$'…'` (what `printf %q` and `declare -p` print for
/// a value with control characters): `\\`, `\'`, the named C escapes,
/// other controls in octal; non-ASCII as it is, or (`octal`) as octal bytes,
/// as in the C locale.
fn ansi_c(text: &str, octal: bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\E"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c if octal && !c.is_ascii() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\{b:03o}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The inside of Python's `repr` of a string: `\\`, `\'` when the quote is
/// escaped (a value with both quote kinds), `\t` `\n` `\r`, other controls
/// and the unprintable Latin-1 characters as `\xNN`, line separators and
/// invisible format characters as `\uNNNN`.
fn python_repr(text: &str, quote: bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' if quote => out.push_str("\\'"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() || ('\u{80}'..='\u{a0}').contains(&c) || c == '\u{ad}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if crate::error::ignorable(c) && u32::from(c) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if crate::error::ignorable(c) => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The inside of Node's `util.inspect` of a string: `\\`, `\'` when the
/// quote is escaped (a value with `'`, `"` and `` ` ``), `\b` `\t` `\n`
/// `\f` `\r`, other controls as `\xNN` (upper-case hex).
fn node_inspect(text: &str, quote: bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' if quote => out.push_str("\\'"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The inside of a JSON string as `serde_json` writes it (`"`, `\`, controls;
/// non-ASCII kept).
fn json_escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_string()
}

/// `json` with non-ASCII as `\uXXXX` (UTF-16, surrogate pairs), lower- or
/// upper-case hex, as Python's `json.dumps` and .NET's encoder write it.
fn ascii_json(json: &str, upper: bool) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                if upper {
                    let _ = write!(out, "\\u{unit:04X}");
                } else {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out
}

/// Go's `encoding/json`: also `<`, `>`, `&`, U+2028 and U+2029 escaped.
fn go_html_escape(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Standard base64: the whole value with padding, and for each byte
/// alignment (0, 1 or 2 bytes before the value in a longer encoded text) the
/// characters that depend on the value's bits alone.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    let mut forms = vec![
        SecretBytes::new(bytes.to_vec())
            .to_base64()
            .expose()
            .to_string(),
    ];
    for align in 0..3usize {
        let mut padded = vec![0u8; align];
        padded.extend_from_slice(bytes);
        let encoded = SecretBytes::new(padded).to_base64();
        let encoded = encoded.expose();
        let start = (8 * align).div_ceil(6);
        let end = (8 * (align + bytes.len())) / 6;
        if end > start {
            forms.push(encoded[start..end].to_string());
        }
    }
    forms
}

/// Percent-encodes every byte but ASCII letters, digits and `keep`; spaces as
/// `+` when `plus`.
fn percent_encode(text: &str, keep: &[u8], plus: bool, upper: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else if plus && b == b' ' {
            out.push('+');
        } else if upper {
            let _ = write!(out, "%{b:02X}");
        } else {
            let _ = write!(out, "%{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_percent_before_line_breaks() {
        assert_eq!(escape_data("50%\r\n%0A"), "50%25%0D%0A%250A");
    }

    #[test]
    fn longest_first_with_each_line_and_no_empties() {
        let values = [
            Secret::new("postgres"),
            Secret::new("postgresql://root:pw@host/db"),
            Secret::new(""),
            Secret::new("line one\n  line two \n\n"),
            Secret::new("postgres"),
        ];
        let lines = mask_lines(&values);
        let plain: Vec<&String> = lines
            .iter()
            .filter(|l| {
                [
                    "::add-mask::postgresql://root:pw@host/db",
                    "::add-mask::line one%0A  line two %0A%0A",
                    "::add-mask::line one",
                    "::add-mask::line two",
                    "::add-mask::postgres",
                ]
                .contains(&l.as_str())
            })
            .collect();
        assert_eq!(
            plain,
            [
                "::add-mask::postgresql://root:pw@host/db",
                "::add-mask::line one%0A  line two %0A%0A",
                "::add-mask::line one",
                "::add-mask::line two",
                "::add-mask::postgres",
            ]
        );
        assert!(!lines.iter().any(|l| l == "::add-mask::"), "no empty mask");
    }

    // ---- derived forms (issue 12, review L2-L5) ----

    /// The texts registered for `values` (mask data unescaped back).
    fn registered(values: &[&str]) -> Vec<String> {
        let secrets: Vec<Secret> = values.iter().map(|v| Secret::new(*v)).collect();
        mask_lines(&secrets)
            .iter()
            .map(|l| {
                l.strip_prefix("::add-mask::")
                    .unwrap()
                    .replace("%0A", "\n")
                    .replace("%0D", "\r")
                    .replace("%25", "%")
            })
            .collect()
    }

    fn has(values: &[&str], form: &str) -> bool {
        registered(values).iter().any(|t| t == form)
    }

    #[test]
    fn the_trimmed_value_is_registered() {
        assert!(has(&["trailingspacepw "], "trailingspacepw"));
        assert!(has(&["\t padded-both-ends \n"], "padded-both-ends"));
    }

    #[test]
    fn the_shell_quoted_form_is_registered() {
        // `set -x` prints K='Sup3r'\''Secr3tQuotePw'
        assert!(has(&["Sup3r'Secr3tQuotePw"], r"Sup3r'\''Secr3tQuotePw"));
        // docker and the runner's CommandLineArgumentEscape: \"
        assert!(has(&[r#"quo"ted-value"#], r#"quo\"ted-value"#));
    }

    #[test]
    fn json_escaped_forms_are_registered() {
        let v = "p\u{e4}ssw\u{f6}rd-\"q\"-\u{fc}n\u{ef}code-pw";
        // serde_json, JSON.stringify, Newtonsoft: non-ASCII kept
        assert!(has(
            &[v],
            "p\u{e4}ssw\u{f6}rd-\\\"q\\\"-\u{fc}n\u{ef}code-pw"
        ));
        // Python json.dumps (ensure_ascii): \u00e4
        assert!(has(
            &[v],
            r#"p\u00e4ssw\u00f6rd-\"q\"-\u00fcn\u00efcode-pw"#
        ));
        // .NET JavaScriptEncoder and others: upper-case hex
        assert!(has(
            &[v],
            r#"p\u00E4ssw\u00F6rd-\"q\"-\u00FCn\u00EFcode-pw"#
        ));
        // astral characters as surrogate pairs; controls as \n, \u0001
        assert!(has(&["emoji-\u{1F600}-pw"], r"emoji-\ud83d\ude00-pw"));
        assert!(has(&["ctl\u{1}-line\nnext-pw"], r"ctl\u0001-line\nnext-pw"));
        // Go's encoding/json escapes <, > and & too
        assert!(has(&["a<b>&c-go-html"], r"a\u003cb\u003e\u0026c-go-html"));
    }

    fn base64(bytes: &[u8]) -> String {
        crate::secret::SecretBytes::new(bytes.to_vec())
            .to_base64()
            .expose()
            .to_string()
    }

    #[test]
    fn base64_forms_cover_every_alignment() {
        let v = "Sup3r'Secr3tQuotePw";
        // what `base64` prints for the value alone, padding included
        assert!(has(&[v], "U3VwM3InU2VjcjN0UXVvdGVQdw=="));
        let forms = registered(&[v]);
        // and inside base64(prefix + value + suffix) for any prefix length,
        // as in an HTTP basic-auth header
        for prefix in ["", "u", "us", "user:", "user:x"] {
            let text = base64(format!("{prefix}{v}@host").as_bytes());
            let hidden = forms
                .iter()
                .filter(|f| f.len() >= 20 && text.contains(f.as_str()))
                .count();
            assert!(
                hidden > 0,
                "prefix {prefix:?}: no registered form is in the encoding"
            );
        }
        // base64url too
        assert!(has(
            &["\u{ff}\u{fe}\u{fd}-url-safe"],
            &base64("\u{ff}\u{fe}\u{fd}-url-safe".as_bytes())
                .replace('+', "-")
                .replace('/', "_")
        ));
    }

    #[test]
    fn url_encoded_forms_are_registered() {
        let v = "Sup3r'Secr3t Quote/Pw";
        assert!(has(&[v], "Sup3r%27Secr3t%20Quote%2FPw")); // quote(safe=''), EscapeDataString
        assert!(has(&[v], "Sup3r%27Secr3t+Quote%2FPw")); // quote_plus, Go QueryEscape
        assert!(has(&[v], "Sup3r'Secr3t%20Quote%2FPw")); // encodeURIComponent
        assert!(has(&[v], "Sup3r%27Secr3t%20Quote/Pw")); // Python quote() default safe='/'
        assert!(has(&["p\u{e4}ss-lower-hex"], "p%c3%a4ss-lower-hex"));
    }

    #[test]
    fn segments_around_a_literal_percent_0a_are_registered() {
        let forms = registered(&["abc%0Adef-literal-percent-0A-pw"]);
        assert!(
            forms.iter().any(|f| f == "def-literal-percent-0A-pw"),
            "{forms:?}"
        );
        assert!(forms.iter().any(|f| f == "abc"));
        assert!(has(&["left-part%0Dright-part"], "right-part"));
    }

    #[test]
    fn short_derived_forms_are_not_registered_but_short_values_are() {
        let forms = registered(&["a'b"]);
        assert!(forms.iter().any(|f| f == "a'b"), "the value itself always");
        assert!(
            forms
                .iter()
                .all(|f| f == "a'b" || f.len() >= MIN_DERIVED_LEN),
            "{} forms",
            forms.len()
        );
    }

    #[test]
    fn the_text_of_a_utf8_secret_binary_is_maskable() {
        let pem = crate::secret::SecretBytes::new(b"-----BEGIN KEY-----\nbinary-line\n".to_vec());
        let text = pem.text().expect("UTF-8");
        assert_eq!(text.expose(), "-----BEGIN KEY-----\nbinary-line\n");
        assert!(
            crate::secret::SecretBytes::new(vec![0xff, 0xfe])
                .text()
                .is_none()
        );
        assert!(crate::secret::SecretBytes::new(Vec::new()).text().is_none());
        assert!(has(&[text.expose()], "binary-line"));
    }

    /// Issue 21 / review L7: one reply of many short values gives at most
    /// [`MAX_LINES`] masks; the work stops at the bound or the deadline.
    #[test]
    fn the_mask_lines_of_a_run_are_bounded() {
        let values: Vec<Secret> = (0..MAX_LINES)
            .map(|i| Secret::new(format!("value-{i:07}")))
            .collect();
        let far = Instant::now() + std::time::Duration::from_hours(1);
        assert_eq!(bounded_mask_lines(&values, far), Err(Over::Lines));
        assert_eq!(
            bounded_mask_lines(&values, Instant::now()),
            Err(Over::Deadline)
        );
        let big = Secret::new("x".repeat(60_000) + "-long-line");
        let lines = bounded_mask_lines(std::iter::repeat_n(&big, 3), far).unwrap();
        assert!(lines.len() < 40, "{} forms of one value", lines.len());
    }

    #[test]
    fn longest_first() {
        let lens: Vec<usize> = registered(&["postgres", "postgresql://root:pw@host/db"])
            .iter()
            .map(String::len)
            .collect();
        assert!(lens.windows(2).all(|w| w[0] >= w[1]), "longest first");
    }
}
