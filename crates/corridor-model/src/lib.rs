//! Domain model of Corridor, the desktop application of the CGEM–CNSS mediation corridor.
//!
//! This crate holds the types every other crate agrees on — regions, enterprises and their
//! identifiers, cases, the transport types exchanged between the desktop shell and its
//! interface — and the validation rules that make them valid. It performs no I/O and builds
//! for native targets and for `wasm32-unknown-unknown`, so the interface validates with the
//! exact rules the store and the server enforce.

pub mod api;
pub mod arabic;
pub mod case;
pub mod desk;
pub mod engine;
pub mod enterprise;
pub mod error;
pub mod field;
pub mod meeting;
pub mod mutation;
pub mod notices;
#[cfg(feature = "openapi")]
mod openapi;
pub mod region;
pub mod sla;
pub mod sync;
pub mod timeline;
pub mod workflow;

pub use case::{Case, CaseCategory, CaseStatus, NewCase, Priority};
pub use enterprise::{
    CnssNumber, Contact, Enterprise, EnterpriseDetails, Ice, IceInput, NewEnterprise, SizeClass,
};
pub use error::ValidationError;
pub use field::Field;
pub use region::Region;
