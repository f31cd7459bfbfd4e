//! The deployment files, parsed and checked: docker-compose.yml (the whole stack), the Traefik override for
//! an existing rocketchat-compose deployment, and the Dockerfile. The routed paths are compared with the
//! route registry (`app::endpoints()`) by the same function as the nginx check (tests/api/helpers/routing.rs).
//!
//! YAML crate: `yaml-rust2` (MIT OR Apache-2.0, maintained, a YAML 1.2 parser without serde). `serde_yaml` is
//! archived and `serde_yml` has had soundness and maintenance problems; a test that walks a document needs
//! no serde derive anyway.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use rc_analytics::config::Settings;
use yaml_rust2::{Yaml, YamlLoader};

use crate::helpers::routing::{assert_routes_registry, nginx_routing, repo_file, Routing, NGINX_CONF};
use crate::helpers::rust_files;

fn load(relative: &str) -> Yaml {
    let text = std::fs::read_to_string(repo_file(relative)).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
        .remove(0)
}

fn service<'a>(doc: &'a Yaml, name: &str) -> &'a Yaml {
    let s = &doc["services"][name];
    assert!(!s.is_badvalue(), "service {name} is missing");
    s
}

fn str_list(y: &Yaml) -> Vec<String> {
    y.as_vec()
        .unwrap_or_else(|| panic!("not a list: {y:?}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// A service's `environment` as a map (values as written, `${…}` unresolved).
fn environment(s: &Yaml) -> BTreeMap<String, String> {
    s["environment"]
        .as_hash()
        .expect("environment is a mapping")
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Yaml::String(s) => s.clone(),
                Yaml::Integer(i) => i.to_string(),
                Yaml::Boolean(b) => b.to_string(),
                other => panic!("{k:?}: {other:?}"),
            };
            (k.as_str().unwrap().to_string(), value)
        })
        .collect()
}

