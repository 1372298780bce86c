//! Reading a paper for `check PAPER`: plain text, Markdown, HTML and PDF turned into one text
//! with page starts, so that the statistics finder of `summary::textcheck` sees prose.
//!
//! Owns the file formats of papers: UTF-8 (and Latin-1 fallback) decoding, HTML tag and entity
//! stripping (a flat state machine, no recursion, so nesting depth cannot overflow the stack),
//! and PDF text through `lopdf` (pure Rust; no system tool at run time). This is the only module
//! that names `lopdf`'s types. A malformed PDF is an error naming the file, never a panic:
//! the PDF reader runs under `catch_unwind` with its panic message silenced.
//!
//! Must not: look for statistics (that is `summary::textcheck`) or write anything.

use std::path::{Path, PathBuf};

/// The largest paper read (bytes). Above this a file is not a paper; the limit keeps a
/// mistaken argument (a disk image, a data dump) from filling memory.
pub const MAX_PAPER_BYTES: u64 = 256 * 1024 * 1024;

/// Why a paper could not be read (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaperError {
    /// The file or directory could not be read.
    #[error("cannot read paper {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The extension is not one of the paper formats.
    #[error(
        "{path}: not a paper format ({ext}); give a .txt, .md, .html or .pdf file, a directory of them, or a summary table ending in .csv"
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// The extension found.
        ext: String,
    },
    /// The file holds binary data where text was expected, or is too large.
    #[error("{path}: {reason}")]
    NotText {
        /// The file.
        path: PathBuf,
        /// What was found, and what to do.
        reason: String,
    },
    /// The PDF could not be parsed or its text not extracted.
    #[error("{path}: cannot read the PDF: {reason}")]
    Pdf {
        /// The file.
        path: PathBuf,
        /// What the PDF reader said, and what to do.
        reason: String,
    },
    /// A directory holds no paper.
    #[error(
        "{path}: the directory holds no .txt, .md, .html or .pdf file; give a paper or a directory of papers"
    )]
    EmptyDir {
        /// The directory.
        path: PathBuf,
    },
}

/// The format a paper was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperFormat {
    /// `.txt`
    Text,
    /// `.md`, `.markdown`
    Markdown,
    /// `.html`, `.htm`, `.xhtml`
    Html,
    /// `.pdf`
    Pdf,
}

impl PaperFormat {
    /// The format of a path by its extension, if it is a paper format.
    #[must_use]
    pub fn of(path: &Path) -> Option<PaperFormat> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(PaperFormat::Text),
            "md" | "markdown" => Some(PaperFormat::Markdown),
            "html" | "htm" | "xhtml" => Some(PaperFormat::Html),
            "pdf" => Some(PaperFormat::Pdf),
            _ => None,
        }
    }
}

/// A paper as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paper {
    /// The file.
    pub path: PathBuf,
    /// What it was read as.
    pub format: PaperFormat,
    /// The prose: lines separated by `\n`.
    pub text: String,
    /// Byte offsets in `text` where each page starts (one entry, 0, for non-PDF input).
    pub page_starts: Vec<usize>,
    /// A note on the reading (a Latin-1 fallback), empty when none.
    pub note: String,
}

impl Paper {
    /// The 1-based page holding byte `offset` (1 for a non-PDF paper).
    #[must_use]
    pub fn page_of(&self, offset: usize) -> usize {
        self.page_starts.partition_point(|&s| s <= offset).max(1)
    }
}

/// The paper files of `path`: the file itself, or the paper files of a directory and its
/// subdirectories, sorted by path (so output order never depends on the file system).
///
/// # Errors
/// `Read` for an unreadable directory, `EmptyDir` when it holds no paper.
pub fn list_papers(path: &Path) -> Result<Vec<PathBuf>, PaperError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| PaperError::Read {
            path: dir.clone(),
            source,
        })?;
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else if PaperFormat::of(&p).is_some() {
                out.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(PaperError::EmptyDir {
            path: path.to_path_buf(),
        });
    }
    out.sort();
    Ok(out)
}

