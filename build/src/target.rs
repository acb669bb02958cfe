//! Make sure the toolchain that builds a crate has the `wasm32-wasip2`
//! target, installing it with rustup when it is missing: rustup does not
//! install the targets a `rust-toolchain.toml` lists when auto-install is off,
//! as on many CI images and company machines.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::{BuildError, TARGET};

/// Something a build did besides compiling that the user should hear about,
/// handed to the callback of [`build_with`](crate::build_with).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The toolchain lacked [`TARGET`]; `rustup target add` is installing it
    /// (sent before rustup runs, which downloads the target's standard library).
    InstallingTarget {
        /// The rustup toolchain the target is added to.
        toolchain: String,
    },
    /// A config key WeChat documents that means nothing on this host
    /// (`sitemapLocation`): packed, ignored (sent before cargo runs).
    Ignored {
        /// Where and which: `app.json:12:3: ...`.
        warning: miniapp_runtime::config::ConfigError,
    },
    /// cargo is compiling the crate (sent before it runs; a first build
    /// compiles the SDK's dependencies too, for tens of seconds).
    Compiling {
        /// The crate's directory name.
        name: String,
    },
    /// The view has something WeChat does not document (an attribute on a
    /// component, dropped), at `file:line:col`: built anyway (sent before
    /// cargo runs).
    ViewWarning {
        /// `pages/index.wxml:3:5: unknown attribute ...`.
        warning: String,
    },
}

/// Where the tools a build runs (rustup, cargo) print while they work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ToolOutput {
    /// Captured: nothing shows while they work, and a failure's error holds
    /// all they printed.
    #[default]
    Captured,
    /// Their stderr is this process's, for a terminal: cargo's and rustup's
    /// progress show as they work. A failed compile's error still holds
    /// rustc's diagnostics (which cargo then reports as JSON); the rest of
    /// what they printed is on stderr above it.
    Shown,
}

impl ToolOutput {
    /// The stderr of a tool's process; its stdout is always captured.
    pub(crate) fn stderr(self) -> Stdio {
        match self {
            ToolOutput::Captured => Stdio::piped(),
            ToolOutput::Shown => Stdio::inherit(),
        }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::InstallingTarget { toolchain } => write!(
                f,
                "installing the Rust target {TARGET} for toolchain {toolchain} (rustup target add)"
            ),
            Notice::Ignored { warning } => write!(f, "warning: {warning}"),
            Notice::Compiling { name } => write!(
                f,
                "compiling {name} for {TARGET} (cargo build --release) ..."
            ),
            Notice::ViewWarning { warning } => write!(f, "warning: {warning}"),
        }
    }
}

/// The programs that answer for the toolchain.
pub(crate) struct Tools {
    /// The compiler: `$RUSTC`, or `rustc` (with rustup, its proxy, which
    /// honours the crate's `rust-toolchain.toml`).
    pub rustc: OsString,
    /// rustup, if it is installed.
    pub rustup: Option<PathBuf>,
}

impl Tools {
    /// The tools of this environment.
    pub fn from_env() -> Tools {
        Tools {
            rustc: std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()),
            rustup: find_rustup(),
        }
    }
}

/// rustup on `PATH`, else in `$CARGO_HOME/bin`, else in `~/.cargo/bin`.
fn find_rustup() -> Option<PathBuf> {
    let file = format!("rustup{}", std::env::consts::EXE_SUFFIX);
    let path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME").map(|h| PathBuf::from(h).join("bin"));
    let home = std::env::home_dir().map(|h| h.join(".cargo").join("bin"));
    path.into_iter()
        .chain(cargo_home)
        .chain(home)
        .map(|dir| dir.join(&file))
        .find(|candidate| candidate.is_file())
}

