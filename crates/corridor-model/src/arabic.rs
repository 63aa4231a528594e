//! Arabic as people type it: one normalisation and one light stemmer, applied identically when
//! a text is indexed and when a query is read, so that a word is found however it is written.
//!
//! - [`normalize`] removes the diacritics (tashkeel) and the tatweel, folds the alef forms
//!   (أ إ آ ٱ → ا), ى → ي, ة → ه, the hamza carriers ؤ → و and ئ → ي, the Persian letters
//!   ک → ك and ی → ي, and Eastern Arabic and Persian digits to ASCII digits. It changes
//!   nothing else (French text passes through untouched).
//! - [`strip_particles`] removes the article and the attached particles (وال، بال، كال، فال،
//!   لل، ال، then و، ف، ب، ك، ل); [`stem`] also removes the common suffixes, in the way of the
//!   light stemmer of Lucene and Elasticsearch (ها، ان، ات، ون، ين، يه، ه، ي), never leaving
//!   fewer than two letters.
//! - [`index_forms`] is what the index holds of a word (as written normalised, without its
//!   particles, its stem); [`QueryWord`] what a typed word looks for: its stem exactly, or any
//!   word starting with it once its particles are removed (search as you type).
//! - [`highlight`] marks the matches in a text as it was written, for snippets.

/// Whether `c` is an Arabic letter (the basic block and the Persian / Urdu additions).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}' | '\u{06FA}'..='\u{06FC}')
}

/// Whether the text holds an Arabic letter.
pub fn has_arabic(text: &str) -> bool {
    text.chars().any(is_arabic_letter)
}

/// Diacritics and Quranic marks dropped by [`normalize`], and the tatweel.
fn dropped(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}')
}

/// Folds one character (`None`: dropped).
fn fold(c: char) -> Option<char> {
    if dropped(c) {
        return None;
    }
    Some(match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' | 'ئ' | 'ی' => 'ي',
        'ة' => 'ه',
        'ؤ' => 'و',
        'ک' => 'ك',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        other => other,
    })
}

/// Normalises a text (see the module documentation); non-Arabic text is unchanged.
pub fn normalize(text: &str) -> String {
    text.chars().filter_map(fold).collect()
}

const ARTICLES: [&str; 6] = ["وال", "بال", "كال", "فال", "لل", "ال"];
const PARTICLES: [char; 5] = ['و', 'ف', 'ب', 'ك', 'ل'];
const SUFFIXES: [&str; 8] = ["ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"];

fn len(s: &str) -> usize {
    s.chars().count()
}

/// A normalised word without its article, alone or with a particle (وال، بال، كال، فال، لل،
/// ال; at least two letters stay).
pub fn strip_article(word: &str) -> &str {
    for a in ARTICLES {
        if let Some(rest) = word.strip_prefix(a) {
            if len(rest) >= 2 {
                return rest;
            }
        }
    }
    word
}

/// A normalised word without its article and attached particles: the article as
/// [`strip_article`], else one particle (و، ف، ب، ك، ل) when three letters stay. A word that
/// starts with one of those letters of its own (وثائق) loses it too: the index and the query
/// therefore also keep the form without the article only.
pub fn strip_particles(word: &str) -> &str {
    let w = strip_article(word);
    if w.len() != word.len() {
        return w;
    }
    if let Some(first) = word.chars().next() {
        let rest = &word[first.len_utf8()..];
        if PARTICLES.contains(&first) && len(rest) >= 3 {
            return rest;
        }
    }
    word
}

/// The light stem of a normalised word: particles, then suffixes, removed.
pub fn stem(word: &str) -> &str {
    let mut w = strip_particles(word);
    for s in SUFFIXES {
        if let Some(rest) = w.strip_suffix(s) {
            if len(rest) >= 2 {
                w = rest;
            }
        }
    }
    w
}

/// The words of a text, with their byte ranges (letters and digits; the diacritics and the
/// tatweel belong to the word they are in).
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let inside = c.is_alphanumeric() || dropped(c);
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out.into_iter()
}

/// What the index holds of the Arabic words of a text: for each, its normalised form, that
/// form without particles and its stem (each once), separated by spaces.
pub fn index_forms(text: &str) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = String::new();
    for (_, w) in words(text) {
        if !has_arabic(w) {
            continue;
        }
        let n = normalize(w);
        for form in [n.as_str(), strip_article(&n), strip_particles(&n), stem(&n)] {
            if seen.insert(form.to_owned()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(form);
            }
        }
    }
    out
}

