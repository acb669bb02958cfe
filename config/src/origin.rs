//! Network origins (`scheme://host[:port]`) an app declares and the operator
//! allows; a request goes out only if its scheme, host and port all match.
//! `http`/`https` origins are for requests, `ws`/`wss` origins for
//! WebSockets (`socket.connect-start`): each is declared on its own, as
//! WeChat lists request and socket domains apart.

use url::Url;

/// A network origin: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parse `scheme://host[:port]` (http, https, ws or wss; no path, query
    /// or user).
    pub fn parse(text: &str) -> Result<Origin, String> {
        let url = Url::parse(text).map_err(|e| format!("`{text}` is not an origin: {e}"))?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{text}` must be an origin (scheme://host[:port]) with no path"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{text}` must not hold credentials"));
        }
        (Origin::of(&url).or_else(|| Origin::of_socket(&url)))
            .ok_or_else(|| format!("`{text}` must be an http, https, ws or wss origin"))
    }

    /// The origin of a URL, if it is http or https.
    pub fn of(url: &Url) -> Option<Origin> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        Origin::any(url)
    }

    /// The origin of a WebSocket URL, if it is ws or wss.
    pub fn of_socket(url: &Url) -> Option<Origin> {
        if !matches!(url.scheme(), "ws" | "wss") {
            return None;
        }
        Origin::any(url)
    }

    fn any(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_scheme_host_and_port() {
        let o = Origin::parse("https://API.example.com").unwrap();
        assert_eq!(o, Origin::parse("https://api.example.com:443").unwrap());
        assert_ne!(o, Origin::parse("http://api.example.com").unwrap());
        assert_ne!(o, Origin::parse("https://api.example.com:8443").unwrap());
        let url = Url::parse("https://api.example.com/x?y=1").unwrap();
        assert_eq!(Origin::of(&url), Some(o));
        // A socket origin is declared apart: it never matches a request's.
        let socket = Origin::parse("wss://api.example.com").unwrap();
        let url = Url::parse("wss://api.example.com/chat").unwrap();
        assert_eq!(Origin::of_socket(&url), Some(socket.clone()));
        assert_eq!(Origin::of(&url), None);
        assert_ne!(socket, Origin::parse("https://api.example.com").unwrap());
        for bad in [
            "ftp://x.com",
            "https://x.com/path",
            "https://u:p@x.com",
            "x.com",
            "https://x.com/?q",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }
}