/// Reads one paper.
///
/// # Errors
/// `Format` for an extension that is not a paper's, `Read` for IO, `NotText` for binary or
/// oversized input, `Pdf` for a PDF that cannot be read.
pub fn load(path: &Path) -> Result<Paper, PaperError> {
    let format = PaperFormat::of(path).ok_or_else(|| PaperError::Format {
        path: path.to_path_buf(),
        ext: path.extension().map_or_else(
            || "no extension".to_string(),
            |e| format!(".{}", e.to_string_lossy()),
        ),
    })?;
    let read_err = |source| PaperError::Read {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size > MAX_PAPER_BYTES {
        return Err(PaperError::NotText {
            path: path.to_path_buf(),
            reason: format!(
                "the file is {size} bytes, more than the {MAX_PAPER_BYTES} bytes a paper can have; give the paper itself"
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    from_bytes(path, format, &bytes)
}

/// Reads a paper already in memory (`path` names it in messages).
///
/// # Errors
/// As [`load`].
pub fn from_bytes(path: &Path, format: PaperFormat, bytes: &[u8]) -> Result<Paper, PaperError> {
    let (text, page_starts, note) = match format {
        PaperFormat::Pdf => {
            let (text, starts) = pdf_text(path, bytes)?;
            (text, starts, String::new())
        }
        _ => {
            let (text, note) = decode_text(path, bytes)?;
            let text = if format == PaperFormat::Html {
                strip_html(&text)
            } else {
                text
            };
            (text, vec![0], note)
        }
    };
    Ok(Paper {
        path: path.to_path_buf(),
        format,
        text,
        page_starts,
        note,
    })
}

/// UTF-8 text (BOM dropped, CR LF and CR made `\n`), or Latin-1 when it is not UTF-8.
/// Binary data (NUL bytes, or mostly control characters) is an error.
fn decode_text(path: &Path, bytes: &[u8]) -> Result<(String, String), PaperError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(i) = memchr::memchr(0, bytes) {
        return Err(PaperError::NotText {
            path: path.to_path_buf(),
            reason: format!(
                "the file is binary, not text (a NUL byte at offset {i}); give the paper as text, HTML or PDF with the matching extension"
            ),
        });
    }
    let (text, note) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), String::new()),
        Err(e) => (
            bytes.iter().map(|&b| char::from(b)).collect::<String>(),
            format!(
                "not UTF-8 (first invalid byte at offset {}); read as Latin-1",
                e.valid_up_to()
            ),
        ),
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    Ok((text, note))
}

/// Tags whose end starts a new line of prose.
const BLOCK_TAGS: [&str; 20] = [
    "p",
    "br",
    "div",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "hr",
];

/// The text of an HTML document: tags dropped (block tags become line breaks), `script`,
/// `style` and comments dropped with their content, entities decoded. One pass, no recursion.
#[must_use]
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find(['<', '&']) else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with('&') {
            let (decoded, used) = entity(rest);
            out.push_str(&decoded);
            rest = &rest[used..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        let (tag, end) = match rest.find('>') {
            Some(i) => (&rest[1..i], i + 1),
            None => (&rest[1..], rest.len()),
        };
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &rest[end..];
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let lower_pos = find_ascii_ci(rest, &close);
            rest = match lower_pos {
                Some(i) => rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => "",
            };
            continue;
        }
        if BLOCK_TAGS.contains(&name.as_str()) {
            out.push('\n');
        }
    }
    out
}

/// The first position of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    hay.as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Decodes the entity at the start of `s` (which starts with `&`): the text and the bytes used.
/// An unknown or unterminated entity is kept as written.
fn entity(s: &str) -> (String, usize) {
    let end = s.as_bytes().iter().take(12).position(|&b| b == b';');
    let Some(end) = end else {
        return ("&".into(), 1);
    };
    let name = &s[1..end];
    let named = match name {
        "lt" | "LT" => Some('<'),
        "gt" | "GT" => Some('>'),
        "amp" | "AMP" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "equals" => Some('='),
        "nbsp" | "thinsp" | "ensp" | "emsp" | "hairsp" => Some(' '),
        "minus" => Some('\u{2212}'),
        "ndash" => Some('\u{2013}'),
        "mdash" => Some('\u{2014}'),
        "le" => Some('≤'),
        "ge" => Some('≥'),
        "chi" => Some('χ'),
        "Chi" => Some('Χ'),
        "sup2" => Some('²'),
        "plusmn" | "pm" => Some('±'),
        "eta" => Some('η'),
        "alpha" => Some('α'),
        "beta" => Some('β'),
        "Delta" => Some('Δ'),
        _ => None,
    };
    if let Some(c) = named {
        return (c.to_string(), end + 1);
    }
    let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        name.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
    };
    match code.and_then(char::from_u32) {
        Some(c) if c != '\0' => (c.to_string(), end + 1),
        _ => ("&".into(), 1),
    }
}

