//! Errors as the interface receives them: `{code, message}`.

use corridor_model::api::ApiError;
use corridor_store::StoreError;
use serde::Serialize;

/// An error returned by a command. Serialises as [`ApiError`].
#[derive(Debug)]
pub(crate) struct CommandError(pub(crate) ApiError);

impl CommandError {
    /// The store is locked: the user must unlock it first.
    pub(crate) fn locked() -> Self {
        CommandError(ApiError::new(
            "locked",
            "Le coffre local est verrouillé : déverrouillez-le pour continuer.",
        ))
    }
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError(corridor_model::error::Coded::to_api(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_keep_their_code_and_french_message() {
        let e = CommandError::from(StoreError::WrongPassphrase);
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["code"], "wrong_passphrase");
        assert!(json["message"]
            .as_str()
            .expect("message")
            .starts_with("Phrase de passe incorrecte"));
        let v = corridor_model::NewCase::parse("1", "other", "t", "").expect_err("ice");
        let json = serde_json::to_value(CommandError::from(StoreError::from(v))).expect("json");
        assert_eq!(json["code"], "invalid_ice");
    }
}
