//! # miniapp-build
//!
//! Build a mini-program crate into a package: compile it for
//! `wasm32-wasip2` with cargo, then pack the component with its manifest
//! (`miniapp.toml`), its `assets/` directory, its view (`pages/*.wxml`,
//! `pages/*.wxss`, `app.wxss`) and its WeChat config (`app.json`,
//! `pages/*.json`), checked first as load checks them (every declared page
//! has its template; every config key is one this host acts on). A toolchain without the
//! `wasm32-wasip2` target gets it from rustup first (see [`Notice`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use miniapp_runtime::ManifestError;
use miniapp_runtime::config::{AppConfig, ConfigError};
use miniapp_runtime::package::{EXTENSION, PackageError};
use miniapp_runtime::platform::views::ViewError;
use miniapp_runtime::{Manifest, Package, PackageLimits, Quotas};

mod files;
pub mod scan;
mod target;

use files::read_views;

pub use target::{Notice, ToolOutput};

/// The target mini-programs are built for.
pub const TARGET: &str = "wasm32-wasip2";
/// The manifest file beside the crate's `Cargo.toml`.
pub const MANIFEST_FILE: &str = "miniapp.toml";

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The directory is not a mini-program crate.
    #[error("{path}: {reason}")]
    NotAnApp {
        /// The file or directory.
        path: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// The manifest is invalid.
    #[error("{path}: {source}")]
    Manifest {
        /// The manifest file.
        path: String,
        /// Why.
        source: ManifestError,
    },
    /// A page's template or stylesheet is refused, or a declared page has
    /// none: what load would refuse (see [`miniapp_runtime::platform::views::check`]).
    #[error("{crate_dir}: {source}")]
    View {
        /// The crate.
        crate_dir: String,
        /// Each problem, at `file:line:col` (`pages/index.wxml:3:5`).
        source: ViewError,
    },
    /// A typed page names a route the app lacks (read from the crate's
    /// sources before cargo runs: see [`scan`]; a handler its template
    /// binds that the page lacks is a [`BuildError::View`]).
    #[error("{crate_dir}: {}", problems.join("; "))]
    TypedPages {
        /// The crate.
        crate_dir: String,
        /// Each, `src/lib.rs:11:8: #[page("indx")] names no page of the app (did you mean `index`?)`.
        problems: Vec<String>,
    },
    /// Its `app.json` or a page's json is refused.
    #[error("{crate_dir}: {source}")]
    Config {
        /// The crate.
        crate_dir: String,
        /// The problem, at `file:line:col` (`app.json:3:5`).
        source: ConfigError,
    },
    /// Its init (`App::init`, run once for the pre-initialised snapshot)
    /// called the host or failed: load would refuse it.
    #[error("{crate_dir}: {reason}")]
    Init {
        /// The crate.
        crate_dir: String,
        /// The import it called (`an app's init must not call the host:
        /// `storage.get` called at init`), or why it failed.
        reason: String,
    },
    /// The Rust toolchain that builds the crate could not be asked about itself.
    #[error("cannot find the Rust toolchain that builds {crate_dir}: {reason}")]
    Toolchain {
        /// The crate.
        crate_dir: String,
        /// What failed.
        reason: String,
    },
    /// The Rust target is not installed and could not be installed.
    #[error("the Rust target {TARGET} is not installed: {reason}")]
    TargetMissing {
        /// Why it was not installed, and what to do.
        reason: String,
    },
    /// `rustup target add` failed.
    #[error("`rustup target add --toolchain {toolchain} {TARGET}` failed:\n{output}")]
    TargetInstall {
        /// The toolchain the target was being added to.
        toolchain: String,
        /// What rustup printed.
        output: String,
    },
    /// cargo failed.
    #[error("cargo build failed for {crate_dir}:\n{output}")]
    Cargo {
        /// The crate.
        crate_dir: String,
        /// What cargo printed.
        output: String,
    },
    /// Packing failed.
    #[error("cannot pack {path}: {source}")]
    Pack {
        /// The package being written.
        path: String,
        /// Why.
        source: PackageError,
    },
}

/// A built package and where it was written.
#[derive(Debug)]
pub struct Built {
    /// The package file.
    pub path: PathBuf,
    /// The package.
    pub package: Package,
}

/// Build the crate in `crate_dir` (release, `wasm32-wasip2`) and write its
/// package to `out`, or beside the compiled component as `<app id>.miniapp`.
///
/// If the toolchain that builds the crate (its `rust-toolchain.toml`
/// applies) lacks the target, it is installed with rustup first; the
/// [`Notice`] saying so is dropped, and rustup's and cargo's output is
/// captured. Use [`build_with`] to show them.
pub fn build(
    crate_dir: &Path,
    out: Option<&Path>,
    limits: &PackageLimits,
) -> Result<Built, BuildError> {
    build_with(crate_dir, out, limits, ToolOutput::Captured, &mut |_| {})
}

