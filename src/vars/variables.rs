//! Where `${VAR}` values come from, in this order:
//!
//! 1. `NAME` itself, from the environment, then the `.env` file: a value
//!    set explicitly always wins. An empty `NAME` counts as unset here (as
//!    it did for the Node scheduler's checks), so a template's `NAME=`
//!    does not hide a secret given below.
//! 2. `NAME_FILE` (a path) or `ENCRYPTED_NAME` (a value sealed with
//!    `JWT_ENCRYPTION_KEY`), each from the environment, then `.env`. Both
//!    set is an error: jobrun does not pick between two sources of a secret.
//! 3. `$CREDENTIALS_DIRECTORY/NAME` (or `.../name`), from systemd's
//!    `LoadCredential=`.
//! 4. For `JWT_TOKEN` only: a token minted from `JWT_SECRET`.
//! 5. An empty `NAME`, if it was set.
//!
//! Every value found in steps 2 to 4 is a secret whatever its name, and so
//! are `JWT_SECRET` and `JWT_ENCRYPTION_KEY`. Nothing is ever written into
//! the process environment.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Span};
use crate::job::Job;
use crate::job::builtin;
use crate::job::template::Template;
use crate::vars::dotenv::{DotEnv, EnvFileError};
use crate::vars::jwt;
use crate::vars::sealed::{self, OpenError};
use crate::vars::secret_file::{self, ReadError};

/// The variable holding the key of `ENCRYPTED_` values.
pub(crate) const ENCRYPTION_KEY: &str = "JWT_ENCRYPTION_KEY";
/// The prefix of a variable holding another's value, sealed.
pub(crate) const ENCRYPTED_PREFIX: &str = "ENCRYPTED_";
/// The suffix of a variable holding the path of another's value.
pub(crate) const FILE_SUFFIX: &str = "_FILE";

pub(crate) struct Variables<'a> {
    process: &'a dyn Fn(&str) -> Option<String>,
    /// Whether the process environment sets a variable to bytes that are
    /// not UTF-8 (which `process` cannot give).
    not_text: &'a dyn Fn(&str) -> bool,
    dotenv: DotEnv,
    /// The `.env` file consulted (it may not exist).
    pub(crate) env_file: PathBuf,
    /// The time a minted token is issued at.
    now: jiff::Timestamp,
    /// Each variable resolved so far: every use of a name within one run
    /// sees one value, and each file is read once.
    resolved: RefCell<HashMap<String, Result<Option<String>, VariableError>>>,
    /// Values that came from files, decryption or minting.
    secrets: RefCell<Vec<String>>,
    /// Whether `JWT_TOKEN` was minted here (and so is fresh).
    minted: RefCell<bool>,
}

/// Why a variable has no usable value. Names variables and paths, never a
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VariableError {
    #[error("cannot read `{var}` from `{}` (named by `{from}`): {why}", path.display())]
    File {
        var: String,
        /// `NAME_FILE`, or `CREDENTIALS_DIRECTORY`.
        from: String,
        path: PathBuf,
        why: ReadError,
    },
    #[error("`{var}` is given both by `{first}` and by `{second}`")]
    TwoSources {
        var: String,
        first: String,
        second: String,
    },
    #[error("`{encrypted}` is set but `{ENCRYPTION_KEY}` is not, so `{var}` cannot be decrypted")]
    NoKey { var: String, encrypted: String },
    #[error("cannot decrypt `{encrypted}`: {why}")]
    Sealed {
        var: String,
        encrypted: String,
        why: OpenError,
    },
    #[error(
        "`{var}` must be a whole number of seconds from 1 to {} (ten years)",
        crate::vars::jwt::MAX_TTL_SECONDS
    )]
    Ttl { var: String },
    #[error("`{ENCRYPTION_KEY}` is not set")]
    KeyUnset,
    /// Set in the process environment to bytes that are not UTF-8.
    #[error("`{var}` is set in the environment, but its value is not UTF-8 text")]
    NotText { var: String },
}

impl VariableError {
    #[cfg(test)]
    /// The variable the problem is about.
    pub(crate) fn var(&self) -> &str {
        match self {
            VariableError::File { var, .. }
            | VariableError::TwoSources { var, .. }
            | VariableError::NoKey { var, .. }
            | VariableError::Sealed { var, .. }
            | VariableError::Ttl { var }
            | VariableError::NotText { var } => var,
            VariableError::KeyUnset => ENCRYPTION_KEY,
        }
    }

