//! Hot reload: the crate directory is watched; after a save (settled for
//! [`SETTLE`]) the app is rebuilt and handed to the session, which keeps
//! its data and page stack when only templates and styles changed, and
//! relaunches on the same pages otherwise. A failed build is shown on the
//! page and the last good version runs on; when none has built yet, the
//! first build that loads launches the app.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use serde_json::json;

use crate::server::Context;
use crate::session::Command;
use crate::{LoadError, Loader};

/// How long changes must stop before a rebuild.
const SETTLE: Duration = Duration::from_millis(250);

/// Keeps the watch alive.
pub struct Watcher {
    _inner: notify::RecommendedWatcher,
}

/// Watch `dir` and reload into `context`'s session through `loader`; the
/// session's app was built from `component` (empty: no build has loaded
/// yet).
pub fn watch(
    dir: &Path,
    mut loader: Loader,
    context: Arc<Context>,
    mut component: Vec<u8>,
) -> Result<Watcher, String> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Only what changes files: reading them (a build does) is no save.
        let changes = |kind: &notify::EventKind| {
            use notify::EventKind::{Create, Modify, Remove};
            matches!(kind, Create(_) | Remove(_))
                || matches!(kind, Modify(m) if !matches!(m, notify::event::ModifyKind::Metadata(_)))
        };
        if let Ok(event) = event
            && changes(&event.kind)
            && event.paths.iter().any(|p| relevant(p))
        {
            let _ = tx.send(());
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    inner
        .watch(dir, RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    let dir = dir.to_path_buf();
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Let a burst of saves settle.
            while let Ok(Some(())) = tokio::time::timeout(SETTLE, rx.recv()).await {}
            rebuild(&dir, &mut loader, &context, &mut component).await;
        }
    });
    Ok(Watcher { _inner: inner })
}

/// Whether a change to `path` calls for a rebuild: the app's sources,
/// templates, styles, config json (`app.json`, `pages/ROUTE.json`), assets
/// (and the images and media a subpackage's folder holds beside its
/// pages) and manifests, not build output.
fn relevant(path: &Path) -> bool {
    if path.components().any(|c| c.as_os_str() == "target") {
        return false;
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let media = ["png", "jpg", "jpeg", "gif", "webp", "svg", "mp3", "mp4"];
    matches!(extension, "rs" | "toml" | "wxml" | "wxss" | "json")
        || media.contains(&extension)
        || path.components().any(|c| c.as_os_str() == "assets")
}

/// Rebuild and hand the app to the session, telling it whether the code is
/// still `component` (which becomes the new one).
async fn rebuild(dir: &Path, loader: &mut Loader, context: &Context, component: &mut Vec<u8>) {
    let frames = &context.shared.frames;
    let _ =
        frames.send(json!({ "type": "build", "status": "building", "message": "" }).to_string());
    let source: PathBuf = dir.to_path_buf();
    let loaded = match crate::build_or_read(source).await {
        Ok(package) => loader.load(package),
        Err(why) => Err(LoadError::Build(why)),
    };
    let command = match loaded {
        Ok(loaded) => {
            *context.assets.write().unwrap_or_else(|e| e.into_inner()) = loaded.assets;
            *context.app.write().unwrap_or_else(|e| e.into_inner()) =
                crate::about(loaded.app.manifest());
            *context.current.write().unwrap_or_else(|e| e.into_inner()) = Some(loaded.app.clone());
            let same_code = loaded.component == *component;
            *component = loaded.component;
            Command::Reload(Box::new(loaded.app), same_code)
        }
        Err(e) => Command::BuildFailed(e.to_string()),
    };
    let _ = context.shared.commands.send(command).await;
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_subpackage_image_calls_for_a_rebuild_and_build_output_does_not() {
        assert!(super::relevant(Path::new("app/market/images/fish.png")));
        assert!(super::relevant(Path::new(
            "app/market/pages/fish/fish.wxml"
        )));
        assert!(!super::relevant(Path::new("app/market/notes.txt")));
        assert!(!super::relevant(Path::new(
            "app/target/wasm32-wasip2/a.png"
        )));
    }
}
