//! rc-analytics' own reports, the insights (docs/insights.md): members and their activity, channel health, a
//! channel's history, retention cohorts. Routes under `/rc-analytics/api/v1/insights`, the same `Report`
//! shape as Rocket.Chat's reports, in two families: the aggregates (`view-engagement-dashboard`, names only
//! to holders of `view-user-administration`) and the members table (both permissions).
//!
//! Every figure comes with its value for the previous period: the same number of days of the report zone,
//! ending where the period starts. Each answer is computed for each request ([`Report::live`]), so that a new
//! message and a changed user or room show at once.

pub(crate) mod activity;
pub(crate) mod channels;
pub mod counts;
pub(crate) mod history;
pub(crate) mod members;
pub(crate) mod retention;

use chrono::NaiveDate;
use get_size2::GetSize;
use schemars::JsonSchema;
use serde::Serialize;

use crate::auth::{ViewInsights, ViewMembers};
use crate::error::ApiError;
use crate::params::iso::format_canonical;
use crate::params::page::{Page, DIGITS_PATTERN};
use crate::params::query::Query;
use crate::params::window::add_days;
use crate::params::zone::ReportZone;
use crate::registry::{Endpoint, Family, Param, ParamValue};
use crate::reports::engagement::start_end_with;
use crate::reports::{endpoint, ReportFamily};
use crate::state::cache::held;

pub const PREFIX: &str = "/rc-analytics/api/v1/insights";

/// The longest period a request may ask for, in days.
pub(crate) const MAX_DAYS: i64 = 731;

/// The aggregates: `view-engagement-dashboard`; people's names only to holders of `view-user-administration`.
pub struct Insights;

impl ReportFamily for Insights {
    const KIND: Family = Family::Insights;
    const PREFIX: &'static str = PREFIX;
    const LABEL: &'static str = "insights";
    type Permission = ViewInsights;
}

/// The members table: `view-engagement-dashboard` and `view-user-administration`.
pub struct InsightsPeople;

impl ReportFamily for InsightsPeople {
    const KIND: Family = Family::Insights;
    const PREFIX: &'static str = PREFIX;
    const LABEL: &'static str = "insights";
    type Permission = ViewMembers;
}

/// The insights' routes, one line each.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint::<members::Members>(),
        endpoint::<channels::Channels>(),
        endpoint::<history::History>(),
        endpoint::<retention::Retention>(),
    ]
}

pub(crate) const START: Param = Param {
    name: "start",
    required: true,
    description:
        "Canonical ISO instant (2024-01-01T00:00:00.000Z): the period's first day is its day in the report zone",
    value: ParamValue::Pattern(crate::params::iso::CANONICAL_PATTERN),
};

pub(crate) const END: Param = Param {
    name: "end",
    required: true,
    description:
        "Canonical ISO instant: the period's last day (inclusive) is its day in the report zone; at most 731 days",
    value: ParamValue::Pattern(crate::params::iso::CANONICAL_PATTERN),
};

pub(crate) const OFFSET: Param = Param {
    name: "offset",
    required: false,
    description: "Rows to skip (default 0), as channels/list reads it",
    value: ParamValue::Pattern(DIGITS_PATTERN),
};

pub(crate) const COUNT: Param = Param {
    name: "count",
    required: false,
    description:
        "Rows per page (default 50, at most 100, 0 = all), as channels/list reads it; format=csv writes every row",
    value: ParamValue::Pattern(DIGITS_PATTERN),
};

pub(crate) const ORDER: Param = Param {
    name: "order",
    required: false,
    description: "asc (default) or desc; missing values sort first in asc, last in desc",
    value: ParamValue::OneOf(&["asc", "desc"]),
};

pub(crate) const Q: Param = Param {
    name: "q",
    required: false,
    description: "Case-insensitive text the shown name contains (at most 100 characters)",
    value: ParamValue::Pattern("^.{0,100}$"),
};

/// A period: whole days of the report zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) zone: ReportZone,
    pub(crate) first: NaiveDate,
    pub(crate) last: NaiveDate,
}