/// Compose interpolation: `${V:-default}` and `${V-default}` give the default, `${V:?msg}` and `${V}` give
/// `given(V)`.
fn interpolate(text: &str, given: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("closed ${") + at;
        let inner = &rest[at + 2..end];
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, op) = inner.split_at(name_len);
        let value = match op {
            _ if op.starts_with(":-") => op[2..].to_string(),
            _ if op.starts_with('-') => op[1..].to_string(),
            _ => given(name),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// rc-analytics' environment in a compose file: every variable is one the service reads, and the values
/// (defaults filled in) start it. Returns the resolved MONGO_URL.
fn check_rc_analytics_environment(env: &BTreeMap<String, String>, given: impl Fn(&str) -> String) -> String {
    let resolved: BTreeMap<String, String> = env.iter().map(|(k, v)| (k.clone(), interpolate(v, &given))).collect();
    let asked = Mutex::new(BTreeSet::new());
    let settings = Settings::from_lookup(|k| {
        asked.lock().unwrap().insert(k.to_string());
        resolved.get(k).cloned()
    })
    .unwrap_or_else(|e| panic!("rc-analytics' environment does not start it: {e}"));
    let asked = asked.into_inner().unwrap();
    for key in env.keys() {
        assert!(
            asked.contains(key) || key == "RUST_LOG",
            "{key} is set for rc-analytics but the service does not read it"
        );
    }
    assert_eq!(settings.bind, "0.0.0.0:3100");
    assert_eq!(settings.database, "rocketchat");
    settings.mongo_url
}

fn assert_binary_healthcheck(s: &Yaml, name: &str) {
    assert_eq!(
        str_list(&s["healthcheck"]["test"]),
        ["CMD", "rc-analytics", "healthcheck"],
        "{name}"
    );
}

#[test]
fn compose_stack_is_complete_and_routes_the_registry() {
    let doc = load("docker-compose.yml");

    // MongoDB: a single-node replica set rs0, authentication on, healthy before anything uses it, and the
    // read-only user's script run on its first start.
    let mongodb = service(&doc, "mongodb");
    let command = str_list(&mongodb["command"]);
    assert!(command.windows(2).any(|w| w == ["--replSet", "rs0"]), "{command:?}");
    assert!(command.iter().any(|c| c == "--keyFile"), "{command:?}");
    assert!(!mongodb["healthcheck"]["test"].is_badvalue());
    let mongo_env = environment(mongodb);
    let volumes = str_list(&mongodb["volumes"]);
    let script = volumes
        .iter()
        .find(|v| v.contains("/docker-entrypoint-initdb.d/"))
        .expect("the read-only user's script is mounted into docker-entrypoint-initdb.d");
    assert!(
        script.starts_with("./deploy/mongo/create-readonly-user.js:"),
        "{script}"
    );
    assert!(repo_file("deploy/mongo/create-readonly-user.js").exists());

    // The replica set's init step (as rocketchat-compose runs it), after MongoDB is healthy.
    let init = service(&doc, "mongodb-init-replica");
    assert_eq!(
        init["depends_on"]["mongodb"]["condition"].as_str(),
        Some("service_healthy")
    );
    let init_script = str_list(&init["entrypoint"]).join(" ");
    assert!(init_script.contains("rs.initiate({_id: \"rs0\""), "{init_script}");
    assert!(init_script.contains("host: \"mongodb:27017\""), "{init_script}");

    // Rocket.Chat from its official image, on the replica set.
    let rocketchat = service(&doc, "rocketchat");
    assert!(rocketchat["image"]
        .as_str()
        .unwrap()
        .starts_with("registry.rocket.chat/rocketchat/rocket.chat:"));
    let rc_env = environment(rocketchat);
    assert!(rc_env.contains_key("ROOT_URL"));
    let rc_url = interpolate(&rc_env["MONGO_URL"], |v| format!("<{v}>"));
    assert!(rc_url.contains("@mongodb:27017/rocketchat?replicaSet=rs0"), "{rc_url}");
    assert_eq!(
        rocketchat["depends_on"]["mongodb-init-replica"]["condition"].as_str(),
        Some("service_completed_successfully")
    );

    // rc-analytics: the same database through the read-only user the script creates, its own health check.
    let rca = service(&doc, "rc-analytics");
    let rca_url = check_rc_analytics_environment(&environment(rca), |v| format!("<{v}>"));
    let user = &mongo_env["RCA_MONGO_USER"];
    assert!(
        rca_url.starts_with(&format!(
            "mongodb://{user}:<RCA_MONGO_PASSWORD>@mongodb:27017/rocketchat?"
        )),
        "{rca_url}"
    );
    assert!(
        rca_url.contains("replicaSet=rs0") && rca_url.contains("authSource=rocketchat"),
        "{rca_url}"
    );
    assert_eq!(mongo_env["MONGO_INITDB_DATABASE"], "rocketchat");
    assert_binary_healthcheck(rca, "rc-analytics");
    assert_eq!(rca["build"].as_str(), Some("."));
    assert_eq!(str_list(&rca["expose"]), ["3100"]);

    // The proxy: the repo's nginx file (the one tests/api/nginx_proxy.rs runs) mounted as its server config, in
    // front of both, started once rc-analytics is healthy.
    let proxy = service(&doc, "proxy");
    assert!(proxy["image"].as_str().unwrap().starts_with("docker.io/nginx:"));
    let mounts = str_list(&proxy["volumes"]);
    assert_eq!(mounts, [format!("./{NGINX_CONF}:/etc/nginx/conf.d/default.conf:ro")]);
    assert_eq!(
        proxy["depends_on"]["rc-analytics"]["condition"].as_str(),
        Some("service_healthy")
    );
    assert!(!proxy["healthcheck"]["test"].is_badvalue());
    assert!(!proxy["ports"].is_badvalue(), "the proxy publishes the port");
    for name in ["rocketchat", "rc-analytics", "mongodb"] {
        assert!(
            service(&doc, name)["ports"].is_badvalue(),
            "{name} must not publish a port"
        );
    }
    let mounted = std::fs::read_to_string(repo_file(NGINX_CONF)).unwrap();
    assert_routes_registry(NGINX_CONF, &nginx_routing(&mounted));
}

/// `Host(…) && (PathPrefix(`/a/`) || Path(`/b`) …)` → the prefixes and exact paths.
fn traefik_routing(rule: &str) -> Routing {
    let mut routing = Routing::default();
    for (matcher, set) in [("PathPrefix(`", &mut routing.prefixes), ("Path(`", &mut routing.exact)] {
        let mut rest = rule;
        while let Some(at) = rest.find(matcher) {
            // `Path(` also occurs inside `PathPrefix(`: only count it at a word start.
            let whole = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric();
            let after = &rest[at + matcher.len()..];
            let end = after.find('`').unwrap();
            if whole {
                set.insert(after[..end].to_string());
            }
            rest = &after[end..];
        }
    }
    routing
}

#[test]
fn compose_interpolation() {
    let given = |v: &str| format!("<{v}>");
    assert_eq!(interpolate("a${X:-1}b${Y-2}c${Z}d", given), "a1b2c<Z>d");
    assert_eq!(interpolate("${P:?set P (the read-only user) in .env}", given), "<P>");
}

#[test]
fn traefik_rule_parsing() {
    let r = traefik_routing("Host(`x`) && (PathPrefix(`/a/`) || Path(`/b`) || Path(`/c`))");
    assert_eq!(r.prefixes, BTreeSet::from(["/a/".to_string()]));
    assert_eq!(r.exact, BTreeSet::from(["/b".to_string(), "/c".to_string()]));
}

#[test]
fn traefik_override_routes_the_registry() {
    let doc = load("deploy/compose.rc-analytics.yml");
    let rca = service(&doc, "rc-analytics");
    let url = "mongodb://rc-analytics:pw@mongodb:27017/rocketchat?replicaSet=rs0&authSource=rocketchat";
    let resolved = check_rc_analytics_environment(&environment(rca), |v| match v {
        "RCA_MONGO_URL" => url.into(),
        other => panic!("${{{other}}} has no default in the override"),
    });
    assert_eq!(resolved, url);
    assert_binary_healthcheck(rca, "rc-analytics (override)");
    let labels: BTreeMap<String, String> = rca["labels"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(labels["traefik.enable"], "true");
    assert_eq!(
        labels["traefik.http.services.rc-analytics.loadbalancer.server.port"],
        "3100"
    );
    let routers: Vec<&str> = labels
        .keys()
        .filter_map(|k| k.strip_prefix("traefik.http.routers.")?.strip_suffix(".rule"))
        .collect();
    assert_eq!(routers, ["rc-analytics-tls", "rc-analytics"]);
    for router in routers {
        let rule = interpolate(&labels[&format!("traefik.http.routers.{router}.rule")], |v| v.into());
        assert!(rule.starts_with("Host(`localhost`) && ("), "{rule}");
        assert_routes_registry(&format!("Traefik router {router}"), &traefik_routing(&rule));
        assert_eq!(
            labels[&format!("traefik.http.routers.{router}.service")],
            "rc-analytics"
        );
        assert_eq!(labels[&format!("traefik.http.routers.{router}.priority")], "1000");
    }
    // The same set as the nginx file, so both deployment paths route alike.
    let nginx = nginx_routing(&std::fs::read_to_string(repo_file(NGINX_CONF)).unwrap());
    let rule = interpolate(&labels["traefik.http.routers.rc-analytics.rule"], |v| v.into());
    assert_eq!(traefik_routing(&rule), nginx);
}

#[test]
fn dockerfile_builds_a_small_non_root_image_checked_by_the_binary() {
    let text = std::fs::read_to_string(repo_file("Dockerfile")).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.starts_with('#')).collect();
    let froms: Vec<&&str> = lines.iter().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].ends_with(" AS build"));
    assert!(froms[1].contains("debian:bookworm-slim") || froms[1].contains("distroless"));
    // Dependencies are built from the manifests alone, before the sources are copied.
    let at = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix)).unwrap();
    assert!(at("COPY Cargo.toml Cargo.lock") < at("COPY src"));
    assert!(at("COPY seed/Cargo.toml") < at("COPY src"));
    // Both builds build the service's binary alone, never the workspace's demo-data generator (seed/, which
    // writes to MongoDB): only the seed's manifest enters the build (cargo needs it to load the workspace),
    // its sources are ignored, and the image receives the one binary.
    assert_eq!(text.matches("cargo build").count(), 2);
    assert_eq!(
        text.matches("cargo build --release --locked -p rc-analytics --bin rc-analytics")
            .count(),
        2
    );
    let copied: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from="))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1].to_vec()
        })
        .collect();
    assert_eq!(
        copied,
        BTreeSet::from(["Cargo.toml", "Cargo.lock", "seed/Cargo.toml", "src", "ui"])
    );
    let into_image: Vec<&&str> = lines.iter().filter(|l| l.starts_with("COPY --from=")).collect();
    assert_eq!(
        into_image,
        [&"COPY --from=build /src/target/release/rc-analytics /usr/local/bin/rc-analytics"]
    );
    assert!(!lines.iter().any(|l| l.contains("rc-analytics-seed")));
    assert!(lines.contains(&"EXPOSE 3100"));
    assert!(lines.contains(&"USER 10001:10001"));
    let health = lines.iter().find(|l| l.starts_with("HEALTHCHECK")).unwrap();
    assert!(health.ends_with(r#"CMD ["rc-analytics", "healthcheck"]"#), "{health}");
    assert!(lines.contains(&r#"ENTRYPOINT ["rc-analytics"]"#));
    let ignore = std::fs::read_to_string(repo_file(".dockerignore")).unwrap();
    for entry in ["target", ".venv", ".git", "seed/src", "seed/tests"] {
        assert!(ignore.lines().any(|l| l == entry), "{entry} not in .dockerignore");
    }
    // Every folder outside src/ that the crate embeds at compile time (the dashboard page, ui/) is copied
    // before the release build, and not ignored.
    let embedded = embedded_folders();
    assert!(embedded.contains("ui"), "{embedded:?}");
    let release_build = lines
        .iter()
        .rposition(|l| l.contains("cargo build --release --locked"))
        .unwrap();
    for folder in &embedded {
        let copy = format!("COPY {folder} ./{folder}");
        let copied = lines.iter().position(|l| *l == copy.as_str());
        assert!(
            copied.is_some_and(|at| at < release_build),
            "the Dockerfile lacks `{copy}` before the build"
        );
        assert!(
            !ignore.lines().any(|l| l.trim_end_matches('/') == folder),
            "{folder} is in .dockerignore"
        );
    }
}

/// The top-level folders (other than src/) named by `include_bytes!`/`include_str!` in src/.
fn embedded_folders() -> BTreeSet<String> {
    let root = repo_file("");
    let mut out = BTreeSet::new();
    for path in rust_files(&repo_file("src")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for macro_call in ["include_bytes!(\"", "include_str!(\""] {
            for piece in text.split(macro_call).skip(1) {
                let relative = piece.split('"').next().unwrap();
                let target = path.parent().unwrap().join(relative);
                let mut inside = Vec::new();
                for part in target.strip_prefix(&root).unwrap().components() {
                    match part {
                        std::path::Component::ParentDir => {
                            inside.pop();
                        }
                        std::path::Component::Normal(p) => inside.push(p.to_string_lossy().to_string()),
                        _ => {}
                    }
                }
                if inside.first().is_some_and(|top| top != "src") {
                    out.insert(inside[0].clone());
                }
            }
        }
    }
    out
}

/// The `monitoring` profile of docker-compose.yml: Prometheus and Grafana, started only with the profile,
/// mounting the rocketchat-compose drop-in (deploy/rocketchat-compose/files/) where rocketchat-compose mounts
/// its `files/`, and the profile's own configuration, which finds them there. The drop-in's target is the
/// rc-analytics service of both compose files. (tests/api/monitoring.rs runs these files with Prometheus.)
#[test]
fn monitoring_profile_uses_the_drop_in_files() {
    let doc = load("docker-compose.yml");
    let mounts = |name: &str| -> BTreeMap<String, String> {
        let s = service(&doc, name);
        assert_eq!(str_list(&s["profiles"]), ["monitoring"], "{name}");
        str_list(&s["volumes"])
            .into_iter()
            .filter_map(|v| {
                let (from, to) = v.strip_suffix(":ro")?.split_once(':')?;
                assert!(repo_file(from).exists(), "{from} is mounted and missing");
                Some((to.to_string(), from.to_string()))
            })
            .collect()
    };
    let prometheus = mounts("prometheus");
    assert_eq!(
        prometheus,
        BTreeMap::from([
            (
                "/etc/prometheus/prometheus.yml".to_string(),
                "./deploy/prometheus/prometheus.yml".to_string()
            ),
            (
                "/etc/prometheus/file_sd_configs.d".into(),
                "./deploy/rocketchat-compose/files/prometheus/file_sd_configs.d".into()
            ),
        ])
    );
    let conf = load("deploy/prometheus/prometheus.yml");
    let sd = &conf["scrape_configs"][0]["file_sd_configs"][0]["files"];
    assert_eq!(str_list(sd), ["/etc/prometheus/file_sd_configs.d/*.yml"]);
    let grafana = mounts("grafana");
    assert_eq!(
        grafana,
        BTreeMap::from([
            (
                "/etc/grafana/provisioning".to_string(),
                "./deploy/grafana/provisioning".to_string()
            ),
            (
                "/dashboards".into(),
                "./deploy/rocketchat-compose/files/grafana/dashboards".into()
            ),
        ])
    );
    let provider = load("deploy/grafana/provisioning/dashboards/rc-analytics.yml");
    assert_eq!(
        provider["providers"][0]["options"]["path"].as_str(),
        Some("/dashboards")
    );
    assert_eq!(
        provider["providers"][0]["options"]["foldersFromFilesStructure"].as_bool(),
        Some(true)
    );
    let source = load("deploy/grafana/provisioning/datasources/prometheus.yml");
    assert_eq!(source["datasources"][0]["type"].as_str(), Some("prometheus"));
    assert_eq!(source["datasources"][0]["url"].as_str(), Some("http://prometheus:9090"));
    assert_eq!(str_list(&service(&doc, "prometheus")["expose"]), ["9090"]);
    // The drop-in's one target: the rc-analytics service, at the port it exposes, in both compose files.
    let targets = load("deploy/rocketchat-compose/files/prometheus/file_sd_configs.d/rc-analytics.yml");
    assert_eq!(str_list(&targets[0]["targets"]), ["rc-analytics:3100"]);
    assert_eq!(targets[0]["labels"]["job"].as_str(), Some("rc-analytics"));
    for file in ["docker-compose.yml", "deploy/compose.rc-analytics.yml"] {
        assert_eq!(
            str_list(&service(&load(file), "rc-analytics")["expose"]),
            ["3100"],
            "{file}"
        );
    }
    // Nothing else is in a profile: `docker compose up -d` starts the stack as before.
    let services = doc["services"].as_hash().unwrap();
    let profiled: Vec<&str> = services
        .iter()
        .filter(|(_, s)| !s["profiles"].is_badvalue())
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    assert_eq!(profiled, ["prometheus", "grafana"]);
}
