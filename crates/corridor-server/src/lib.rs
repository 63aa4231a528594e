//! The central corridor server.
//!
//! A stateless HTTP service over one database: PostgreSQL in production (any number of
//! instances behind a load balancer), SQLite as the embedded default so that one command starts
//! a working server. Paths are versioned (`/v1/...`). This slice migrates either database,
//! answers `GET /v1/health`, and authenticates users and their devices (`POST /v1/login`,
//! `GET /v1/me`); the sync endpoints of the contract come next.

pub mod auth;
pub mod error;
pub mod http;
pub mod storage;

pub use http::{router, serve};
pub use storage::{connect, Storage};