/// What one typed Arabic word looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The word normalised, without its article, then also without its particles: indexed
    /// words starting with one of them match (the user may still be typing).
    pub prefixes: Vec<String>,
    /// Its stem: indexed words of the same stem match.
    pub stem: String,
}

impl QueryWord {
    /// Reads a typed word (`None` when it holds no Arabic letter).
    pub fn new(word: &str) -> Option<QueryWord> {
        if !has_arabic(word) {
            return None;
        }
        let n = normalize(word);
        let mut prefixes = vec![strip_article(&n).to_owned()];
        let p = strip_particles(&n);
        if p != prefixes[0] {
            prefixes.push(p.to_owned());
        }
        Some(QueryWord {
            prefixes,
            stem: stem(&n).to_owned(),
        })
    }

    /// Whether a word of a text (as written) matches, as the index would match it.
    pub fn matches(&self, written: &str) -> bool {
        let n = normalize(written);
        let forms = [n.as_str(), strip_article(&n), strip_particles(&n)];
        stem(&n) == self.stem
            || self
                .prefixes
                .iter()
                .any(|p| forms.iter().any(|f| f.starts_with(p.as_str())))
    }
}

/// Lower case without the accents of French (for highlighting Latin words as the index,
/// with `remove_diacritics`, matches them).
fn fold_latin(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// One typed word, for [`highlight`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// An Arabic word.
    Arabic(QueryWord),
    /// Any other word (a prefix, matched without case or French accents).
    Other(String),
}

impl Term {
    /// The terms of a typed query.
    pub fn parse(query: &str) -> Vec<Term> {
        words(query)
            .map(|(_, w)| match QueryWord::new(w) {
                Some(q) => Term::Arabic(q),
                None => Term::Other(fold_latin(&normalize(w))),
            })
            .collect()
    }

    fn matches(&self, written: &str) -> bool {
        match self {
            Term::Arabic(q) => has_arabic(written) && q.matches(written),
            Term::Other(p) => fold_latin(&normalize(written)).starts_with(p.as_str()),
        }
    }
}

/// Whether every term matches a word of `text` (for short records searched in memory:
/// enterprises and their contacts). No term matches nothing.
pub fn matches_all(terms: &[Term], text: &str) -> bool {
    !terms.is_empty() && terms.iter().all(|t| words(text).any(|(_, w)| t.matches(w)))
}

