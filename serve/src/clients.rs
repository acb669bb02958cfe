//! Who a client is, and the sessions each client and each user hold on
//! this node.
//!
//! A client is its address: the peer's, or, when the peer is a trusted
//! proxy (`--trusted-proxy CIDR`), the address that proxy forwarded in
//! `X-Forwarded-For`: the right-most entry that is not itself a trusted
//! proxy (a client can write any entries it likes to the left of what its
//! proxies append, never to the right). An IPv6 client is its /64, as in
//! the connection caps. Both listeners take the same rule, so the operator
//! plane's back-off of wrong tokens counts the client behind a proxy too.
//!
//! Sessions are counted as this node holds them: a session id can be
//! rebuilt on any node of a cluster, so each node counts the sessions it
//! holds, not the cluster's.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::IntoResponse;
pub use ipnet::IpNet;

use crate::error::ApiError;

/// Sessions one client address may hold on a node by default.
pub const DEFAULT_PER_CLIENT: usize = 1_024;
/// Sessions (one per app) one user may hold on a node by default.
pub const DEFAULT_PER_USER: usize = 64;

/// The header a trusted proxy names the client in.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client a request comes from (see the module's rule), as a request
/// extension set by [`layer`]; handlers take it as an extractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client(pub IpAddr);

/// The client of a request from `peer` with `headers`, given the trusted
/// proxies: the peer unless it is trusted; else the right-most
/// `X-Forwarded-For` entry that is not trusted (the left-most when all
/// are). An entry that is not an address, where the rule reaches it, is an
/// error naming it.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Result<IpAddr, String> {
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return Ok(client);
    }
    let mut entries = Vec::new();
    for value in headers.get_all(FORWARDED_FOR) {
        let text = value
            .to_str()
            .map_err(|_| "X-Forwarded-For is not visible ASCII".to_string())?;
        entries.extend(text.split(',').map(str::trim));
    }
    for entry in entries.iter().rev() {
        let addr = forwarded_address(entry).ok_or_else(|| {
            let entry: String = entry.chars().take(64).collect();
            format!("X-Forwarded-For entry `{entry}` (from a trusted proxy) is not an IP address")
        })?;
        client = addr.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    Ok(client)
}

/// An `X-Forwarded-For` entry's address: `1.2.3.4`, `1.2.3.4:5`, `::1` or
/// `[::1]:5`.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    if let Ok(addr) = entry.parse::<IpAddr>() {
        return Some(addr);
    }
    entry.parse::<SocketAddr>().ok().map(|a| a.ip())
}

/// The address a client is counted by: an IPv6 client is its /64.
pub fn key(client: IpAddr) -> IpAddr {
    miniapp_protocol::listen::client_key(client)
}

/// A `--trusted-proxy` value: a CIDR (`10.0.0.0/8`) or one address.
pub fn parse_trusted(text: &str) -> Result<IpNet, String> {
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("`{text}` is not a CIDR (`10.0.0.0/8`, `fd00::/8`) or an IP address"))
}

/// `router` with every request's [`Client`] set by the rule above; a
/// trusted proxy's `X-Forwarded-For` that the rule cannot read is refused
/// with 400.
pub fn layer(router: axum::Router, trusted: Arc<[IpNet]>) -> axum::Router {
    router.layer(axum::middleware::from_fn(
        move |mut request: Request, next: Next| {
            let trusted = trusted.clone();
            async move {
                let peer = (request.extensions().get::<ConnectInfo<SocketAddr>>())
                    .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
                match client_of(peer, request.headers(), &trusted) {
                    Ok(client) => {
                        request.extensions_mut().insert(Client(client));
                        next.run(request).await
                    }
                    Err(e) => ApiError::bad_request(e).into_response(),
                }
            }
        },
    ))
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Client, Self::Rejection> {
        let set = parts.extensions.get::<Client>().copied();
        let peer = || {
            (parts.extensions.get::<ConnectInfo<SocketAddr>>())
                .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
        };
        Ok(set.unwrap_or_else(|| Client(peer())))
    }
}

