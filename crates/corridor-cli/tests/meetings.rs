//! `corridor meeting …` end to end: a meeting prepared, held and recorded.

mod common;
use common::{corridor, initialised, new_case, ok};

#[test]
fn a_meeting_is_prepared_held_and_recorded_from_the_command_line() {
    let dir = initialised();
    let r = new_case(
        dir.path(),
        "001561191000066",
        "blocked_benefit",
        "IJ bloquées",
    );
    let m: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "meeting",
            "new",
            "--region",
            "MA-06",
            "--at",
            "2026-12-03 10:00",
            "--title",
            "Réunion de décembre",
            "--json",
        ],
    )))
    .expect("json");
    let id = m["id"].as_str().expect("id").to_owned();
    assert_eq!(m["at"], "2026-12-03T09:00:00Z");
    ok(corridor(dir.path(), &["meeting", "add-case", &id, &r]));
    ok(corridor(
        dir.path(),
        &[
            "meeting",
            "decide",
            &id,
            &r,
            "--text",
            "Déblocage sous 10 jours",
        ],
    ));
    ok(corridor(
        dir.path(),
        &[
            "meeting",
            "action",
            &id,
            "--text",
            "Relancer l'agence",
            "--owner",
            "R. Bennani",
            "--due",
            "2026-12-10",
        ],
    ));
    let shown = ok(corridor(dir.path(), &["meeting", "show", &id]));
    assert!(
        shown.contains("03/12/2026 10:00"),
        "shown in Casablanca time: {shown}"
    );
    assert!(
        shown.contains("Décision : Déblocage sous 10 jours"),
        "{shown}"
    );
    let case = ok(corridor(dir.path(), &["case", "show", &r]));
    assert!(
        case.contains("Décision de réunion : Déblocage sous 10 jours"),
        "{case}"
    );

    let bad = corridor(
        dir.path(),
        &[
            "meeting",
            "new",
            "--region",
            "MA-06",
            "--at",
            "demain 10h",
            "--title",
            "X",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Date et heure « demain 10h » invalides"));

    let item: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "roadmap",
            "add",
            "--title",
            "Dématérialisation des échéanciers",
            "--owner",
            "joint",
            "--json",
        ],
    )))
    .expect("json");
    let item_id = item["id"].as_str().expect("id").to_owned();
    let updated: serde_json::Value = serde_json::from_str(&ok(corridor(
        dir.path(),
        &[
            "roadmap",
            "update",
            &item_id,
            "--status",
            "in_progress",
            "--progress",
            "30",
            "--milestone",
            "Pilote Casablanca@2027-03-31",
            "--json",
        ],
    )))
    .expect("json");
    assert_eq!(updated["progress"], 30);
    assert_eq!(updated["milestones"][0]["due"], "2027-03-31");
    let bad = corridor(
        dir.path(),
        &["roadmap", "update", &item_id, "--progress", "130"],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Avancement « 130 » invalide"));
}
