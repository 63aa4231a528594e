//! The database key and how it is protected at rest.
//!
//! A store's data directory holds a small JSON key file, [`KEY_FILE`], that says how to obtain
//! the 32-byte SQLCipher key, and never the key itself:
//! - **keyring**: the key lives in the OS keyring under service `corridor`, account
//!   `store-<store id>`;
//! - **passphrase**: the key is sealed with XChaCha20-Poly1305 under a key derived from the
//!   passphrase by Argon2id (salt and cost parameters in the file). A wrong passphrase fails
//!   authentication of the sealed key, so it is detected before the database is touched.
//!
//! Key material is held in [`Zeroizing`] buffers and wiped when dropped.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{Result, StoreError};

/// Name of the key file in the data directory.
pub const KEY_FILE: &str = "corridor-keys.json";
/// Keyring service under which database keys are stored.
pub const KEYRING_SERVICE: &str = "corridor";
/// Minimum length of a passphrase, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

const FORMAT: &str = "corridor-keys/1";
const AAD_PREFIX: &[u8] = b"corridor database key/";
// Argon2id cost: 64 MiB, 3 passes, 1 lane (above OWASP's minimum of 19 MiB / 2 passes).
const ARGON2_M_KIB: u32 = 64 * 1024;
const ARGON2_T: u32 = 3;
const ARGON2_P: u32 = 1;

/// A passphrase typed by the user; wiped from memory when dropped, never printed.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase.
    pub fn new(s: String) -> Self {
        Passphrase(Zeroizing::new(s))
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// How a store's key is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Key held by the OS keyring.
    Keyring,
    /// Key sealed by a passphrase.
    Passphrase,
}

/// The 32-byte SQLCipher key, on the heap and filled in place (never moved as an array, so
/// no copy left on a stack), wiped when dropped.
pub(crate) struct DatabaseKey(Box<Zeroizing<[u8; 32]>>);

impl DatabaseKey {
    fn zeroed() -> Self {
        DatabaseKey(Box::new(Zeroizing::new([0u8; 32])))
    }

    fn generate() -> Self {
        let mut k = Self::zeroed();
        rand::rngs::OsRng.fill_bytes(k.0.as_mut_slice());
        k
    }

    /// The key held in `bytes`, when they are 32.
    fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 32 {
            return None;
        }
        let mut k = Self::zeroed();
        k.0.copy_from_slice(bytes);
        Some(k)
    }

    /// The key as SQLCipher's raw-key text `x'<64 hex>'`, written in place in a fixed buffer
    /// on the heap (no string that grows, no filled buffer moved, so no copy left behind) that
    /// is wiped when the last holder drops it.
    pub(crate) fn key_text(&self) -> std::sync::Arc<crate::cipher::KeyText> {
        let mut shared = std::sync::Arc::new(Zeroizing::new([0u8; crate::cipher::KEY_TEXT_LEN]));
        let text = std::sync::Arc::get_mut(&mut shared).expect("just made, not shared yet");
        let last = text.len() - 1;
        text[..2].copy_from_slice(b"x'");
        hex::encode_to_slice(self.0.as_slice(), &mut text[2..last])
            .expect("32 bytes take 64 hex digits");
        text[last] = b'\'';
        shared
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    store_id: Uuid,
    protection: Record,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Record {
    Keyring {
        service: String,
        account: String,
    },
    Passphrase {
        kdf: String,
        m_cost_kib: u32,
        t_cost: u32,
        p_cost: u32,
        salt: String,
        nonce: String,
        sealed_key: String,
    },
}

/// A key file prepared for a new store, written to disk only once the database exists.
pub(crate) struct NewKey {
    pub(crate) key: DatabaseKey,
    file: KeyFile,
}

impl NewKey {
    /// Writes the key file atomically (owner-only temporary file, fsync, rename, directory
    /// fsync).
    pub(crate) fn commit(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(&self.file).map_err(std::io::Error::other)?;
        // Owner-only, synced, renamed into place, and the directory synced after the rename.
        crate::private::write_atomic(
            &dir.join(format!("{KEY_FILE}.tmp")),
            &dir.join(KEY_FILE),
            &json,
        )?;
        Ok(())
    }

    /// Removes what [`create`] put in the keyring, when creating the store failed.
    pub(crate) fn abandon(self) {
        if let Record::Keyring { service, account } = &self.file.protection {
            if let Ok(entry) = keyring::Entry::new(service, account) {
                let _ = entry.delete_credential();
            }
        }
    }
}

pub(crate) fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

fn read_key_file(dir: &Path) -> Result<Option<KeyFile>> {
    let path = key_path(dir);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let file: KeyFile =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::CorruptKeyFile(path.clone()))?;
    if file.format != FORMAT || !file.protection.is_plausible(file.store_id) {
        return Err(StoreError::CorruptKeyFile(path));
    }
    Ok(Some(file))
}