/// The text of a PDF, page by page, and the byte offset where each page starts.
fn pdf_text(path: &Path, bytes: &[u8]) -> Result<(String, Vec<usize>), PaperError> {
    let pdf_err = |reason: String| PaperError::Pdf {
        path: path.to_path_buf(),
        reason,
    };
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(pdf_err(
            "the file does not start with a PDF header (%PDF-); it is not a PDF. Give the paper as .pdf, .html or .txt".into(),
        ));
    }
    let result = quietly(|| -> Result<(String, Vec<usize>), String> {
        let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
        // lopdf decrypts with the empty password where that opens the file and then drops the
        // trailer's /Encrypt; one still there is a password the user must supply.
        if doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
            return Err(
                "the PDF is encrypted and no empty password opens it; save an unencrypted copy or the text".into(),
            );
        }
        let mut text = String::new();
        let mut starts = Vec::new();
        for (number, _) in doc.get_pages() {
            starts.push(text.len());
            // A page whose text cannot be decoded (an unknown font encoding) is left empty
            // rather than failing the paper: the other pages still count.
            if let Ok(t) = doc.extract_text(&[number]) {
                text.push_str(&t);
            }
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
        if starts.is_empty() {
            return Err("the PDF has no pages".into());
        }
        Ok((text, starts))
    });
    match result {
        Some(Ok(r)) => Ok(r),
        Some(Err(reason)) => Err(pdf_err(format!(
            "{reason}; if the PDF opens in a viewer, save its text as .txt and check that"
        ))),
        None => Err(pdf_err(
            "the PDF is malformed (the PDF reader failed on it); save its text as .txt and check that".into(),
        )),
    }
}

thread_local! {
    /// Set while the PDF reader runs on this thread: its panics are caught and not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into `None` without printing it. The panic hook is wrapped once:
/// it stays silent only on a thread inside `quietly`, so other panics still print.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_tags_and_entities_are_stripped() {
        let html = "<html><head><style>p{x:1}</style><script>if (a<b) {}</script></head>\
                    <body><p>We found <i>t</i>(28) = 2.20, <i>p</i> &lt; .05 and &chi;<sup>2</sup>(1) &#61; 3.1&#x2C; n&amp;s</p><!-- t(1) = 9, p = .5 --></body></html>";
        let t = strip_html(html);
        assert!(
            t.contains("We found t(28) = 2.20, p < .05 and χ2(1) = 3.1, n&s"),
            "{t}"
        );
        assert!(!t.contains("x:1") && !t.contains("a<b") && !t.contains("p = .5"));
    }

    #[test]
    fn deep_html_does_not_recurse() {
        let depth = 200_000;
        let html = "<div>".repeat(depth) + "t(10) = 2.5, p = .03" + &"</div>".repeat(depth);
        assert!(strip_html(&html).contains("t(10) = 2.5, p = .03"));
    }

    #[test]
    fn unknown_and_broken_entities_are_kept() {
        assert_eq!(
            strip_html("a &bogus; b & c &#xZZ;"),
            "a &bogus; b & c &#xZZ;"
        );
        assert_eq!(strip_html("&#0;x"), "&#0;x");
    }

    #[test]
    fn binary_and_non_pdf_are_errors() {
        let p = Path::new("x.txt");
        assert!(matches!(
            from_bytes(p, PaperFormat::Text, b"abc\0def"),
            Err(PaperError::NotText { .. })
        ));
        let e = from_bytes(Path::new("x.pdf"), PaperFormat::Pdf, b"\x89PNG garbage").unwrap_err();
        assert!(e.to_string().contains("not a PDF"), "{e}");
        let e = from_bytes(Path::new("x.pdf"), PaperFormat::Pdf, b"%PDF-1.4\ngarbage").unwrap_err();
        assert!(matches!(e, PaperError::Pdf { .. }), "{e}");
    }

    #[test]
    fn latin1_and_crlf_are_read() {
        let p = from_bytes(Path::new("x.txt"), PaperFormat::Text, b"\xb1 1\r\nb\rc").unwrap();
        assert_eq!(p.text, "± 1\nb\nc");
        assert!(p.note.contains("Latin-1"));
        assert_eq!(p.page_of(3), 1);
    }
}
