//! The `miniapp serve` child of the serve phase: started on loopback ports, its listeners read
//! from its first line, stopped with SIGTERM and a wait for the drain.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Failure;

/// The longest wait for the server's first line (it compiles the apps).
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest wait for the server to drain after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// The running `miniapp serve`.
pub(super) struct Server {
    child: Child,
    /// `http://IP:PORT` of the session listener.
    pub(super) sessions: String,
    /// `http://IP:PORT` of the operator listener.
    pub(super) operator: String,
    pub(super) token: PathBuf,
    /// Its stderr.
    log: PathBuf,
    stopped: bool,
}

impl Server {
    /// `miniapp serve` with its data under `dir/data-NAME` and its
    /// stderr in `dir/serve-NAME.log`, once it prints its listeners.
    pub(super) fn start(
        miniapp: &Path,
        dir: &Path,
        name: &str,
        packages: &[PathBuf],
    ) -> Result<Server, Failure> {
        let log = dir.join(format!("serve-{name}.log"));
        let stderr = std::fs::File::create(&log)
            .map_err(|e| Failure::app(format!("serve: cannot create {}: {e}", log.display())))?;
        let mut child = command(miniapp, dir, name, packages)
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                let miniapp = miniapp.display();
                Failure::app(format!("serve: cannot start {miniapp} serve: {e}"))
            })?;
        let line = first_line(&mut child);
        let mut server = Server {
            child,
            sessions: String::new(),
            operator: String::new(),
            token: dir.join("token"),
            log,
            stopped: false,
        };
        let Some((sessions, operator)) = line.as_deref().and_then(listeners) else {
            return Err(
                server.failure(format!("miniapp serve printed {line:?}, not its listeners"))
            );
        };
        (server.sessions, server.operator) = (sessions, operator);
        Ok(server)
    }

    /// SIGTERM, then wait for the drain: why the exit was not clean.
    pub(super) fn stop(&mut self) -> Result<(), String> {
        self.stopped = true;
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        if !sent.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        let begun = Instant::now();
        while begun.elapsed() < STOP_TIMEOUT {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(format!("miniapp serve exited with {status} on SIGTERM"));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(format!("cannot wait for miniapp serve: {e}")),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        Err(format!(
            "miniapp serve did not exit within {STOP_TIMEOUT:?} of SIGTERM (killed)"
        ))
    }

    /// A failure of the phase, with the end of the server's stderr.
    pub(super) fn failure(&self, message: String) -> Failure {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Failure::app(format!("serve: {message}")).with_detail(tail.join("\n"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `miniapp serve` on loopback ports, data in `dir/data-NAME`.
fn command(miniapp: &Path, dir: &Path, name: &str, packages: &[PathBuf]) -> Command {
    let mut command = Command::new(miniapp);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--operator-listen", "127.0.0.1:0"])
        // Nothing routes to it: close at once on SIGTERM.
        .args(["--drain-secs", "0"])
        // Every session of the bench comes from 127.0.0.1 (the load's,
        // its probes', the `--live` idle ones): the bench measures the
        // server, not the cap on sessions per client address.
        .args(["--max-sessions-per-client", "1000000"])
        .arg("--data-dir")
        .arg(dir.join(format!("data-{name}")))
        .arg("--operator-token-file")
        .arg(dir.join("token"))
        .arg("--policy")
        .arg(dir.join("policy.toml"));
    for package in packages {
        command.arg("--publish").arg(package);
    }
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    command
}

/// The child's first stdout line (none if it closed stdout or took
/// longer than [`START_TIMEOUT`]); the rest is read and dropped.
fn first_line(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take()?;
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line).ok().filter(|n| *n > 0);
        let _ = send.send(read.map(|_| line));
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    receive.recv_timeout(START_TIMEOUT).ok().flatten()
}

/// The URLs in `miniapp serve: sessions at URL, operator at URL`.
fn listeners(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix("miniapp serve: sessions at ")?;
    let (sessions, operator) = rest.split_once(", operator at ")?;
    Some((sessions.to_string(), operator.to_string()))
}
