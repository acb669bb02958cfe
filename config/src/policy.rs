//! The operator's policy: what the platform grants each app. Kept apart from
//! the app's [`Manifest`] (what the app asks for); an app gets
//! the intersection, and everything else is denied.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Capability, Manifest, Origin, QuotaOverrides, Quotas, Scope};

/// The operator's policy, usually read from a `policy.toml`. Unknown keys are errors.
///
/// With nothing configured, an app is granted nothing beyond the core
/// interfaces, every consent scope is asked of the consent provider, and the
/// default [`Quotas`] apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The host app this runtime plays, and what it offers.
    pub host: HostProfile,
    /// Grants and quotas for every app.
    pub defaults: AppPolicy,
    /// Grants and quotas for one app, by app id, added to the defaults.
    pub apps: BTreeMap<String, AppPolicy>,
    /// How many sessions a client and a user may hold on one node of
    /// `miniapp serve`, and the bytes its sessions' push logs keep.
    pub sessions: SessionsPolicy,
    /// The recordings of failing events `miniapp serve` keeps for the
    /// operator (`docs/replay.md`): how many, how many bytes, how long.
    pub recordings: RecordingsPolicy,
}

/// What one node of `miniapp serve` keeps of the recordings of events that
/// trapped or were refused, per app: past a bound a new recording is
/// dropped (counted, audited); past its age one is deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RecordingsPolicy {
    /// Recordings one app may have kept at once on one node. Default 50;
    /// 0 keeps none.
    pub per_app: Option<u32>,
    /// Bytes the recordings of one app may take on one node's disk
    /// together. Default 67,108,864 (64 MiB).
    pub bytes_per_app: Option<u64>,
    /// Seconds a recording is kept. Default 604,800 (7 days).
    #[schemars(range(min = 1))]
    pub keep_secs: Option<u64>,
}

/// Caps on the sessions one node of `miniapp serve` holds for one client
/// address and for one user; past them a new session is refused with 429.
/// `miniapp serve`'s flags (`--max-sessions-per-client`,
/// `--max-sessions-per-user`) take precedence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SessionsPolicy {
    /// Sessions one client address holds at once (an IPv6 client is its
    /// /64; behind a trusted proxy, the address it forwards). Default 1,024.
    #[schemars(range(min = 1))]
    pub per_client: Option<u32>,
    /// Sessions one user holds at once, one per app. Default 64.
    #[schemars(range(min = 1))]
    pub per_user: Option<u32>,
    /// Bytes of push frames the long-poll logs of all sessions on one
    /// node keep together (`--push-log-bytes` takes precedence); past it
    /// the app holding the most loses its oldest pushes first. Default
    /// 268,435,456 (256 MiB).
    #[schemars(range(min = 1))]
    pub push_log_bytes: Option<u64>,
}

/// The host app: its name and version, and the capabilities it offers. One
/// mini-program may run in several hosts that offer different sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HostProfile {
    /// Host app name, e.g. `WeChat`.
    pub name: String,
    /// Host app version.
    pub version: String,
    /// Platform, e.g. `ios`, `android`, `linux`.
    pub platform: String,
    /// Capabilities this host offers (default: all).
    pub capabilities: BTreeSet<Capability>,
    /// The region picker's table (`<picker mode="region">`), replacing the
    /// one miniapp ships (mainland China's provinces, cities and counties):
    /// a file of regions with their codes, one a line (`docs/regions.md`),
    /// read and checked at start, at most 1 MiB. A relative path is from
    /// the policy file's folder.
    pub region_table: Option<PathBuf>,
}

impl Default for HostProfile {
    fn default() -> Self {
        HostProfile {
            name: "miniapp".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            platform: std::env::consts::OS.into(),
            capabilities: Capability::ALL.into_iter().collect(),
            region_table: None,
        }
    }
}

