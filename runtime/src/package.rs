//! A mini-program package: one file holding the app's component, its
//! manifest and its assets, with a content hash checked at load.
//!
//! Layout: the magic `MINIAPP\0`, a little-endian `u32` format version, the
//! BLAKE3 hash of the body (32 bytes), then the body: bincode 2
//! (`config::standard()`, through serde) of
//! `{ manifest: String, component: bytes, assets: [(path, bytes)] }`.
//! The format number names the whole layout, the body's encoding included:
//! moving off bincode (unmaintained, RUSTSEC-2025-0141) is a new format.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use miniapp_config::{Manifest, ManifestError};

const MAGIC: &[u8; 8] = b"MINIAPP\0";
/// Format 2: BLAKE3 content hash (format 1 used SHA-256).
const FORMAT: u32 = 2;
const HEADER_LEN: usize = MAGIC.len() + 4 + 32;

/// The usual file extension of a package.
pub const EXTENSION: &str = "miniapp";

/// Size bounds on packages, as the platforms set them (2 MiB main, 20 MiB total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PackageLimits {
    /// Bytes of the whole package file (default 20 MiB).
    pub total_bytes: u64,
    /// Bytes of the app's component (default 2 MiB).
    pub component_bytes: u64,
    /// Bytes of each subpackage's files, those under its root (default
    /// 2 MiB, as on WeChat).
    pub subpackage_bytes: u64,
}

impl Default for PackageLimits {
    fn default() -> Self {
        PackageLimits {
            total_bytes: 20 * 1024 * 1024,
            component_bytes: 2 * 1024 * 1024,
            subpackage_bytes: miniapp_config::sub_packages::MAX_SUB_PACKAGE_BYTES,
        }
    }
}

/// A package whose hash, size and manifest have been checked.
#[derive(Debug, Clone)]
pub struct Package {
    /// The validated manifest.
    pub manifest: Manifest,
    /// The app's WebAssembly component.
    pub component: Vec<u8>,
    /// Assets by relative path.
    pub assets: BTreeMap<String, Vec<u8>>,
    /// BLAKE3 hash of the package body, hex.
    pub hash: String,
    /// Bytes of the package file.
    pub size: u64,
}

#[derive(Serialize, Deserialize)]
struct Body {
    manifest: String,
    // Bytes as one slice, not element by element (the same encoding, decoded
    // hundreds of times faster).
    #[serde(with = "serde_bytes")]
    component: Vec<u8>,
    assets: Vec<Asset>,
}

#[derive(Serialize, Deserialize)]
struct Asset {
    path: String,
    #[serde(with = "serde_bytes")]
    data: Vec<u8>,
}

/// Why a package was refused.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file does not start with the package magic.
    #[error("not a miniapp package (bad magic bytes)")]
    NotAPackage,
    /// A format this runtime does not read.
    #[error(
        "package format {0} is not supported (this runtime reads format {FORMAT}); rebuild it with `miniapp build`"
    )]
    UnsupportedFormat(u32),
    /// Larger than a limit.
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// What is too large (`package`, `component`).
        what: &'static str,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A subpackage's files over [`PackageLimits::subpackage_bytes`].
    #[error(
        "subpackage `{name}` is {size} bytes (its files under {root}/), over the limit of {limit} bytes a subpackage may hold"
    )]
    SubPackageTooLarge {
        /// Its name, or its root if it has none.
        name: String,
        /// Its root folder.
        root: String,
        /// Bytes of its files.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A page whose `preloadRule` sends more than WeChat's 2 MB, at
    /// `app.json:line:col`.
    #[error("{0}")]
    PreloadTooLarge(String),
    /// The body does not match the recorded hash.
    #[error(
        "content hash mismatch: recorded {recorded}, actual {actual} (the file is corrupted or was altered)"
    )]
    HashMismatch {
        /// Hash in the header.
        recorded: String,
        /// Hash of the body.
        actual: String,
    },
    /// The body could not be decoded.
    #[error("package body is malformed: {0}")]
    Malformed(String),
    /// The manifest inside is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// An asset path is unsafe or duplicated.
    #[error("asset `{path}`: {reason}")]
    Asset {
        /// The asset's path.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
}

