//! The Omnichannel reports (`/api/v1/livechat/analytics/dashboards/conversations-by-*`): permission
//! `view-livechat-reports`, ajv-style validation, moment dates and `checkDates`, monitor scoping, rooms
//! `t: 'l'` created in `[start, end)` (Rocket.Chat's `apps/meteor/ee/server/api/v1/omnichannel/reports.ts`,
//! `apps/meteor/ee/app/livechat-enterprise/server/api/lib/dashboards.ts` and the pipelines of
//! `apps/meteor/ee/server/models/raw/LivechatRooms.ts`).
//!
//! Checks, in order: 401 → 403 (the guard) → ajv (`required`, `additionalProperties`, `must be string`)
//! → `sort` (department, tags, agent only, as Rocket.Chat) → our `tz` extension (before the dates, which
//! it reads) → `checkDates` → monitor scope → cached computation.
//!
//! Extensions (documented): `tz` (report zone for date-only and offset-less strings and for `startOf('day')`;
//! default `RCA_TIMEZONE`, where Rocket.Chat uses the server's zone) and `format` are the only keys accepted
//! beyond Rocket.Chat's schema; a deterministic order for ties (by label, then id).

pub(crate) mod agent;
pub(crate) mod department;
pub(crate) mod scope;
pub(crate) mod source;
pub(crate) mod status;
pub(crate) mod tags;

use bson::{doc, Document};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::ser::SerializeStruct;
use serde::Serialize;
use serde_json::Value;

use self::scope::Scope;
use super::ReportFamily;
use crate::auth::{AuthUser, ViewLivechatReports};
use crate::error::ApiError;
use crate::params::ajv::StringObjectSchema;
use crate::params::moment::check_dates;
use crate::params::moment::ISO_PATTERN;
use crate::params::query::Query;
use crate::params::sort::{sort_param, SortSpec};
use crate::params::window::{bson_bound, instant};
use crate::params::zone::{zone_param, ReportZone};
use crate::registry::{Family, Param, ParamValue};
use crate::reports::{count_of, Body};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::coll;
use crate::store::{cause_chain, StoreError};

pub(crate) const PREFIX: &str = "/api/v1/livechat/analytics/dashboards";

/// `GETDashboardConversationsByTypeSchema`, plus our extensions.
const SCHEMA: StringObjectSchema = StringObjectSchema {
    properties: &["start", "end", "sort"],
    required: &["start", "end"],
    extensions: &["tz", "format"],
};

/// The parameters of the routes that read `sort` (department, tags, agent).
pub(crate) const PARAMS: [Param; 5] = [START, END, SORT, TZ, FORMAT];

/// The parameters of the routes that accept `sort` (Rocket.Chat's schema lists it) but do not read it
/// (source, status).
pub(crate) const PARAMS_UNSORTED: [Param; 5] = [
    START,
    END,
    Param {
        name: "sort",
        required: false,
        description: "Accepted and not read (as Rocket.Chat: the route's schema lists it, the route ignores it)",
        value: ParamValue::Ignored,
    },
    TZ,
    FORMAT,
];

const START: Param = Param {
    name: "start",
    required: true,
    description: "Start instant, inclusive: an ISO 8601 date or date-time as moment reads it (offset-less: \
        report zone); moment's week, ordinal and basic ISO forms, RFC 2822 and /Date(ms)/ are accepted too. \
        Must not be after end, and at most 1.01 years (day to day) before it",
    value: ParamValue::Pattern(ISO_PATTERN),
};

const END: Param = Param {
    name: "end",
    required: true,
    description:
        "End instant, exclusive, in the forms of start; not before start, at most 1.01 years (day to day) after it",
    value: ParamValue::Pattern(ISO_PATTERN),
};

const SORT: Param = Param {
    name: "sort",
    required: false,
    description: "JSON text of an object of 1/-1, e.g. {\"total\":-1}; keys are not checked against the fields",
    value: ParamValue::SortObject,
};

