//! The one place that talks to MongoDB: Rocket.Chat's collections, read-only, every operation bounded
//! in time (`maxTimeMS` plus a client-side limit) and sent with the configured read preference.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use mongodb::options::{
    AggregateOptions, ClientOptions, CountOptions, DistinctOptions, FindOneOptions, FindOptions, Hint, ReadPreference,
    SelectionCriteria,
};
use mongodb::{Client, Database};

use crate::config::{ReadPref, Settings};
use crate::error::ApiError;
use crate::hooks::Hook;

/// Rocket.Chat's collection names.
pub mod coll {
    /// Users, their roles and login tokens.
    pub const USERS: &str = "users";
    /// Messages.
    pub const MESSAGES: &str = "rocketchat_message";
    pub const ROOMS: &str = "rocketchat_room";
    /// Which roles hold each permission.
    pub const PERMISSIONS: &str = "rocketchat_permissions";
    /// Sessions and their daily roll-ups.
    pub const SESSIONS: &str = "rocketchat_sessions";
    /// Omnichannel departments and business units.
    pub const DEPARTMENTS: &str = "rocketchat_livechat_department";
    /// Omnichannel agents per department.
    pub const DEPARTMENT_AGENTS: &str = "rocketchat_livechat_department_agents";
    /// Omnichannel monitors per business unit.
    pub const UNIT_MONITORS: &str = "rocketchat_livechat_unit_monitors";
    pub const SETTINGS: &str = "rocketchat_settings";

    /// What rc-analytics may do on which collection: exactly what its read-only MongoDB role grants
    /// (`deploy/mongo/create-readonly-user.js` holds the same list; tests/api/least_privilege.rs compares
    /// them and runs the service with only that role). The store refuses any other read, so a report that
    /// starts reading a new collection (directly or through `$lookup`) fails its tests until the
    /// collection is added here AND to the script.
    pub const GRANTS: &[(&str, &[&str])] = &[
        (USERS, &[FIND]),
        (PERMISSIONS, &[FIND]),
        (MESSAGES, &[FIND]),
        // listIndexes: the omnichannel reports send a `hint` only when Rocket.Chat's index exists.
        (ROOMS, &[FIND, LIST_INDEXES]),
        (SESSIONS, &[FIND]),
        (DEPARTMENTS, &[FIND]),
        (DEPARTMENT_AGENTS, &[FIND]),
        (UNIT_MONITORS, &[FIND]),
    ];

    /// MongoDB privilege actions.
    pub(crate) const FIND: &str = "find";
    pub(crate) const LIST_INDEXES: &str = "listIndexes";

    /// Ok when `GRANTS` allows `action` on `collection`.
    pub(crate) fn check_grant(collection: &str, action: &str) -> Result<(), super::StoreError> {
        if GRANTS
            .iter()
            .any(|(c, actions)| *c == collection && actions.contains(&action))
        {
            Ok(())
        } else {
            Err(super::StoreError::NotGranted(format!(
                "'{action}' on '{collection}' is not granted to rc-analytics' read-only role: add it to \
                 store::coll::GRANTS and deploy/mongo/create-readonly-user.js"
            )))
        }
    }
}