    pub(crate) fn help(&self) -> String {
        match self {
            VariableError::File {
                from,
                why: ReadError::Relative,
                ..
            } => format!(
                "give `{from}` an absolute path: cron and systemd start jobrun in different directories"
            ),
            VariableError::File { from, .. } => format!(
                "check the path in `{from}` and that the user running jobrun may read the file"
            ),
            VariableError::TwoSources { first, second, .. } => format!(
                "keep one of `{first}` and `{second}`: jobrun does not pick between two sources of a secret"
            ),
            VariableError::NoKey { .. } => format!(
                "set `{ENCRYPTION_KEY}` in the environment or the .env file: the key `jobrun encrypt` used"
            ),
            VariableError::Sealed { var, .. } => format!(
                "make the value again with `jobrun encrypt {var}` and the current `{ENCRYPTION_KEY}`, and replace it"
            ),
            VariableError::Ttl { var } => {
                format!(
                    "write `{var}` in seconds, such as 3600 for an hour, or unset it for 60 days"
                )
            }
            VariableError::KeyUnset => format!(
                "set `{ENCRYPTION_KEY}` in the environment or the .env file; every host that runs the jobs needs the same key"
            ),
            VariableError::NotText { var } => format!(
                "set `{var}` as UTF-8 text (`iconv -t UTF-8` converts a value from another encoding); jobrun takes variables as text"
            ),
        }
    }
}

/// The `.env` file: `--env-file`, else `.env` beside the job file. Not the
/// working directory: cron starts jobs in `$HOME`.
pub(crate) fn env_file_path(flag: Option<&Path>, config: &Path) -> PathBuf {
    match flag {
        Some(path) => path.to_path_buf(),
        None => config.parent().unwrap_or(Path::new("")).join(".env"),
    }
}

