//! Reading a large long-layout CSV file block by block (issue 24): one thread reads the file in
//! blocks of whole lines, hashes them and checks them (UTF-8, no quotes, no lone CR), while the
//! calling thread interns the rows of the block before; the blocks' buffers are reused.
//!
//! Why: reading a 45 MB file into one new buffer cost about as much as parsing it, almost all
//! of it the kernel's page faults on fresh memory (about 11,000 of them on this machine's VMs),
//! and the SHA-256 needed a second pass over the same memory. A few buffers of [`BLOCK`] bytes,
//! reused, are faulted in once; the hash is computed on each block as it arrives, on the reader
//! thread, so it overlaps the parsing. The whole file is never in memory at once, which also
//! keeps a 1,000,000-participant file (465 MB) well under 1 GiB.
//!
//! The result is exactly what [`from_bytes`] gives for the same bytes: records are cut and read
//! by the same code ([`RecordFormat::read_into`]) with the line numbers carried across blocks,
//! names are interned in file order by one builder, and the digest is of the bytes read. A file
//! this path does not handle (a quote or a lone CR anywhere, invalid UTF-8, a blank or broken
//! header, no data) is declined (`Ok(None)`) as soon as that is seen, and the caller reads it
//! whole, which gives the general path's results and messages.

use std::io::Read;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use super::long::{Body, LongBuilder, RecordFormat};
use super::*;

/// Files at least this large are streamed; smaller ones are read whole.
pub(super) const STREAM_FROM: u64 = 4 << 20;

/// Bytes read per block: small enough to stay in the cache between the reader and the parser.
pub(super) const BLOCK: usize = 512 << 10;

/// Blocks read ahead of the parser at most.
const AHEAD: usize = 4;

/// What a row vector is filled with while it is faulted in.
const PLACEHOLDER: RawRow = RawRow {
    line: 0,
    participant: EMPTY,
    arm: EMPTY,
    timepoint: EMPTY,
    outcome: EMPTY,
    value: PackedValue(PackedValue::MISSING),
};

/// What the reader thread sends.
enum Msg {
    /// Whole lines (the last block may end without a line end), UTF-8 and plain.
    Block(String),
    /// The file has something the general path must read: a quote, a lone CR, invalid UTF-8.
    Decline,
    /// The end of the file: the hex SHA-256 of every byte read.
    Done(String),
    /// Reading failed.
    Failed(std::io::Error),
}

/// Whether `load` streams this file: a CSV (not a table format) of the long layout, large.
pub(super) fn applies(path: &Path, cfg: &Config) -> bool {
    cfg.data.layout == Layout::Long
        && table_format(path).is_none()
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() >= STREAM_FROM)
}

/// Reads `path` block by block (`block` bytes per read); `Ok(None)` when the file must be read
/// whole instead (see the module header).
///
/// # Errors
/// `Read` when the file cannot be opened or read.
pub(super) fn load(
    path: &Path,
    config: &Config,
    block: usize,
    fast_rows: bool,
) -> Result<Option<RawData>, IngestError> {
    let fail = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    let (tx, rx) = sync_channel(AHEAD);
    let (pool_tx, pool_rx) = channel();
    std::thread::scope(|s| {
        s.spawn(move || read_blocks(file, block.max(1), &tx, &pool_rx));
        let parsed = parse_blocks(path, config, &rx, &pool_tx, size, fast_rows);
        // Dropping the receiver stops the reader at its next block.
        drop(rx);
        parsed
    })
    .map_err(fail)
}

/// The reader thread: blocks of whole lines, each checked and hashed, until the end of the
/// file, a block the general path must read, an error, or the parser hanging up.
fn read_blocks(
    mut file: std::fs::File,
    block: usize,
    tx: &SyncSender<Msg>,
    pool: &Receiver<Vec<u8>>,
) {
    let mut hasher = Sha256::new();
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let mut buf = pool.try_recv().unwrap_or_default();
        buf.clear();
        buf.append(&mut tail);
        let start = buf.len();
        // `read_to_end` through `take` fills the spare capacity without zeroing it first.
        let got = match (&mut file).take(block as u64).read_to_end(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                let _ = tx.send(Msg::Failed(e));
                return;
            }
        };
        hasher.update(&buf[start..]);
        let end_of_file = got < block;
        if !end_of_file {
            // Cut after the last line end; the rest starts the next block. A line longer than
            // the block is carried whole until its end is read.
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => tail.extend_from_slice(&buf[i + 1..]),
                None => {
                    tail = buf;
                    continue;
                }
            }
            let keep = buf.len() - tail.len();
            buf.truncate(keep);
        }
        let msg = match String::from_utf8(buf) {
            Ok(text) if plain(text.as_bytes()) => Msg::Block(text),
            _ => Msg::Decline,
        };
        let declined = matches!(msg, Msg::Decline);
        if tx.send(msg).is_err() || declined {
            return;
        }
        if end_of_file {
            let _ = tx.send(Msg::Done(hex(&hasher.finalize())));
            return;
        }
    }
}

