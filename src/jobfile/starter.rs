//! The files `jobrun init` starts a newcomer with: a job file holding one
//! commented job, with the keys people need first, and the `.env` holding
//! the one variable it uses. What they say is checked by the tests: the
//! job file passes `validate --strict`, and `validate --env` with the
//! `.env` beside it.

/// The variable the starter job takes its token from.
pub(crate) const TOKEN_VARIABLE: &str = "API_TOKEN";

/// The starter job's name.
pub(crate) const JOB_NAME: &str = "hello";

/// The job file. `zone` is the host's IANA zone, when it has a name;
/// without one the file says how to set it.
pub(crate) fn job_file(zone: Option<&str>) -> String {
    let timezone = match zone {
        Some(zone) => format!(
            "  timezone: {zone:<14} # the zone schedules are read in: this host's, when written\n"
        ),
        None => "  # timezone: Europe/Paris # the zone schedules are read in (an IANA name); without it, the host's\n".to_string(),
    };
    format!(
        r#"# The job file: the HTTP calls jobrun makes and when. `jobrun validate`
# checks it; `jobrun list` shows when each job runs next. Every key is in
# docs/job-file.md (/usr/share/doc/jobrun/docs/ once installed); `jobrun
# schema` prints a JSON Schema that editors complete and check keys from.

global:
{timezone}  defaultTimeout: 10s      # how long each attempt may take
  defaultRetries: 2        # retries after a failed attempt: at most 3 attempts

jobs:
  # One job: its name (what `jobrun run {JOB_NAME}` runs), when, and the request.
  - name: {JOB_NAME}
    description: "Post a greeting to an echo service"
    schedule: "*/15 8-18 * * *"            # minute hour day-of-month month day-of-week: every 15 minutes, 08:00 to 18:45
    url: "https://httpbin.org/post"        # any http:// or https:// URL; this one echoes the request
    method: POST
    headers:
      # ${{{TOKEN_VARIABLE}}} comes from the environment or from .env beside this file:
      # keep secrets out of this file.
      Authorization: "Bearer ${{{TOKEN_VARIABLE}}}"
    data:                                  # sent as JSON; `body:` sends text as written
      message: "hello from ${{JOB_NAME}} at ${{NOW}}"
    expectStatus: 200                      # what counts as success; default: any 2xx
    # enabled: false                       # keep the job but do not run it
"#
    )
}

/// The `.env` file beside the job file.
pub(crate) fn env_file() -> String {
    format!(
        "# Variables for the job file: KEY=value, one a line. It holds secrets:\n\
         # keep it mode 600 and out of version control. The environment wins over\n\
         # a value here.\n\
         {TOKEN_VARIABLE}=replace-with-your-token\n"
    )
}