/// Make sure the toolchain that builds `crate_dir` has [`TARGET`], installing
/// it with rustup (telling `notify` first, rustup's progress shown as
/// `output` says) if it is missing.
pub(crate) fn ensure_target(
    crate_dir: &Path,
    tools: &Tools,
    output: ToolOutput,
    notify: &mut dyn FnMut(&Notice),
) -> Result<(), BuildError> {
    let sysroot = sysroot(crate_dir, &tools.rustc)?;
    let target_dir = sysroot.join("lib").join("rustlib").join(TARGET);
    if target_dir.is_dir() {
        return Ok(());
    }
    let Some(rustup) = &tools.rustup else {
        return Err(BuildError::TargetMissing {
            reason: format!(
                "the toolchain at {} lacks it, and rustup was not found (looked on PATH, in $CARGO_HOME/bin and ~/.cargo/bin) to install it; install the target for that toolchain (with rustup: `rustup target add {TARGET}`)",
                sysroot.display()
            ),
        });
    };
    let toolchain = active_toolchain(crate_dir, rustup)?;
    // Builds running side by side (tests) would otherwise run rustup at the
    // same time on the same toolchain; the first installs, the rest find it.
    let _lock = InstallLock::acquire();
    if target_dir.is_dir() {
        return Ok(());
    }
    notify(&Notice::InstallingTarget {
        toolchain: toolchain.clone(),
    });
    let install_error = |output: String| BuildError::TargetInstall {
        toolchain: toolchain.clone(),
        output,
    };
    let installed = Command::new(rustup)
        .current_dir(crate_dir)
        .args(["target", "add", "--toolchain", &toolchain, TARGET])
        .stderr(output.stderr())
        .output()
        .map_err(|e| install_error(format!("cannot run {}: {e}", rustup.display())))?;
    if !installed.status.success() {
        return Err(install_error(match output {
            ToolOutput::Captured => printed(&installed),
            ToolOutput::Shown => format!(
                "{} (what rustup printed is on stderr above)",
                installed.status
            ),
        }));
    }
    if !target_dir.is_dir() {
        return Err(BuildError::TargetMissing {
            reason: format!(
                "`rustup target add --toolchain {toolchain} {TARGET}` succeeded, but the toolchain that builds the crate (at {}) still lacks it; does RUSTC name a compiler rustup does not manage?",
                sysroot.display()
            ),
        });
    }
    Ok(())
}

