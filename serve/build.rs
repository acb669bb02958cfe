//! Names the wasmtime this server is built with (from the workspace's
//! `Cargo.lock`) for `miniapp_build_info`.

fn main() {
    // Read when the script runs, not when it was compiled: a build script
    // compiled for one checkout can be run for another.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let lock = std::path::Path::new(&manifest_dir).join("../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let version = wasmtime_version(&text).unwrap_or("unknown");
    println!("cargo::rustc-env=MINIAPP_WASMTIME_VERSION={version}");
}

/// The version of the package named `wasmtime` in a `Cargo.lock`.
fn wasmtime_version(lock: &str) -> Option<&str> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasmtime\"" {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return version.strip_suffix('"');
        }
    }
    None
}
