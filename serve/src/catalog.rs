//! The operator's book of apps: published versions (packages kept by hash),
//! which version users get (the stable one, or a phased release of a new
//! one), kill switches, minimum host API versions. Kept in the data
//! directory (`catalog.json`, written whole and renamed into place, and
//! `packages/HASH.miniapp`); every change is durable before it is answered.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use miniapp_runtime::{App, Grants, Manifest, Origin, Package, Policy, Runtime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Stable versions kept for rollback.
pub const ROLLBACK_DEPTH: usize = 10;

/// Times a change is made again, on the stored record, when other nodes
/// changed the app's record first.
const CHANGE_ATTEMPTS: usize = 5;

/// Everything the operator decided, as stored.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Book {
    /// Apps by id.
    pub apps: BTreeMap<String, AppRecord>,
}

/// One app's versions and release state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    /// Published versions, oldest first.
    pub versions: Vec<VersionRecord>,
    /// The version users get (by hash), unless a phased release routes them.
    pub stable: Option<String>,
    /// Versions that were stable, oldest first (the last is `stable`); at
    /// most [`ROLLBACK_DEPTH`].
    pub history: Vec<String>,
    /// A new version being released to some of the users.
    pub release: Option<Phased>,
    /// The kill switch of the whole app: the reason users see.
    pub killed: Option<String>,
    /// Kill switches of single versions (hash to reason).
    pub killed_versions: BTreeMap<String, String>,
    /// The oldest host API version that may run this app.
    pub min_host_api: Option<String>,
}

