//! `appsecret_proof`: what every `graph.facebook.com` call made with a token carries when the Meta
//! app requires it ("Require App Secret"), so that a stolen token alone cannot be used.

/// `appsecret_proof` of a call made with `token`: the lowercase hex HMAC-SHA256 of the token
/// keyed with the Meta app secret. Meta requires it when the app's "Require App Secret" is on.
pub fn appsecret_proof(app_secret: &str, token: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(token.as_bytes());
    crate::server::ids::hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_is_the_hex_hmac_of_the_token() {
        assert_eq!(
            appsecret_proof("sandbox-meta-secret", "EAAsbxUtoken"),
            "e66ef820dff380ef92964005cad1531e41f1edf82dfb7289c540d30ab30bf21e"
        );
    }
}