impl<'a> Variables<'a> {
    /// Read the `.env` file. A missing default `.env` is fine; a missing
    /// file named with `--env-file` is an error. A malformed line is an
    /// error too: a variable silently dropped is worse than a refusal.
    /// `now` is when a minted token is issued.
    pub(crate) fn load(
        process: &'a dyn Fn(&str) -> Option<String>,
        not_text: &'a dyn Fn(&str) -> bool,
        env_file: PathBuf,
        explicit: bool,
        now: jiff::Timestamp,
    ) -> Result<Variables<'a>, EnvFileError> {
        let dotenv = DotEnv::read(&env_file, explicit)?;
        Ok(Variables {
            process,
            not_text,
            dotenv,
            env_file,
            now,
            resolved: RefCell::default(),
            secrets: RefCell::default(),
            minted: RefCell::default(),
        })
    }

    /// An error for each variable `job` needs that is set nowhere, and for
    /// each variable it uses whose file or sealed value cannot be used, at
    /// the place the job first uses it.
    pub(crate) fn missing(&self, job: &Job) -> Vec<Diagnostic> {
        let context = format!("job `{}`", job.name);
        // Found only once something is missing, then once for all.
        let mut uses = None;
        needs(job.templates(), &[builtin::NAMES])
            .into_iter()
            .filter_map(|(variable, need)| {
                self.problem(variable, need, &context, || {
                    let uses = uses.get_or_insert_with(|| job.uses_by_name(false));
                    uses.get(variable).copied().unwrap_or(job.span)
                })
            })
            .collect()
    }

    /// The same for the job's notifications and healthcheck, but for what
    /// [`Variables::missing`] reports already. Their own placeholders
    /// (`ERROR`, `RUN_ID`...) are filled in by the run, never looked up.
    /// A notification that cannot be sent does not stop the job from
    /// running: `run` shows these as warnings, `validate` as errors.
    pub(crate) fn missing_for_notices(&self, job: &Job) -> Vec<Diagnostic> {
        // Every run asks: most jobs have nothing to tell, and pay nothing.
        if job.notify.on_failure.is_none()
            && job.notify.on_recovery.is_none()
            && job.healthcheck.is_none()
        {
            return Vec::new();
        }
        let request = needs(job.templates(), &[builtin::NAMES]);
        // The healthcheck's variables, to say which of the two needs one.
        let pinged: BTreeSet<&str> = job
            .healthcheck
            .iter()
            .flat_map(|t| t.placeholders())
            .map(|p| p.name.as_str())
            .collect();
        let notified: BTreeSet<&str> = job
            .notice_templates()
            .into_iter()
            .filter(|t| {
                !job.healthcheck
                    .as_ref()
                    .is_some_and(|h| std::ptr::eq(*t, h))
            })
            .flat_map(|t| t.placeholders())
            .map(|p| p.name.as_str())
            .collect();
        let exempt = [builtin::NAMES, crate::job::notice::PLACEHOLDERS];
        let mut problems = Vec::new();
        let mut uses = None;
        for (variable, mut need) in needs(job.notice_templates(), &exempt) {
            match request.get(variable) {
                None => {}
                // `missing` reports it unset, and any unusable value.
                Some(Need { required: true, .. }) => continue,
                // The request's uses have defaults: `missing` reports only
                // an unusable value.
                Some(Need {
                    required: false, ..
                }) => need.report_unusable = false,
            }
            let by = match (notified.contains(variable), pinged.contains(variable)) {
                (true, true) => "its notifications and healthcheck",
                (false, true) => "its healthcheck",
                _ => "its notifications",
            };
            let context = format!("job `{}`, used by {by}", job.name);
            problems.extend(self.problem(variable, need, &context, || {
                let uses = uses.get_or_insert_with(|| job.uses_by_name(true));
                uses.get(variable).copied().unwrap_or(job.span)
            }));
        }
        problems
    }

    /// The error about `variable`, if there is one: required and set
    /// nowhere, or (if `need.report_unusable`) its value cannot be used. The
    /// message ends with `(context)`.
    fn problem(
        &self,
        variable: &str,
        need: Need,
        context: &str,
        at: impl FnOnce() -> Span,
    ) -> Option<Diagnostic> {
        match self.resolve(variable) {
            Ok(Some(_)) => None,
            Ok(None) if need.required => Some(
                Diagnostic::error(
                    format!("variable `{variable}` is not set ({context})"),
                    at(),
                )
                .with_help(format!(
                    "set it in the environment or in `{}`",
                    self.env_file.display()
                )),
            ),
            Ok(None) => None,
            Err(error) if need.report_unusable => Some(
                Diagnostic::error(format!("{error} ({context})"), at()).with_help(error.help()),
            ),
            Err(_) => None,
        }
    }

    /// A variable's value, or `None` when it is unset or cannot be used
    /// (which [`Variables::missing`] and [`Variables::resolve`] report).
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.resolve(name).ok().flatten()
    }

    /// A variable's value through every source, in the order the module
    /// documentation gives.
    pub(crate) fn resolve(&self, name: &str) -> Result<Option<String>, VariableError> {
        if let Some(known) = self.resolved.borrow().get(name) {
            return known.clone();
        }
        let result = self.find(name);
        self.resolved
            .borrow_mut()
            .insert(name.to_string(), result.clone());
        result
    }

    /// The values to mask besides those the job's own placeholders bring:
    /// every value from a file, a sealed value or minting, and the signing
    /// and encryption keys.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = ["JWT_SECRET", ENCRYPTION_KEY]
            .into_iter()
            .filter_map(|name| self.get(name))
            .collect();
        out.extend(self.secrets.borrow().iter().cloned());
        out.retain(|value| !value.is_empty());
        out
    }

    /// Whether `name`'s value is a token jobrun minted for this run.
    pub(crate) fn minted(&self, name: &str) -> bool {
        name == "JWT_TOKEN" && self.resolve(name).is_ok() && *self.minted.borrow()
    }

    /// The value written as `name` itself: the environment wins over `.env`,
    /// even with a value that cannot be used.
    fn raw(&self, name: &str) -> Result<Option<String>, VariableError> {
        if let Some(value) = (self.process)(name) {
            return Ok(Some(value));
        }
        if (self.not_text)(name) {
            return Err(VariableError::NotText {
                var: name.to_string(),
            });
        }
        Ok(self.dotenv.get(name).map(str::to_string))
    }

    fn find(&self, name: &str) -> Result<Option<String>, VariableError> {
        let direct = self.raw(name)?;
        if direct.as_deref().is_some_and(|v| !v.is_empty()) {
            return Ok(direct);
        }
        let set = |var: &str| Ok::<_, VariableError>(self.raw(var)?.filter(|v| !v.is_empty()));
        let file_var = format!("{name}{FILE_SUFFIX}");
        let sealed_var = format!("{ENCRYPTED_PREFIX}{name}");
        // The key cannot be sealed with itself.
        let sealed = if name == ENCRYPTION_KEY {
            None
        } else {
            set(&sealed_var)?
        };
        let found = match (set(&file_var)?, sealed) {
            (Some(_), Some(_)) => {
                return Err(VariableError::TwoSources {
                    var: name.to_string(),
                    first: file_var,
                    second: sealed_var,
                });
            }
            (Some(path), None) => Some(self.read(name, &file_var, PathBuf::from(path))?),
            (None, Some(value)) => {
                let key = self
                    .resolve(ENCRYPTION_KEY)?
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| VariableError::NoKey {
                        var: name.to_string(),
                        encrypted: sealed_var.clone(),
                    })?;
                Some(
                    sealed::open(&key, &value).map_err(|why| VariableError::Sealed {
                        var: name.to_string(),
                        encrypted: sealed_var,
                        why,
                    })?,
                )
            }
            (None, None) => match self.credential(name)? {
                Some(value) => Some(value),
                None if name == "JWT_TOKEN" => {
                    let minted = self.mint()?;
                    *self.minted.borrow_mut() = minted.is_some();
                    minted
                }
                None => None,
            },
        };
        match found {
            Some(value) => {
                self.secrets.borrow_mut().push(value.clone());
                Ok(Some(value))
            }
            None => Ok(direct),
        }
    }

    fn read(&self, name: &str, from: &str, path: PathBuf) -> Result<String, VariableError> {
        secret_file::read(&path).map_err(|why| VariableError::File {
            var: name.to_string(),
            from: from.to_string(),
            path,
            why,
        })
    }

    /// `$CREDENTIALS_DIRECTORY/NAME`: set by systemd in the environment,
    /// never read from `.env`.
    fn credential(&self, name: &str) -> Result<Option<String>, VariableError> {
        let Some(directory) = (self.process)("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty())
        else {
            return Ok(None);
        };
        match secret_file::credential(Path::new(&directory), name) {
            Some(path) => self.read(name, "CREDENTIALS_DIRECTORY", path).map(Some),
            None => Ok(None),
        }
    }

    /// A token signed with `JWT_SECRET`, when it is set.
    fn mint(&self) -> Result<Option<String>, VariableError> {
        let Some(secret) = self.resolve("JWT_SECRET")?.filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let subject = self
            .resolve("JWT_SUB")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| jwt::DEFAULT_SUBJECT.to_string());
        let ttl = match self.resolve("JWT_TTL_SECONDS")?.filter(|t| !t.is_empty()) {
            None => jwt::DEFAULT_TTL_SECONDS,
            Some(text) => jwt::ttl(&text).ok_or_else(|| VariableError::Ttl {
                var: "JWT_TTL_SECONDS".into(),
            })?,
        };
        Ok(Some(jwt::mint(
            secret.as_bytes(),
            &subject,
            self.now.as_second(),
            ttl,
        )))
    }
}

