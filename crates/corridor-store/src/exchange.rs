//! Files in and out: enterprise import from CSV, case export to CSV and Excel.
//!
//! Import is all-or-nothing: every line is validated first (a preview lists every bad line
//! with its number, the header being line 1; the CLI reports the first); then every
//! enterprise is recorded in one transaction. Exports use Casablanca time and dirhams, with French headers.

use std::io::Read;
use std::path::Path;

use corridor_model::api::ApiError;
use corridor_model::case::format_mad;
use corridor_model::error::Coded;
use corridor_model::{Case, NewEnterprise, SizeClass};

use crate::{Result, Store, StoreError};

/// Columns an enterprise CSV must have (in any order; others are ignored).
pub const ENTERPRISE_COLUMNS: [&str; 7] = ["name", "ice", "cnss", "rc", "region", "city", "size"];

/// One data line of an enterprise CSV: its number (the header is line 1), the identifying
/// fields as written, and the enterprise or why the line is refused.
#[derive(Debug, Clone)]
pub struct CsvLine {
    /// Line number in the file.
    pub line: usize,
    /// Name as written.
    pub name: String,
    /// ICE as written.
    pub ice: String,
    /// Region as written.
    pub region: String,
    /// The enterprise, or the reason the line is refused.
    pub parsed: std::result::Result<NewEnterprise, ApiError>,
}

/// Reads an enterprise CSV (`name,ice,cnss,rc,region,city,size`; `,` or `;` separated,
/// UTF-8) and checks every line, so that a preview can show all the errors at once. A file
/// that cannot be read as CSV at all (no header, missing columns) is refused as a whole.
pub fn read_enterprise_csv(mut input: impl Read) -> Result<Vec<CsvLine>> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|_| StoreError::File("illisible : enregistrez-le en CSV UTF-8.".to_owned()))?;
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or_default();
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| StoreError::ImportLine {
            line: 1,
            message: format!("en-tête illisible ({e})."),
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let missing: Vec<&str> = ["name", "ice", "region"]
        .into_iter()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::ImportLine {
            line: 1,
            message: format!(
                "colonnes obligatoires absentes : {} (attendu : {}).",
                missing.join(", "),
                ENTERPRISE_COLUMNS.join(",")
            ),
        });
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashMap::new();
    // A record's own line, where it starts: a quoted field may span lines and blank lines are
    // skipped, so counting records would drift — and so does the reader's own line count,
    // which leaves out the blank lines. The line is counted from the record's byte offset
    // (which points at the blank lines before it, if any). A record the reader could not place
    // takes the line after the last one.
    let bytes = text.as_bytes();
    let newlines = |from: usize, to: usize| {
        bytes
            .get(from..to)
            .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
    };
    let (mut counted_to, mut line_at_counted, mut last) = (0, 1, 1);
    for record in reader.records() {
        let position = match &record {
            Ok(r) => r.position(),
            Err(e) => e.position(),
        };
        let line = match position.and_then(|p| usize::try_from(p.byte()).ok()) {
            Some(at) if at >= counted_to => {
                line_at_counted += newlines(counted_to, at);
                counted_to = at;
                let blank = bytes[at.min(bytes.len())..]
                    .iter()
                    .take_while(|c| matches!(c, b'\n' | b'\r'))
                    .filter(|c| **c == b'\n')
                    .count();
                line_at_counted + blank
            }
            _ => last + 1,
        };
        last = line;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push(CsvLine {
                    line,
                    name: String::new(),
                    ice: String::new(),
                    region: String::new(),
                    parsed: Err(ApiError::new(
                        "malformed_line",
                        format!("ligne mal formée ({}).", e.kind_description()),
                    )),
                });
                continue;
            }
        };
        let field = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let parsed = (|| {
            let mut e = NewEnterprise::parse(
                field("name").unwrap_or_default(),
                field("ice").unwrap_or_default(),
                field("region").unwrap_or_default(),
                field("cnss"),
                field("city"),
            )
            .map_err(|err| err.to_api())?;
            e.details.rc = field("rc").map(str::to_owned);
            e.details.size = field("size")
                .map(str::parse::<SizeClass>)
                .transpose()
                .map_err(|err| err.to_api())?;
            if let Some(first) = seen.insert(e.ice.to_string(), line) {
                return Err(ApiError::new(
                    "duplicate_in_file",
                    format!("l'ICE {} figure déjà ligne {first}.", e.ice),
                )
                .with_args([("ice", e.ice.to_string()), ("line", first.to_string())]));
            }
            Ok(e)
        })();
        out.push(CsvLine {
            line,
            name: field("name").unwrap_or_default().to_owned(),
            ice: field("ice").unwrap_or_default().to_owned(),
            region: field("region").unwrap_or_default().to_owned(),
            parsed,
        });
    }
    Ok(out)
}

