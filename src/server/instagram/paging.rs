//! Paging links from Instagram carry the access token; they are handed on without it.

use url::Url;

use super::error;

/// The URL without its `access_token` parameter.
pub fn strip_token(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "access_token")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if kept.is_empty() {
                u.set_query(None);
            } else {
                u.query_pairs_mut().clear().extend_pairs(kept);
            }
            u.into()
        }
        Err(_) => error::scrub(url, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stripped_from_paging_links() {
        let s = strip_token(
            "https://graph.instagram.com/v25.0/1/media?limit=25&after=QVFI&access_token=IGAAsecret",
        );
        assert_eq!(
            s,
            "https://graph.instagram.com/v25.0/1/media?limit=25&after=QVFI"
        );
        assert!(!strip_token("https://x/y?access_token=IGAAsecret").contains("IGAA"));
    }
}
