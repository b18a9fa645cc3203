//! Selectors: which secret, which JSON key, which version — parsed from the
//! ECS `valueFrom` syntax `[ALIAS,]ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]`.

use crate::error::Error;
use crate::names::is_env_name;

/// One parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The selector as written (trimmed), for messages.
    pub raw: String,
    /// `ALIAS,` prefix: the variable name, or the prefix of every name.
    pub alias: Option<String>,
    /// A trailing `?`: finding nothing is not an error.
    pub optional: bool,
    pub source: Source,
}

/// Where a selector's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A Secrets Manager secret, or with `prefix` every secret whose name
    /// starts with `id`.
    Secret {
        /// Secret name, full ARN or partial ARN (the prefix for a wildcard).
        id: String,
        json_key: Option<String>,
        version_stage: Option<String>,
        version_id: Option<String>,
        prefix: bool,
    },
    /// One SSM parameter: a name or ARN, maybe with `:VERSION` or `:LABEL`.
    Parameter { name: String },
    /// Every SSM parameter under a path (recursively); stored without the
    /// trailing `/` (`/` itself for the root).
    ParameterPath { path: String },
}

impl Selector {
    /// Parses one selector.
    pub fn parse(raw: &str) -> Result<Selector, Error> {
        let raw = raw.trim();
        let bad = |reason: &str| Error::Selector {
            selector: raw.to_string(),
            reason: reason.to_string(),
        };
        if raw.is_empty() {
            return Err(bad("it is empty"));
        }
        // Neither secret names nor parameter names may contain `?`.
        let (body, optional) = match raw.strip_suffix('?') {
            Some(body) => (body.trim_end(), true),
            None => (raw, false),
        };
        let (alias, rest) = match body.split_once(',') {
            Some((alias, rest)) => {
                let alias = alias.trim();
                if !is_env_name(alias) {
                    return Err(bad(
                        "the alias before `,` must be a variable name: letters, digits and `_`, not starting with a digit",
                    ));
                }
                (Some(alias.to_string()), rest.trim())
            }
            None => (None, body),
        };
        if rest.contains(',') {
            return Err(bad(
                "a secret id cannot contain `,`; only one `ALIAS,` prefix is allowed",
            ));
        }
        if rest.chars().any(char::is_whitespace) {
            return Err(bad(
                "a secret id or parameter name cannot contain white space",
            ));
        }
        let source = match rest.strip_prefix("ssm:") {
            Some(name) => parameter(name).map_err(&bad)?,
            None => secret(rest).map_err(&bad)?,
        };
        Ok(Selector {
            raw: raw.to_string(),
            alias,
            optional,
            source,
        })
    }

    /// Parses every selector in `inputs`. Each input may hold several
    /// selectors separated by line breaks or spaces (no selector contains
    /// white space); lines starting with `#` are comments, and a selector
    /// given twice counts once.
    pub fn parse_all(inputs: &[String]) -> Result<Vec<Selector>, Error> {
        let mut selectors: Vec<Selector> = Vec::new();
        let mut errors = Vec::new();
        let words = inputs
            .iter()
            .flat_map(|s| s.lines())
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace);
        for word in words {
            // `ALIAS, ID` (the official action's style) splits at the space.
            if let Some(alias) = word.strip_suffix(',').filter(|a| !a.contains(',')) {
                errors.push(Error::Selector {
                    selector: word.to_string(),
                    reason: format!(
                        "the secret id is empty: a space after the comma splits `ALIAS, ID` in \
                         two; write `{alias},ID` (no space), or give the line to `secret-ids` \
                         (the official action's style)"
                    ),
                });
                continue;
            }
            match Selector::parse(word) {
                Ok(s) if selectors.contains(&s) => {}
                Ok(s) => selectors.push(s),
                Err(e) => errors.push(e),
            }
        }
        Error::all(errors)?;
        if selectors.is_empty() {
            return Err(Error::Usage(
                "no secret selected: give --secret-id (or AWS_SECRETS_ENV_SECRET_ID)".into(),
            ));
        }
        Ok(selectors)
    }
}

/// `ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]` or `PREFIX*`.
fn secret(rest: &str) -> Result<Source, &'static str> {
    let fields: Vec<&str> = rest.split(':').collect();
    // In an ARN the first seven `:`-separated fields are the ARN itself:
    // arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
    let arn_fields = if fields[0] == "arn" { 7 } else { 1 };
    if fields.len() < arn_fields {
        return Err(
            "an ARN needs seven `:`-separated fields (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
        );
    }
    let id = fields[..arn_fields].join(":");
    let optional = &fields[arn_fields..];
    if optional.len() > 3 {
        return Err("too many `:` fields: expected ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]");
    }
    if id.is_empty() || (arn_fields == 7 && fields[6].is_empty()) {
        return Err("the secret id is empty");
    }
    let field = |i: usize| {
        optional
            .get(i)
            .filter(|s| !s.is_empty())
            .map(std::string::ToString::to_string)
    };
    let (id, prefix) = match id.strip_suffix('*') {
        Some(prefix) => {
            if prefix.is_empty() || arn_fields == 7 {
                return Err("a wildcard needs a name prefix before `*` (`myapp/prod/*`)");
            }
            if !optional.is_empty() {
                return Err("a wildcard selects whole secrets: no JSON key or version after `*`");
            }
            (prefix.to_string(), true)
        }
        None => (id, false),
    };
    if id.contains('*') {
        return Err("`*` is allowed only at the end of a name prefix");
    }
    Ok(Source::Secret {
        id,
        json_key: field(0),
        version_stage: field(1),
        version_id: field(2),
        prefix,
    })
}