/// The sysroot of the compiler that builds `crate_dir`.
fn sysroot(crate_dir: &Path, rustc: &OsString) -> Result<PathBuf, BuildError> {
    let toolchain_error = |reason: String| BuildError::Toolchain {
        crate_dir: crate_dir.display().to_string(),
        reason,
    };
    let command = format!("{} --print sysroot", rustc.to_string_lossy());
    let output = Command::new(rustc)
        .current_dir(crate_dir)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| toolchain_error(format!("cannot run `{command}`: {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || stdout.trim().is_empty() {
        return Err(toolchain_error(format!(
            "`{command}` failed: {}",
            printed(&output)
        )));
    }
    Ok(PathBuf::from(stdout.trim()))
}

/// The name of the rustup toolchain in use in `crate_dir`.
fn active_toolchain(crate_dir: &Path, rustup: &Path) -> Result<String, BuildError> {
    let toolchain_error = |reason: String| BuildError::Toolchain {
        crate_dir: crate_dir.display().to_string(),
        reason,
    };
    let output = Command::new(rustup)
        .current_dir(crate_dir)
        .args(["show", "active-toolchain"])
        .output()
        .map_err(|e| toolchain_error(format!("cannot run {}: {e}", rustup.display())))?;
    // "1.95.0-x86_64-unknown-linux-gnu (overridden by '.../rust-toolchain.toml')"
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.split_whitespace().next() {
        Some(name) if output.status.success() => Ok(name.to_string()),
        _ => Err(toolchain_error(format!(
            "`rustup show active-toolchain` failed: {}",
            printed(&output)
        ))),
    }
}

/// What a finished process printed, stderr first, trimmed.
fn printed(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let text = [stderr.trim(), stdout.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if text.is_empty() {
        format!("{} with no output", output.status)
    } else {
        text
    }
}

/// An exclusive lock on a file in the temporary directory, held while rustup
/// installs; if the file cannot be opened or locked, installs run unlocked.
struct InstallLock(Option<std::fs::File>);

impl InstallLock {
    fn acquire() -> InstallLock {
        let path = std::env::temp_dir().join("miniapp-rustup-target-add.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()
            .filter(|file| file.lock().is_ok());
        InstallLock(file)
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        if let Some(file) = &self.0 {
            let _ = file.unlock();
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A shell script at `dir/name`.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A crate directory whose fake rustc reports `<crate>/sysroot` (so the
    /// sysroot is only right if rustc runs in the crate's directory).
    fn fake_toolchain(root: &Path) -> (PathBuf, PathBuf) {
        let crate_dir = root.join("app");
        std::fs::create_dir_all(crate_dir.join("sysroot/lib/rustlib")).unwrap();
        let rustc = script(root, "rustc", r#"echo "$PWD/sysroot""#);
        (crate_dir, rustc)
    }

    fn collect(crate_dir: &Path, tools: &Tools) -> (Result<(), BuildError>, Vec<Notice>) {
        let mut notices = Vec::new();
        let result = ensure_target(crate_dir, tools, ToolOutput::Captured, &mut |n| {
            notices.push(n.clone())
        });
        (result, notices)
    }

    // One test, so no other thread of this binary forks while a script is
    // being written (which would make running it fail with "text file busy").
    #[test]
    fn a_missing_target_is_installed_with_rustup_once_and_failures_are_explained() {
        let root = tempfile::tempdir().unwrap();
        let (crate_dir, rustc) = fake_toolchain(root.path());
        let log = root.path().join("rustup.log");
        let rustup = script(
            root.path(),
            "rustup",
            &format!(
                r#"echo "$@" >> "{log}"
case "$1 $2" in
  "show active-toolchain") echo "fake-1.0-x86_64 (overridden by '$PWD/rust-toolchain.toml')" ;;
  "target add") echo "info: downloading component 'rust-std'"; mkdir -p "$PWD/sysroot/lib/rustlib/$5" ;;
  *) exit 3 ;;
esac"#,
                log = log.display()
            ),
        );
        let tools = Tools {
            rustc: rustc.clone().into(),
            rustup: Some(rustup),
        };

        let (result, notices) = collect(&crate_dir, &tools);
        result.unwrap();
        assert_eq!(
            notices,
            [Notice::InstallingTarget {
                toolchain: "fake-1.0-x86_64".into()
            }]
        );
        assert_eq!(
            notices[0].to_string(),
            "installing the Rust target wasm32-wasip2 for toolchain fake-1.0-x86_64 (rustup target add)"
        );
        assert!(crate_dir.join("sysroot/lib/rustlib/wasm32-wasip2").is_dir());
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            calls,
            "show active-toolchain\ntarget add --toolchain fake-1.0-x86_64 wasm32-wasip2\n"
        );

        // Installed now: nothing to say, rustup not asked again.
        let (result, notices) = collect(&crate_dir, &tools);
        result.unwrap();
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(std::fs::read_to_string(&log).unwrap(), calls);

        // No rustup: the error says so and what to run.
        let other = root.path().join("no-rustup");
        std::fs::create_dir_all(&other).unwrap();
        let (crate_dir, rustc) = fake_toolchain(&other);
        let without = Tools {
            rustc: rustc.into(),
            rustup: None,
        };
        let (result, notices) = collect(&crate_dir, &without);
        let message = result.unwrap_err().to_string();
        assert!(notices.is_empty());
        assert!(
            message
                .starts_with("the Rust target wasm32-wasip2 is not installed: the toolchain at ")
                && message.contains("rustup was not found")
                && message.contains("`rustup target add wasm32-wasip2`"),
            "{message}"
        );

        // rustup fails: its output is part of the error.
        let failing = script(
            &other,
            "rustup",
            r#"case "$1" in
  show) echo "fake-2.0 (default)" ;;
  *) echo "error: could not download file from 'https://static.rust-lang.org'" >&2; exit 1 ;;
esac"#,
        );
        let tools = Tools {
            rustc: without.rustc,
            rustup: Some(failing),
        };
        let (result, notices) = collect(&crate_dir, &tools);
        assert_eq!(notices.len(), 1);
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains("`rustup target add --toolchain fake-2.0 wasm32-wasip2` failed")
                && message.contains("error: could not download file"),
            "{message}"
        );

        // A compiler that cannot run is named.
        let broken = Tools {
            rustc: root.path().join("missing-rustc").into(),
            rustup: None,
        };
        let message = collect(&crate_dir, &broken).0.unwrap_err().to_string();
        assert!(
            message.contains("missing-rustc --print sysroot"),
            "{message}"
        );
    }
}
