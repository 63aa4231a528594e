//! One set of rules on both sides, end to end: the real server process (SQLite and PostgreSQL)
//! and real encrypted stores. Stale edits become visible conflicts, a change the server
//! refuses leaves no trace on the device whatever the document kind, and crafted pushes that
//! skip the device's checks are refused with nothing written.

use corridor_e2e::devices::{open_case, Device, World};
use corridor_model::mutation::CaseEdit;
use corridor_model::timeline::EventKind;
use corridor_model::NewEnterprise;
use serde_json::{json, Value};
use uuid::Uuid;

fn title(t: &str) -> CaseEdit {
    CaseEdit {
        title: Some(t.to_owned()),
        ..CaseEdit::default()
    }
}

/// The silent overwrite that used to happen: B changes a title; A, who had not seen it, edits
/// the same title twice offline. Both of A's edits must become conflicts and B's value stay.
async fn two_offline_edits_over_another_users_change(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;
    let case = open_case(&a, 1, "MA-06", "Titre initial").await;
    a.sync().await.expect("a");
    b.sync().await.expect("b");
    b.store()
        .edit_case(&case, title("Titre de B"))
        .await
        .expect("edit b");
    b.sync().await.expect("b pushes");
    for t in ["Titre de A, premier", "Titre de A, second"] {
        a.store().edit_case(&case, title(t)).await.expect("edit a");
    }
    let r = a.sync().await.expect("a pushes");
    assert_eq!(r.conflicts, 2, "both of A's edits are conflicts: {r:?}");
    b.sync().await.expect("b pulls");
    for d in [&a, &b] {
        assert_eq!(
            d.store().case(&case).await.expect("case").title,
            "Titre de B",
            "B's value stays current on {}",
            d.user
        );
        let proposed: Vec<Value> = d
            .store()
            .conflicts(false)
            .await
            .expect("conflicts")
            .into_iter()
            .map(|(_, c)| c.proposed)
            .collect();
        assert_eq!(
            proposed,
            [json!("Titre de A, premier"), json!("Titre de A, second")],
            "both kept aside, visible on {}",
            d.user
        );
    }
    // A device's own edits made offline one after the other never conflict.
    for t in ["Description 1", "Description 2"] {
        a.store()
            .edit_case(
                &case,
                CaseEdit {
                    description: Some(t.to_owned()),
                    ..CaseEdit::default()
                },
            )
            .await
            .expect("edit");
    }
    assert_eq!(a.sync().await.expect("a").conflicts, 0);
    b.sync().await.expect("b");
    assert_eq!(
        b.store().case(&case).await.expect("case").description,
        "Description 2"
    );
    w.finish().await;
}

#[tokio::test]
async fn two_offline_edits_over_another_users_change_on_sqlite() {
    two_offline_edits_over_another_users_change(false).await;
}

#[tokio::test]
async fn two_offline_edits_over_another_users_change_on_postgres() {
    two_offline_edits_over_another_users_change(true).await;
}

