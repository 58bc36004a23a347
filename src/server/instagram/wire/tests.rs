//! Tests of the lenient wire types, on answers in every shape Meta sends.

use super::*;

/// Shape A of the code exchange: the documented envelope, permissions as CSV, user_id as a
/// string.
const CODE_EXCHANGE_ENVELOPED: &str = r#"{"data":[{"access_token":"IGAAsandboxSHORT0001","user_id":"17841400000000001",
    "permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#;

/// Shape B of the code exchange: flat, permissions as an array, user_id as a number above 2^53.
const CODE_EXCHANGE_FLAT: &str = r#"{"access_token":"IGAAsandboxSHORT0001","user_id":17841400000000001,
    "permissions":["instagram_business_basic","instagram_business_content_publish"]}"#;

/// A flat `/me` answer, with a field we do not know.
const PROFILE_FLAT: &str = r#"{"id":"26000000000000001","user_id":"17841400000000001","username":"sandbox.bakery",
    "name":"Sandbox Bakery","account_type":"Business","followers_count":1204,"follows_count":310,
    "media_count":87,"unknown_field":true}"#;

/// A media page: an image, a carousel, and a video without a URL.
const MEDIA_PAGE: &str = r#"{"data":[
   {"id":"18000000000000001","media_type":"IMAGE","caption":"Fresh sourdough",
    "media_url":"https://cdn/m1.jpg","permalink":"https://www.instagram.com/p/SBX0001/",
    "timestamp":"2026-10-01T08:30:00+0000"},
   {"id":"18000000000000002","media_type":"CAROUSEL_ALBUM","timestamp":"2026-09-28T17:05:12+0000",
    "children":{"data":[{"id":"18000000000000003","media_type":"IMAGE","media_url":"https://cdn/c1.jpg"},
      {"id":"18000000000000004","media_type":"VIDEO","media_url":"https://cdn/c2.mp4","thumbnail_url":"https://cdn/c2t.jpg"}]}},
   {"id":18000000000000005,"media_type":"VIDEO"}],
 "paging":{"cursors":{"before":"QVFIUmJl","after":"QVFIUmFm"},"next":"https://graph.instagram.com/v25.0/1/media?after=QVFIUmFm"}}"#;

/// An `X-Business-Use-Case-Usage` value with keys we do not use.
const BUSINESS_USAGE: &str = r#"{"17841400000000001":[{"type":"instagram","call_count":92,"total_cputime":20,
    "total_time":31,"estimated_time_to_regain_access":0,"call_volume":5,"cpu_time":3}]}"#;

fn short(json: &str) -> ShortLivedWire {
    serde_json::from_str::<MaybeEnveloped<ShortLivedWire>>(json)
        .unwrap()
        .into_inner()
        .unwrap()
}

#[test]
fn the_code_exchange_is_read_in_both_shapes() {
    let a = short(CODE_EXCHANGE_ENVELOPED);
    let b = short(CODE_EXCHANGE_FLAT);
    for w in [a, b] {
        assert_eq!(w.access_token.as_deref(), Some("IGAAsandboxSHORT0001"));
        assert_eq!(w.user_id.as_deref(), Some("17841400000000001"));
        assert_eq!(
            w.permissions,
            [
                "instagram_business_basic",
                "instagram_business_content_publish"
            ]
        );
    }
}

#[test]
fn big_ids_keep_every_digit() {
    // 2^53 + 1 cannot be represented by an f64.
    let w = short(r#"{"access_token":"t","user_id":9007199254740993}"#);
    assert_eq!(w.user_id.as_deref(), Some("9007199254740993"));
    let w = short(r#"{"access_token":"t","user_id":17841405822304914}"#);
    assert_eq!(w.user_id.as_deref(), Some("17841405822304914"));
}

#[test]
fn permissions_are_trimmed_and_deduplicated() {
    let w = short(r#"{"access_token":"t","user_id":"1","permissions":" a , b,a,, c "}"#);
    assert_eq!(w.permissions, ["a", "b", "c"]);
    let w = short(r#"{"access_token":"t","user_id":"1"}"#);
    assert!(w.permissions.is_empty());
}

#[test]
fn an_empty_envelope_has_nothing_inside() {
    let e: MaybeEnveloped<ShortLivedWire> = serde_json::from_str(r#"{"data":[]}"#).unwrap();
    assert!(e.into_inner().is_none());
}

#[test]
fn the_profile_is_read_flat_or_enveloped() {
    let flat = PROFILE_FLAT;
    let wrapped = format!(r#"{{"data":[{flat}]}}"#);
    for json in [flat.to_owned(), wrapped] {
        let p = serde_json::from_str::<MaybeEnveloped<ProfileWire>>(&json)
            .unwrap()
            .into_inner()
            .unwrap();
        assert_eq!(p.user_id.as_deref(), Some("17841400000000001"));
        assert_eq!(p.followers_count, Some(1204));
        assert_eq!(p.account_type.as_deref(), Some("Business"));
    }
}

#[test]
fn expires_in_may_be_a_string() {
    let w: LongLivedWire = serde_json::from_str(
        r#"{"access_token":"x","token_type":"bearer","expires_in":"5183944"}"#,
    )
    .unwrap();
    assert_eq!(w.expires_in, Some(5_183_944));
}

#[test]
fn media_pages_with_carousels_and_missing_urls_parse() {
    let json = MEDIA_PAGE;
    let page: PageWire<MediaWire> = serde_json::from_str(json).unwrap();
    assert_eq!(page.data.len(), 3);
    assert_eq!(page.data[1].children.as_ref().unwrap().data.len(), 2);
    assert_eq!(page.data[2].id, "18000000000000005");
    assert!(
        page.data[2].media_url.is_none(),
        "copyrighted media have no URL"
    );
    assert_eq!(
        page.paging.unwrap().cursors.unwrap().after.as_deref(),
        Some("QVFIUmFm")
    );
}

#[test]
fn usage_headers_tolerate_unknown_keys() {
    let buc: std::collections::HashMap<String, Vec<UsageWire>> =
        serde_json::from_str(BUSINESS_USAGE).unwrap();
    let u = &buc["17841400000000001"][0];
    assert_eq!(u.max_pct(), 92);
    assert_eq!(u.estimated_time_to_regain_access, Some(0));
    let app: UsageWire =
        serde_json::from_str(r#"{"call_count":28,"total_cputime":9,"total_time":12}"#).unwrap();
    assert_eq!(app.max_pct(), 28);
}

#[test]
fn publishing_limits_read_the_quota_at_runtime() {
    for total in [50, 100] {
        let json = format!(
            r#"{{"data":[{{"quota_usage":3,"config":{{"quota_total":{total},"quota_duration":86400}}}}]}}"#
        );
        let l = serde_json::from_str::<MaybeEnveloped<PublishingLimitWire>>(&json)
            .unwrap()
            .into_inner()
            .unwrap();
        assert_eq!(l.config.unwrap().quota_total, Some(total));
    }
}
