//! The demo accounts and their media, generated the same way every time.

use super::world::{Account, AccountType, CommentItem, Kind, MediaItem, World};

/// A small deterministic generator (SplitMix64): the same seed gives the same world.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The demo accounts' IG IDs, fixed so tests and documentation can name them.
pub const BAKERY_ID: &str = "17841400000000001";
/// The creator account.
pub const STUDIO_ID: &str = "17841400000000002";
/// The account without media.
pub const EMPTY_ID: &str = "17841400000000003";

/// An account to create, with generated media.
pub struct Persona<'a> {
    /// IG professional account ID.
    pub ig_id: &'a str,
    /// App-scoped ID.
    pub app_scoped_id: &'a str,
    /// Handle.
    pub username: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Business or creator.
    pub account_type: AccountType,
    /// Followers.
    pub followers: i64,
    /// Accounts followed.
    pub follows: i64,
    /// How many posts to generate.
    pub media: usize,
    /// The generator's seed.
    pub seed: u64,
    /// Captions to pick from.
    pub captions: &'a [&'a str],
    /// Whether videos are reels.
    pub reels: bool,
}

/// Captions for generated accounts.
pub const GENERIC_CAPTIONS: &[&str] = BAKERY_CAPTIONS;

const BAKERY_CAPTIONS: &[&str] = &[
    "Fresh sourdough, straight from the oven 🍞 #sourdough #bakery",
    "Morning croissants are ready ☕🥐",
    "Behind the scenes: shaping baguettes at 5am",
    "Weekend special: cinnamon swirls, while they last",
    "Our starter turned five today! 🎂",
    "Rye and seeds, slow fermented for 36 hours",
    "New on the shelf: olive and rosemary focaccia",
    "Meet the team that wakes up at 4am",
    "Rainy days call for hot chocolate and a bun",
    "Lemon tart season is here 🍋",
    "How we score a loaf, step by step",
    "Thank you for 1,000 followers! Free cookie Friday 🍪",
];

const STUDIO_CAPTIONS: &[&str] = &[
    "Golden hour in the studio ✨",
    "New reel: how we light a product shot",
    "Colour study in pink and orange",
    "Client work: the spring campaign is live",
    "Three lenses, one subject",
    "Timelapse of a set build 🎬",
    "Paper, scissors, light: a still life",
    "Outtakes that made us laugh",
    "Mood board for next week's shoot",
    "Before and after: retouching a portrait",
];

const FANS: &[(&str, &str)] = &[
    ("17841400000000777", "sandbox.fan"),
    ("17841400000000778", "sandbox.visitor"),
    ("17841400000000779", "crumb.lover"),
    ("17841400000000780", "early.bird"),
    ("17841400000000781", "pixel.pal"),
    ("17841400000000782", "studio.friend"),
];

const COMMENT_TEXTS: &[&str] = &[
    "Looks great!",
    "Where can I get this?",
    "😍😍😍",
    "What time do you open on Sundays?",
    "Amazing light in this one",
    "Saving this for later",
    "Do you ship to Berlin?",
    "Best in town, no contest",
    "How long did this take?",
    "This made my day",
];

const OWNER_REPLIES: &[&str] = &[
    "Thank you! 🙏",
    "From 7am every day!",
    "Glad you like it!",
    "Come by this weekend 😊",
];

