//! Long work shows progress: `miniapp build` (and every command that builds
//! a crate) says what it compiles, and on a terminal shows rustup's and
//! cargo's own progress; `miniapp load` says what it starts, and on a
//! terminal each phase. Run here with stderr on a pseudo-terminal, as at a
//! shell.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::{miniapp, stderr};

/// What a command run by [`on_terminal`] printed.
struct Seen {
    status: ExitStatus,
    /// What it wrote to the terminal, line by line (a line ends at `\n` or
    /// at `\r`, as a progress bar redraws it), without escape sequences.
    terminal: Vec<String>,
}

/// A new pseudo-terminal: (the terminal's end, the program's end), neither
/// inherited by other processes this test binary starts.
fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut terminal, mut program) = (-1, -1);
    let mut size = libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors, which are then owned here.
    let opened = unsafe {
        libc::openpty(
            &mut terminal,
            &mut program,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &raw mut size,
        )
    };
    assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
    for fd in [terminal, program] {
        // SAFETY: fd is the descriptor openpty returned.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both descriptors are open and nothing else owns them.
    unsafe {
        (
            OwnedFd::from_raw_fd(terminal),
            OwnedFd::from_raw_fd(program),
        )
    }
}

/// Run `command` with its stderr on a new terminal (stdin empty, stdout
/// dropped) and return what it wrote there.
fn on_terminal(mut command: Command) -> Seen {
    let (terminal, program) = openpty();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(program));
    let mut child = command.spawn().expect("the command runs");
    // Our copy of the program's end goes with the command.
    drop(command);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut file = std::fs::File::from(terminal);
            let mut bytes = Vec::new();
            let mut buffer = [0; 8192];
            loop {
                let mut poll = libc::pollfd {
                    fd: file.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                let ready = unsafe { libc::poll(&mut poll, 1, 50) };
                if ready < 0 {
                    continue; // interrupted
                }
                if poll.revents & libc::POLLIN != 0 {
                    // At the end (every program's end closed), an error: EIO.
                    match file.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => bytes.extend_from_slice(&buffer[..n]),
                    }
                } else if poll.revents != 0 || done.load(Ordering::SeqCst) {
                    // Hung up, or the command has exited and all it wrote is read.
                    break;
                }
            }
            bytes
        })
    };
    let status = child.wait().expect("the command ends");
    done.store(true, Ordering::SeqCst);
    let bytes = reader.join().expect("the reader ends");
    let text = without_escapes(&String::from_utf8_lossy(&bytes));
    let terminal = (text.split(['\n', '\r']))
        .filter(|line| !line.trim().is_empty())
        .map(str::to_string)
        .collect();
    Seen { status, terminal }
}

/// `text` without its terminal escape sequences (CSI and OSC).
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A crate `name` in `dir` that fails to compile with `error: boom`.
fn broken_crate(dir: &Path, name: &str) -> std::path::PathBuf {
    let app = dir.join(name);
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nedition = \"2024\"\n[lib]\ncrate-type = [\"cdylib\"]\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("miniapp.toml"),
        format!("id = \"dev.{name}\"\nname = \"B\"\nversion = \"1.0.0\"\npages = [\"index\"]\n"),
    )
    .unwrap();
    std::fs::write(app.join("src/lib.rs"), "compile_error!(\"boom\");\n").unwrap();
    std::fs::create_dir_all(app.join("pages")).unwrap();
    std::fs::write(app.join("pages/index.wxml"), "<view/>\n").unwrap();
    app
}

#[test]
fn on_a_terminal_build_shows_cargos_progress_and_still_reports_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let app = broken_crate(dir.path(), "noisy");
    let mut build = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    build.arg("build").arg(&app);
    let seen = on_terminal(build);
    let lines = &seen.terminal;
    assert_eq!(seen.status.code(), Some(1), "{lines:#?}");
    assert_eq!(
        lines[0], "miniapp: compiling noisy for wasm32-wasip2 (cargo build --release) ...",
        "{lines:#?}"
    );
    // cargo's own status line, as cargo prints it on a terminal (captured,
    // it was only part of the error below, behind `  | `).
    assert!(
        lines.iter().any(|l| l.starts_with("   Compiling noisy v")),
        "{lines:#?}"
    );
    // rustc's diagnostics are still in the error.
    let error = (lines.iter())
        .position(|l| l.starts_with("error: cargo build failed for "))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        lines[error + 1..].iter().any(|l| l == "  | error: boom"),
        "{lines:#?}"
    );
}