/// Bounds of the key derivation a key file may ask for: up to four times this version's cost
/// (a crafted file must not make an unlock take gigabytes or hours).
const MAX_M_KIB: u32 = 4 * ARGON2_M_KIB;
const MAX_T: u32 = 4 * ARGON2_T;
const MAX_P: u32 = 8;

impl Record {
    /// Whether the record is one this program writes: the keyring entry of this store under
    /// Corridor's own service (never another application's, which a wipe would delete), or a
    /// passphrase record with key derivation costs within bounds.
    fn is_plausible(&self, store_id: Uuid) -> bool {
        match self {
            Record::Keyring { service, account } => {
                service == KEYRING_SERVICE && *account == format!("store-{store_id}")
            }
            Record::Passphrase {
                m_cost_kib,
                t_cost,
                p_cost,
                salt,
                sealed_key,
                ..
            } => {
                (8..=MAX_M_KIB).contains(m_cost_kib)
                    && (1..=MAX_T).contains(t_cost)
                    && (1..=MAX_P).contains(p_cost)
                    && salt.len() <= 128
                    && sealed_key.len() <= 256
            }
        }
    }
}

/// How the store in `dir` is protected, or `None` when there is no store.
pub fn protection(dir: &Path) -> Result<Option<Protection>> {
    Ok(read_key_file(dir)?.map(|f| match f.protection {
        Record::Keyring { .. } => Protection::Keyring,
        Record::Passphrase { .. } => Protection::Passphrase,
    }))
}

/// Whether an OS keyring answers on this machine (blocking: may talk to D-Bus).
pub fn keyring_available() -> bool {
    match keyring::Entry::new(KEYRING_SERVICE, "availability-probe") {
        Ok(entry) => matches!(entry.get_password(), Ok(_) | Err(keyring::Error::NoEntry)),
        Err(_) => false,
    }
}

fn aad(store_id: Uuid) -> Vec<u8> {
    [AAD_PREFIX, store_id.as_bytes()].concat()
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = Params::new(m, t, p, Some(32)).map_err(|_| StoreError::WrongPassphrase)?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|_| StoreError::WrongPassphrase)?;
    Ok(out)
}

fn seal(store_id: Uuid, key: &DatabaseKey, passphrase: &Passphrase) -> Result<Record> {
    if passphrase.0.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(StoreError::PassphraseTooShort(MIN_PASSPHRASE_CHARS));
    }
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let kek = derive(passphrase, &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.0.as_slice(),
                aad: &aad(store_id),
            },
        )
        .map_err(|_| StoreError::WrongPassphrase)?;
    Ok(Record::Passphrase {
        kdf: "argon2id".to_owned(),
        m_cost_kib: ARGON2_M_KIB,
        t_cost: ARGON2_T,
        p_cost: ARGON2_P,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        sealed_key: hex::encode(sealed),
    })
}

fn keyring_error(e: keyring::Error) -> StoreError {
    match e {
        keyring::Error::NoEntry => StoreError::KeyMissing,
        other => StoreError::KeyringUnavailable(other.to_string()),
    }
}

