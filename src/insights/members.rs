//! `GET /rc-analytics/api/v1/insights/members`: every account with its activity in the period and the previous
//! one, a summary against the previous period, filters, sort, pages and CSV (docs/insights.md).
//!
//! The whole table of one period and account type is computed per request (users and sessions read, messages
//! from [`super::activity`]); filters, search, sort and the page are cut from it ([`Report::respond`]), so
//! concurrent requests that differ only in those share one computation.

use std::cmp::Ordering;
use std::collections::HashMap;

use bson::{doc, RawDocument};
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use super::activity::{user_days, Days, UserDays};
use super::{
    by_text, one_of, period, Figure, Figures, Head, InsightsPeople, Listing, Span, COUNT, END, OFFSET, ORDER, Q, START,
};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::iso::format_canonical;
use crate::params::window::add_days;
use crate::registry::{Param, ParamValue};
use crate::reports::engagement::{FORMAT, TZ};
use crate::reports::{body_rows, Report};
use crate::state::cache::held;
use crate::state::AppState;
use crate::store::{coll, Scan};

pub(crate) struct Members;

const TYPES: [&str; 4] = ["user", "bot", "app", "all"];
const FILTERS: [&str; 7] = [
    "all",
    "active",
    "inactive-30",
    "inactive-90",
    "never-logged-in",
    "never-posted",
    "deactivated",
];
const SORTS: [&str; 9] = [
    "username",
    "name",
    "createdAt",
    "lastLogin",
    "lastMessage",
    "messages",
    "previousMessages",
    "daysActive",
    "previousDaysActive",
];

const PARAMS: [Param; 11] = [
    START,
    END,
    TZ,
    FORMAT,
    Param {
        name: "type",
        required: false,
        description: "Accounts: user (default: people), bot, app, or all",
        value: ParamValue::OneOf(&TYPES),
    },
    Param {
        name: "filter",
        required: false,
        description: "Rows: all (default), active in the period, inactive for 30/90 days, never logged in, never posted, deactivated",
        value: ParamValue::OneOf(&FILTERS),
    },
    Q,
    Param {
        name: "sort",
        required: false,
        description: "Column to sort by (default username)",
        value: ParamValue::OneOf(&SORTS),
    },
    ORDER,
    OFFSET,
    COUNT,
];

/// The validated request. The computed (whole) table depends on `span` and `kind` only.
#[derive(Debug)]
pub(crate) struct MembersRequest {
    span: Span,
    kind: &'static str,
    listing: Listing,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembersBody {
    #[serde(flatten)]
    pub(crate) head: Head,
    pub(crate) summary: MembersSummary,
    pub(crate) members: Vec<MemberRow>,
    pub(crate) total: usize,
    /// `offset` as JavaScript's `parseInt` read it (`null` for `NaN`), as `channels/list` echoes it.
    pub(crate) offset: Option<f64>,
    pub(crate) count: usize,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MembersSummary {
    pub(crate) members: Figure,
    pub(crate) active: Figure,
    pub(crate) messages: Figure,
    pub(crate) inactive30: Figure,
    pub(crate) inactive90: Figure,
    pub(crate) never_logged_in: Figure,
    pub(crate) never_posted: Figure,
    pub(crate) deactivated: Figure,
}

#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemberRow {
    #[serde(rename = "_id")]
    #[get_size(size_fn = held)]
    pub(crate) id: String,
    #[get_size(size_fn = held)]
    pub(crate) username: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) name: Option<String>,
    #[serde(rename = "type")]
    #[get_size(size_fn = held)]
    pub(crate) kind: String,
    #[get_size(size_fn = held)]
    pub(crate) roles: Vec<String>,
    #[get_size(size_fn = held)]
    pub(crate) created_at: Option<String>,
    pub(crate) active: bool,
    #[get_size(size_fn = held)]
    pub(crate) last_login: Option<String>,
    #[get_size(size_fn = held)]
    pub(crate) last_message: Option<String>,
    pub(crate) messages: i64,
    pub(crate) previous_messages: i64,
    pub(crate) days_active: i64,
    pub(crate) previous_days_active: i64,
    /// Which filters hold the row (not shown).
    #[serde(skip)]
    pub(crate) flags: Flags,
}

/// The filters a row passes, besides those read from its shown fields.
#[derive(Clone, Copy, Debug, Default, GetSize)]
pub(crate) struct Flags {
    inactive30: bool,
    inactive90: bool,
}

