//! The compiled-artifact cache: a package's component is compiled once; later
//! loads, in this process or a new one, map the stored artifact instead.
//!
//! An entry is keyed by the package's content hash, the engine's
//! configuration and the wasmtime version, and written atomically (temporary
//! file, then rename). Deserializing an artifact is `unsafe` (it is machine
//! code), so the runtime only deserializes files it wrote itself and whose
//! integrity it checked: every artifact (`<key>.cwasm`) has a BLAKE3 keyed
//! hash beside it (`<key>.mac`) under a secret key that only this cache
//! directory holds (`cache.key`, mode 0600).
//! A corrupted, truncated or foreign entry fails the check (or wasmtime's own
//! compatibility check), is reported once, and is rebuilt; it never crashes
//! the host.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use miniapp_config::Quotas;
use wasmtime::Engine;
use wasmtime::component::Component;

/// What an entry holds, in its key: since snapshots, the component as the
/// runtime compiles it (pre-initialised if it exports the init), so an
/// artifact written before (the component as built) is never read as one.
const ENTRY_FORMAT: &str = "pre-initialised-1";

/// Bytes of an entry's keyed hash.
const MAC_LEN: usize = 32;

/// How a component was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Already loaded in this process.
    InMemory,
    /// Mapped from a verified artifact on disk.
    Disk,
    /// Compiled (no entry yet) and stored.
    Compiled,
    /// The entry on disk was unusable; compiled again and stored. Says why.
    Rebuilt(String),
}

/// A directory of compiled artifacts.
pub struct ArtifactCache {
    dir: PathBuf,
    secret: [u8; 32],
    engine_key: String,
    loaded: Mutex<HashMap<String, Component>>,
    reported: Mutex<HashSet<String>>,
}