/// Write an executable script at `path` from another process, so that no
/// process this test binary forks meanwhile holds it open for writing
/// (running it would then fail with "text file busy").
fn script(path: &Path, body: &str) {
    let mut sh = Command::new("sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        sh.stdin.as_mut().unwrap(),
        format!("#!/bin/sh\n{body}\n").as_bytes(),
    )
    .unwrap();
    drop(sh.stdin.take());
    assert!(sh.wait().unwrap().success());
}

#[test]
fn on_a_terminal_build_shows_rustups_progress_as_it_installs_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let app = broken_crate(dir.path(), "fresh");
    // A toolchain without the target (its sysroot has no rustlib/wasm32-wasip2),
    // whose rustup prints its download and then fails.
    let bin = dir.path().join("bin");
    let sysroot = dir.path().join("sysroot");
    std::fs::create_dir_all(sysroot.join("lib/rustlib")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    script(&bin.join("rustc"), &format!("echo '{}'", sysroot.display()));
    script(
        &bin.join("rustup"),
        r#"case "$1 $2" in
  "show active-toolchain") echo "fake-1.0 (overridden by 'rust-toolchain.toml')" ;;
  "target add") echo "info: downloading component 'rust-std'" >&2; echo "error: no network" >&2; exit 1 ;;
  *) exit 3 ;;
esac"#,
    );
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let build = |on_a_terminal: bool| {
        let mut build = Command::new(env!("CARGO_BIN_EXE_miniapp"));
        build
            .arg("build")
            .arg(&app)
            .env("PATH", &path)
            .env("RUSTC", bin.join("rustc"));
        if on_a_terminal {
            on_terminal(build).terminal
        } else {
            let out = build.output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
            stderr(&out).lines().map(str::to_string).collect()
        }
    };
    let installing = "miniapp: installing the Rust target wasm32-wasip2 for toolchain fake-1.0 (rustup target add)";
    let failed = "error: `rustup target add --toolchain fake-1.0 wasm32-wasip2` failed";

    // On a terminal, rustup's lines as rustup prints them.
    let lines = build(true);
    assert_eq!(lines[0], installing, "{lines:#?}");
    assert_eq!(
        lines[1..3],
        [
            "info: downloading component 'rust-std'",
            "error: no network"
        ],
        "{lines:#?}"
    );
    assert_eq!(lines[3], failed, "{lines:#?}");

    // Not on a terminal, they are in the error.
    let lines = build(false);
    assert_eq!(lines[0], installing, "{lines:#?}");
    assert_eq!(lines[1], failed, "{lines:#?}");
    assert_eq!(
        lines[2..],
        [
            "  | info: downloading component 'rust-std'",
            "  | error: no network"
        ],
        "{lines:#?}"
    );
}

#[test]
fn load_says_what_it_starts_and_on_a_terminal_each_phase() {
    // A port nothing listens on: no session opens, at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let args = [
        "load",
        &url,
        "--apps",
        "todo",
        "--sessions",
        "2",
        "--duration",
        "1",
    ];
    let start = format!("miniapp: load: 2 sessions of todo at {url}, events for 1 s");

    let out = miniapp(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], start, "{err}");
    assert!(
        lines[1].starts_with("error: no session could be opened"),
        "{err}"
    );

    let mut load = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    load.args(args);
    let seen = on_terminal(load);
    let lines = &seen.terminal;
    assert_eq!(seen.status.code(), Some(1), "{lines:#?}");
    assert_eq!(lines[0], start, "{lines:#?}");
    assert_eq!(
        lines[1], "miniapp: load: opening 2 sessions, 64 at a time ...",
        "{lines:#?}"
    );
    // (After a line a second, on a machine slow to refuse a connection.)
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("error: no session could be opened")),
        "{lines:#?}"
    );
}
