//! `seed-demo`: realistic demonstration data — users of both institutions in two regions, the
//! committee, enterprises with valid ICEs, and cases at every step of the workflow — written
//! through the same push path as a device (so the audit log and versions are real).

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use corridor_model::api::Role;
use corridor_model::mutation::{CaseEdit, CreateCase, CreateEnterprise, Mutation, Op};
use corridor_model::sync::Outcome;
use corridor_model::timeline::{Institution, Visibility};
use corridor_model::{CaseCategory, CaseStatus, Ice, NewEnterprise, Priority, Region};
use uuid::Uuid;

use crate::storage::{Actor, Session, Storage, StorageError};

/// What was created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Users created.
    pub users: Vec<(String, Role)>,
    /// Enterprises.
    pub enterprises: usize,
    /// Cases.
    pub cases: usize,
}

/// A valid ICE from a 13-digit base: the two check digits make the number a multiple of 97.
pub fn ice_from_base(base: u64) -> Ice {
    let n = (base % 10_000_000_000_000) * 100;
    let check = (97 - n % 97) % 97;
    format!("{:015}", n + check)
        .parse()
        .unwrap_or_else(|_| unreachable!("a multiple of 97 with 15 digits is a valid ICE"))
}

const ENTERPRISES: [(&str, &str, u8); 8] = [
    ("Conserverie Atlantique SARL", "Casablanca", 6),
    ("Textiles du Bouregreg SA", "Salé", 4),
    ("Transports Ennour", "Mohammedia", 6),
    ("Agro Doukkala", "El Jadida", 6),
    ("Menuiserie Al Amal", "Kénitra", 4),
    ("Clinique Les Orangers", "Rabat", 4),
    ("شركة الأطلس للبناء", "Settat", 6),
    ("Imprimerie Rabat Moderne", "Rabat", 4),
];

const CASES: [(&str, CaseCategory, Priority, CaseStatus); 10] = [
    (
        "Indemnités journalières bloquées depuis mars",
        CaseCategory::BlockedBenefit,
        Priority::High,
        CaseStatus::InProgress,
    ),
    (
        "Accès Damancom refusé après changement de gérant",
        CaseCategory::EServices,
        Priority::Normal,
        CaseStatus::Qualified,
    ),
    (
        "Échéancier de la dette 2024 à renégocier",
        CaseCategory::DebtSchedule,
        Priority::Normal,
        CaseStatus::AwaitingEmployer,
    ),
    (
        "Redressement contesté après contrôle",
        CaseCategory::Inspection,
        Priority::Urgent,
        CaseStatus::TransmittedToCnss,
    ),
    (
        "Immatriculation de 12 saisonniers",
        CaseCategory::Affiliation,
        Priority::Low,
        CaseStatus::Submitted,
    ),
    (
        "Déclaration des salaires de février rejetée",
        CaseCategory::SalaryDeclaration,
        Priority::Normal,
        CaseStatus::Resolved,
    ),
    (
        "Litige sur les majorations de retard",
        CaseCategory::Dispute,
        Priority::High,
        CaseStatus::AwaitingCnss,
    ),
    (
        "Allocations familiales non versées",
        CaseCategory::BlockedBenefit,
        Priority::Normal,
        CaseStatus::Draft,
    ),
    (
        "Attestation de régularité non délivrée",
        CaseCategory::EServices,
        Priority::High,
        CaseStatus::Closed,
    ),
    (
        "Remboursement AMO en attente",
        CaseCategory::Other,
        Priority::Normal,
        CaseStatus::Rejected,
    ),
];