const TZ: Param = crate::reports::engagement::TZ;
const FORMAT: Param = crate::reports::engagement::FORMAT;

/// The family: `/api/v1/livechat/analytics/dashboards/…`, permission `view-livechat-reports` (on
/// Community Edition the roles of `view-livechat-manager`).
pub(crate) struct Omnichannel;

impl ReportFamily for Omnichannel {
    const KIND: Family = Family::Omnichannel;
    const PREFIX: &'static str = PREFIX;
    const LABEL: &'static str = "omnichannel";
    type Permission = ViewLivechatReports;
}

/// The request of every report of the family: the checked parameters and the caller's monitor scope
/// (part of the cache key, as in Rocket.Chat's `mem` key).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Conversations {
    pub(crate) request: ReportRequest,
    pub(crate) scope: Scope,
}

/// Rocket.Chat's checks in order (`sort` only where the route reads it), then `restrictQuery`.
pub(crate) async fn conversations(
    state: &AppState,
    user: &AuthUser,
    query: &str,
    sorted: bool,
) -> Result<Conversations, ApiError> {
    let request = ReportRequest::parse(query, state.settings.timezone, sorted)?;
    let scope = Scope::of(&state.store, user).await?;
    Ok(Conversations { request, scope })
}

/// A validated request: `[start, end)` as instants, the report zone and the sort.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ReportRequest {
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
    pub(crate) zone: ReportZone,
    pub(crate) sort: Option<SortSpec>,
}

impl ReportRequest {
    /// Rocket.Chat's checks in its order, with `tz` before the dates it is needed for.
    pub(crate) fn parse(raw_query: &str, default_zone: ReportZone, sorted: bool) -> Result<Self, ApiError> {
        let query = Query::parse(raw_query)?;
        SCHEMA.validate(&query)?;
        let sort = if sorted { sort_param(&query)? } else { None };
        let zone = zone_param(&query, default_zone)?;
        let text = |key| query.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        let (start_ms, end_ms) = check_dates(text("start"), text("end"), zone)?;
        Ok(Self {
            start_ms,
            end_ms,
            zone,
            sort,
        })
    }

    /// `{$gte: start, $lt: end}` on `rocketchat_room.ts`.
    pub(crate) fn ts_range(&self) -> Document {
        doc! {
            "$gte": bson_bound(instant(self.start_ms)),
            "$lt": bson_bound(instant(self.end_ms)),
        }
    }

    /// The `$sort` stage: the requested sort (else `default`), then `tie_breakers` not already named,
    /// so that equal counts come out in a fixed order.
    pub(crate) fn sort_stage(&self, default: &[(&str, i32)], tie_breakers: &[&str]) -> Document {
        let mut sort = Document::new();
        match &self.sort {
            Some(spec) => spec.0.iter().for_each(|(k, d)| {
                sort.insert(k.clone(), *d);
            }),
            None => default.iter().for_each(|(k, d)| {
                sort.insert(*k, *d);
            }),
        }
        for key in tie_breakers {
            if !sort.contains_key(*key) {
                sort.insert(*key, 1);
            }
        }
        doc! {"$sort": sort}
    }
}

/// The omnichannel rooms of the request, with `extra` conditions, inside the user's scope
/// (`{t: 'l', ts: [start, end), …extra, …restrictQuery}`).
pub(crate) fn rooms_match(request: &ReportRequest, scope: &Scope, extra: Document) -> Document {
    let mut filter = doc! {"t": "l", "ts": request.ts_range()};
    filter.extend(extra);
    if let Some(restriction) = scope.filter() {
        filter.insert("$and", vec![restriction]);
    }
    filter
}

/// The body of every report of the family: `{total, data[, unspecified]}`; with no data `{data: [], total:
/// 0[, unspecified]}`, the key order of Rocket.Chat's default object.
#[derive(Debug, JsonSchema, GetSize)]
pub(crate) struct DataTotal {
    pub(crate) total: i64,
    pub(crate) data: Vec<LabelValue>,
    /// Conversations in none of the entries (department, tags, agent only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) unspecified: Option<u64>,
}

