//! The photos the sandbox downloaded for publishing: the JPEG bytes of each image container,
//! then of the media item it became, so the CDN serves the photo that was published. At most
//! [`PHOTO_BUDGET`] bytes are kept; the oldest photos go first.

use std::collections::{HashMap, VecDeque};

use axum::body::Bytes;

/// How many bytes of photos are kept at most (64 MiB).
pub const PHOTO_BUDGET: usize = 64 << 20;

/// Downloaded photos by container or media ID, oldest first.
#[derive(Default)]
pub struct Photos {
    order: VecDeque<String>,
    bytes: HashMap<String, Bytes>,
    total: usize,
}

impl std::fmt::Debug for Photos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photos")
            .field("count", &self.order.len())
            .field("total", &self.total)
            .finish()
    }
}

impl Photos {
    /// Keeps `jpeg` under `id`, dropping the oldest photos past the budget.
    pub fn keep(&mut self, id: &str, jpeg: Bytes) {
        self.forget(id);
        self.total += jpeg.len();
        self.order.push_back(id.to_owned());
        self.bytes.insert(id.to_owned(), jpeg);
        while self.total > PHOTO_BUDGET && self.order.len() > 1 {
            if let Some(old) = self.order.pop_front() {
                if let Some(b) = self.bytes.remove(&old) {
                    self.total -= b.len();
                }
            }
        }
    }

    /// The photo kept under `id`.
    pub fn get(&self, id: &str) -> Option<Bytes> {
        self.bytes.get(id).cloned()
    }

    /// Moves the photo of `from` (a container) to `to` (the media it became), keeping its age.
    pub fn rename(&mut self, from: &str, to: &str) {
        let Some(b) = self.bytes.remove(from) else {
            return;
        };
        if let Some(slot) = self.order.iter_mut().find(|k| *k == from) {
            to.clone_into(slot);
        }
        self.bytes.insert(to.to_owned(), b);
    }

    fn forget(&mut self, id: &str) {
        if let Some(b) = self.bytes.remove(id) {
            self.total -= b.len();
            self.order.retain(|k| k != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_photos_go_past_the_budget() {
        let mut p = Photos::default();
        let big = Bytes::from(vec![0xFFu8; PHOTO_BUDGET / 3]);
        for id in ["a", "b", "c", "d"] {
            p.keep(id, big.clone());
        }
        assert!(p.get("a").is_none());
        assert!(p.get("b").is_some() && p.get("d").is_some());
        p.rename("b", "m1");
        assert!(p.get("b").is_none() && p.get("m1").is_some());
        p.keep("e", big);
        assert!(p.get("m1").is_none(), "a renamed photo keeps its age");
        p.keep("f", Bytes::from_static(b"x"));
        p.keep("f", Bytes::from_static(b"yz"));
        assert_eq!(p.get("f").as_deref(), Some(b"yz".as_slice()));
    }
}