/// The collections a pipeline on `collection` reads: itself and every `$lookup`/`$graphLookup` `from`
/// and `$unionWith` collection, at any depth (sub-pipelines, `$facet`).
pub(crate) fn collections_read(collection: &str, pipeline: &[Document]) -> BTreeSet<String> {
    fn walk(value: &Bson, out: &mut BTreeSet<String>) {
        match value {
            Bson::Document(d) => {
                for (key, v) in d {
                    match (key.as_str(), v) {
                        ("$lookup" | "$graphLookup", Bson::Document(stage)) => {
                            if let Ok(from) = stage.get_str("from") {
                                out.insert(from.to_string());
                            }
                        }
                        ("$unionWith", Bson::String(c)) => {
                            out.insert(c.clone());
                        }
                        ("$unionWith", Bson::Document(stage)) => {
                            if let Ok(c) = stage.get_str("coll") {
                                out.insert(c.to_string());
                            }
                        }
                        _ => {}
                    }
                    walk(v, out);
                }
            }
            Bson::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::from([collection.to_string()]);
    for stage in pipeline {
        walk(&Bson::Document(stage.clone()), &mut out);
    }
    out
}

/// Refuses a read the read-only role does not grant (a 500 with the reason in the log).
fn granted(collections: impl IntoIterator<Item = impl AsRef<str>>, action: &str) -> Result<(), StoreError> {
    for c in collections {
        coll::check_grant(c.as_ref(), action)?;
    }
    Ok(())
}

/// What can go wrong in the store; each keeps its cause for the log.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// A read outside `coll::GRANTS` (a programming error: the read-only role would refuse it).
    #[error("{0}")]
    NotGranted(String),
    /// MongoDB cannot be reached.
    #[error("MongoDB unavailable")]
    Unavailable(#[source] mongodb::error::Error),
    /// Over its time limit (`RCA_QUERY_TIMEOUT_MS`, or `RCA_AUTH_TIMEOUT_MS` for the guard's look-ups):
    /// MongoDB's `maxTimeMS` (its error kept) or the client-side limit.
    #[error("query on {what} exceeded {limit}")]
    TimedOut {
        what: String,
        /// The variable that set the limit.
        limit: &'static str,
        #[source]
        source: Option<mongodb::error::Error>,
    },
    /// The aggregation named an index `hint` that does not exist (MongoDB's BadValue, code 2).
    #[error("index hint {hint} is missing")]
    HintMissing {
        hint: String,
        #[source]
        source: mongodb::error::Error,
    },
    /// Any other driver or server error.
    /// The client cannot be built from `MONGO_URL` (at start-up).
    #[error("cannot use MONGO_URL")]
    Client(#[source] mongodb::error::Error),
    #[error("MongoDB {what} failed")]
    Driver {
        what: String,
        #[source]
        source: mongodb::error::Error,
    },
}

impl StoreError {
    /// The kind of a failed operation in `rca_mongodb_errors_total` (one of [`ERROR_KINDS`]); `None` for a
    /// read the store refused before sending it, or a client that could not be built.
    pub(crate) fn kind(&self) -> Option<&'static str> {
        match self {
            Self::Unavailable(_) => Some("unavailable"),
            Self::TimedOut { .. } => Some("timeout"),
            Self::HintMissing { .. } | Self::Driver { .. } => Some("other"),
            Self::NotGranted(_) | Self::Client(_) => None,
        }
    }

    /// Classifies a driver error of the operation `what` (which sent `hint`, if any) bounded by `limit`.
    fn classify(what: &str, hint: Option<&str>, limit: Limit, e: mongodb::error::Error) -> Self {
        use mongodb::error::ErrorKind;
        match e.kind.as_ref() {
            ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
                Self::Unavailable(e)
            }
            // MaxTimeMSExpired
            ErrorKind::Command(c) if c.code == 50 => Self::TimedOut {
                what: what.into(),
                limit: limit.name,
                source: Some(e),
            },
            // BadValue: "hint provided does not correspond to an existing index" (MongoDB), "hint '…' does
            // not correspond to an existing index" (SecantusDB).
            ErrorKind::Command(c) if c.code == 2 && c.message.contains("hint") && hint.is_some() => Self::HintMissing {
                hint: hint.unwrap_or_default().into(),
                source: e,
            },
            _ => Self::Driver {
                what: what.into(),
                source: e,
            },
        }
    }
}

/// The one conversion into the API's answers: 503, 504, else a 500; each keeps the store's error as its cause.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::Unavailable(Arc::new(e)),
            StoreError::TimedOut { .. } => Self::Timeout(Arc::new(e)),
            other => Self::Internal(Arc::new(other)),
        }
    }
}

pub(crate) use crate::error::cause_chain;

/// The values of `kind` in `rca_mongodb_errors_total`.
pub(crate) const ERROR_KINDS: [&str; 3] = ["unavailable", "timeout", "other"];

/// A time limit of an operation and the variable that sets it (for the log).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limit {
    pub(crate) time: Duration,
    pub(crate) name: &'static str,
}

/// How [`Store::scan`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// A range of an index (the filter's): the whole scan within the query timeout.
    Range,
    /// The collection in natural order, the cheapest read of every document (`hint: {$natural: 1}`),
    /// filtered as it goes. No server time limit (MongoDB counts `maxTimeMS` over every batch of a
    /// cursor); each batch within the query timeout instead.
    Natural,
}

