//! Table-driven tests of every operation: accepted, each refusal, and the changes that change
//! nothing. Expected values are written out, not computed by the engine. This module holds the
//! fixtures (a small world of cases, a meeting, a roadmap item and actors); the tests are in
//! its submodules.

mod accepted;
mod refusals;
mod stale;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

pub(super) use super::*;
pub(super) use crate::api::Role;
use crate::meeting::{ActionItem, AgendaItem, Owner, RoadmapStatus};
pub(super) use crate::mutation::{CaseEdit, CreateCase};
pub(super) use crate::timeline::Institution;
use crate::{Case, CaseCategory, CaseStatus, Priority};

pub(super) const CASE: Uuid = Uuid::from_u128(0x100);
pub(super) const OTHER: Uuid = Uuid::from_u128(0x101);
pub(super) const FOREIGN: Uuid = Uuid::from_u128(0x102);
pub(super) const ENTERPRISE: Uuid = Uuid::from_u128(0x200);
pub(super) const MEETING: Uuid = Uuid::from_u128(0x300);
pub(super) const ITEM: Uuid = Uuid::from_u128(0x400);
pub(super) const CONFLICT: Uuid = Uuid::from_u128(0x500);
pub(super) const EVENT: Uuid = Uuid::from_u128(0x600);
pub(super) const ACTION: Uuid = Uuid::from_u128(0x700);
pub(super) const DEVICE_A: Uuid = Uuid::from_u128(0xa);
pub(super) const DEVICE_B: Uuid = Uuid::from_u128(0xb);
pub(super) const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

pub(super) fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("instant")
}

pub(super) fn region(code: &str) -> Region {
    code.parse().expect("region")
}

pub(super) fn officer() -> Actor {
    signed(Role::CgemOfficer, "MA-06", DEVICE_A)
}

pub(super) fn signed(role: Role, regions: &str, device: Uuid) -> Actor {
    Actor {
        username: format!("{}.user", role.code()),
        device,
        access: Access::Signed {
            role,
            regions: regions
                .split(',')
                .filter(|r| !r.is_empty())
                .map(region)
                .collect(),
        },
    }
}

pub(super) fn enterprise(id: Uuid, region_code: &str) -> Enterprise {
    Enterprise {
        id,
        name: "Atlas Textile".to_owned(),
        ice: "001561191000066".parse().expect("ice"),
        cnss: None,
        city: None,
        region: region(region_code),
        details: Default::default(),
        created_at: at(),
        version: 0,
        writer: None,
    }
}

pub(super) fn case(id: Uuid, region_code: &str, status: CaseStatus) -> CaseDoc {
    CaseDoc {
        case: Case {
            id,
            reference: format!("COR-2026-06-{:04}", id.as_u128()),
            enterprise_id: ENTERPRISE,
            enterprise_name: "Atlas Textile".to_owned(),
            ice: "001561191000066".parse().expect("ice"),
            category: CaseCategory::BlockedBenefit,
            title: "IJ maternité bloquées".to_owned(),
            description: String::new(),
            status,
            region: region(region_code),
            opened_at: at(),
            priority: Priority::Normal,
            amount_centimes: None,
            cgem_assignee: None,
            cnss_assignee: None,
            resolved_at: None,
            resolution: None,
            parent_id: None,
            tags: vec!["urgent".to_owned()],
        },
        field_versions: BTreeMap::new(),
        field_writers: BTreeMap::new(),
        links: Vec::new(),
    }
}

pub(super) fn meeting(region_code: &str) -> Meeting {
    Meeting {
        id: MEETING,
        region: region(region_code),
        title: "Réunion mensuelle".to_owned(),
        at: at(),
        place: None,
        participants: vec!["K. Alaoui".to_owned()],
        agenda: vec![AgendaItem {
            case_id: CASE,
            reference: "COR-2026-06-0256".to_owned(),
            title: "IJ".to_owned(),
            decision: None,
        }],
        minutes: Some("Première version".to_owned()),
        minutes_version: 1,
        minutes_writer: Some(DEVICE_B),
        actions: vec![ActionItem {
            id: ACTION,
            text: "Relancer".to_owned(),
            owner: "K. Alaoui".to_owned(),
            due: None,
            done: false,
        }],
    }
}

