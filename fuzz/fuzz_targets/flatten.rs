//! Fuzzes JSON flattening: any SecretString, under every `--parse-json` mode
//! and with or without an alias, either gives variables with valid
//! names and values that came from the secret, or a clear error that does not
//! contain the secret text — never a panic.
#![no_main]

use aws_secrets_env::flatten::{BinaryMode, Options, ParseJson, variables};
use aws_secrets_env::names::{NameTransformation, is_env_name};
use aws_secrets_env::secret::{Item, Secret};
use aws_secrets_env::select::Selector;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).to_string();
    let items = [Item {
        name: "app/secret".into(),
        value: Secret::new(text.clone()),
        binary: None,
    }];
    for selector in ["app/secret", "A,app/secret", "app/secret:k", "app/secret:a.b"] {
        let selector = Selector::parse(selector).unwrap();
        for parse_json in [ParseJson::Auto, ParseJson::Always, ParseJson::Never] {
            let opts = Options {
                parse_json,
                transformation: NameTransformation::Uppercase,
                binary: BinaryMode::Refuse,
            };
            match variables(&selector, &items, &opts) {
                Ok(vars) => {
                    for v in &vars {
                        assert!(is_env_name(&v.name), "invalid name {:?}", v.name);
                        assert_eq!(v.name, v.name.to_ascii_uppercase());
                    }
                    if parse_json == ParseJson::Never {
                        assert_eq!(vars.len(), 1);
                        assert_eq!(vars[0].value.expose(), text);
                    }
                }
                Err(e) => {
                    let message = e.to_string();
                    // Text that the fixed wording itself contains (the fuzzer
                    // finds those) is no leak: compare with the messages the
                    // same selector and mode give for fixed secrets.
                    let wording: String = ["x", "{}", "[]", r#"{"k":1}"#, r#"{"a":{"b":{}}}"#]
                        .iter()
                        .filter_map(|fixed| {
                            let items = [Item {
                                name: "app/secret".into(),
                                value: Secret::new(*fixed),
                                binary: None,
                            }];
                            variables(&selector, &items, &opts).err().map(|e| e.to_string())
                        })
                        .collect();
                    if text.len() >= 8 && !wording.contains(&text) {
                        assert!(!message.contains(&text), "an error shows the secret");
                    }
                }
            }
        }
    }
});