/// What is asked of a variable some templates use.
#[derive(Debug, Clone, Copy)]
struct Need {
    /// A use has no default: unset, it is an error.
    required: bool,
    /// Whether a value that cannot be used (an unreadable file, a sealed
    /// value that does not open) is reported.
    report_unusable: bool,
}

/// The variables `templates` use, but for the names in `exempt` (filled in
/// by jobrun itself), with what is asked of each.
fn needs<'t>(templates: Vec<&'t Template>, exempt: &[&[&str]]) -> BTreeMap<&'t str, Need> {
    let mut needs: BTreeMap<&str, Need> = BTreeMap::new();
    for placeholder in templates.into_iter().flat_map(|t| t.placeholders()) {
        let name = placeholder.name.as_str();
        if exempt.iter().any(|names| names.contains(&name)) {
            continue;
        }
        let need = needs.entry(name).or_insert(Need {
            required: false,
            report_unusable: true,
        });
        need.required |= placeholder.default.is_none();
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    /// Variables from `process` (NAME=value pairs) and a `.env` holding
    /// `dotenv`, at a fixed time.
    fn with<R>(process: &[(&str, &str)], dotenv: &str, test: impl FnOnce(&Variables) -> R) -> R {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join(".env");
        std::fs::write(&env_file, dotenv).unwrap();
        let pairs: Vec<(String, String)> = process
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect();
        let lookup = move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let now = jiff::Timestamp::from_second(NOW).unwrap();
        let variables = Variables::load(&lookup, &|_| false, env_file, true, now).unwrap();
        test(&variables)
    }

    fn secret_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn the_environment_wins_over_dotenv() {
        with(&[("A", "env")], "A=file\nB=file\n", |v| {
            assert_eq!(v.get("A").as_deref(), Some("env"));
            assert_eq!(v.get("B").as_deref(), Some("file"));
            assert_eq!(v.get("C"), None);
        });
    }

    #[test]
    fn a_file_gives_its_contents_less_one_newline_and_is_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(&dir, "token", "from-file\n");
        with(&[], &format!("REPORT_ID_FILE={path}\n"), |v| {
            assert_eq!(v.get("REPORT_ID").as_deref(), Some("from-file"));
            assert!(v.secrets().contains(&"from-file".to_string()));
        });
    }

    #[test]
    fn an_explicit_value_wins_over_every_indirect_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(&dir, "token", "from-file");
        let sealed = sealed::seal("k", b"sealed", [0; 12]);
        with(
            &[("T", "explicit"), ("T_FILE", &path)],
            &format!("ENCRYPTED_T={sealed}\nJWT_ENCRYPTION_KEY=k\n"),
            |v| {
                assert_eq!(v.get("T").as_deref(), Some("explicit"));
                assert!(!v.secrets().contains(&"from-file".to_string()));
            },
        );
    }

    #[test]
    fn an_empty_value_does_not_hide_an_indirect_one() {
        let sealed = sealed::seal("k", b"sealed", [0; 12]);
        with(
            &[("T", "")],
            &format!("ENCRYPTED_T={sealed}\nJWT_ENCRYPTION_KEY=k\nE=\n"),
            |v| {
                assert_eq!(v.get("T").as_deref(), Some("sealed"));
                assert_eq!(v.get("E").as_deref(), Some(""));
            },
        );
    }

    #[test]
    fn a_file_and_a_sealed_value_for_one_variable_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(&dir, "token", "x");
        with(&[("T_FILE", &path), ("ENCRYPTED_T", "abc")], "", |v| {
            let error = v.resolve("T").unwrap_err();
            assert_eq!(
                error.to_string(),
                "`T` is given both by `T_FILE` and by `ENCRYPTED_T`"
            );
        });
    }

    #[test]
    fn a_missing_file_names_the_variable_and_the_path() {
        with(&[("T_FILE", "/nonexistent/t")], "", |v| {
            let error = v.resolve("T").unwrap_err();
            assert_eq!(
                error.to_string(),
                "cannot read `T` from `/nonexistent/t` (named by `T_FILE`): no such file or directory"
            );
            assert_eq!(error.var(), "T");
            assert_eq!(v.get("T"), None);
        });
    }

    #[test]
    fn a_sealed_value_needs_the_key_and_the_right_one() {
        let sealed = sealed::seal("right", b"x", [0; 12]);
        with(&[("ENCRYPTED_T", &sealed)], "", |v| {
            assert_eq!(
                v.resolve("T").unwrap_err().to_string(),
                "`ENCRYPTED_T` is set but `JWT_ENCRYPTION_KEY` is not, so `T` cannot be decrypted"
            );
        });
        with(
            &[("ENCRYPTED_T", &sealed), ("JWT_ENCRYPTION_KEY", "wrong")],
            "",
            |v| {
                let error = v.resolve("T").unwrap_err();
                assert_eq!(
                    error,
                    VariableError::Sealed {
                        var: "T".into(),
                        encrypted: "ENCRYPTED_T".into(),
                        why: OpenError::Rejected
                    }
                );
                assert!(!error.to_string().contains(&sealed));
            },
        );
    }

    #[test]
    fn the_key_itself_may_come_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(&dir, "key", "k\n");
        let sealed = sealed::seal("k", b"opened", [0; 12]);
        with(
            &[("ENCRYPTED_T", &sealed), ("JWT_ENCRYPTION_KEY_FILE", &path)],
            "",
            |v| {
                assert_eq!(v.get("T").as_deref(), Some("opened"));
                let secrets = v.secrets();
                assert!(secrets.contains(&"k".to_string()), "{secrets:?}");
                assert!(secrets.contains(&"opened".to_string()));
            },
        );
    }

    #[test]
    fn the_credentials_directory_is_the_last_resort() {
        let dir = tempfile::tempdir().unwrap();
        secret_file(&dir, "api_token", "from-systemd\n");
        let creds = dir.path().display().to_string();
        with(&[("CREDENTIALS_DIRECTORY", &creds)], "", |v| {
            assert_eq!(v.get("API_TOKEN").as_deref(), Some("from-systemd"));
            assert_eq!(v.get("OTHER"), None);
        });
        with(
            &[("CREDENTIALS_DIRECTORY", &creds)],
            "API_TOKEN=from-dotenv\n",
            |v| assert_eq!(v.get("API_TOKEN").as_deref(), Some("from-dotenv")),
        );
        // Only systemd sets the directory: `.env` cannot point it elsewhere.
        with(&[], &format!("CREDENTIALS_DIRECTORY={creds}\n"), |v| {
            assert_eq!(v.get("API_TOKEN"), None)
        });
    }

    #[test]
    fn jwt_token_is_minted_at_the_given_time_when_only_the_secret_is_set() {
        with(&[("JWT_SECRET", "s3cr3t-signing-key")], "", |v| {
            let token = v.get("JWT_TOKEN").unwrap();
            assert_eq!(
                token,
                jwt::mint(b"s3cr3t-signing-key", "scheduler-app", NOW, 5_184_000)
            );
            let secrets = v.secrets();
            assert!(secrets.contains(&token));
            assert!(secrets.contains(&"s3cr3t-signing-key".to_string()));
        });
        with(
            &[
                ("JWT_SECRET", "k"),
                ("JWT_SUB", "me"),
                ("JWT_TTL_SECONDS", "60"),
            ],
            "",
            |v| assert_eq!(v.get("JWT_TOKEN").unwrap(), jwt::mint(b"k", "me", NOW, 60)),
        );
        with(&[("JWT_SECRET", "k"), ("JWT_TOKEN", "given")], "", |v| {
            assert_eq!(v.get("JWT_TOKEN").as_deref(), Some("given"))
        });
        with(&[("JWT_SECRET", "k"), ("JWT_TTL_SECONDS", "2d")], "", |v| {
            assert_eq!(
                v.resolve("JWT_TOKEN"),
                Err(VariableError::Ttl {
                    var: "JWT_TTL_SECONDS".into()
                })
            )
        });
        with(&[], "", |v| assert_eq!(v.get("JWT_TOKEN"), None));
    }

    #[test]
    fn each_file_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(&dir, "token", "first");
        with(&[("T_FILE", &path)], "", |v| {
            assert_eq!(v.get("T").as_deref(), Some("first"));
            std::fs::write(&path, "second").unwrap();
            assert_eq!(v.get("T").as_deref(), Some("first"));
        });
    }

    /// The first job of `text`, checked.
    fn first_job(text: &str) -> Job {
        let (config, found) = crate::jobfile::decode::decode(text);
        assert!(found.is_empty(), "{found:#?}");
        let checked = crate::jobfile::validate::check(
            &config,
            &jiff::tz::TimeZone::UTC,
            Path::new("/srv"),
            crate::jobfile::validate::Purpose::Use,
        );
        assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
        checked.jobs.into_iter().next().unwrap()
    }

    const NOTIFIED: &str = "global:\n  notify:\n    onFailure:\n      url: \"${SLACK_WEBHOOK_URL}\"\n      data: {text: \"${JOB_NAME} ${OUTCOME} ${ERROR} ${STATUS} ${ATTEMPTS} ${DURATION_MS} ${SCHEDULED_AT} ${RUN_ID} ${NOW}\"}\n  healthcheck: \"https://hc-ping.com/${HC_PING_KEY}/${JOB_NAME}\"\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/${REPORT_ID}\"\n";

    #[test]
    fn notification_placeholders_are_not_required_but_the_webhook_url_is() {
        let job = first_job(NOTIFIED);
        with(&[("REPORT_ID", "1")], "", |v| {
            assert!(v.missing(&job).is_empty());
            let found = v.missing_for_notices(&job);
            assert_eq!(found.len(), 2, "{found:#?}");
            assert_eq!(
                found[0].message,
                "variable `HC_PING_KEY` is not set (job `a`, used by its healthcheck)"
            );
            assert_eq!(found[0].span, Some(Span::new(6, 37, 14)));
            assert_eq!(
                found[1].message,
                "variable `SLACK_WEBHOOK_URL` is not set (job `a`, used by its notifications)"
            );
            assert_eq!(found[1].span, Some(Span::new(4, 13, 20)));
            assert_eq!(found[1].severity, crate::diagnostic::Severity::Error);
            let help = found[1].help.as_deref().unwrap();
            assert!(
                help.starts_with("set it in the environment or in `"),
                "{help}"
            );
            assert!(help.ends_with(".env`"), "{help}");
        });
        with(
            &[("REPORT_ID", "1"), ("SLACK_WEBHOOK_URL", "https://hooks")],
            "HC_PING_KEY=k\n",
            |v| assert!(v.missing_for_notices(&job).is_empty()),
        );
        // The run is not refused for a notification's variable.
        assert_eq!(
            job.required_variables().into_iter().collect::<Vec<_>>(),
            ["REPORT_ID"]
        );
    }

    #[test]
    fn a_variable_the_request_needs_too_is_reported_once() {
        let text = NOTIFIED.replace("${REPORT_ID}", "${HC_PING_KEY}");
        let job = first_job(&text);
        with(&[("SLACK_WEBHOOK_URL", "x")], "", |v| {
            assert_eq!(v.missing(&job).len(), 1);
            assert!(v.missing_for_notices(&job).is_empty());
        });
        // With a default in the request, only the notices need it.
        let text = NOTIFIED.replace("${REPORT_ID}", "${HC_PING_KEY:-none}");
        let job = first_job(&text);
        with(&[("SLACK_WEBHOOK_URL", "x")], "", |v| {
            assert!(v.missing(&job).is_empty());
            let found = v.missing_for_notices(&job);
            assert_eq!(found.len(), 1, "{found:#?}");
            assert_eq!(found[0].span, Some(Span::new(6, 37, 14)));
        });
    }

    #[test]
    fn a_notice_variable_with_a_default_is_not_required() {
        let text = NOTIFIED
            .replace("${SLACK_WEBHOOK_URL}", "${SLACK_WEBHOOK_URL:-https://x}")
            .replace("${HC_PING_KEY}", "${HC_PING_KEY:-}");
        let job = first_job(&text);
        with(&[("REPORT_ID", "1")], "", |v| {
            assert!(v.missing_for_notices(&job).is_empty())
        });
    }

    #[test]
    fn an_unreadable_notice_variable_is_reported_with_its_job() {
        let job = first_job(NOTIFIED);
        with(
            &[
                ("REPORT_ID", "1"),
                ("SLACK_WEBHOOK_URL_FILE", "/nonexistent/hook"),
                ("HC_PING_KEY", "k"),
            ],
            "",
            |v| {
                let found = v.missing_for_notices(&job);
                assert_eq!(found.len(), 1, "{found:#?}");
                assert_eq!(
                    found[0].message,
                    "cannot read `SLACK_WEBHOOK_URL` from `/nonexistent/hook` (named by `SLACK_WEBHOOK_URL_FILE`): no such file or directory (job `a`, used by its notifications)"
                );
            },
        );
    }

    #[test]
    fn a_job_without_notices_needs_nothing_for_them() {
        let text = NOTIFIED.replace(
            "    url: \"https://e.com/${REPORT_ID}\"\n",
            "    url: \"https://e.com/${REPORT_ID}\"\n    notify: false\n    healthcheck: false\n",
        );
        let job = first_job(&text);
        with(&[], "", |v| assert!(v.missing_for_notices(&job).is_empty()));
    }
}
