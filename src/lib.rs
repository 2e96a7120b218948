//! jobrun: run scheduled HTTP jobs described in a YAML file, one job per
//! invocation, with the operating system as the scheduler.

mod cli;
mod command;
mod context;
mod diagnostic;
mod error;
mod export;
mod files;
mod http;
mod job;
mod jobfile;
mod migrate;
mod notify;
mod report;
mod run;
mod schedule;
mod state;
mod vars;
mod wording;

/// What the integration tests build their fixtures with (a history with
/// runs in it; sealed, minted and encoded values to look for): not an API
/// for other programs.
pub mod fixtures {
    pub use crate::state::History;
    pub use crate::state::dir::{Source, StateDir};
    pub use crate::state::record::{Delivery, NoticeKind, Outcome, Record, Trigger, instant};
    pub use crate::state::sqlite::Store;
    pub use crate::vars::base64::{encode as base64, encode_url as base64_url};
    pub use crate::vars::jwt::mint as mint_jwt;
    pub use crate::vars::sealed::seal;

    /// The history in `state_dir`, or in the database `state_url` names,
    /// opened as a run opens it. Panics when it cannot be opened: this is
    /// for tests.
    pub fn open_history(state_url: Option<&str>, state_dir: &std::path::Path) -> Box<dyn History> {
        use crate::state::location::{self, Location};
        let location = match state_url {
            Some(url) => location::resolve(Some(url), None, None, &|_| None, &|_| None)
                .expect("a usable state URL"),
            None => Location::Directory(StateDir {
                path: state_dir.to_path_buf(),
                source: Source::Flag,
            }),
        };
        crate::state::open(&location, &|_| None)
            .history
            .expect("the history opens")
    }
}

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, ColorChoice, Command, Format, GlobalArgs, LogFormat};
use crate::command::{Globals, Invocation};
use crate::context::Context;
use crate::error::{Error, Exit};

/// Run jobrun with the process's real environment, clock and streams.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let env_not_text =
        |name: &str| matches!(std::env::var(name), Err(std::env::VarError::NotUnicode(_)));
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut ctx = Context {
        env: &env,
        env_not_text: &env_not_text,
        now: jiff::Timestamp::now(),
        host_zone: schedule::zone::host(&env),
        stderr_is_terminal: stderr.is_terminal(),
        stdout_is_terminal: stdout.is_terminal(),
        stdout_columns: context::terminal_columns(&stdout),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
        clock: std::sync::Arc::new(context::SystemClock),
        random: context::system_random,
        handle_signals: true,
    };
    ExitCode::from(run_with(args, &mut ctx).code())
}

/// Run jobrun in the given context.
fn run_with(args: impl IntoIterator<Item = OsString>, ctx: &mut Context) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let text = if ctx.stderr_is_terminal {
                error.render().ansi().to_string()
            } else {
                error.render().to_string()
            };
            return if error.use_stderr() {
                let _ = ctx.stderr.write_all(text.as_bytes());
                Exit::Usage
            } else {
                let _ = ctx.stdout.write_all(text.as_bytes());
                Exit::Success
            };
        }
    };
    let global = globals(&cli.global);
    let mut inv = Invocation {
        ctx,
        global: &global,
    };
    let result = dispatch(&mut inv, &cli.command);
    let _ = inv.ctx.stdout.flush();
    match result {
        Ok(exit) => exit,
        Err(error) => {
            inv.report(&error);
            error.exit()
        }
    }
}

/// The global flags as commands take them.
fn globals(args: &GlobalArgs) -> Globals {
    Globals {
        config: args.config.clone(),
        env_file: args.env_file.clone(),
        state_dir: args.state_dir.clone(),
        state_url: args.state_url.clone(),
        metrics_file: args.metrics_file.clone(),
        verbose: args.verbose,
        quiet: args.quiet,
        color: match args.color {
            ColorChoice::Always => Some(true),
            ColorChoice::Never => Some(false),
            ColorChoice::Auto => None,
        },
    }
}

/// Each subcommand's arguments, turned into its command's plain options.
fn dispatch(inv: &mut Invocation, command: &Command) -> Result<Exit, Error> {
    match command {
        Command::Validate {
            env,
            strict,
            format,
        } => command::validate::execute(
            inv,
            &command::validate::Options {
                env: *env,
                strict: *strict,
                format: match format {
                    Format::Text => command::validate::Format::Text,
                    Format::Json => command::validate::Format::Json,
                },
            },
        ),
        Command::List { json } => command::list::execute(inv, *json),
        Command::Next {
            name,
            count,
            after,
            dst,
        } => command::next::execute(inv, name, *count, *after, *dst),
        Command::Run(args) => {
            let preview = match (args.dry_run, args.as_curl) {
                (true, _) => Some(run::Preview::Request),
                (_, true) => Some(run::Preview::Curl),
                _ => None,
            };
            let options = command::run::Options {
                name: &args.name,
                due: args.due,
                scheduled: args.scheduled,
                run: run::Options {
                    force: args.force,
                    preview,
                    print_body: args.print_body,
                    output: args.output.as_deref(),
                    log_file: args.log_file.as_deref(),
                    log_format: match args.log_format {
                        LogFormat::Text => run::log::LogFormat::Text,
                        LogFormat::Json => run::log::LogFormat::Json,
                    },
                    verbosity: inv.verbosity(),
                },
            };
            command::run::execute(inv, &options)
        }
        Command::Encrypt { name } => command::encrypt::execute(inv, name),
        Command::Crontab(args) => command::crontab::execute(
            inv,
            &command::crontab::Request {
                user: args.user.clone(),
                user_crontab: args.user_crontab,
                mailto: args.mailto.clone(),
                bin: args.bin.clone(),
                cron_tz: args.cron_tz,
                check: args.check.clone(),
            },
        ),
        Command::Systemd(args) => command::systemd::execute(
            inv,
            &command::systemd::Request {
                dir: args.dir.clone(),
                user_units: args.user_units,
                run_as: args.run_as.clone(),
                bin: args.bin.clone(),
            },
        ),
        Command::Kubernetes(args) => command::kubernetes::execute(
            inv,
            &command::kubernetes::Request {
                image: args.image.clone(),
                namespace: args.namespace.clone(),
                secret: args.secret.clone(),
                state_claim: args.state_claim.clone(),
            },
        ),
        Command::Status { json } => command::status::execute(inv, *json),
        Command::History {
            name,
            count,
            json,
            chart,
            wide,
        } => command::history::execute(
            inv,
            &command::history::Options {
                name: name.as_deref(),
                count: *count,
                view: match (json, chart, wide) {
                    (true, _, _) => command::history::View::Json,
                    (_, true, _) => command::history::View::Chart,
                    (_, _, true) => command::history::View::Wide,
                    _ => command::history::View::Table,
                },
            },
        ),
        Command::Metrics => command::metrics::execute(inv),
        Command::CatchUp => command::catch_up::execute(inv),
        Command::CopyHistory => command::copy_history::execute(inv),
        Command::Init => command::init::execute(inv),
        Command::Schema => command::schema::execute(inv),
        Command::Migrate { file, tz, check } => command::migrate::execute(
            inv,
            &command::migrate::Options {
                file: file.clone(),
                tz: tz.clone(),
                check: *check,
            },
        ),
        Command::Completions { shell } => command::docs::completions(inv, *shell),
        Command::Man { command, dir } => command::man::execute(
            inv,
            &command::man::Options {
                command: command.clone(),
                dir: dir.clone(),
            },
        ),
    }
}