impl Span {
    pub(crate) fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// The previous period: as many days, ending the day before this one starts.
    pub(crate) fn previous(&self) -> Self {
        Self {
            zone: self.zone,
            first: add_days(self.first, -self.days()),
            last: add_days(self.first, -1),
        }
    }

    /// The instant day `day` starts in the zone.
    pub(crate) fn day_start(&self, day: NaiveDate) -> i64 {
        self.zone.start_of_day(day).timestamp_millis()
    }

    /// `[from, to)` in milliseconds.
    pub(crate) fn range(&self) -> (i64, i64) {
        (self.day_start(self.first), self.day_start(add_days(self.last, 1)))
    }

    /// The period, its previous one and the zone, as answers show them.
    pub(crate) fn head(&self) -> Head {
        Head {
            tz: self.zone.name(),
            period: self.body(),
            previous_period: self.previous().body(),
        }
    }

    pub(crate) fn body(&self) -> PeriodBody {
        let (from, to) = self.range();
        PeriodBody {
            first_day: self.first.to_string(),
            last_day: self.last.to_string(),
            start: format_canonical(from),
            end: format_canonical(to),
            days: self.days(),
        }
    }
}

/// `"tz","period","previousPeriod"`: what every period answer starts with.
#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Head {
    #[get_size(size_fn = held)]
    pub(crate) tz: String,
    pub(crate) period: PeriodBody,
    pub(crate) previous_period: PeriodBody,
}

/// `{"firstDay","lastDay","start","end","days"}`: a period, for the page's labels (`end` exclusive).
#[derive(Clone, Debug, Serialize, JsonSchema, GetSize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PeriodBody {
    #[get_size(size_fn = held)]
    pub(crate) first_day: String,
    #[get_size(size_fn = held)]
    pub(crate) last_day: String,
    #[get_size(size_fn = held)]
    pub(crate) start: String,
    #[get_size(size_fn = held)]
    pub(crate) end: String,
    pub(crate) days: i64,
}

/// A summary figure: its value, and the same for the previous period (`null` for a state figure).
#[derive(Clone, Copy, Debug, Serialize, JsonSchema, PartialEq, Eq, GetSize)]
pub(crate) struct Figure {
    pub(crate) value: i64,
    pub(crate) previous: Option<i64>,
}

impl Figure {
    pub(crate) fn compared(value: i64, previous: i64) -> Self {
        Self {
            value,
            previous: Some(previous),
        }
    }

    pub(crate) fn state(value: i64) -> Self {
        Self { value, previous: None }
    }
}

/// A table's summary while its rows are built: per figure, how many rows count (or their sum) in the period
/// and in the previous one.
pub(crate) struct Figures<const N: usize>([(i64, i64); N]);

impl<const N: usize> Default for Figures<N> {
    fn default() -> Self {
        Self([(0, 0); N])
    }
}

impl<const N: usize> Figures<N> {
    /// Counts a row in figure `i`: whether it counts now, and in the previous period.
    pub(crate) fn add(&mut self, i: usize, now: bool, before: bool) {
        self.sum(i, i64::from(now), i64::from(before));
    }

    pub(crate) fn sum(&mut self, i: usize, now: i64, before: i64) {
        self.0[i].0 += now;
        self.0[i].1 += before;
    }

    /// Figure `i` with its value for the previous period.
    pub(crate) fn compared(&self, i: usize) -> Figure {
        Figure::compared(self.0[i].0, self.0[i].1)
    }

    /// Figure `i` as a state of now (no previous value).
    pub(crate) fn state(&self, i: usize) -> Figure {
        Figure::state(self.0[i].0)
    }
}

