//! How strong an operator token must be, and a fresh one.
//!
//! A token passes when its length times log2 of the smallest alphabet that
//! holds all its characters (hex 16, `[A-Za-z0-9]` 62, base64url 64,
//! printable ASCII 95) is at least [`MIN_BITS`], and it is not one repeated
//! character: `openssl rand -hex 16` (32 hex characters, 128 bits) passes,
//! `aaaaaaaaaaaaaaaa` (64 bits) does not.
//!
//! A token file names each operator's token and its [`Scope`] ([`entries`]).

/// The bits a token must carry.
pub const MIN_BITS: f64 = 128.0;

/// How to make a token that passes, for messages.
pub const HOW_TO_MAKE_ONE: &str =
    "make one with `miniapp serve --new-token` or `openssl rand -hex 32`";

/// The rule, for messages.
pub const RULE: &str = "a token needs 128 bits: its length times log2 of the smallest alphabet \
     holding all its characters (hex 16, [A-Za-z0-9] 62, base64url 64, printable ASCII 95) must \
     be 128 or more, and it must not be one repeated character";

/// The bits a token carries by the rule (length times log2 of its
/// alphabet); `None` if a character is not printable ASCII (a header could
/// not carry it).
pub fn bits(token: &str) -> Option<f64> {
    let bytes = token.as_bytes();
    if !bytes.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return None;
    }
    let all = |holds: fn(&u8) -> bool| bytes.iter().all(holds);
    let alphabet: f64 = if all(u8::is_ascii_hexdigit) {
        16.0
    } else if all(u8::is_ascii_alphanumeric) {
        62.0
    } else if all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_') {
        64.0
    } else {
        95.0
    };
    Some(bytes.len() as f64 * alphabet.log2())
}

/// Whether `token` passes the rule; if not, why (never the token itself).
pub fn check(token: &str) -> Result<(), String> {
    let Some(bits) = bits(token) else {
        return Err(format!(
            "it has a character that is not printable ASCII (a header cannot carry it); {RULE}"
        ));
    };
    if bits < MIN_BITS {
        return Err(format!("it carries {bits:.0} bits; {RULE}"));
    }
    let first = token.as_bytes().first();
    if token.bytes().all(|b| Some(&b) == first) {
        return Err(format!("it is one repeated character; {RULE}"));
    }
    Ok(())
}

/// What an operator token may do: the third field of its line in the
/// token file (none: `full`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every call (the default).
    Full,
    /// Every `GET`: the catalog, routes, the recordings' list and
    /// `/metrics`; nothing that changes state, and no recording's bytes
    /// (they hold what a user did).
    Read,
    /// `GET /metrics` only: for a scraper.
    Metrics,
}

impl Scope {
    /// The scopes by name, for the token file and messages.
    pub const NAMES: &str = "full, read, metrics";

    /// The scope called `name`.
    pub fn parse(name: &str) -> Option<Scope> {
        match name {
            "full" => Some(Scope::Full),
            "read" => Some(Scope::Read),
            "metrics" => Some(Scope::Metrics),
            _ => None,
        }
    }

    /// Its name in the token file.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Full => "full",
            Scope::Read => "read",
            Scope::Metrics => "metrics",
        }
    }

    /// Whether a token of this scope may make the call `method path`.
    pub fn allows(self, method: &str, path: &str) -> bool {
        match self {
            Scope::Full => true,
            Scope::Read => (method == "GET" || method == "HEAD") && !is_recording(path),
            Scope::Metrics => (method == "GET" || method == "HEAD") && path == "/metrics",
        }
    }

    /// What it allows, for messages.
    pub fn covers(self) -> &'static str {
        match self {
            Scope::Full => "every call",
            Scope::Read => {
                "GET calls only (the catalog, routes, the recordings' list and /metrics; not a \
                 recording's bytes)"
            }
            Scope::Metrics => "GET /metrics only",
        }
    }
}

/// Whether `path` is one recording's (`/v1/operator/apps/APP/recordings/ID`).
fn is_recording(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["", "v1", "operator", "apps", _, "recordings", _]
    )
}

/// One operator of a token file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Its line number, from 1.
    pub line: usize,
    /// The operator's name (`operator` for a token alone on its line).
    pub name: String,
    /// The token (unchecked).
    pub token: &'a str,
    /// What the token may do.
    pub scope: Scope,
}