/// An extract of `text` as it was written around its first match of `terms`, matches marked
/// `[` and `]`, about `width` words long, `…` where it is cut. `None` when nothing matches.
pub fn highlight(text: &str, terms: &[Term], width: usize) -> Option<String> {
    let all: Vec<(usize, &str)> = words(text).collect();
    let hit = |w: &str| terms.iter().any(|t| t.matches(w));
    let first = all.iter().position(|(_, w)| hit(w))?;
    let width = width.max(1);
    let to = (first.saturating_sub(width / 4) + width).min(all.len());
    let from = to.saturating_sub(width);
    let start = all[from].0;
    let end = all[to - 1].0 + all[to - 1].1.len();
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = start;
    for (i, w) in &all[from..to] {
        out.push_str(&text[at..*i]);
        if hit(w) {
            out.push('[');
            out.push_str(w);
            out.push(']');
        } else {
            out.push_str(w);
        }
        at = i + w.len();
    }
    out.push_str(&text[at..end]);
    if to < all.len() {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs written by hand: (as typed or stored, normalised).
    #[test]
    fn normalisation_folds_what_people_type_differently() {
        for (input, expected) in [
            ("إعادة", "اعاده"),
            ("أحمد", "احمد"),
            ("آمنة", "امنه"),
            ("ٱلضمان", "الضمان"),
            ("مستشفى", "مستشفي"),
            ("شركة", "شركه"),
            ("مسؤول", "مسوول"),
            ("هيئة", "هييه"),
            ("الضَّمَانُ الاجْتِمَاعِيُّ", "الضمان الاجتماعي"),
            ("الضمـــان", "الضمان"),
            ("٠١٥٦١١٩١", "01561191"),
            ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
            ("کتاب فارسی", "كتاب فارسي"),
            ("Indemnités journalières", "Indemnités journalières"),
        ] {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn particles_and_suffixes_come_off() {
        for (word, stripped, stemmed) in [
            ("الضمان", "ضمان", "ضم"),
            ("بالضمان", "ضمان", "ضم"),
            ("والضمان", "ضمان", "ضم"),
            ("للضمان", "ضمان", "ضم"),
            ("فالتعويضات", "تعويضات", "تعويض"),
            ("كالشركه", "شركه", "شرك"),
            ("وشركه", "شركه", "شرك"),
            ("بشركه", "شركه", "شرك"),
            ("اعاده", "اعاده", "اعاد"),
            ("التسجيل", "تسجيل", "تسجيل"),
            ("المعلومات", "معلومات", "معلوم"),
            ("مستشفيات", "مستشفيات", "مستشف"),
            ("العاملين", "عاملين", "عامل"),
            ("الموظفون", "موظفون", "موظف"),
            ("اجتماعيه", "اجتماعيه", "اجتماع"),
            // Short words keep their letters.
            ("بنك", "بنك", "بنك"),
            ("ال", "ال", "ال"),
            ("وهو", "وهو", "وهو"),
        ] {
            assert_eq!(strip_particles(word), stripped, "particles of {word}");
            assert_eq!(stem(word), stemmed, "stem of {word}");
        }
    }

    #[test]
    fn typed_words_match_the_forms_of_the_same_word() {
        let cases = [
            ("اعادة", "إعادة", true),
            ("ضمان", "الضمان", true),
            ("بالضمان", "الضمان", true),
            ("الضمان", "بالضمان", true),
            ("شركه", "شركة", true),
            ("الشركة", "شركات", true),
            ("تعويض", "التعويضات", true),
            ("تعويضات", "التعويض", true),
            ("مراك", "مراكش", true),
            ("الدار", "الدار", true),
            ("البيضاء", "البيضاء", true),
            ("تقاعد", "التقاعد", true),
            ("تسجيل", "الإعادة", false),
            ("مراكش", "الرباط", false),
            ("وثائق", "الوثائق", true),
            ("بشركة", "الشركة", true),
            ("الوزارة", "وزارة", true),
            ("اجتماعي", "الاجتماعية", true),
        ];
        for (typed, written, expected) in cases {
            let q = QueryWord::new(typed).expect("arabic");
            assert_eq!(q.matches(written), expected, "{typed} / {written}");
        }
        assert_eq!(QueryWord::new("Casablanca"), None);
    }

    #[test]
    fn highlights_show_the_text_as_written() {
        let text = "Demande de إعادة التسجيل في الضمان الاجتماعي pour la société Atlas";
        assert_eq!(
            highlight(text, &Term::parse("ضمان"), 12).as_deref(),
            Some("Demande de إعادة التسجيل في [الضمان] الاجتماعي pour la société Atlas")
        );
        assert_eq!(
            highlight(text, &Term::parse("اعادة societe"), 4).as_deref(),
            Some("…de [إعادة] التسجيل في…")
        );
        assert_eq!(highlight(text, &Term::parse("تقاعد"), 12), None);
        let voweled = "طلب إِعَادَة التَّسْجِيل";
        assert_eq!(
            highlight(voweled, &Term::parse("اعاده"), 12).as_deref(),
            Some("طلب [إِعَادَة] التَّسْجِيل")
        );
    }

    #[test]
    fn every_term_must_match_a_word() {
        let text = "مؤسسة النور للتجارة 002136093000040 Marrakech M. Idrissi";
        for (query, expected) in [
            ("موسسه النور", true),
            ("النور marrak", true),
            ("٠٠٢١٣", true),
            ("النور Casablanca", false),
            ("", false),
        ] {
            assert_eq!(matches_all(&Term::parse(query), text), expected, "{query}");
        }
    }

    #[test]
    fn index_forms_hold_each_form_once() {
        assert_eq!(
            index_forms("Dossier إعادة التسجيل بالضمان الضمان"),
            "اعاده اعاد التسجيل تسجيل بالضمان ضمان ضم الضمان"
        );
        assert_eq!(index_forms("Indemnités journalières"), "");
    }
}