/// The parsing side: the header from the first block, then every block's records into one
/// builder, each buffer handed back for reuse.
fn parse_blocks(
    path: &Path,
    config: &Config,
    rx: &Receiver<Msg>,
    pool: &Sender<Vec<u8>>,
    size: usize,
    fast_rows: bool,
) -> Result<Option<RawData>, std::io::Error> {
    let cfg = &config.data;
    let first = match rx.recv() {
        Ok(Msg::Block(text)) => text,
        Ok(Msg::Failed(e)) => return Err(e),
        _ => return Ok(None),
    };
    let text = strip_bom(&first);
    if text.trim().is_empty() {
        return Ok(None);
    }
    let (delim, detected) = delimiter_of(text, cfg.delimiter);
    let decimal_comma = decimal_comma_of(cfg, delim);
    let mut raw = RawData {
        path: path.to_path_buf(),
        delimiter: delim,
        delimiter_detected: detected,
        ..RawData::default()
    };
    let mut scanner = Scanner::new(text, delim);
    let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(8);
    if !matches!(scanner.next_record(&mut cells), Ok(Some(_))) {
        return Ok(None);
    }
    raw.header = cells.iter().map(|c| c.trim().to_string()).collect();
    let cols = locate(&mut raw, cfg);
    if !raw.missing_columns.is_empty() || !raw.duplicate_columns.is_empty() {
        return Ok(None);
    }
    let mode = if fast_rows {
        Body::PlainFast
    } else {
        Body::Plain
    };
    let format = RecordFormat::new(delim, mode, cols, raw.header.len());
    let mut b = LongBuilder::new(cfg, decimal_comma, 0);
    let Ok(mut line) = format.read_into(&mut b, &text[scanner.offset()..], scanner.line()) else {
        return Ok(None);
    };
    // The rows the whole file will have, from the first block's density (5 % over).
    let expect = (size as f64 * b.chunk.rows.len() as f64 / first.len().max(1) as f64 * 1.05)
        .min(size as f64) as usize;
    b.reserve_participants(expect / 10);
    let _ = pool.send(first.into_bytes());
    let done = std::thread::scope(|s| {
        // The row vector is faulted in by another thread while this one parses: a million rows
        // are about 9,000 fresh pages, whose faults otherwise stall the parser (the reader
        // thread leaves the second core half idle).
        let mut prefault = Some(s.spawn(move || {
            let mut rows: Vec<RawRow> = Vec::with_capacity(expect);
            rows.resize(expect, PLACEHOLDER);
            rows.clear();
            rows
        }));
        loop {
            match rx.recv() {
                Ok(Msg::Block(text)) => {
                    let Ok(next) = format.read_into(&mut b, &text, line) else {
                        return Ok(None);
                    };
                    line = next;
                    let _ = pool.send(text.into_bytes());
                }
                Ok(Msg::Done(sha)) => return Ok(Some(sha)),
                Ok(Msg::Failed(e)) => return Err(e),
                Ok(Msg::Decline) | Err(_) => return Ok(None),
            }
            if prefault.as_ref().is_some_and(|h| h.is_finished())
                && let Some(Ok(mut rows)) = prefault.take().map(|h| h.join())
            {
                rows.extend_from_slice(&b.chunk.rows);
                b.chunk.rows = rows;
            }
        }
    })?;
    let Some(sha) = done else { return Ok(None) };
    raw.sha256 = sha;
    merge_chunks(&mut raw, vec![b.finish()]);
    layout::apply_labels(&mut raw, &config.design);
    Ok(Some(raw))
}
