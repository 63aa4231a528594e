//! The server's address, parsed rather than matched as text: `https://` to any host, plain
//! `http://` only to this machine (a loopback address or `localhost` itself), no credentials,
//! query or fragment in it. `http://localhost.evil.example` and `http://127.0.0.1@evil.example`
//! are what a prefix check lets through; both are refused here.

use reqwest::Url;

use crate::SyncError;

/// The normalised base URL of a server address (no trailing `/`), or why it is refused.
pub(crate) fn parse_server_url(input: &str) -> Result<String, SyncError> {
    let refuse = || SyncError::InvalidUrl(input.trim().to_owned());
    let url = Url::parse(input.trim()).map_err(|_| refuse())?;
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(refuse());
    }
    let host = url.host().ok_or_else(refuse)?;
    let allowed = match url.scheme() {
        "https" => true,
        "http" => match host {
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
            url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        },
        _ => false,
    };
    if !allowed {
        return Err(refuse());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_plain_http_only_to_this_machine() {
        for (input, base) in [
            ("https://corridor.cgem.ma", "https://corridor.cgem.ma"),
            ("https://corridor.cgem.ma/", "https://corridor.cgem.ma"),
            ("https://cgem.ma/corridor/", "https://cgem.ma/corridor"),
            ("  http://127.0.0.1:8787/ ", "http://127.0.0.1:8787"),
            ("http://127.8.9.10:1", "http://127.8.9.10:1"),
            ("http://localhost:8787", "http://localhost:8787"),
            ("http://LOCALHOST:8787", "http://localhost:8787"),
            ("http://[::1]:8787", "http://[::1]:8787"),
        ] {
            assert_eq!(parse_server_url(input).expect(input), base, "{input}");
        }
    }

    #[test]
    fn addresses_a_prefix_check_lets_through_are_refused() {
        for input in [
            "http://localhost.evil.example",
            "http://localhost.evil.example:8787/",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1@evil.example",
            "http://evil.example#@127.0.0.1",
            "http://[::1].evil.example",
            "http://corridor.cgem.ma",
            "http://10.0.0.5:8787",
            "https://user:secret@corridor.cgem.ma",
            "https://corridor.cgem.ma/?next=http://evil.example",
            "ftp://corridor.cgem.ma",
            "file:///etc/passwd",
            "corridor.cgem.ma",
            "",
        ] {
            assert!(
                matches!(parse_server_url(input), Err(SyncError::InvalidUrl(_))),
                "{input:?} must be refused"
            );
        }
    }

    /// A server that answers the login with a redirect to another listener: the client
    /// refuses it, says so, and the password never reaches the other listener.
    #[tokio::test]
    async fn a_redirect_is_never_followed_with_the_password() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let target = elsewhere.local_addr().expect("addr");
        let reached = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&reached);
        tokio::spawn(async move {
            while elsewhere.accept().await.is_ok() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let server = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", server.local_addr().expect("addr"));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = server.accept().await {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{target}/v1/login\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        let client = crate::ServerClient::new(&url).expect("client");
        let err = client
            .login(&corridor_model::api::LoginRequest {
                username: "k.alaoui".to_owned(),
                password: "secret du poste".to_owned(),
                device_id: Default::default(),
                device_name: "poste".to_owned(),
            })
            .await
            .expect_err("a redirect is refused");
        match err {
            SyncError::Refused(e) => {
                assert_eq!(e.code, "redirect");
                assert!(e.message.contains(&target.to_string()), "{}", e.message);
            }
            other => panic!("{other:?}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(
            reached.load(Ordering::SeqCst),
            0,
            "nothing went to the other host"
        );
    }
}