impl ArtifactCache {
    /// Open (or create) the cache in `dir` for `engine`.
    pub fn open(dir: &Path, engine: &Engine) -> std::io::Result<ArtifactCache> {
        std::fs::create_dir_all(dir)?;
        restrict(dir, 0o700)?;
        let secret = load_or_create_secret(&dir.join("cache.key"))?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());
        Ok(ArtifactCache {
            dir: dir.to_path_buf(),
            secret,
            engine_key,
            loaded: Mutex::default(),
            reported: Mutex::default(),
        })
    }

    /// The artifact file of a package with content hash `hash`; its keyed
    /// hash is kept beside it, in the same name with `.mac`.
    pub fn entry_path(&self, hash: &str) -> PathBuf {
        // The engine hash covers its configuration and the wasmtime version.
        let key = blake3::hash(format!("{hash}/{}/{ENTRY_FORMAT}", self.engine_key).as_bytes());
        self.dir.join(format!("{}.cwasm", &key.to_hex()[..32]))
    }

    /// The component of the package with content hash `hash`: from memory,
    /// from a verified artifact, or compiled from `wasm` (pre-initialised
    /// within `quotas` if it exports the init: see `platform::check_init`) and
    /// stored.
    pub fn component(
        &self,
        engine: &Engine,
        hash: &str,
        wasm: &[u8],
        quotas: &Quotas,
    ) -> Result<(Component, CacheOutcome), String> {
        if let Some(component) = self.lock_loaded().get(hash) {
            return Ok((component.clone(), CacheOutcome::InMemory));
        }
        let path = self.entry_path(hash);
        let (component, outcome) = match self.read_verified(engine, &path) {
            Ok(Some(component)) => (component, CacheOutcome::Disk),
            Ok(None) => (
                self.compile_and_store(engine, wasm, quotas, &path)?,
                CacheOutcome::Compiled,
            ),
            Err(reason) => {
                self.report_once(&path, &reason);
                let component = self.compile_and_store(engine, wasm, quotas, &path)?;
                (component, CacheOutcome::Rebuilt(reason))
            }
        };
        self.lock_loaded()
            .insert(hash.to_string(), component.clone());
        Ok((component, outcome))
    }

    /// Forget the components loaded in this process.
    pub fn forget_loaded(&self) {
        self.lock_loaded().clear();
    }

    fn lock_loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, Component>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Ok(None)` when there is no entry; `Err` when it is unusable.
    fn read_verified(&self, engine: &Engine, path: &Path) -> Result<Option<Component>, String> {
        let mac = match std::fs::read(path.with_extension("mac")) {
            Ok(mac) => mac,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(format!(
                    "cannot read the keyed hash of {}: {e}",
                    path.display()
                ));
            }
        };
        // Hash the artifact through a read-only mapping of the page cache:
        // no copy, and wasmtime then maps the same pages.
        let mut hasher = blake3::Hasher::new_keyed(&self.secret);
        match hasher.update_mmap(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
        let expected: Option<[u8; MAC_LEN]> = mac.as_slice().try_into().ok();
        // blake3::Hash compares in constant time.
        if expected.map(blake3::Hash::from) != Some(hasher.finalize()) {
            return Err(format!(
                "{} failed its integrity check (corrupted, truncated or not written by this runtime)",
                path.display()
            ));
        }
        // SAFETY: the file holds exactly the bytes this cache serialized with
        // `Engine::precompile_component`, and its keyed hash under a secret
        // that only this cache directory (mode 0700, key file 0600) holds
        // was recomputed over the file's contents just now and matched, so it
        // is what this runtime wrote. Entries are only ever replaced whole
        // (written to a temporary file, then renamed), so the file wasmtime
        // maps next is the one verified unless someone with this user's
        // rights rewrites the private cache directory in between, which is
        // outside what the cache defends against. wasmtime also checks the
        // artifact's engine configuration and version and refuses a mismatch
        // with an error.
        let component = unsafe { Component::deserialize_file(engine, path) }
            .map_err(|e| format!("{} is not usable by this engine: {e}", path.display()))?;
        Ok(Some(component))
    }

    fn compile_and_store(
        &self,
        engine: &Engine,
        wasm: &[u8],
        quotas: &Quotas,
        path: &Path,
    ) -> Result<Component, String> {
        let artifact = compile(engine, wasm, quotas)?;
        if let Err(e) = self.store(path, &artifact) {
            self.report_once(path, &format!("cannot write {}: {e}", path.display()));
        }
        // SAFETY: `artifact` was produced just now by this engine's
        // `precompile_component` in this process.
        unsafe { Component::deserialize(engine, &artifact) }
            .map_err(|e| format!("cannot load the compiled component: {e:#}"))
    }

    /// Write the artifact, then its keyed hash, each atomically; a crash in
    /// between leaves an artifact without a hash, which reads as missing.
    fn store(&self, path: &Path, artifact: &[u8]) -> std::io::Result<()> {
        let mac = blake3::keyed_hash(&self.secret, artifact);
        let _ = std::fs::remove_file(path.with_extension("mac"));
        write_atomically(&self.dir, path, artifact)?;
        write_atomically(&self.dir, &path.with_extension("mac"), mac.as_bytes())
    }

    fn report_once(&self, path: &Path, reason: &str) {
        let first = self
            .reported
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.display().to_string());
        if first {
            tracing::warn!("artifact cache: {reason}; rebuilding");
            eprintln!("warning: artifact cache: {reason}; rebuilding");
        }
    }

    /// Compile `wasm` ahead of time into the entry for `hash`, unless a
    /// verified entry exists. Returns whether it compiled.
    pub fn precompile(
        &self,
        engine: &Engine,
        hash: &str,
        wasm: &[u8],
        quotas: &Quotas,
    ) -> Result<bool, String> {
        let path = self.entry_path(hash);
        match self.read_verified(engine, &path) {
            Ok(Some(_)) => Ok(false),
            Ok(None) | Err(_) => {
                self.compile_and_store(engine, wasm, quotas, &path)?;
                Ok(true)
            }
        }
    }
}

/// The artifact of `wasm` for `engine`: its pre-initialised snapshot
/// compiled if it exports the init, else itself compiled.
fn compile(engine: &Engine, wasm: &[u8], quotas: &Quotas) -> Result<Vec<u8>, String> {
    let snapshot = crate::snapshot::pre_initialise(engine, wasm, quotas)?;
    engine
        .precompile_component(snapshot.as_deref().unwrap_or(wasm))
        .map_err(|e| format!("its component is not a valid WebAssembly component: {e:#}"))
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn load_or_create_secret(path: &Path) -> std::io::Result<[u8; 32]> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() == 32 => {
            let mut secret = [0u8; 32];
            secret.copy_from_slice(&bytes);
            return Ok(secret);
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // A missing or damaged key: a new one (every old entry fails its check
    // and is rebuilt).
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| std::io::Error::other(e.to_string()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    restrict(file.path(), 0o600)?;
    file.write_all(&secret)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(secret)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}
