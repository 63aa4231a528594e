//! Passwords, tokens and roles.
//!
//! Passwords are hashed with Argon2id (PHC string, random salt). A login issues an opaque bearer
//! token bound to the device; the server keeps only its SHA-256, so a leaked database does not
//! leak usable tokens.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

pub use corridor_model::api::Role;

/// Hashes a password (Argon2id, default OWASP-grade parameters). CPU-heavy: call it off the
/// async workers.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks a password against a stored hash. CPU-heavy.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new bearer token and the hash the server keeps.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!("cor_{}", hex::encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// SHA-256 of a token, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("s3cret passe");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "s3cret passe"));
        assert!(!verify_password(&h, "s3cret pass"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(a.starts_with("cor_") && a.len() == 4 + 64, "{a}");
        // The kept hash is the token's SHA-256 (a value computed apart: `printf cor_test |
        // sha256sum`), never the token itself.
        assert_eq!(
            token_hash("cor_test"),
            "71ec5ab55035841e939ed6fd7407a310c95b2b57a9a3f62f1e029658c5b4f93b"
        );
        assert_eq!(ha, token_hash(&a));
        assert_ne!(ha, a);
        assert_eq!("cnss_rep".parse::<Role>(), Ok(Role::CnssRep));
        assert!("boss".parse::<Role>().is_err());
    }
}
