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
/// `pages/**/*.wxss`, `pages/**/*.json`, `app.wxss`, `app.json`, every
/// file under each subpackage's root (`packageA/**`), and the files of
/// every custom component their `usingComponents` reach, by their paths
/// in the package.
pub(crate) fn read_views(crate_dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, BuildError> {
    let view = |name: &str| {
        [".wxml", ".wxss", ".json"]
            .iter()
            .any(|e| name.ends_with(e))
    };
    let mut views = read_folder(crate_dir, "pages", "pages/", view)?;
    let root = open(crate_dir)?;
    for file in ["app.wxss", "app.json"] {
        if let Some(bytes) = read_file(&root, crate_dir, Path::new(file))? {
            views.insert(file.into(), bytes);
        }
    }
    // Each subpackage's folder, whole: its pages' and components' files
    // and its images (a json that does not parse is the config check's
    // to refuse, at its place).
    let app = (views
        .get("app.json")
        .and_then(|bytes| std::str::from_utf8(bytes).ok()))
    .and_then(|text| miniapp_runtime::config::AppConfig::parse(text).ok());
    for package in app.iter().flat_map(|app| &app.sub_packages.list) {
        let prefix = format!("{}/", package.root);
        views.extend(read_folder(crate_dir, &package.root, &prefix, |_| true)?);
    }
    read_components(&root, crate_dir, &mut views)?;
    Ok(views)
}

/// Most files the build follows references to (the package check
/// refuses more components than this holds).
const MAX_FOLLOWED: usize = 2048;

/// Add to `views` the files the ones there name: the `.json`, `.wxml` and
/// `.wxss` of every component a json's `usingComponents` names (`X` or
/// `X/index`), the templates a `.wxml`'s `<import>` and `<include>` name
/// and the stylesheets a `.wxss`'s `@import` names, and so on. A file that
/// does not parse is left to the package check, which says what is wrong
/// where; what is not there is left out.
fn read_components(
    root: &Dir,
    crate_dir: &Path,
    views: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), BuildError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<String> = views.keys().cloned().collect();
    while let Some(file) = pending.pop() {
        let Some(bytes) = views.get(&file) else {
            continue;
        };
        for wanted in named_by(&file, bytes) {
            if views.contains_key(&wanted) || !seen.insert(wanted.clone()) {
                continue;
            }
            if seen.len() > MAX_FOLLOWED {
                return Ok(());
            }
            if let Some(bytes) = read_file(root, crate_dir, Path::new(&wanted))? {
                views.insert(wanted.clone(), bytes);
                pending.push(wanted);
            }
        }
    }
    Ok(())
}

/// The package files `file` (its `bytes`) names: a json's components'
/// files, a template's imports and includes, a stylesheet's imports.
fn named_by(file: &str, bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut named = Vec::new();
    if file.ends_with(".json") {
        let using = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|value| value.get("usingComponents").cloned());
        let targets = using
            .iter()
            .filter_map(|u| u.as_object())
            .flat_map(|o| o.values());
        for target in targets.filter_map(serde_json::Value::as_str) {
            if let Some(base) = miniapp_view::render::package_path(file, target) {
                for base in [base.clone(), format!("{base}/index")] {
                    named.extend(["json", "wxml", "wxss"].map(|e| format!("{base}.{e}")));
                }
            }
        }
    } else if file.ends_with(".wxml") {
        for tag in ["<import", "<include"] {
            for src in quoted_after(&text, tag, "src=") {
                named.extend(miniapp_view::render::resolve(file, &src));
            }
        }
    } else if file.ends_with(".wxss") {
        for src in quoted_after(&text, "@import", "") {
            named.extend(miniapp_view::render::package_path(file, &src));
        }
    }
    named
}