/// `ssm:NAME[:VERSION|:LABEL]`, `ssm:ARN` or `ssm:/PATH/`.
fn parameter(name: &str) -> Result<Source, &'static str> {
    if name.is_empty() || name == ":" {
        return Err("the parameter name after `ssm:` is empty");
    }
    if name.contains('*') {
        return Err("SSM selectors take a path ending in `/` instead of `*`");
    }
    if name.contains("//") {
        return Err("an SSM name or path cannot contain an empty segment (`//`)");
    }
    if let Some(path) = name.strip_suffix('/') {
        if !name.starts_with('/') {
            return Err("an SSM path starts with `/` (`ssm:/app/prod/`)");
        }
        let path = if path.is_empty() { "/" } else { path };
        return Ok(Source::ParameterPath {
            path: path.to_string(),
        });
    }
    Ok(Source::Parameter {
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(raw: &str) -> Selector {
        Selector::parse(raw).unwrap()
    }

    fn secret(id: &str, key: Option<&str>, stage: Option<&str>, version: Option<&str>) -> Source {
        Source::Secret {
            id: id.into(),
            json_key: key.map(Into::into),
            version_stage: stage.map(Into::into),
            version_id: version.map(Into::into),
            prefix: false,
        }
    }

    #[test]
    fn plain_name() {
        let s = sel("simple_bank");
        assert_eq!(s.source, secret("simple_bank", None, None, None));
        assert_eq!((s.alias, s.optional), (None, false));
    }

    #[test]
    fn every_field() {
        let s = sel("DB,app/prod:password:AWSPREVIOUS:0123-abcd");
        assert_eq!(s.alias.as_deref(), Some("DB"));
        assert_eq!(
            s.source,
            secret(
                "app/prod",
                Some("password"),
                Some("AWSPREVIOUS"),
                Some("0123-abcd")
            )
        );
    }

    #[test]
    fn empty_fields_are_allowed() {
        assert_eq!(
            sel("app::AWSPREVIOUS").source,
            secret("app", None, Some("AWSPREVIOUS"), None)
        );
        assert_eq!(
            sel("app:::v1").source,
            secret("app", None, None, Some("v1"))
        );
    }

    #[test]
    fn full_and_partial_arns() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:simple_bank-AbCdEf";
        assert_eq!(sel(arn).source, secret(arn, None, None, None));
        let s = sel(&format!("X,{arn}:DB_SOURCE::v2"));
        assert_eq!(s.source, secret(arn, Some("DB_SOURCE"), None, Some("v2")));
        assert_eq!(s.alias.as_deref(), Some("X"));
        let partial = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:simple_bank";
        assert_eq!(
            sel(&format!("{partial}:k")).source,
            secret(partial, Some("k"), None, None)
        );
    }

    #[test]
    fn wildcards_and_optional() {
        let s = sel("P,myapp/prod/*?");
        assert!(s.optional);
        assert_eq!(s.alias.as_deref(), Some("P"));
        assert_eq!(
            s.source,
            Source::Secret {
                id: "myapp/prod/".into(),
                json_key: None,
                version_stage: None,
                version_id: None,
                prefix: true
            }
        );
        assert!(sel("app:key?").optional);
    }

    #[test]
    fn ssm_selectors() {
        assert_eq!(
            sel("ssm:/app/homolog/").source,
            Source::ParameterPath {
                path: "/app/homolog".into()
            }
        );
        assert_eq!(
            sel("ssm:/").source,
            Source::ParameterPath { path: "/".into() }
        );
        assert_eq!(
            sel("GREETING,ssm:/app/homolog/MSG").source,
            Source::Parameter {
                name: "/app/homolog/MSG".into()
            }
        );
        assert_eq!(
            sel("ssm:/app/x:3").source,
            Source::Parameter {
                name: "/app/x:3".into()
            }
        );
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/x";
        assert_eq!(
            sel(&format!("ssm:{arn}")).source,
            Source::Parameter { name: arn.into() }
        );
        assert!(sel("ssm:/app/?").optional);
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "?",
            "1X,app",
            "A-B,app",
            ",app",
            "a,b,c",
            "app:k:s:v:extra",
            "arn:aws:secretsmanager:eu-west-1",
            "arn:aws:secretsmanager:eu-west-1:1:secret:",
            "A,:key",
            "*",
            "a*b",
            "app*:key",
            "ssm:",
            "ssm:app/",
            "ssm:/app/*",
            // Regression (fuzz/selectors): a path of empty segments.
            "ssm:///",
            "ssm://app/",
        ] {
            let err = Selector::parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?} gave {err}");
        }
    }

    #[test]
    fn multi_line_inputs_comments_and_duplicates() {
        let inputs = vec![
            "# production secrets\nsimple_bank\n\n  other:key  \n".to_string(),
            "simple_bank third ssm:/app/".to_string(),
        ];
        let all = Selector::parse_all(&inputs).unwrap();
        let ids: Vec<_> = all.iter().map(|s| s.raw.as_str()).collect();
        assert_eq!(ids, ["simple_bank", "other:key", "third", "ssm:/app/"]);
        assert!(Selector::parse_all(&["# nothing\n".into()]).is_err());
        let many = Selector::parse_all(&["a:b:c:d:e\n,x".into()]).unwrap_err();
        assert_eq!(many.flatten().len(), 2);
    }
}
