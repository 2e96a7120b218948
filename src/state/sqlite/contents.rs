//! Everything a SQLite history holds, read out whole to be copied
//! elsewhere (`state::copy`, for `copy-history`).

use jiff::Timestamp;

use crate::state::Count;
use crate::state::alerts::AlertState;
use crate::state::error::StoreError;
use crate::state::record::Record;
use crate::state::sqlite::history::{COLUMNS, count};
use crate::state::sqlite::{Store, classify};

/// Everything a history holds, to copy elsewhere: the runs in the order
/// they were added, what the notifications know of each job, the claims
/// of scheduled instants, and how many runs `historyLimit` pruned.
pub(crate) struct Contents {
    pub(crate) runs: Vec<Record>,
    pub(crate) alerts: Vec<(String, AlertState)>,
    pub(crate) claims: Vec<ClaimRow>,
    pub(crate) pruned: Vec<Count>,
}

/// A claim of a scheduled instant, as kept.
pub(crate) struct ClaimRow {
    pub(crate) job: String,
    pub(crate) scheduled_at: Timestamp,
    pub(crate) run_id: String,
    pub(crate) host: String,
    pub(crate) claimed_at: Timestamp,
}

impl Store {
    /// Everything this history holds.
    pub(crate) fn contents(&self) -> Result<Contents, StoreError> {
        self.check_version()?;
        let runs = self.select(&format!("SELECT {COLUMNS} FROM runs ORDER BY id"), [])?;
        type Alerts = Vec<(String, AlertState)>;
        let read = || -> rusqlite::Result<(Alerts, Vec<ClaimRow>)> {
            let when = |t: Option<String>| t.and_then(|t| t.parse::<Timestamp>().ok());
            let mut statement = self
                .conn
                .prepare("SELECT job, failing, told, last_sent FROM alerts ORDER BY job")?;
            let alerts = statement
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        AlertState {
                            failing: r.get(1)?,
                            told: r.get(2)?,
                            last_sent: when(r.get(3)?),
                        },
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut statement = self.conn.prepare(
                "SELECT job, scheduled_at, run_id, host, claimed_at FROM claims ORDER BY job, scheduled_at",
            )?;
            let claims = statement
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        when(r.get(1)?),
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        when(r.get(4)?),
                    ))
                })?
                .filter_map(|row| match row {
                    Ok((job, Some(scheduled_at), run_id, host, Some(claimed_at))) => {
                        Some(Ok(ClaimRow {
                            job,
                            scheduled_at,
                            run_id,
                            host,
                            claimed_at,
                        }))
                    }
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((alerts, claims))
        };
        let (alerts, claims) = read().map_err(|e| classify(&self.path, e))?;
        Ok(Contents {
            runs,
            alerts,
            claims,
            pruned: self.pruned()?,
        })
    }

    /// The runs `historyLimit` pruned, by job and outcome.
    fn pruned(&self) -> Result<Vec<Count>, StoreError> {
        let read = || -> rusqlite::Result<Vec<Count>> {
            let mut statement = self
                .conn
                .prepare("SELECT job, outcome, runs FROM pruned ORDER BY job, outcome")?;
            let rows = statement.query_map([], count)?;
            rows.collect()
        };
        read().map_err(|e| classify(&self.path, e))
    }
}
