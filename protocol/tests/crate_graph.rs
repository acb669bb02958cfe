//! The crate graph reads downwards: the production server, and the
//! PostgreSQL store above it, never depend on the simulator (`miniapp-dev`);
//! the three share this crate instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The workspace's root directory.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("protocol/ is in the workspace")
        .to_path_buf()
}

fn manifest(dir: &Path) -> toml::Table {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.parse()
        .unwrap_or_else(|e| panic!("{path:?} is not TOML: {e}"))
}

/// The crates of ours (a path dependency, directly or through
/// `[workspace.dependencies]`) that the crate in `dir` ships with: its
/// `[dependencies]`, by name, with their directories.
fn ours(dir: &Path, shared: &toml::Table) -> BTreeMap<String, PathBuf> {
    let manifest = manifest(dir);
    let dependencies = manifest.get("dependencies").and_then(|d| d.as_table());
    let mut found = BTreeMap::new();
    for (name, spec) in dependencies.into_iter().flatten() {
        let path = match spec.get("workspace").and_then(|w| w.as_bool()) {
            Some(true) => shared
                .get(name)
                .and_then(|s| s.get("path"))
                .and_then(|p| p.as_str())
                .map(|p| workspace().join(p)),
            _ => (spec.get("path").and_then(|p| p.as_str())).map(|p| dir.join(p)),
        };
        if let Some(path) = path {
            found.insert(name.clone(), path);
        }
    }
    found
}

/// Every crate of ours the crate in `dir` depends on, directly or not.
fn reachable(dir: &Path) -> BTreeMap<String, PathBuf> {
    let root = manifest(&workspace());
    let shared = (root.get("workspace"))
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let mut seen = BTreeMap::new();
    let mut next = vec![dir.to_path_buf()];
    while let Some(dir) = next.pop() {
        for (name, path) in ours(&dir, &shared) {
            if let std::collections::btree_map::Entry::Vacant(new) = seen.entry(name) {
                next.push(path.clone());
                new.insert(path);
            }
        }
    }
    seen
}

#[test]
fn the_server_and_its_store_never_depend_on_the_simulator() {
    for server in ["serve", "pg"] {
        let crates = reachable(&workspace().join(server));
        let names: Vec<&String> = crates.keys().collect();
        // The walk finds what it should: the runtime and this crate.
        assert!(
            crates.contains_key("miniapp-runtime") && crates.contains_key("miniapp-protocol"),
            "{server} depends on {names:?}"
        );
        // By its name or by its directory (a dependency renamed with
        // `package = ...` is keyed by the new name).
        let simulator = workspace().join("dev").canonicalize().unwrap();
        let by_path = (crates.values()).any(|p| p.canonicalize().is_ok_and(|p| p == simulator));
        assert!(
            !crates.contains_key("miniapp-dev") && !by_path,
            "{server} depends on the simulator: {names:?}"
        );
    }
}

/// The Rust files under `dir` that name `word`.
fn naming(dir: &Path, word: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(naming(&path, word));
        } else if path.extension().is_some_and(|e| e == "rs")
            && std::fs::read_to_string(&path).is_ok_and(|text| text.contains(word))
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn no_source_of_the_server_or_its_store_names_the_simulator() {
    for server in ["serve", "pg"] {
        let dir = workspace().join(server);
        assert_eq!(
            naming(&dir, "miniapp_dev"),
            Vec::<PathBuf>::new(),
            "{server}"
        );
        // The walk reads the sources: they name the runtime.
        assert!(!naming(&dir, "miniapp_runtime").is_empty(), "{server}");
    }
}