/// How many sessions a client address and a user may hold on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionCaps {
    /// Sessions opened (or brought to this node) from one client address.
    pub per_client: usize,
    /// Sessions of one user, across apps.
    pub per_user: usize,
}

impl Default for SessionCaps {
    fn default() -> SessionCaps {
        SessionCaps {
            per_client: DEFAULT_PER_CLIENT,
            per_user: DEFAULT_PER_USER,
        }
    }
}

/// Why a session was not held: the cap it would pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OverCap {
    /// The client address holds [`SessionCaps::per_client`] sessions.
    Client(IpAddr, usize),
    /// The user holds [`SessionCaps::per_user`] sessions.
    User(usize),
}

impl OverCap {
    /// The metrics label of the refusal.
    pub fn reason(&self) -> &'static str {
        match self {
            OverCap::Client(..) => "sessions_per_client",
            OverCap::User(_) => "sessions_per_user",
        }
    }

    /// The refusal: 429 with `Retry-After`, naming the cap.
    pub fn error(&self) -> ApiError {
        let message = match self {
            OverCap::Client(client, cap) => format!(
                "client {client} holds {cap} sessions on this node, its cap \
                 (--max-sessions-per-client, policy `[sessions] per_client`); \
                 close one (DELETE /v1/sessions/ID) or retry later"
            ),
            OverCap::User(cap) => format!(
                "this user holds {cap} sessions on this node, one per app, its cap \
                 (--max-sessions-per-user, policy `[sessions] per_user`); \
                 close one (DELETE /v1/sessions/ID) or retry later"
            ),
        };
        ApiError::busy(message, 30)
    }
}

/// The sessions each client address and each user hold on this node.
#[derive(Default)]
pub struct Holdings {
    caps: SessionCaps,
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    /// Each session held: its client (key) and user.
    sessions: HashMap<String, (IpAddr, String)>,
    clients: HashMap<IpAddr, usize>,
    users: HashMap<String, usize>,
    /// Sessions held but not open at the last [`Holdings::keep_open`].
    missing: std::collections::HashSet<String>,
}

impl Holdings {
    /// Holdings within `caps`.
    pub fn new(caps: SessionCaps) -> Holdings {
        Holdings {
            caps,
            held: Mutex::default(),
        }
    }