/// What the operator grants one app (or every app, as `defaults`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AppPolicy {
    /// Capabilities granted.
    pub permissions: BTreeSet<Capability>,
    /// Network origins allowed (`scheme://host[:port]`).
    pub origins: Vec<String>,
    /// Addresses or networks (`127.0.0.1`, `10.0.0.0/8`) the app may reach
    /// although they are IP literals or not public (loopback, private,
    /// link-local). Default: none.
    pub allow_addresses: Vec<String>,
    /// The operator's answer per consent scope; scopes not listed are asked.
    pub consent: BTreeMap<Scope, ConsentRule>,
    /// Quota overrides (fields of [`Quotas`]).
    pub quotas: QuotaOverrides,
    /// Whether storage is kept apart per user (default false: per app).
    pub per_user_storage: Option<bool>,
}

/// How the operator answers a consent scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentRule {
    /// Ask the host's consent provider (the user).
    Ask,
    /// Granted without asking.
    Grant,
    /// Denied without asking.
    Deny,
}

/// What one app may do: the manifest's requests intersected with the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Grants {
    /// Capabilities declared, granted, and offered by the host.
    pub capabilities: BTreeSet<Capability>,
    /// Origins declared and allowed.
    pub origins: Vec<Origin>,
    /// Non-public addresses and networks allowed explicitly.
    pub addresses: Vec<IpNet>,
    /// Consent scopes the app declared, with the operator's rule for each.
    pub scopes: BTreeMap<Scope, ConsentRule>,
    /// The app's quotas.
    pub quotas: Quotas,
    /// Whether storage is kept apart per user.
    pub per_user_storage: bool,
    /// The location and address APIs (WeChat's names) the app may call,
    /// from its app.json's `requiredPrivateInfos`; `None` when it has no
    /// app.json, which is not held to the list.
    pub private_infos: Option<BTreeSet<String>>,
    /// The app's default timeout of each kind of network call, from its
    /// app.json's `networkTimeout` (`http_timeout_ms` still bounds it).
    pub network_timeout: crate::app_json::network_timeout::NetworkTimeout,
}