/// The checked `start`/`end`/`tz` of a period route, and the query for its other parameters (`optional`
/// must be strings, as Meteor's `Match.Maybe(String)`).
pub(crate) fn period(raw_query: &str, default_zone: ReportZone, optional: &[&str]) -> Result<(Query, Span), ApiError> {
    let (query, request) = start_end_with(raw_query, default_zone, optional)?;
    let window = request.window;
    let span = Span {
        zone: window.zone,
        first: window.first_day,
        last: window.last_day,
    };
    if span.last < span.first {
        return Err(ApiError::BadRequest("The period ends before it starts".into()));
    }
    if span.days() > MAX_DAYS {
        return Err(ApiError::BadRequest(format!(
            "The period is longer than {MAX_DAYS} days"
        )));
    }
    Ok((query, span))
}

/// The value of `key`, one of `values` (the first is the default).
pub(crate) fn one_of<'a>(query: &Query, key: &str, values: &[&'a str]) -> Result<&'a str, ApiError> {
    match query.get(key).and_then(|v| v.as_str()) {
        None => Ok(values[0]),
        Some(v) => values.iter().find(|x| **x == v).copied().ok_or_else(|| {
            ApiError::BadRequest(format!(
                "Invalid parameter \"{key}\": expected one of {}",
                values.join(", ")
            ))
        }),
    }
}

/// `q`: lower-cased, at most 100 characters; `None` when absent or empty.
pub(crate) fn search(query: &Query) -> Result<Option<String>, ApiError> {
    match query.get("q").and_then(|v| v.as_str()) {
        Some(q) if q.chars().count() > 100 => Err(ApiError::BadRequest(
            "Invalid parameter \"q\": at most 100 characters".into(),
        )),
        Some(q) if !q.is_empty() => Ok(Some(q.to_lowercase())),
        _ => Ok(None),
    }
}

/// Whether `text` contains the lower-cased `q`, ignoring case.
pub(crate) fn matches(text: Option<&str>, q: &str) -> bool {
    text.is_some_and(|t| t.to_lowercase().contains(q))
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Asc,
    Desc,
}

impl Order {
    pub(crate) fn of(query: &Query) -> Result<Self, ApiError> {
        Ok(match one_of(query, "order", &["asc", "desc"])? {
            "desc" => Self::Desc,
            _ => Self::Asc,
        })
    }

    /// `ordering` in this direction (`None`s, the missing values, are smaller than any value).
    pub(crate) fn apply(self, ordering: std::cmp::Ordering) -> std::cmp::Ordering {
        match self {
            Self::Asc => ordering,
            Self::Desc => ordering.reverse(),
        }
    }
}

/// Whether the request asks for CSV (which then holds every row, not a page).
fn wants_csv(query: &Query) -> bool {
    query.get("format").and_then(|v| v.as_str()) == Some("csv")
}

/// What selects the rows of a table (members, channels): a filter, a search, a column and its order, a page.
#[derive(Debug)]
pub(crate) struct Listing {
    pub(crate) filter: &'static str,
    pub(crate) q: Option<String>,
    pub(crate) sort: &'static str,
    pub(crate) order: Order,
    pub(crate) page: Page,
}

impl Listing {
    /// `filter` (one of `filters`), `q`, `sort` (one of `sorts`), `order`, and the page: all rows for CSV,
    /// which writes the whole filtered table.
    pub(crate) fn of(query: &Query, filters: &[&'static str], sorts: &[&'static str]) -> Result<Self, ApiError> {
        let page = Page::of(query)?;
        Ok(Self {
            filter: one_of(query, "filter", filters)?,
            q: search(query)?,
            sort: one_of(query, "sort", sorts)?,
            order: Order::of(query)?,
            page: if wants_csv(query) {
                Page {
                    offset: Some(0.0),
                    count: Some(0.0),
                }
            } else {
                page
            },
        })
    }

    /// The rows that `keep` accepts, sorted by `column` in this order and then by `tie`: this page of them, and
    /// how many there are.
    pub(crate) fn select<R: Clone>(
        &self,
        rows: &[R],
        keep: impl Fn(&R) -> bool,
        column: impl Fn(&R, &R) -> std::cmp::Ordering,
        tie: impl Fn(&R, &R) -> std::cmp::Ordering,
    ) -> (Vec<R>, usize) {
        let mut kept: Vec<&R> = rows.iter().filter(|r| keep(r)).collect();
        kept.sort_by(|a, b| self.order.apply(column(a, b)).then_with(|| tie(a, b)));
        let page = kept[self.page.range(kept.len())].iter().map(|r| (*r).clone()).collect();
        (page, kept.len())
    }