pub struct Store {
    db: Database,
    query_timeout: Duration,
    selection: SelectionCriteria,
    aggregations: AtomicU64,
    /// Failed operations by [`StoreError::kind`] (`rca_mongodb_errors_total`).
    errors: prometheus::IntCounterVec,
    /// Awaited before each operation, within its time limit.
    before_operation: Option<Hook>,
}

impl Store {
    /// Builds the client without waiting for the server: a MongoDB that is down is found out per request.
    /// Failed operations are counted in `errors` (by kind; each kind's series is created at zero).
    pub(crate) async fn new(
        settings: &Settings,
        before_operation: Option<Hook>,
        errors: prometheus::IntCounterVec,
    ) -> Result<Self, StoreError> {
        for kind in ERROR_KINDS {
            errors.with_label_values(&[kind]);
        }
        let mut options = ClientOptions::parse(&settings.mongo_url)
            .await
            .map_err(StoreError::Client)?;
        options.app_name = Some("rc-analytics".into());
        options.server_selection_timeout = Some(settings.connect_timeout);
        options.connect_timeout = Some(settings.connect_timeout);
        let client = Client::with_options(options).map_err(StoreError::Client)?;
        let db = client.database(&settings.database);
        Ok(Self {
            db,
            query_timeout: settings.query_timeout,
            selection: SelectionCriteria::ReadPreference(read_preference(settings.read_preference)),
            aggregations: AtomicU64::new(0),
            errors,
            before_operation,
        })
    }

    /// `RCA_QUERY_TIMEOUT_MS`: the limit of every operation that names no other.
    fn query_limit(&self) -> Limit {
        Limit {
            time: self.query_timeout,
            name: "RCA_QUERY_TIMEOUT_MS",
        }
    }

    /// How many aggregations this store has run (for tests and metrics).
    pub fn aggregations_run(&self) -> u64 {
        self.aggregations.load(Ordering::Relaxed)
    }

