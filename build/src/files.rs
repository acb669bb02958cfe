//! The crate's files a package holds (its views and assets, which the
//! simulator then serves), read through a [`cap_std::fs::Dir`] opened on
//! their directory: nothing outside it is packed, so a symlink that leads
//! out (`assets/key -> ~/.ssh/id_ed25519`) is refused by name instead of
//! followed, as the apps' temp areas refuse what leads out of theirs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cap_std::fs::Dir;

use crate::BuildError;

/// The crate's view and config files: `pages/**/*.wxml`,
/// `pages/**/*.wxss`, `pages/**/*.json`, `app.wxss` and `app.json`, by
/// their paths in the package.
pub(crate) fn read_views(crate_dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, BuildError> {
    let view = |name: &str| {
        [".wxml", ".wxss", ".json"]
            .iter()
            .any(|e| name.ends_with(e))
    };
    let mut views = read_assets(&crate_dir.join("pages"), "pages/", view)?;
    let root = open(crate_dir)?;
    for file in ["app.wxss", "app.json"] {
        if let Some(bytes) = read_file(&root, crate_dir, Path::new(file))? {
            views.insert(file.into(), bytes);
        }
    }
    Ok(views)
}

/// The crate's `app.json` as text, if it has one.
pub(crate) fn read_app_json(crate_dir: &Path) -> Result<Option<String>, BuildError> {
    let root = open(crate_dir)?;
    let Some(bytes) = read_file(&root, crate_dir, Path::new("app.json"))? else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| BuildError::NotAnApp {
            path: crate_dir.join("app.json").display().to_string(),
            reason: "app.json is not UTF-8 text".into(),
        })
}

/// Read every file under `dir` (if it exists) whose name `wanted` accepts,
/// keyed by `prefix` and its relative path. A symlink is packed as the
/// file it names when that file is under `dir`; one that leads out of
/// `dir`, or to a directory, is refused.
pub(crate) fn read_assets(
    dir: &Path,
    prefix: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, Vec<u8>>, BuildError> {
    let mut assets = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(assets);
    }
    let root = open(dir)?;
    let mut pending = vec![PathBuf::new()];
    while let Some(current) = pending.pop() {
        let entries = match current.as_os_str().is_empty() {
            true => root.entries(),
            false => root.read_dir(&current),
        };
        for entry in entries.map_err(|e| io(&dir.join(&current), e))? {
            let entry = entry.map_err(|e| io(&dir.join(&current), e))?;
            let relative = current.join(entry.file_name());
            let kind = entry.file_type().map_err(|e| io(&dir.join(&relative), e))?;
            if kind.is_dir() {
                pending.push(relative);
                continue;
            }
            if !wanted(&entry.file_name().to_string_lossy()) {
                continue;
            }
            if let Some(bytes) = read_file(&root, dir, &relative)? {
                let key = (relative.components())
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                assets.insert(format!("{prefix}{key}"), bytes);
            }
        }
    }
    Ok(assets)
}

/// The bytes of `relative` under `root` (the directory `dir`), following a
/// symlink only within it; `None` if there is no such file.
fn read_file(root: &Dir, dir: &Path, relative: &Path) -> Result<Option<Vec<u8>>, BuildError> {
    let path = dir.join(relative);
    let link = match root.symlink_metadata(relative) {
        Ok(meta) => meta.is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path, e)),
    };
    let refused = |reason: String| BuildError::NotAnApp {
        path: path.display().to_string(),
        reason,
    };
    let meta = root.metadata(relative).map_err(|e| match link {
        true => refused(format!(
            "a symlink that leads out of {} (or nowhere) is not packed: {e}",
            dir.display()
        )),
        false => io(&path, e),
    })?;
    if !meta.is_file() {
        return match link {
            true => Err(refused("a symlink to a directory is not packed".into())),
            false => Ok(None),
        };
    }
    root.read(relative).map(Some).map_err(|e| io(&path, e))
}

fn open(dir: &Path) -> Result<Dir, BuildError> {
    Dir::open_ambient_dir(dir, cap_std::ambient_authority()).map_err(|e| io(dir, e))
}

fn io(path: &Path, e: std::io::Error) -> BuildError {
    BuildError::NotAnApp {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::{read_assets, read_views};

    /// A crate directory with `assets/` holding `a.png` and `sub/b.txt`,
    /// and a secret beside the crate.
    fn crate_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), "the developer's").unwrap();
        let assets = dir.path().join("app/assets");
        std::fs::create_dir_all(assets.join("sub")).unwrap();
        std::fs::write(assets.join("a.png"), "png").unwrap();
        std::fs::write(assets.join("sub/b.txt"), "b").unwrap();
        dir
    }

    #[test]
    fn assets_are_read_by_their_paths_and_a_symlink_within_as_its_file() {
        let dir = crate_dir();
        let assets = dir.path().join("app/assets");
        symlink("sub/b.txt", assets.join("also-b.txt")).unwrap();
        let read = read_assets(&assets, "", |_| true).unwrap();
        let keys: Vec<&str> = read.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a.png", "also-b.txt", "sub/b.txt"]);
        assert_eq!(read["also-b.txt"], b"b");
    }

    #[test]
    fn a_symlink_out_of_the_directory_is_refused_by_name() {
        for (link, to) in [("key", "../../secret"), ("abs", "/etc/hostname")] {
            let dir = crate_dir();
            let assets = dir.path().join("app/assets");
            symlink(to, assets.join("sub").join(link)).unwrap();
            let err = read_assets(&assets, "", |_| true).unwrap_err().to_string();
            assert!(err.contains(&format!("sub/{link}")), "{err}");
            assert!(err.contains("leads out of"), "{err}");
        }
    }

    #[test]
    fn an_app_wxss_that_leads_out_of_the_crate_is_refused() {
        let dir = crate_dir();
        let app = dir.path().join("app");
        symlink("../secret", app.join("app.wxss")).unwrap();
        let err = read_views(&app).unwrap_err().to_string();
        assert!(
            err.contains("app.wxss") && err.contains("leads out of"),
            "{err}"
        );
        std::fs::remove_file(app.join("app.wxss")).unwrap();
        std::fs::write(app.join("app.wxss"), ".a { color: red; }").unwrap();
        assert_eq!(read_views(&app).unwrap()["app.wxss"], b".a { color: red; }");
    }
}
