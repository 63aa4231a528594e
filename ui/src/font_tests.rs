//! Every character the interface writes (its code, its style sheet, its translations) is drawn
//! by a font it ships: a `@font-face` of `style.css` whose file has the glyph and whose
//! `unicode-range`, if any, takes the character. A symbol missing from them would be taken from
//! the system's fonts: drawn differently, or not at all, from one machine to the next.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Formatting characters: they direct the text and have no glyph to draw.
fn is_format(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFEFF)
}

struct Face {
    file: String,
    cmap: BTreeSet<u32>,
    ranges: Option<Vec<(u32, u32)>>,
}

impl Face {
    fn draws(&self, c: char) -> bool {
        let c = c as u32;
        self.cmap.contains(&c)
            && self
                .ranges
                .as_ref()
                .is_none_or(|r| r.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)))
    }
}

fn ui_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `U+23F8, U+2713-2714` as ranges.
fn parse_ranges(text: &str) -> Vec<(u32, u32)> {
    text.split(',')
        .map(|part| {
            let part = part.trim().trim_start_matches("U+");
            let (lo, hi) = part.split_once('-').unwrap_or((part, part));
            let hex = |s: &str| u32::from_str_radix(s.trim(), 16).expect("a hexadecimal code");
            (hex(lo), hex(hi))
        })
        .collect()
}

fn cmap(path: &Path) -> BTreeSet<u32> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let face = ttf_parser::Face::parse(&data, 0).expect("a font file");
    let mut all = BTreeSet::new();
    for table in face.tables().cmap.expect("a character map").subtables {
        if table.is_unicode() {
            table.codepoints(|c| {
                all.insert(c);
            });
        }
    }
    all
}

/// The `@font-face` rules of the style sheet, with their fonts' character maps.
fn faces(css: &str) -> Vec<Face> {
    css.split("@font-face")
        .skip(1)
        .map(|rule| {
            let rule = &rule[..rule.find('}').expect("the rule's end")];
            let file = rule
                .split("url(\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("a font file")
                .to_owned();
            let ranges = rule
                .split("unicode-range:")
                .nth(1)
                .map(|r| parse_ranges(r.split(';').next().expect("the declaration's end")));
            Face {
                cmap: cmap(&ui_dir().join(&file)),
                file,
                ranges,
            }
        })
        .collect()
}

/// The characters a Rust source writes as escapes (`'\u{2011}'`).
fn escapes(text: &str) -> impl Iterator<Item = char> + '_ {
    text.split("\\u{").skip(1).filter_map(|rest| {
        let hex = rest.split('}').next()?;
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)
    })
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn every_character_written_is_in_a_shipped_font() {
    let css = std::fs::read_to_string(ui_dir().join("style.css")).expect("style.css");
    let faces = faces(&css);
    assert!(
        faces.iter().any(|f| f.file.contains("Symbols2")),
        "the symbol faces are read from style.css"
    );
    let mut sources = vec![ui_dir().join("style.css")];
    files_under(&ui_dir().join("src"), "rs", &mut sources);
    files_under(&ui_dir().join("locales"), "ftl", &mut sources);
    let mut missing = BTreeSet::new();
    for source in &sources {
        let text = std::fs::read_to_string(source).expect("source");
        // This file names characters to explain itself; it is not shown to anyone.
        if source.ends_with("font_tests.rs") {
            continue;
        }
        let written = text.chars().chain(escapes(&text));
        for c in written.filter(|c| !c.is_ascii() && !is_format(*c)) {
            if !faces.iter().any(|f| f.draws(c)) {
                missing.insert(format!(
                    "U+{:04X} {c} ({})",
                    c as u32,
                    source.strip_prefix(ui_dir()).unwrap_or(source).display()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "characters that no shipped font draws (add them to a subset in fonts/README.md and to \
         its unicode-range in style.css): {missing:#?}"
    );
}

#[test]
fn a_symbol_outside_the_shipped_ranges_is_found() {
    // The check itself: a character of the Symbols2 font but outside its face's range is not
    // drawn by that face (the browser would search the system's fonts for it).
    let css = std::fs::read_to_string(ui_dir().join("style.css")).expect("style.css");
    let faces = faces(&css);
    let chess_king = '♔';
    assert!(!faces.iter().any(|f| f.draws(chess_king)));
    assert!(faces.iter().any(|f| f.draws('⏸')));
    assert_eq!(
        parse_ranges("U+2713-2714, U+23F8"),
        [(0x2713, 0x2714), (0x23F8, 0x23F8)]
    );
    assert_eq!(
        escapes(r"'\u{2011}' and \u{A0}MAD").collect::<String>(),
        "\u{2011}\u{A0}"
    );
}
