//! The apps' temp areas: the files `http.download-file-start` writes, which
//! `http.upload-file-start` sends and `http.read-temp-file` reads (WeChat's
//! `tempFilePath`s).
//!
//! Each app has one area per runtime, `<data>/tmp/<app id>/`, a
//! [`cap_std::fs::Dir`] opened once: every open goes through it, so no name
//! reaches a file outside it (cap-std refuses `..`, absolute paths and
//! symlinks that lead out). An app never names a file itself: the host
//! gives out `wxfile://tmp/<32 hex digits>` names, and a name is answered
//! only for the instance it was given to. The area's bytes and files are
//! bounded for the app as a whole, all its instances together
//! (`temp_bytes`, `temp_files`); one file by `http_response_bytes`.
//!
//! A download's bytes are written on tokio's blocking pool, through the
//! file the area's `Dir` opened, so a slow disk holds no async worker.
//!
//! Cleared on schedule: the whole area when the runtime first opens it
//! (files an earlier process left), an instance's files when the instance
//! ends (eviction, a trap, another node taking the session: the next
//! instance finds none, as with timers), and any file older than
//! [`TEMP_FILE_TTL`] before a new one is written.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use cap_std::fs::{Dir, File, OpenOptions};
use miniapp_config::Quotas;

use super::{CallError, CallResult};
use crate::limits::{Held, HostMemory};

/// How long a temp file lives at most: older ones are removed before a new
/// one is written.
pub(crate) const TEMP_FILE_TTL: Duration = Duration::from_secs(60 * 60);

/// What a temp path starts with (WeChat's `wxfile://tmp_...` names).
const PREFIX: &str = "wxfile://tmp/";

/// The temp areas of a runtime's apps, under one root (`<data>/tmp`).
pub(crate) struct TempAreas {
    root: PathBuf,
    areas: Mutex<HashMap<String, Weak<TempArea>>>,
}

impl TempAreas {
    /// Areas under `root`, created when the first is opened.
    pub fn new(root: PathBuf) -> TempAreas {
        TempAreas {
            root,
            areas: Mutex::default(),
        }
    }

    /// The area of app `app` under its `quotas`: the one every load of the
    /// app in this runtime shares while one lives, else a new one (emptied
    /// when first opened).
    pub fn area(&self, app: &str, quotas: &Quotas) -> Arc<TempArea> {
        let mut areas = lock(&self.areas);
        areas.retain(|_, area| area.strong_count() > 0);
        if let Some(area) = areas.get(app).and_then(Weak::upgrade) {
            area.limits(quotas);
            return area;
        }
        let area = Arc::new(TempArea {
            root: self.root.clone(),
            app: app.to_string(),
            dir: OnceLock::new(),
            book: Mutex::default(),
            bytes_limit: AtomicU64::new(quotas.temp_bytes),
            files_limit: AtomicU64::new(u64::from(quotas.temp_files)),
        });
        areas.insert(app.to_string(), Arc::downgrade(&area));
        area
    }
}

