//! The command line. Doc comments here are the `--help` text; no logic.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{CommandName, command_exit_codes_help, exit_codes_help};

/// Run scheduled HTTP jobs from a YAML file, one job per invocation.
///
/// jobrun leaves scheduling to the operating system: cron, systemd timers or
/// Kubernetes CronJobs call `jobrun run NAME`.
#[derive(Debug, Parser)]
#[command(name = "jobrun", version = env!("JOBRUN_VERSION"), after_help = exit_codes_help(), max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The job file [default: $JOBRUN_CONFIG, else ./jobs.yaml]
    #[arg(short, long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,

    /// The .env file to read variables from [default: .env beside the job file]
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) env_file: Option<PathBuf>,

    /// The directory for run history and locks [default: $JOBRUN_STATE_DIR, else global.stateDir, else $XDG_STATE_HOME/jobrun, else ~/.local/state/jobrun]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,

    /// Keep the state in PostgreSQL, shared by every host that names it [default: $JOBRUN_STATE_URL, else global.stateUrl; none: SQLite in the state directory]
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) state_url: Option<String>,

    /// Write every job's Prometheus metrics to FILE after each run [default: $JOBRUN_METRICS_FILE, else global.metricsFile]
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) metrics_file: Option<PathBuf>,

    /// Say more (-v, -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Say nothing but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// When to use colour: in diagnostics, `status` and `history --chart`
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check the job file: every error and warning, with its location
    #[command(after_help = command_exit_codes_help(CommandName::Validate))]
    Validate {
        /// Also require every variable the jobs use to be set
        #[arg(long)]
        env: bool,

        /// Fail on warnings too
        #[arg(long)]
        strict: bool,

        /// Output format; json prints an array of diagnostics on stdout
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },

    /// List the jobs with their schedule, zone and next run
    #[command(after_help = command_exit_codes_help(CommandName::List))]
    List {
        /// Print JSON: {"jobs": [...]}
        #[arg(long)]
        json: bool,
    },

    /// Print a job's next run times, in its zone
    #[command(after_help = command_exit_codes_help(CommandName::Next))]
    Next {
        /// The job's name
        name: String,

        /// How many run times to print
        #[arg(short = 'n', long = "count", default_value_t = 5, value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..=100_000))]
        count: u32,

        /// Start after this instant (RFC 3339, such as 2025-03-09T00:00:00Z) instead of now
        #[arg(long, value_name = "RFC3339", value_parser = instant)]
        after: Option<jiff::Timestamp>,

        /// Instead, list the clock changes of the 12 months after now (or --after) that skip a run
        /// of the job, or run a time that happens twice only once
        #[arg(long, conflicts_with = "count")]
        dst: bool,
    },

    /// Run one job now
    ///
    /// Silent when the job succeeds; one line on stderr when it fails.
    #[command(after_help = command_exit_codes_help(CommandName::Run))]
    Run(RunArgs),

    /// Encrypt a secret for the .env file, as ENCRYPTED_NAME=...
    ///
    /// Reads the value from standard input (typed without echo on a
    /// terminal) and seals it with JWT_ENCRYPTION_KEY from the environment
    /// or the .env file. Prints only the sealed value: there is no decrypt
    /// command.
    #[command(after_help = command_exit_codes_help(CommandName::Encrypt))]
    Encrypt {
        /// The variable's name, as the job file uses it (`JWT_TOKEN`)
        name: String,
    },

    /// Print an /etc/cron.d file that runs the enabled jobs on time, in their zones
    ///
    /// `jobrun crontab | sudo tee /etc/cron.d/jobrun` installs it (owned by root, mode 0644).
    /// Jobs kept in another zone than the host's, or firing at seconds other
    /// than 0, run as `run --due NAME`, which checks the time itself.
    #[command(after_help = command_exit_codes_help(CommandName::Crontab))]
    Crontab(CrontabArgs),

    /// Write a systemd service and timer per enabled job into DIR
    ///
    /// Units it wrote there earlier from the same job file, for jobs since removed or
    /// disabled, are removed (a file whose header says so; nothing else is touched).
    #[command(after_help = command_exit_codes_help(CommandName::Systemd))]
    Systemd(SystemdArgs),

    /// Print a ConfigMap with the job file and a CronJob per enabled job
    #[command(after_help = command_exit_codes_help(CommandName::Kubernetes))]
    Kubernetes(KubernetesArgs),

    /// Show each job's last run, last success, failures in a row and next run
    ///
    /// Exits 1 when the last run of any enabled job failed, or its token has
    /// expired, for monitoring.
    #[command(after_help = command_exit_codes_help(CommandName::Status))]
    Status {
        /// Print JSON: {"jobs": [...]}
        #[arg(long)]
        json: bool,
    },

    /// Show recorded runs, newest first
    #[command(after_help = command_exit_codes_help(CommandName::History))]
    History {
        /// Only this job's runs
        name: Option<String>,

        /// How many runs to show [default: 20; with --chart, as many as fit]
        #[arg(short = 'n', long = "count", value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        count: Option<u32>,

        /// Print JSON: {"runs": [...]}
        #[arg(long)]
        json: bool,

        /// Draw the job's run times as a bar chart, newest on the right, failures marked
        #[arg(long, requires = "name", conflicts_with = "json")]
        chart: bool,

        /// Show every column (TRIGGER, STATUS, ATTEMPTS, NOTIFIED), DETAIL never cut short
        #[arg(long, conflicts_with_all = ["json", "chart"])]
        wide: bool,
    },

    /// Print every job's metrics in Prometheus's text format, from the history
    ///
    /// The same text `--metrics-file` writes after each run: for a
    /// Pushgateway (`jobrun metrics | curl --data-binary @- URL`) or a
    /// sidecar.
    #[command(after_help = command_exit_codes_help(CommandName::Metrics))]
    Metrics,

    /// Run each job with `catchUp` whose latest scheduled run within that time was missed
    ///
    /// For after the machine was down: call it at boot (`@reboot` in cron).
    #[command(after_help = command_exit_codes_help(CommandName::CatchUp))]
    CatchUp,

    /// Copy the SQLite history of the state directory into the state database
    ///
    /// For moving from one host to many: from the history in the state
    /// directory (--state-dir...) into the PostgreSQL database the state
    /// URL names (--state-url, $JOBRUN_STATE_URL, global.stateUrl). Runs
    /// already there are left alone, so running it twice copies nothing twice.
    #[command(after_help = command_exit_codes_help(CommandName::CopyHistory))]
    CopyHistory,

    /// Print a JSON Schema (draft 2020-12) of the job file, for editors
    ///
    /// `jobrun schema > jobrun.schema.json`, then start the job file with
    /// `# yaml-language-server: $schema=./jobrun.schema.json` for completion
    /// and help on each key. `validate` checks what a schema cannot.
    #[command(after_help = command_exit_codes_help(CommandName::Schema))]
    Schema,

    /// Write a starter job file and its .env, to edit from there
    ///
    /// Writes the job file (`--config`, else $JOBRUN_CONFIG, else ./jobs.yaml)
    /// with one commented job in this host's zone, and the `.env` beside it
    /// (`--env-file`), mode 600, holding the variable the job uses. Writes
    /// nothing when either file exists.
    #[command(after_help = command_exit_codes_help(CommandName::Init))]
    Init,

    /// Print a Node scheduler job file rewritten so jobrun does what the Node scheduler did
    ///
    /// Writes the file to stdout with `timezone` (the Node scheduler's zone), the
    /// `Authorization` it added, `retries` one less for the same attempts, its week
    /// words as placeholders and node-cron's schedules as standard ones, each change
    /// with a comment; every other line and comment stays. A file that is already
    /// jobrun's own is printed unchanged. Exits 1 with `--check` when the file still
    /// needs migrating.
    #[command(after_help = command_exit_codes_help(CommandName::Migrate))]
    Migrate {
        /// The file to rewrite [default: the job file]
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,

        /// The zone the Node scheduler read schedules in [default: $TZ, else America/Chicago, its default]
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,

        /// Print nothing on stdout; exit 1 if the file still needs migrating (for CI)
        #[arg(long)]
        check: bool,
    },

    /// Print a shell completion script
    #[command(after_help = command_exit_codes_help(CommandName::Completions))]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },

    /// Print the manual page of jobrun or of a command (roff), or write them all
    ///
    /// `jobrun man | man -l -` reads jobrun's page; `jobrun man --dir DIR`
    /// writes `jobrun.1` and a `jobrun-COMMAND.1` per command, for a package.
    #[command(after_help = command_exit_codes_help(CommandName::Man))]
    Man {
        /// The command whose page to print (`jobrun man run` is jobrun-run(1))
        #[arg(value_name = "COMMAND", conflicts_with = "dir")]
        command: Option<String>,

        /// Write every page into DIR (created if missing) instead of printing one
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The job's name
    pub(crate) name: String,

    /// Run the job even if it is disabled (`enabled: false`)
    #[arg(long)]
    pub(crate) force: bool,

    /// Run only if the schedule fires now in the job's zone (within 59 s before and 5 s after); exit 0 silently otherwise
    ///
    /// For crontab lines: a sub-minute schedule runs at each of its seconds in the
    /// current minute, skipping a second while the run before it is still going.
    #[arg(long, conflicts_with_all = ["dry_run", "as_curl"])]
    pub(crate) due: bool,

    /// Record the run as started by a scheduler (`scheduled` in the history), not by hand
    ///
    /// The lines `crontab`, `systemd` and `kubernetes` write pass it. Unlike `--due`, it
    /// never keeps the job from running now; the run is for the job's latest fire time in
    /// the five minutes before, if any (claimed, and its Idempotency-Key derived from it).
    /// `--due` implies it.
    #[arg(long, conflicts_with_all = ["dry_run", "as_curl"])]
    pub(crate) scheduled: bool,

    /// Print the request that would be sent, secrets masked; send nothing
    #[arg(long, conflicts_with_all = ["as_curl", "print_body", "output", "log_file"])]
    pub(crate) dry_run: bool,

    /// Print an equivalent curl command; secrets stay `${VAR}` references
    #[arg(long, conflicts_with_all = ["print_body", "output", "log_file"])]
    pub(crate) as_curl: bool,

    /// Write the final response body to stdout
    #[arg(long, conflicts_with = "output")]
    pub(crate) print_body: bool,

    /// Write the final response body to FILE (as received, not masked)
    #[arg(long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Format of the lines on stderr and in the log file
    #[arg(long, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub(crate) log_format: LogFormat,

    /// Append a line per attempt and per run to FILE, whatever the verbosity
    #[arg(long, value_name = "FILE")]
    pub(crate) log_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CrontabArgs {
    /// The user field of each line [default: root]
    #[arg(long, value_name = "USER", conflicts_with = "user_crontab")]
    pub(crate) user: Option<String>,

    /// Write a user crontab for `crontab -` (no user field) instead of an /etc/cron.d file
    #[arg(long)]
    pub(crate) user_crontab: bool,

    /// Add `MAILTO=ADDRESS`: where cron mails what a job prints (an empty value turns mail off)
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) mailto: Option<String>,

    /// The jobrun binary the lines run [default: this executable's own path]
    #[arg(long, value_name = "PATH")]
    pub(crate) bin: Option<PathBuf>,

    /// Write `CRON_TZ=` lines with the jobs' own fields (cronie) instead of host-clock fields
    #[arg(long)]
    pub(crate) cron_tz: bool,

    /// Compare FILE with what would be written now; exit 1 with a diff if they differ
    #[arg(long, value_name = "FILE")]
    pub(crate) check: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SystemdArgs {
    /// The directory to write `jobrun-NAME.service` and `jobrun-NAME.timer` into
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: PathBuf,

    /// Units for the user's own manager (`systemctl --user`)
    #[arg(long)]
    pub(crate) user_units: bool,

    /// Run the services as USER (`User=`); a dedicated unprivileged user is best
    #[arg(long, value_name = "USER", conflicts_with = "user_units")]
    pub(crate) run_as: Option<String>,

    /// The jobrun binary the services run [default: this executable's own path]
    #[arg(long, value_name = "PATH")]
    pub(crate) bin: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct KubernetesArgs {
    /// The container image, with jobrun on its PATH
    #[arg(long, value_name = "IMAGE")]
    pub(crate) image: String,

    /// The namespace of every object
    #[arg(long, value_name = "NS")]
    pub(crate) namespace: Option<String>,

    /// The Secret holding the jobs' variables, passed to each container as its environment
    #[arg(long, value_name = "NAME")]
    pub(crate) secret: Option<String>,

    /// The PersistentVolumeClaim that keeps the run history between pods (needed by `dependsOn`)
    #[arg(long, value_name = "NAME")]
    pub(crate) state_claim: Option<String>,
}

/// An RFC 3339 instant (`--after`). One written well beyond the instants
/// jobrun can hold is told by its range, not by the overflow inside.
fn instant(text: &str) -> Result<jiff::Timestamp, String> {
    let second = |t: jiff::Timestamp| jiff::Timestamp::from_second(t.as_second()).unwrap_or(t);
    text.parse().map_err(
        |error: jiff::Error| match jiff::fmt::temporal::Pieces::parse(text) {
            Ok(pieces) if pieces.time().is_some() && pieces.offset().is_some() => format!(
                "`--after` takes an instant from {} to {}",
                second(jiff::Timestamp::MIN),
                second(jiff::Timestamp::MAX)
            ),
            _ => error.to_string(),
        },
    )
}
