//! How strong an operator token must be, and a fresh one.
//!
//! A token passes when its length times log2 of the smallest alphabet that
//! holds all its characters (hex 16, `[A-Za-z0-9]` 62, base64url 64,
//! printable ASCII 95) is at least [`MIN_BITS`], and it is not one repeated
//! character: `openssl rand -hex 16` (32 hex characters, 128 bits) passes,
//! `aaaaaaaaaaaaaaaa` (64 bits) does not.

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

/// The entries of a token file, `serve --operator-token-file`'s format:
/// one operator per line, `NAME TOKEN`, or a single token alone (the
/// operator `operator`); blank lines and `#` comments are skipped. Each
/// entry: its line number (from 1), the name, the token (unchecked).
pub fn entries(text: &str) -> impl Iterator<Item = (usize, String, &str)> {
    text.lines().enumerate().filter_map(|(n, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        Some(match line.split_once(char::is_whitespace) {
            Some((name, token)) => (n + 1, name.to_string(), token.trim()),
            None => (n + 1, "operator".to_string(), line),
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
    fn a_new_token_passes_and_is_new_each_time() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_eq!(check(&a), Ok(()));
        assert_ne!(a, b);
    }
}
