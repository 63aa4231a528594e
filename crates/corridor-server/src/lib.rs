//! The central corridor server.
//!
//! A stateless HTTP service over one database: PostgreSQL in production (any number of
//! instances behind a load balancer), SQLite as the embedded default so that one command starts
//! a working server. Paths are versioned (`/v1/...`). This first slice migrates either database
//! and answers `GET /v1/health`; the sync endpoints of the contract come next.

pub mod db;
pub mod http;

pub use db::Db;
pub use http::{router, serve};
