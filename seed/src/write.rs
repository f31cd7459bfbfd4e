//! Writing the demo data: the safety check, dropping what `--force` replaces, batched unordered
//! `insert_many` with a progress line on stderr, and Rocket.Chat's indexes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use bson::{doc, Document};
use mongodb::options::{IndexOptions, InsertManyOptions};
use mongodb::{Database, IndexModel};

use super::{SeedError, WRITTEN};
use rc_analytics::store::coll;

/// Documents per `insert_many`.
pub(crate) const BATCH: usize = 5_000;
/// `insert_many` calls in flight at once: the next batch is sent while the server stores the last.
const IN_FLIGHT: usize = 3;

/// Collections whose documents mean "a Rocket.Chat workspace lives here".
const ROCKET_CHAT_DATA: [&str; 4] = [coll::USERS, coll::ROOMS, coll::MESSAGES, coll::SETTINGS];

/// Refuses a database that already holds Rocket.Chat data unless `force`; with `force`, drops the
/// collections the generator writes (and only those).
pub(crate) async fn prepare(db: &Database, force: bool) -> Result<(), SeedError> {
    let mut found = Vec::new();
    for name in ROCKET_CHAT_DATA {
        if db.collection::<Document>(name).find_one(doc! {}).await?.is_some() {
            found.push(name);
        }
    }
    if !found.is_empty() && !force {
        return Err(SeedError::Refused(format!(
            "database '{}' already holds Rocket.Chat data (documents in {}); refusing to write demo data there \
             (--force drops and rewrites the collections the generator writes)",
            db.name(),
            found.join(", ")
        )));
    }
    for name in WRITTEN {
        db.collection::<Document>(name).drop().await?;
    }
    Ok(())
}

type Inserted = Result<(&'static str, u64), mongodb::error::Error>;

/// Buffers documents per collection and writes them in batches, a few at a time.
pub(crate) struct Writer<'a> {
    db: &'a Database,
    pending: BTreeMap<&'static str, Vec<Document>>,
    running: tokio::task::JoinSet<Inserted>,
    pub(crate) counts: BTreeMap<&'static str, u64>,
    progress: Option<Progress>,
}

struct Progress {
    of: &'static str,
    total: u64,
    terminal: bool,
    /// Tenths shown so far (a line per 10 % when stderr is not a terminal).
    tenths: u64,
}

impl<'a> Writer<'a> {
    /// `progress`: show on stderr how many documents of `of` are written, out of `total`.
    pub(crate) fn new(db: &'a Database, progress: Option<(&'static str, u64)>) -> Self {
        Self {
            db,
            pending: BTreeMap::new(),
            running: tokio::task::JoinSet::new(),
            counts: BTreeMap::new(),
            progress: progress.map(|(of, total)| Progress {
                of,
                total,
                terminal: std::io::stderr().is_terminal(),
                tenths: 0,
            }),
        }
    }

    pub(crate) async fn push(&mut self, collection: &'static str, d: Document) -> Result<(), SeedError> {
        let pending = self.pending.entry(collection).or_default();
        pending.push(d);
        if pending.len() >= BATCH {
            self.flush(collection).await?;
        }
        Ok(())
    }

    pub(crate) async fn extend(
        &mut self,
        collection: &'static str,
        docs: impl IntoIterator<Item = Document>,
    ) -> Result<(), SeedError> {
        for d in docs {
            self.push(collection, d).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, collection: &'static str) -> Result<(), SeedError> {
        let docs = self.pending.remove(collection).unwrap_or_default();
        if docs.is_empty() {
            return Ok(());
        }
        while self.running.len() >= IN_FLIGHT {
            self.settle_one().await?;
        }
        let coll = self.db.collection::<Document>(collection);
        self.running.spawn(async move {
            let n = docs.len() as u64;
            coll.insert_many(docs)
                .with_options(InsertManyOptions::builder().ordered(false).build())
                .await
                .map(|_| (collection, n))
        });
        Ok(())
    }

    /// Waits for one insert in flight and counts it.
    async fn settle_one(&mut self) -> Result<(), SeedError> {
        let Some(done) = self.running.join_next().await else {
            return Ok(());
        };
        let (collection, n) = done.map_err(|e| SeedError::Internal(format!("insert task failed: {e}")))??;
        let count = self.counts.entry(collection).or_default();
        *count += n;
        let written = *count;
        if let Some(p) = self.progress.as_mut().filter(|p| p.of == collection) {
            p.show(written);
        }
        Ok(())
    }

    /// Writes everything still buffered; returns the documents written per collection.
    pub(crate) async fn finish(mut self) -> Result<BTreeMap<&'static str, u64>, SeedError> {
        let names: Vec<&'static str> = self.pending.keys().copied().collect();
        for name in names {
            self.flush(name).await?;
        }
        while !self.running.is_empty() {
            self.settle_one().await?;
        }
        if self.progress.as_ref().is_some_and(|p| p.terminal && p.tenths > 0) {
            eprintln!();
        }
        Ok(self.counts)
    }
}