    /// Whether the search accepts a row showing `texts`.
    pub(crate) fn finds(&self, texts: &[Option<&str>]) -> bool {
        self.q.as_deref().is_none_or(|q| texts.iter().any(|t| matches(*t, q)))
    }
}

/// Texts in the order a reader expects: letters compared without regard to case (`alpha` before `Zeta`), then
/// by their bytes (so the order is total); a missing text first.
pub(crate) fn by_text(a: Option<&str>, b: Option<&str>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => {
            let folded = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
            folded(a).cmp(&folded(b)).then_with(|| a.cmp(b))
        }
        _ => a.cmp(&b),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn texts_sort_without_regard_to_case_then_by_bytes() {
        let mut names = vec![
            Some("Zeta"),
            Some("alpha"),
            None,
            Some("Alpha"),
            Some("beta"),
            Some("Émile"),
        ];
        names.sort_by(|a, b| by_text(*a, *b));
        assert_eq!(
            names,
            [
                None,
                Some("Alpha"),
                Some("alpha"),
                Some("beta"),
                Some("Zeta"),
                Some("Émile")
            ]
        );
    }

    use super::*;

    fn span(first: &str, last: &str, zone: &str) -> Span {
        Span {
            zone: ReportZone::parse(zone).unwrap(),
            first: first.parse().unwrap(),
            last: last.parse().unwrap(),
        }
    }

    #[test]
    fn previous_period_has_as_many_days_and_ends_where_the_period_starts() {
        let s = span("2024-01-08", "2024-01-14", "UTC");
        let p = s.previous();
        assert_eq!(
            (p.first.to_string(), p.last.to_string(), p.days()),
            ("2024-01-01".into(), "2024-01-07".into(), 7)
        );
        assert_eq!(p.range().1, s.range().0);
        let body = crate::reports::json_of(&span("2024-03-31", "2024-03-31", "Europe/Berlin").body());
        assert_eq!(
            body,
            r#"{"firstDay":"2024-03-31","lastDay":"2024-03-31","start":"2024-03-30T23:00:00.000Z","end":"2024-03-31T22:00:00.000Z","days":1}"#
        );
    }

    #[test]
    fn period_checks() {
        let utc = ReportZone::utc();
        let q = |s: &str, e: &str| format!("start={s}&end={e}");
        assert!(period(&q("2024-01-08T00:00:00.000Z", "2024-01-14T00:00:00.000Z"), utc, &[]).is_ok());
        assert_eq!(
            period(&q("2024-01-08T00:00:00.000Z", "2024-01-07T00:00:00.000Z"), utc, &[])
                .unwrap_err()
                .to_string(),
            "The period ends before it starts"
        );
        assert_eq!(
            period(&q("2022-01-01T00:00:00.000Z", "2024-01-07T00:00:00.000Z"), utc, &[])
                .unwrap_err()
                .to_string(),
            "The period is longer than 731 days"
        );
        let query = Query::parse("type=bots").unwrap();
        assert_eq!(
            one_of(&query, "type", &["user", "bot"]).unwrap_err().to_string(),
            "Invalid parameter \"type\": expected one of user, bot"
        );
        assert_eq!(
            one_of(&Query::parse("").unwrap(), "type", &["user", "bot"]).unwrap(),
            "user"
        );
        assert!(search(&Query::parse(&format!("q={}", "a".repeat(101))).unwrap()).is_err());
        assert_eq!(search(&Query::parse("q=AbC").unwrap()).unwrap().as_deref(), Some("abc"));
        assert!(matches(Some("xABCx"), "abc") && !matches(None, "abc"));
    }
}
