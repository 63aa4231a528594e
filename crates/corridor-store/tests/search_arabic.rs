//! Arabic search as people type it, through a real encrypted store: with or without hamza,
//! with or without the article and attached particles, ة or ه, with diacritics or without,
//! Eastern Arabic digits. The expectations are written by hand, case by case.

use std::collections::BTreeSet;

use corridor_model::timeline::Visibility;
use corridor_model::{NewCase, NewEnterprise};
use corridor_store::{Passphrase, Store};

struct Corpus {
    _dir: tempfile::TempDir,
    store: Store,
    /// Reference of each case by its short name.
    refs: Vec<(&'static str, String)>,
}

const ATLAS: &str = "001561191000066";
const NOUR: &str = "002136093000040";
const TEXTILE: &str = "097000000000291";

async fn corpus() -> Corpus {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::create(
        dir.path(),
        Some(Passphrase::new("phrase de passe arabe".to_owned())),
    )
    .await
    .expect("create");
    for (name, ice, region, city, contact, role) in [
        (
            "شركة الأطلس للنسيج",
            ATLAS,
            "MA-06",
            "الدار البيضاء",
            "محمد الإدريسي",
            "المدير العام",
        ),
        (
            "مؤسسة النور للتجارة",
            NOUR,
            "MA-07",
            "مراكش",
            "فاطمة الزهراء بنعلي",
            "المحاسبة",
        ),
        (
            "Atlas Textile SARL",
            TEXTILE,
            "MA-06",
            "Casablanca",
            "Karim Alaoui",
            "Gérant",
        ),
    ] {
        let mut e = NewEnterprise::parse(name, ice, region, None, Some(city)).expect("valid");
        e.details.contacts.push(
            corridor_model::Contact::parse(contact, Some(role), None, None).expect("contact"),
        );
        store.add_enterprise(e).await.expect("enterprise");
    }
    let mut refs = Vec::new();
    for (short, ice, title, description, note) in [
        (
            "reinscription",
            ATLAS,
            "إعادة التسجيل في الضمان الاجتماعي",
            "طلب إعادة تسجيل الأجراء لدى الصندوق الوطني للضمان الاجتماعي",
            "تم الاتصال بالمدير الجهوي بالدار البيضاء",
        ),
        (
            "allocations",
            NOUR,
            "التعويضات العائلية المتوقفة",
            "توقف صرف التعويضات العائلية منذ ثلاثة أشهر بمراكش",
            "المُشَغِّل أرسل الوثائق المطلوبة",
        ),
        (
            "retraite",
            ATLAS,
            "معاش التقاعد",
            "تأخر في صرف معاش الشيخوخة لأحد العمال",
            "",
        ),
        (
            "damancom",
            NOUR,
            "مشكلة في خدمة ضمانكم الإلكترونية",
            "تعذر التصريح بالأجور عبر البوابة",
            "",
        ),
        (
            "maternite",
            TEXTILE,
            "Indemnités journalières de maternité bloquées",
            "Dossier de la salariée à Casablanca",
            "Employeur relancé par téléphone",
        ),
    ] {
        let case = store
            .new_case(NewCase::parse(ice, "blocked_benefit", title, description).expect("valid"))
            .await
            .expect("case");
        if !note.is_empty() {
            store
                .add_note(&case.reference, Visibility::Shared, note)
                .await
                .expect("note");
        }
        refs.push((short, case.reference));
    }
    Corpus {
        _dir: dir,
        store,
        refs,
    }
}

impl Corpus {
    async fn found(&self, query: &str) -> BTreeSet<&'static str> {
        self.store
            .search(query, 20)
            .await
            .expect("search")
            .into_iter()
            .map(|h| {
                self.refs
                    .iter()
                    .find(|(_, r)| *r == h.case.reference)
                    .map(|(s, _)| *s)
                    .expect("known")
            })
            .collect()
    }
}

