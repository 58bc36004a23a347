//! The headers every Instagram answer is read for: `Retry-After`, and the usage headers
//! (`X-App-Usage`, `X-Business-Use-Case-Usage`) that tell how close the app and the account
//! are to Meta's rate limits.

use std::{collections::HashMap, time::Duration};

use reqwest::header::HeaderMap;

use super::{types::Usage, wire::UsageWire};

/// The `Retry-After` header in seconds, when present and a number.
pub(super) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Reads `X-App-Usage` and `X-Business-Use-Case-Usage` (for `account`, or the highest of all
/// accounts when the key is not the account's), tolerating absence and unknown keys.
pub fn parse_usage(headers: &HeaderMap, account: Option<&str>) -> Usage {
    let app_pct = headers
        .get("x-app-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<UsageWire>(v).ok())
        .map(|u| u.max_pct());
    let buc = headers
        .get("x-business-use-case-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<HashMap<String, Vec<UsageWire>>>(v).ok());
    let (account_pct, regain_minutes) = match buc {
        None => (None, None),
        Some(map) => {
            let entries: Vec<&UsageWire> = match account.and_then(|a| map.get(a)) {
                Some(list) => list.iter().collect(),
                None => map.values().flatten().collect(),
            };
            let pct = entries.iter().map(|u| u.max_pct()).max();
            let regain = entries
                .iter()
                .filter_map(|u| u.estimated_time_to_regain_access)
                .max();
            (pct, regain)
        }
    };
    Usage {
        app_pct,
        account_pct,
        regain_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_headers_are_read_per_account() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-app-usage",
            r#"{"call_count":28,"total_cputime":9,"total_time":12}"#
                .parse()
                .unwrap(),
        );
        h.insert(
            "x-business-use-case-usage",
            r#"{"17841400000000001":[{"type":"instagram","call_count":92,"total_cputime":20,"total_time":31,"estimated_time_to_regain_access":3}]}"#
                .parse()
                .unwrap(),
        );
        let u = parse_usage(&h, Some("17841400000000001"));
        assert_eq!(u.app_pct, Some(28));
        assert_eq!(u.account_pct, Some(92));
        assert_eq!(u.regain_minutes, Some(3));
        assert_eq!(u.max_pct(), Some(92));
        assert_eq!(parse_usage(&HeaderMap::new(), None), Usage::default());
    }
}