body_rows!(MembersBody, MemberRow, members);

impl Report for Members {
    type Family = InsightsPeople;
    const PATH: &'static str = "/members";
    const SUMMARY: &'static str =
        "Members: every account with its activity in the period and the previous one (names: view-user-administration)";
    const PARAMS: &'static [Param] = &PARAMS;
    type Request = MembersRequest;
    type Body = MembersBody;

    async fn request(state: &AppState, _: &AuthUser, query: &str) -> Result<MembersRequest, ApiError> {
        let optional = ["type", "filter", "q", "sort", "order", "offset", "count"];
        let (query, span) = period(query, state.settings.timezone, &optional)?;
        Ok(MembersRequest {
            span,
            kind: one_of(&query, "type", &TYPES)?,
            listing: Listing::of(&query, &FILTERS, &SORTS)?,
        })
    }

    fn key(request: &MembersRequest) -> String {
        format!("{:?} {}", request.span, request.kind)
    }

    fn live(_: &AppState, _: &MembersRequest) -> bool {
        true
    }

    async fn compute(state: &AppState, request: &MembersRequest) -> Result<MembersBody, ApiError> {
        whole_table(state, &request.span, request.kind).await
    }

    fn respond(request: &MembersRequest, all: &MembersBody) -> Option<MembersBody> {
        Some(cut(request, all))
    }
}

/// Every account of `kind` with its activity in `span` and the summary (before filters and pages).
pub(crate) async fn whole_table(state: &AppState, span: &Span, kind: &str) -> Result<MembersBody, ApiError> {
    let accounts = read_accounts(state, kind).await?;
    let days = Days::new(span.zone, window_start(span), span.last);
    let (activity, lasts) = user_days(state, span.zone, &days, true).await?;
    Ok(table(span, &days, accounts, &activity, &lasts))
}

/// The first day the table reads: the previous period's, or 90 days before the period (inactive 90 as of its
/// start), whichever is earlier.
fn window_start(span: &Span) -> chrono::NaiveDate {
    add_days(span.first, -span.days().max(90))
}

/// An account as read from `users`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) username: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) kind: String,
    pub(crate) roles: Vec<String>,
    pub(crate) created_at: Option<i64>,
    pub(crate) active: bool,
    pub(crate) last_login: Option<i64>,
}

