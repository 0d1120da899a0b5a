//! Seats, granted with group commit (see `group.rs`): the activations that arrive while one
//! transaction commits are granted together by the next, each by the same one-statement
//! grant ([`GRANT_SEAT`]), in one transaction and one durable commit. An activation is
//! answered only after that commit.
//!
//! Each grant locks its license's row until the commit. A batch grants in license-id order,
//! so two replicas' batches can wait on each other but never deadlock. A batch that fails
//! (two callers racing to insert the same machine, say, which PostgreSQL reports as a unique
//! violation that aborts the transaction) is rolled back, and its activations are granted
//! one by one, each in its own commit, as a lone activation always is.

use std::sync::Arc;

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::types::ToSql;

use super::super::{Activated, Activation};
use super::group::{fail_all, Answer};
use super::{bounded, connection, count, failure, is_unique_violation, rows};
use crate::error::{Error, Result};

/// The most activations one transaction grants.
pub(super) const MAX_BATCH: usize = 256;

/// Takes a seat or renews one, in one statement. `license` locks the license row (after
/// waiting, READ COMMITTED hands back its newest version); `renewed` renews this machine's
/// activation if it has one; otherwise `taken` raises the counter of the locked row only
/// while it is under the limit `$6` (`NULL`: none; re-checked on the newest version), and
/// `inserted` adds the activation only when `taken` did. The result: the seats when
/// renewed, when taken, and as locked (all `NULL`: no such license).
const GRANT_SEAT: &str = "
WITH license AS (
    SELECT id, seats FROM licenses WHERE id = $1 FOR UPDATE
), renewed AS (
    UPDATE activations a
    SET last_seen = $3, machine = coalesce($4, a.machine), \"user\" = coalesce($5, a.\"user\")
    FROM license
    WHERE a.license_id = $1 AND a.hwid = $2
    RETURNING license.seats
), taken AS (
    UPDATE licenses l SET seats = l.seats + 1
    FROM license
    WHERE l.id = license.id
      AND NOT EXISTS (SELECT 1 FROM renewed)
      AND ($6::int8 IS NULL OR l.seats < $6)
    RETURNING l.seats
), inserted AS (
    INSERT INTO activations (license_id, hwid, machine, \"user\", first_seen, last_seen)
    SELECT $1, $2, $4, $5, $3, $3 FROM taken
    RETURNING 1
)
SELECT (SELECT seats FROM renewed), (SELECT seats FROM taken), (SELECT seats FROM license)";

/// One activation to grant: `activation.hwid` a seat on its license, under `limit`.
pub(super) struct SeatJob {
    pub activation: Activation,
    pub limit: Option<u64>,
}

/// Grants a batch: together when it can, else one by one.
pub(super) async fn grant(pool: Pool, name: String, jobs: Vec<SeatJob>) -> Vec<Answer<Activated>> {
    if jobs.len() > 1 {
        match bounded(&name, grant_together(&pool, &name, &jobs)).await {
            Ok(granted) => return granted,
            // The database is not there: one by one would wait for it once a job.
            Err(err @ Error::StoreUnavailable(_)) => return fail_all(jobs.len(), err),
            // What PostgreSQL refused of one job: each in its own commit finds which.
            Err(_) => {}
        }
    }
    let mut answers = Vec::with_capacity(jobs.len());
    for job in &jobs {
        let granted = bounded(&name, grant_alone(&pool, &name, job)).await;
        answers.push(granted.map_err(Arc::new));
    }
    answers
}

/// Every job of `jobs` in one transaction, in license-id order; an error rolls it all back.
async fn grant_together(
    pool: &Pool,
    name: &str,
    jobs: &[SeatJob],
) -> Result<Vec<Answer<Activated>>> {
    let mut client = connection(pool, name).await?;
    let tx = client.transaction().await.map_err(|e| failure(name, e))?;
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| {
        jobs[a]
            .activation
            .license_id
            .cmp(&jobs[b].activation.license_id)
    });
    let mut granted: Vec<Option<Answer<Activated>>> = (0..jobs.len()).map(|_| None).collect();
    for i in order {
        let found = grant_on(&tx, &jobs[i])
            .await
            .map_err(|e| failure(name, e))?;
        granted[i] = Some(found.ok_or_else(|| Arc::new(no_license(&jobs[i]))));
    }
    tx.commit().await.map_err(|e| failure(name, e))?;
    Ok(granted
        .into_iter()
        .map(|g| g.expect("every job was granted"))
        .collect())
}

/// One job in a commit of its own. Two grants of the same machine at once both try the
/// insert; the loser's unique violation means the machine now holds a seat, which the
/// statement run again renews.
async fn grant_alone(pool: &Pool, name: &str, job: &SeatJob) -> Result<Activated> {
    let client = connection(pool, name).await?;
    let mut attempts = 0;
    loop {
        match grant_on(&client, job).await {
            Ok(found) => return found.ok_or_else(|| no_license(job)),
            Err(err) if is_unique_violation(&err) && attempts < 3 => attempts += 1,
            Err(err) => return Err(failure(name, err)),
        }
    }
}

/// [`GRANT_SEAT`] for `job` on `db`: what it granted, `None` when there is no such license.
async fn grant_on(
    db: &impl GenericClient,
    job: &SeatJob,
) -> std::result::Result<Option<Activated>, tokio_postgres::Error> {
    let activation = &job.activation;
    let limit = job.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
    let params: [&(dyn ToSql + Sync); 6] = [
        &activation.license_id,
        &activation.hwid,
        &activation.last_seen,
        &activation.machine,
        &activation.user,
        &limit,
    ];
    let row = rows(db, GRANT_SEAT, &params).await?.pop().expect("one row");
    let (renewed, taken, locked) = (
        row.get::<_, Option<i64>>(0),
        row.get::<_, Option<i64>>(1),
        row.get::<_, Option<i64>>(2),
    );
    Ok(match (renewed, taken, locked) {
        (Some(used), _, _) => Some(Activated::Granted {
            new: false,
            used: count(used),
        }),
        (None, Some(used), _) => Some(Activated::Granted {
            new: true,
            used: count(used),
        }),
        (None, None, Some(used)) => Some(Activated::NoSeatsLeft { used: count(used) }),
        (None, None, None) => None,
    })
}

fn no_license(job: &SeatJob) -> Error {
    Error::NotFound {
        kind: "license",
        id: job.activation.license_id.clone(),
    }
}
