//! An append-only file of lines that stays bounded on disk: past its size it
//! is renamed to `NAME.1` (the one older file kept, replacing the previous
//! one) and a new file is started, so the pair holds at most twice the size.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Size past which an audit file is rotated, by default.
pub const ROTATE_BYTES: u64 = 64 * 1024 * 1024;

/// A file of lines, rotated past a size.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    file: File,
    bytes: u64,
}

impl RotatingFile {
    /// Append to (or create) the file at `path`, rotated past `max_bytes`.
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<RotatingFile> {
        let file = append(path)?;
        let bytes = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            max_bytes,
            file,
            bytes,
        })
    }

    /// Append `line` and a line break, rotating first if it would pass the
    /// size (a file never rotates empty, so one line longer than the size
    /// is still written).
    pub fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        let size = line.len() as u64 + 1;
        if self.bytes > 0 && self.bytes + size > self.max_bytes {
            self.rotate()?;
        }
        // One write per line, so that lines of writers to the same file
        // never interleave.
        let mut whole = String::with_capacity(line.len() + 1);
        whole.push_str(line);
        whole.push('\n');
        self.file.write_all(whole.as_bytes())?;
        self.bytes += size;
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old)?;
        self.file = append(&self.path)?;
        self.bytes = 0;
        Ok(())
    }
}

fn append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
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
}