    /// Runs a pipeline on a collection and collects its output.
    pub(crate) async fn aggregate(
        &self,
        collection: &str,
        pipeline: Vec<Document>,
        hint: Option<&str>,
    ) -> Result<Vec<Document>, StoreError> {
        granted(collections_read(collection, &pipeline), coll::FIND)?;
        self.aggregations.fetch_add(1, Ordering::Relaxed);
        let options = AggregateOptions::builder()
            .allow_disk_use(true)
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .hint(hint.map(|h| Hint::Name(h.to_string())))
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, hint, self.query_limit(), async move {
            coll.aggregate(pipeline)
                .with_options(options)
                .await?
                .try_collect()
                .await
        })
        .await
    }

    pub async fn count(&self, collection: &str, filter: Document, hint: Option<&str>) -> Result<u64, StoreError> {
        granted([collection], coll::FIND)?;
        let options = CountOptions::builder()
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .hint(hint.map(|h| Hint::Name(h.to_string())))
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, hint, self.query_limit(), async move {
            coll.count_documents(filter).with_options(options).await
        })
        .await
    }

    /// The first document matching `filter`, within `limit` (the guard's look-ups: `RCA_AUTH_TIMEOUT_MS`)
    /// and never longer than `RCA_QUERY_TIMEOUT_MS`.
    pub(crate) async fn find_one_within(
        &self,
        collection: &str,
        filter: Document,
        projection: Document,
        limit: Limit,
    ) -> Result<Option<Document>, StoreError> {
        granted([collection], coll::FIND)?;
        let limit = if limit.time < self.query_timeout {
            limit
        } else {
            self.query_limit()
        };
        let options = FindOneOptions::builder()
            .max_time(limit.time)
            .selection_criteria(self.selection.clone())
            .projection(projection)
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, None, limit, async move {
            coll.find_one(filter).with_options(options).await
        })
        .await
    }

    /// Streams the documents of `collection` matching `filter` (with `projection`) into `each`, each read
    /// in place from its batch (nothing allocated per document); returns how many were read. `order`
    /// says how it reads and how it is bounded in time.
    pub(crate) async fn scan(
        &self,
        collection: &str,
        filter: Document,
        projection: Document,
        order: Scan,
        mut each: impl FnMut(&bson::RawDocument) + Send,
    ) -> Result<u64, StoreError> {
        granted([collection], coll::FIND)?;
        let mut options = FindOptions::builder()
            .selection_criteria(self.selection.clone())
            .projection(projection)
            .batch_size(10_000)
            .build();
        let coll = self.db.collection::<bson::RawDocumentBuf>(collection);
        let limit = self.query_limit();
        match order {
            Scan::Range => {
                options.max_time = Some(self.query_timeout);
                self.bounded(collection, None, limit, async move {
                    let mut cursor = coll.find(filter).with_options(options).await?;
                    let mut n = 0;
                    while cursor.advance().await? {
                        each(cursor.current());
                        n += 1;
                    }
                    Ok(n)
                })
                .await
            }
            Scan::Natural => {
                options.hint = Some(Hint::Keys(doc! {"$natural": 1}));
                let find = coll.find(filter).with_options(options);
                let mut cursor = self.bounded(collection, None, limit, async move { find.await }).await?;
                let mut n = 0;
                // Each batch within the limit: a timer that the buffered documents never start.
                while self.counted(within(collection, None, limit, cursor.advance()).await)? {
                    each(cursor.current());
                    n += 1;
                }
                Ok(n)
            }
        }
    }

    /// The collection's document count from its metadata (no scan); for progress estimates.
    pub(crate) async fn estimated_count(&self, collection: &str) -> Result<u64, StoreError> {
        granted([collection], coll::FIND)?;
        let coll = self.db.collection::<Document>(collection);
        let selection = self.selection.clone();
        self.bounded(collection, None, self.query_limit(), async move {
            coll.estimated_document_count().selection_criteria(selection).await
        })
        .await
    }

    /// The distinct values of `field` among the documents matching `filter`.
    pub(crate) async fn distinct(
        &self,
        collection: &str,
        field: &str,
        filter: Document,
    ) -> Result<Vec<Bson>, StoreError> {
        granted([collection], coll::FIND)?;
        let options = DistinctOptions::builder()
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, None, self.query_limit(), async move {
            coll.distinct(field, filter).with_options(options).await
        })
        .await
    }

    /// Index names of a collection (empty when it does not exist).
    pub async fn index_names(&self, collection: &str) -> Result<Vec<String>, StoreError> {
        granted([collection], coll::LIST_INDEXES)?;
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, None, self.query_limit(), async move {
            match coll.list_index_names().await {
                Ok(names) => Ok(names),
                // NamespaceNotFound: the collection does not exist yet.
                Err(e) if matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 26) => {
                    Ok(vec![])
                }
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// `ping` on the database: is MongoDB reachable now?
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        let db = self.db.clone();
        self.bounded("ping", None, self.query_limit(), async move {
            db.run_command(doc! {"ping": 1}).await.map(|_| ())
        })
        .await
    }

    /// Applies the client-side time limit and maps driver errors.
    async fn bounded<T>(
        &self,
        what: &str,
        hint: Option<&str>,
        limit: Limit,
        op: impl Future<Output = mongodb::error::Result<T>>,
    ) -> Result<T, StoreError> {
        let op = async move {
            crate::hooks::run(&self.before_operation, what).await;
            op.await
        };
        let started = Instant::now();
        let result = within(what, hint, limit, op).await;
        log::debug!("mongodb {what}: {:?}", started.elapsed());
        self.counted(result)
    }

    /// `result`, its error counted by kind.
    fn counted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Some(kind) = result.as_ref().err().and_then(StoreError::kind) {
            self.errors.with_label_values(&[kind]).inc();
        }
        result
    }
}

/// `op` (an operation on `what`, which sent `hint`, if any) within `limit`, its errors classified.
async fn within<T>(
    what: &str,
    hint: Option<&str>,
    limit: Limit,
    op: impl Future<Output = mongodb::error::Result<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(limit.time, op).await {
        Ok(r) => r.map_err(|e| StoreError::classify(what, hint, limit, e)),
        Err(_) => Err(StoreError::TimedOut {
            what: what.into(),
            limit: limit.name,
            source: None,
        }),
    }
}

/// The string elements of an array field of a result (`roles`, `usernames`, `usersList`); none when the
/// field is missing or not an array.
pub(crate) fn strings<'a>(doc: &'a Document, key: &str) -> Vec<&'a str> {
    match doc.get(key) {
        Some(Bson::Array(a)) => a.iter().filter_map(Bson::as_str).collect(),
        _ => vec![],
    }
}

