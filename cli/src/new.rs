//! `miniapp new NAME`: scaffold a mini-program crate that builds and runs
//! on the first try.

use std::path::{Path, PathBuf};

use crate::{Failure, out};

const CARGO_TOML: &str = include_str!("../templates/app/Cargo.toml.tmpl");
const MANIFEST: &str = include_str!("../templates/app/miniapp.toml.tmpl");
const LIB_RS: &str = include_str!("../templates/app/src/lib.rs.tmpl");
const CARGO_CONFIG: &str = include_str!("../templates/app/cargo-config.toml.tmpl");
const TOOLCHAIN: &str = include_str!("../../rust-toolchain.toml");

/// The SDK this CLI was built with.
fn sdk_path() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    path.canonicalize().unwrap_or(path)
}

pub fn new(name: &str) -> Result<(), Failure> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(Failure::input(format!(
            "`{name}` is not a crate name: use lowercase letters, digits, `-` and `_`, starting with a letter"
        )));
    }
    let dir = Path::new(name);
    if dir.exists() {
        return Err(Failure::input(format!("{} already exists", dir.display())));
    }
    let sdk = sdk_path();
    if !sdk.join("Cargo.toml").is_file() {
        return Err(Failure::input(format!(
            "the miniapp SDK is not at {} (this miniapp binary was built from a checkout that moved)",
            sdk.display()
        )));
    }
    let id = format!("dev.{}", name.replace('_', "-"));
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{id}}", &id)
            .replace("{{sdk_path}}", &sdk.display().to_string())
    };
    let files = [
        ("Cargo.toml", fill(CARGO_TOML)),
        ("miniapp.toml", fill(MANIFEST)),
        ("src/lib.rs", fill(LIB_RS)),
        (".cargo/config.toml", fill(CARGO_CONFIG)),
        ("rust-toolchain.toml", TOOLCHAIN.to_string()),
        (".gitignore", "/target\n".to_string()),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().expect("a parent"))?;
            std::fs::write(&path, text)
        };
        write().map_err(|e| Failure::input(format!("cannot write {}: {e}", path.display())))?;
    }
    out::line(format!("created {name}/ (app id {id})"));
    out::line(format!(
        "next:   miniapp build {name} && miniapp run <package> --event index:tap"
    ));
    Ok(())
}