/// Reads and validates an enterprise CSV (see [`read_enterprise_csv`]). Returns the
/// enterprises with their line numbers, or the first bad line.
pub fn parse_enterprise_csv(input: impl Read) -> Result<Vec<(usize, NewEnterprise)>> {
    read_enterprise_csv(input)?
        .into_iter()
        .map(|l| {
            l.parsed
                .map(|e| (l.line, e))
                .map_err(|e| StoreError::ImportLine {
                    line: l.line,
                    message: e.message,
                })
        })
        .collect()
}

trait KindDescription {
    fn kind_description(&self) -> String;
}

impl KindDescription for csv::Error {
    fn kind_description(&self) -> String {
        match self.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} champs au lieu de {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "caractères non UTF-8".to_owned(),
            _ => "format CSV invalide".to_owned(),
        }
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values, UTF-8 with BOM (opens correctly in Excel).
    Csv,
    /// Excel workbook.
    Xlsx,
}

impl ExportFormat {
    /// The file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = corridor_model::ValidationError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim() {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(corridor_model::ValidationError::UnknownCode(
                corridor_model::Field::ExportFormat,
                other.to_owned(),
            )),
        }
    }
}

const HEADERS: [&str; 13] = [
    "Référence",
    "Titre",
    "Entreprise",
    "ICE",
    "Catégorie",
    "Statut",
    "Priorité",
    "Région",
    "Ouvert le",
    "Montant (MAD)",
    "Responsable CGEM",
    "Responsable CNSS",
    "Résolution",
];

fn row(c: &Case) -> [String; 13] {
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&chrono_tz::Africa::Casablanca)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    [
        c.reference.clone(),
        c.title.clone(),
        c.enterprise_name.clone(),
        c.ice.to_string(),
        c.category.label_fr().to_owned(),
        c.status.label_fr().to_owned(),
        c.priority.label_fr().to_owned(),
        format!("{} {}", c.region, c.region.name_fr()),
        local(c.opened_at),
        c.amount_centimes.map(format_mad).unwrap_or_default(),
        c.cgem_assignee.clone().unwrap_or_default(),
        c.cnss_assignee.clone().unwrap_or_default(),
        c.resolution.clone().unwrap_or_default(),
    ]
}

