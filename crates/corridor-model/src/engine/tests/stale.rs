//! Stale edits, the device's versions, actors before sign-in, and what the interface is offered.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::*;
use crate::CaseStatus;

/// The scenario of the silent overwrite: user B changed the title on the server (version 1,
/// written by device B); device A, offline, had seen version 0 and edits the title twice.
#[test]
fn two_offline_edits_over_another_users_change_are_both_conflicts() {
    let mut view = world();
    let c = view.cases.get_mut(&CASE).expect("case");
    c.case.title = "Titre de B".to_owned();
    c.field_versions.insert("title".to_owned(), 1);
    c.field_writers.insert("title".to_owned(), DEVICE_B);
    let actor = officer();
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now: at(),
    };
    // Both edits carry the base device A held when it made them: version 0.
    for title in ["Titre de A, premier", "Titre de A, second"] {
        let fx = apply(&view, ctx, &mutation(title_edit(title), &[("title", 0)])).expect("apply");
        assert_eq!(fx.conflicts.len(), 1, "{title}");
        assert_eq!(docs(&fx), ["conflict"], "B's value stays current");
    }
}

#[test]
fn a_devices_own_edits_made_offline_never_conflict_with_each_other() {
    let actor = officer();
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now: at(),
    };
    let mut view = world();
    for (title, version) in [("Premier", 1), ("Second", 2)] {
        let fx = apply(&view, ctx, &mutation(title_edit(title), &[("title", 0)])).expect("apply");
        assert!(fx.conflicts.is_empty(), "{title}");
        let Doc::Case(c) = &fx.writes[0].doc else {
            panic!("case")
        };
        assert_eq!(c.field_versions.get("title"), Some(&version));
        view.cases.insert(CASE, c.clone());
    }
    assert_eq!(view.cases[&CASE].case.title, "Second");
}

#[test]
fn the_device_keeps_the_versions_it_pulled() {
    let fx = run(
        &world(),
        &officer(),
        Authority::Device,
        title_edit("Nouveau"),
    )
    .expect("edit");
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    assert_eq!(c.case.title, "Nouveau");
    assert!(
        c.field_versions.is_empty(),
        "only the server counts versions"
    );
    assert_eq!(
        base_of(&world(), &title_edit("x")),
        BTreeMap::from([("title".to_owned(), 0)])
    );
}

#[test]
fn before_sign_in_only_role_and_region_wait_for_the_server() {
    let unsigned = Actor {
        username: "local".to_owned(),
        device: DEVICE_A,
        access: Access::Unsigned {
            institution: Institution::Cgem,
        },
    };
    // Another region's case, the roadmap: accepted here, checked by the server later.
    assert!(run(
        &world(),
        &unsigned,
        Authority::Device,
        note(FOREIGN, Visibility::Shared)
    )
    .is_ok());
    assert!(run(
        &world(),
        &unsigned,
        Authority::Device,
        Op::CompleteMilestone {
            item_id: ITEM,
            milestone_id: Uuid::from_u128(1),
        }
    )
    .is_err_and(|r| r.code == Code::UnknownMilestone));
    // Every other rule holds.
    assert_eq!(
        code(run(
            &world(),
            &unsigned,
            Authority::Device,
            note(CASE, Visibility::Cnss)
        )),
        "forbidden_visibility"
    );
}

#[test]
fn the_interface_is_offered_only_what_the_engine_accepts() {
    let mut submitted = case(CASE, "MA-06", CaseStatus::Submitted);
    let cgem = officer();
    let cnss = signed(Role::CnssRep, "MA-06", DEVICE_B);
    let committee = signed(Role::Committee, "", DEVICE_B);
    assert_eq!(
        allowed_transitions(&cgem, &submitted, 0),
        [(CaseStatus::Qualified, false), (CaseStatus::Rejected, true)]
    );
    assert_eq!(allowed_transitions(&cnss, &submitted, 0), []);
    assert_eq!(allowed_transitions(&committee, &submitted, 0), []);
    submitted.case.status = CaseStatus::TransmittedToCnss;
    assert_eq!(
        allowed_transitions(&cnss, &submitted, 0),
        [
            (CaseStatus::InProgress, false),
            (CaseStatus::Rejected, true)
        ]
    );
    submitted.case.status = CaseStatus::Resolved;
    assert_eq!(
        allowed_transitions(&cgem, &submitted, 1),
        [(CaseStatus::InProgress, true)]
    );
    let a = allowed(&cnss, &submitted, 0);
    assert_eq!(a.visibilities, [Visibility::Shared, Visibility::Cnss]);
    assert!(a.edit);
    assert!(!allowed(&committee, &submitted, 0).edit);
    // Every offered transition is accepted by apply, every other refused.
    for status in CaseStatus::ALL {
        for actor in [&cgem, &cnss] {
            let mut v = world();
            v.cases.get_mut(&CASE).expect("case").case.status = *status;
            let offered = allowed_transitions(actor, &v.cases[&CASE], 0);
            for to in CaseStatus::ALL {
                let accepted = run(
                    &v,
                    actor,
                    Authority::Server,
                    transition(*status, *to, Some("motif")),
                )
                .is_ok();
                assert_eq!(
                    accepted,
                    offered.iter().any(|(s, _)| s == to),
                    "{status} -> {to} by {}",
                    actor.username
                );
            }
        }
    }
}

