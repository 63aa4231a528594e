//! OpenAPI schemas (feature `openapi`) of the types that travel as checked strings — a region
//! code, an ICE, a CNSS number —, which the derive cannot describe (they are written through
//! `String`). Every other type of the API derives its schema where it is defined.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::{CnssNumber, Ice, Region};

/// A string schema with its pattern, description and one example.
fn string(pattern: &str, description: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([serde_json::Value::from(example)])
        .into()
}

impl PartialSchema for Region {
    fn schema() -> RefOr<Schema> {
        string(
            "^MA-(0[1-9]|1[0-2])$",
            "One of the twelve regions, by its ISO 3166-2 code.",
            "MA-06",
        )
    }
}

impl ToSchema for Region {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Region")
    }
}

impl PartialSchema for Ice {
    fn schema() -> RefOr<Schema> {
        string(
            "^[0-9]{15}$",
            "Identifiant Commun de l'Entreprise: 15 digits, the last two a check on the first 13 \
             (the whole number is a multiple of 97).",
            "001561191000066",
        )
    }
}

impl ToSchema for Ice {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Ice")
    }
}

impl PartialSchema for CnssNumber {
    fn schema() -> RefOr<Schema> {
        string(
            "^[0-9]{7}$",
            "CNSS employer affiliation number: 7 digits.",
            "1234567",
        )
    }
}

impl ToSchema for CnssNumber {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CnssNumber")
    }
}
