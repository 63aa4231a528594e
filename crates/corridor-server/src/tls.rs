//! HTTPS served by the server itself (rustls), so that one binary can be deployed without a
//! proxy: a certificate chain and its private key in PEM files, **reloaded when they change**
//! (a renewed certificate is served without a restart or a dropped connection).
//!
//! The files are read again every [`TlsFiles::reload_every`]; when their contents changed, a
//! new configuration is built and swapped in for the next connections. A pair that does not
//! load (a renewal caught half-written, a key that does not match) is logged and the current
//! certificate kept; the pair is tried again when the files change again. Only a digest of the
//! files is kept between reads, never a copy of the key.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use crate::storage::Storage;

/// How long in-flight requests may take to finish after a shutdown signal.
const GRACE: Duration = Duration::from_secs(30);

/// Where the certificate and its key are, and how often to look at them again.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain (PEM), the server's certificate first.
    pub cert: PathBuf,
    /// Its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// Interval between two reads of the files.
    pub reload_every: Duration,
}

impl TlsFiles {
    /// The files, looked at every `CORRIDOR_TLS_RELOAD_SECS` seconds (default 60, at least 1).
    pub fn new(cert: PathBuf, key: PathBuf) -> Self {
        let secs = std::env::var("CORRIDOR_TLS_RELOAD_SECS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(60)
            .max(1);
        TlsFiles {
            cert,
            key,
            reload_every: Duration::from_secs(secs),
        }
    }

    /// Both files' contents (the key zeroized when dropped) and their digest.
    async fn read(&self) -> std::io::Result<(Vec<u8>, Zeroizing<Vec<u8>>, [u8; 32])> {
        let cert = read(&self.cert).await?;
        let key = Zeroizing::new(read(&self.key).await?);
        let mut digest = Sha256::new();
        digest.update((cert.len() as u64).to_le_bytes());
        digest.update(&cert);
        digest.update(key.as_slice());
        Ok((cert, key, digest.finalize().into()))
    }

    /// A configuration from the files as they are now (an error names the file at fault).
    pub async fn load(&self) -> std::io::Result<(RustlsConfig, [u8; 32])> {
        let (cert, key, digest) = self.read().await?;
        let config = RustlsConfig::from_pem(cert, key.to_vec())
            .await
            .map_err(|e| self.explain(&e))?;
        Ok((config, digest))
    }

    fn explain(&self, e: &std::io::Error) -> std::io::Error {
        std::io::Error::new(
            e.kind(),
            format!(
                "certificate {} and key {} do not load: {e}",
                self.cert.display(),
                self.key.display()
            ),
        )
    }

    /// Looks at the files every `reload_every` and swaps a changed pair into `config`.
    async fn watch(self, config: RustlsConfig, mut loaded: [u8; 32]) {
        let mut tried = loaded;
        let mut tick = tokio::time::interval(self.reload_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let (cert, key, digest) = match self.read().await {
                Ok(read) => read,
                Err(e) => {
                    tracing::warn!(error = %e, "TLS files unreadable; the current certificate stays");
                    continue;
                }
            };
            if digest == loaded || digest == tried {
                continue;
            }
            tried = digest;
            match config.reload_from_pem(cert, key.to_vec()).await {
                Ok(()) => {
                    loaded = digest;
                    tracing::info!(cert = %self.cert.display(), "TLS certificate reloaded");
                }
                Err(e) => tracing::warn!(
                    error = %self.explain(&e),
                    "new TLS files refused; the current certificate stays"
                ),
            }
        }
    }
}

async fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    tokio::fs::read(path)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("reading {}: {e}", path.display())))
}

/// Serves HTTPS on `listener` with the certificate of `files` (already loaded as `config`,
/// `loaded` its digest) until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve_tls(
    listener: TcpListener,
    storage: Arc<dyn Storage>,
    files: TlsFiles,
    (config, loaded): (RustlsConfig, [u8; 32]),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let watcher = tokio::spawn(files.watch(config.clone(), loaded));
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.graceful_shutdown(Some(GRACE));
    });
    let app = crate::router(storage.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(app)
        .await;
    watcher.abort();
    storage.close().await;
    served
}
