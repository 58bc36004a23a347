//! The contract holds: the builders write exactly its attributes, the pages write no island
//! attribute by hand and no `data-*` name it does not know, and its rules read as documented.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

use leptos::{attr::Attribute, prelude::*, tachys::view::RenderHtml};

use super::{
    attrs,
    contract::{attr, poll, select, server_message, Outcome, PasskeyMode, Widget},
};

/// Where pages, components and the server's fragment routes write markup.
const SCANNED: &[&str] = &[
    "src/components",
    "src/pages",
    "src/server/web",
    "src/app.rs",
];

/// Files that may write the names: the contract itself and these tests.
const NOT_SCANNED: &[&str] = &[
    "src/components/enhance/contract.rs",
    "src/components/enhance/tests.rs",
];

/// Island attributes still written by hand, each to be replaced by a builder (file, name).
/// `web/media.rs` renders the publish form's answer itself; it is to render
/// `components::publish::PublishAnswer` instead, and then this entry goes.
const BY_HAND_FOR_NOW: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (path from the crate root, text) of every scanned Rust file.
fn sources() -> Vec<(String, String)> {
    fn walk(path: &Path, out: &mut Vec<(String, String)>) {
        if path.is_dir() {
            let mut entries: Vec<_> = fs::read_dir(path)
                .expect("a source directory")
                .map(|e| e.expect("a directory entry").path())
                .collect();
            entries.sort();
            for entry in entries {
                walk(&entry, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root())
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            if !NOT_SCANNED.contains(&name.as_str()) {
                out.push((name, fs::read_to_string(path).expect("a source file")));
            }
        }
    }
    let mut out = Vec::new();
    for place in SCANNED {
        walk(&root().join(place), &mut out);
    }
    assert!(out.len() > 20, "the sources were not found");
    out
}

/// The `data-*` names in a piece of text.
fn data_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in text.match_indices("data-") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        let rest: String = text[at + 5..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let rest = rest.trim_end_matches('-');
        if !rest.is_empty() {
            names.push(format!("data-{rest}"));
        }
    }
    names
}

/// (file, line number, name) of every `data-*` name outside comments in the scanned sources.
fn written_names() -> Vec<(String, usize, String)> {
    let mut found = Vec::new();
    for (file, text) in sources() {
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for name in data_names(line) {
                found.push((file.clone(), i + 1, name));
            }
        }
    }
    found
}

