//! Who is calling, by network address: the TCP peer, or — when the peer is a reverse proxy the
//! operator declared (`CORRIDOR_TRUSTED_PROXIES`) — the client that proxy says it forwards
//! for (`X-Forwarded-For`).
//!
//! Behind a proxy every request comes from the proxy's address: without this, one regional
//! office guessing passwords would spend the sign-in budget of every office behind the same
//! proxy. The header is believed only from a declared proxy (anyone can send one), and only
//! as far as the chain of declared proxies goes: the address is the right-most entry that is
//! not one of them, so a client cannot choose its own by writing the header itself.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::http::AppState;

/// The header a reverse proxy adds with the address it received the request from.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The reverse proxies whose `X-Forwarded-For` is believed (addresses or networks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and networks (`10.0.0.5, 192.168.10.0/24,
    /// ::1`); an empty list trusts nobody.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("CORRIDOR_TRUSTED_PROXIES: « {s} » is not an address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// `CORRIDOR_TRUSTED_PROXIES`, or nobody.
    pub fn from_env() -> Result<Self, String> {
        Self::parse(&std::env::var("CORRIDOR_TRUSTED_PROXIES").unwrap_or_default())
    }

    /// Whether `ip` is a declared proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer` with these headers: `peer` itself
    /// unless it is a declared proxy; then the right-most `X-Forwarded-For` entry that is not a
    /// declared proxy (a malformed entry stops the walk: the last proxy is the client then).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        let entries: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for entry in entries.into_iter().rev() {
            let Ok(ip) = entry.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// The client's IP address (see the module), or `unknown` where the server was not given its
/// peer (in-process tests).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(
                    || "unknown".to_owned(),
                    |c| {
                        s.login
                            .policy()
                            .trusted_proxies
                            .client(c.0.ip(), &parts.headers)
                            .to_string()
                    },
                ),
        ))
    }
}

/// Whether a request came through a proxy (it carries forwarding headers): such a request is
/// never "from this machine", whatever its peer.
pub fn forwarded(headers: &HeaderMap) -> bool {
    headers.contains_key(FORWARDED_FOR) || headers.contains_key(axum::http::header::FORWARDED)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn with_xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn the_header_counts_only_from_a_declared_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.5, 192.168.10.0/24").expect("parse");
        // A client writing the header itself is still its own address.
        assert_eq!(
            proxies.client(ip("41.250.1.2"), &with_xff(&["1.2.3.4"])),
            ip("41.250.1.2")
        );
        // Through the proxy: the address the proxy saw.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &with_xff(&["41.250.1.2"])),
            ip("41.250.1.2")
        );
        // A forged left part is ignored: the right-most address not a proxy wins.
        assert_eq!(
            proxies.client(
                ip("10.0.0.5"),
                &with_xff(&["6.6.6.6, 41.250.1.2, 192.168.10.7"])
            ),
            ip("41.250.1.2")
        );
        // Several header lines are one list.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &with_xff(&["6.6.6.6", "41.250.1.2"])),
            ip("41.250.1.2")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &HeaderMap::new()),
            ip("10.0.0.5")
        );
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &with_xff(&["nonsense"])),
            ip("10.0.0.5")
        );
        // Nobody declared: the peer, whatever the header.
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), &with_xff(&["41.250.1.2"])),
            ip("10.0.0.5")
        );
        // An IPv4 peer seen as IPv6 (dual-stack socket) is the same proxy.
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.5"), &with_xff(&["41.250.1.2"])),
            ip("41.250.1.2")
        );
    }

    #[test]
    fn a_wrong_list_is_refused() {
        assert!(TrustedProxies::parse("10.0.0.5, proxy.example").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert_eq!(
            TrustedProxies::parse(" ").expect("empty"),
            TrustedProxies::default()
        );
    }
}
