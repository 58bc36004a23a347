//! The client's address, for the per-address throttles (bad webhook signatures, connection
//! starts, passkey ceremonies).
//!
//! A request comes from its TCP peer. Behind a reverse proxy every request has the proxy's
//! address, so one sender of bad signatures would throttle everybody: when the peer is one of
//! the `TRUSTED_PROXIES`, the client is read from `X-Forwarded-For` instead, from the right
//! (the hop nearest to us), skipping the addresses of trusted proxies. The first address that
//! is not a trusted proxy's is the client: whatever lies left of it was written by the client
//! itself and proves nothing. Without trusted proxies the header is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{request::Parts, HeaderMap},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a list of addresses (`10.0.0.7`, `::1`) and networks (`10.0.0.0/8`, `fd00::/8`),
    /// separated by commas or spaces. `Err` names the first entry that is neither.
    pub fn parse(value: &str) -> Result<Self, String> {
        value
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| s.to_owned())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// The trusted addresses and networks, as written back.
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            // An entry that is not an address ends what can be believed: the nearest
            // address seen so far is the best answer.
            let Some(ip) = parse_hop(hop) else { break };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4 addresses written as IPv6 (`::ffff:10.0.0.1`, from a dual-stack listener) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address, found once per request by [`layer`]; without the layer (tests that
/// build a router of their own), the TCP peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or_else(|| {
                let peer = parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
                ClientIp(canonical(peer))
            }))
    }
}

/// Middleware: finds the client's address and keeps it in the request's extensions.
pub async fn layer(
    State(trusted): State<std::sync::Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(peer) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let client = trusted.client(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), &headers(&["198.51.100.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            trusted.client(ip("203.0.113.9"), &headers(&["198.51.100.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // The client claims 1.1.1.1 itself; the edge proxy saw 198.51.100.1; an inner proxy
        // (10.1.2.3) forwarded to the load balancer (192.0.2.7), our peer.
        let h = headers(&["1.1.1.1, 198.51.100.1", "10.1.2.3"]);
        assert_eq!(trusted.client(ip("192.0.2.7"), &h), ip("198.51.100.1"));
        // Ports and IPv4-mapped peers are understood.
        let h = headers(&["198.51.100.1:5000"]);
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.1"), &h),
            ip("198.51.100.1")
        );
        let h = headers(&["[2001:db8::1]:443"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &h), ip("2001:db8::1"));
    }

    #[test]
    fn a_garbled_hop_stops_the_walk_at_the_nearest_address() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&["198.51.100.1, unknown, 10.0.0.2"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &h), ip("10.0.0.2"));
        // No header at all: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &headers(&[])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn only_trusted_hops_leave_the_farthest_one() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&["10.9.9.9, 10.0.0.2"]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &h), ip("10.9.9.9"));
    }

    #[test]
    fn the_list_names_what_it_cannot_read() {
        assert_eq!(TrustedProxies::parse("10.0.0.1, nope").unwrap_err(), "nope");
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/33").unwrap_err(),
            "10.0.0.0/33"
        );
        assert!(TrustedProxies::parse(" ").unwrap().is_empty());
        assert_eq!(TrustedProxies::parse("::1 127.0.0.1").unwrap().0.len(), 2);
    }
}
