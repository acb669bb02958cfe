//! Secrets off the command line: the database URL and the operator tokens
//! come from a file or the environment, so that `ps` and shell histories
//! never show them (docs/deploy.md, "Secrets").
//!
//! Precedence: the command line before the environment, and a file before
//! a value (`--database` and `--database-url-file` exclude each other):
//!
//! - the database: `--database URL` or `--database-url-file FILE`, then
//!   `MINIAPP_DATABASE_URL_FILE`, then `MINIAPP_DATABASE_URL`;
//! - the operator tokens (`miniapp serve`; `miniapp load --metrics` takes
//!   the first): `--operator-token-file FILE` (`load`: `--token-file`), then
//!   `MINIAPP_OPERATOR_TOKEN_FILE`, then `MINIAPP_OPERATOR_TOKEN`.
//!
//! An empty variable counts as unset. Errors name where a secret came from,
//! never the secret; a file that group or others may read gets a warning.

use std::path::{Path, PathBuf};

use crate::out;

/// The database URL.
pub const DATABASE_URL: &str = "MINIAPP_DATABASE_URL";
/// A file holding the database URL (its first line).
pub const DATABASE_URL_FILE: &str = "MINIAPP_DATABASE_URL_FILE";
/// The operator tokens, in the token file's format.
pub const OPERATOR_TOKEN: &str = "MINIAPP_OPERATOR_TOKEN";
/// A token file.
pub const OPERATOR_TOKEN_FILE: &str = "MINIAPP_OPERATOR_TOKEN_FILE";

/// A secret's text and where it came from (for messages).
pub struct Secret {
    pub text: String,
    pub source: String,
}

/// A set, non-empty environment variable.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Read a file holding a secret, warning on stderr if group or others may
/// read it.
pub fn read_file(path: &Path, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{what} file {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                out::error_line(format!(
                    "miniapp: warning: the {what} file {} may be read by group or others \
                     (mode {mode:03o}); `chmod 600` it",
                    path.display()
                ));
            }
        }
    }
    Ok(text)
}

/// Write a secret to a new file that only its owner may read (mode 600
/// on Unix), as [`read_file`] expects.
pub fn write_file(path: &Path, secret: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    std::io::Write::write_all(&mut options.open(path)?, secret.as_bytes())
}

/// The file given on the command line, else in `env_file`, else the value
/// of `env_value`; `None` if none is set.
fn file_or_env(
    flag: Option<&Path>,
    env_file: &str,
    env_value: &str,
    what: &str,
) -> Result<Option<Secret>, String> {
    let file = flag
        .map(|f| (f.to_path_buf(), format!("{what} file {}", f.display())))
        .or_else(|| {
            var(env_file).map(|f| {
                let source = format!("{what} file {f} (from {env_file})");
                (PathBuf::from(f), source)
            })
        });
    if let Some((path, source)) = file {
        let text = read_file(&path, what)?;
        return Ok(Some(Secret { text, source }));
    }
    Ok(var(env_value).map(|text| Secret {
        text,
        source: env_value.to_string(),
    }))
}

/// The database URL: `--database`, `--database-url-file`, then the
/// environment. A file's first non-empty line, trimmed.
pub fn database_url(flag: Option<&str>, file: Option<&Path>) -> Result<Option<String>, String> {
    if let Some(url) = flag {
        return Ok(Some(url.to_string()));
    }
    let Some(secret) = file_or_env(file, DATABASE_URL_FILE, DATABASE_URL, "database URL")? else {
        return Ok(None);
    };
    match secret.text.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(url) => Ok(Some(url.to_string())),
        None => Err(format!("{} holds no URL", secret.source)),
    }
}

/// The operator tokens' text (`NAME TOKEN` per line, or one token):
/// `flag`, then the environment.
pub fn operator_tokens(flag: Option<&Path>) -> Result<Option<Secret>, String> {
    file_or_env(flag, OPERATOR_TOKEN_FILE, OPERATOR_TOKEN, "operator token")
}

/// The first operator's token of [`operator_tokens`] (for a client).
pub fn first_operator_token(flag: Option<&Path>) -> Result<Option<String>, String> {
    let Some(secret) = operator_tokens(flag)? else {
        return Ok(None);
    };
    match first_token(&secret.text) {
        Some(Ok(token)) => Ok(Some(token.to_string())),
        Some(Err(e)) => Err(format!("{}: {e}", secret.source)),
        None => Err(format!("{} holds no token", secret.source)),
    }
}

/// The first token of a token file's text (`serve`'s format: `NAME TOKEN
/// [SCOPE]` per line, or one token; `#` comments), or why its first line
/// is not one (as `serve` would refuse it, never skipped).
pub fn first_token(text: &str) -> Option<Result<&str, String>> {
    (miniapp_serve::operator::token::entries(text).next()).map(|entry| entry.map(|e| e.token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_token_of_either_format() {
        assert_eq!(first_token("abc\n"), Some(Ok("abc")));
        assert_eq!(
            first_token("# ops\n\nalice  abc \nbob def\n"),
            Some(Ok("abc"))
        );
        assert_eq!(first_token("# none\n"), None);
        // A malformed first line is said, not skipped for the next one.
        let bad = first_token("alice abc nonsense\nbob def\n")
            .unwrap()
            .unwrap_err();
        assert!(bad.contains("line 1"), "{bad}");
    }
}
