//! The one place that talks to MongoDB: Rocket.Chat's collections, read-only, every operation bounded
//! in time (`maxTimeMS` plus a client-side limit) and sent with the configured read preference.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bson::{doc, Bson, Document};
use futures::TryStreamExt;
use mongodb::options::{
    AggregateOptions, ClientOptions, CountOptions, DistinctOptions, FindOneOptions, Hint, ReadPreference,
    SelectionCriteria,
};
use mongodb::{Client, Database};

use crate::config::{ReadPref, Settings};
use crate::error::ApiError;

/// Rocket.Chat's collection names.
pub mod coll {
    pub const USERS: &str = "users";
    pub const MESSAGES: &str = "rocketchat_message";
    pub const ROOMS: &str = "rocketchat_room";
    pub const PERMISSIONS: &str = "rocketchat_permissions";
    pub const ROLES: &str = "rocketchat_roles";
    pub const SESSIONS: &str = "rocketchat_sessions";
    pub const DEPARTMENTS: &str = "rocketchat_livechat_department";
    pub const DEPARTMENT_AGENTS: &str = "rocketchat_livechat_department_agents";
    pub const UNIT_MONITORS: &str = "rocketchat_livechat_unit_monitors";
    pub const SETTINGS: &str = "rocketchat_settings";
    pub const SUBSCRIPTIONS: &str = "rocketchat_subscription";
}

pub struct Store {
    client: Client,
    db: Database,
    query_timeout: Duration,
    selection: SelectionCriteria,
    aggregations: AtomicU64,
}

impl Store {
    /// Builds the client without waiting for the server: a MongoDB that is down is found out per request.
    pub async fn new(settings: &Settings) -> Result<Self, String> {
        let mut options = ClientOptions::parse(&settings.mongo_url)
            .await
            .map_err(|e| format!("cannot parse: {e}"))?;
        options.app_name = Some("rc-analytics".into());
        options.server_selection_timeout = Some(settings.connect_timeout);
        options.connect_timeout = Some(settings.connect_timeout);
        let client = Client::with_options(options).map_err(|e| e.to_string())?;
        let db = client.database(&settings.database);
        Ok(Self {
            client,
            db,
            query_timeout: settings.query_timeout,
            selection: SelectionCriteria::ReadPreference(read_preference(settings.read_preference)),
            aggregations: AtomicU64::new(0),
        })
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// How many aggregations this store has run (for tests and metrics).
    pub fn aggregations_run(&self) -> u64 {
        self.aggregations.load(Ordering::Relaxed)
    }

    /// Runs a pipeline on a collection and collects its output.
    pub async fn aggregate(
        &self,
        collection: &str,
        pipeline: Vec<Document>,
        hint: Option<&str>,
    ) -> Result<Vec<Document>, ApiError> {
        self.aggregations.fetch_add(1, Ordering::Relaxed);
        let options = AggregateOptions::builder()
            .allow_disk_use(true)
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .hint(hint.map(|h| Hint::Name(h.to_string())))
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, async move {
            coll.aggregate(pipeline)
                .with_options(options)
                .await?
                .try_collect()
                .await
        })
        .await
    }

    pub async fn count(&self, collection: &str, filter: Document, hint: Option<&str>) -> Result<u64, ApiError> {
        let options = CountOptions::builder()
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .hint(hint.map(|h| Hint::Name(h.to_string())))
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, async move {
            coll.count_documents(filter).with_options(options).await
        })
        .await
    }

    pub async fn find_one(
        &self,
        collection: &str,
        filter: Document,
        projection: Document,
    ) -> Result<Option<Document>, ApiError> {
        let options = FindOneOptions::builder()
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .projection(projection)
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(
            collection,
            async move { coll.find_one(filter).with_options(options).await },
        )
        .await
    }

    /// The distinct values of `field` among the documents matching `filter`.
    pub async fn distinct(&self, collection: &str, field: &str, filter: Document) -> Result<Vec<Bson>, ApiError> {
        let options = DistinctOptions::builder()
            .max_time(self.query_timeout)
            .selection_criteria(self.selection.clone())
            .build();
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, async move {
            coll.distinct(field, filter).with_options(options).await
        })
        .await
    }

    /// Index names of a collection (empty when it does not exist).
    pub async fn index_names(&self, collection: &str) -> Result<Vec<String>, ApiError> {
        let coll = self.db.collection::<Document>(collection);
        self.bounded(collection, async move {
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
    pub async fn ping(&self) -> Result<(), ApiError> {
        let db = self.db.clone();
        self.bounded(
            "ping",
            async move { db.run_command(doc! {"ping": 1}).await.map(|_| ()) },
        )
        .await
    }

    /// Applies the client-side time limit and maps driver errors.
    async fn bounded<T>(&self, what: &str, op: impl Future<Output = mongodb::error::Result<T>>) -> Result<T, ApiError> {
        let started = Instant::now();
        let result = match tokio::time::timeout(self.query_timeout, op).await {
            Ok(r) => r.map_err(ApiError::from),
            Err(_) => Err(ApiError::Timeout),
        };
        log::debug!("mongodb {what}: {:?}", started.elapsed());
        result
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
