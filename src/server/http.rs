//! The HTTP/1.1 subset the app speaks, on `std::net`: one request per connection (every
//! response says `Connection: close`), a bounded head, bodies only with `Content-Length`, and
//! responses that always carry the security headers. No keep-alive, no chunked bodies: the page
//! is the only client, so the simplest correct subset is enough.

use std::io::{self, Read, Write};

/// The largest request head (request line and headers) read.
const MAX_HEAD: usize = 64 * 1024;

/// A parsed request head.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query, percent-decoded.
    pub path: String,
    /// Query pairs, percent-decoded.
    pub query: Vec<(String, String)>,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first query value of that name.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The declared body length; `Err` when the header is not a number.
    pub fn content_length(&self) -> Result<Option<u64>, ()> {
        match self.header("content-length") {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| ()),
        }
    }
}

/// Why a request head could not be read.
#[derive(Debug)]
pub enum HeadError {
    /// The head is longer than [`MAX_HEAD`] (431).
    TooLarge,
    /// Not HTTP/1.x, or a malformed line (400).
    Malformed(&'static str),
    /// The connection failed or closed early.
    Closed,
}

/// Reads the request head; returns it with the body bytes already read past it.
pub fn read_head(stream: &mut impl Read) -> Result<(Request, Vec<u8>), HeadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            if i > MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
            break i;
        }
        if buf.len() > MAX_HEAD + 4 {
            return Err(HeadError::TooLarge);
        }
        let n = stream.read(&mut chunk).map_err(|_| HeadError::Closed)?;
        if n == 0 {
            return Err(HeadError::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let rest = buf[end + 4..].to_vec();
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| HeadError::Malformed("not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed("bad request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(HeadError::Malformed("only HTTP/1.x is spoken"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request {
        method: method.to_string(),
        path: decode(path),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect(),
        headers: Vec::new(),
    };
    for l in lines {
        let (n, v) = l
            .split_once(':')
            .ok_or(HeadError::Malformed("bad header line"))?;
        req.headers
            .push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok((req, rest))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Percent-decoding (`+` is a space in queries); invalid escapes are kept as typed.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response; [`Response::write_to`] adds the headers every response carries.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Further headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The policy of the app's own page: only its own script, style and frames; nothing external.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

impl Response {
    /// A body of a given type.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Pretty JSON.
    pub fn json(status: u16, v: &serde_json::Value) -> Self {
        let body = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into()) + "\n";
        Self::new(status, "application/json; charset=utf-8", body)
    }

    /// `{"error": message}`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, &serde_json::json!({ "error": message.into() }))
    }

    /// Adds a header.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Writes status line, headers and body. Every response forbids caching, sniffing,
    /// referrers and framing by other sites; a response without its own policy gets a strict
    /// `Content-Security-Policy`.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
Cross-Origin-Resource-Policy: same-origin\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if !self
            .headers
            .iter()
            .any(|(n, _)| *n == "Content-Security-Policy")
        {
            head.push_str(
                "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n",
            );
        }
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        w.write_all(head.as_bytes())?;
        w.write_all(&self.body)?;
        w.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head_and_keeps_the_body_prefix() {
        let raw = b"POST /api/inspect?name=a%20b.csv&token=x HTTP/1.1\r\nHost: 127.0.0.1:9\r\nContent-Length: 3\r\n\r\nabc";
        let (req, rest) = read_head(&mut &raw[..]).unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/api/inspect");
        assert_eq!(req.query("name"), Some("a b.csv"));
        assert_eq!(req.header("host"), Some("127.0.0.1:9"));
        assert_eq!(req.content_length(), Ok(Some(3)));
        assert_eq!(rest, b"abc");
    }

    #[test]
    fn refuses_malformed_and_oversized_heads() {
        assert!(matches!(
            read_head(&mut &b"GET /\r\n\r\n"[..]),
            Err(HeadError::Malformed(_))
        ));
        assert!(matches!(
            read_head(&mut &b"GET / HTTP/2\r\n\r\n"[..]),
            Err(HeadError::Malformed(_))
        ));
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD + 10));
        assert!(matches!(
            read_head(&mut big.as_bytes()),
            Err(HeadError::TooLarge)
        ));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(decode("a%2Fb+c%zz%4"), "a/b c%zz%4");
    }

    #[test]
    fn responses_carry_the_security_headers() {
        let mut out = Vec::new();
        Response::error(413, "too big").write_to(&mut out).unwrap();
        let t = String::from_utf8(out).unwrap();
        assert!(t.starts_with("HTTP/1.1 413 Content Too Large\r\n"), "{t}");
        for h in [
            "X-Content-Type-Options: nosniff",
            "Referrer-Policy: no-referrer",
            "Content-Security-Policy: default-src 'none'",
            "Connection: close",
        ] {
            assert!(t.contains(h), "{h} missing in {t}");
        }
        assert!(t.ends_with("{\n  \"error\": \"too big\"\n}\n"), "{t}");
    }
}