fn read_preference(pref: ReadPref) -> ReadPreference {
    match pref {
        ReadPref::Primary => ReadPreference::Primary,
        ReadPref::PrimaryPreferred => ReadPreference::primary_preferred(None),
        ReadPref::Secondary => ReadPreference::secondary(None),
        ReadPref::SecondaryPreferred => ReadPreference::secondary_preferred(None),
        ReadPref::Nearest => ReadPreference::nearest(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_read_follows_lookups_at_any_depth() {
        let pipeline = vec![
            doc! {"$match": {"ts": 1}},
            doc! {"$lookup": {"from": "rocketchat_room", "localField": "rid", "foreignField": "_id", "as": "r",
            "pipeline": [{"$lookup": {"from": "users", "pipeline": [], "as": "u"}}]}},
            doc! {"$facet": {"a": [{"$unionWith": "rocketchat_sessions"}],
            "b": [{"$unionWith": {"coll": "rocketchat_subscription", "pipeline": []}}]}},
            doc! {"$graphLookup": {"from": "rocketchat_livechat_department", "startWith": "$x",
            "connectFromField": "a", "connectToField": "b", "as": "g"}},
        ];
        let read: Vec<String> = collections_read("rocketchat_message", &pipeline).into_iter().collect();
        assert_eq!(
            read,
            [
                "rocketchat_livechat_department",
                "rocketchat_message",
                "rocketchat_room",
                "rocketchat_sessions",
                "rocketchat_subscription",
                "users"
            ]
        );
    }

    #[test]
    fn store_errors_become_api_errors_with_their_cause() {
        let timed_out = StoreError::TimedOut {
            what: "rocketchat_room".into(),
            limit: "RCA_QUERY_TIMEOUT_MS",
            source: None,
        };
        assert_eq!(
            timed_out.to_string(),
            "query on rocketchat_room exceeded RCA_QUERY_TIMEOUT_MS"
        );
        assert_eq!(timed_out.kind(), Some("timeout"));
        let e = ApiError::from(timed_out);
        assert!(matches!(e, ApiError::Timeout(_)));
        assert_eq!(
            cause_chain(&e),
            "Query timed out: query on rocketchat_room exceeded RCA_QUERY_TIMEOUT_MS"
        );
        assert_eq!(
            StoreError::NotGranted(String::new()).kind(),
            None,
            "never sent: not a database error"
        );
        let refused = ApiError::from(StoreError::NotGranted("'find' on 'x' is not granted".into()));
        assert!(matches!(refused, ApiError::Internal(_)));
        assert_eq!(
            cause_chain(&refused),
            "Internal server error: 'find' on 'x' is not granted"
        );
        let driver = StoreError::Driver {
            what: "rocketchat_room".into(),
            source: mongodb::error::Error::custom("boom"),
        };
        assert_eq!(driver.kind(), Some("other"));
        let e = ApiError::from(driver);
        assert!(matches!(e, ApiError::Internal(_)), "a driver error is a 500");
        // The operation, then the driver's own text.
        assert_eq!(
            cause_chain(&e),
            "Internal server error: MongoDB rocketchat_room failed: Kind: Custom user error, labels: {}, source: None, server response: None"
        );
    }

    #[test]
    fn only_granted_reads_pass() {
        assert!(coll::check_grant(coll::MESSAGES, coll::FIND).is_ok());
        assert!(coll::check_grant(coll::ROOMS, coll::LIST_INDEXES).is_ok());
        let e = coll::check_grant(coll::MESSAGES, coll::LIST_INDEXES)
            .unwrap_err()
            .to_string();
        assert!(e.contains("'listIndexes' on 'rocketchat_message'"), "{e}");
        assert!(coll::check_grant("rocketchat_settings", coll::FIND).is_err());
        let join = [doc! {"$lookup": {"from": coll::ROOMS, "localField": "rid", "foreignField": "_id", "as": "room"}}];
        assert!(granted(collections_read(coll::MESSAGES, &join), coll::FIND).is_ok());
        assert!(matches!(
            granted(["rca_anything"], coll::FIND),
            Err(StoreError::NotGranted(_))
        ));
    }
}
