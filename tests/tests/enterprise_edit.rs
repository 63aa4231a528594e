//! An enterprise's record changed on one device reaches the others through the real server,
//! on both engines; a change made over a version the author never saw is refused by the
//! server (stale), undone on its device, and listed with the server's reason — never applied
//! over the other user's.

use corridor_e2e::devices::{Device, World};
use corridor_model::desk::{ContactForm, EnterpriseForm};

async fn an_enterprise_record_is_changed_and_never_overwritten(postgres: bool) {
    let w = World::new(postgres).await;
    w.user("k.alaoui", "cgem_officer", "MA-06");
    w.user("s.idrissi", "cgem_officer", "MA-06");
    let mut a = Device::login(&w.server.url, "k.alaoui").await;
    let mut b = Device::login(&w.server.url, "s.idrissi").await;
    let atlas = a
        .store()
        .add_enterprise(
            corridor_model::NewEnterprise::parse(
                "Atlas Textile SARL",
                "001561191000066",
                "MA-06",
                None,
                Some("Casablanca"),
            )
            .expect("valid"),
        )
        .await
        .expect("add");
    a.sync().await.expect("sync a");
    b.sync().await.expect("sync b");

    // A adds a contact and the CNSS number; B receives them.
    let mut form = EnterpriseForm::of(&atlas);
    form.cnss = "1234567".to_owned();
    form.contacts.push(ContactForm {
        name: "Karim Alaoui".to_owned(),
        role: "DRH".to_owned(),
        phone: "06 12 34 56 78".to_owned(),
        email: "k.alaoui@atlas.ma".to_owned(),
    });
    a.store()
        .update_enterprise(atlas.id, form.parse().expect("valid"))
        .await
        .expect("update");
    a.sync().await.expect("sync a");
    b.sync().await.expect("sync b");
    let seen = b
        .store()
        .enterprise_by_ice("001561191000066")
        .await
        .expect("on b");
    assert_eq!(seen.cnss.as_ref().map(|c| c.as_str()), Some("1234567"));
    assert_eq!(
        seen.details.contacts[0].phone.as_deref(),
        Some("+212612345678")
    );
    assert_eq!(seen.version, 1, "the server counted the change");

    // B, now up to date, renames it; A, offline since, changes the city over version 1.
    let mut renamed = EnterpriseForm::of(&seen);
    renamed.name = "Atlas Textile SA".to_owned();
    b.store()
        .update_enterprise(atlas.id, renamed.parse().expect("valid"))
        .await
        .expect("rename");
    b.sync().await.expect("sync b");
    let mine = a
        .store()
        .enterprise_by_ice("001561191000066")
        .await
        .expect("on a");
    let mut moved = EnterpriseForm::of(&mine);
    moved.city = "Mohammedia".to_owned();
    a.store()
        .update_enterprise(atlas.id, moved.parse().expect("valid"))
        .await
        .expect("offline change");
    a.sync().await.expect("sync a");

    // The server kept B's record; A's change is undone there and listed with the reason.
    let now_a = a
        .store()
        .enterprise_by_ice("001561191000066")
        .await
        .expect("on a");
    assert_eq!(now_a.name, "Atlas Textile SA");
    assert_eq!(
        now_a.city.as_deref(),
        Some("Casablanca"),
        "A's change was undone"
    );
    let refused = a.store().rejections().await.expect("rejections");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].code, "stale");
    assert!(
        refused[0].message.contains("entreprise"),
        "{}",
        refused[0].message
    );
    b.sync().await.expect("sync b");
    assert_eq!(
        b.store()
            .enterprise_by_ice("001561191000066")
            .await
            .expect("on b")
            .city
            .as_deref(),
        Some("Casablanca")
    );
    w.finish().await;
}

#[tokio::test]
async fn an_enterprise_record_on_sqlite() {
    an_enterprise_record_is_changed_and_never_overwritten(false).await;
}

#[tokio::test]
async fn an_enterprise_record_on_postgres() {
    an_enterprise_record_is_changed_and_never_overwritten(true).await;
}