/// A policy that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy {path}: {source}")]
    Read {
        /// The policy file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, or a field of the wrong type.
    #[error("policy {path} is not valid: {message}")]
    Syntax {
        /// Where the policy came from.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A field holds a value the runtime refuses.
    #[error("policy field `{field}` is invalid: {reason}")]
    Field {
        /// The offending field, with its table (`apps.demo.todo.quotas`).
        field: String,
        /// Why it is refused.
        reason: String,
    },
}

impl Policy {
    /// Read and validate a policy file.
    pub fn from_file(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut policy = Policy::from_toml(&text, &path.display().to_string())?;
        if let Some(table) = &mut policy.host.region_table
            && table.is_relative()
        {
            *table = path.parent().unwrap_or(Path::new("")).join(&*table);
        }
        Ok(policy)
    }

    /// Parse and validate a policy from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Syntax {
            path: origin.to_string(),
            message: crate::manifest::toml_error(text, &e),
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Check every field.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for (field, cap) in [
            ("sessions.per_client", self.sessions.per_client),
            ("sessions.per_user", self.sessions.per_user),
        ] {
            if cap == Some(0) {
                return Err(PolicyError::Field {
                    field: field.into(),
                    reason: "must be 1 or more (a cap of 0 would refuse every session)".into(),
                });
            }
        }
        if self.recordings.keep_secs == Some(0) {
            return Err(PolicyError::Field {
                field: "recordings.keep_secs".into(),
                reason: "must be 1 or more (to keep none, set `per_app = 0`)".into(),
            });
        }
        if self.sessions.push_log_bytes == Some(0) {
            return Err(PolicyError::Field {
                field: "sessions.push_log_bytes".into(),
                reason: "must be 1 or more (0 would keep no push for a long poll)".into(),
            });
        }
        let tables = std::iter::once(("defaults".to_string(), &self.defaults))
            .chain(self.apps.iter().map(|(id, p)| (format!("apps.{id}"), p)));
        for (table, app) in tables {
            for origin in &app.origins {
                Origin::parse(origin).map_err(|reason| PolicyError::Field {
                    field: format!("{table}.origins"),
                    reason,
                })?;
            }
            for address in &app.allow_addresses {
                parse_network(address).map_err(|reason| PolicyError::Field {
                    field: format!("{table}.allow_addresses"),
                    reason,
                })?;
            }
        }
        for id in self.apps.keys() {
            crate::validate_app_id(id).map_err(|reason| PolicyError::Field {
                field: format!("apps.{id}"),
                reason,
            })?;
        }
        for id in self.apps.keys().map(String::as_str).chain([""]) {
            self.quotas_for(id)?;
        }
        Ok(())
    }

    /// Grant an app everything its manifest declares (capabilities and
    /// origins). For development hosts such as `miniapp run`.
    pub fn grant_declared(&mut self, manifest: &Manifest) {
        let entry = self.apps.entry(manifest.id.clone()).or_default();
        entry
            .permissions
            .extend(manifest.permissions.iter().copied());
        entry.origins.extend(manifest.origins.iter().cloned());
    }

    /// The quotas of app `id`: defaults, then the policy's defaults, then the app's own.
    pub fn quotas_for(&self, id: &str) -> Result<Quotas, PolicyError> {
        let field = |table: String| {
            move |reason| PolicyError::Field {
                field: format!("{table}.quotas"),
                reason,
            }
        };
        let quotas = Quotas::default()
            .with(&self.defaults.quotas)
            .map_err(field("defaults".into()))?;
        match self.apps.get(id) {
            Some(app) => quotas
                .with(&app.quotas)
                .map_err(field(format!("apps.{id}"))),
            None => Ok(quotas),
        }
    }

    /// What `manifest`'s app may do under this policy.
    pub fn grants_for(&self, manifest: &Manifest) -> Result<Grants, PolicyError> {
        let app = self.apps.get(&manifest.id);
        let layers = || std::iter::once(&self.defaults).chain(app);
        let granted: BTreeSet<Capability> = layers()
            .flat_map(|p| p.permissions.iter().copied())
            .collect();
        let capabilities = manifest
            .permissions
            .iter()
            .copied()
            .filter(|c| granted.contains(c) && self.host.capabilities.contains(c))
            .collect();
        let allowed: Vec<Origin> = layers()
            .flat_map(|p| p.origins.iter())
            .filter_map(|o| Origin::parse(o).ok())
            .collect();
        let origins = manifest
            .origins
            .iter()
            .filter_map(|o| Origin::parse(o).ok())
            .filter(|o| allowed.contains(o))
            .collect();
        let scopes = manifest
            .scopes
            .keys()
            .map(|scope| {
                let rule = layers()
                    .filter_map(|p| p.consent.get(scope))
                    .next_back()
                    .copied()
                    .unwrap_or(ConsentRule::Ask);
                (*scope, rule)
            })
            .collect();
        let addresses = layers()
            .flat_map(|p| p.allow_addresses.iter())
            .filter_map(|a| parse_network(a).ok())
            .collect();
        let per_user_storage = layers()
            .filter_map(|p| p.per_user_storage)
            .next_back()
            .unwrap_or(false);
        Ok(Grants {
            capabilities,
            origins,
            addresses,
            scopes,
            quotas: self.quotas_for(&manifest.id)?,
            per_user_storage,
            private_infos: None,
            network_timeout: Default::default(),
        })
    }
}