impl Store {
    /// Writes `cases` to `path` in `format` (through a temporary file, so a failed export never
    /// leaves half a file).
    pub fn export_cases(cases: &[Case], format: ExportFormat, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp-export");
        let written = match format {
            ExportFormat::Csv => write_csv(cases, &tmp),
            ExportFormat::Xlsx => write_xlsx(cases, &tmp),
        };
        match written.and_then(|()| std::fs::rename(&tmp, path).map_err(StoreError::from)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a tab or a carriage
/// return first) is written after an apostrophe, so that a title typed as
/// `=HYPERLINK(…)` stays text when the export is opened (OWASP, CSV injection).
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn write_csv(cases: &[Case], path: &Path) -> Result<()> {
    let mut file = std::fs::File::create(path)?;
    std::io::Write::write_all(&mut file, "\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(file);
    let fail = |e: csv::Error| StoreError::File(format!("non écrit : {e}"));
    w.write_record(HEADERS).map_err(fail)?;
    for c in cases {
        let cells = row(c);
        w.write_record(cells.iter().map(|v| neutralised(v).into_owned()))
            .map_err(fail)?;
    }
    w.flush()?;
    Ok(())
}

fn write_xlsx(cases: &[Case], path: &Path) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| StoreError::File(format!("non écrit : {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Dossiers").map_err(fail)?;
    let bold = Format::new().set_bold();
    for (i, h) in HEADERS.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .map_err(fail)?;
    }
    for (r, c) in cases.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (i, v) in row(c).iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            if i == 9 {
                if let Some(a) = c.amount_centimes {
                    #[allow(clippy::cast_precision_loss)]
                    sheet.write_number(r, col, a as f64 / 100.0).map_err(fail)?;
                    continue;
                }
            }
            sheet.write_string(r, col, v).map_err(fail)?;
        }
    }
    let last_row = u32::try_from(cases.len()).unwrap_or(u32::MAX);
    sheet.autofilter(0, 0, last_row, 12).map_err(fail)?;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    sheet.autofit();
    book.save(path).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_csv_parses_with_line_numbers() {
        let csv = "name;ice;cnss;rc;region;city;size\n\
                   Atlas Textile;001561191000066;1234567;RC 1234 Casablanca;MA-06;Casablanca;pme\n\
                   Souss Agro;002136093000040;;;MA-09;Agadir;ge\n";
        let rows = parse_enterprise_csv(csv.as_bytes()).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        assert_eq!(rows[0].1.details.rc.as_deref(), Some("RC 1234 Casablanca"));
        assert_eq!(rows[1].1.details.size, Some(SizeClass::Ge));
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_kept_as_text() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
            ),
            ("+212612345678", "'+212612345678"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Prestations bloquées", "Prestations bloquées"),
            ("تعويضات =1", "تعويضات =1"),
            ("", ""),
        ] {
            assert_eq!(neutralised(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn bad_lines_are_named() {
        let cases = [
            (
                "name,ice,region\nA,001561191000067,MA-06\n",
                2,
                "001561191000067",
            ),
            (
                "name,ice,region\nA,001561191000066,MA-06\nB,001561191000066,MA-01\n",
                3,
                "déjà ligne 2",
            ),
            (
                "name,ice,region\nA,001561191000066\n",
                2,
                "2 champs au lieu de 3",
            ),
            ("name,region\nA,MA-06\n", 1, "ice"),
            (
                "name,ice,region,size\nA,001561191000066,MA-06,xl\n",
                2,
                "« xl »",
            ),
        ];
        for (csv, line, needle) in cases {
            let err = parse_enterprise_csv(csv.as_bytes()).expect_err(csv);
            let msg = err.to_string();
            assert!(msg.starts_with(&format!("Ligne {line} ")), "{msg}");
            assert!(msg.contains(needle), "{msg}");
        }
    }

    #[test]
    fn line_numbers_follow_the_file_across_quoted_line_breaks_and_blank_lines() {
        // The second enterprise's address spans three lines; a blank line follows; the bad
        // ICE is on line 7 of the file.
        let csv = "name,ice,region,address\n\
                   A,001561191000066,MA-06,Casablanca\n\
                   B,002136093000040,MA-09,\"Lot 12\nQuartier industriel\nAgadir\"\n\
                   \n\
                   C,001561191000067,MA-06,Rabat\n";
        let err = parse_enterprise_csv(csv.as_bytes()).expect_err("bad ICE");
        let msg = err.to_string();
        assert!(msg.starts_with("Ligne 7 "), "{msg}");
        // And the good lines keep their own numbers, with Windows line ends too (what a
        // spreadsheet saves).
        let good = csv.replace("001561191000067", "001561191000066");
        for text in [good.clone(), good.replace('\n', "\r\n")] {
            let lines: Vec<usize> = read_enterprise_csv(text.as_bytes())
                .expect("readable")
                .iter()
                .map(|l| l.line)
                .collect();
            assert_eq!(lines, vec![2, 3, 7], "{text:?}");
        }
    }
}
