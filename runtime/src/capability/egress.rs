//! Network egress rules below the origin check: IP literals and loopback,
//! private, link-local (cloud metadata) and other non-public addresses are
//! refused unless the operator allows them explicitly. The check runs on the
//! resolved addresses, so a DNS name cannot smuggle a request to a forbidden
//! address, and again on every redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// The addresses an app may reach beyond the public internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressRules {
    allowed: Vec<IpNet>,
}

/// A request refused by the address rules.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ForbiddenAddress(pub String);

impl AddressRules {
    /// Rules allowing `allowed` (addresses and networks) explicitly.
    pub fn new(allowed: Vec<IpNet>) -> AddressRules {
        AddressRules { allowed }
    }

    fn explicitly_allowed(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Whether a resolved address may be connected to.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.explicitly_allowed(ip) || is_public(ip)
    }

    /// Refuse a URL whose host is an IP literal the operator did not allow.
    pub fn check_url(&self, url: &Url) -> Result<(), ForbiddenAddress> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        if self.explicitly_allowed(ip) {
            return Ok(());
        }
        Err(ForbiddenAddress(format!(
            "{ip} is an IP address{}; the operator has not allowed it ({})",
            describe(ip),
            how_to_allow(&ip.to_string())
        )))
    }

    /// A DNS resolver that drops addresses these rules forbid.
    pub fn resolver(self) -> Arc<impl Resolve> {
        Arc::new(FilteringResolver { rules: self })
    }
}

/// How a developer or an operator allows `address` (an IP address, or
/// `localhost`).
fn how_to_allow(address: &str) -> String {
    format!(
        "an operator allows it with `allow_addresses` in the policy; while developing, \
         `miniapp run` and `miniapp dev` take `--allow-address {address}`"
    )
}

/// What kind of non-public address `ip` is, as a phrase.
fn describe(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => " (loopback)",
        IpAddr::V4(v4) if v4 == Ipv4Addr::new(169, 254, 169, 254) => " (cloud metadata)",
        IpAddr::V4(v4) if v4.is_link_local() => " (link-local)",
        IpAddr::V4(v4) if v4.is_private() => " (private)",
        IpAddr::V6(v6) if v6.is_loopback() => " (loopback)",
        IpAddr::V6(v6) if v6.is_unicast_link_local() => " (link-local)",
        IpAddr::V6(v6) if v6.is_unique_local() => " (private)",
        _ if !is_public(ip) => " (not public)",
        _ => "",
    }
}

/// Whether `ip` is a public unicast address. IPv6 forms that carry an
/// IPv4 address are judged by it (IPv4-mapped `::ffff:a.b.c.d`, 6to4
/// `2002:aabb:ccdd::/48`); the deprecated IPv4-compatible form
/// (`::a.b.c.d`), Teredo (`2001::/32`, whose IPv4 address is obfuscated) and
/// NAT64 prefixes are never public.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            match s {
                [0, 0, 0, 0, 0, 0, _, _] => false,
                [0x2002, hi, lo, ..] => {
                    is_public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)))
                }
                [0x2001, 0, ..] => false,
                [0x0064, 0xff9b, ..] => false,
                _ => is_public_v6(v6),
            }
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

struct FilteringResolver {
    rules: AddressRules,
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rules = self.rules.clone();
        Box::pin(async move {
            let permitted = rules.lookup(name.as_str(), 0).await?;
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

impl AddressRules {
    /// The addresses of `host` at `port` these rules permit: refused when
    /// it resolves only to addresses they forbid.
    pub(crate) async fn lookup(
        &self,
        host: &str,
        port: u16,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
        let permitted: Vec<SocketAddr> = found
            .iter()
            .copied()
            .filter(|a| self.permits(a.ip()))
            .collect();
        if permitted.is_empty() && !found.is_empty() {
            let ip = found[0].ip();
            // `localhost` is allowed by its name on the command line.
            let named = match host.eq_ignore_ascii_case("localhost") {
                true => "localhost".to_string(),
                false => ip.to_string(),
            };
            let error = ForbiddenAddress(format!(
                "{host} resolves to {ip}{}, which the operator has not allowed ({})",
                describe(ip),
                how_to_allow(&named)
            ));
            return Err(Box::new(error));
        }
        Ok(permitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_refused_unless_allowed() {
        let rules = AddressRules::default();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::",
            // IPv4-compatible, 6to4 and Teredo forms of non-public addresses.
            "::127.0.0.1",
            "::a9fe:a9fe",
            "::8.8.8.8",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2002:c0a8:101::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
        ] {
            assert!(!rules.permits(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "2002:5db8:d822::1",
        ] {
            assert!(rules.permits(ip.parse().unwrap()), "{ip}");
        }
        let rules = AddressRules::new(vec!["127.0.0.1/32".parse().unwrap()]);
        assert!(rules.permits("127.0.0.1".parse().unwrap()));
        assert!(!rules.permits("127.0.0.2".parse().unwrap()));
    }

    #[test]
    fn ip_literals_need_an_explicit_allowance() {
        let rules = AddressRules::new(vec!["127.0.0.1/32".parse().unwrap()]);
        let check = |u: &str| rules.check_url(&Url::parse(u).unwrap());
        assert!(check("http://127.0.0.1:8080/").is_ok());
        assert!(check("https://news.example.com/").is_ok());
        let err = check("http://169.254.169.254/latest/meta-data/").unwrap_err();
        assert!(err.0.contains("cloud metadata"), "{err}");
        assert!(check("http://8.8.8.8/").is_err(), "public IP literals too");
        assert!(check("http://[::1]:9/").unwrap_err().0.contains("loopback"));
        // The refusal says how to allow it, to a developer and an operator.
        let err = check("http://127.0.0.2:8080/").unwrap_err().0;
        assert!(err.contains("`allow_addresses` in the policy"), "{err}");
        assert!(err.contains("`--allow-address 127.0.0.2`"), "{err}");
    }
}
