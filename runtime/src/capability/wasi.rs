//! The WASI a mini-program gets: clocks and random, and stdout/stderr
//! captured into the app's log. No filesystem (no preopened directories), no
//! network (sockets and name lookup disabled), no environment, no arguments,
//! no stdin. Rust's std imports these interfaces even when unused, so they are
//! linked, but empty.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiView};

use super::log::{LogLevel, LogSource, SharedLog};

/// Link the sandboxed WASI for a store whose state gives the WASI context
/// ([`sandboxed_ctx`]: nothing ambient).
pub(crate) fn add_to_linker<T: WasiView + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)
}

/// Most random bytes one `get-random-bytes` call may ask for.
const MAX_RANDOM: u64 = 64 * 1024;

/// A WASI context with nothing ambient; stdout and stderr go to `log`;
/// its clocks and randomness go through `tape` when the instance records
/// (or replays).
pub(crate) fn sandboxed_ctx(log: &SharedLog, tape: &crate::replay::Tape) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    if tape.is_on() {
        crate::replay::taped(&mut builder, tape);
    }
    builder
        .stdout(LogStream {
            log: log.clone(),
            source: LogSource::Stdout,
        })
        .stderr(LogStream {
            log: log.clone(),
            source: LogSource::Stderr,
        })
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        // Random bytes are made on the host, in one uninterruptible call:
        // a little at a time (wasmtime-wasi's default is 64 MiB).
        .max_random_size(MAX_RANDOM)
        .build()
}

/// stdout or stderr of an app, written line by line into its log.
#[derive(Clone)]
struct LogStream {
    log: SharedLog,
    source: LogSource,
}

impl LogStream {
    fn write_bytes(&self, bytes: &[u8]) {
        let level = match self.source {
            LogSource::Stderr => LogLevel::Warn,
            _ => LogLevel::Info,
        };
        let text = String::from_utf8_lossy(bytes);
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if self.source == LogSource::Stderr {
            // Whole, across writes: a panic's message is read from it.
            log.note_stderr(&text);
        }
        for line in text.lines().filter(|l| !l.is_empty()) {
            // Past the limit lines are dropped (and counted) but the write
            // succeeds: a chatty app must not trap on println!.
            let _ = log.push(level, self.source, line);
        }
    }
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

/// Largest write accepted at once.
const MAX_WRITE: usize = 64 * 1024;

impl OutputStream for LogStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_WRITE)
    }
}

#[async_trait::async_trait]
impl Pollable for LogStream {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for LogStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = buf.len().min(MAX_WRITE);
        self.write_bytes(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
