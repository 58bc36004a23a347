//! Where people land after connecting: a same-site path only (OA-06).

/// Where people land after connecting, unless they asked for somewhere else.
pub const DEFAULT_RETURN_TO: &str = crate::paths::MEDIA;
/// The longest `return_to` kept; a longer one becomes the default.
pub const MAX_RETURN_TO: usize = 512;

/// A same-site path to return to after connecting (OA-06): anything that could leave the site
/// (`//host`, `/\host`, a scheme, an encoded slash, control characters) becomes the default.
pub fn safe_return_to(candidate: Option<&str>) -> String {
    let Some(c) = candidate.map(str::trim).filter(|c| !c.is_empty()) else {
        return DEFAULT_RETURN_TO.to_owned();
    };
    let lower = c.to_ascii_lowercase();
    let unsafe_path = c.len() > MAX_RETURN_TO
        || !c.starts_with('/')
        || c.starts_with("//")
        || c.starts_with("/\\")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || c.contains('\\')
        || c.chars().any(|ch| ch.is_control())
        || lower.contains(':');
    if unsafe_path {
        DEFAULT_RETURN_TO.to_owned()
    } else {
        c.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_never_leave_the_site() {
        let long = format!("/{}", "a".repeat(MAX_RETURN_TO));
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "%2F%2Fevil",
            "/%2F%2Fevil.example",
            "javascript:alert(1)",
            "/x\nLocation: https://evil.example",
            long.as_str(),
            "evil.example/path",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), DEFAULT_RETURN_TO, "{bad:?}");
        }
        assert_eq!(safe_return_to(None), DEFAULT_RETURN_TO);
        assert_eq!(safe_return_to(Some("/media?tab=reels")), "/media?tab=reels");
        assert_eq!(safe_return_to(Some("/admin")), "/admin");
    }

    #[test]
    fn any_return_path_starts_with_a_single_slash() {
        // A small property test over generated strings (OA-06).
        let alphabet = [
            '/', '\\', ':', '%', '2', 'f', 'F', 'e', '.', 'x', ' ', '\t', '?',
        ];
        let mut seed = 0x1234_5678u64;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 60) as usize + 1;
            let s: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 4)) & 0xF) as usize % alphabet.len()])
                .collect();
            let out = safe_return_to(Some(&s));
            assert!(out.starts_with('/'), "{s:?} -> {out:?}");
            assert!(
                !out.starts_with("//") && !out.starts_with("/\\"),
                "{s:?} -> {out:?}"
            );
        }
    }
}
