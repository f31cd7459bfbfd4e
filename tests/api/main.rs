//! Integration tests: the real service against a real MongoDB-wire server (`MONGODB_URI`, started by
//! `scripts/test.sh`), one database per test, exact status codes and bodies.

mod community_edition;
mod dashboard_http;
mod demo_data;
mod deploy_files;
mod engagement_checks;
mod engagement_messages;
mod engagement_origin;
mod engagement_users;
mod guard;
mod helpers;
mod insights;
mod json_everywhere;
mod least_privilege;
mod monitoring;
mod nginx_proxy;
mod no_writes;
mod omnichannel_department;
mod omnichannel_reports;
mod operations;
mod protocol;
mod report_contract;
mod result_cache;
mod rollup;
mod workspace_series;
