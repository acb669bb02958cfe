//! The user, as the operator's login gateway signs it (`--identity-header
//! NAME --identity-key FILE`): a header `USER.EXPIRY.SIGNATURE`, where
//! EXPIRY is the Unix time (seconds) after which it is refused and
//! SIGNATURE is the lower-case hex HMAC-SHA256 of `USER.EXPIRY` under the
//! key (the key file's first non-blank line, trimmed). USER is everything before the
//! last two dots, so it may hold dots itself (`docs/protocol.md`,
//! "Identity").

use axum::http::{HeaderMap, HeaderName};
use hmac::{KeyInit, Mac};

use crate::error::ApiError;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Where the user comes from when a login gateway signs it.
#[derive(Clone)]
pub struct Identity {
    header: HeaderName,
    key: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Users from header `header`, signed with `key`, which must pass the
    /// operator tokens' strength rule ([`crate::operator::token::check`]).
    pub fn new(header: &str, key: &str) -> Result<Identity, String> {
        let header = HeaderName::try_from(header)
            .map_err(|_| format!("`{header}` is not an HTTP header name"))?;
        crate::operator::token::check(key)
            .map_err(|why| format!("the identity key is weak: {why}"))?;
        Ok(Identity {
            header,
            key: key.as_bytes().to_vec(),
        })
    }

    /// The header's name.
    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// The signed value for `user` until `expiry` (what a gateway sends).
    pub fn sign(&self, user: &str, expiry: u64) -> String {
        let signed = format!("{user}.{expiry}");
        let signature = hex::encode(self.mac(&signed).finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    fn mac(&self, signed: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(signed.as_bytes());
        mac
    }

    /// The user `headers` name, at Unix time `now`; 401 `unidentified`
    /// saying what is wrong when the header is missing, malformed, badly
    /// signed or expired.
    pub fn user(&self, headers: &HeaderMap, now: u64) -> Result<String, ApiError> {
        let name = &self.header;
        let Some(value) = headers.get(name) else {
            return Err(ApiError::unidentified(format!(
                "this server takes the user from the `{name}` header its login gateway \
                 signs; the request has none"
            )));
        };
        let malformed = || {
            ApiError::unidentified(format!(
                "the `{name}` header is not `USER.EXPIRY.SIGNATURE` (docs/protocol.md, \"Identity\")"
            ))
        };
        let value = value.to_str().map_err(|_| malformed())?;
        let mut parts = value.rsplitn(3, '.');
        let (Some(signature), Some(expiry), Some(user)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let expiry: u64 = expiry.parse().map_err(|_| malformed())?;
        let signed = &value[..value.len() - signature.len() - 1];
        let signature = hex::decode(signature).map_err(|_| malformed())?;
        if self.mac(signed).verify_slice(&signature).is_err() {
            return Err(ApiError::unidentified(format!(
                "the `{name}` header's signature is wrong (not signed with this server's \
                 identity key)"
            )));
        }
        if now > expiry {
            return Err(ApiError::unidentified(format!(
                "the `{name}` header expired {} s ago (at {expiry}); the gateway must sign a \
                 fresh one",
                now - expiry
            )));
        }
        if user.is_empty() {
            return Err(malformed());
        }
        Ok(user.to_string())
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn with(identity: &Identity, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(identity.header().clone(), value.parse().unwrap());
        headers
    }

    #[test]
    fn a_signed_user_is_read_and_anything_else_refused() {
        let identity = Identity::new("x-user", KEY).unwrap();
        let signed = identity.sign("alice.smith@example.com", 1_000);
        let user = identity.user(&with(&identity, &signed), 999).unwrap();
        assert_eq!(user, "alice.smith@example.com");
        let expired = identity.user(&with(&identity, &signed), 1_001).unwrap_err();
        assert!(expired.message.contains("expired 1 s ago"), "{expired}");
        let forged = signed.replace("alice", "mallory");
        let wrong = identity.user(&with(&identity, &forged), 999).unwrap_err();
        assert!(wrong.message.contains("signature is wrong"), "{wrong}");
        let later = signed.replace(".1000.", ".9999.");
        let wrong = identity.user(&with(&identity, &later), 999).unwrap_err();
        assert!(wrong.message.contains("signature is wrong"), "{wrong}");
        let missing = identity.user(&HeaderMap::new(), 999).unwrap_err();
        assert!(missing.message.contains("has none"), "{missing}");
        for bad in ["alice", "alice.1000", "alice.soon.00", "alice.1000.zz"] {
            let error = identity.user(&with(&identity, bad), 999).unwrap_err();
            assert!(
                error.message.contains("USER.EXPIRY.SIGNATURE"),
                "{bad}: {error}"
            );
            assert_eq!(error.status, 401);
        }
    }

    #[test]
    fn the_signature_is_openssls_hmac_sha256() {
        // printf %s 'alice.1000' | openssl dgst -sha256 -hmac "$KEY" -r
        let identity = Identity::new("x-user", KEY).unwrap();
        let expected =
            "alice.1000.1edd7dea73da0ee6f0373bec596c431423ae7dae9138ff90a761c72bfba9dae1";
        assert_eq!(identity.sign("alice", 1000), expected);
    }

    #[test]
    fn a_weak_key_or_a_bad_header_name_is_refused() {
        let weak = Identity::new("x-user", "aaaaaaaaaaaaaaaa").unwrap_err();
        assert!(weak.contains("identity key is weak"), "{weak}");
        let name = Identity::new("x user", KEY).unwrap_err();
        assert!(name.contains("`x user`"), "{name}");
    }
}