#[test]
fn pages_write_island_attributes_only_through_the_builders() {
    let island: BTreeSet<&str> = attr::WRITTEN_BY_PAGES
        .iter()
        .chain(attr::WRITTEN_BY_ISLAND)
        .copied()
        .collect();
    let mut wrong = Vec::new();
    let mut by_hand_seen = BTreeSet::new();
    for (file, line, name) in written_names() {
        if island.contains(name.as_str()) {
            if BY_HAND_FOR_NOW.contains(&(file.as_str(), name.as_str())) {
                by_hand_seen.insert((file, name));
                continue;
            }
            wrong.push(format!(
                "{file}:{line}: {name} is the island's: write it with components::enhance::attrs"
            ));
        } else if !attr::PAGE_ONLY.contains(&name.as_str()) {
            wrong.push(format!(
                "{file}:{line}: {name} is in no contract (a typo? a new island attribute goes in \
                 enhance::contract, a new test or style attribute in attr::PAGE_ONLY)"
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    for (file, name) in BY_HAND_FOR_NOW {
        assert!(
            by_hand_seen.contains(&(file.to_string(), name.to_string())),
            "{file} no longer writes {name} by hand: remove it from BY_HAND_FOR_NOW"
        );
    }
}

#[test]
fn every_page_only_attribute_is_written_somewhere() {
    let written: BTreeSet<String> = written_names().into_iter().map(|(_, _, n)| n).collect();
    for name in attr::PAGE_ONLY {
        assert!(
            written.contains(*name),
            "{name} is written nowhere: remove it from attr::PAGE_ONLY"
        );
    }
}

fn html(a: impl Attribute) -> String {
    view! { <p {..a}></p> }.to_html()
}

/// Every builder, by name, and what it renders onto an empty `<p>`.
fn rendered() -> Vec<(&'static str, String, &'static str)> {
    Owner::new().with(|| {
        vec![
            ("enhanced", html(attrs::enhanced()), "<p data-enhance></p>"),
            ("swap", html(attrs::swap()), "<p data-swap></p>"),
            (
                "form_error",
                html(attrs::form_error()),
                "<p data-form-error></p>",
            ),
            (
                "confirm",
                html(attrs::confirm("Sure & \"ready\"?")),
                "<p data-confirm=\"Sure &amp; &quot;ready&quot;?\"></p>",
            ),
            (
                "passkey",
                html(attrs::passkey(PasskeyMode::SignIn)),
                "<p data-passkey=\"sign-in\"></p>",
            ),
            (
                "auto_submit",
                html(attrs::auto_submit("/cb")),
                "<p data-auto-submit data-replace-url=\"/cb\"></p>",
            ),
            (
                "poll",
                html(attrs::poll(Some("/j".into()), 700)),
                "<p data-poll=\"/j\" data-poll-ms=\"700\"></p>",
            ),
            (
                "sse",
                html(attrs::sse("/ev", "none")),
                "<p data-sse=\"/ev\" data-sse-gone=\"none\"></p>",
            ),
            (
                "load_more",
                html(attrs::load_more("grid", "/f".into())),
                "<p data-load-more data-grid=\"grid\" data-fragment=\"/f\"></p>",
            ),
            ("announce", html(attrs::announce()), "<p data-announce></p>"),
            (
                "carousel",
                html(attrs::carousel(3)),
                "<p data-carousel data-count=\"3\"></p>",
            ),
            ("track", html(attrs::track()), "<p data-track></p>"),
            ("prev", html(attrs::prev()), "<p data-prev></p>"),
            ("next", html(attrs::next()), "<p data-next></p>"),
            ("position", html(attrs::position()), "<p data-position></p>"),
            (
                "drop_zone",
                html(attrs::drop_zone()),
                "<p data-drop-zone></p>",
            ),
            ("previews", html(attrs::previews()), "<p data-previews></p>"),
            (
                "local_zone",
                html(attrs::local_zone(true)),
                "<p data-local-zone></p>",
            ),
        ]
    })
}

#[test]
fn the_builders_write_exactly_the_contracts_attributes() {
    let mut names = BTreeSet::new();
    for (builder, got, want) in rendered() {
        assert_eq!(got, want, "attrs::{builder}");
        names.extend(data_names(&got));
    }
    let contract: BTreeSet<String> = attr::WRITTEN_BY_PAGES
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, contract);
    let stopped = Owner::new().with(|| html(attrs::poll(None, 1500)));
    assert_eq!(
        stopped, "<p data-poll-ms=\"1500\"></p>",
        "a finished poll has no URL"
    );
    let known = Owner::new().with(|| html(attrs::local_zone(false)));
    assert_eq!(known, "<p></p>", "a known zone is left alone");
}

#[test]
fn every_builder_is_used_by_a_page() {
    let all: String = sources().into_iter().map(|(_, text)| text).collect();
    for (builder, _, _) in rendered() {
        assert!(
            all.contains(&format!("attrs::{builder}(")),
            "attrs::{builder} is used nowhere: drop it and its attributes from the contract"
        );
    }
}

#[test]
fn selectors_name_contract_attributes() {
    assert_eq!(select::POLL, "[data-poll]");
    assert_eq!(select::LOAD_MORE, "a[data-load-more]");
    assert_eq!(select::AUTO_SUBMIT, "form[data-auto-submit]");
    assert_eq!(select::CAROUSEL_BUTTON, "[data-prev], [data-next]");
    let selectors = [
        select::SWAP,
        select::FORM_ERROR,
        select::BUTTONS,
        select::AUTO_SUBMIT,
        select::POLL,
        select::SSE,
        select::LOAD_MORE,
        select::ANNOUNCE,
        select::CAROUSEL,
        select::TRACK,
        select::POSITION,
        select::PREV,
        select::NEXT,
        select::CAROUSEL_BUTTON,
        select::DROP_ZONE,
        select::PREVIEWS,
        select::LOCAL_ZONE,
    ];
    for s in selectors {
        for name in data_names(s) {
            assert!(
                attr::WRITTEN_BY_PAGES.contains(&name.as_str()),
                "{s}: {name}"
            );
        }
    }
    for w in Widget::ALL {
        assert!(selectors.contains(&w.selector()), "{w:?}");
    }
}

#[test]
fn answers_are_read_by_status_first() {
    let html = "text/html; charset=utf-8";
    let text = "text/plain; charset=utf-8";
    assert_eq!(Outcome::of(200, html), Outcome::Fragment);
    assert_eq!(Outcome::of(204, html), Outcome::Fragment);
    // An answer that is not HTML is never put into the page.
    assert_eq!(Outcome::of(200, text), Outcome::Failed);
    assert_eq!(Outcome::of(200, ""), Outcome::Failed);
    for status in [400, 401, 403, 404, 409, 410, 422] {
        assert_eq!(Outcome::of(status, html), Outcome::Refused, "{status}");
        assert_eq!(Outcome::of(status, text), Outcome::Refused, "{status}");
    }
    for status in [408, 429, 500, 502, 503, 504, 302] {
        assert_eq!(Outcome::of(status, html), Outcome::Failed, "{status}");
    }
    assert_eq!(
        server_message(text, " Sign in again. \n"),
        Some("Sign in again.")
    );
    assert_eq!(server_message(text, "  "), None);
    assert_eq!(server_message(html, "<p>no</p>"), None);
}

#[test]
fn a_failing_poll_backs_off_then_gives_up() {
    let waits: Vec<u32> = (1..=poll::MAX_FAILURES)
        .map(|n| poll::retry_delay_ms(n).expect("still trying"))
        .collect();
    assert_eq!(
        waits,
        [1_500, 3_000, 6_000, 12_000, 24_000, 30_000, 30_000, 30_000]
    );
    assert_eq!(poll::retry_delay_ms(poll::MAX_FAILURES + 1), None);
    assert_eq!(poll::retry_delay_ms(u32::MAX), None);
    assert_eq!(poll::retry_delay_ms(0), None);
    assert_eq!(poll::interval_ms(Some("700")), 700);
    assert_eq!(poll::interval_ms(Some("soon")), poll::DEFAULT_MS);
    assert_eq!(poll::interval_ms(None), poll::DEFAULT_MS);
}

#[test]
fn a_widget_starts_once_per_element() {
    assert_eq!(Widget::Poll.mark(None).as_deref(), Some("poll"));
    assert_eq!(Widget::Poll.mark(Some("poll")), None);
    assert_eq!(
        Widget::Carousel.mark(Some("poll")).as_deref(),
        Some("poll carousel")
    );
    assert_eq!(Widget::Sse.mark(Some("poll sse carousel")), None);
    // A token is a whole word: `load-more` is not `more`.
    assert_eq!(
        Widget::LoadMore.mark(Some("more")).as_deref(),
        Some("more load-more")
    );
    let tokens: BTreeSet<&str> = Widget::ALL.iter().map(|w| w.token()).collect();
    assert_eq!(
        tokens.len(),
        Widget::ALL.len(),
        "every widget has its own word"
    );
}

#[test]
fn photo_shapes_outside_instagrams_are_named_with_what_happens() {
    use super::contract::{file_size, shape};
    assert_eq!(shape::warning(400, 500, "crop"), None, "4:5");
    assert_eq!(shape::warning(1910, 1000, "crop"), None, "1.91:1");
    assert_eq!(shape::warning(1080, 1080, "pad"), None);
    assert_eq!(shape::warning(0, 10, "crop"), None);
    assert_eq!(
        shape::warning(900, 1600, "crop").as_deref(),
        Some("900×1600 is too tall for Instagram (4:5 to 1.91:1): it will be cropped.")
    );
    assert_eq!(
        shape::warning(3000, 1000, "pad").as_deref(),
        Some("3000×1000 is too wide for Instagram (4:5 to 1.91:1): it will get borders.")
    );
    assert_eq!(file_size(1000.0), "1 KB");
    assert_eq!(file_size(3.5 * 1_048_576.0), "3.5 MB");
}

#[test]
fn passkey_modes_are_the_values_the_ceremony_expects() {
    assert_eq!(PasskeyMode::Register.as_str(), "register");
    assert_eq!(PasskeyMode::SignIn.as_str(), "sign-in");
}

#[test]
fn the_scanner_finds_every_data_name_and_only_those() {
    assert_eq!(
        data_names("<p data-enhanse class=\"x\" data-testid=\"y\" preload=\"metadata-x\" data->"),
        ["data-enhanse", "data-testid"]
    );
    assert!(!attr::PAGE_ONLY.contains(&"data-enhanse"));
    assert!(!attr::WRITTEN_BY_PAGES.contains(&"data-enhanse"));
}