/// The path from draft to `to`, with the reasons transitions need.
fn path_to(to: CaseStatus) -> Vec<(CaseStatus, Option<&'static str>)> {
    use CaseStatus::*;
    let main = [Submitted, Qualified, TransmittedToCnss, InProgress];
    let mut steps: Vec<(CaseStatus, Option<&str>)> = Vec::new();
    match to {
        Draft => {}
        AwaitingEmployer | AwaitingCnss => {
            steps.extend(main.iter().map(|s| (*s, None)));
            steps.push((to, Some("Pièces complémentaires demandées")));
        }
        Resolved | Closed => {
            steps.extend(main.iter().map(|s| (*s, None)));
            steps.push((
                Resolved,
                Some("Dossier régularisé par la direction régionale"),
            ));
            if to == Closed {
                steps.push((Closed, None));
            }
        }
        Rejected => {
            steps.push((Submitted, None));
            steps.push((Rejected, Some("Hors du champ de la médiation")));
        }
        other => {
            for s in main {
                steps.push((s, None));
                if s == other {
                    break;
                }
            }
        }
    }
    steps
}

/// Creates the demo users with `password_hash` and their data. Refuses to run twice.
pub async fn seed(storage: &dyn Storage, password_hash: &str) -> Result<DemoSummary, StorageError> {
    let mut summary = DemoSummary::default();
    let casa = Region::from_number(6).unwrap_or_else(|| unreachable!());
    let rabat = Region::from_number(4).unwrap_or_else(|| unreachable!());
    let accounts = [
        ("demo.officier.casa", Role::CgemOfficer, vec![casa]),
        ("demo.officier.rabat", Role::CgemOfficer, vec![rabat]),
        ("demo.cnss.casa", Role::CnssRep, vec![casa]),
        ("demo.cnss.rabat", Role::CnssRep, vec![rabat]),
        ("demo.comite", Role::Committee, vec![]),
        ("demo.admin", Role::Admin, vec![]),
    ];
    // The seeding is an administration command: the audit log says so.
    let seeder = Actor::console("console:seed-demo");
    let mut users = BTreeMap::new();
    for (name, role, regions) in &accounts {
        let user = storage
            .add_user(name, *role, regions, password_hash, &seeder)
            .await?;
        summary.users.push(((*name).to_owned(), *role));
        users.insert(*name, user);
    }
    let mut sessions = BTreeMap::new();
    for (name, _, _) in &accounts[..4] {
        let device = Uuid::now_v7();
        let (_, hash) = crate::auth::new_token();
        let user = users[name].clone();
        storage
            .register_device(
                &user.id,
                &device.to_string(),
                "seed-demo",
                &hash,
                Utc::now(),
                &seeder,
            )
            .await?;
        let session = Session {
            user,
            device_id: device.to_string(),
            revoked: false,
            last_seen_at: Utc::now(),
            issued_at: Utc::now(),
        };
        sessions.insert(*name, (session, device, 0i64));
    }
    let start = Utc::now() - Duration::days(40);
    let mut planned: Vec<(&'static str, Op, chrono::DateTime<Utc>)> = Vec::new();
    let mut push = |who: &'static str, op: Op, days: i64| {
        let at = start + Duration::days(days) + Duration::seconds(planned.len() as i64);
        planned.push((who, op, at));
    };
    let mut enterprises = Vec::new();
    for (i, (name, city, region)) in ENTERPRISES.iter().enumerate() {
        let region = Region::from_number(*region).unwrap_or(casa);
        let officer = if region == casa {
            "demo.officier.casa"
        } else {
            "demo.officier.rabat"
        };
        let id = Uuid::now_v7();
        let enterprise = NewEnterprise {
            name: (*name).to_owned(),
            ice: ice_from_base(1_561_191_000 + 7_919 * i as u64),
            cnss: format!("{:07}", 1_234_500 + i).parse().ok(),
            city: Some((*city).to_owned()),
            region,
            details: Default::default(),
        };
        push(
            officer,
            Op::CreateEnterprise(CreateEnterprise { id, enterprise }),
            0,
        );
        enterprises.push((id, region, officer));
    }
    summary.enterprises = enterprises.len();
    for (i, (title, category, priority, status)) in CASES.iter().enumerate() {
        let (enterprise_id, region, officer) = enterprises[i % enterprises.len()];
        let rep = if region == casa {
            "demo.cnss.casa"
        } else {
            "demo.cnss.rabat"
        };
        let case_id = Uuid::now_v7();
        let day = i as i64 * 3;
        push(
            officer,
            Op::CreateCase(CreateCase {
                id: case_id,
                reference: String::new(),
                enterprise_id,
                category: *category,
                title: (*title).to_owned(),
                description: format!(
                    "Dossier de démonstration : {}. L'employeur a saisi le bureau régional de la CGEM.",
                    title.to_lowercase()
                ),
                priority: *priority,
                amount_centimes: (i % 3 == 0).then_some(1_250_000 * (i as i64 + 1)),
                region,
            }),
            day,
        );
        push(
            officer,
            Op::AssignCase {
                case_id,
                event_id: Uuid::now_v7(),
                institution: Institution::Cgem,
                assignee: Some(officer.to_owned()),
            },
            day,
        );
        let mut from = CaseStatus::Draft;
        for (step, (to, reason)) in path_to(*status).into_iter().enumerate() {
            let from_cnss = matches!(to, CaseStatus::InProgress | CaseStatus::AwaitingEmployer);
            push(
                if from_cnss { rep } else { officer },
                Op::TransitionCase {
                    case_id,
                    event_id: Uuid::now_v7(),
                    from,
                    to,
                    reason: reason.map(str::to_owned),
                },
                day + 1 + step as i64 * 2,
            );
            from = to;
        }
        push(
            officer,
            Op::AddNote {
                case_id,
                event_id: Uuid::now_v7(),
                visibility: Visibility::Shared,
                text: "Entretien téléphonique avec le gérant : pièces reçues par courriel.".into(),
            },
            day + 1,
        );
        push(
            officer,
            Op::AddNote {
                case_id,
                event_id: Uuid::now_v7(),
                visibility: Visibility::Cgem,
                text: "Note interne CGEM : adhérent prioritaire, suivre de près.".into(),
            },
            day + 1,
        );
        if i % 4 == 1 {
            push(
                officer,
                Op::EditCase {
                    case_id,
                    event_id: Uuid::now_v7(),
                    edit: CaseEdit {
                        priority: Some(Priority::Urgent),
                        ..CaseEdit::default()
                    },
                },
                day + 2,
            );
        }
        summary.cases += 1;
    }
    // In time order: each side acts on what the other did before.
    planned.sort_by_key(|(_, _, at)| *at);
    for (who, op, at) in planned {
        let (session, device, seq) = sessions.get_mut(who).unwrap_or_else(|| unreachable!());
        *seq += 1;
        let m = Mutation {
            mutation_id: Uuid::now_v7(),
            device_id: *device,
            device_seq: *seq,
            op,
            base: BTreeMap::new(),
            authored_at: at,
            author: session.user.username.clone(),
        };
        let r = storage
            .push(session, std::slice::from_ref(&m), Utc::now())
            .await?;
        if let Some(Outcome::Rejected { code, message, .. }) = r.results.first().map(|r| &r.outcome)
        {
            return Err(StorageError::Corrupt(format!(
                "demo data refused ({code}): {message}"
            )));
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_ices_carry_valid_check_digits() {
        for base in [0, 1, 1_561_191_000, 9_999_999_999_999] {
            let ice = ice_from_base(base);
            assert_eq!(ice.as_str().len(), 15);
            assert!(ice.as_str().parse::<Ice>().is_ok());
        }
    }

    #[test]
    fn demo_paths_follow_the_workflow() {
        for status in CaseStatus::ALL.iter().copied() {
            let mut at = CaseStatus::Draft;
            for (to, reason) in path_to(status) {
                corridor_model::workflow::check(at, to, reason, 0)
                    .unwrap_or_else(|e| panic!("{status:?}: {e}"));
                at = to;
            }
            assert_eq!(at, status);
        }
    }
}
