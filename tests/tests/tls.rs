//! HTTPS served by the server itself: the real server binary with a certificate issued by an
//! organisation's own authority; the real CLI signing in and syncing over it when told that
//! authority (`CORRIDOR_CA_FILE`), refused without it; a renewed certificate served without a
//! restart; a broken renewal ignored (the current certificate stays); a key that does not
//! match its certificate stopping the start.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use corridor_e2e::devices::PASSWORD;
use corridor_e2e::{binary, ServerProcess};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// An authority and what it signs.
struct Authority {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    fn new() -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Autorité de test du corridor");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("key");
        let pem = params.self_signed(&key).expect("authority").pem();
        Authority {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for this machine: (certificate PEM, key PEM, certificate DER).
    fn issue(&self) -> (String, String, Vec<u8>) {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("params");
        params.use_authority_key_identifier_extension = true;
        params
            .extended_key_usages
            .push(rcgen::ExtendedKeyUsagePurpose::ServerAuth);
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("certificate");
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

fn corridor(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    corridor_e2e::cli(data, "phrase de passe e2e", args, env)
}

fn text(o: &Output) -> String {
    corridor_e2e::output_text(o)
}

/// Replaces a file the way a renewal tool does: written aside, then renamed into place.
fn replace(path: &Path, contents: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, contents).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// The certificate the server presents now.
async fn served_certificate(client: &reqwest::Client, url: &str) -> Vec<u8> {
    let resp = client
        .get(format!("{url}/v1/health"))
        .send()
        .await
        .expect("health over https");
    assert!(resp.status().is_success());
    resp.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .expect("peer certificate")
        .to_vec()
}

#[tokio::test]
async fn the_server_speaks_https_and_renews_its_certificate_without_a_restart() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let authority = Authority::new();
    let (cert1, key1, der1) = authority.issue();
    let ca = dir.join("ca.pem");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&ca, &authority.pem).expect("ca");
    std::fs::write(&cert, &cert1).expect("cert");
    std::fs::write(&key, &key1).expect("key");
    let db = format!("sqlite:{}", dir.join("server.db").display());
    corridor_e2e::devices::add_user(&db, dir, "k.alaoui", "cgem_officer", "MA-06");

    let cert_s = cert.display().to_string();
    let key_s = key.display().to_string();
    let server = ServerProcess::start_with(
        &db,
        dir,
        "127.0.0.1:0",
        &[
            ("CORRIDOR_TLS_CERT", &cert_s),
            ("CORRIDOR_TLS_KEY", &key_s),
            ("CORRIDOR_TLS_RELOAD_SECS", "1"),
        ],
    );
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );

    // The CLI told the organisation's authority signs in and syncs over HTTPS.
    let ca_s = ca.display().to_string();
    let data = tempfile::tempdir().expect("tempdir");
    assert!(corridor(data.path(), &["init"], &[]).status.success());
    let login = corridor(
        data.path(),
        &["login", "--server", &server.url, "--user", "k.alaoui"],
        &[("CORRIDOR_PASSWORD", PASSWORD), ("CORRIDOR_CA_FILE", &ca_s)],
    );
    assert!(login.status.success(), "{}", text(&login));
    let sync = corridor(data.path(), &["sync"], &[("CORRIDOR_CA_FILE", &ca_s)]);
    assert!(sync.status.success(), "{}", text(&sync));

    // Without it, the certificate is not trusted: refused, nothing sent, nothing kept.
    let other = tempfile::tempdir().expect("tempdir");
    assert!(corridor(other.path(), &["init"], &[]).status.success());
    let refused = corridor(
        other.path(),
        &["login", "--server", &server.url, "--user", "k.alaoui"],
        &[("CORRIDOR_PASSWORD", PASSWORD)],
    );
    assert_eq!(refused.status.code(), Some(5), "{}", text(&refused));
    let who = corridor(other.path(), &["whoami"], &[]);
    assert!(!who.status.success(), "not signed in: {}", text(&who));
    // A file that holds no certificate is said, not ignored.
    let bogus = dir.join("bogus.pem");
    std::fs::write(&bogus, "pas un certificat").expect("write");
    let bad_ca = corridor(
        other.path(),
        &["login", "--server", &server.url, "--user", "k.alaoui"],
        &[
            ("CORRIDOR_PASSWORD", PASSWORD),
            ("CORRIDOR_CA_FILE", &bogus.display().to_string()),
        ],
    );
    assert!(!bad_ca.status.success());
    assert!(
        text(&bad_ca).contains("CORRIDOR_CA_FILE"),
        "{}",
        text(&bad_ca)
    );

    // A renewal: the new pair is served within a few seconds, by the same process.
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(authority.pem.as_bytes()).expect("ca"))
        .tls_info(true)
        .build()
        .expect("client");
    assert_eq!(served_certificate(&client, &server.url).await, der1);
    let (cert2, key2, der2) = authority.issue();
    replace(&key, &key2);
    replace(&cert, &cert2);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // A fresh client: a new connection, so a new handshake.
        let fresh = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(authority.pem.as_bytes()).expect("ca"),
            )
            .tls_info(true)
            .build()
            .expect("client");
        if served_certificate(&fresh, &server.url).await == der2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // A broken renewal (a certificate without its key) is refused; the current one stays.
    let (cert3, _, _) = authority.issue();
    replace(&cert, &cert3);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fresh = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(authority.pem.as_bytes()).expect("ca"))
        .tls_info(true)
        .build()
        .expect("client");
    assert_eq!(
        served_certificate(&fresh, &server.url).await,
        der2,
        "a pair that does not load is never swapped in"
    );
    let sync = corridor(data.path(), &["sync"], &[("CORRIDOR_CA_FILE", &ca_s)]);
    assert!(sync.status.success(), "{}", text(&sync));
    drop(server);

    // At start, a key that is not the certificate's stops the server before it listens.
    let start = Command::new(binary("corridor-server", "corridor-server"))
        .args(["--database-url", &db, "serve", "--bind", "127.0.0.1:0"])
        .env("CORRIDOR_TLS_CERT", &cert_s)
        .env("CORRIDOR_TLS_KEY", &key_s)
        .current_dir(dir)
        .output()
        .expect("start");
    assert!(!start.status.success(), "{}", text(&start));
    assert!(
        !String::from_utf8_lossy(&start.stdout).contains("listening"),
        "{}",
        text(&start)
    );
    assert!(text(&start).contains("do not load"), "{}", text(&start));
    // And a certificate without its key is a usage error.
    let half = Command::new(binary("corridor-server", "corridor-server"))
        .args(["--database-url", &db, "serve", "--bind", "127.0.0.1:0"])
        .args(["--tls-cert", &cert_s])
        .current_dir(dir)
        .output()
        .expect("start");
    assert!(!half.status.success(), "{}", text(&half));
}