/// The quoted value after each `start` in `text` (past `key`, if given, in
/// the same tag): `<import src="a.wxml">` gives `a.wxml`.
fn quoted_after(text: &str, start: &str, key: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices(start) {
        let rest = &text[at + start.len()..];
        let rest = match key {
            "" => rest,
            key => {
                let end = rest.find('>').unwrap_or(rest.len());
                match rest[..end].find(key) {
                    Some(k) => &rest[k + key.len()..],
                    None => continue,
                }
            }
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        if let Some(end) = rest[1..].find(quote) {
            found.push(rest[1..1 + end].to_string());
        }
    }
    found
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
    if !dir.is_dir() {
        return Ok(BTreeMap::new());
    }
    read_under(open(dir)?, dir, prefix, wanted)
}

/// [`read_assets`] of the crate's folder `folder` (`assets`, `pages`, a
/// subpackage's root), opened within the crate: a folder that is, or is
/// under, a symlink leading out of `crate_dir` is refused by name, as a
/// file that does is (before, `packageA -> ~/.ssh` packed the keys).
pub(crate) fn read_folder(
    crate_dir: &Path,
    folder: &str,
    prefix: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, Vec<u8>>, BuildError> {
    let dir = crate_dir.join(folder);
    if !dir.is_dir() {
        return Ok(BTreeMap::new());
    }
    let root = open(crate_dir)?
        .open_dir(folder)
        .map_err(|e| BuildError::NotAnApp {
            path: dir.display().to_string(),
            reason: format!(
                "a folder that leads out of {} is not packed: {e}",
                crate_dir.display()
            ),
        })?;
    read_under(root, &dir, prefix, wanted)
}

/// Every file under `root` (the directory `dir`) that `wanted` accepts,
/// keyed by `prefix` and its relative path.
fn read_under(
    root: Dir,
    dir: &Path,
    prefix: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, Vec<u8>>, BuildError> {
    let mut assets = BTreeMap::new();
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
    fn the_files_of_the_components_jsons_name_are_read() {
        let dir = crate_dir();
        let app = dir.path().join("app");
        let write = |path: &str, text: &str| {
            let path = app.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "app.json",
            r#"{"usingComponents": {"card": "/components/card/card"}}"#,
        );
        write(
            "pages/index.json",
            r#"{"usingComponents": {"list": "../widgets/list"}}"#,
        );
        write("pages/index.wxml", "<card/><list/>");
        write(
            "components/card/card.json",
            r#"{"component": true, "usingComponents": {"row": "./row"}}"#,
        );
        write("components/card/card.wxml", "<row/>");
        write("components/card/card.wxss", ".a {}");
        write("components/card/row/index.json", r#"{"component": true}"#);
        write("components/card/row/index.wxml", "<text/>");
        write("widgets/list.json", r#"{"component": true}"#);
        write("widgets/list.wxml", "<view/>");
        write("widgets/unused.wxml", "<view/>");
        // What a component's files import comes too.
        write(
            "components/card/card.wxml",
            r#"<import src="../shared/cells.wxml"/><row/>"#,
        );
        write(
            "components/card/card.wxss",
            "@import '../shared/base.wxss'; .a {}",
        );
        write("components/shared/cells.wxml", r#"<include src="more"/>"#);
        write("components/shared/more.wxml", "<text/>");
        write("components/shared/base.wxss", ".b {}");
        // A path out of the crate is not followed.
        write(
            "pages/other.json",
            r#"{"usingComponents": {"x": "../../secret"}}"#,
        );
        let read = read_views(&app).unwrap();
        let keys: Vec<&str> = read.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "app.json",
                "components/card/card.json",
                "components/card/card.wxml",
                "components/card/card.wxss",
                "components/card/row/index.json",
                "components/card/row/index.wxml",
                "components/shared/base.wxss",
                "components/shared/cells.wxml",
                "components/shared/more.wxml",
                "pages/index.json",
                "pages/index.wxml",
                "pages/other.json",
                "widgets/list.json",
                "widgets/list.wxml",
            ]
        );
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

    #[test]
    fn a_pages_assets_or_subpackage_folder_that_leads_out_of_the_crate_is_refused() {
        for folder in ["pages", "market", "zoo/animals"] {
            let dir = crate_dir();
            let app = dir.path().join("app");
            let outside = dir.path().join("outside");
            std::fs::create_dir_all(&outside).unwrap();
            std::fs::write(outside.join("id_ed25519"), "the developer's key").unwrap();
            std::fs::write(
                app.join("app.json"),
                r#"{"pages": ["pages/index"], "subPackages": [
                    {"root": "market", "pages": ["fish"]},
                    {"root": "zoo/animals", "pages": ["cat"]}]}"#,
            )
            .unwrap();
            // `zoo/animals` under a `zoo` that leads out.
            let (link, to) = match folder {
                "zoo/animals" => ("zoo", dir.path().to_path_buf()),
                _ => (folder, outside.clone()),
            };
            if folder == "zoo/animals" {
                std::fs::rename(&outside, dir.path().join("animals")).unwrap();
            }
            symlink(&to, app.join(link)).unwrap();
            let err = read_views(&app).unwrap_err().to_string();
            assert!(
                err.contains(&format!("app/{folder}")) && err.contains("leads out of"),
                "{folder}: {err}"
            );
        }
        let dir = crate_dir();
        let app = dir.path().join("app");
        std::fs::remove_dir_all(app.join("assets")).unwrap();
        symlink(dir.path(), app.join("assets")).unwrap();
        let err = super::read_folder(&app, "assets", "", |_| true).unwrap_err();
        assert!(err.to_string().contains("leads out of"), "{err}");
        // A folder linked within the crate is read.
        std::fs::create_dir_all(app.join("views/pages")).unwrap();
        std::fs::write(app.join("views/pages/index.wxml"), "<view/>").unwrap();
        symlink("views/pages", app.join("pages")).unwrap();
        assert_eq!(read_views(&app).unwrap()["pages/index.wxml"], b"<view/>");
    }
}
