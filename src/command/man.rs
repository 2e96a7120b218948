//! `jobrun man`: the manual pages, one for jobrun and one per command, as
//! git and cargo ship them (`jobrun-run(1)`), built from the same
//! definitions as `--help` so that a new command or flag gets its page with
//! no extra work.
//!
//! The sections follow man-pages(7): NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
//! EXIT STATUS, ENVIRONMENT, FILES, SEE ALSO. clap_mangen renders the
//! name, description and options; the rest is written here, as roff lists
//! (`.TP`) where `--help` has indented lists, which roff would otherwise
//! fill into one paragraph.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::files::io_reason;
use crate::jobfile::suggest;

/// What `man` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// One command's page instead of jobrun's (`jobrun man run`).
    pub(crate) command: Option<String>,
    /// Write every page into this directory instead (`--dir`).
    pub(crate) dir: Option<PathBuf>,
}

/// The manual section of every page: user commands.
const SECTION: &str = "1";

pub(crate) fn execute(inv: &mut Invocation, options: &Options) -> Result<Exit, Error> {
    let manual = Manual::new();
    if let Some(dir) = &options.dir {
        manual.write_to(dir)?;
        return Ok(Exit::Success);
    }
    let page = match &options.command {
        None => manual.top_page(),
        Some(name) => manual.command_page(name)?,
    };
    inv.ctx.stdout.write_all(&page).map_err(Error::Output)?;
    Ok(Exit::Success)
}

/// The command line's definition, built (global options propagated, each
/// command named `jobrun-NAME`), with the commands that get a page.
struct Manual {
    top: clap::Command,
}

impl Manual {
    fn new() -> Manual {
        // `help` is clap's; `jobrun help run` is `jobrun-run(1)`'s text.
        let mut top = Cli::command().disable_help_subcommand(true);
        top.build();
        Manual { top }
    }

    /// The commands with a page of their own, in `--help`'s order.
    fn commands(&self) -> impl Iterator<Item = &clap::Command> {
        self.top.get_subcommands().filter(|c| !c.is_hide_set())
    }

    /// Every page, by file name: `jobrun.1` first.
    fn pages(&self) -> Vec<(String, Vec<u8>)> {
        let mut pages = vec![(format!("jobrun.{SECTION}"), self.top_page())];
        for command in self.commands() {
            pages.push((
                format!("{}.{SECTION}", page_name(command)),
                self.page(command),
            ));
        }
        pages
    }

    fn write_to(&self, dir: &Path) -> Result<(), Error> {
        let cannot = |e: std::io::Error| Error::Flag {
            flag: "--dir",
            message: format!(
                "cannot write the manual pages into `{}`: {}",
                dir.display(),
                io_reason(&e)
            ),
        };
        std::fs::create_dir_all(dir).map_err(cannot)?;
        for (name, page) in self.pages() {
            std::fs::write(dir.join(name), page).map_err(cannot)?;
        }
        Ok(())
    }

    fn command_page(&self, name: &str) -> Result<Vec<u8>, Error> {
        match self.commands().find(|c| c.get_name() == name) {
            Some(command) => Ok(self.page(command)),
            None => {
                let names: Vec<&str> = self.commands().map(|c| c.get_name()).collect();
                Err(Error::Argument {
                    message: format!("jobrun has no command `{name}`"),
                    help: match suggest::suggest(name, &names) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!("the commands are {}", suggest::list(&names)),
                    },
                })
            }
        }
    }

    fn top_page(&self) -> Vec<u8> {
        let mut page = Page::new(&self.top);
        let roff = page.section("COMMANDS");
        for command in self.commands() {
            roff.control("TP", []);
            roff.text([bold(format!("jobrun {}", command.get_name()))]);
            let about = command
                .get_about()
                .map(|a| a.to_string())
                .unwrap_or_default();
            roff.text([roman(format!("{about}; see "))]);
            roff.text([bold(page_name(command)), roman(format!("({SECTION})."))]);
        }
        page.after_help(&self.top);
        page.terms("ENVIRONMENT", ENVIRONMENT, bold);
        page.terms("FILES", FILES, italic);
        let roff = page.section("SEE ALSO");
        let mut refs = Vec::new();
        for (i, command) in self.commands().enumerate() {
            if i > 0 {
                refs.push(roman(", "));
            }
            refs.push(bold(page_name(command)));
            refs.push(roman(format!("({SECTION})")));
        }
        refs.push(roman("."));
        roff.text(refs);
        roff.control("PP", []);
        roff.text([roman(
            "The job file's keys, secrets, the run history, notifications and scheduling recipes are described in the documentation: /usr/share/doc/jobrun/docs in the Debian package, docs/ in the source; examples (a job file, a .env, a systemd service and timer) are in /usr/share/doc/jobrun/examples.",
        )]);
        page.finish()
    }

    fn page(&self, command: &clap::Command) -> Vec<u8> {
        let mut page = Page::new(command);
        // A command without exit codes of its own has jobrun's.
        let own = command.get_after_help().is_some() || command.get_after_long_help().is_some();
        page.after_help(if own { command } else { &self.top });
        page.section("SEE ALSO")
            .text([bold("jobrun"), roman(format!("({SECTION})"))]);
        page.finish()
    }
}