impl TempAreas {
    /// The bytes and files of app `app`'s area now (none if it has none).
    pub fn used_by(&self, app: &str) -> (u64, u64) {
        let area = lock(&self.areas).get(app).and_then(Weak::upgrade);
        area.map_or((0, 0), |area| {
            let (bytes, files) = area.used();
            (bytes, files as u64)
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One file of an area.
struct Entry {
    /// The instance it was given to.
    owner: u64,
    bytes: u64,
    made: Instant,
    /// Whether it is whole (a download still under way is not readable).
    whole: bool,
}

/// What an area holds: its files by name, and their bytes together.
#[derive(Default)]
struct Book {
    files: HashMap<String, Entry>,
    bytes: u64,
}

/// One app's temp area.
pub(crate) struct TempArea {
    root: PathBuf,
    app: String,
    dir: OnceLock<Result<Dir, String>>,
    book: Mutex<Book>,
    bytes_limit: AtomicU64,
    files_limit: AtomicU64,
}

impl TempArea {
    fn limits(&self, quotas: &Quotas) {
        (self.bytes_limit).store(quotas.temp_bytes, Ordering::Relaxed);
        (self.files_limit).store(u64::from(quotas.temp_files), Ordering::Relaxed);
    }

    /// The area's directory, opened (and emptied) the first time.
    fn dir(&self) -> CallResult<&Dir> {
        let opened = self.dir.get_or_init(|| {
            let at = self.root.join(&self.app);
            let failed =
                |e: std::io::Error| format!("cannot open the temp area {}: {e}", at.display());
            let root = Dir::create_ambient_dir_all(&self.root, cap_std::ambient_authority())
                .and_then(|()| Dir::open_ambient_dir(&self.root, cap_std::ambient_authority()))
                .map_err(failed)?;
            root.create_dir_all(&self.app).map_err(failed)?;
            let dir = root.open_dir(&self.app).map_err(failed)?;
            empty(&dir).map_err(failed)?;
            Ok(dir)
        });
        opened.as_ref().map_err(|e| CallError::failed(e.clone()))
    }

    /// A new file for instance `owner`, within the app's `temp_files`,
    /// after the files past [`TEMP_FILE_TTL`] are removed.
    pub fn create(self: &Arc<TempArea>, owner: u64) -> CallResult<Incoming> {
        let dir = self.dir()?;
        self.sweep(Instant::now());
        let limit = self.files_limit.load(Ordering::Relaxed);
        let mut book = lock(&self.book);
        if book.files.len() as u64 >= limit {
            return Err(CallError::quota(format!(
                "app `{}` has {limit} temp files already, the most it may keep (quota `temp_files`): remove one with `remove-temp-file`",
                self.app
            )));
        }
        let name = random_name();
        let options = OpenOptions::new().write(true).create_new(true).clone();
        let file = (dir.open_with(&name, &options))
            .map_err(|e| CallError::failed(format!("cannot create a temp file: {e}")))?;
        let entry = Entry {
            owner,
            bytes: 0,
            made: Instant::now(),
            whole: false,
        };
        book.files.insert(name.clone(), entry);
        Ok(Incoming {
            area: self.clone(),
            name,
            file: Some(file),
            batch: Vec::new(),
            bytes: 0,
            whole: false,
        })
    }

    /// The size of `path`, a whole file given to instance `owner`, as the
    /// area counted it: known before a byte of it is read.
    pub fn size(&self, owner: u64, path: &str) -> CallResult<u64> {
        let name = self.owned(owner, path)?;
        Ok(lock(&self.book)
            .files
            .get(&name)
            .map_or(0, |entry| entry.bytes))
    }

    /// The bytes of `path`, a file given to instance `owner`, at most
    /// `max` of them.
    pub fn read(&self, owner: u64, path: &str, max: u64) -> CallResult<Vec<u8>> {
        let name = self.owned(owner, path)?;
        let dir = self.dir()?;
        let failed = |e: std::io::Error| CallError::failed(format!("cannot read {path}: {e}"));
        let file = dir.open(&name).map_err(failed)?;
        let mut bytes = Vec::new();
        file.take(max + 1).read_to_end(&mut bytes).map_err(failed)?;
        if bytes.len() as u64 > max {
            return Err(CallError::quota(format!(
                "{path} is over the {max} bytes one read may return"
            )));
        }
        Ok(bytes)
    }

    /// Remove `path`, a file given to instance `owner`.
    pub fn remove(&self, owner: u64, path: &str) -> CallResult<()> {
        let name = self.owned(owner, path)?;
        self.forget(&name);
        Ok(())
    }

    /// The name of `path` if it is a whole file given to `owner`; a path
    /// the host did not give out, or gave to another instance, or that was
    /// removed, is refused alike.
    fn owned(&self, owner: u64, path: &str) -> CallResult<String> {
        let name = name_of(path)?;
        let book = lock(&self.book);
        match book.files.get(name) {
            Some(entry) if entry.owner == owner && entry.whole => Ok(name.to_string()),
            _ => Err(CallError::invalid(format!(
                "{path} is not a temp file of this app (it was removed, is past its hour, or was never given to this instance)"
            ))),
        }
    }

    /// Remove file `name` from disk and the book.
    fn forget(&self, name: &str) {
        let mut book = lock(&self.book);
        if let Some(entry) = book.files.remove(name) {
            book.bytes = book.bytes.saturating_sub(entry.bytes);
            if let Some(Ok(dir)) = self.dir.get() {
                let _ = dir.remove_file(name);
            }
        }
    }

    /// Remove the whole files made before `now - TEMP_FILE_TTL`.
    pub fn sweep(&self, now: Instant) {
        let old: Vec<String> = (lock(&self.book).files.iter())
            .filter(|(_, e)| e.whole && now.saturating_duration_since(e.made) >= TEMP_FILE_TTL)
            .map(|(name, _)| name.clone())
            .collect();
        for name in old {
            self.forget(&name);
        }
    }

    /// Instance `owner` ended: its files go with it.
    pub fn release(&self, owner: u64) {
        let owned: Vec<String> = (lock(&self.book).files.iter())
            .filter(|(_, e)| e.owner == owner && e.whole)
            .map(|(name, _)| name.clone())
            .collect();
        for name in owned {
            self.forget(&name);
        }
    }

    /// The area's bytes and files now.
    pub fn used(&self) -> (u64, usize) {
        let book = lock(&self.book);
        (book.bytes, book.files.len())
    }
}

/// Remove everything in `dir`.
fn empty(dir: &Dir) -> std::io::Result<()> {
    for entry in dir.entries()? {
        let entry = entry?;
        match entry.file_type()?.is_dir() {
            true => dir.remove_dir_all(entry.file_name())?,
            false => dir.remove_file(entry.file_name())?,
        }
    }
    Ok(())
}

/// 128 random bits in hex: a name no app can guess.
fn random_name() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// The file name in temp path `path`, refused unless it is one the host
/// gives out (`wxfile://tmp/` and 32 lowercase hex digits): no `..`, no
/// `/`, nothing the app chose.
fn name_of(path: &str) -> CallResult<&str> {
    let name = path.strip_prefix(PREFIX).unwrap_or_default();
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    match name.len() == 32 && name.bytes().all(hex) {
        true => Ok(name),
        false => Err(CallError::invalid(format!(
            "`{}` is not a temp file path: the host names them `{PREFIX}` and 32 hex digits",
            crate::text::cut(path, 120)
        ))),
    }
}

/// The temp path of file `name`.
fn path_of(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// Bytes a file being written gathers before one write on the blocking
/// pool: a server's small chunks cost a hand-off per this many bytes, not
/// one each.
const WRITE_BATCH: usize = 64 * 1024;

/// A file being written (a download under way): its bytes count against
/// the app's `temp_bytes` as they come; dropped before [`Incoming::finish`],
/// it is removed.
pub(crate) struct Incoming {
    area: Arc<TempArea>,
    name: String,
    /// `None` while a write of it runs on the blocking pool (and for good
    /// if that write was abandoned).
    file: Option<File>,
    /// Bytes taken (and charged) not written yet: under [`WRITE_BATCH`].
    batch: Vec<u8>,
    bytes: u64,
    whole: bool,
}

impl Incoming {
    /// Append `chunk`, within the app's `temp_bytes`: charged first, then
    /// written on tokio's blocking pool through the file the area's `Dir`
    /// opened, so the disk holds no async worker; small chunks gathered
    /// into writes of [`WRITE_BATCH`] bytes.
    pub async fn write(&mut self, chunk: bytes::Bytes) -> CallResult<()> {
        self.charge(chunk.len() as u64)?;
        if self.batch.is_empty() && chunk.len() >= WRITE_BATCH {
            return self.write_out(chunk).await;
        }
        self.batch.extend_from_slice(&chunk);
        match self.batch.len() >= WRITE_BATCH {
            true => self.write_batch().await,
            false => Ok(()),
        }
    }

    /// Write the bytes gathered, if any.
    async fn write_batch(&mut self) -> CallResult<()> {
        let batch = std::mem::take(&mut self.batch);
        match batch.is_empty() {
            true => Ok(()),
            false => self.write_out(batch.into()).await,
        }
    }

    /// Write `bytes` on the blocking pool.
    async fn write_out(&mut self, bytes: bytes::Bytes) -> CallResult<()> {
        let mut file = self.file.take().ok_or_else(abandoned)?;
        let written = tokio::task::spawn_blocking(move || {
            let result = file.write_all(&bytes);
            (file, result)
        });
        let (file, result) = written.await.map_err(|e| write_failed(e.into()))?;
        self.file = Some(file);
        result.map_err(write_failed)
    }

    /// Count `n` more bytes against the app's `temp_bytes`, or refuse them.
    fn charge(&mut self, n: u64) -> CallResult<()> {
        let limit = self.area.bytes_limit.load(Ordering::Relaxed);
        let mut book = lock(&self.area.book);
        if book.bytes + n > limit {
            return Err(CallError::quota(format!(
                "app `{}`'s temp files would be over its {limit} bytes (quota `temp_bytes`): remove some with `remove-temp-file`",
                self.area.app
            )));
        }
        book.bytes += n;
        if let Some(entry) = book.files.get_mut(&self.name) {
            entry.bytes += n;
        }
        self.bytes += n;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.bytes
    }

    /// The file is whole (its last bytes written): readable by its
    /// instance once the app takes it ([`TempFile::keep`]).
    pub async fn finish(mut self) -> CallResult<TempFile> {
        self.write_batch().await?;
        let file = self.file.as_mut().ok_or_else(abandoned)?;
        file.flush().map_err(write_failed)?;
        if let Some(entry) = lock(&self.area.book).files.get_mut(&self.name) {
            entry.whole = true;
            entry.made = Instant::now();
        }
        self.whole = true;
        Ok(TempFile {
            area: self.area.clone(),
            name: std::mem::take(&mut self.name),
            kept: false,
        })
    }
}

fn write_failed(e: std::io::Error) -> CallError {
    CallError::failed(format!("cannot write a temp file: {e}"))
}

/// A file whose earlier write was abandoned midway.
fn abandoned() -> CallError {
    CallError::failed("cannot write a temp file: an earlier write of it did not finish")
}

/// A whole file the app has not been told of yet (a download's answer,
/// until `take-download`): dropped first (its page left, the completion
/// did not take it), it is removed.
pub(crate) struct TempFile {
    area: Arc<TempArea>,
    name: String,
    kept: bool,
}

impl TempFile {
    /// Hand it to the app: its temp path.
    pub fn keep(mut self) -> String {
        self.kept = true;
        path_of(&self.name)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            self.area.forget(&self.name);
        }
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.whole {
            self.area.forget(&self.name);
        }
    }
}

/// Gives each instance its own number in the temp areas.
static OWNERS: AtomicU64 = AtomicU64::new(1);

/// One instance's place in its app's temp area, whatever capability gives
/// it files (downloads, the device's choosers): the files given to it are
/// answered only for it, and go when it ends (this is dropped with the
/// instance's state).
pub(crate) struct InstanceTemp {
    area: Arc<TempArea>,
    owner: u64,
}

impl InstanceTemp {
    /// A new instance's place in `area`.
    pub fn new(area: Arc<TempArea>) -> Arc<InstanceTemp> {
        Arc::new(InstanceTemp {
            area,
            owner: OWNERS.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// A new file for this instance ([`TempArea::create`]).
    pub fn create(&self) -> CallResult<Incoming> {
        self.area.create(self.owner)
    }

    /// The size of `path`, a file of this instance, before reading it.
    pub fn size(&self, path: &str) -> CallResult<u64> {
        self.area.size(self.owner, path)
    }

    /// The bytes of `path`, a file of this instance, at most `max`, read
    /// on tokio's blocking pool, so the disk holds no async worker.
    pub async fn read(&self, path: &str, max: u64) -> CallResult<Vec<u8>> {
        let (area, owner, path) = (self.area.clone(), self.owner, path.to_string());
        let read = tokio::task::spawn_blocking(move || area.read(owner, &path, max));
        (read.await).map_err(|e| CallError::failed(format!("cannot read a temp file: {e}")))?
    }

    /// [`InstanceTemp::read`], its bytes charged to `memory` as `what`
    /// while the hold returned lives: charged before a byte is read, so a
    /// file over the budget reads nothing.
    pub async fn read_held(
        &self,
        path: &str,
        max: u64,
        memory: &Arc<HostMemory>,
        what: &str,
    ) -> CallResult<(Vec<u8>, Held)> {
        let size = self.size(path)?.min(max);
        let held = memory.hold(size, what).map_err(CallError::quota)?;
        Ok((self.read(path, max).await?, held))
    }

    /// [`InstanceTemp::read`] here, blocking: for a caller that is not on
    /// an async worker.
    pub fn read_blocking(&self, path: &str, max: u64) -> CallResult<Vec<u8>> {
        self.area.read(self.owner, path, max)
    }

    /// Remove `path`, a file of this instance.
    pub fn remove(&self, path: &str) -> CallResult<()> {
        self.area.remove(self.owner, path)
    }
}

impl Drop for InstanceTemp {
    fn drop(&mut self) {
        self.area.release(self.owner);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use bytes::Bytes;
    use miniapp_config::Quotas;

    use super::{TEMP_FILE_TTL, TempArea, TempAreas, name_of};
    use crate::bindings::{CallError, types};

    fn areas(dir: &tempfile::TempDir) -> TempAreas {
        TempAreas::new(dir.path().join("tmp"))
    }

    /// A whole file of `owner` holding `bytes`, and its temp path.
    async fn file(area: &Arc<TempArea>, owner: u64, bytes: &'static [u8]) -> String {
        let mut incoming = area.create(owner).unwrap();
        incoming.write(Bytes::from_static(bytes)).await.unwrap();
        incoming.finish().await.unwrap().keep()
    }

    fn refusal<T: std::fmt::Debug>(result: super::CallResult<T>) -> types::Error {
        match result {
            Err(CallError::Guest(e)) => e,
            other => panic!("not refused: {other:?}"),
        }
    }

    fn on_disk(dir: &tempfile::TempDir, app: &str) -> usize {
        std::fs::read_dir(dir.path().join("tmp").join(app))
            .unwrap()
            .count()
    }

    #[tokio::test]
    async fn a_file_is_read_back_by_its_instance_only_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let area = areas(&dir).area("demo.files", &Quotas::default());
        let path = file(&area, 1, b"hello").await;
        assert!(path.starts_with("wxfile://tmp/"), "{path}");
        assert_eq!(area.read(1, &path, 100).unwrap(), b"hello");
        let other = refusal(area.read(2, &path, 100));
        assert!(
            matches!(&other, types::Error::InvalidArgument(m) if m.contains("not a temp file of this app")),
            "{other:?}"
        );
        let big = refusal(area.read(1, &path, 4));
        assert!(matches!(big, types::Error::QuotaExceeded(_)), "{big:?}");
        area.remove(1, &path).unwrap();
        assert_eq!(area.used(), (0, 0));
        assert_eq!(on_disk(&dir, "demo.files"), 0);
        assert!(area.read(1, &path, 100).is_err(), "gone");
    }

    #[test]
    fn paths_the_host_did_not_give_out_are_refused() {
        for path in [
            "wxfile://tmp/../storage.redb",
            "/etc/passwd",
            "wxfile://tmp/0123456789abcdef0123456789abcdef/../x",
            "wxfile://tmp/0123456789ABCDEF0123456789ABCDEF",
            "wxfile://tmp/0123456789abcdef0123456789abcde",
            "../demo.other/0123456789abcdef0123456789abcdef",
            "",
        ] {
            let refused = refusal(name_of(path));
            assert!(
                matches!(&refused, types::Error::InvalidArgument(m) if m.contains("is not a temp file path")),
                "{path}: {refused:?}"
            );
        }
        assert!(name_of("wxfile://tmp/0123456789abcdef0123456789abcdef").is_ok());
    }

    #[tokio::test]
    async fn another_apps_file_is_not_this_apps() {
        let dir = tempfile::tempdir().unwrap();
        let areas = areas(&dir);
        let one = areas.area("demo.one", &Quotas::default());
        let two = areas.area("demo.two", &Quotas::default());
        let path = file(&one, 1, b"one's").await;
        assert!(two.read(1, &path, 100).is_err());
        assert!(two.remove(1, &path).is_err());
        assert_eq!(one.read(1, &path, 100).unwrap(), b"one's");
    }

    #[tokio::test]
    async fn the_area_is_a_handle_no_name_leaves() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), "the host's").unwrap();
        let area = areas(&dir).area("demo.files", &Quotas::default());
        let path = file(&area, 1, b"mine").await;
        let handle = area.dir().ok().unwrap();
        assert!(handle.open("../../secret").is_err(), "`..` is refused");
        assert!(handle.open(dir.path().join("secret")).is_err(), "absolute");
        // A file of the area swapped for a symlink out of it is not followed.
        let name = path.trim_start_matches("wxfile://tmp/");
        let on_disk = dir.path().join("tmp/demo.files").join(name);
        std::fs::remove_file(&on_disk).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), &on_disk).unwrap();
        let refused = refusal(area.read(1, &path, 100));
        assert!(matches!(refused, types::Error::Failed(_)), "{refused:?}");
    }

    #[tokio::test]
    async fn bytes_and_files_are_bounded_for_the_app_as_a_whole() {
        let dir = tempfile::tempdir().unwrap();
        let quotas = Quotas {
            temp_bytes: 10,
            temp_files: 2,
            ..Quotas::default()
        };
        let areas = areas(&dir);
        let area = areas.area("demo.files", &quotas);
        assert!(
            Arc::ptr_eq(&area, &areas.area("demo.files", &quotas)),
            "one area per app"
        );
        file(&area, 1, b"123456").await;
        // Another instance of the app shares the budget.
        let mut incoming = area.create(2).unwrap();
        let over = refusal(incoming.write(Bytes::from_static(b"12345")).await);
        assert!(
            matches!(&over, types::Error::QuotaExceeded(m) if m.contains("`temp_bytes`")),
            "{over:?}"
        );
        drop(incoming);
        assert_eq!(area.used(), (6, 1), "the refused file is gone");
        assert_eq!(on_disk(&dir, "demo.files"), 1);
        file(&area, 2, b"").await;
        let full = refusal(area.create(3).map(|_| ()));
        assert!(
            matches!(&full, types::Error::QuotaExceeded(m) if m.contains("`temp_files`")),
            "{full:?}"
        );
    }

    #[tokio::test]
    async fn files_are_cleared_at_first_open_when_their_instance_ends_and_after_the_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join("tmp/demo.files");
        std::fs::create_dir_all(left.join("sub")).unwrap();
        std::fs::write(left.join("0123456789abcdef0123456789abcdef"), "old").unwrap();
        let area = areas(&dir).area("demo.files", &Quotas::default());
        let first = file(&area, 1, b"first").await;
        assert_eq!(
            on_disk(&dir, "demo.files"),
            1,
            "what an earlier process left is gone"
        );
        file(&area, 2, b"second").await;
        area.release(2);
        assert_eq!(area.used(), (5, 1), "instance 2's file went with it");
        area.sweep(Instant::now() + TEMP_FILE_TTL - Duration::from_secs(1));
        assert_eq!(area.read(1, &first, 100).unwrap(), b"first");
        area.sweep(Instant::now() + TEMP_FILE_TTL);
        assert_eq!(area.used(), (0, 0));
        assert_eq!(on_disk(&dir, "demo.files"), 0);
    }

    #[tokio::test]
    async fn small_chunks_are_gathered_and_a_file_holds_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let area = areas(&dir).area("demo.files", &Quotas::default());
        let mut incoming = area.create(1).unwrap();
        let mut expected = Vec::new();
        for i in 0..100_000u32 {
            let byte = Bytes::from(vec![i as u8]);
            expected.extend_from_slice(&byte);
            incoming.write(byte).await.unwrap();
        }
        assert!(
            incoming.batch.len() < super::WRITE_BATCH,
            "written as they fill"
        );
        let big = Bytes::from(vec![7; 3 * super::WRITE_BATCH]);
        expected.extend_from_slice(&big);
        incoming.write(big).await.unwrap();
        incoming.write(Bytes::from_static(b"tail")).await.unwrap();
        expected.extend_from_slice(b"tail");
        assert_eq!(incoming.len(), expected.len() as u64);
        let path = incoming.finish().await.unwrap().keep();
        assert_eq!(area.read(1, &path, 1 << 20).unwrap(), expected);
    }

    #[tokio::test]
    async fn a_download_not_taken_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let area = areas(&dir).area("demo.files", &Quotas::default());
        let mut incoming = area.create(1).unwrap();
        incoming.write(Bytes::from_static(b"abc")).await.unwrap();
        drop(incoming.finish().await.unwrap());
        assert_eq!(area.used(), (0, 0));
        assert_eq!(on_disk(&dir, "demo.files"), 0);
    }
}
