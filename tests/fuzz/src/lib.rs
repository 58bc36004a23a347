//! Framing shared by the fuzz targets: inputs are plain text, so the seed corpus can be read
//! and written by hand.

/// `first line` and `the rest` (the rest is empty without a newline).
pub fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// An HTTP-like message: a start line, `name: value` header lines, a blank line, a body.
pub struct Message<'a> {
    /// The first line.
    pub start: &'a str,
    /// The header lines, as written (names lower-cased).
    pub headers: Vec<(String, &'a str)>,
    /// Everything after the blank line.
    pub body: &'a [u8],
}

/// Reads `data` as a [`Message`]; `None` when the head is not UTF-8.
pub fn message(data: &[u8]) -> Option<Message<'_>> {
    let (start, mut rest) = first_line(data);
    let start = std::str::from_utf8(start).ok()?;
    let mut headers = Vec::new();
    loop {
        let (line, after) = first_line(rest);
        if line.is_empty() {
            return Some(Message {
                start,
                headers,
                body: after,
            });
        }
        let line = std::str::from_utf8(line).ok()?;
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim()));
        }
        rest = after;
    }
}