/// `jobrun-run` for `run`.
fn page_name(command: &clap::Command) -> String {
    command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_string()
}

/// What the roff crate writes at the top of every page it renders, which
/// keeps apostrophes straight; a page has it once.
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// Roff source rendered by the roff crate, without its preamble.
fn without_preamble(rendered: &str) -> &str {
    rendered.strip_prefix(PREAMBLE).unwrap_or(rendered)
}

/// One of clap_mangen's sections, each written with a preamble of its own.
type Render = fn(&clap_mangen::Man, &mut dyn std::io::Write) -> std::io::Result<()>;

/// A page being written, as roff source.
struct Page {
    text: String,
    roff: Roff,
}

impl Page {
    /// The title, NAME, SYNOPSIS, DESCRIPTION and OPTIONS of a page.
    fn new(command: &clap::Command) -> Page {
        let name = page_name(command);
        // The title line by hand: roff (the crate) drops an empty date,
        // which would move the source into its place. The date is the
        // commit's, when built from a clone.
        let mut text = format!(
            ".TH \"{}\" {SECTION} \"{}\" \"jobrun {}\" \"User Commands\"\n",
            name.to_uppercase(),
            env!("JOBRUN_COMMIT_DATE"),
            env!("CARGO_PKG_VERSION"),
        );
        let mut roff = Roff::new();
        // Left-aligned and unhyphenated, as git's pages: names such as
        // `JOBRUN_STATE_DIR` and `jobrun-status(1)` stay whole.
        roff.control("ad", ["l"]);
        roff.control("nh", []);
        roff.control("SH", ["NAME"]);
        let about = command
            .get_about()
            .map(|a| a.to_string())
            .unwrap_or_default();
        roff.text([roman(format!("{name} - {about}"))]);
        roff.control("SH", ["SYNOPSIS"]);
        // The usage line of `--help`, as git's pages give it.
        let usage = command.clone().render_usage().to_string();
        let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).to_string();
        roff.text([bold(usage)]);
        text.push_str(without_preamble(&roff.render()));
        let man = clap_mangen::Man::new(command.clone());
        let mut sections = vec![clap_mangen::Man::render_description_section as Render];
        if command.get_arguments().any(|a| !a.is_hide_set()) {
            sections.push(clap_mangen::Man::render_options_section);
        }
        for render in sections {
            let mut rendered = Vec::new();
            // Writing into a Vec cannot fail.
            let _ = render(&man, &mut rendered);
            text.push_str(without_preamble(&String::from_utf8_lossy(&rendered)));
        }
        Page {
            text: format!("{PREAMBLE}{text}"),
            roff: Roff::new(),
        }
    }

    fn section(&mut self, title: &str) -> &mut Roff {
        self.roff.control("SH", [title]);
        &mut self.roff
    }

    /// The text `--help` ends with, as sections: a line ending in `:` is a
    /// heading (`Exit codes:` is EXIT STATUS, as man-pages(7) names it), a
    /// line indented by two with a word and a gap is a list item, a line
    /// indented further goes on the item before it.
    fn after_help(&mut self, command: &clap::Command) {
        let Some(text) = command
            .get_after_long_help()
            .or_else(|| command.get_after_help())
            .map(|t| t.to_string())
        else {
            return;
        };
        let mut item: Option<(String, String)> = None;
        let flush = |roff: &mut Roff, item: &mut Option<(String, String)>| {
            if let Some((term, body)) = item.take() {
                roff.control("TP", []);
                roff.text([bold(term)]);
                roff.text([roman(body)]);
            }
        };
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            let trimmed = line.trim();
            if trimmed.is_empty() {
                flush(&mut self.roff, &mut item);
                continue;
            }
            if indent == 0 && trimmed.ends_with(':') {
                flush(&mut self.roff, &mut item);
                let heading = trimmed.trim_end_matches(':');
                let heading = if heading.eq_ignore_ascii_case("exit codes") {
                    "EXIT STATUS".to_string()
                } else {
                    heading.to_uppercase()
                };
                self.roff.control("SH", [heading.as_str()]);
                continue;
            }
            match (&mut item, list_item(line)) {
                (_, Some((term, body))) if (1..=2).contains(&indent) => {
                    flush(&mut self.roff, &mut item);
                    item = Some((term.to_string(), body.to_string()));
                }
                (Some((_, body)), _) if indent > 2 => {
                    body.push(' ');
                    body.push_str(trimmed);
                }
                _ => {
                    flush(&mut self.roff, &mut item);
                    self.roff.control("PP", []);
                    self.roff.text([roman(trimmed)]);
                }
            }
        }
        flush(&mut self.roff, &mut item);
    }

    /// A section of terms and what each means, as a `.TP` list: the
    /// variables jobrun reads for itself (a job's own come from the
    /// environment too), or the files (names set in italics, as
    /// man-pages(7) sets file names).
    fn terms(&mut self, title: &str, terms: &[(&str, &str)], style: fn(String) -> Inline) {
        let roff = self.section(title);
        for (term, meaning) in terms {
            roff.control("TP", []);
            roff.text([style(term.to_string())]);
            roff.text([roman(*meaning)]);
        }
    }

    fn finish(self) -> Vec<u8> {
        let mut text = self.text;
        text.push_str(without_preamble(&self.roff.render()));
        code_in_bold(&text).into_bytes()
    }
}

