//! The secrets a signer holds: one secret, or a JSON map of license id → secret.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::license::is_valid_license_id;
use crate::secret::SecretString;

/// The signer secrets of one or several licenses.
#[derive(Clone, Debug)]
pub enum SignerSecrets {
    /// One secret, used whatever the license.
    Single(SecretString),
    /// A secret per license id.
    PerLicense(HashMap<String, SecretString>),
}

impl SignerSecrets {
    /// Reads a secret file's contents: a JSON object `{"<license id>": "<secret>", …}`, or
    /// else the whole text as one secret (surrounding whitespace, such as the final
    /// newline an editor adds, removed). `what` names the source in errors; secrets never appear.
    pub fn parse(text: &str, what: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid(what, "holds no secret"));
        }
        if !text.starts_with('{') {
            return Ok(SignerSecrets::Single(SecretString::new(text)));
        }
        let map: HashMap<String, String> = serde_json::from_str(text).map_err(|_| {
            Error::invalid(
                what,
                "starts with `{` but is not a JSON object of license id to secret strings",
            )
        })?;
        if map.is_empty() {
            return Err(Error::invalid(what, "holds no secret"));
        }
        let mut secrets = HashMap::with_capacity(map.len());
        for (id, secret) in map {
            if !is_valid_license_id(&id) || secret.is_empty() {
                return Err(Error::invalid(
                    what,
                    "has an entry that is not a license id with a non-empty secret",
                ));
            }
            secrets.insert(id, SecretString::new(secret));
        }
        Ok(SignerSecrets::PerLicense(secrets))
    }

    /// The secret for `license_id` (which a single secret serves whatever it is).
    pub fn for_license(&self, license_id: Option<&str>) -> Option<&SecretString> {
        match self {
            SignerSecrets::Single(secret) => Some(secret),
            SignerSecrets::PerLicense(map) => license_id.and_then(|id| map.get(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_map() {
        let single = SignerSecrets::parse("ks1_abc\n", "f").unwrap();
        assert_eq!(single.for_license(None).unwrap().expose(), "ks1_abc");
        let map = SignerSecrets::parse(r#"{"lic_a": "ks1_a", "lic_b": "ks1_b"}"#, "f").unwrap();
        assert_eq!(map.for_license(Some("lic_b")).unwrap().expose(), "ks1_b");
        assert!(map.for_license(Some("lic_c")).is_none());
        assert!(map.for_license(None).is_none());
    }

    #[test]
    fn bad_files_name_the_file_not_the_secret() {
        assert_eq!(
            SignerSecrets::parse(" \n", "s.txt")
                .unwrap_err()
                .to_string(),
            "s.txt: holds no secret"
        );
        let err = SignerSecrets::parse(r#"{"lic a": "ks1_secretvalue"}"#, "s.json")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("ks1_secretvalue"), "{err}");
        assert!(SignerSecrets::parse("{not json", "s.json").is_err());
    }
}
