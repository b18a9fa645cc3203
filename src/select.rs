//! Selectors: which secret, which JSON key, which version — parsed from the
//! ECS `valueFrom` syntax `[ALIAS,]ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]`.

use crate::error::Error;

/// One parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The selector as written (trimmed), for messages.
    pub raw: String,
    /// `ALIAS,` prefix: the variable name, or the prefix of every key.
    pub alias: Option<String>,
    /// Secret name, full ARN or partial ARN.
    pub id: String,
    pub json_key: Option<String>,
    pub version_stage: Option<String>,
    pub version_id: Option<String>,
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
        let (alias, rest) = match raw.split_once(',') {
            Some((alias, rest)) => {
                let alias = alias.trim();
                if !is_env_name(alias) {
                    return Err(bad(
                        "the alias before `,` must be a variable name: letters, digits and `_`, not starting with a digit",
                    ));
                }
                (Some(alias.to_string()), rest.trim())
            }
            None => (None, raw),
        };
        if rest.contains(',') {
            return Err(bad(
                "a secret id cannot contain `,`; only one `ALIAS,` prefix is allowed",
            ));
        }
        let fields: Vec<&str> = rest.split(':').collect();
        // In an ARN the first seven `:`-separated fields are the ARN itself:
        // arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
        let arn_fields = if fields[0] == "arn" { 7 } else { 1 };
        if fields.len() < arn_fields {
            return Err(bad(
                "an ARN needs seven `:`-separated fields (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
            ));
        }
        let id = fields[..arn_fields].join(":");
        let optional = &fields[arn_fields..];
        if optional.len() > 3 {
            return Err(bad(
                "too many `:` fields: expected ID[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]",
            ));
        }
        if id.is_empty() || (arn_fields == 7 && fields[6].is_empty()) {
            return Err(bad("the secret id is empty"));
        }
        if id.chars().any(char::is_whitespace) {
            return Err(bad("a secret id cannot contain white space"));
        }
        let field = |i: usize| {
            optional
                .get(i)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
        };
        Ok(Selector {
            raw: raw.to_string(),
            alias,
            id,
            json_key: field(0),
            version_stage: field(1),
            version_id: field(2),
        })
    }

    /// Parses every selector in `inputs`. Each input may hold several
    /// selectors, one per line; blank lines and `#` comments are skipped, and a
    /// selector given twice counts once.
    pub fn parse_all(inputs: &[String]) -> Result<Vec<Selector>, Error> {
        let mut selectors: Vec<Selector> = Vec::new();
        let mut errors = Vec::new();
        for line in inputs.iter().flat_map(|s| s.lines()) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match Selector::parse(line) {
                Ok(s) if selectors.contains(&s) => {}
                Ok(s) => selectors.push(s),
                Err(e) => errors.push(e),
            }
        }
        match errors.len() {
            0 if selectors.is_empty() => Err(Error::Usage(
                "no secret selected: give --secret-id (or AWS_SECRETS_ENV_SECRET_ID)".into(),
            )),
            0 => Ok(selectors),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Many(errors)),
        }
    }

    /// How this selector names a source in messages: `ID` or `ID:KEY`.
    pub fn describe(&self) -> String {
        match &self.json_key {
            Some(key) => format!("`{}` key `{}`", self.id, key),
            None => format!("`{}`", self.id),
        }
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`: a name every shell and env-file reader accepts.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(raw: &str) -> Selector {
        Selector::parse(raw).unwrap()
    }

    #[test]
    fn plain_name() {
        let s = sel("simple_bank");
        assert_eq!(s.id, "simple_bank");
        assert_eq!(
            (s.alias, s.json_key, s.version_stage, s.version_id),
            (None, None, None, None)
        );
    }

    #[test]
    fn every_field() {
        let s = sel("DB,app/prod:password:AWSPREVIOUS:0123-abcd");
        assert_eq!(s.alias.as_deref(), Some("DB"));
        assert_eq!(s.id, "app/prod");
        assert_eq!(s.json_key.as_deref(), Some("password"));
        assert_eq!(s.version_stage.as_deref(), Some("AWSPREVIOUS"));
        assert_eq!(s.version_id.as_deref(), Some("0123-abcd"));
    }

    #[test]
    fn empty_fields_are_allowed() {
        let s = sel("app::AWSPREVIOUS");
        assert_eq!(s.json_key, None);
        assert_eq!(s.version_stage.as_deref(), Some("AWSPREVIOUS"));
        let s = sel("app:::v1");
        assert_eq!((s.json_key, s.version_stage), (None, None));
        assert_eq!(s.version_id.as_deref(), Some("v1"));
    }

    #[test]
    fn full_and_partial_arns() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:simple_bank-AbCdEf";
        assert_eq!(sel(arn).id, arn);
        let s = sel(&format!("X,{arn}:DB_SOURCE::v2"));
        assert_eq!(s.id, arn);
        assert_eq!(s.alias.as_deref(), Some("X"));
        assert_eq!(s.json_key.as_deref(), Some("DB_SOURCE"));
        assert_eq!(s.version_id.as_deref(), Some("v2"));
        let partial = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:simple_bank";
        assert_eq!(sel(&format!("{partial}:k")).json_key.as_deref(), Some("k"));
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "1X,app",
            "A-B,app",
            ",app",
            "a,b,c",
            "app:k:s:v:extra",
            "arn:aws:secretsmanager:eu-west-1",
            "arn:aws:secretsmanager:eu-west-1:1:secret:",
            "A,:key",
            "my app",
        ] {
            let err = Selector::parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?} gave {err}");
        }
    }

    #[test]
    fn multi_line_inputs_comments_and_duplicates() {
        let inputs = vec![
            "# production\nsimple_bank\n\n  other:key  \n".to_string(),
            "simple_bank".to_string(),
        ];
        let all = Selector::parse_all(&inputs).unwrap();
        let ids: Vec<_> = all.iter().map(|s| s.raw.as_str()).collect();
        assert_eq!(ids, ["simple_bank", "other:key"]);
        assert!(Selector::parse_all(&["# nothing\n".into()]).is_err());
        let many = Selector::parse_all(&["a:b:c:d:e\n,x".into()]).unwrap_err();
        assert_eq!(many.flatten().len(), 2);
    }

    #[test]
    fn env_names() {
        assert!(is_env_name("_a1") && is_env_name("DB_SOURCE"));
        assert!(!is_env_name("1a") && !is_env_name("a-b") && !is_env_name("") && !is_env_name("é"));
    }
}