/// Seeds the demo accounts into `w`, with media dated back from `now`.
pub fn seed(w: &mut World, now: i64) {
    w.next_id = 1000;
    let personas = [
        Persona {
            ig_id: BAKERY_ID,
            app_scoped_id: "26000000000000001",
            username: "sandbox.bakery",
            name: "Sandbox Bakery",
            account_type: AccountType::Business,
            followers: 1204,
            follows: 310,
            media: 40,
            seed: 0xB4CE_B4CE,
            captions: BAKERY_CAPTIONS,
            reels: false,
        },
        Persona {
            ig_id: STUDIO_ID,
            app_scoped_id: "26000000000000002",
            username: "sandbox.studio",
            name: "Sandbox Studio",
            account_type: AccountType::MediaCreator,
            followers: 8450,
            follows: 512,
            media: 30,
            seed: 0x57D1_0057,
            captions: STUDIO_CAPTIONS,
            reels: true,
        },
        Persona {
            ig_id: EMPTY_ID,
            app_scoped_id: "26000000000000003",
            username: "sandbox.newshop",
            name: "New Shop",
            account_type: AccountType::Business,
            followers: 12,
            follows: 40,
            media: 0,
            seed: 0x0E0E,
            captions: BAKERY_CAPTIONS,
            reels: false,
        },
    ];

    for p in &personas {
        add_account(w, p, now);
    }
    w.facebook.seed(&[
        ("Sandbox Bakery", BAKERY_ID),
        ("Sandbox Studio", STUDIO_ID),
        ("New Shop", EMPTY_ID),
    ]);
}

/// Adds an account with `p.media` generated posts (some carousels, videos and comments),
/// dated back from `now`.
pub fn add_account(w: &mut World, p: &Persona<'_>, now: i64) {
    let mut rng = Rng::new(p.seed);
    let mut account = Account {
        ig_id: p.ig_id.to_owned(),
        app_scoped_id: p.app_scoped_id.to_owned(),
        username: p.username.to_owned(),
        name: p.name.to_owned(),
        account_type: p.account_type,
        followers: p.followers,
        follows: p.follows,
        media: Vec::new(),
        subscribed_fields: Vec::new(),
        published_at: Vec::new(),
        hashtag_searches: Vec::new(),
        art_seed: p.seed,
    };
    let mut posted = now - 3600;
    for i in 0..p.media {
        posted -= 86_400 + rng.below(86_400) as i64;
        let mut item = post(w, p, &mut rng, i, posted);
        if item.kind == Kind::Carousel {
            add_carousel_items(w, p, &mut rng, &mut item);
        }
        if item.comment_enabled {
            add_comments(w, p, &mut rng, &item.id, posted);
        }
        account.media.push(item.id.clone());
        w.media.insert(item.id.clone(), item);
    }
    w.usernames
        .insert(p.username.to_owned(), p.ig_id.to_owned());
    w.accounts.insert(p.ig_id.to_owned(), account);
}

/// The `i`-th post of a persona, posted at `posted`: mostly images, with carousels, videos
/// (reels for creators), hidden like counts and one copyrighted item.
fn post(w: &mut World, p: &Persona<'_>, rng: &mut Rng, i: usize, posted: i64) -> MediaItem {
    let roll = rng.below(100);
    let kind = if i == 1 || (i > 2 && roll < 25) {
        Kind::Carousel
    } else if i == 2 || roll > (if p.reels { 60 } else { 85 }) {
        Kind::Video
    } else {
        Kind::Image
    };
    let id = w.new_id("180");
    let caption = (*rng.pick(p.captions)).to_owned();
    MediaItem {
        id,
        owner: p.ig_id.to_owned(),
        kind,
        product_type: if kind == Kind::Video && p.reels {
            "REELS".to_owned()
        } else {
            "FEED".to_owned()
        },
        caption: Some(caption.clone()),
        alt_text: Some(format!("Photo by {}: {}", p.name, caption)),
        timestamp: posted,
        like_count: if i % 9 == 8 {
            None
        } else {
            Some((p.followers / 10 + rng.below(p.followers as u64 / 4 + 1) as i64).max(1))
        },
        comment_enabled: i % 13 != 12,
        children: Vec::new(),
        parent: None,
        copyrighted: p.ig_id == BAKERY_ID && i == 7,
        shortcode: format!("SBX{:04}{}", i, &p.username[8..9].to_uppercase()),
        art_seed: rng.next_u64(),
        reach: p.followers / 3 + rng.below(p.followers as u64 + 1) as i64,
    }
}

