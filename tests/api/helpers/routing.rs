//! What a proxy routes to rc-analytics, read from the repository's nginx file and Traefik labels, and
//! its comparison with the route registry: shared by the nginx test and the deployment-file checks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rc_analytics::app::endpoints;
use rc_analytics::registry::Family;
use rc_analytics::reports::engagement::PREFIX as ENGAGEMENT_PREFIX;

pub const NGINX_CONF: &str = "deploy/nginx/rc-analytics.conf";
/// The dashboard page's prefix on Rocket.Chat's origin: the page at `/rc-analytics/`, its assets and JSON
/// routes below it; `/rc-analytics` redirects to `/rc-analytics/`.
pub const DASHBOARD_PREFIX: &str = "/rc-analytics";
/// The omnichannel dashboards' path: rc-analytics serves some of its reports, Rocket.Chat the others.
pub const OMNICHANNEL_DASHBOARDS: &str = "/api/v1/livechat/analytics/dashboards/";

pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The paths a proxy sends to rc-analytics: by prefix and by exact path.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Routing {
    pub prefixes: BTreeSet<String>,
    pub exact: BTreeSet<String>,
}

impl Routing {
    pub fn sends_to_rc_analytics(&self, path: &str) -> bool {
        self.exact.contains(path) || self.prefixes.iter().any(|p| path.starts_with(p.as_str()))
    }
}

/// The `location` blocks of an nginx file whose `proxy_pass` goes to the `rc_analytics` upstream.
/// Understands `location ^~ /prefix/ {` and `location = /exact {` (the two forms the file uses); any other
/// location that proxies to rc-analytics is an error, so the file cannot route in a way this test misses.
pub fn nginx_routing(conf: &str) -> Routing {
    let text: String = conf
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut routing = Routing::default();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("location ") {
        let after = &rest[at + "location ".len()..];
        let open = after.find('{').expect("location block opens");
        let head: Vec<&str> = after[..open].split_whitespace().collect();
        let close = after[open..].find('}').expect("location block closes") + open;
        let body = &after[open + 1..close];
        if body.contains("proxy_pass http://rc_analytics;") {
            match head.as_slice() {
                ["^~", prefix] => routing.prefixes.insert(prefix.to_string()),
                ["=", path] => routing.exact.insert(path.to_string()),
                other => panic!("location {other:?} proxies to rc-analytics: use `^~ /prefix/` or `= /path`"),
            };
        } else {
            assert!(
                body.contains("proxy_pass http://rocketchat;"),
                "location {head:?} proxies neither to rc_analytics nor to rocketchat"
            );
        }
        rest = &after[close..];
    }
    routing
}

/// What the registry requires of a proxy: every engagement route under the family's prefix, every
/// omnichannel route by exact path, the dashboard page's routes by the one dashboard prefix (`/rc-analytics/`
/// and the bare `/rc-analytics`, which rc-analytics redirects), nothing else: operations routes stay private,
/// the other omnichannel dashboards stay with Rocket.Chat, and so does a dashboard route outside the prefix
/// (rc-analytics' own `/`, which on Rocket.Chat's origin is Rocket.Chat's). Returns the differences, empty
/// when the proxy routes exactly that.
pub fn routing_mismatches(served: &[(String, Family)], routing: &Routing) -> Vec<String> {
    let mut out = Vec::new();
    let engagement_prefix = format!("{ENGAGEMENT_PREFIX}/");
    let dashboard_prefix = format!("{DASHBOARD_PREFIX}/");
    let allowed_prefixes = [&engagement_prefix, &dashboard_prefix];
    for prefix in &routing.prefixes {
        if !allowed_prefixes.contains(&prefix) {
            out.push(format!(
                "prefix {prefix} is routed; only {engagement_prefix} and {dashboard_prefix} may be"
            ));
        }
    }
    for prefix in allowed_prefixes {
        if !routing.prefixes.contains(prefix) {
            out.push(format!("prefix {prefix} is not routed"));
        }
    }
    if !routing.exact.contains(DASHBOARD_PREFIX) {
        out.push(format!(
            "{DASHBOARD_PREFIX} (redirects to {dashboard_prefix}) is not routed"
        ));
    }
    let omnichannel: BTreeSet<&str> = served
        .iter()
        .filter(|(_, f)| *f == Family::Omnichannel)
        .map(|(p, _)| p.as_str())
        .collect();
    for path in &routing.exact {
        if !omnichannel.contains(path.as_str()) && path != DASHBOARD_PREFIX {
            out.push(format!("{path} is routed to rc-analytics, which does not serve it"));
        }
    }
    for (path, family) in served {
        let routed = routing.sends_to_rc_analytics(path);
        match family {
            Family::Operations if routed => out.push(format!("{path} (operations) is exposed through the proxy")),
            Family::Engagement if !path.starts_with(engagement_prefix.as_str()) || !routed => {
                out.push(format!("{path} is not routed by the engagement prefix"))
            }
            Family::Omnichannel if !routing.exact.contains(path) => {
                out.push(format!("{path} is not routed by exact path"))
            }
            Family::Dashboard | Family::Insights if in_dashboard(path) && !routed => {
                out.push(format!("{path} is not routed by the dashboard prefix"))
            }
            Family::Dashboard | Family::Insights if !in_dashboard(path) && routed => out.push(format!(
                "{path} (dashboard, outside {dashboard_prefix}) is routed to rc-analytics"
            )),
            _ => {}
        }
    }
    out
}

/// `/rc-analytics` or a path below `/rc-analytics/`.
pub fn in_dashboard(path: &str) -> bool {
    path == DASHBOARD_PREFIX || path.starts_with(&format!("{DASHBOARD_PREFIX}/"))
}

pub fn registry_routes() -> Vec<(String, Family)> {
    endpoints().into_iter().map(|e| (e.path, e.family)).collect()
}

/// Checks a proxy's routing against the registry: the routed paths must be exactly the served ones.
pub fn assert_routes_registry(what: &str, routing: &Routing) {
    let mismatches = routing_mismatches(&registry_routes(), routing);
    assert!(
        mismatches.is_empty(),
        "{what} differs from app::endpoints(): {mismatches:#?}"
    );
}