/// Makes a key for a new store in `dir`: sealed by `passphrase`, or put in the OS keyring.
/// Blocking (Argon2id, D-Bus). Refuses a directory that already has a store.
pub(crate) fn create(dir: &Path, passphrase: Option<&Passphrase>) -> Result<NewKey> {
    if read_key_file(dir)?.is_some() || dir.join(crate::DATABASE_FILE).exists() {
        return Err(StoreError::AlreadyInitialized(dir.to_owned()));
    }
    let store_id = Uuid::now_v7();
    let key = DatabaseKey::generate();
    let protection = match passphrase {
        Some(p) => seal(store_id, &key, p)?,
        None => {
            let account = format!("store-{store_id}");
            let entry = keyring::Entry::new(KEYRING_SERVICE, &account).map_err(keyring_error)?;
            entry.set_secret(key.0.as_slice()).map_err(keyring_error)?;
            Record::Keyring {
                service: KEYRING_SERVICE.to_owned(),
                account,
            }
        }
    };
    Ok(NewKey {
        key,
        file: KeyFile {
            format: FORMAT.to_owned(),
            store_id,
            protection,
        },
    })
}

/// Re-seals the key of the passphrase-protected store in `dir` under `new`, after checking
/// `old`. Only the key file changes (atomically); the database is not re-encrypted.
/// Blocking (two Argon2id derivations).
pub(crate) fn change_passphrase(dir: &Path, old: &Passphrase, new: &Passphrase) -> Result<()> {
    let file = read_key_file(dir)?.ok_or_else(|| StoreError::NotInitialized(dir.to_owned()))?;
    if !matches!(file.protection, Record::Passphrase { .. }) {
        return Err(StoreError::NotPassphraseProtected);
    }
    let key = unlock(dir, Some(old))?;
    let protection = seal(file.store_id, &key, new)?;
    let next = NewKey {
        key,
        file: KeyFile {
            format: FORMAT.to_owned(),
            store_id: file.store_id,
            protection,
        },
    };
    next.commit(dir)
}

/// Recovers the key of the store in `dir`. Blocking (Argon2id, D-Bus). Reads only.
pub(crate) fn unlock(dir: &Path, passphrase: Option<&Passphrase>) -> Result<DatabaseKey> {
    let file = read_key_file(dir)?.ok_or_else(|| StoreError::NotInitialized(dir.to_owned()))?;
    let corrupt = || StoreError::CorruptKeyFile(key_path(dir));
    match file.protection {
        Record::Keyring { service, account } => {
            let entry = keyring::Entry::new(&service, &account).map_err(keyring_error)?;
            let secret = Zeroizing::new(entry.get_secret().map_err(keyring_error)?);
            DatabaseKey::from_slice(&secret).ok_or(StoreError::KeyMissing)
        }
        Record::Passphrase {
            kdf,
            m_cost_kib,
            t_cost,
            p_cost,
            salt,
            nonce,
            sealed_key,
        } => {
            let passphrase = passphrase.ok_or(StoreError::PassphraseRequired)?;
            if kdf != "argon2id" {
                return Err(corrupt());
            }
            let salt = hex::decode(salt).map_err(|_| corrupt())?;
            let nonce: [u8; 24] = hex::decode(nonce)
                .ok()
                .and_then(|n| n.try_into().ok())
                .ok_or_else(corrupt)?;
            let sealed = hex::decode(sealed_key).map_err(|_| corrupt())?;
            let kek = derive(passphrase, &salt, m_cost_kib, t_cost, p_cost)?;
            let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
            let opened = Zeroizing::new(
                cipher
                    .decrypt(
                        XNonce::from_slice(&nonce),
                        Payload {
                            msg: &sealed,
                            aad: &aad(file.store_id),
                        },
                    )
                    .map_err(|_| StoreError::WrongPassphrase)?,
            );
            DatabaseKey::from_slice(&opened).ok_or_else(corrupt)
        }
    }
}

/// Deletes what protects the store in `dir`: its keyring entry, if any, then the key file.
/// Without them the database can never be opened again (the device wipe after revocation).
pub(crate) fn forget(dir: &Path) -> Result<()> {
    if let Some(file) = read_key_file(dir)? {
        if let Record::Keyring { service, account } = &file.protection {
            if let Ok(entry) = keyring::Entry::new(service, account) {
                let _ = entry.delete_credential();
            }
        }
    }
    match fs::remove_file(key_path(dir)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}