/// Pushes mutations as a crafted client would (no device rules), numbered after the last one
/// the server applied for this device; the answer.
async fn push_raw(url: &str, device: &Device, ops: &[Value]) -> Value {
    let token = device.token().await;
    let device_id = device.store().device().await.expect("device").id;
    let client = reqwest::Client::new();
    let post = |body: Value| {
        client
            .post(format!("{url}/v1/sync/push"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let last = post(json!({"mutations": []}))
        .await
        .expect("push")
        .json::<Value>()
        .await
        .expect("json")["last_applied_seq"]
        .as_i64()
        .expect("last");
    let mutations: Vec<Value> = ops
        .iter()
        .zip(last + 1..)
        .map(|(op, seq)| {
            let mut m = op.clone();
            m["mutation_id"] = json!(Uuid::now_v7());
            m["device_id"] = json!(device_id);
            m["device_seq"] = json!(seq);
            m["authored_at"] = json!(chrono::Utc::now());
            m["author"] = json!(device.user);
            m
        })
        .collect();
    post(json!({ "mutations": mutations }))
        .await
        .expect("push")
        .json()
        .await
        .expect("json")
}

fn codes(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap_or_else(|| panic!("results: {answer}"))
        .iter()
        .map(|r| r["code"].as_str().unwrap_or("applied").to_owned())
        .collect()
}

/// Timeline events are append-only: a push naming the id of an existing event (here another
/// region's case creation, whose id is the case's) or creating a document under a used id is
/// refused, and the original stays as it was on the server and on every device.
async fn reused_ids_are_refused(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.casa", "cgem_officer", "MA-06");
    w.user("d.rabat", "cgem_officer", "MA-04");
    let mut a = Device::login(&w.server.url, "a.casa").await;
    let mut d = Device::login(&w.server.url, "d.rabat").await;
    let casa = open_case(&a, 1, "MA-06", "Dossier de Casablanca").await;
    let rabat = open_case(&d, 2, "MA-04", "Dossier de Rabat").await;
    a.sync().await.expect("a");
    d.sync().await.expect("d");
    let before = a.snapshot().await;
    let rabat_enterprise = d.store().list_enterprises().await.expect("list")[0].id;
    let note = |event: &str| {
        json!({"name": "add_note", "args": {"case_id": rabat, "event_id": event,
               "visibility": "shared", "text": "Écrase l'événement"}})
    };
    let answer = push_raw(
        &w.server.url,
        &d,
        &[
            note(&casa),
            note(&rabat),
            json!({"name": "create_case", "args": {"id": casa, "reference": "X",
                   "enterprise_id": rabat_enterprise, "category": "other", "title": "Volé",
                   "description": "", "priority": "normal", "amount_centimes": null,
                   "region": "MA-04"}}),
            json!({"name": "create_enterprise", "args": {"id": rabat_enterprise,
                   "name": "Autre", "ice": "002136093000040", "region": "MA-04"}}),
        ],
    )
    .await;
    assert_eq!(
        codes(&answer),
        ["duplicate", "duplicate", "duplicate", "duplicate"],
        "{answer}"
    );
    a.sync().await.expect("a");
    assert_eq!(a.snapshot().await, before, "nothing changed for Casablanca");
    d.sync().await.expect("d");
    let timeline = d
        .store()
        .case_detail(&rabat)
        .await
        .expect("detail")
        .timeline;
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].kind, EventKind::Created);
    w.finish().await;
}

#[tokio::test]
async fn reused_ids_are_refused_on_sqlite() {
    reused_ids_are_refused(false).await;
}

#[tokio::test]
async fn reused_ids_are_refused_on_postgres() {
    reused_ids_are_refused(true).await;
}

/// A change the server refuses is undone on the device for meetings, roadmap items and
/// enterprises as for cases: the device shows the server's version and the refusal.
async fn refused_changes_of_every_kind_leave_no_trace(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    w.user("b.officier", "cgem_officer", "MA-06");
    w.user("c1.comite", "committee", "");
    w.user("c2.comite", "committee", "");
    w.user("e.nouveau", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut b = Device::login(&w.server.url, "b.officier").await;

    // Minutes: B's version reaches the server first; A's, written over the older one, is
    // refused and A sees B's.
    let when = corridor_model::meeting::parse_local_datetime("2026-12-03 10:00").expect("time");
    let meeting = a
        .store()
        .create_meeting("MA-06".parse().expect("region"), "Réunion", when, None)
        .await
        .expect("meeting")
        .id
        .to_string();
    a.store()
        .set_minutes(&meeting, "Première version")
        .await
        .expect("minutes");
    a.sync().await.expect("a");
    b.sync().await.expect("b");
    b.store()
        .set_minutes(&meeting, "Version de B")
        .await
        .expect("minutes b");
    b.sync().await.expect("b");
    a.store()
        .set_minutes(&meeting, "Version de A")
        .await
        .expect("minutes a");
    let r = a.sync().await.expect("a");
    assert_eq!(r.rejected, 1, "{r:?}");
    assert_eq!(
        a.store().rejections().await.expect("rejections")[0].code,
        "stale"
    );
    let m = a.store().meeting(&meeting).await.expect("meeting");
    assert_eq!(m.minutes.as_deref(), Some("Version de B"));

    // The roadmap: the same between two committee members.
    let mut c1 = Device::login(&w.server.url, "c1.comite").await;
    let mut c2 = Device::login(&w.server.url, "c2.comite").await;
    let item = c1
        .store()
        .add_roadmap_item(
            "Intégration de l'informel",
            "",
            corridor_model::meeting::Owner::Joint,
        )
        .await
        .expect("item")
        .id
        .to_string();
    c1.sync().await.expect("c1");
    c2.sync().await.expect("c2");
    c1.store()
        .update_roadmap_item(&item, None, Some(50), None, None)
        .await
        .expect("50");
    c1.sync().await.expect("c1");
    c2.store()
        .update_roadmap_item(&item, None, Some(75), None, None)
        .await
        .expect("75");
    assert_eq!(c2.sync().await.expect("c2").rejected, 1);
    assert_eq!(c2.store().roadmap().await.expect("roadmap")[0].progress, 50);
    // An officer may not write the roadmap, on the device as on the server.
    let err = a
        .store()
        .add_roadmap_item("Chantier", "", corridor_model::meeting::Owner::Cgem)
        .await
        .expect_err("committee only");
    assert_eq!(err.code(), "committee_only");

    // An enterprise recorded before the first sign-in, in a region the user turns out not to
    // have: refused by the server, gone from the device with its case.
    let mut e = Device::unsigned("e.nouveau").await;
    let out_of_scope = open_case(&e, 9, "MA-09", "Dossier d'Agadir").await;
    e.sign_in(&w.server.url).await;
    let r = e.sync().await.expect("e");
    assert_eq!(r.rejected, 2, "{r:?}");
    assert!(e.store().list_enterprises().await.expect("list").is_empty());
    assert!(e.store().case(&out_of_scope).await.is_err());
    // And what it records now is checked at once.
    let err = e
        .store()
        .add_enterprise(
            NewEnterprise::parse("Sud Agro", "002136093000040", "MA-09", None, None)
                .expect("valid"),
        )
        .await
        .expect_err("out of scope");
    assert_eq!(err.code(), "out_of_scope");
    w.finish().await;
}

#[tokio::test]
async fn refused_changes_of_every_kind_leave_no_trace_on_sqlite() {
    refused_changes_of_every_kind_leave_no_trace(false).await;
}

#[tokio::test]
async fn refused_changes_of_every_kind_leave_no_trace_on_postgres() {
    refused_changes_of_every_kind_leave_no_trace(true).await;
}

/// Drops what the server decides and the device cannot know in advance: final references
/// (also in links and agendas) and the versions the server counts.
fn normalized(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in [
                    "reference",
                    "links",
                    "minutes_version",
                    "minutes_writer",
                    "version",
                    "writer",
                ] {
                    m.remove(k);
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// One step of a device working alone.
#[derive(Debug, Clone)]
enum Alone {
    Open,
    Title(usize, String),
    Move(usize, corridor_model::CaseStatus),
    Note(usize, bool),
    Tag(usize, u8),
    Assign(usize, u8),
    Link(usize, usize),
    Meeting,
    Agenda(usize),
    Minutes(u8),
    Decision(usize),
}

fn alone() -> impl proptest::strategy::Strategy<Value = Alone> {
    use proptest::prelude::*;
    let c = 0..4usize;
    prop_oneof![
        Just(Alone::Open),
        (c.clone(), "[a-zé ]{1,10}").prop_map(|(c, t)| Alone::Title(c, t)),
        (
            c.clone(),
            prop::sample::select(corridor_model::CaseStatus::ALL.to_vec())
        )
            .prop_map(|(c, s)| Alone::Move(c, s)),
        (c.clone(), any::<bool>()).prop_map(|(c, s)| Alone::Note(c, s)),
        (c.clone(), 0..3u8).prop_map(|(c, t)| Alone::Tag(c, t)),
        (c.clone(), 0..3u8).prop_map(|(c, a)| Alone::Assign(c, a)),
        (c.clone(), c.clone()).prop_map(|(a, b)| Alone::Link(a, b)),
        Just(Alone::Meeting),
        c.clone().prop_map(Alone::Agenda),
        (0..3u8).prop_map(Alone::Minutes),
        c.prop_map(Alone::Decision),
    ]
}

/// What a device shows after working offline is what the server accepts: the same engine on
/// both sides, so a sync refuses nothing and changes nothing of what the user saw (but the
/// final references and the versions the server counts).
async fn device_and_server_agree(steps: Vec<Alone>) {
    let w = World::new(false).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let mut opened = 0u64;
    let when = corridor_model::meeting::parse_local_datetime("2026-12-03 10:00").expect("time");
    for step in steps {
        let s = a.store();
        let mut ids: Vec<String> = s
            .list_cases()
            .await
            .expect("cases")
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        ids.sort();
        let pick = |i: usize| ids.get(i % ids.len().max(1)).cloned();
        let meeting = s
            .list_meetings()
            .await
            .expect("meetings")
            .first()
            .map(|m| m.id.to_string());
        // Refusals by the local rules are part of the game: they queue nothing.
        let _ = match step {
            Alone::Open => {
                opened += 1;
                open_case(&a, opened, "MA-06", "Dossier").await;
                Ok(())
            }
            Alone::Title(c, t) => match pick(c) {
                Some(id) => s.edit_case(&id, title(&t)).await.map(|_| ()),
                None => Ok(()),
            },
            Alone::Move(c, to) => match pick(c) {
                Some(id) => s
                    .transition(&id, to, Some("motif".into()))
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            Alone::Note(c, shared) => match pick(c) {
                Some(id) => {
                    let v = if shared {
                        corridor_model::timeline::Visibility::Shared
                    } else {
                        corridor_model::timeline::Visibility::Cgem
                    };
                    s.add_note(&id, v, "note").await.map(|_| ())
                }
                None => Ok(()),
            },
            Alone::Tag(c, t) => match pick(c) {
                Some(id) => s
                    .tag(
                        &id,
                        vec![format!("t{t}")],
                        vec![format!("t{}", (t + 1) % 3)],
                    )
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            Alone::Assign(c, n) => match pick(c) {
                Some(id) => s
                    .assign(
                        &id,
                        corridor_model::timeline::Institution::Cnss,
                        Some(format!("rep{n}")),
                    )
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            Alone::Link(x, y) => match (pick(x), pick(y)) {
                (Some(x), Some(y)) => s.link(&x, &y, x < y).await.map(|_| ()),
                _ => Ok(()),
            },
            Alone::Meeting => s
                .create_meeting("MA-06".parse().expect("region"), "Réunion", when, None)
                .await
                .map(|_| ()),
            Alone::Agenda(c) => match (&meeting, pick(c)) {
                (Some(m), Some(id)) => s.add_agenda_case(m, &id).await.map(|_| ()),
                _ => Ok(()),
            },
            Alone::Minutes(t) => match &meeting {
                Some(m) => s
                    .set_minutes(m, &format!("Compte rendu {t}"))
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            Alone::Decision(c) => match (&meeting, pick(c)) {
                (Some(m), Some(id)) => s.record_decision(m, &id, "Accord").await.map(|_| ()),
                _ => Ok(()),
            },
        };
    }
    let shown = normalized(a.snapshot().await);
    let r = a.sync().await.expect("sync");
    assert_eq!(
        r.rejected, 0,
        "the server refused what the device accepted: {r:?}"
    );
    assert_eq!(r.conflicts, 0);
    assert_eq!(
        normalized(a.snapshot().await),
        shown,
        "the sync changed what the user saw"
    );
    w.finish().await;
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 8, ..Default::default() })]
    #[test]
    fn what_a_device_shows_is_what_the_server_accepts(
        steps in proptest::collection::vec(alone(), 5..30)
    ) {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(device_and_server_agree(steps));
    }
}

/// A device's first pull builds its search index once, Arabic forms included: a case written
/// in Arabic on one device is found on another as people type it, with a snippet as written.
async fn arabic_cases_are_found_after_a_first_pull(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("a.officier", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "a.officier").await;
    let case = open_case(&a, 1, "MA-06", "إعادة التسجيل في الضمان الاجتماعي").await;
    a.store()
        .add_note(
            &case,
            corridor_model::timeline::Visibility::Shared,
            "المُشَغِّل أرسل الوثائق",
        )
        .await
        .expect("note");
    a.sync().await.expect("a");
    let mut fresh = Device::login(&w.server.url, "a.officier").await;
    fresh.sync().await.expect("first pull");
    for (query, snippet) in [
        ("اعادة", "[إعادة] التسجيل في الضمان الاجتماعي"),
        ("بالضمان", "إعادة التسجيل في [الضمان] الاجتماعي"),
        ("مشغل", "[المُشَغِّل] أرسل الوثائق"),
    ] {
        let hits = fresh.store().search(query, 5).await.expect("search");
        assert_eq!(hits.len(), 1, "« {query} »");
        assert_eq!(hits[0].snippet, snippet, "« {query} »");
    }
    w.finish().await;
}

#[tokio::test]
async fn arabic_cases_are_found_after_a_first_pull_on_sqlite() {
    arabic_cases_are_found_after_a_first_pull(false).await;
}

#[tokio::test]
async fn arabic_cases_are_found_after_a_first_pull_on_postgres() {
    arabic_cases_are_found_after_a_first_pull(true).await;
}
