//! Enterprises (the employers who bring cases) and their identifiers.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::required_text;
use crate::{Region, ValidationError};

/// Identifiant Commun de l'Entreprise: 15 digits (9 company, 4 establishment, 2 check digits),
/// valid when the whole number is divisible by 97 (ISO 7064 mod 97-10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ice(String);

impl Ice {
    /// The 15 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Ice {
    type Err = ValidationError;

    /// Accepts the 15 digits, tolerating spaces typed between groups.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::IceFormat(s.trim().to_owned()));
        }
        let n: u64 = digits
            .parse()
            .map_err(|_| ValidationError::IceFormat(s.trim().to_owned()))?;
        if !n.is_multiple_of(97) {
            return Err(ValidationError::IceChecksum(digits));
        }
        Ok(Ice(digits))
    }
}

impl TryFrom<String> for Ice {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Ice> for String {
    fn from(i: Ice) -> String {
        i.0
    }
}

impl fmt::Display for Ice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// CNSS employer affiliation number: 7 digits, no published checksum.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CnssNumber(String);

impl CnssNumber {
    /// The 7 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CnssNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() == 7 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(CnssNumber(t.to_owned()))
        } else {
            Err(ValidationError::CnssFormat(t.to_owned()))
        }
    }
}

impl TryFrom<String> for CnssNumber {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CnssNumber> for String {
    fn from(c: CnssNumber) -> String {
        c.0
    }
}

/// An employer known to the corridor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    /// UUIDv7 made by the device that created it.
    pub id: Uuid,
    /// Company name.
    pub name: String,
    /// Identifiant Commun de l'Entreprise.
    pub ice: Ice,
    /// CNSS employer affiliation number, when known.
    pub cnss: Option<CnssNumber>,
    /// City of the establishment.
    pub city: Option<String>,
    /// Region the establishment belongs to.
    pub region: Region,
    /// When it was first recorded (UTC).
    pub created_at: DateTime<Utc>,
}

/// A validated request to record an enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnterprise {
    /// Company name.
    pub name: String,
    /// Identifiant Commun de l'Entreprise.
    pub ice: Ice,
    /// CNSS employer affiliation number.
    pub cnss: Option<CnssNumber>,
    /// City.
    pub city: Option<String>,
    /// Region.
    pub region: Region,
}

impl NewEnterprise {
    /// Validates raw input (as typed in a form or on a command line).
    pub fn parse(
        name: &str,
        ice: &str,
        region: &str,
        cnss: Option<&str>,
        city: Option<&str>,
    ) -> Result<Self, ValidationError> {
        Ok(NewEnterprise {
            ice: ice.parse()?,
            name: required_text("nom de l'entreprise", name, 200)?,
            region: region.parse()?,
            cnss: cnss
                .filter(|s| !s.trim().is_empty())
                .map(str::parse)
                .transpose()?,
            city: city
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples_validate() {
        for ok in ["001561191000066", "002136093000040", "001 561191 0000 66"] {
            assert!(ok.parse::<Ice>().is_ok(), "{ok} is a valid ICE");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_refused_and_named() {
        let err = "001561191000067"
            .parse::<Ice>()
            .expect_err("check digit off by one");
        assert_eq!(err.code(), "invalid_ice");
        assert!(err.to_string().contains("001561191000067"));
        assert!(err.to_string().contains("clé de contrôle"));
    }

    #[test]
    fn wrong_lengths_and_letters_are_format_errors() {
        for bad in ["00156119100006", "0015611910000660", "00156119100006A", ""] {
            assert!(
                matches!(bad.parse::<Ice>(), Err(ValidationError::IceFormat(_))),
                "{bad:?} is not 15 digits"
            );
        }
    }

    #[test]
    fn cnss_number_is_seven_digits() {
        assert!("1234567".parse::<CnssNumber>().is_ok());
        for bad in ["123456", "12345678", "12a4567"] {
            assert_eq!(
                bad.parse::<CnssNumber>().expect_err(bad).code(),
                "invalid_cnss_number"
            );
        }
    }

    #[test]
    fn new_enterprise_requires_a_name_and_valid_fields() {
        let e = NewEnterprise::parse(
            " Atlas Textile ",
            "001561191000066",
            "MA-06",
            Some(""),
            None,
        )
        .expect("valid");
        assert_eq!(e.name, "Atlas Textile");
        assert_eq!(e.cnss, None);
        assert_eq!(
            NewEnterprise::parse("  ", "001561191000066", "MA-06", None, None),
            Err(ValidationError::Required("nom de l'entreprise"))
        );
        assert_eq!(
            NewEnterprise::parse("X", "001561191000066", "MA-13", None, None)
                .expect_err("region")
                .code(),
            "unknown_region"
        );
    }
}
