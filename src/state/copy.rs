//! Moving from one host to many: the SQLite history of a state directory
//! copied into a PostgreSQL database. Rows are matched by their run id,
//! so copying twice copies nothing twice; what the database already knows
//! of a job's notifications, or of a claimed instant, is kept over what
//! the file says. The file's counts of pruned runs are kept under the
//! name of where they came from (`source`), so copying again replaces
//! them rather than adding them twice.

use tokio_postgres::types::Type;

use crate::state::error::StoreError;
use crate::state::postgres::{self, Connection};
use crate::state::record;
use crate::state::sqlite::contents::{ClaimRow, Contents};

/// How many rows one transaction copies: each transaction is bounded by
/// the statement timeout, so a long history goes in pieces.
const BATCH: usize = 500;

/// What a copy added, and what was there already.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Copied {
    pub(crate) runs: usize,
    pub(crate) runs_there: usize,
    pub(crate) alerts: usize,
    pub(crate) claims: usize,
    /// Runs `historyLimit` pruned from the file, counted in.
    pub(crate) pruned: u64,
}

/// Copy `contents` into the database `connection` is open on, creating
/// its tables when needed. `source` names the history copied (its host
/// and file), for its counts of pruned runs.
pub(crate) fn into_database(
    contents: Contents,
    source: &str,
    connection: &mut Connection,
) -> Result<Copied, StoreError> {
    connection.ready(true)?;
    let mut copied = Copied::default();
    let total = contents.runs.len();
    let mut runs = contents.runs.into_iter().peekable();
    while runs.peek().is_some() {
        let batch: Vec<record::Record> = runs.by_ref().take(BATCH).collect();
        copied.runs += connection.transaction(move |tx| {
            Box::pin(async move {
                let mut added = 0;
                for run in &batch {
                    added += postgres::history::insert(tx, run).await? as usize;
                }
                Ok(added)
            })
        })?;
    }
    copied.runs_there = total - copied.runs;
    let alerts = contents.alerts;
    copied.alerts = connection.transaction(move |tx| {
        Box::pin(async move {
            let mut added = 0;
            for (job, alert) in &alerts {
                let last_sent = alert.last_sent.map(record::instant);
                added += tx
                    .query_typed(
                        "INSERT INTO jobrun_alerts (job, failing, told, last_sent) \
                         VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT DO NOTHING RETURNING 1",
                        &[
                            (job, Type::TEXT),
                            (&alert.failing, Type::BOOL),
                            (&alert.told, Type::BOOL),
                            (&last_sent, Type::TEXT),
                        ],
                    )
                    .await?
                    .len();
            }
            Ok(added)
        })
    })?;
    let mut claims = contents.claims.into_iter().peekable();
    while claims.peek().is_some() {
        let batch: Vec<ClaimRow> = claims.by_ref().take(BATCH).collect();
        copied.claims += connection.transaction(move |tx| {
            Box::pin(async move {
                let mut added = 0;
                for claim in &batch {
                    let (at, claimed) = (
                        record::instant(claim.scheduled_at),
                        record::instant(claim.claimed_at),
                    );
                    added += tx
                        .query_typed(
                            "INSERT INTO jobrun_claims (job, scheduled_at, run_id, host, claimed_at) \
                             VALUES ($1, $2::timestamptz, $3, $4, $5::timestamptz) \
                             ON CONFLICT DO NOTHING RETURNING 1",
                            &[
                                (&claim.job, Type::TEXT),
                                (&at, Type::TEXT),
                                (&claim.run_id, Type::TEXT),
                                (&claim.host, Type::TEXT),
                                (&claimed, Type::TEXT),
                            ],
                        )
                        .await?
                        .len();
                }
                Ok(added)
            })
        })?;
    }
    let pruned = contents.pruned;
    copied.pruned = pruned.iter().map(|c| c.runs).sum();
    let source = source.to_string();
    connection.transaction(move |tx| {
        Box::pin(async move {
            for count in &pruned {
                let runs = i64::try_from(count.runs).unwrap_or(i64::MAX);
                tx.query_typed(
                    "INSERT INTO jobrun_pruned (job, outcome, source, runs) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (job, outcome, source) DO UPDATE SET runs = excluded.runs",
                    &[
                        (&count.job, Type::TEXT),
                        (&count.outcome.as_str(), Type::TEXT),
                        (&source, Type::TEXT),
                        (&runs, Type::INT8),
                    ],
                )
                .await?;
            }
            Ok(())
        })
    })?;
    Ok(copied)
}
