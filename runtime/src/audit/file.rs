//! An append-only file of lines that stays bounded on disk. Past its size,
//! or (for a daily file) at the first line of a new UTC day, it is renamed
//! to `NAME.1` (older ones shifting to `NAME.2` ...; the oldest kept is
//! replaced) and a new file is started at its path, so the files hold at
//! most `kept + 1` times the size. [`reopen_files`] (on SIGHUP) makes every
//! such file open its path anew at its next line: after logrotate renames
//! a file away, the lines go to a fresh file at the path.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Size past which an audit file is rotated, by default.
pub const ROTATE_BYTES: u64 = 64 * 1024 * 1024;

/// Old files a daily file keeps: a week of days (fewer when its size
/// rotates it within a day).
pub const KEPT_DAYS: usize = 7;

/// Bumped by [`reopen_files`]; a file whose count is behind reopens.
static REOPENS: AtomicU64 = AtomicU64::new(0);

/// Make every [`RotatingFile`] of this process reopen its path before its
/// next line (what a SIGHUP handler calls, for logrotate).
pub fn reopen_files() {
    REOPENS.fetch_add(1, Ordering::SeqCst);
}

/// A file of lines, rotated past a size (and, if daily, each UTC day).
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    /// Old files kept (`NAME.1` to `NAME.N`).
    kept: usize,
    daily: bool,
    file: File,
    bytes: u64,
    /// The UTC day of the file's lines (of its last change when opened).
    day: u64,
    /// [`REOPENS`] when the file was opened.
    opened: u64,
}

impl RotatingFile {
    /// Append to (or create) the file at `path`, rotated past `max_bytes`
    /// into one old file, `NAME.1`.
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<RotatingFile> {
        let opened = REOPENS.load(Ordering::SeqCst);
        let (file, bytes, day) = open_at(path)?;
        Ok(RotatingFile {
            path: path.to_path_buf(),
            max_bytes,
            kept: 1,
            daily: false,
            file,
            bytes,
            day,
            opened,
        })
    }

    /// Append to (or create) the file at `path`, rotated past `max_bytes`
    /// and at the first line of each UTC day, keeping `kept` old files
    /// (at least one).
    pub fn daily(path: &Path, max_bytes: u64, kept: usize) -> std::io::Result<RotatingFile> {
        Ok(RotatingFile {
            kept: kept.max(1),
            daily: true,
            ..RotatingFile::open(path, max_bytes)?
        })
    }

    /// Append `line` and a line break, reopening the path first if
    /// [`reopen_files`] was called, and rotating first if the line would
    /// pass the size or a daily file's day is over (a file never rotates
    /// empty, so one line longer than the size is still written).
    pub fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        let reopens = REOPENS.load(Ordering::SeqCst);
        if reopens != self.opened {
            (self.file, self.bytes, self.day) = open_at(&self.path)?;
            self.opened = reopens;
        }
        let size = line.len() as u64 + 1;
        let new_day = self.daily && today() != self.day;
        if self.bytes > 0 && (self.bytes + size > self.max_bytes || new_day) {
            self.rotate()?;
        }
        // One write per line, so that lines of writers to the same file
        // never interleave.
        let mut whole = String::with_capacity(line.len() + 1);
        whole.push_str(line);
        whole.push('\n');
        self.file.write_all(whole.as_bytes())?;
        self.bytes += size;
        self.day = today();
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        for n in (1..self.kept).rev() {
            let older = numbered(&self.path, n);
            if older.exists() {
                std::fs::rename(&older, numbered(&self.path, n + 1))?;
            }
        }
        std::fs::rename(&self.path, numbered(&self.path, 1))?;
        (self.file, self.bytes, self.day) = open_at(&self.path)?;
        Ok(())
    }
}

/// `path` with `.n` added.
fn numbered(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// The file at `path` opened to append, its size, and the UTC day of its
/// last change (today for a new or empty file).
fn open_at(path: &Path) -> std::io::Result<(File, u64, u64)> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let meta = file.metadata()?;
    let day = match meta.len() {
        0 => today(),
        _ => meta.modified().map_or_else(|_| today(), day_of),
    };
    Ok((file, meta.len(), day))
}

/// The UTC day number of `time`.
fn day_of(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

fn today() -> u64 {
    day_of(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn past_its_size_the_file_is_rotated_keeping_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut file = RotatingFile::open(&path, 1000).unwrap();
        for n in 0..1000 {
            file.write_line(&format!("line {n}")).unwrap();
        }
        let old = dir.path().join("audit.jsonl.1");
        for f in [&path, &old] {
            assert!(std::fs::metadata(f).unwrap().len() <= 1000);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().last(), Some("line 999"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // Reopened, it goes on from the size it has.
        drop(file);
        let mut file = RotatingFile::open(&path, 1000).unwrap();
        file.write_line(&"x".repeat(990)).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() <= 1000);
    }

    #[test]
    fn a_daily_file_keeps_its_count_of_old_files_shifting_the_oldest_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut file = RotatingFile::daily(&path, 100, 3).unwrap();
        for n in 0..100 {
            file.write_line(&format!("line {n:03} {}", "x".repeat(40)))
                .unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
        let last = |p: &Path| {
            let text = std::fs::read_to_string(p).unwrap();
            text.lines().last().unwrap()[..8].to_string()
        };
        // Two lines a file: the newest at the path, older ones numbered.
        assert_eq!(last(&path), "line 099");
        assert_eq!(last(&numbered(&path, 1)), "line 097");
        assert_eq!(last(&numbered(&path, 3)), "line 093");
    }

    #[test]
    fn a_daily_file_last_written_yesterday_is_rotated_at_its_next_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "yesterday's line\n").unwrap();
        let yesterday = SystemTime::now() - Duration::from_secs(86_400);
        File::options()
            .append(true)
            .open(&path)
            .unwrap()
            .set_modified(yesterday)
            .unwrap();
        let mut file = RotatingFile::daily(&path, ROTATE_BYTES, KEPT_DAYS).unwrap();
        file.write_line("today's line").unwrap();
        file.write_line("and another").unwrap();
        let old = std::fs::read_to_string(numbered(&path, 1)).unwrap();
        assert_eq!(old, "yesterday's line\n");
        let new = std::fs::read_to_string(&path).unwrap();
        assert_eq!(new, "today's line\nand another\n");
        // A size-only file is not rotated by age.
        let other = dir.path().join("other.jsonl");
        std::fs::write(&other, "old\n").unwrap();
        let f = File::options().append(true).open(&other).unwrap();
        f.set_modified(yesterday).unwrap();
        let mut file = RotatingFile::open(&other, ROTATE_BYTES).unwrap();
        file.write_line("new").unwrap();
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "old\nnew\n");
    }

    #[test]
    fn after_reopen_files_a_renamed_file_gets_a_fresh_one_at_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let moved = dir.path().join("audit.jsonl.logrotate");
        let mut file = RotatingFile::daily(&path, ROTATE_BYTES, KEPT_DAYS).unwrap();
        file.write_line("before").unwrap();
        std::fs::rename(&path, &moved).unwrap();
        file.write_line("renamed, not reopened").unwrap();
        assert!(!path.exists());
        reopen_files();
        file.write_line("after").unwrap();
        let moved = std::fs::read_to_string(&moved).unwrap();
        assert_eq!(moved, "before\nrenamed, not reopened\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "after\n");
    }
}