impl AppRecord {
    /// The published version `reference` names: its hash, or its number
    /// (the manifest's `version`). Unknown: 404 naming the versions there
    /// are. A number published more than once, with other content, before
    /// numbers were unique (a catalog from then still loads) is ambiguous:
    /// 400 naming each hash, which names one.
    pub fn find(&self, app: &str, reference: &str) -> Result<&VersionRecord, ApiError> {
        if let Some(version) = self.versions.iter().find(|v| v.hash == reference) {
            return Ok(version);
        }
        let numbered: Vec<&VersionRecord> = (self.versions.iter())
            .filter(|v| v.version == reference)
            .collect();
        let reference = miniapp_runtime::text::cut(reference, 128);
        match numbered.as_slice() {
            [one] => Ok(one),
            [] => Err(ApiError::not_found(format!(
                "`{app}` has no version `{reference}` (by number or hash); published: {}",
                self.published()
            ))),
            many => Err(ApiError::bad_request(format!(
                "version `{reference}` of `{app}` names {} packages, published before a number \
                 could be published only once: {}; name one by its hash",
                many.len(),
                many.iter()
                    .map(|v| v.hash.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The number of version `hash` (`?` if it is not published here).
    pub fn number(&self, hash: &str) -> &str {
        (self.versions.iter())
            .find(|v| v.hash == hash)
            .map_or("?", |v| v.version.as_str())
    }

    /// Version `hash` by number and hash: `{"version", "hash"}`.
    pub fn named(&self, hash: &str) -> serde_json::Value {
        serde_json::json!({ "version": self.number(hash), "hash": hash })
    }

    /// The published versions, newest first, by number (at most 10).
    fn published(&self) -> String {
        let newest: Vec<&str> = (self.versions.iter().rev())
            .take(10)
            .map(|v| v.version.as_str())
            .collect();
        match newest.is_empty() {
            true => "none".to_string(),
            false => newest.join(", "),
        }
    }

    /// The record as operators read it: every version that `stable`,
    /// `history`, `release` and `killed_versions` name by hash, named by
    /// number and hash.
    pub fn status(&self) -> serde_json::Value {
        let release = self.release.as_ref().map(|r| {
            serde_json::json!({
                "version": self.number(&r.version),
                "hash": r.version,
                "percent": r.percent,
                "trial_users": r.trial_users,
            })
        });
        let killed_versions: Vec<_> = (self.killed_versions.iter())
            .map(|(hash, reason)| {
                serde_json::json!({ "version": self.number(hash), "hash": hash, "reason": reason })
            })
            .collect();
        serde_json::json!({
            "stable": self.stable.as_deref().map(|h| self.named(h)),
            "release": release,
            "history": self.history.iter().map(|h| self.named(h)).collect::<Vec<_>>(),
            "killed": self.killed,
            "killed_versions": killed_versions,
            "min_host_api": self.min_host_api,
            "versions": self.versions,
        })
    }

    /// Refuse `hash` as version `number` if that number is published with
    /// other content (409 naming both hashes); the same package again is
    /// no change.
    fn check_number(&self, app: &str, number: &str, hash: &str) -> Result<(), ApiError> {
        if self.versions.iter().any(|v| v.hash == hash) {
            return Ok(());
        }
        let Some(existing) = self.versions.iter().find(|v| v.version == number) else {
            return Ok(());
        };
        Err(ApiError::conflict(format!(
            "version {number} of `{app}` is already published with other content (hash {}); \
             this package's hash is {hash}. A version number is published once: raise \
             `version` in the app's miniapp.toml and publish again",
            existing.hash
        )))
    }
}

/// A published version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRecord {
    /// The package hash: the version's identity.
    pub hash: String,
    /// The manifest's version string.
    pub version: String,
    /// Bytes of the package.
    pub bytes: u64,
    /// Who published it.
    pub published_by: String,
    /// When, in seconds since the Unix epoch.
    pub published_at: u64,
}

/// A phased release: `percent` of the users (by a stable hash of app and
/// user), and the trial users, get `version`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phased {
    /// The version released (hash).
    pub version: String,
    /// Share of users, 0 to 100; it only grows.
    pub percent: u8,
    /// Users who get it whatever their hash.
    pub trial_users: Vec<String>,
}

/// Where the book and the packages are kept: files on one machine
/// ([`FileCatalog`]), or a database many nodes share.
pub trait CatalogStore: Send + Sync {
    /// The whole book, and its version (which changes with every save).
    fn load(&self) -> Result<(Book, u64), String>;
    /// The version of the book stored now (cheap: nodes poll it, and a
    /// failure marks the node not ready).
    fn version(&self) -> Result<u64, String>;
    /// Store `book`, in which `app` changed, durably; its new version.
    fn save(&self, book: &Book, app: &str) -> Result<u64, String>;
    /// [`save`](Self::save), unless the stored record of `app` is no
    /// longer `before` (the record the change was made to; `None`: there
    /// was none): then nothing is stored and the answer is `None`, so that
    /// a change another node made meanwhile is never overwritten. The
    /// default, for a store only one process writes, saves.
    fn save_over(
        &self,
        book: &Book,
        app: &str,
        before: Option<&AppRecord>,
    ) -> Result<Option<u64>, String> {
        let _ = before;
        self.save(book, app).map(Some)
    }
    /// Keep a package durably.
    fn put_package(&self, hash: &str, bytes: &[u8]) -> Result<(), String>;
    /// A package's bytes.
    fn package(&self, hash: &str) -> Result<Vec<u8>, String>;
}

/// The book, the loaded apps, and where they are kept.
pub struct Catalog {
    store: Box<dyn CatalogStore>,
    book: Mutex<Book>,
    /// The version of `book`.
    version: std::sync::atomic::AtomicU64,
    loaded: Mutex<HashMap<String, App>>,
}

/// The catalog in a directory: `catalog.json` (written whole, synced and
/// renamed into place) and `packages/HASH.miniapp`.
pub struct FileCatalog {
    dir: PathBuf,
    version: std::sync::atomic::AtomicU64,
}

impl FileCatalog {
    /// The catalog kept in `dir` (created if missing).
    pub fn open(dir: &Path) -> std::io::Result<FileCatalog> {
        std::fs::create_dir_all(dir.join("packages"))?;
        Ok(FileCatalog {
            dir: dir.to_path_buf(),
            version: Default::default(),
        })
    }

    fn package_path(&self, hash: &str) -> PathBuf {
        self.dir.join("packages").join(format!("{hash}.miniapp"))
    }
}

impl CatalogStore for FileCatalog {
    fn load(&self) -> Result<(Book, u64), String> {
        let path = self.dir.join("catalog.json");
        let book = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} is not a catalog: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Book::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Ok((book, self.version()?))
    }

    fn version(&self) -> Result<u64, String> {
        Ok(self.version.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn save(&self, book: &Book, _app: &str) -> Result<u64, String> {
        let json = serde_json::to_vec_pretty(book).expect("the book serializes");
        write_durably(&self.dir.join("catalog.json"), &json).map_err(|e| e.to_string())?;
        Ok(self
            .version
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1)
    }

    fn put_package(&self, hash: &str, bytes: &[u8]) -> Result<(), String> {
        write_durably(&self.package_path(hash), bytes).map_err(|e| e.to_string())
    }

    fn package(&self, hash: &str) -> Result<Vec<u8>, String> {
        let path = self.package_path(hash);
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Which of 10,000 buckets a user of an app falls in: the first 8 bytes of
/// SHA-256 of `app \0 user`, so a user stays on one side of a release.
pub fn bucket(app: &str, user: &str) -> u16 {
    let digest = Sha256::new()
        .chain_update(app.as_bytes())
        .chain_update([0])
        .chain_update(user.as_bytes())
        .finalize();
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (n % 10_000) as u16
}

/// Whether host API `have` is at least `need` (dotted numbers).
fn at_least(have: &str, need: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(have) >= parts(need)
}

impl Catalog {
    /// The catalog `store` keeps.
    pub fn open(store: Box<dyn CatalogStore>) -> Result<Catalog, String> {
        let (book, version) = store.load()?;
        Ok(Catalog {
            store,
            book: Mutex::new(book),
            version: version.into(),
            loaded: Mutex::default(),
        })
    }

    /// Whether the store answers.
    pub fn reachable(&self) -> bool {
        self.store.version().is_ok()
    }

    /// Take the stored book if another node changed it since it was read
    /// (polled: operator changes reach every node within the period).
    pub fn refresh(&self) -> Result<bool, String> {
        let stored = self.store.version()?;
        if stored == self.version.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(false);
        }
        let (book, version) = self.store.load()?;
        *self.lock() = book;
        self.version
            .store(version, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the book.
    pub fn book(&self) -> Book {
        self.lock().clone()
    }

    /// One app's record.
    pub fn app(&self, app: &str) -> Option<AppRecord> {
        self.lock().apps.get(app).cloned()
    }

    /// The version `user` of `app` gets now, or why none.
    pub fn route(&self, app: &str, user: &str) -> Result<String, ApiError> {
        let book = self.lock();
        let record = book
            .apps
            .get(app)
            .ok_or_else(|| ApiError::not_found(format!("no app `{app}` is published here")))?;
        if let Some(reason) = &record.killed {
            return Err(ApiError::disabled(reason.clone()));
        }
        if let Some(need) = &record.min_host_api
            && !at_least(miniapp_runtime::HOST_API_VERSION, need)
        {
            return Err(ApiError::host_too_old(format!(
                "`{app}` needs host API {need}; this node has {}",
                miniapp_runtime::HOST_API_VERSION
            )));
        }
        let phased = record.release.as_ref().filter(|r| {
            r.trial_users.iter().any(|u| u == user)
                || bucket(app, user) < u16::from(r.percent) * 100
        });
        let version = match (phased, &record.stable) {
            (Some(release), _) => release.version.clone(),
            (None, Some(stable)) => stable.clone(),
            (None, None) => {
                return Err(ApiError::not_found(format!(
                    "`{app}` has no released version"
                )));
            }
        };
        if let Some(reason) = record.killed_versions.get(&version) {
            return Err(ApiError::disabled(reason.clone()));
        }
        Ok(version)
    }

    /// The loaded app of version `hash` (loaded from its package on first use).
    pub fn loaded(&self, runtime: &Runtime, hash: &str) -> Result<App, ApiError> {
        if let Some(app) = self.lock_loaded().get(hash) {
            return Ok(app.clone());
        }
        let bytes = (self.store.package(hash))
            .map_err(|e| ApiError::internal(format!("package {hash} cannot be read: {e}")))?;
        let package = Package::from_bytes(&bytes, runtime.package_limits()).map_err(|e| {
            // A package this runtime's rules refuse (a newer check of its
            // manifest or format) is not damaged: it must be published again.
            use miniapp_runtime::package::PackageError;
            let damaged = matches!(e, PackageError::HashMismatch { .. } | PackageError::Io(_));
            match damaged {
                true => ApiError::internal(format!("package {hash} is damaged: {e}")),
                false => ApiError::refused(format!(
                    "package {hash} is refused by this runtime: {e}; publish it again, rebuilt"
                )),
            }
        })?;
        let app = runtime.load(package).map_err(ApiError::from_runtime)?;
        self.lock_loaded().insert(hash.to_string(), app.clone());
        Ok(app)
    }

    /// Every loaded app (for metrics).
    pub fn loaded_apps(&self) -> Vec<App> {
        self.lock_loaded().values().cloned().collect()
    }

    fn lock_loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, App>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publish a package for `app` (`None`: the id its manifest gives):
    /// read, validated and compiled (into the artifact cache) before it is
    /// accepted. The first version of an app becomes its stable version.
    ///
    /// A package that declares capabilities or origins the policy (or the
    /// host) does not grant is refused (403 `denied`, naming each and the
    /// policy key that allows it), unless `allow_denied`: then it is
    /// accepted and the second value names each denied capability.
    ///
    /// A version number is published once per app: a package whose number
    /// is published with other content is refused (409 `conflict`, naming
    /// both hashes); the same package again changes nothing and answers
    /// the version as first published.
    pub fn publish(
        &self,
        runtime: &Runtime,
        app: Option<&str>,
        bytes: &[u8],
        operator: &str,
        allow_denied: bool,
    ) -> Result<(VersionRecord, Vec<String>), ApiError> {
        let package = Package::from_bytes(bytes, runtime.package_limits())
            .map_err(|e| ApiError::bad_request(format!("the package is refused: {e}")))?;
        let id = package.manifest.id.clone();
        if let Some(app) = app.filter(|a| *a != id) {
            return Err(ApiError::bad_request(format!(
                "the package is app `{id}`, not `{app}`"
            )));
        }
        let hash = package.hash.clone();
        let version = package.manifest.version.clone();
        // Refused before it is compiled; checked again as it is stored.
        if let Some(record) = self.app(&id) {
            record.check_number(&id, &version, &hash)?;
        }
        let loaded = runtime
            .load(package)
            .map_err(|e| ApiError::bad_request(format!("the package is refused: {e}")))?;
        let warnings = denied(runtime.policy(), loaded.manifest(), loaded.grants());
        if !warnings.is_empty() && !allow_denied {
            return Err(ApiError::denied(format!(
                "app `{id}` declares what the policy does not grant, so every call that uses it \
                 would be denied: {}; allow it in the policy, or publish anyway with \
                 `?allow-denied=true` (`miniapp serve --allow-denied` at start)",
                warnings.join("; ")
            )));
        }
        (self.store.put_package(&hash, bytes))
            .map_err(|e| ApiError::internal(format!("cannot keep the package: {e}")))?;
        self.lock_loaded().insert(hash.clone(), loaded);
        let record = VersionRecord {
            hash: hash.clone(),
            version,
            bytes: bytes.len() as u64,
            published_by: operator.to_string(),
            published_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let mut kept = record.clone();
        self.edit(&id, true, |app| {
            app.check_number(&id, &record.version, &hash)?;
            match app.versions.iter().find(|v| v.hash == hash) {
                // The same package again: no change, the first record kept.
                Some(first) => kept = first.clone(),
                None => app.versions.push(record.clone()),
            }
            if app.stable.is_none() {
                make_stable(app, &hash);
            }
            Ok(())
        })?;
        Ok((kept, warnings))
    }

    /// Change the record of `app` (a published app) with `edit`, then store
    /// the book durably; an edit that fails or cannot be stored changes
    /// nothing. If another node changed the record since this one read it,
    /// the stored book is taken and `edit` made again on it (so it may run
    /// more than once; what it checks, it checks against the stored record).
    pub fn change(
        &self,
        app: &str,
        edit: impl FnMut(&mut AppRecord) -> Result<(), ApiError>,
    ) -> Result<AppRecord, ApiError> {
        self.edit(app, false, edit)
    }

    /// [`change`](Self::change), making the record if `create`.
    fn edit(
        &self,
        app: &str,
        create: bool,
        mut edit: impl FnMut(&mut AppRecord) -> Result<(), ApiError>,
    ) -> Result<AppRecord, ApiError> {
        for _ in 0..CHANGE_ATTEMPTS {
            let mut book = self.lock();
            let mut next = book.clone();
            if !create && !next.apps.contains_key(app) {
                return Err(ApiError::not_found(format!(
                    "no app `{app}` is published here"
                )));
            }
            let record = next.apps.entry(app.to_string()).or_default();
            edit(record)?;
            let record = record.clone();
            let saved = (self.store.save_over(&next, app, book.apps.get(app)))
                .map_err(|e| ApiError::internal(format!("cannot store the catalog: {e}")))?;
            if let Some(version) = saved {
                *book = next;
                self.version
                    .store(version, std::sync::atomic::Ordering::Relaxed);
                return Ok(record);
            }
            // Another node changed the record first: take the stored book.
            let (stored, version) = (self.store.load())
                .map_err(|e| ApiError::internal(format!("cannot read the catalog: {e}")))?;
            *book = stored;
            self.version
                .store(version, std::sync::atomic::Ordering::Relaxed);
        }
        Err(ApiError::unavailable(format!(
            "the record of `{app}` was changed on other nodes {CHANGE_ATTEMPTS} times while \
             this change was made; try again"
        )))
    }
}

/// Make `hash` the stable version, remembered for rollback.
pub fn make_stable(app: &mut AppRecord, hash: &str) {
    app.stable = Some(hash.to_string());
    app.history.retain(|h| h != hash);
    app.history.push(hash.to_string());
    let excess = app.history.len().saturating_sub(ROLLBACK_DEPTH);
    app.history.drain(..excess);
}

/// Write `bytes` to `path` through a temporary file, synced, renamed over.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// What `manifest` declares that `grants` leaves out, one line each: the
/// capability or origin, and the policy key that allows it (or that the
/// host does not offer it). Empty when everything declared is granted.
pub fn denied(policy: &Policy, manifest: &Manifest, grants: &Grants) -> Vec<String> {
    let id = &manifest.id;
    let mut denied = Vec::new();
    for capability in &manifest.permissions {
        if grants.capabilities.contains(capability) {
            continue;
        }
        denied.push(if policy.host.capabilities.contains(capability) {
            format!(
                "capability `{capability}` (add \"{capability}\" to `permissions` under \
                 [apps.\"{id}\"] or [defaults] in the policy)"
            )
        } else {
            format!("capability `{capability}` (this host does not offer it: [host] capabilities)")
        });
    }
    for origin in &manifest.origins {
        let granted = Origin::parse(origin).is_ok_and(|o| grants.origins.contains(&o));
        if !granted {
            denied.push(format!(
                "origin `{origin}` (add \"{origin}\" to `origins` under [apps.\"{id}\"] \
                 or [defaults] in the policy)"
            ));
        }
    }
    denied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_stable_and_spread() {
        assert_eq!(bucket("a", "u"), bucket("a", "u"));
        let under_half = (0..10_000)
            .filter(|i| bucket("demo.todo", &format!("user-{i}")) < 5_000)
            .count();
        assert!((4_700..5_300).contains(&under_half), "{under_half}");
    }

    /// A record of before numbers were unique: `0.1.0` published twice,
    /// with other content.
    const LEGACY: &str = r#"{
        "versions": [
            {"hash": "aa11", "version": "0.1.0", "bytes": 1, "published_by": "ops", "published_at": 1},
            {"hash": "bb22", "version": "0.1.0", "bytes": 2, "published_by": "ops", "published_at": 2},
            {"hash": "cc33", "version": "0.2.0", "bytes": 3, "published_by": "ops", "published_at": 3}
        ],
        "stable": "bb22", "history": ["aa11", "bb22"], "release": null,
        "killed": null, "killed_versions": {}, "min_host_api": null
    }"#;

    #[test]
    fn versions_are_found_by_number_or_hash_and_old_duplicates_only_by_hash() {
        let record: AppRecord = serde_json::from_str(LEGACY).unwrap();
        assert_eq!(record.find("a", "0.2.0").unwrap().hash, "cc33");
        assert_eq!(record.find("a", "bb22").unwrap().hash, "bb22");
        let ambiguous = record.find("a", "0.1.0").unwrap_err();
        assert_eq!(ambiguous.status, 400);
        assert!(ambiguous.message.contains("aa11, bb22"), "{ambiguous}");
        let unknown = record.find("a", "0.3.0").unwrap_err();
        assert_eq!(unknown.status, 404);
        assert!(
            unknown.message.contains("published: 0.2.0, 0.1.0, 0.1.0"),
            "{unknown}"
        );
        assert_eq!(record.status()["stable"]["version"], "0.1.0");
        assert_eq!(record.status()["stable"]["hash"], "bb22");
    }

    #[test]
    fn a_number_is_published_once_and_the_same_package_again_is_no_change() {
        let record: AppRecord = serde_json::from_str(LEGACY).unwrap();
        assert_eq!(record.check_number("a", "0.2.0", "cc33"), Ok(()));
        assert_eq!(record.check_number("a", "0.3.0", "dd44"), Ok(()));
        let refused = record.check_number("a", "0.2.0", "dd44").unwrap_err();
        assert_eq!((refused.status.as_u16(), refused.kind), (409, "conflict"));
        for named in ["version 0.2.0 of `a`", "(hash cc33)", "hash is dd44"] {
            assert!(refused.message.contains(named), "{refused}");
        }
    }

    #[test]
    fn host_api_versions_compare_by_number() {
        assert!(at_least("0.10.0", "0.9.1"));
        assert!(!at_least("0.1.0", "0.2"));
        assert!(at_least("0.1.0", "0.1.0"));
    }
}
