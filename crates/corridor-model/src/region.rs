//! The twelve regions of the Kingdom (2015 division), ISO 3166-2 codes MA-01..MA-12.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// One of the twelve regions; serialised as its ISO 3166-2 code (`MA-06`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(u8);

const NAMES: [(&str, &str); 12] = [
    ("Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة"),
    ("L'Oriental", "الشرق"),
    ("Fès-Meknès", "فاس مكناس"),
    ("Rabat-Salé-Kénitra", "الرباط سلا القنيطرة"),
    ("Béni Mellal-Khénifra", "بني ملال خنيفرة"),
    ("Casablanca-Settat", "الدار البيضاء سطات"),
    ("Marrakech-Safi", "مراكش آسفي"),
    ("Drâa-Tafilalet", "درعة تافيلالت"),
    ("Souss-Massa", "سوس ماسة"),
    ("Guelmim-Oued Noun", "كلميم واد نون"),
    ("Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء"),
    ("Dakhla-Oued Ed-Dahab", "الداخلة واد الذهب"),
];

impl Region {
    /// All twelve regions in code order.
    pub fn all() -> impl Iterator<Item = Region> {
        (1..=12).map(Region)
    }

    /// The region numbered `n` (1..=12).
    pub fn from_number(n: u8) -> Option<Region> {
        (1..=12).contains(&n).then_some(Region(n))
    }

    /// The region number, 1..=12.
    pub fn number(self) -> u8 {
        self.0
    }

    /// ISO 3166-2 code, `MA-01`..`MA-12`.
    pub fn code(self) -> String {
        format!("MA-{:02}", self.0)
    }

    /// Name in French.
    pub fn name_fr(self) -> &'static str {
        NAMES[usize::from(self.0 - 1)].0
    }

    /// Name in Arabic.
    pub fn name_ar(self) -> &'static str {
        NAMES[usize::from(self.0 - 1)].1
    }
}

impl FromStr for Region {
    type Err = ValidationError;

    /// Accepts `MA-06`, `ma-06` or `06`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("MA-")
            .or_else(|| t.strip_prefix("ma-"))
            .unwrap_or(t);
        if digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Some(r) = digits.parse().ok().and_then(Region::from_number) {
                return Ok(r);
            }
        }
        Err(ValidationError::UnknownRegion(s.to_owned()))
    }
}

impl TryFrom<String> for Region {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.code()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MA-{:02}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_regions_round_trip_through_their_codes() {
        let all: Vec<_> = Region::all().collect();
        assert_eq!(all.len(), 12);
        for r in all {
            assert_eq!(r.code().parse::<Region>(), Ok(r));
        }
        assert_eq!(
            Region::from_number(6).map(Region::name_fr),
            Some("Casablanca-Settat")
        );
        assert_eq!(
            Region::from_number(12).map(Region::name_ar),
            Some("الداخلة واد الذهب")
        );
    }

    #[test]
    fn unknown_codes_are_refused_with_the_code_in_the_message() {
        for bad in ["MA-00", "MA-13", "MA-6", "Casablanca", ""] {
            let err = bad.parse::<Region>().expect_err(bad);
            assert!(
                err.to_string().contains(bad),
                "message names the input: {err}"
            );
        }
    }

    #[test]
    fn serialises_as_the_iso_code() {
        let r = Region::from_number(4).expect("region 4");
        assert_eq!(serde_json::to_string(&r).expect("json"), "\"MA-04\"");
        assert!(serde_json::from_str::<Region>("\"MA-99\"").is_err());
    }
}