/// An entry: its label as Rocket.Chat's JSON shows it (strings stay strings, null stays null, a label
/// MongoDB computed as missing is left out, as in `$push`) and its count.
#[derive(Debug, Serialize, JsonSchema, GetSize)]
pub(crate) struct LabelValue {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[get_size(size_fn = held)]
    pub(crate) label: Option<Value>,
    pub(crate) value: i64,
}

impl Serialize for DataTotal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("DataTotal", 3)?;
        if self.data.is_empty() {
            body.serialize_field("data", &self.data)?;
            body.serialize_field("total", &0)?;
        } else {
            body.serialize_field("total", &self.total)?;
            body.serialize_field("data", &self.data)?;
        }
        if let Some(n) = self.unspecified {
            body.serialize_field("unspecified", &n)?;
        }
        body.end()
    }
}

impl Body for DataTotal {
    type Row = LabelValue;
    fn rows(&self) -> &[LabelValue] {
        &self.data
    }
}

impl DataTotal {
    /// The body of rows sorted by the pipeline: each row's `label` and `value` fields, `total` their sum.
    pub(crate) fn of(rows: &[Document], label: &str, value: &str, unspecified: Option<u64>) -> Self {
        let data: Vec<LabelValue> = rows
            .iter()
            .map(|row| LabelValue {
                label: row.get(label).map(|l| l.clone().into_relaxed_extjson()),
                value: count_of(row, value),
            })
            .collect();
        Self {
            total: data.iter().map(|d| d.value).sum(),
            data,
            unspecified,
        }
    }
}

/// Runs a pipeline on `rocketchat_room`, with Rocket.Chat's `hint` when that index exists.
pub(crate) async fn aggregate_rooms(
    state: &AppState,
    pipeline: Vec<Document>,
    hint: &'static str,
) -> Result<Vec<Document>, ApiError> {
    let hint = state.room_hints.hint(&state.store, hint).await;
    match state.store.aggregate(coll::ROOMS, pipeline.clone(), hint).await {
        // The index went away since it was seen: forget what we know and run without a hint.
        Err(e @ StoreError::HintMissing { .. }) => {
            log::warn!("{}; retrying without", cause_chain(&e));
            state.room_hints.forget();
            Ok(state.store.aggregate(coll::ROOMS, pipeline, None).await?)
        }
        other => Ok(other?),
    }
}

/// The reports with `unspecified` (department, tags, agent): the rows of `pipeline` (sorted, with
/// `total` and the field `label`), and at the same time the count of `unspecified` (Rocket.Chat sends no
/// hint for that count).
pub(crate) async fn report_with_unspecified(
    state: &AppState,
    pipeline: Vec<Document>,
    hint: &'static str,
    label: &str,
    unspecified: Document,
) -> Result<DataTotal, ApiError> {
    let (rows, unspecified) = futures::try_join!(aggregate_rooms(state, pipeline, hint), async {
        Ok(state.store.count(coll::ROOMS, unspecified, None).await?)
    },)?;
    Ok(DataTotal::of(&rows, label, "total", Some(unspecified)))
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A request for 2024-01-01 (UTC) with an optional sort.
    pub(crate) fn request(sort: Option<&str>) -> ReportRequest {
        ReportRequest {
            start_ms: 1_704_067_200_000,
            end_ms: 1_704_153_600_000,
            zone: ReportZone::utc(),
            sort: sort.and_then(|s| crate::params::sort::parse_sort(s).unwrap()),
        }
    }
}

#[cfg(test)]
mod tests {
    use bson::Bson;

    use super::test_support::request;
    use super::*;