/// The page with what `--help` writes in backticks (commands, flags,
/// values: markdown's code) set in bold, as man-pages(7) sets what is typed
/// as is; roff would print the backticks as quotes. Only text lines: a
/// request's line (`.TP`) holds no help text. A line with an odd backtick
/// keeps its last one.
fn code_in_bold(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for line in page.split_inclusive('\n') {
        if line.starts_with('.') || line.starts_with('\'') || line.matches('`').count() < 2 {
            out.push_str(line);
            continue;
        }
        let pieces: Vec<&str> = line.split('`').collect();
        let pairs = (pieces.len() - 1) / 2 * 2;
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                out.push_str(match (i <= pairs, i % 2) {
                    (true, 1) => "\\fB",
                    (true, _) => "\\fR",
                    (false, _) => "`",
                });
            }
            out.push_str(piece);
        }
    }
    out
}

/// `  0   success` read as its term and its text.
fn list_item(line: &str) -> Option<(&str, &str)> {
    let (term, body) = line.trim().split_once(char::is_whitespace)?;
    Some((term, body.trim_start()))
}

const ENVIRONMENT: &[(&str, &str)] = &[
    ("JOBRUN_CONFIG", "The job file, when --config is not given."),
    (
        "JOBRUN_STATE_DIR",
        "The state directory (run history and locks), when --state-dir is not given.",
    ),
    (
        "JOBRUN_STATE_URL",
        "A PostgreSQL URL to keep the history, the locks and the claims of scheduled instants in, shared by hosts, when --state-url is not given; it wins over global.stateUrl.",
    ),
    (
        "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGPASSFILE, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGAPPNAME, PGCONNECT_TIMEOUT",
        "What the state URL leaves out, as psql reads them; looked up as every variable is (the environment, .env, NAME_FILE, ENCRYPTED_NAME, the credentials directory).",
    ),
    (
        "JOBRUN_STATE_TIMEOUT, JOBRUN_LOCK_LEASE",
        "With a state URL: how long one exchange with the database may take (10s), and how long a run's lock outlives a run that vanished (30s).",
    ),
    (
        "XDG_STATE_HOME",
        "With no other setting, the state directory is $XDG_STATE_HOME/jobrun, else ~/.local/state/jobrun.",
    ),
    (
        "TZ",
        "The host's zone, which a job without a timezone key follows; else /etc/localtime.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "The proxy for a request, as curl reads them (lowercase names too).",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "The trusted certificates, instead of the system's.",
    ),
    (
        "CREDENTIALS_DIRECTORY",
        "systemd's credentials, where a job's variables may come from.",
    ),
    (
        "NO_COLOR",
        "Set: no color in diagnostics, unless --color always.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "./jobs.yaml",
        "The job file, unless --config or JOBRUN_CONFIG names another.",
    ),
    (
        ".env",
        "Variables for the jobs, beside the job file (never the working directory); keep it mode 600.",
    ),
    (
        "~/.pgpass",
        "The password for the state database, when neither the URL nor PGPASSWORD gives one (PGPASSFILE names another file).",
    ),
    (
        "~/.local/state/jobrun",
        "A user's state directory: history.sqlite3 and the job locks, created on the first run (mode 700).",
    ),
    (
        "/var/lib/jobrun",
        "The state directory of system jobs: the systemd units jobrun systemd writes have systemd create it (StateDirectory=); give it to cron jobs run as root with JOBRUN_STATE_DIR, --state-dir or global.stateDir. Installing the package creates nothing.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_in_backticks_is_set_in_bold_on_text_lines_only() {
        assert_eq!(
            code_in_bold("Run `jobrun run \\-\\-due` from `cron`.\n"),
            "Run \\fBjobrun run \\-\\-due\\fR from \\fBcron\\fR.\n"
        );
        assert_eq!(code_in_bold(".TP `x`\n"), ".TP `x`\n");
        assert_eq!(code_in_bold("one ` alone\n"), "one ` alone\n");
        assert_eq!(code_in_bold("`a` and `b\n"), "\\fBa\\fR and `b\n");
    }
}
