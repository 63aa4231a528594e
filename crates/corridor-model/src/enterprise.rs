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

/// An ICE as it is being typed, checked at each keystroke by the forms that ask one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IceInput {
    /// Nothing typed yet.
    Empty,
    /// Digits only so far, fewer than 15 of them.
    Incomplete {
        /// How many digits are typed.
        digits: usize,
    },
    /// 15 digits whose check digits match.
    Valid(Ice),
    /// Something that cannot become an ICE (a letter, a 16th digit) or whose check digits
    /// do not match.
    Invalid(ValidationError),
}

impl Ice {
    /// Where the input stands on its way to a valid ICE (spaces between groups are allowed,
    /// as [`Ice::from_str`] allows them).
    pub fn check_typing(input: &str) -> IceInput {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            IceInput::Empty
        } else if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 15 {
            IceInput::Invalid(ValidationError::IceFormat(input.trim().to_owned()))
        } else if digits.len() < 15 {
            IceInput::Incomplete {
                digits: digits.len(),
            }
        } else {
            match digits.parse() {
                Ok(ice) => IceInput::Valid(ice),
                Err(e) => IceInput::Invalid(e),
            }
        }
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
    /// Further details (RC, legal form, sector, size, contacts, CGEM membership).
    #[serde(flatten)]
    pub details: EnterpriseDetails,
    /// When it was first recorded (UTC).
    pub created_at: DateTime<Utc>,
    /// Version of its editable fields, counted by the server (a device never counts them).
    #[serde(default)]
    pub version: i64,
    /// Device that wrote the current version (its own later edits are never stale).
    #[serde(default)]
    pub writer: Option<Uuid>,
}

/// Size class of an enterprise.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    /// Très petite entreprise.
    Tpe,
    /// Petite et moyenne entreprise.
    Pme,
    /// Grande entreprise.
    Ge,
}

impl SizeClass {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Tpe => "tpe",
            Self::Pme => "pme",
            Self::Ge => "ge",
        }
    }
}

impl FromStr for SizeClass {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "tpe" => Ok(Self::Tpe),
            "pme" => Ok(Self::Pme),
            "ge" => Ok(Self::Ge),
            _ => Err(ValidationError::UnknownCode(
                crate::Field::SizeClass,
                s.trim().to_owned(),
            )),
        }
    }
}

/// A contact person at the enterprise.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Role (gérant, DRH, comptable…).
    pub role: Option<String>,
    /// Phone, normalised (`+212612345678`).
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
}

impl Contact {
    /// Validates a contact as typed.
    pub fn parse(
        name: &str,
        role: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Self, ValidationError> {
        let opt = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(Contact {
            name: required_text(crate::Field::ContactName, name, 200)?,
            role: opt(role),
            phone: opt(phone).map(|p| normalise_phone(&p)).transpose()?,
            email: opt(email).map(|e| validate_email(&e)).transpose()?,
        })
    }
}

/// Normalises a phone number: Moroccan numbers (`06 12 34 56 78`, `+212 6…`, `00212 6…`)
/// become `+212XXXXXXXXX`; other international numbers keep `+` and 8 to 15 digits.
pub fn normalise_phone(input: &str) -> Result<String, ValidationError> {
    let bad = || ValidationError::Phone(input.trim().to_owned());
    let t = input.trim();
    let plus = t.starts_with('+');
    if t.chars()
        .any(|c| !(c.is_ascii_digit() || " .-()/".contains(c) || c == '+'))
        || t.chars().skip(1).any(|c| c == '+')
    {
        return Err(bad());
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if digits.len() == 10 && digits.starts_with('0') {
        format!("212{}", &digits[1..])
    } else {
        return Err(bad());
    };
    if let Some(national) = international.strip_prefix("212") {
        if national.len() != 9 || !matches!(national.as_bytes()[0], b'5'..=b'8') {
            return Err(bad());
        }
    } else if !(8..=15).contains(&international.len()) {
        return Err(bad());
    }
    Ok(format!("+{international}"))
}

/// Checks the shape of an email address (one `@`, a dotted domain, no spaces).
pub fn validate_email(input: &str) -> Result<String, ValidationError> {
    let t = input.trim();
    let ok = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
    }) && !t.chars().any(char::is_whitespace)
        && t.len() <= 254;
    if ok {
        Ok(t.to_lowercase())
    } else {
        Err(ValidationError::Email(t.to_owned()))
    }
}