impl Account {
    fn of(d: &RawDocument) -> Option<Self> {
        let text = |k| d.get_str(k).ok().map(str::to_string);
        let date = |k| d.get_datetime(k).ok().map(|t| t.timestamp_millis());
        Some(Self {
            id: d.get_str("_id").ok()?.to_string(),
            username: text("username"),
            name: text("name"),
            kind: text("type").unwrap_or_else(|| "user".into()),
            roles: d
                .get_array("roles")
                .map(|a| {
                    a.into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            created_at: date("createdAt"),
            active: d.get_bool("active") != Ok(false),
            last_login: date("lastLogin"),
        })
    }
}

/// Every account of `kind` (`all`: every account).
pub(crate) async fn read_accounts(state: &AppState, kind: &str) -> Result<Vec<Account>, ApiError> {
    let filter = match kind {
        "all" => doc! {},
        "user" => doc! {"$or": [{"type": "user"}, {"type": {"$exists": false}}]},
        other => doc! {"type": other},
    };
    let projection =
        doc! {"username": 1, "name": 1, "type": 1, "roles": 1, "createdAt": 1, "active": 1, "lastLogin": 1};
    let mut out = Vec::new();
    state
        .store
        .scan(coll::USERS, filter, projection, Scan::Range, |d| {
            out.extend(Account::of(d))
        })
        .await?;
    Ok(out)
}

/// Whether an account counts as inactive `n` days as of the start of day `to` (index into `days`): created
/// before, no message, no session and no `lastLogin` on the `n` days before.
fn inactive(account: &Account, activity: Option<&UserDays>, days: &Days, to: u32, n: u32) -> bool {
    let (from_ms, to_ms) = (days.starts[(to - n) as usize], days.starts[to as usize]);
    let window = (to - n, to);
    account.created_at.is_none_or(|c| c < to_ms)
        && !account.last_login.is_some_and(|l| (from_ms..to_ms).contains(&l))
        && !activity.is_some_and(|a| a.posted_in(window) || a.session_in(window))
}

/// The whole table of one period: every account's row, by `username` then `_id`, and the summary.
pub(crate) fn table(
    span: &Span,
    days: &Days,
    accounts: Vec<Account>,
    activity: &HashMap<String, UserDays>,
    lasts: &HashMap<String, i64>,
) -> MembersBody {
    let previous = span.previous();
    let day = |d| days.index_of_date(d).unwrap_or(0);
    let (first, end) = (day(span.first), day(span.last) + 1);
    let (current_days, previous_days) = ((first, end), (day(previous.first), first));
    let (start_ms, end_ms) = span.range();
    let mut rows: Vec<MemberRow> = Vec::with_capacity(accounts.len());
    let mut s = Figures::<8>::default();
    for account in accounts {
        let a = activity.get(&account.id);
        let of = |f: &dyn Fn(&UserDays) -> i64| a.map_or(0, f);
        let created_before = |t: i64| account.created_at.is_none_or(|c| c < t);
        let flags = Flags {
            inactive30: inactive(&account, a, days, end, 30),
            inactive90: inactive(&account, a, days, end, 90),
        };
        let row = MemberRow {
            messages: of(&|a| a.messages_in(current_days)),
            previous_messages: of(&|a| a.messages_in(previous_days)),
            days_active: of(&|a| a.active_in(current_days)),
            previous_days_active: of(&|a| a.active_in(previous_days)),
            last_message: lasts.get(&account.id).map(|t| format_canonical(*t)),
            flags,
            id: account.id.clone(),
            username: account.username.clone(),
            name: account.name.clone(),
            kind: account.kind.clone(),
            roles: account.roles.clone(),
            created_at: account.created_at.map(format_canonical),
            active: account.active,
            last_login: account.last_login.map(format_canonical),
        };
        s.add(0, created_before(end_ms), created_before(start_ms));
        s.add(1, row.days_active > 0, row.previous_days_active > 0);
        s.sum(2, row.messages, row.previous_messages);
        s.add(3, flags.inactive30, inactive(&account, a, days, first, 30));
        s.add(4, flags.inactive90, inactive(&account, a, days, first, 90));
        s.add(5, row.last_login.is_none(), false);
        s.add(6, row.last_message.is_none(), false);
        s.add(7, !row.active, false);
        rows.push(row);
    }
    rows.sort_by(tie);
    MembersBody {
        head: span.head(),
        summary: MembersSummary {
            members: s.compared(0),
            active: s.compared(1),
            messages: s.compared(2),
            inactive30: s.compared(3),
            inactive90: s.compared(4),
            never_logged_in: s.state(5),
            never_posted: s.state(6),
            deactivated: s.state(7),
        },
        total: rows.len(),
        offset: Some(0.0),
        count: rows.len(),
        members: rows,
    }
}

/// The order of ties: `username`, then `_id`, ascending.
fn tie(a: &MemberRow, b: &MemberRow) -> Ordering {
    by_text(a.username.as_deref(), b.username.as_deref()).then_with(|| a.id.cmp(&b.id))
}

/// Whether `row` passes `filter`.
fn passes(row: &MemberRow, filter: &str) -> bool {
    match filter {
        "active" => row.days_active > 0,
        "inactive-30" => row.flags.inactive30,
        "inactive-90" => row.flags.inactive90,
        "never-logged-in" => row.last_login.is_none(),
        "never-posted" => row.last_message.is_none(),
        "deactivated" => !row.active,
        _ => true,
    }
}

/// The rows of the request: filtered, searched, sorted, paginated.
fn cut(request: &MembersRequest, all: &MembersBody) -> MembersBody {
    let l = &request.listing;
    let (page, total) = l.select(
        &all.members,
        |r| passes(r, l.filter) && l.finds(&[r.username.as_deref(), r.name.as_deref()]),
        |a, b| by_column(a, b, l.sort),
        tie,
    );
    MembersBody {
        head: all.head.clone(),
        summary: all.summary.clone(),
        total,
        offset: l.page.offset,
        count: page.len(),
        members: page,
    }
}

fn by_column(a: &MemberRow, b: &MemberRow, column: &str) -> Ordering {
    match column {
        "name" => by_text(a.name.as_deref(), b.name.as_deref()),
        "createdAt" => a.created_at.cmp(&b.created_at),
        "lastLogin" => a.last_login.cmp(&b.last_login),
        "lastMessage" => a.last_message.cmp(&b.last_message),
        "messages" => a.messages.cmp(&b.messages),
        "previousMessages" => a.previous_messages.cmp(&b.previous_messages),
        "daysActive" => a.days_active.cmp(&b.days_active),
        "previousDaysActive" => a.previous_days_active.cmp(&b.previous_days_active),
        _ => by_text(a.username.as_deref(), b.username.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::Order;
    use crate::params::page::Page;
    use crate::params::zone::ReportZone;

    const DAY: i64 = 86_400_000;

    fn ms(iso: &str) -> i64 {
        crate::params::iso::parse_canonical(iso).unwrap()
    }

    #[test]
    fn table_counts_the_period_the_previous_one_and_the_windows() {
        let span = Span {
            zone: ReportZone::utc(),
            first: "2024-06-08".parse().unwrap(),
            last: "2024-06-14".parse().unwrap(),
        };
        let days = Days::new(span.zone, window_start(&span), span.last);
        let d = |iso: &str| days.index_of(ms(iso)).unwrap();
        let account = |id: &str, created: &str| Account {
            id: id.into(),
            username: Some(id.into()),
            kind: "user".into(),
            created_at: Some(ms(created)),
            active: true,
            ..Account::default()
        };
        let mut quiet = account("quiet", "2024-01-01T00:00:00.000Z");
        quiet.last_login = Some(ms("2024-06-14T10:00:00.000Z"));
        let mut gone = account("gone", "2024-01-01T00:00:00.000Z");
        gone.active = false;
        let accounts = vec![
            account("busy", "2024-01-01T00:00:00.000Z"),
            quiet,
            gone,
            account("new", "2024-06-10T00:00:00.000Z"),
        ];
        let mut activity = HashMap::new();
        activity.insert(
            "busy".to_string(),
            UserDays {
                messages: vec![(d("2024-06-03T00:00:00.000Z"), 4), (d("2024-06-09T00:00:00.000Z"), 2)],
                sessions: vec![d("2024-06-09T00:00:00.000Z"), d("2024-06-10T00:00:00.000Z")],
            },
        );
        let lasts = HashMap::from([("busy".to_string(), ms("2024-06-09T12:00:00.000Z"))]);
        let body = table(&span, &days, accounts, &activity, &lasts);
        let json = crate::reports::json_of(&body.summary);
        assert_eq!(
            json,
            r#"{"members":{"value":4,"previous":3},"active":{"value":1,"previous":1},"messages":{"value":2,"previous":4},"inactive30":{"value":2,"previous":2},"inactive90":{"value":2,"previous":2},"neverLoggedIn":{"value":3,"previous":null},"neverPosted":{"value":3,"previous":null},"deactivated":{"value":1,"previous":null}}"#
        );
        let busy = crate::reports::json_of(&body.members[0]);
        assert_eq!(
            busy,
            r#"{"_id":"busy","username":"busy","name":null,"type":"user","roles":[],"createdAt":"2024-01-01T00:00:00.000Z","active":true,"lastLogin":null,"lastMessage":"2024-06-09T12:00:00.000Z","messages":2,"previousMessages":4,"daysActive":2,"previousDaysActive":1}"#
        );
        assert_eq!(days.starts[0], ms("2024-03-10T00:00:00.000Z"));
        assert_eq!(days.range().1 - days.range().0, 97 * DAY);
        let request = |filter, sort, order| MembersRequest {
            span,
            kind: "user",
            listing: Listing {
                filter,
                q: None,
                sort,
                order,
                page: Page {
                    offset: Some(0.0),
                    count: Some(0.0),
                },
            },
        };
        let ids = |r: MembersRequest| {
            let out = cut(&r, &body);
            out.members.iter().map(|m| m.id.clone()).collect::<Vec<_>>().join(",")
        };
        assert_eq!(ids(request("inactive-30", "username", Order::Asc)), "gone,new");
        assert_eq!(ids(request("all", "messages", Order::Desc)), "busy,gone,new,quiet");
        assert_eq!(ids(request("all", "lastLogin", Order::Asc)), "busy,gone,new,quiet");
        assert_eq!(ids(request("deactivated", "username", Order::Asc)), "gone");
        let mut searched = request("all", "username", Order::Asc);
        searched.listing.q = Some("w".into());
        assert_eq!(ids(searched), "new");
    }
}