/// Two to four items for a carousel (the second one sometimes a video).
fn add_carousel_items(w: &mut World, p: &Persona<'_>, rng: &mut Rng, item: &mut MediaItem) {
    let n = 2 + rng.below(3) as usize;
    for c in 0..n {
        let child_id = w.new_id("180");
        let child_kind = if c == 1 && rng.below(2) == 0 {
            Kind::Video
        } else {
            Kind::Image
        };
        w.media.insert(
            child_id.clone(),
            MediaItem {
                id: child_id.clone(),
                owner: p.ig_id.to_owned(),
                kind: child_kind,
                product_type: "FEED".to_owned(),
                caption: None,
                alt_text: None,
                timestamp: item.timestamp,
                like_count: None,
                comment_enabled: false,
                children: Vec::new(),
                parent: Some(item.id.clone()),
                copyrighted: false,
                shortcode: format!("{}C{c}", item.shortcode),
                art_seed: rng.next_u64(),
                reach: 0,
            },
        );
        item.children.push(child_id);
    }
}

/// Up to five comments by fans on a post, the first sometimes answered by the owner.
fn add_comments(w: &mut World, p: &Persona<'_>, rng: &mut Rng, media_id: &str, posted: i64) {
    let comments = rng.below(6);
    for c in 0..comments {
        let (fan_id, fan) = *rng.pick(FANS);
        let comment_id = w.new_id("1785");
        let at = posted + 600 + c as i64 * 1800;
        add_comment(
            w,
            CommentItem {
                id: comment_id.clone(),
                media_id: media_id.to_owned(),
                parent_id: None,
                text: (*rng.pick(COMMENT_TEXTS)).to_owned(),
                username: fan.to_owned(),
                from_id: fan_id.to_owned(),
                timestamp: at,
                like_count: rng.below(5) as i64,
                hidden: false,
            },
        );
        if c == 0 && rng.below(2) == 0 {
            let reply_id = w.new_id("1785");
            add_comment(
                w,
                CommentItem {
                    id: reply_id,
                    media_id: media_id.to_owned(),
                    parent_id: Some(comment_id),
                    text: (*rng.pick(OWNER_REPLIES)).to_owned(),
                    username: p.username.to_owned(),
                    from_id: p.ig_id.to_owned(),
                    timestamp: at + 900,
                    like_count: 0,
                    hidden: false,
                },
            );
        }
    }
}

/// Stores a comment and lists it under its media.
fn add_comment(w: &mut World, c: CommentItem) {
    w.media_comments
        .entry(c.media_id.clone())
        .or_default()
        .push(c.id.clone());
    w.comments.insert(c.id.clone(), c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_is_the_same_every_time() {
        let mut a = World::default();
        let mut b = World::default();
        seed(&mut a, 1_790_000_000);
        seed(&mut b, 1_790_000_000);
        assert_eq!(a.accounts.len(), 3);
        assert_eq!(a.media.len(), b.media.len());
        assert_eq!(a.accounts[BAKERY_ID].media, b.accounts[BAKERY_ID].media);
        assert_eq!(a.accounts[BAKERY_ID].media.len(), 40);
        assert!(a.accounts[EMPTY_ID].media.is_empty());
    }

    #[test]
    fn every_kind_of_media_is_present() {
        let mut w = World::default();
        seed(&mut w, 1_790_000_000);
        let own: Vec<&MediaItem> = w.accounts[BAKERY_ID]
            .media
            .iter()
            .map(|id| &w.media[id])
            .collect();
        assert!(own.iter().any(|m| m.kind == Kind::Image));
        assert!(own.iter().any(|m| m.kind == Kind::Video));
        let carousel = own.iter().find(|m| m.kind == Kind::Carousel).unwrap();
        assert!((2..=4).contains(&carousel.children.len()));
        assert!(own.iter().any(|m| m.copyrighted));
        assert!(own.iter().any(|m| m.like_count.is_none()));
        assert!(
            own.windows(2).all(|p| p[0].timestamp > p[1].timestamp),
            "newest first"
        );
        assert!(
            w.comments.values().any(|c| c.parent_id.is_some()),
            "some replies"
        );
    }
}