/// [`build`], handing each [`Notice`] to `notify` as it happens (the CLI
/// prints them to stderr), rustup's and cargo's own output shown or not as
/// `tools` says (the CLI shows them on a terminal).
pub fn build_with(
    crate_dir: &Path,
    out: Option<&Path>,
    limits: &PackageLimits,
    tools: ToolOutput,
    notify: &mut dyn FnMut(&Notice),
) -> Result<Built, BuildError> {
    let manifest = read_manifest(crate_dir)?;
    // The view: page templates and styles, and the app's styles, packed under
    // their paths (`pages/index.wxml`, `app.wxss`) beside the assets.
    let views = read_views(crate_dir)?;
    // Its app.json and pages' json, checked as load checks them (the tab
    // bar's icons against the assets).
    let mut assets = files::read_folder(crate_dir, "assets", "", |_| true)?;
    let config =
        miniapp_runtime::platform::app_config::check_with_assets(&manifest, &views, &assets)
            .map_err(|source| config_error(crate_dir, source))?;
    // The templates and styles, checked as load checks them (after the
    // json, which declares their components), before the long compile.
    let checked = miniapp_runtime::platform::views::check(&manifest, &views, &Quotas::default())
        .map_err(|source| BuildError::View {
            crate_dir: crate_dir.display().to_string(),
            source,
        })?;
    for template in checked.templates.values() {
        for warning in &template.warnings {
            notify(&Notice::ViewWarning {
                warning: warning.to_string(),
            });
        }
    }
    for warning in &checked.warnings {
        notify(&Notice::ViewWarning {
            warning: warning.clone(),
        });
    }
    // Each subpackage's files within its limit, each page's preloads
    // within WeChat's, before the long compile too.
    let files =
        (views.iter().chain(assets.iter())).map(|(path, bytes)| (path.as_str(), bytes.len()));
    miniapp_runtime::package::check_sub_packages(files, views.get("app.json"), limits).map_err(
        |source| BuildError::Pack {
            path: crate_dir.display().to_string(),
            source,
        },
    )?;
    for warning in config.warnings {
        notify(&Notice::Ignored { warning });
    }
    // Its typed pages, read from its sources (never built), are pages of
    // the app. Sources the scan cannot read leave the checks to the meta
    // the built component carries, after cargo.
    let unchecked = match scan::scan(crate_dir)? {
        None => Some(checked),
        Some(scanned) => {
            let problems = scan::unknown_routes(&scanned, &manifest.pages);
            if !problems.is_empty() {
                return Err(BuildError::TypedPages {
                    crate_dir: crate_dir.display().to_string(),
                    problems,
                });
            }
            // Every handler its pages' and components' templates bind (and
            // the files they include and import), and its components'
            // properties, as load checks them against the meta its macros
            // write.
            let checked =
                checked
                    .with_meta(Some(&scanned.meta))
                    .map_err(|source| BuildError::View {
                        crate_dir: crate_dir.display().to_string(),
                        source,
                    })?;
            // A field its typed data lacks renders empty, as on WeChat (data
            // may come later by path): a warning.
            for warning in scan::missing_fields(&scanned, &checked.templates) {
                notify(&Notice::ViewWarning { warning });
            }
            None
        }
    };
    // cargo runs in the crate's directory, so its rust-toolchain.toml and
    // .cargo/config.toml apply; the paths given to it must be absolute.
    let crate_dir = &std::path::absolute(crate_dir).map_err(|e| BuildError::NotAnApp {
        path: crate_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    target::ensure_target(crate_dir, &target::Tools::from_env(), tools, notify)?;
    let component_path = compile(crate_dir, tools, notify)?;
    let component = std::fs::read(&component_path).map_err(|e| BuildError::NotAnApp {
        path: component_path.display().to_string(),
        reason: e.to_string(),
    })?;
    if let Some(unchecked) = unchecked {
        // The same checks as load's, with the meta its macros wrote.
        let meta =
            miniapp_runtime::platform::component_meta(&component, &manifest).map_err(|reason| {
                BuildError::NotAnApp {
                    path: component_path.display().to_string(),
                    reason,
                }
            })?;
        (unchecked.with_meta(meta.as_ref())).map_err(|source| BuildError::View {
            crate_dir: crate_dir.display().to_string(),
            source,
        })?;
    }
    // Its init, run as the runtime runs it when it compiles the package:
    // one that calls the host or fails is refused here, not first at load.
    miniapp_runtime::platform::check_init(&component, &Quotas::default()).map_err(|reason| {
        BuildError::Init {
            crate_dir: crate_dir.display().to_string(),
            reason,
        }
    })?;
    for (path, bytes) in views {
        if assets.contains_key(&path) {
            return Err(BuildError::NotAnApp {
                path: crate_dir.join("assets").join(&path).display().to_string(),
                reason: format!("this asset has the path of the view file `{path}`; rename it"),
            });
        }
        assets.insert(path, bytes);
    }
    let path = match out {
        Some(out) => out.to_path_buf(),
        None => component_path.with_file_name(format!("{}.{EXTENSION}", manifest.id)),
    };
    let pack_error = |source| BuildError::Pack {
        path: path.display().to_string(),
        source,
    };
    let package = Package::new(manifest, component, assets, limits).map_err(pack_error)?;
    package.write(&path).map_err(pack_error)?;
    Ok(Built { path, package })
}

fn config_error(crate_dir: &Path, source: ConfigError) -> BuildError {
    BuildError::Config {
        crate_dir: crate_dir.display().to_string(),
        source,
    }
}

/// Read and validate `crate_dir/miniapp.toml`; its pages come from the
/// crate's `app.json` when it lists none (and must agree with it when both
/// do: see [`build`]).
pub fn read_manifest(crate_dir: &Path) -> Result<Manifest, BuildError> {
    if !crate_dir.join("Cargo.toml").is_file() {
        return Err(BuildError::NotAnApp {
            path: crate_dir.display().to_string(),
            reason: "no Cargo.toml here; point at a mini-program crate (see `miniapp new`)".into(),
        });
    }
    let path = crate_dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| BuildError::NotAnApp {
        path: path.display().to_string(),
        reason: format!("cannot read the app manifest: {e}"),
    })?;
    let app_pages = files::read_app_json(crate_dir)?
        .map(|text| AppConfig::parse(&text).map_err(|source| config_error(crate_dir, source)))
        .transpose()?
        .and_then(|app| app.routes());
    Manifest::from_toml_with_pages(&text, app_pages.as_deref()).map_err(|source| {
        BuildError::Manifest {
            path: path.display().to_string(),
            source,
        }
    })
}

/// Run cargo and return the path of the compiled component, telling
/// `notify` first. With [`ToolOutput::Shown`] cargo's stderr (its progress)
/// is ours, and rustc's diagnostics come as JSON on its stdout, so that a
/// failure still reports them.
fn compile(
    crate_dir: &Path,
    tools: ToolOutput,
    notify: &mut dyn FnMut(&Notice),
) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let name = crate_dir.file_name().unwrap_or(crate_dir.as_os_str());
    notify(&Notice::Compiling {
        name: name.to_string_lossy().into_owned(),
    });
    let message_format = match tools {
        ToolOutput::Captured => "--message-format=json-render-diagnostics",
        ToolOutput::Shown => "--message-format=json",
    };
    let output = Command::new(cargo)
        .current_dir(crate_dir)
        .args(["build", "--release", "--target", TARGET, message_format])
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .stderr(tools.stderr())
        .output()
        .map_err(|e| BuildError::Cargo {
            crate_dir: crate_dir.display().to_string(),
            output: format!("cannot run cargo: {e}"),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let messages: Vec<serde_json::Value> = (stdout.lines())
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    if !output.status.success() {
        let printed = match tools {
            ToolOutput::Captured => String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ToolOutput::Shown => {
                let rendered: Vec<&str> = (messages.iter())
                    .filter(|m| m["reason"] == "compiler-message")
                    .filter_map(|m| m["message"]["rendered"].as_str())
                    .map(str::trim_end)
                    .collect();
                if rendered.is_empty() {
                    format!("{} (what cargo printed is on stderr above)", output.status)
                } else {
                    rendered.join("\n\n")
                }
            }
        };
        if printed.contains("target may not be installed")
            || printed.contains("can't find crate for `core`")
        {
            return Err(BuildError::TargetMissing {
                reason: format!(
                    "cargo says so for {}; run `rustup target add {TARGET}` for the toolchain that builds it",
                    crate_dir.display()
                ),
            });
        }
        return Err(BuildError::Cargo {
            crate_dir: crate_dir.display().to_string(),
            output: printed,
        });
    }
    let manifest_path = std::fs::canonicalize(crate_dir.join("Cargo.toml")).unwrap_or_default();
    let mut component = None;
    for message in &messages {
        let is_ours = message["reason"] == "compiler-artifact"
            && message["manifest_path"].as_str().map(Path::new) == Some(manifest_path.as_path())
            && message["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"));
        if is_ours {
            component = message["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".wasm"))
                .map(PathBuf::from);
        }
    }
    component.ok_or_else(|| BuildError::NotAnApp {
        path: crate_dir.join("Cargo.toml").display().to_string(),
        reason: "the crate built no .wasm component; set `[lib] crate-type = [\"cdylib\"]`".into(),
    })
}