impl Progress {
    fn show(&mut self, written: u64) {
        let pct = written * 100 / self.total.max(1);
        if self.terminal {
            eprint!("\rseed: {} {written}/{} ({pct}%)", self.of, self.total);
            let _ = std::io::stderr().flush();
            self.tenths = self.tenths.max(1);
        } else if pct / 10 > self.tenths {
            eprintln!("seed: {} {written}/{} ({pct}%)", self.of, self.total);
            self.tenths = pct / 10;
        }
    }
}

/// Rocket.Chat's indexes on what the generator writes, with Rocket.Chat's names (its models' `modelIndexes()`,
/// `packages/models/src/models/{Messages,Rooms,Users,Sessions}.ts` and `LivechatRooms.ts`).
/// SecantusDB 0.7.0b3 accepts every option used here (unique, sparse, partialFilterExpression,
/// expireAfterSeconds), checked with its pymongo.
pub(crate) fn indexes() -> Vec<(&'static str, IndexModel)> {
    let plain = |keys: Document| IndexModel::builder().keys(keys).build();
    let with = |keys: Document, options: IndexOptions| IndexModel::builder().keys(keys).options(options).build();
    let livechat = |keys: Document, name: &str| {
        with(
            keys,
            IndexOptions::builder()
                .name(name.to_string())
                .partial_filter_expression(doc! {"t": "l"})
                .build(),
        )
    };
    vec![
        (
            coll::USERS,
            with(
                doc! {"services.resume.loginTokens.hashedToken": 1},
                IndexOptions::builder().unique(true).sparse(true).build(),
            ),
        ),
        (
            coll::USERS,
            with(doc! {"username": 1}, IndexOptions::builder().unique(true).build()),
        ),
        (coll::USERS, plain(doc! {"createdAt": 1})),
        (coll::USERS, plain(doc! {"roles": 1})),
        (coll::MESSAGES, plain(doc! {"ts": 1})),
        (coll::MESSAGES, plain(doc! {"rid": 1, "ts": 1, "_updatedAt": 1})),
        (coll::MESSAGES, plain(doc! {"tmid": 1})),
        (coll::ROOMS, plain(doc! {"t": 1, "ts": 1})),
        (coll::ROOMS, plain(doc! {"ts": 1})),
        (coll::ROOMS, livechat(doc! {"source": 1, "ts": 1}, "source_1_ts_1")),
        (
            coll::ROOMS,
            livechat(doc! {"departmentId": 1, "ts": 1}, "departmentId_1_ts_1"),
        ),
        (coll::ROOMS, livechat(doc! {"tags.0": 1, "ts": 1}, "tags.0_1_ts_1")),
        (coll::ROOMS, livechat(doc! {"servedBy": 1, "ts": 1}, "servedBy_1_ts_1")),
        (coll::SESSIONS, plain(doc! {"type": 1, "year": 1, "month": 1, "day": 1})),
        (coll::SESSIONS, plain(doc! {"loginAt": -1})),
        // Rocket.Chat's is a TTL index (45 days); here without expiry, so that the demo keeps its history of
        // sessions and daily roll-ups.
        (coll::SESSIONS, plain(doc! {"_computedAt": 1})),
    ]
}

pub(crate) async fn create_indexes(db: &Database) -> Result<(), SeedError> {
    for (collection, model) in indexes() {
        db.collection::<Document>(collection).create_index(model).await?;
    }
    Ok(())
}
