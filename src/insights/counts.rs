//! The insights' workspace figures as plain numbers, for a background task (the Prometheus series): members
//! inactive for 30 and 90 days and channels idle for 30 and 90 days, as of now in the configured zone, as
//! `members` and `channels` count them (docs/insights.md). No name leaves this module.

use super::{channels, members, Span};
use crate::error::ApiError;
use crate::state::AppState;

/// Members (`type: user`) and channels (`c`, `p`) by state, now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkspaceCounts {
    pub members: i64,
    pub inactive_30: i64,
    pub inactive_90: i64,
    pub channels: i64,
    pub idle_channels_30: i64,
    pub idle_channels_90: i64,
}

/// Computes [`WorkspaceCounts`] from the rollup, `users`, `rocketchat_sessions` and `rocketchat_room` (the
/// members table of today, and the channel list, read once each).
pub async fn counts(state: &AppState) -> Result<WorkspaceCounts, ApiError> {
    let span = today(state);
    let [members, inactive_30, inactive_90] = member_counts(state).await?;
    let rooms = channels::whole_table(state, &span, "all", 30).await?;
    let idle_90 = rooms
        .channels
        .iter()
        .filter(|c| c.idle_days.is_none_or(|d| d >= 90))
        .count();
    Ok(WorkspaceCounts {
        members,
        inactive_30,
        inactive_90,
        channels: rooms.channels.len() as i64,
        idle_channels_30: rooms.summary.idle.value,
        idle_channels_90: idle_90 as i64,
    })
}

/// Members (`type: user`), and those inactive for 30 and 90 days, now: the members table of today.
pub async fn member_counts(state: &AppState) -> Result<[i64; 3], ApiError> {
    let people = members::whole_table(state, &today(state), "user").await?;
    Ok([
        people.members.len() as i64,
        people.summary.inactive30.value,
        people.summary.inactive90.value,
    ])
}

/// Today in the configured zone, as a period of one day.
fn today(state: &AppState) -> Span {
    let zone = state.settings.timezone;
    let today = zone.date_of(chrono::Utc::now());
    Span {
        zone,
        first: today,
        last: today,
    }
}
