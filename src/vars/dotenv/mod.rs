//! The `.env` file, read the way the Node `dotenv` package (v16) reads it,
//! so files written for the Node scheduler keep their meaning. This file
//! owns the variables a file yields ([`DotEnv`]) and reading it from disk;
//! [`parse`] owns the format and [`error`] what can be wrong with a file.
//!
//! The rule: **every file this parser accepts yields exactly the variables
//! dotenv 16.6 yields; every file where they would differ is rejected with
//! an error.** A file that passes here therefore means the same thing to
//! jobrun and to the Node scheduler during a migration.
//!
//! Messages never quote the file: a malformed line may be a fragment of a
//! secret (the second line of a key whose opening quote was lost), so an
//! error carries only a line, a column and a description.

mod error;
mod parse;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Span};
use crate::files::{self, Pipes, ReadError};

pub(crate) use error::EnvFileError;

/// The largest `.env` file read: a file of a few hundred variables is a
/// few kilobytes, and one larger than this is not a `.env` file.
pub(crate) const MAX_BYTES: u64 = 1024 * 1024;

/// The variables of a `.env` file, in order of first definition.
///
/// `Debug` is written by hand and shows names only: the values are secrets.
#[derive(Clone, Default)]
pub(crate) struct DotEnv {
    vars: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl DotEnv {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.index.get(name).map(|&i| self.vars[i].1.as_str())
    }

    /// Names in order of first definition.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(name, _)| name.as_str())
    }

    #[cfg(test)]
    /// (name, value) pairs in order of first definition, e.g. to mask every
    /// value from the file in output.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.vars.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// A later definition wins but keeps the first one's place, as assigning
    /// to an existing key of a JavaScript object does.
    fn insert(&mut self, name: String, value: String) {
        match self.index.get(&name) {
            Some(&i) => self.vars[i].1 = value,
            None => {
                self.index.insert(name.clone(), self.vars.len());
                self.vars.push((name, value));
            }
        }
    }
}

impl fmt::Debug for DotEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DotEnv")
            .field("names", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

impl DotEnv {
    /// Read the `.env` file at `path`. A missing file is empty unless it
    /// was named (`explicit`); a malformed line is an error, since a
    /// variable silently dropped is worse than a refusal.
    pub(crate) fn read(path: &Path, explicit: bool) -> Result<DotEnv, EnvFileError> {
        let invalid = |problems| EnvFileError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        // A file named with `--env-file` may be a pipe (`<(sops -d ...)`);
        // the one found beside the job file is a file.
        let pipes = if explicit {
            Pipes::Read
        } else {
            Pipes::Refused
        };
        let bytes = match files::read(path, MAX_BYTES, pipes) {
            Ok(bytes) => bytes,
            Err(ReadError::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            }) if !explicit => {
                return Ok(DotEnv::default());
            }
            Err(e) => {
                return Err(EnvFileError::Unreadable {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                    explicit,
                });
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            invalid(vec![
                Diagnostic::file_error("the env file is not UTF-8 text")
                    .with_help("save it as UTF-8"),
            ])
        })?;
        DotEnv::parse(&text).map_err(|errors| {
            invalid(
                errors
                    .into_iter()
                    .map(|e| {
                        Diagnostic::error(
                            e.message,
                            Span::new(e.line as u32, e.column as u32, e.len as u32),
                        )
                        .with_help_opt(e.help)
                    })
                    .collect(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_has_no_variables() {
        let env = DotEnv::parse("").unwrap();
        assert!(env.is_empty());
        assert_eq!(env.len(), 0);
    }

    #[test]
    fn get_and_names() {
        let env = DotEnv::parse("A=1\nB=2").unwrap();
        assert_eq!(
            (env.get("A"), env.get("B"), env.get("C")),
            (Some("1"), Some("2"), None)
        );
        assert_eq!(env.names().collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(env.len(), 2);
    }

    #[test]
    fn errors_and_debug_never_contain_a_value_or_the_line() {
        const SENTINEL: &str = "s3cr3t-SENTINEL";
        let text = [
            SENTINEL.to_owned(),
            format!("A={SENTINEL}#x"),
            format!("B=\"{SENTINEL}"),
            format!("C='{SENTINEL}'{SENTINEL}"),
            format!("{SENTINEL} x={SENTINEL}"),
            format!("D{SENTINEL}é={SENTINEL}"),
            format!("E=`x` #\u{2028}{SENTINEL}"),
            format!("OK={SENTINEL}"),
        ]
        .join("\n");
        let errors = DotEnv::parse(&text).unwrap_err();
        assert_eq!(errors.len(), 7);
        for error in &errors {
            for shown in [
                error.to_string(),
                format!("{error:?}"),
                error.help.clone().unwrap(),
            ] {
                assert!(!shown.contains(SENTINEL), "{shown}");
            }
        }
        let errors_debug = format!("{:?}", DotEnv::parse(&text));
        assert!(!errors_debug.contains(SENTINEL), "{errors_debug}");

        let env = DotEnv::parse(&format!("TOKEN={SENTINEL}")).unwrap();
        let debug = format!("{env:?}");
        assert!(
            !debug.contains(SENTINEL) && debug.contains("TOKEN"),
            "{debug}"
        );
    }
}