/// Parse `127.0.0.1` (one address) or `10.0.0.0/8` (a network).
fn parse_network(text: &str) -> Result<IpNet, String> {
    let parsed = if text.contains('/') {
        text.parse().ok()
    } else {
        text.parse::<std::net::IpAddr>().ok().map(IpNet::from)
    };
    parsed.ok_or_else(|| format!("`{text}` is not an IP address or network like 10.0.0.0/8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::from_toml(
            r#"
            id = "demo.news"
            name = "News"
            version = "1.0.0"
            pages = ["index"]
            permissions = ["http", "storage", "payment"]
            origins = ["https://news.example.com", "https://ads.example.com"]
            [scopes]
            user-location = "Local news"
            user-info = "Your name"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn session_caps_are_read_and_a_zero_cap_refused() {
        let policy = Policy::from_toml("[sessions]\nper_client = 4096\n", "p.toml").unwrap();
        assert_eq!(policy.sessions.per_client, Some(4096));
        assert_eq!(policy.sessions.per_user, None);
        let error = Policy::from_toml("[sessions]\nper_user = 0\n", "p.toml").unwrap_err();
        assert!(error.to_string().contains("sessions.per_user"), "{error}");
        let error = Policy::from_toml("[sessions]\npush_log_bytes = 0\n", "p.toml").unwrap_err();
        assert!(
            error.to_string().contains("sessions.push_log_bytes"),
            "{error}"
        );
        let bound = Policy::from_toml("[sessions]\npush_log_bytes = 65536\n", "p.toml").unwrap();
        assert_eq!(bound.sessions.push_log_bytes, Some(65536));
        let error = Policy::from_toml("[sessions]\nper_ip = 1\n", "p.toml").unwrap_err();
        assert!(error.to_string().contains("per_ip"), "{error}");
    }

    #[test]
    fn recording_bounds_are_read_and_a_zero_age_refused() {
        let text = "[recordings]\nper_app = 3\nbytes_per_app = 4096\nkeep_secs = 60\n";
        let policy = Policy::from_toml(text, "p.toml").unwrap();
        assert_eq!(policy.recordings.per_app, Some(3));
        assert_eq!(policy.recordings.bytes_per_app, Some(4096));
        assert_eq!(policy.recordings.keep_secs, Some(60));
        let error = Policy::from_toml("[recordings]\nkeep_secs = 0\n", "p.toml").unwrap_err();
        assert!(
            error.to_string().contains("recordings.keep_secs"),
            "{error}"
        );
        let error = Policy::from_toml("[recordings]\nkeep = 1\n", "p.toml").unwrap_err();
        assert!(error.to_string().contains("keep"), "{error}");
    }

    #[test]
    fn an_app_gets_the_intersection_of_manifest_policy_and_host() {
        let policy = Policy::from_toml(
            r#"
            [host]
            name = "LiteHost"
            version = "2.0"
            platform = "android"
            capabilities = ["storage", "http"]
            [defaults]
            permissions = ["storage"]
            [defaults.consent]
            user-info = "deny"
            [apps."demo.news"]
            permissions = ["http", "payment", "location"]
            origins = ["https://news.example.com", "https://other.example.com"]
            consent = { user-location = "grant" }
            quotas = { storage_bytes = 4096 }
            "#,
            "test",
        )
        .unwrap();
        let grants = policy.grants_for(&manifest()).unwrap();
        // payment: granted but the host does not offer it; location: granted, not declared.
        assert_eq!(
            grants.capabilities,
            [Capability::Storage, Capability::Http]
                .into_iter()
                .collect()
        );
        assert_eq!(
            grants.origins,
            vec![Origin::parse("https://news.example.com").unwrap()]
        );
        assert_eq!(grants.scopes[&Scope::UserLocation], ConsentRule::Grant);
        assert_eq!(grants.scopes[&Scope::UserInfo], ConsentRule::Deny);
        assert_eq!(grants.quotas.storage_bytes, 4096);
    }

    #[test]
    fn nothing_is_granted_by_default() {
        let grants = Policy::default().grants_for(&manifest()).unwrap();
        assert!(grants.capabilities.is_empty());
        assert!(grants.origins.is_empty());
        assert_eq!(grants.scopes[&Scope::UserInfo], ConsentRule::Ask);
    }

    #[test]
    fn bad_policies_name_the_field() {
        let err = Policy::from_toml("[defaults]\nsockets = true", "p.toml").unwrap_err();
        assert!(err.to_string().contains("p.toml") && err.to_string().contains("sockets"));
        let err = Policy::from_toml("[apps.\"demo.x\"]\nquotas = { page_stack = 0 }", "p.toml")
            .unwrap_err();
        assert!(err.to_string().contains("apps.demo.x.quotas"), "{err}");
        let err =
            Policy::from_toml("[defaults]\norigins = [\"gopher://x\"]", "p.toml").unwrap_err();
        assert!(err.to_string().contains("defaults.origins"), "{err}");
    }
}