/// Details of an enterprise beyond its identity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseDetails {
    /// Registre du commerce (number and court city, free text).
    #[serde(default)]
    pub rc: Option<String>,
    /// Legal form (SARL, SA, SNC…).
    #[serde(default)]
    pub legal_form: Option<String>,
    /// Sector of activity.
    #[serde(default)]
    pub sector: Option<String>,
    /// Size class.
    #[serde(default)]
    pub size: Option<SizeClass>,
    /// Whether it is a CGEM member.
    #[serde(default)]
    pub cgem_member: bool,
    /// Contact persons.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// A validated request to record an enterprise.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Further details.
    #[serde(flatten)]
    pub details: EnterpriseDetails,
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
            name: required_text(crate::Field::EnterpriseName, name, 200)?,
            region: region.parse()?,
            cnss: cnss
                .filter(|s| !s.trim().is_empty())
                .map(str::parse)
                .transpose()?,
            city: city
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            details: EnterpriseDetails::default(),
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
    fn an_ice_is_checked_as_it_is_typed() {
        assert_eq!(Ice::check_typing(""), IceInput::Empty);
        assert_eq!(Ice::check_typing("  "), IceInput::Empty);
        assert_eq!(
            Ice::check_typing("0015"),
            IceInput::Incomplete { digits: 4 }
        );
        assert_eq!(
            Ice::check_typing("001 561 191"),
            IceInput::Incomplete { digits: 9 }
        );
        assert_eq!(
            Ice::check_typing("001561191000066"),
            IceInput::Valid(Ice("001561191000066".to_owned()))
        );
        assert!(matches!(
            Ice::check_typing("001561191000067"),
            IceInput::Invalid(ValidationError::IceChecksum(_))
        ));
        for bad in ["00A", "0015611910000660", "001-561"] {
            assert!(
                matches!(
                    Ice::check_typing(bad),
                    IceInput::Invalid(ValidationError::IceFormat(_))
                ),
                "{bad:?} cannot become an ICE"
            );
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
    fn phones_are_normalised_and_bad_ones_named() {
        assert_eq!(
            normalise_phone("06 12 34 56 78"),
            Ok("+212612345678".to_owned())
        );
        assert_eq!(
            normalise_phone("+212 5 22 12 34 56"),
            Ok("+212522123456".to_owned())
        );
        assert_eq!(
            normalise_phone("00212-661-234567"),
            Ok("+212661234567".to_owned())
        );
        assert_eq!(
            normalise_phone("+33 1 23 45 67 89"),
            Ok("+33123456789".to_owned())
        );
        for bad in [
            "0612",
            "+212 1 23 45 67 89",
            "06 12 34 56 7a",
            "12+34",
            "0912345678",
        ] {
            let err = normalise_phone(bad).expect_err(bad);
            assert_eq!(err.code(), "invalid_phone", "{bad}");
            assert!(err.to_string().contains(bad.trim()));
        }
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(
            validate_email(" K.Alaoui@Atlas.ma "),
            Ok("k.alaoui@atlas.ma".to_owned())
        );
        for bad in [
            "alaoui", "a@b", "a@@b.ma", "a b@c.ma", "@c.ma", "a@.ma", "a@c..ma",
        ] {
            assert_eq!(
                validate_email(bad).expect_err(bad).code(),
                "invalid_email",
                "{bad}"
            );
        }
        assert_eq!("GE".parse::<SizeClass>(), Ok(SizeClass::Ge));
        assert!("xl".parse::<SizeClass>().is_err());
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
            Err(ValidationError::Required(crate::Field::EnterpriseName))
        );
        assert_eq!(
            NewEnterprise::parse("X", "001561191000066", "MA-13", None, None)
                .expect_err("region")
                .code(),
            "unknown_region"
        );
    }
}
