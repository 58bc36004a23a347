use super::*;

const KEY: &str = "k_0123456789abcdef";
/// 2026-12-01 00:00 UTC.
const NOW: i64 = 1_796_083_200;

fn form(kind: &str, urls: &str) -> PostForm {
    PostForm {
        key: KEY.to_owned(),
        kind: kind.to_owned(),
        urls: urls.to_owned(),
        ..PostForm::default()
    }
}

fn msg(r: Result<NewPost, AppError>) -> String {
    r.unwrap_err().to_string()
}

fn full(f: &PostForm) -> Result<NewPost, AppError> {
    complete(check(f, 0, NOW)?, Vec::new())
}

#[test]
fn forms_are_checked_with_clear_errors() {
    let mut ok = form("image", " https://example.com/a.jpg \n");
    ok.caption = " Hello ".into();
    let ok = full(&ok).unwrap();
    assert_eq!(ok.items.len(), 1);
    assert_eq!(ok.caption, "Hello");
    assert_eq!(ok.plan, Plan::Now);
    assert!(msg(full(&PostForm {
        key: "short".into(),
        ..form("image", "https://e.com/a.jpg")
    }))
    .contains("expired"));
    assert!(msg(full(&form("boomerang", "https://e.com/a.jpg"))).contains("Choose"));
    assert!(msg(full(&form("image", "https://e.com/a.png"))).contains("JPEG"));
    assert!(msg(full(&form("image", "ftp://e.com/a.jpg"))).contains("public web address"));
    assert!(msg(full(&form("image", "https://e.com/a.mp4"))).contains("Reel"));
    assert!(msg(full(&form("carousel", "https://e.com/a.jpg"))).contains("2 to 10"));
    assert!(msg(full(&form("image", ""))).contains("Add a photo"));
    let mut long = form("image", "https://e.com/a.jpg");
    long.caption = "x".repeat(2201);
    assert!(msg(full(&long)).contains("2200"));
    long.caption = "#t ".repeat(31);
    assert!(msg(full(&long)).contains("hashtags"));
    let c = full(&form(
        "carousel",
        "https://e.com/a.jpg\nhttps://e.com/b.mp4",
    ))
    .unwrap();
    assert_eq!(
        c.items.iter().map(|i| i.video).collect::<Vec<_>>(),
        [false, true]
    );
    let r = full(&form("reel", "https://e.com/clip")).unwrap();
    assert!(
        r.items[0].video,
        "a reel's address is a video whatever its name"
    );
    let s = full(&form("story", "https://e.com/a.jpg")).unwrap();
    assert_eq!(s.kind, PublishKind::Story);
}

#[test]
fn a_post_is_scheduled_in_the_persons_time_zone() {
    let mut f = form("image", "https://e.com/a.jpg");
    f.when = "schedule".into();
    f.at = "2026-12-08T09:00".into();
    f.tz = "Europe/Paris".into();
    let p = full(&f).unwrap();
    assert_eq!(p.plan, Plan::At(NOW + 7 * 86_400 + 8 * 3600));
    assert_eq!(p.time_zone, "Europe/Paris");
    f.at = "2026-11-30T09:00".into();
    assert!(msg(full(&f)).contains("has passed"));
    f.at = "2028-01-01T09:00".into();
    assert!(msg(full(&f)).contains("a year ahead"));
    f.at = String::new();
    assert!(msg(full(&f)).contains("Choose the date"));
    f.when = "draft".into();
    assert_eq!(full(&f).unwrap().plan, Plan::Draft(None));
    f.when = "later".into();
    assert!(msg(full(&f)).contains("publish now, schedule"));
}

#[test]
fn uploads_come_first_and_photos_get_their_alt_texts() {
    let mut f = form("carousel", "https://e.com/typed.jpg");
    f.alt_text = "A loaf\n\nThe oven".into();
    let uploaded = vec![
        Item {
            url: "https://app/u1".into(),
            video: false,
            upload: Some("upl_1".into()),
            alt_text: None,
        },
        Item {
            url: "https://app/u2".into(),
            video: true,
            upload: Some("upl_2".into()),
            alt_text: None,
        },
    ];
    let p = complete(check(&f, 2, NOW).unwrap(), uploaded).unwrap();
    assert_eq!(p.items.len(), 3);
    assert_eq!(p.items[0].upload.as_deref(), Some("upl_1"));
    // Photos in order: u1 gets the first line, the typed photo the second (empty: none).
    assert_eq!(p.items[0].alt_text.as_deref(), Some("A loaf"));
    assert_eq!(p.items[1].alt_text, None, "videos take no alt text");
    assert_eq!(p.items[2].alt_text, None);
    let mut f = form("reel", "");
    f.kind = "reel".into();
    let photo = vec![Item {
        url: "https://app/u".into(),
        video: false,
        upload: Some("u".into()),
        alt_text: None,
    }];
    assert!(msg(complete(check(&f, 1, NOW).unwrap(), photo)).contains("A reel is a video"));
    let mut long = form("image", "https://e.com/a.jpg");
    long.alt_text = "a".repeat(1001);
    assert!(msg(full(&long)).contains("1000"));
}