/// The entries of a token file, `serve --operator-token-file`'s format:
/// one operator per line, `NAME TOKEN [SCOPE]`, or a single token alone
/// (the operator `operator`, scope `full`); fields are separated by
/// whitespace (a token holds none), and blank lines and `#` comments are
/// skipped. `SCOPE` is `full` (the default), `read` or `metrics`
/// ([`Scope`]). A line with an unknown scope or more than three fields is
/// an error naming its line (never the token).
pub fn entries(text: &str) -> impl Iterator<Item = Result<Entry<'_>, String>> {
    text.lines().enumerate().filter_map(|(n, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let line = n + 1;
        let entry = |name: &str, token, scope| {
            Ok(Entry {
                line,
                name: name.to_string(),
                token,
                scope,
            })
        };
        Some(match fields.as_slice() {
            [token] => entry("operator", token, Scope::Full),
            [name, token] => entry(name, token, Scope::Full),
            [name, token, scope] => match Scope::parse(scope) {
                Some(scope) => entry(name, token, scope),
                // Not shown: it may be the end of a token with a space.
                None => Err(format!(
                    "line {line}: the third field of `{name}` is not a scope ({}): a \
                     line is `NAME TOKEN [SCOPE]`, and a token holds no spaces",
                    Scope::NAMES
                )),
            },
            _ => Err(format!(
                "line {line} has {} fields: a line is `NAME TOKEN [SCOPE]`, or a token \
                 alone, and a token holds no spaces",
                fields.len()
            )),
        })
    })
}

/// A fresh token: 32 random bytes from the OS, hex (256 bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_passes_random_tokens_and_refuses_weak_ones() {
        // `openssl rand -hex 16`: 32 hex characters, 128 bits.
        assert_eq!(check("3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6"), Ok(()));
        // 16 characters, any 16, passed before: 64 bits.
        assert!(check("aaaaaaaaaaaaaaaa").unwrap_err().contains("64 bits"));
        // Long enough, but one repeated character.
        let one = "a".repeat(64);
        assert!(check(&one).unwrap_err().starts_with("it is one repeated"));
        // 22 random base64url characters: 22 * 6 = 132 bits.
        assert_eq!(bits("Zq-3_kR9xW2pLm7TbY0cVe"), Some(132.0));
        assert_eq!(check("Zq-3_kR9xW2pLm7TbY0cVe"), Ok(()));
        // 16 alphanumeric characters: 16 * 5.95 = 95 bits.
        assert!(check("Zq3kR9xW2pLm7TbY").unwrap_err().contains("95 bits"));
        // Printable ASCII: 20 * 6.57 = 131 bits.
        assert_eq!(check("p!Q9 z#4&k~Lr@2^x*Te"), Ok(()));
        // A header cannot carry these.
        assert!(check("ключ-ключ-ключ-ключ-ключ-ключ").is_err());
        assert!(check("").is_err());
    }

    #[test]
    fn token_lines_take_a_scope_and_keep_the_old_forms() {
        let text = "# ops\nabc\nalice def\n\nscraper ghi metrics\nbob jkl read\ncarol mno full\n";
        let found: Vec<_> = entries(text)
            .map(|e| e.map(|e| (e.line, e.name, e.token, e.scope)))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            found,
            [
                (2, "operator".into(), "abc", Scope::Full),
                (3, "alice".into(), "def", Scope::Full),
                (5, "scraper".into(), "ghi", Scope::Metrics),
                (6, "bob".into(), "jkl", Scope::Read),
                (7, "carol".into(), "mno", Scope::Full),
            ]
        );
        let typo = entries("alice abc scarpe\n").next().unwrap().unwrap_err();
        assert!(
            typo.contains("line 1: the third field of `alice`"),
            "{typo}"
        );
        assert!(!typo.contains("scarpe"), "{typo}");
        let spaces = entries("alice ab cd ef\n").next().unwrap().unwrap_err();
        assert!(spaces.contains("line 1 has 4 fields"), "{spaces}");
        assert!(!spaces.contains("ab cd"), "{spaces}");
    }

    #[test]
    fn scopes_allow_reads_or_metrics_only() {
        assert!(Scope::Full.allows("PUT", "/v1/operator/apps/a/kill"));
        assert!(Scope::Read.allows("GET", "/v1/operator/apps"));
        assert!(!Scope::Read.allows("POST", "/v1/operator/apps/a/rollback"));
        assert!(Scope::Metrics.allows("GET", "/metrics"));
        assert!(!Scope::Metrics.allows("GET", "/v1/operator/apps"));
        assert!(!Scope::Metrics.allows("PUT", "/v1/operator/apps/a/kill"));
        // A read token lists recordings; their bytes hold what a user did.
        let listing = "/v1/operator/apps/demo.todo/recordings";
        let one = "/v1/operator/apps/demo.todo/recordings/1765000000000-0a1b2c3d";
        assert!(Scope::Read.allows("GET", listing));
        assert!(!Scope::Read.allows("GET", one));
        assert!(!Scope::Read.allows("DELETE", one));
        assert!(Scope::Full.allows("GET", one));
    }

    #[test]
    fn a_new_token_passes_and_is_new_each_time() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_eq!(check(&a), Ok(()));
        assert_ne!(a, b);
    }
}