impl Package {
    /// Build a package from its parts, checking them as a load would.
    pub fn new(
        manifest: Manifest,
        component: Vec<u8>,
        assets: BTreeMap<String, Vec<u8>>,
        limits: &PackageLimits,
    ) -> Result<Package, PackageError> {
        manifest.validate()?;
        let body = Body {
            manifest: manifest.to_toml(),
            component,
            assets: assets
                .into_iter()
                .map(|(path, data)| Asset { path, data })
                .collect(),
        };
        let bytes = encode(&body)?;
        Package::from_bytes(&bytes, limits)
    }

    /// Read and check a package file.
    pub fn read(path: &Path, limits: &PackageLimits) -> Result<Package, PackageError> {
        let size = std::fs::metadata(path)?.len();
        check_size("package", size, limits.total_bytes)?;
        let bytes = std::fs::read(path)?;
        Package::from_bytes(&bytes, limits)
    }

    /// Check and decode a package from its bytes.
    pub fn from_bytes(bytes: &[u8], limits: &PackageLimits) -> Result<Package, PackageError> {
        check_size("package", bytes.len() as u64, limits.total_bytes)?;
        if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
            return Err(PackageError::NotAPackage);
        }
        let format = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if format != FORMAT {
            return Err(PackageError::UnsupportedFormat(format));
        }
        let recorded = hex::encode(&bytes[12..HEADER_LEN]);
        let body_bytes = &bytes[HEADER_LEN..];
        let actual = blake3::hash(body_bytes).to_hex().to_string();
        if recorded != actual {
            return Err(PackageError::HashMismatch { recorded, actual });
        }
        let config = bincode::config::standard().with_limit::<{ 64 * 1024 * 1024 }>();
        let (body, used): (Body, usize) = bincode::serde::decode_from_slice(body_bytes, config)
            .map_err(|e| PackageError::Malformed(e.to_string()))?;
        if used != body_bytes.len() {
            return Err(PackageError::Malformed(
                "trailing bytes after the body".into(),
            ));
        }
        check_size(
            "component",
            body.component.len() as u64,
            limits.component_bytes,
        )?;
        let manifest = Manifest::from_toml(&body.manifest)?;
        let mut assets = BTreeMap::new();
        for Asset { path, data } in body.assets {
            check_asset_path(&path)?;
            if assets.insert(path.clone(), data).is_some() {
                return Err(PackageError::Asset {
                    path,
                    reason: "appears twice",
                });
            }
        }
        let files = assets
            .iter()
            .map(|(path, data)| (path.as_str(), data.len()));
        check_sub_packages(
            files,
            assets.get(miniapp_config::app_json::APP_JSON),
            limits,
        )?;
        Ok(Package {
            manifest,
            component: body.component,
            assets,
            hash: actual,
            size: bytes.len() as u64,
        })
    }

    /// The package file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PackageError> {
        encode(&Body {
            manifest: self.manifest.to_toml(),
            component: self.component.clone(),
            assets: self
                .assets
                .iter()
                .map(|(path, data)| Asset {
                    path: path.clone(),
                    data: data.clone(),
                })
                .collect(),
        })
    }

    /// Write the package to `path` atomically (a temporary file, then a rename).
    pub fn write(&self, path: &Path) -> Result<(), PackageError> {
        let bytes = self.to_bytes()?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(&bytes)?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn encode(body: &Body) -> Result<Vec<u8>, PackageError> {
    let body_bytes = bincode::serde::encode_to_vec(body, bincode::config::standard())
        .map_err(|e| PackageError::Malformed(e.to_string()))?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + body_bytes.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(blake3::hash(&body_bytes).as_bytes());
    bytes.extend_from_slice(&body_bytes);
    Ok(bytes)
}

/// Each subpackage's files (`files`, path and size, under its root) within
/// `limits.subpackage_bytes`, and each page's preloads (`preloadRule`),
/// and those of one package's pages together, within WeChat's 2 MB, as
/// `app_json` declares them (one that does not
/// parse is the config check's to refuse: nothing to count here).
pub fn check_sub_packages<'a>(
    files: impl IntoIterator<Item = (&'a str, usize)>,
    app_json: Option<&Vec<u8>>,
    limits: &PackageLimits,
) -> Result<(), PackageError> {
    let packages = (app_json.and_then(|bytes| std::str::from_utf8(bytes).ok()))
        .and_then(|text| miniapp_config::AppConfig::parse(text).ok())
        .map(|config| config.sub_packages)
        .unwrap_or_default();
    if packages.list.is_empty() {
        return Ok(());
    }
    let mut sizes: BTreeMap<&str, u64> = BTreeMap::new();
    for (path, size) in files {
        if let Some(package) = packages.of_file(path) {
            *sizes.entry(package.root.as_str()).or_default() += size as u64;
        }
    }
    for package in &packages.list {
        let size = sizes.get(package.root.as_str()).copied().unwrap_or(0);
        if size > limits.subpackage_bytes {
            return Err(PackageError::SubPackageTooLarge {
                name: package.label().to_string(),
                root: package.root.clone(),
                size,
                limit: limits.subpackage_bytes,
            });
        }
    }
    let limit = miniapp_config::sub_packages::MAX_PRELOAD_BYTES;
    for rule in &packages.preload {
        let sizes = rule
            .packages
            .iter()
            .map(|root| sizes.get(root.as_str()).copied().unwrap_or(0));
        let total: u64 = sizes.sum();
        if total > limit {
            return Err(PackageError::PreloadTooLarge(format!(
                "app.json:{}:{}: page `{}` preloads {total} bytes of subpackages ({}), over WeChat's limit of {limit} bytes of preloads per page",
                rule.place.line,
                rule.place.col,
                rule.route,
                rule.packages.join(", ")
            )));
        }
    }
    preloads_by_package(&packages, &sizes, limit)
}

/// The pages of one package (the main one, or a subpackage) share one
/// `limit` of preloads, as on WeChat ("A preloads 0.5M, B in the same
/// package at most 1.5M"); a package two of them preload counts once.
fn preloads_by_package(
    packages: &miniapp_config::sub_packages::SubPackages,
    sizes: &BTreeMap<&str, u64>,
    limit: u64,
) -> Result<(), PackageError> {
    let mut groups: BTreeMap<Option<&str>, Vec<&miniapp_config::sub_packages::PreloadRule>> =
        BTreeMap::new();
    for rule in &packages.preload {
        let owner = packages.of_route(&rule.route).map(|p| p.root.as_str());
        let group = groups.entry(owner).or_default();
        group.push(rule);
        let mut roots: Vec<&str> = group
            .iter()
            .flat_map(|r| &r.packages)
            .map(String::as_str)
            .collect();
        roots.sort_unstable();
        roots.dedup();
        let total: u64 = roots
            .iter()
            .map(|root| sizes.get(root).copied().unwrap_or(0))
            .sum();
        if total > limit {
            let whose = match owner {
                None => "the main package's pages".to_string(),
                Some(root) => format!("subpackage `{root}`'s pages"),
            };
            let each: Vec<String> = group
                .iter()
                .map(|r| format!("{}: {}", r.route, r.packages.join(", ")))
                .collect();
            return Err(PackageError::PreloadTooLarge(format!(
                "app.json:{}:{}: {whose} preload {total} bytes of subpackages together ({}), over WeChat's limit of {limit} bytes of preloads the pages of one package share",
                rule.place.line,
                rule.place.col,
                each.join("; ")
            )));
        }
    }
    Ok(())
}

fn check_size(what: &'static str, size: u64, limit: u64) -> Result<(), PackageError> {
    if size > limit {
        return Err(PackageError::TooLarge { what, size, limit });
    }
    Ok(())
}

fn check_asset_path(path: &str) -> Result<(), PackageError> {
    let bad = |reason| {
        Err(PackageError::Asset {
            path: path.to_string(),
            reason,
        })
    };
    if path.is_empty() || path.len() > 256 {
        return bad("path must be 1 to 256 bytes");
    }
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return bad("path must be relative");
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return bad("path must not contain empty, `.` or `..` parts");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> Package {
        let manifest = Manifest::from_toml(
            "id = \"demo.pkg\"\nname = \"Pkg\"\nversion = \"1.0.0\"\npages = [\"index\"]",
        )
        .unwrap();
        let assets = [("img/logo.txt".to_string(), b"logo".to_vec())].into();
        Package::new(
            manifest,
            b"\0asm fake".to_vec(),
            assets,
            &PackageLimits::default(),
        )
        .unwrap()
    }

    #[test]
    fn round_trips_and_keeps_its_hash() {
        let p = package();
        let bytes = p.to_bytes().unwrap();
        let q = Package::from_bytes(&bytes, &PackageLimits::default()).unwrap();
        assert_eq!(q.hash, p.hash);
        assert_eq!(q.manifest, p.manifest);
        assert_eq!(q.assets["img/logo.txt"], b"logo");
    }

    /// A package written by this format's first release: format 2 must
    /// keep reading it. A change of the body's encoding (bincode 2,
    /// `config::standard()`, through serde) breaks this test, and must come
    /// with a new `FORMAT` instead.
    const FORMAT_2_PACKAGE: &str = "4d494e494150500002000000fd8282c63d04db22c0b99d2d28261d51678dbfd7baeefb88c63d1a5f00bf0456416964203d202264656d6f2e706b67220a6e616d65203d2022506b67220a76657273696f6e203d2022312e302e30220a7061676573203d205b22696e646578225d0a090061736d2066616b65010c696d672f6c6f676f2e747874046c6f676f";

    #[test]
    fn format_2_reads_the_packages_it_always_read() {
        let bytes = hex::decode(FORMAT_2_PACKAGE).unwrap();
        let p = Package::from_bytes(&bytes, &PackageLimits::default()).unwrap();
        assert_eq!(p.manifest, package().manifest);
        assert_eq!(p.component, b"\0asm fake");
        assert_eq!(p.assets["img/logo.txt"], b"logo");
        assert_eq!(hex::encode(package().to_bytes().unwrap()), FORMAT_2_PACKAGE);
    }

    #[test]
    fn another_format_is_refused_with_the_way_out() {
        let mut bytes = package().to_bytes().unwrap();
        bytes[8..12].copy_from_slice(&3u32.to_le_bytes());
        let err = Package::from_bytes(&bytes, &PackageLimits::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "package format 3 is not supported (this runtime reads format 2); rebuild it with `miniapp build`"
        );
    }

    #[test]
    fn a_flipped_byte_is_a_hash_mismatch() {
        let mut bytes = package().to_bytes().unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let err = Package::from_bytes(&bytes, &PackageLimits::default()).unwrap_err();
        assert!(matches!(err, PackageError::HashMismatch { .. }), "{err}");
    }

    #[test]
    fn sizes_are_bounded() {
        let bytes = package().to_bytes().unwrap();
        let limits = PackageLimits {
            total_bytes: 10,
            ..Default::default()
        };
        let err = Package::from_bytes(&bytes, &limits).unwrap_err();
        assert!(
            err.to_string().contains("over the limit of 10 bytes"),
            "{err}"
        );
        let limits = PackageLimits {
            component_bytes: 4,
            ..Default::default()
        };
        let err = Package::from_bytes(&bytes, &limits).unwrap_err();
        assert!(err.to_string().starts_with("component is 9 bytes"), "{err}");
    }

    #[test]
    fn garbage_and_escaping_assets_are_refused() {
        let err = Package::from_bytes(
            b"hello world, not a package at all....",
            &PackageLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(err, PackageError::NotAPackage));
        let mut p = package();
        p.assets.insert("../etc/passwd".into(), vec![]);
        let err =
            Package::from_bytes(&p.to_bytes().unwrap(), &PackageLimits::default()).unwrap_err();
        assert!(err.to_string().contains("../etc/passwd"), "{err}");
    }
}