/// The category is a field like the others: changed when current, a conflict when someone
/// else changed it since the author looked, refused when it is not a category.
#[test]
fn a_category_change_is_applied_or_kept_as_a_conflict() {
    let edit = |c: crate::CaseCategory| Op::EditCase {
        case_id: CASE,
        event_id: EVENT,
        edit: CaseEdit {
            category: Some(c),
            ..CaseEdit::default()
        },
    };
    let actor = officer();
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now: at(),
    };
    let view = world();
    let before = view.cases[&CASE].case.category;
    assert_ne!(before, crate::CaseCategory::DebtSchedule);
    let fx = apply(
        &view,
        ctx,
        &mutation(edit(crate::CaseCategory::DebtSchedule), &[("category", 0)]),
    )
    .expect("apply");
    let Doc::Case(c) = &fx.writes[0].doc else {
        panic!("case")
    };
    assert_eq!(c.case.category, crate::CaseCategory::DebtSchedule);
    assert_eq!(c.field_versions.get("category"), Some(&1));
    assert!(fx.conflicts.is_empty());

    // Someone else moved it to "inspection" since: the author's choice waits as a conflict.
    let mut view = world();
    let c = view.cases.get_mut(&CASE).expect("case");
    c.case.category = crate::CaseCategory::Inspection;
    c.field_versions.insert("category".to_owned(), 1);
    c.field_writers.insert("category".to_owned(), DEVICE_B);
    let fx = apply(
        &view,
        ctx,
        &mutation(edit(crate::CaseCategory::DebtSchedule), &[("category", 0)]),
    )
    .expect("apply");
    assert_eq!(fx.conflicts.len(), 1);
    assert_eq!(docs(&fx), ["conflict"], "the other user's category stays");
    let Doc::Conflict(conflict) = &fx.writes[0].doc else {
        panic!("conflict")
    };
    assert_eq!(conflict.field, "category");

    // A crafted push naming no real category is refused before anything is written.
    let raw = serde_json::json!({
        "name": "edit_case",
        "args": { "case_id": CASE, "event_id": EVENT, "edit": { "category": "divers" } }
    });
    assert!(serde_json::from_value::<Op>(raw).is_err());
}

/// An enterprise's record: changed by a writer of its region (the server counts versions),
/// refused as stale over someone else's newer version, refused out of region, and a change
/// that changes nothing writes nothing.
#[test]
fn an_enterprise_record_is_changed_once_and_never_over_a_newer_one() {
    use crate::mutation::EnterpriseEdit;
    let edit = |name: &str| Op::UpdateEnterprise {
        id: ENTERPRISE,
        edit: EnterpriseEdit {
            name: name.to_owned(),
            cnss: None,
            city: Some("Casablanca".to_owned()),
            details: crate::EnterpriseDetails {
                contacts: vec![crate::Contact::parse(
                    "Karim Alaoui",
                    Some("DRH"),
                    Some("0612345678"),
                    None,
                )
                .expect("contact")],
                ..Default::default()
            },
        },
    };
    let actor = officer();
    let ctx = Context {
        actor: &actor,
        authority: Authority::Server,
        now: at(),
    };
    let view = world();
    let fx = apply(
        &view,
        ctx,
        &mutation(edit("Atlas Textile SA"), &[("enterprise", 0)]),
    )
    .expect("apply");
    let Doc::Enterprise(e) = &fx.writes[0].doc else {
        panic!("enterprise")
    };
    assert_eq!(e.name, "Atlas Textile SA");
    assert_eq!(e.details.contacts.len(), 1);
    assert_eq!(e.ice, view.enterprises[&ENTERPRISE].ice, "the ICE stays");
    assert_eq!((e.version, e.writer), (1, Some(actor.device)));

    // The same record again: nothing to write.
    let mut after = world();
    after.enterprises.insert(ENTERPRISE, e.clone());
    let fx = apply(
        &after,
        ctx,
        &mutation(edit("Atlas Textile SA"), &[("enterprise", 1)]),
    )
    .expect("apply");
    assert!(fx.changes_nothing());

    // Someone else's device wrote version 1 since this author looked (base 0): refused.
    let mut newer = world();
    let e = newer.enterprises.get_mut(&ENTERPRISE).expect("enterprise");
    e.name = "Atlas (vu par B)".to_owned();
    e.version = 1;
    e.writer = Some(DEVICE_B);
    let err = apply(
        &newer,
        ctx,
        &mutation(edit("Atlas Textile SA"), &[("enterprise", 0)]),
    )
    .expect_err("stale");
    assert_eq!(err.code.as_str(), "stale");

    // Out of the actor's region, and an invalid contact: refused.
    let mut far = world();
    far.enterprises
        .insert(ENTERPRISE, enterprise(ENTERPRISE, "MA-01"));
    let err = apply(&far, ctx, &mutation(edit("X"), &[])).expect_err("region");
    assert_eq!(err.code.as_str(), "out_of_scope");
    let mut bad = edit("Atlas");
    if let Op::UpdateEnterprise { edit, .. } = &mut bad {
        edit.details.contacts[0].email = Some("pas-un-email".to_owned());
    }
    let err = apply(&world(), ctx, &mutation(bad, &[])).expect_err("email");
    assert_eq!(err.code.as_str(), "invalid_email");
}
