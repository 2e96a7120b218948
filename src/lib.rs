//! jobrun: run scheduled HTTP jobs described in a YAML file, one job per
//! invocation, with the operating system as the scheduler.

pub mod cli;
pub mod command;
pub mod context;
pub mod diagnostic;
pub mod error;
pub mod export;
pub mod files;
pub mod http;
pub mod job;
pub mod jobfile;
pub mod notify;
pub mod run;
pub mod schedule;
pub mod state;
pub mod vars;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::command::Invocation;
use crate::context::Context;
use crate::diagnostic::{Diagnostic, Report};
use crate::error::{Error, Exit};

/// Run jobrun with the process's real environment, clock and streams.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut ctx = Context {
        env: &env,
        now: jiff::Timestamp::now(),
        host_zone: schedule::zone::host(&env),
        stderr_is_terminal: stderr.is_terminal(),
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
        clock: std::sync::Arc::new(http::attempts::SystemClock),
        random: context::system_random,
        handle_signals: true,
    };
    ExitCode::from(run_with(args, &mut ctx).code())
}

/// Run jobrun in the given context.
pub fn run_with(args: impl IntoIterator<Item = OsString>, ctx: &mut Context) -> Exit {
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
    let mut inv = Invocation {
        ctx,
        global: &cli.global,
    };
    let result = match &cli.command {
        Command::Validate {
            env,
            strict,
            format,
        } => command::validate::execute(
            &mut inv,
            &command::validate::Options {
                env: *env,
                strict: *strict,
                format: *format,
            },
        ),
        Command::List { json } => command::list::execute(&mut inv, *json),
        Command::Next { name, count, after } => {
            command::next::execute(&mut inv, name, *count, *after)
        }
        Command::Run(args) => command::run::execute(&mut inv, args),
        Command::Encrypt { name } => command::encrypt::execute(&mut inv, name),
        Command::Crontab(args) => command::crontab::execute(&mut inv, args),
        Command::Systemd(args) => command::systemd::execute(&mut inv, args),
        Command::Kubernetes(args) => command::kubernetes::execute(&mut inv, args),
        Command::Status { json } => command::status::execute(&mut inv, *json),
        Command::History { name, count, json } => {
            command::history::execute(&mut inv, name.as_deref(), *count, *json)
        }
        Command::CatchUp => command::catch_up::execute(&mut inv),
        Command::Completions { shell } => command::docs::completions(&mut inv, *shell),
        Command::Man => command::docs::man(&mut inv),
    };
    let _ = inv.ctx.stdout.flush();
    match result {
        Ok(exit) => exit,
        Err(error) => {
            report(&mut inv, &error);
            error.exit()
        }
    }
}

pub(crate) fn report(inv: &mut Invocation, error: &Error) {
    let text = match error {
        Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return,
        Error::File {
            path,
            source_text,
            diagnostics,
        } => Report {
            path,
            source: source_text.as_deref(),
            diagnostics,
        }
        .render(inv.palette()),
        other => diagnostic::render_plain(
            &Diagnostic::file_error(other.to_string()).with_help_opt(other.help()),
            inv.palette(),
        ),
    };
    let _ = inv.ctx.stderr.write_all(text.as_bytes());
}
