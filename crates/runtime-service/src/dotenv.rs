//! `.env` in the working directory: where operators keep the bot token, API keys and
//! database password. Loaded once at the top of every command, before the configuration,
//! so the variables it sets are seen by everything that reads the environment; a
//! variable already set in the environment wins, and a missing file is fine.
//!
//! A malformed line is reported by file, line number and key, never by its text: the
//! parser's own error echoes the whole line, and the line a user gets wrong is typically
//! `KEY secret` with the `=` forgotten.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The file name looked for in the working directory.
pub const FILE_NAME: &str = ".env";

/// Why `.env` could not be loaded. Never carries a value from the file.
#[derive(Debug, Error)]
pub enum DotenvError {
    /// The file exists but could not be read (permissions, not UTF-8).
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A line is not `KEY=value` (or opens a quote it never closes).
    #[error(
        "{}: line {line}{}: expected KEY=value (KEY: letters, digits, `_` or `.`; quote values with spaces); the line is not shown because it may hold a secret",
        path.display(),
        key.as_ref().map(|k| format!(" (key {k})")).unwrap_or_default()
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based number of the line the bad entry starts on.
        line: usize,
        /// The key the line starts with, when it starts with something that looks like one.
        key: Option<String>,
    },
}

/// Loads `.env` from the working directory (see [`load`]); the file loaded, if any.
pub fn load_from_working_dir() -> Result<Option<PathBuf>, DotenvError> {
    let path = std::env::current_dir()
        .map(|dir| dir.join(FILE_NAME))
        .unwrap_or_else(|_| PathBuf::from(FILE_NAME));
    Ok(load(&path)?.then_some(path))
}

/// Loads the variables of the `.env` file at `path` into the process environment, keeping
/// those already set; `false` if there is no such file. The whole file is checked before
/// any variable is set, so a malformed file sets nothing.
pub fn load(path: &Path) -> Result<bool, DotenvError> {
    let read_error = |source| DotenvError::Read {
        path: path.to_path_buf(),
        source,
    };
    let content = match std::fs::read_to_string(path) {
        Ok(content) => content,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(read_error(e)),
    };
    let content = content.strip_prefix('\u{feff}').unwrap_or(&content);
    check(content).map_err(|line| DotenvError::Malformed {
        path: path.to_path_buf(),
        line,
        key: content.lines().nth(line - 1).and_then(key_of),
    })?;
    dotenvy::from_read(content.as_bytes()).map_err(|e| match e {
        dotenvy::Error::Io(source) => read_error(source),
        // `check` parsed the same text with the same parser; keep the line out regardless.
        _ => DotenvError::Malformed {
            path: path.to_path_buf(),
            line: 0,
            key: None,
        },
    })?;
    Ok(true)
}

/// Parses `content` without touching the environment; on error, the 1-based line the
/// first bad entry starts on.
fn check(content: &str) -> Result<(), usize> {
    let mut reader = LineByLine {
        rest: content.as_bytes(),
        line: 0,
        at_line_start: true,
    };
    for item in dotenvy::from_read_iter(&mut reader) {
        if let Err(e) = item {
            // The parser has read exactly up to the end of the bad entry (see
            // `LineByLine`); the text it reports spans the entry from its key (or its
            // value) to that point, so its line breaks count back to the first line.
            let spanned = match &e {
                dotenvy::Error::LineParse(text, _) => {
                    let text = text.strip_suffix('\n').unwrap_or(text);
                    text.matches('\n').count()
                }
                _ => 0,
            };
            return Err(reader.line.saturating_sub(spanned).max(1));
        }
    }
    Ok(())
}

/// Hands the parser at most one line per read, so the number of lines handed out is the
/// line the parser is on: it reads through a buffer that refills only when empty, one
/// line at a time.
struct LineByLine<'a> {
    rest: &'a [u8],
    /// 1-based line of the last byte handed out (0 before the first).
    line: usize,
    at_line_start: bool,
}

impl Read for LineByLine<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let line_end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.rest.len(), |i| i + 1);
        let n = line_end.min(buf.len());
        let (chunk, rest) = self.rest.split_at(n);
        let Some(&last) = chunk.last() else {
            return Ok(0);
        };
        buf[..n].copy_from_slice(chunk);
        if self.at_line_start {
            self.line += 1;
        }
        self.at_line_start = last == b'\n';
        self.rest = rest;
        Ok(n)
    }
}

