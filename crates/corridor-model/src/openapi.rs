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

/// The schema of a type that travels as a checked string, under its own name.
macro_rules! string_schema {
    ($ty:ident, $pattern:literal, $description:literal, $example:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string($pattern, $description, $example)
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
        }
    };
}

string_schema!(
    Region,
    "^MA-(0[1-9]|1[0-2])$",
    "One of the twelve regions, by its ISO 3166-2 code.",
    "MA-06"
);
string_schema!(
    Ice,
    "^[0-9]{15}$",
    "Identifiant Commun de l'Entreprise: 15 digits, the last two a check on the first 13 \
     (the whole number is a multiple of 97).",
    "001561191000066"
);
string_schema!(
    CnssNumber,
    "^[0-9]{7}$",
    "CNSS employer affiliation number: 7 digits.",
    "1234567"
);