    #[test]
    fn parse_runs_rocket_chats_checks_in_order() {
        let run = |q: &str, sorted| ReportRequest::parse(q, ReportZone::utc(), sorted).map_err(|e| e.to_string());
        let ok = "start=2024-01-01&end=2024-01-02";
        assert_eq!(
            run("end=x&sort=bad&tz=bad", true).unwrap_err(),
            "must have required property 'start' [invalid-params]"
        );
        assert_eq!(
            run("start=x&end=y&sort=bad&tz=bad", true).unwrap_err(),
            "Invalid sort parameter provided: \"bad\" [error-invalid-sort]"
        );
        // Routes without sort never read it.
        assert_eq!(
            run("start=x&end=y&sort=bad&tz=bad", false).unwrap_err(),
            "Invalid time zone: bad"
        );
        assert_eq!(
            run("start=x&end=y&tz=UTC", false).unwrap_err(),
            "The \"start\" query parameter must be a valid date."
        );
        let r = ReportRequest::parse(
            &format!("{ok}&sort={{\"total\":-1}}&tz=%2B02:00&format=csv"),
            ReportZone::utc(),
            true,
        )
        .unwrap();
        assert_eq!(r.start_ms, 1_704_060_000_000); // 2024-01-01T00:00+02:00
        assert_eq!(r.sort, Some(SortSpec(vec![("total".into(), -1)])));
    }

    #[test]
    fn sort_stage_appends_tie_breakers() {
        let stage = |sort| request(sort).sort_stage(&[("total", 1)], &["_id"]);
        assert_eq!(stage(None), doc! {"$sort": {"total": 1, "_id": 1}});
        assert_eq!(stage(Some(r#"{"total":-1}"#)), doc! {"$sort": {"total": -1, "_id": 1}});
        assert_eq!(stage(Some(r#"{"_id":-1}"#)), doc! {"$sort": {"_id": -1}});
        assert_eq!(stage(Some("{}")), doc! {"$sort": {"total": 1, "_id": 1}});
    }

    #[test]
    fn cache_key_covers_window_sort_zone_and_scope() {
        use crate::reports::Report;
        let key =
            |request: ReportRequest, scope: Scope| department::ByDepartment::key(&Conversations { request, scope });
        let monitor = Scope::Monitor {
            units: vec!["u1".into()],
            departments: vec!["d1".into()],
        };
        let base = key(request(None), Scope::All);
        assert_eq!(base, key(request(None), Scope::All), "equal requests share an entry");
        let mut later = request(None);
        later.end_ms += 1;
        let mut zoned = request(None);
        zoned.zone = crate::params::zone::ReportZone::parse("+05:30").unwrap();
        for other in [
            key(request(Some(r#"{"total":-1}"#)), Scope::All),
            key(request(None), monitor),
            key(later, Scope::All),
            key(zoned, Scope::All),
        ] {
            assert_ne!(other, base);
        }
    }

    #[test]
    fn bodies_keep_rocket_chats_key_order() {
        let json = crate::reports::json_of;
        assert_eq!(
            json(&DataTotal::of(&[], "_id", "total", Some(4))),
            r#"{"data":[],"total":0,"unspecified":4}"#
        );
        let rows = vec![
            doc! {"_id": "A", "total": 2_i64},
            doc! {"_id": "B", "total": 3.0},
            doc! {"_id": Bson::Null, "total": 1},
            doc! {"total": 1},
        ];
        assert_eq!(
            json(&DataTotal::of(&rows, "_id", "total", None)),
            r#"{"total":7,"data":[{"label":"A","value":2},{"label":"B","value":3},{"label":null,"value":1},{"value":1}]}"#
        );
    }

    #[test]
    fn rooms_match_adds_the_scope() {
        let scope = Scope::Monitor {
            units: vec!["u1".into()],
            departments: vec!["d1".into()],
        };
        let m = rooms_match(&request(None), &scope, doc! {"tags": {"$exists": true}});
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["t", "ts", "tags", "$and"]);
        assert_eq!(
            m.get_array("$and").unwrap()[0],
            Bson::Document(doc! {"$or": [{"departmentAncestors": {"$in": ["u1"]}}, {"departmentId": {"$in": ["d1"]}}]})
        );
        assert!(!rooms_match(&request(None), &Scope::All, doc! {}).contains_key("$and"));
    }
}