/// The key `line` starts with, if it looks like one: a variable name followed by `=`, or,
/// when the `=` is missing, an upper-case name followed by a space (a lone word, or a
/// lower-case one, may be the secret itself, so it is not named).
fn key_of(line: &str) -> Option<String> {
    let line = line.trim_start();
    let line = line
        .strip_prefix("export")
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .map_or(line, str::trim_start);
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let (key, rest) = line.split_at(end);
    let starts_well = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    let followed_well = rest.trim_start().starts_with('=')
        || (rest.starts_with(char::is_whitespace)
            && !key.contains(|c: char| c.is_ascii_lowercase()));
    (starts_well && followed_well).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const SECRET: &str = "supersecretvalue456";

    fn write(dir: &Path, content: &str) -> PathBuf {
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn error_for(content: &str) -> (PathBuf, String, DotenvError) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), content);
        let err = load(&path).unwrap_err();
        (path, err.to_string(), err)
    }

    #[test]
    fn names_file_line_and_key_of_a_malformed_line_but_not_its_value() {
        let (path, text, err) = error_for(&format!(
            "# keys\nRAMPART_TEST_DOTENV_OK_1=fine\n\nRAMPART_BINANCE_API_SECRET {SECRET}\n"
        ));
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("line 4"), "{text}");
        assert!(text.contains("RAMPART_BINANCE_API_SECRET"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(!format!("{err:?}").contains(SECRET), "{err:?}");
        // Nothing from a malformed file is set.
        assert!(std::env::var("RAMPART_TEST_DOTENV_OK_1").is_err());
    }

    #[test]
    fn counts_lines_of_multi_line_values_before_the_bad_line() {
        let (_, text, _) = error_for(&format!(
            "A_TEST_DOTENV=\"one\ntwo\nthree\"\nB_TEST_DOTENV=x\nTOKEN_TEST_DOTENV {SECRET}\n"
        ));
        assert!(text.contains("line 5 (key TOKEN_TEST_DOTENV)"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        // The bad entry itself spans lines: blamed on the line it starts on.
        let (_, text, _) = error_for(&format!(
            "C_TEST_DOTENV=1\nD_TEST_DOTENV=\"{SECRET}\nrest\" tail\nE_TEST_DOTENV=2\n"
        ));
        assert!(text.contains("line 2 (key D_TEST_DOTENV)"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }

    #[test]
    fn a_bad_value_is_blamed_on_its_key_line_without_the_value() {
        let (_, text, _) = error_for(&format!(
            "X_TEST_DOTENV=1\r\nSECRET_TEST_DOTENV=\"{SECRET}\" trailing\r\n"
        ));
        assert!(text.contains("line 2 (key SECRET_TEST_DOTENV)"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }

    #[test]
    fn an_unclosed_quote_is_blamed_on_the_line_that_opens_it() {
        let (_, text, _) = error_for(&format!(
            "X_TEST_DOTENV=1\nexport K_TEST_DOTENV=\"{SECRET}\n\nmore\n\n"
        ));
        assert!(text.contains("line 2 (key K_TEST_DOTENV)"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }

    #[test]
    fn a_line_that_may_be_the_secret_itself_is_not_named() {
        for (line, word) in [
            (SECRET, SECRET),
            ("lowercase secret words", "lowercase"),
            ("1234:tokenish", "tokenish"),
        ] {
            let (_, text, err) = error_for(&format!("OK_TEST_DOTENV=1\n{line}\n"));
            assert!(text.contains("line 2:"), "{text}");
            assert!(!text.contains(word), "{text}");
            assert!(matches!(err, DotenvError::Malformed { key: None, .. }));
        }
    }

    #[test]
    fn a_missing_file_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!load(&dir.path().join(FILE_NAME)).unwrap());
    }

    #[test]
    fn loads_variables_and_keeps_those_already_set() {
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        let a = write(first.path(), "\u{feff}RAMPART_TEST_DOTENV_KEEP=first\n");
        let b = write(
            second.path(),
            "RAMPART_TEST_DOTENV_KEEP=second\nexport RAMPART_TEST_DOTENV_NEW='new value'\n",
        );
        assert!(load(&a).unwrap());
        assert!(load(&b).unwrap());
        assert_eq!(std::env::var("RAMPART_TEST_DOTENV_KEEP").unwrap(), "first");
        assert_eq!(
            std::env::var("RAMPART_TEST_DOTENV_NEW").unwrap(),
            "new value"
        );
    }

    #[test]
    fn recognises_keys() {
        assert_eq!(key_of("  export A.B_1 = x").as_deref(), Some("A.B_1"));
        assert_eq!(key_of("lower=x").as_deref(), Some("lower"));
        assert_eq!(key_of("UPPER value").as_deref(), Some("UPPER"));
        assert_eq!(key_of("lower value"), None);
        assert_eq!(key_of("UPPER"), None);
        assert_eq!(key_of("1BAD=x"), None);
        assert_eq!(key_of("=x"), None);
        assert_eq!(key_of(""), None);
    }
}