pub(super) fn item() -> RoadmapItem {
    RoadmapItem {
        id: ITEM,
        title: "Intégration de l'informel".to_owned(),
        description: String::new(),
        owner: Owner::Joint,
        status: RoadmapStatus::Planned,
        progress: 0,
        version: 1,
        writer: Some(DEVICE_B),
        milestones: Vec::new(),
    }
}

/// A view holding a case of Casablanca-Settat (`CASE`, in progress), another one (`OTHER`,
/// draft), one of Rabat (`FOREIGN`), their enterprise, a meeting, a roadmap item and a
/// conflict on `CASE`.
pub(super) fn world() -> View {
    let mut v = View::default();
    v.cases
        .insert(CASE, case(CASE, "MA-06", CaseStatus::InProgress));
    v.cases
        .insert(OTHER, case(OTHER, "MA-06", CaseStatus::Draft));
    v.cases
        .insert(FOREIGN, case(FOREIGN, "MA-04", CaseStatus::InProgress));
    v.enterprises
        .insert(ENTERPRISE, enterprise(ENTERPRISE, "MA-06"));
    v.meetings.insert(MEETING, meeting("MA-06"));
    v.roadmap.insert(ITEM, item());
    v.conflicts.insert(
        CONFLICT,
        Conflict {
            id: CONFLICT,
            case_id: CASE,
            field: "title".to_owned(),
            current: "IJ maternité bloquées".into(),
            proposed: "IJ maternité bloquées depuis mars".into(),
            author: "r.bennani".to_owned(),
            authored_at: at(),
            mutation_id: Uuid::nil(),
            resolution: None,
        },
    );
    v
}

pub(super) fn mutation(op: Op, base: &[(&str, i64)]) -> Mutation {
    Mutation {
        mutation_id: Uuid::from_u128(0xfff),
        device_id: DEVICE_A,
        device_seq: 1,
        op,
        base: base.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        authored_at: at(),
        author: "ignored".to_owned(),
    }
}

pub(super) fn run(
    view: &View,
    actor: &Actor,
    authority: Authority,
    op: Op,
) -> Result<Effects, Rejection> {
    apply(
        view,
        Context {
            actor,
            authority,
            now: at(),
        },
        &mutation(op, &[]),
    )
}

pub(super) fn server(op: Op) -> Result<Effects, Rejection> {
    run(&world(), &officer(), Authority::Server, op)
}

pub(super) fn code(r: Result<Effects, Rejection>) -> &'static str {
    match r {
        Ok(fx) => panic!("accepted: {fx:?}"),
        Err(r) => r.code.as_str(),
    }
}

pub(super) fn note(case_id: Uuid, visibility: Visibility) -> Op {
    Op::AddNote {
        case_id,
        event_id: EVENT,
        visibility,
        text: "Employeur relancé".to_owned(),
    }
}

pub(super) fn transition(from: CaseStatus, to: CaseStatus, reason: Option<&str>) -> Op {
    Op::TransitionCase {
        case_id: CASE,
        event_id: EVENT,
        from,
        to,
        reason: reason.map(str::to_owned),
    }
}

pub(super) fn title_edit(title: &str) -> Op {
    Op::EditCase {
        case_id: CASE,
        event_id: EVENT,
        edit: CaseEdit {
            title: Some(title.to_owned()),
            ..CaseEdit::default()
        },
    }
}

pub(super) fn attach(hash: &str, size: u64) -> Op {
    Op::AttachFile {
        case_id: CASE,
        event_id: EVENT,
        hash: hash.to_owned(),
        name: "attestation.pdf".to_owned(),
        mime: "application/pdf".to_owned(),
        size,
    }
}

pub(super) fn docs(fx: &Effects) -> Vec<&'static str> {
    fx.writes.iter().map(|w| w.doc.kind()).collect()
}

pub(super) fn new_case(enterprise_id: Uuid) -> CreateCase {
    CreateCase {
        id: Uuid::from_u128(0x150),
        reference: "COR-2026-06-P0001-abcd".to_owned(),
        enterprise_id,
        category: CaseCategory::EServices,
        title: "  Accès Damancom  ".to_owned(),
        description: "Compte bloqué".to_owned(),
        priority: Priority::High,
        amount_centimes: Some(1_250_000),
        region: region("MA-01"),
    }
}