    /// The caps.
    pub fn caps(&self) -> SessionCaps {
        self.caps
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Count session `id` for `client` and `user`, or say which cap it
    /// would pass. A session already held is not counted again.
    pub fn hold(&self, id: &str, client: IpAddr, user: &str) -> Result<(), OverCap> {
        let client = key(client);
        let mut held = self.lock();
        if held.sessions.contains_key(id) {
            return Ok(());
        }
        if held.clients.get(&client).copied().unwrap_or(0) >= self.caps.per_client {
            return Err(OverCap::Client(client, self.caps.per_client));
        }
        if held.users.get(user).copied().unwrap_or(0) >= self.caps.per_user {
            return Err(OverCap::User(self.caps.per_user));
        }
        *held.clients.entry(client).or_default() += 1;
        *held.users.entry(user.to_string()).or_default() += 1;
        held.sessions
            .insert(id.to_string(), (client, user.to_string()));
        Ok(())
    }

    /// Session `id` is no longer held: its client and user count it no more.
    pub fn release(&self, id: &str) {
        let mut held = self.lock();
        let Some((client, user)) = held.sessions.remove(id) else {
            return;
        };
        decrement(&mut held.clients, &client);
        decrement(&mut held.users, &user);
    }

    /// Release every session for which `is_open` said no at this call and
    /// at the one before (a safety net behind [`release`](Self::release),
    /// run with the eviction). Twice, because a session is held an instant
    /// before it is open: one caught in between is not released.
    pub fn keep_open(&self, is_open: impl Fn(&str) -> bool) {
        let missing: std::collections::HashSet<String> = (self.lock().sessions.keys())
            .filter(|id| !is_open(id))
            .cloned()
            .collect();
        let before = std::mem::take(&mut self.lock().missing);
        let (gone, new): (Vec<String>, Vec<String>) =
            missing.into_iter().partition(|id| before.contains(id));
        for id in gone {
            self.release(&id);
        }
        self.lock().missing = new.into_iter().collect();
    }

    /// Sessions `client` holds.
    pub fn of_client(&self, client: IpAddr) -> usize {
        self.lock().clients.get(&key(client)).copied().unwrap_or(0)
    }
}

fn decrement<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = counts.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_others_do_not() {
        let trusted = [parse_trusted("10.0.0.0/8").unwrap()];
        let forwarded = headers(&["6.6.6.6, 1.2.3.4", "10.0.0.2"]);
        // Through two trusted proxies: the right-most untrusted entry.
        assert_eq!(
            client_of(ip("10.0.0.1"), &forwarded, &trusted),
            Ok(ip("1.2.3.4"))
        );
        // An untrusted peer's header is ignored.
        assert_eq!(
            client_of(ip("5.5.5.5"), &forwarded, &trusted),
            Ok(ip("5.5.5.5"))
        );
        // A trusted peer without the header is the client.
        assert_eq!(
            client_of(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            Ok(ip("10.0.0.1"))
        );
        // Ports and brackets are taken; garbage the rule reaches is not.
        let ported = headers(&["[2001:db8::1]:443"]);
        assert_eq!(
            client_of(ip("10.0.0.1"), &ported, &trusted),
            Ok(ip("2001:db8::1"))
        );
        let garbage = headers(&["1.2.3.4, nonsense"]);
        let error = client_of(ip("10.0.0.1"), &garbage, &trusted).unwrap_err();
        assert!(error.contains("`nonsense`"), "{error}");
        // Garbage left of the client is never read.
        let left = headers(&["nonsense, 1.2.3.4"]);
        assert_eq!(
            client_of(ip("10.0.0.1"), &left, &trusted),
            Ok(ip("1.2.3.4"))
        );
    }

    #[test]
    fn trusted_proxies_parse_as_cidrs_or_addresses() {
        assert_eq!(
            parse_trusted("127.0.0.1").unwrap(),
            "127.0.0.1/32".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            parse_trusted("10.1.2.3/8").unwrap(),
            "10.0.0.0/8".parse::<IpNet>().unwrap()
        );
        let error = parse_trusted("10.0.0.0/33").unwrap_err();
        assert!(error.contains("`10.0.0.0/33`"), "{error}");
    }

    #[test]
    fn holdings_cap_clients_and_users_and_release() {
        let holdings = Holdings::new(SessionCaps {
            per_client: 2,
            per_user: 3,
        });
        let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
        holdings.hold("s1", a, "u1").unwrap();
        holdings.hold("s1", a, "u1").unwrap();
        holdings.hold("s2", a, "u2").unwrap();
        assert_eq!(
            holdings.hold("s3", a, "u3"),
            Err(OverCap::Client(a, 2)),
            "a third session of one address"
        );
        holdings.hold("s3", b, "u1").unwrap();
        holdings.release("s2");
        holdings.hold("s4", a, "u1").unwrap();
        assert_eq!(holdings.hold("s5", b, "u1"), Err(OverCap::User(3)));
        // Released once found not open twice in a row.
        holdings.keep_open(|id| id != "s4");
        assert_eq!(holdings.hold("s5", b, "u1"), Err(OverCap::User(3)));
        holdings.keep_open(|id| id != "s4");
        holdings.hold("s5", b, "u1").unwrap();
        assert_eq!(holdings.of_client(a), 1);
    }
}
