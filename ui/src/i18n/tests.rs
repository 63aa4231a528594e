//! The translations are complete: every locale has every key, every key the code uses exists,
//! every code of the model has its label, and the French labels are the model's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use corridor_model::sla::SlaState;
use corridor_model::timeline::Visibility;
use corridor_model::{CaseCategory, CaseStatus, Priority, Region};
use fluent_syntax::ast::{Entry, Expression, InlineExpression, PatternElement};

const LOCALES: [&str; 3] = ["fr", "ar", "en"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Key → plain value (placeables shown as `{}`), for one locale; panics on a syntax error.
fn entries(lang: &str) -> Vec<(String, String)> {
    let path = root().join("locales").join(lang).join("main.ftl");
    let text = std::fs::read_to_string(&path).expect("read ftl");
    let res = fluent_syntax::parser::parse(text.as_str())
        .unwrap_or_else(|(_, errs)| panic!("{}: {errs:?}", path.display()));
    res.body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => {
                let value = m.value.as_ref().map_or_else(String::new, |p| {
                    p.elements
                        .iter()
                        .map(|el| match el {
                            PatternElement::TextElement { value } => (*value).to_owned(),
                            PatternElement::Placeable { expression } => match expression {
                                Expression::Inline(InlineExpression::VariableReference { id })
                                | Expression::Select {
                                    selector: InlineExpression::VariableReference { id },
                                    ..
                                } => format!("{{${}}}", id.name),
                                _ => "{}".to_owned(),
                            },
                        })
                        .collect()
                });
                Some((m.id.name.to_owned(), value))
            }
            _ => None,
        })
        .collect()
}

fn keys(lang: &str) -> BTreeSet<String> {
    entries(lang).into_iter().map(|(k, _)| k).collect()
}

fn value(lang: &str, key: &str) -> String {
    entries(lang)
        .into_iter()
        .find_map(|(k, v)| (k == key).then_some(v))
        .unwrap_or_else(|| panic!("{lang}: no key {key}"))
}

fn variables(v: &str) -> BTreeSet<String> {
    v.split("{$")
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_locale_has_every_key_with_the_same_arguments() {
    let fr = entries("fr");
    assert!(fr.len() > 100, "the French file is read");
    for lang in ["ar", "en"] {
        let other = keys(lang);
        let fr_keys: BTreeSet<String> = fr.iter().map(|(k, _)| k.clone()).collect();
        let missing: Vec<_> = fr_keys.difference(&other).collect();
        let extra: Vec<_> = other.difference(&fr_keys).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(extra.is_empty(), "{lang} has keys French lacks: {extra:?}");
        for (k, v) in &fr {
            assert_eq!(
                variables(v),
                variables(&value(lang, k)),
                "{lang}: {k} takes other arguments than in French"
            );
            assert!(!value(lang, k).trim().is_empty(), "{lang}: {k} is empty");
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs") {
            out.push(p);
        }
    }
}

/// The literal keys passed to `t(…)`, `t_args(…)` and `try_t(…)` in the interface's code.
fn keys_used() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut used = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read source");
        for call in ["t(\"", "t_args(\"", "try_t(\"", "t_count(\""] {
            for (at, _) in text.match_indices(call) {
                // A call of the function itself, not of another ending the same way (`split(`).
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &text[at + call.len()..];
                if let Some(key) = rest.split('"').next() {
                    used.insert(key.to_owned());
                }
            }
        }
    }
    used
}

#[test]
fn every_key_the_code_uses_exists_in_every_locale() {
    let used = keys_used();
    assert!(
        used.contains("nav-home"),
        "the scan finds the keys: {used:?}"
    );
    for lang in LOCALES {
        let have = keys(lang);
        let missing: Vec<_> = used.iter().filter(|k| !have.contains(*k)).collect();
        assert!(
            missing.is_empty(),
            "{lang} lacks keys the code uses: {missing:?}"
        );
    }
}

#[test]
fn every_model_code_has_a_label_and_french_is_the_models() {
    let mut expected: Vec<(String, &str)> = Vec::new();
    for s in CaseStatus::ALL {
        expected.push((format!("status-{}", s.code()), s.label_fr()));
    }
    for c in CaseCategory::ALL {
        expected.push((format!("category-{}", c.code()), c.label_fr()));
    }
    for p in Priority::ALL {
        expected.push((format!("priority-{}", p.code()), p.label_fr()));
    }
    for v in [Visibility::Shared, Visibility::Cgem, Visibility::Cnss] {
        expected.push((format!("visibility-{}", v.code()), v.label_fr()));
    }
    for s in [
        SlaState::NotStarted,
        SlaState::OnTime,
        SlaState::Near,
        SlaState::Breached,
        SlaState::Met,
        SlaState::MetLate,
    ] {
        expected.push((format!("sla-{}", s.code()), s.label_fr()));
    }
    for r in Region::all() {
        expected.push((format!("region-{}", r.code()), r.name_fr()));
    }
    let every_field = corridor_model::mutation::CaseEdit {
        title: Some(String::new()),
        description: Some(String::new()),
        amount_centimes: Some(None),
        priority: Some(Priority::Normal),
        category: Some(CaseCategory::Other),
    };
    let field_keys: Vec<String> = every_field
        .fields()
        .into_iter()
        .map(|f| format!("field-{f}"))
        .chain(
            corridor_model::notices::NoticeKind::ALL
                .iter()
                .map(|k| format!("notice-{}", k.code())),
        )
        .collect();
    let fr = entries("fr");
    for (key, label) in &expected {
        let found = fr.iter().find(|(k, _)| k == key);
        assert_eq!(
            found.map(|(_, v)| v.as_str()),
            Some(*label),
            "fr: {key} must be the model's label"
        );
    }
    for lang in LOCALES {
        let have = keys(lang);
        for key in expected.iter().map(|(k, _)| k).chain(&field_keys) {
            assert!(have.contains(key), "{lang} lacks {key}");
        }
    }
    // Arabic region names are the model's too.
    for r in Region::all() {
        assert_eq!(value("ar", &format!("region-{}", r.code())), r.name_ar());
    }
}

#[test]
fn amounts_are_written_as_moroccan_dirhams() {
    assert_eq!(super::mad(1_245_000, "fr"), "12\u{202F}450,00\u{A0}MAD");
    assert_eq!(super::mad(1_245_000, "ar"), "12\u{202F}450,00\u{A0}MAD");
    assert_eq!(super::mad(123_456_789, "en"), "1,234,567.89\u{A0}MAD");
    assert_eq!(super::mad(5, "fr"), "0,05\u{A0}MAD");
    assert_eq!(super::mad(-100_000, "en"), "-1,000.00\u{A0}MAD");
}

#[test]
fn a_case_reference_in_a_message_never_breaks_at_its_hyphens() {
    let shown = super::arg_label("reference", "COR-2026-06-P0042-1A2B3C");
    assert!(!shown.contains('-'), "{shown}");
    assert_eq!(shown.replace('\u{2011}', "-"), "COR-2026-06-P0042-1A2B3C");
    // Other values are passed through as they are.
    assert_eq!(super::arg_label("value", "a-b"), "a-b");
}
