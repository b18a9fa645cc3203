//! Fuzzes the selector parser: any input either parses or is refused with a
//! usage error (exit 2), never panics; what parses is stable (parsing a
//! parsed selector's text gives the same selector), has no white space, and
//! its message names the selector, not anything else.
#![no_main]

use aws_secrets_env::select::{Selector, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Selector::parse_all(&[text.to_string()]) {
        Ok(selectors) => {
            assert!(!selectors.is_empty());
            for s in &selectors {
                assert!(!s.raw.is_empty() && !s.raw.chars().any(char::is_whitespace));
                let again = Selector::parse(&s.raw).expect("a parsed selector parses again");
                assert_eq!(&again, s);
                if let Some(alias) = &s.alias {
                    assert!(aws_secrets_env::names::is_env_name(alias));
                }
                match &s.source {
                    Source::Secret { id, prefix, .. } => {
                        assert!(!id.is_empty());
                        assert!(!id.contains(',') && (!id.contains('*')));
                        if *prefix {
                            assert!(!id.starts_with("arn:"));
                        }
                    }
                    Source::Parameter { name } => assert!(!name.is_empty() && !name.ends_with('/')),
                    Source::ParameterPath { path } => {
                        assert!(path.starts_with('/') && (path == "/" || !path.ends_with('/')))
                    }
                }
            }
        }
        Err(e) => assert_eq!(e.exit_code(), 2, "{e}"),
    }
});
