//! The central corridor server.
//!
//! A stateless HTTP service over one database: PostgreSQL in production (any number of
//! instances behind a load balancer), SQLite as the embedded default so that one command starts
//! a working server. Paths are versioned (`/v1/...`). This slice migrates either database,
//! answers `GET /v1/health`, authenticates users and their devices (`POST /v1/login`,
//! `GET /v1/me`), describes itself (`GET /v1/openapi.json`) and exports Prometheus metrics
//! (`GET /v1/metrics`); the sync endpoints of the contract come next.

pub mod auth;
pub mod error;
pub mod http;
pub mod observability;
pub mod storage;

pub use http::{router, serve};
pub use storage::{connect, Storage};