#[tokio::test]
async fn arabic_is_found_as_people_type_it() {
    let c = corpus().await;
    let table: &[(&str, &[&str])] = &[
        // Hamza or not, the article or not.
        ("اعادة", &["reinscription"]),
        ("إعادة", &["reinscription"]),
        ("اعاده", &["reinscription"]),
        ("ضمان", &["reinscription", "damancom"]),
        ("الضمان", &["reinscription", "damancom"]),
        ("بالضمان", &["reinscription", "damancom"]),
        ("والضمان", &["reinscription", "damancom"]),
        ("الضمان الاجتماعي", &["reinscription"]),
        ("التسجيل", &["reinscription"]),
        ("تسجيل", &["reinscription"]),
        // Teh marbuta typed as heh, companies by name.
        ("شركه", &["reinscription", "retraite"]),
        ("الشركة", &["reinscription", "retraite"]),
        ("أطلس", &["reinscription", "retraite"]),
        ("الاطلس", &["reinscription", "retraite"]),
        ("النسيج", &["reinscription", "retraite"]),
        ("مؤسسه", &["allocations", "damancom"]),
        ("موسسة النور", &["allocations", "damancom"]),
        // Benefits, plural or singular, with their particles.
        ("تعويضات", &["allocations"]),
        ("التعويض", &["allocations"]),
        ("بالتعويضات", &["allocations"]),
        ("العائلية", &["allocations"]),
        ("عائليه", &["allocations"]),
        ("معاش", &["retraite"]),
        ("المعاش", &["retraite"]),
        ("تقاعد", &["retraite"]),
        ("الشيخوخه", &["retraite"]),
        ("الاجور", &["damancom"]),
        ("ضمانكم", &["damancom"]),
        // Cities, with a particle or still being typed.
        ("مراكش", &["allocations"]),
        ("بمراكش", &["allocations"]),
        ("مراك", &["allocations"]),
        ("الدار البيضاء", &["reinscription"]),
        ("البيضاء", &["reinscription"]),
        // A voweled note, a word of its own starting with و.
        ("المشغل", &["allocations"]),
        ("مشغل", &["allocations"]),
        ("وثائق", &["allocations"]),
        ("الوثائق", &["allocations"]),
        ("الوطني", &["reinscription"]),
        // Typed with diacritics or tatweel.
        ("الضَّمَان", &["reinscription", "damancom"]),
        ("التقـــاعد", &["retraite"]),
        // What is not there.
        ("الرباط", &[]),
        ("التامين", &[]),
        // French is untouched; mixed queries need both.
        ("maternite", &["maternite"]),
        ("Atlas", &["maternite"]),
        ("indem journ", &["maternite"]),
        ("Casablanca", &["maternite"]),
    ];
    for (query, expected) in table {
        let expected: BTreeSet<&str> = expected.iter().copied().collect();
        assert_eq!(c.found(query).await, expected, "« {query} »");
    }
}

#[tokio::test]
async fn eastern_arabic_digits_find_an_ice() {
    let c = corpus().await;
    let expected: BTreeSet<&str> = ["reinscription", "retraite"].into_iter().collect();
    assert_eq!(c.found("٠٠١٥٦١١٩").await, expected);
    assert_eq!(c.found("۰۰۱۵۶۱۱۹").await, expected, "Persian digits");
}

#[tokio::test]
async fn snippets_show_the_text_as_it_was_written() {
    let c = corpus().await;
    let hit = &c.store.search("اعادة", 5).await.expect("search")[0];
    assert_eq!(hit.snippet, "[إعادة] التسجيل في الضمان الاجتماعي");
    let hit = &c.store.search("مشغل", 5).await.expect("search")[0];
    assert!(
        hit.snippet.contains("[المُشَغِّل]"),
        "voweled as written: {}",
        hit.snippet
    );
    // French snippets are the index's, as before.
    let hit = &c.store.search("relance", 5).await.expect("search")[0];
    assert!(hit.snippet.contains("[relancé]"), "{}", hit.snippet);
    // The JSON the CLI and the app receive keeps the text as written.
    let json =
        serde_json::to_string(&c.store.search("التقاعد", 5).await.expect("search")[0].snippet)
            .expect("json");
    assert_eq!(json, "\"معاش [التقاعد]\"");
}

#[tokio::test]
async fn an_edit_or_a_note_reindexes_the_arabic_forms() {
    let c = corpus().await;
    let (_, retraite) = &c.refs[2];
    assert!(c.found("الرباط").await.is_empty());
    c.store
        .add_note(
            retraite,
            Visibility::Cgem,
            "ملف محول إلى المديرية الجهوية بالرباط",
        )
        .await
        .expect("note");
    assert_eq!(c.found("الرباط").await, ["retraite"].into_iter().collect());
    c.store
        .edit_case(
            retraite,
            corridor_model::mutation::CaseEdit {
                title: Some("منحة الوفاة".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    assert!(c.found("التقاعد").await.is_empty(), "the old title is gone");
    assert_eq!(c.found("منحه").await, ["retraite"].into_iter().collect());
}

/// Enterprises and their contacts are found the same way as cases.
#[tokio::test]
async fn enterprises_and_contacts_are_found_as_people_type_them() {
    let c = corpus().await;
    let table: &[(&str, &[&str])] = &[
        ("الادريسي", &[ATLAS]),
        ("ادريسي", &[ATLAS]),
        ("الإدريسي محمد", &[ATLAS]),
        ("مدير", &[ATLAS]),
        ("المحاسبه", &[NOUR]),
        ("بنعلي", &[NOUR]),
        ("الزهراء", &[NOUR]),
        ("مؤسسه النور", &[NOUR]),
        ("مراكش", &[NOUR]),
        ("الاطلس", &[ATLAS]),
        ("atlas", &[TEXTILE]),
        ("gerant", &[TEXTILE]),
        ("karim casa", &[TEXTILE]),
        ("0021", &[NOUR]),
        ("٠٠٢١", &[NOUR]),
        ("00", &[ATLAS, NOUR]),
        ("الرباط", &[]),
        ("  ", &[]),
    ];
    for (query, expected) in table {
        let mut found: Vec<String> = c
            .store
            .search_enterprises(query, 10)
            .await
            .expect("search")
            .into_iter()
            .map(|e| e.ice.as_str().to_owned())
            .collect();
        found.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(found, expected, "« {query} »");
    }
}
