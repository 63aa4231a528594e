//! The central corridor server.
//!
//! A stateless HTTP service over one database: PostgreSQL in production (any number of
//! instances behind a load balancer), SQLite as the embedded default so that one command starts
//! a working server. Paths are versioned (`/v1/...`). This slice migrates either database,
//! answers `GET /v1/health`, authenticates users and their devices (`POST /v1/login`,
//! `POST /v1/logout`, `GET /v1/me`; throttled sign-in, see [`login`]), runs the sync contract (`POST /v1/sync/push`, `POST /v1/sync/pull`, see
//! [`sync`]), gives the committee its figures (`GET /v1/stats`), keeps a hash-chained audit log
//! ([`audit`]), describes itself (`GET /v1/openapi.json`) and exports Prometheus metrics
//! (`GET /v1/metrics`).

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod client_address;
pub mod demo;
pub mod error;
pub mod fault;
pub mod http;
pub mod login;
pub mod observability;
pub mod storage;
pub mod sync;
pub mod sync_http;
pub mod tls;

pub use http::{router, router_with, serve};
pub use storage::{connect, Storage};
