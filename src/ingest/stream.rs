//! Reading a large long-layout CSV file block by block (issue 24): one thread reads the file in
//! blocks of whole lines, hashes them and checks them (UTF-8, no quotes, no lone CR); the
//! calling thread and one worker parse the blocks, whichever is free taking the next, each
//! block into its own [`Chunk`] with names interned locally; the calling thread appends the
//! chunks in file order ([`Merger`]). The blocks' buffers are reused.
//!
//! Why: reading a 45 MB file into one new buffer cost about as much as parsing it, almost all
//! of it the kernel's page faults on fresh memory (about 11,000 of them on this machine's VMs),
//! and the SHA-256 needed a second pass over the same memory. A few buffers of [`BLOCK`] bytes,
//! reused, are faulted in once; the hash is computed on each block as it arrives, on the reader
//! thread. Parsing was then the longest of the three jobs on a 2-core machine (one thread
//! parsed while the reader's core sat half idle), so it is shared: three threads keep both
//! cores busy. The whole file is never in memory at once, which also keeps a
//! 1,000,000-participant file (465 MB) well under 1 GiB.
//!
//! The result is exactly what [`from_bytes`] gives for the same bytes: records are cut and read
//! by the same code ([`RecordFormat::read_into`]); a block's rows and ragged records are
//! numbered from 0 and moved to their file lines when appended (the lines before a block are
//! the sum of the earlier blocks' line counts); names get their file indices in order of first
//! appearance, because chunks are appended in file order; the digest is of the bytes read. A
//! file this path does not handle (a quote or a lone CR anywhere, invalid UTF-8, a blank or
//! broken header, no data) is declined (`Ok(None)`) as soon as that is seen, and the caller
//! reads it whole, which gives the general path's results and messages.

use std::collections::BTreeMap;
use std::io::Read;

use crossbeam_channel::{Receiver, Sender, bounded, never, select, unbounded};

use super::long::{Body, Chunk, LongBuilder, LongHeader, Merger, RecordFormat, long_header};
use super::*;

/// Files at least this large are streamed; smaller ones are read whole.
pub(super) const STREAM_FROM: u64 = 4 << 20;

/// Bytes read per block: small enough to stay in the cache between the reader and the parser.
pub(super) const BLOCK: usize = 512 << 10;

/// Blocks read ahead of the parsers at most.
const AHEAD: usize = 4;

/// What the merging (calling) thread hears, from the reader and from the worker.
enum Event {
    /// The first block (the header is in it): whole lines, UTF-8 and plain.
    First(String),
    /// Block `k` (from 1) as the worker read it: its rows, names interned locally, lines
    /// numbered from 0; and its line count.
    Parsed(usize, Chunk, u32),
    /// Every block was sent: how many (the first included), the bytes read, and (when the
    /// reader hashed them) the hex SHA-256 of every byte.
    Done(usize, u64, Option<String>),
    /// The file has something the general path must read: a quote, a lone CR, invalid UTF-8.
    Decline,
    /// Reading failed.
    Failed(std::io::Error),
}

/// Whether `load` streams this file: a CSV (not a table format) of the long layout, large.
pub(super) fn applies(path: &Path, cfg: &Config) -> bool {
    cfg.data.layout == Layout::Long
        && table_format(path).is_none()
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() >= STREAM_FROM)
}

/// How a streamed file's SHA-256 is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hashing {
    /// By the reader thread, block by block, as the file is read.
    WhileReading,
    /// Afterwards, by the caller (`ingest::load_deferred`): the reading then uses the two cores
    /// for parsing alone, and the hash is computed while the caller does other work.
    Later,
}

/// A file read block by block.
pub(super) struct Streamed {
    /// The file as read (its `sha256` empty when the hash was left for later).
    pub(super) raw: RawData,
    /// The file's length and modification time when it was opened, and the bytes read.
    pub(super) read: ((u64, std::time::SystemTime), u64),
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
    hashing: Hashing,
) -> Result<Option<Streamed>, IngestError> {
    let fail = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    let stamp = (meta.len(), meta.modified().map_err(fail)?);
    let size = meta.len() as usize;
    let (work_tx, work_rx) = bounded(AHEAD);
    let (events_tx, events_rx) = unbounded();
    let (pool_tx, pool_rx) = unbounded();
    let lanes = Lanes {
        work: work_rx,
        events: events_rx,
        events_tx: events_tx.clone(),
        pool: pool_tx,
    };
    let hash = hashing == Hashing::WhileReading;
    let parsed = std::thread::scope(|s| {
        s.spawn(move || read_blocks(file, block.max(1), hash, &work_tx, &events_tx, &pool_rx));
        // Returning drops the lanes: the reader and the worker stop at their next send.
        parse_blocks(s, path, config, lanes, size, fast_rows)
    })
    .map_err(fail)?;
    Ok(parsed.map(|(raw, bytes)| Streamed {
        raw,
        read: (stamp, bytes),
    }))
}

/// The merging thread's ends of the channels.
struct Lanes {
    /// Blocks to parse (shared with the worker).
    work: Receiver<(usize, String)>,
    /// What the reader and the worker report.
    events: Receiver<Event>,
    /// For the worker to report on.
    events_tx: Sender<Event>,
    /// Buffers back to the reader.
    pool: Sender<Vec<u8>>,
}

/// The reader thread: blocks of whole lines, each checked and hashed, until the end of the
/// file, a block the general path must read, an error, or the parsers hanging up. The first
/// block goes to the merging thread (it holds the header), the others to the parsers.
fn read_blocks(
    mut file: std::fs::File,
    block: usize,
    hash: bool,
    work: &Sender<(usize, String)>,
    events: &Sender<Event>,
    pool: &Receiver<Vec<u8>>,
) {
    let mut hasher = Sha256::new();
    let mut tail: Vec<u8> = Vec::new();
    let (mut k, mut bytes) = (0, 0u64);
    loop {
        let mut buf = pool.try_recv().unwrap_or_default();
        buf.clear();
        buf.append(&mut tail);
        let start = buf.len();
        // `read_to_end` through `take` fills the spare capacity without zeroing it first.
        let got = match (&mut file).take(block as u64).read_to_end(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                let _ = events.send(Event::Failed(e));
                return;
            }
        };
        if hash {
            hasher.update(&buf[start..]);
        }
        bytes += got as u64;
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
        let text = match String::from_utf8(buf) {
            Ok(text) if plain(text.as_bytes()) => text,
            _ => {
                let _ = events.send(Event::Decline);
                return;
            }
        };
        let sent = if k == 0 {
            events.send(Event::First(text)).is_ok()
        } else {
            work.send((k, text)).is_ok()
        };
        k += 1;
        if !sent {
            return;
        }
        if end_of_file {
            let sha = hash.then(|| hex(&hasher.finalize()));
            let _ = events.send(Event::Done(k, bytes, sha));
            return;
        }
    }
}

/// At most this many parsed blocks wait for an earlier one before the merging thread stops
/// taking blocks itself (the worker takes them in order, so the wait is short).
const WAITING: usize = 2 * AHEAD;

/// The merging (calling) side: the header and first block here; then the other blocks, parsed
/// by this thread and one worker (whichever is free), appended to the file in order.
fn parse_blocks<'scope>(
    s: &'scope std::thread::Scope<'scope, '_>,
    path: &Path,
    config: &'scope Config,
    lanes: Lanes,
    size: usize,
    fast_rows: bool,
) -> Result<Option<(RawData, u64)>, std::io::Error> {
    let cfg = &config.data;
    let Lanes {
        work,
        events,
        events_tx,
        pool,
    } = lanes;
    let first = match events.recv() {
        Ok(Event::First(text)) => text,
        Ok(Event::Failed(e)) => return Err(e),
        _ => return Ok(None),
    };
    let Some(mut head) = Head::read(path, cfg, &first, fast_rows) else {
        return Ok(None);
    };
    let mut b = LongBuilder::new(cfg, head.decimal_comma, 0);
    let Ok(mut line) = head
        .format
        .read_into(&mut b, &first[head.body..], head.body_line)
    else {
        return Ok(None);
    };
    let chunk = b.finish();
    // The rows the whole file will have, from the first block's density (5 % over).
    let expect = (size as f64 * chunk.rows.len() as f64 / first.len().max(1) as f64 * 1.05)
        .min(size as f64) as usize;
    let raw = &mut head.raw;
    raw.rows.reserve(expect.max(1));
    let mut merger = Merger::default();
    merger.reserve_participants(expect / 10);
    // Row buffers of appended chunks, back to the parsers.
    let (spent_tx, spent_rx) = unbounded::<Vec<RawRow>>();
    let _ = spent_tx.send(merger.push(raw, chunk, 0));
    let _ = pool.send(first.into_bytes());
    let parse = {
        let (format, decimal_comma) = (head.format.clone(), head.decimal_comma);
        move |text: &str| {
            let buffer = spent_rx.try_recv().unwrap_or_default();
            parse_block(&format, cfg, decimal_comma, text, buffer)
        }
    };
    {
        let (work, pool, parse) = (work.clone(), pool.clone(), parse.clone());
        s.spawn(move || {
            for (k, text) in work.iter() {
                let event = parse(&text).map_or(Event::Decline, |(c, n)| Event::Parsed(k, c, n));
                let _ = pool.send(text.into_bytes());
                if events_tx.send(event).is_err() {
                    return;
                }
            }
        });
    }
    let mut pending: BTreeMap<usize, (Chunk, u32)> = BTreeMap::new();
    let (mut next, mut total, mut sha, mut bytes) = (1, None, None, 0);
    let (mut open, closed) = (true, never());
    loop {
        while let Some((chunk, lines)) = pending.remove(&next) {
            let _ = spent_tx.send(merger.push(raw, chunk, line));
            line += lines;
            next += 1;
        }
        if total == Some(next) {
            break;
        }
        let take = if open && pending.len() < WAITING {
            &work
        } else {
            &closed
        };
        select! {
            recv(take) -> got => match got {
                Ok((k, text)) => {
                    let Some(parsed) = parse(&text) else { return Ok(None) };
                    pending.insert(k, parsed);
                    let _ = pool.send(text.into_bytes());
                }
                Err(_) => open = false,
            },
            recv(events) -> event => match event {
                Ok(Event::Parsed(k, chunk, lines)) => {
                    pending.insert(k, (chunk, lines));
                }
                Ok(Event::Done(n, read, digest)) => (total, bytes, sha) = (Some(n), read, digest),
                Ok(Event::Failed(e)) => return Err(e),
                Ok(Event::First(_) | Event::Decline) | Err(_) => return Ok(None),
            },
        }
    }
    let mut raw = head.raw;
    raw.sha256 = sha.unwrap_or_default();
    raw.rows.shrink_to_fit();
    layout::apply_labels(&mut raw, &config.design);
    Ok(Some((raw, bytes)))
}

/// One block's records, read with lines numbered from 0 into `buffer`; its line count. `None` when the
/// general path must read the file (a quoted record cannot occur in a plain block).
fn parse_block(
    format: &RecordFormat,
    cfg: &DataConfig,
    decimal_comma: bool,
    text: &str,
    buffer: Vec<RawRow>,
) -> Option<(Chunk, u32)> {
    // About 40 bytes per row.
    let mut b = LongBuilder::reusing(cfg, decimal_comma, text.len() / 36, buffer);
    let lines = format.read_into(&mut b, text, 0).ok()?;
    Some((b.finish(), lines))
}

/// What the first block's header gives.
struct Head {
    /// The file so far: header facts, no rows.
    raw: RawData,
    format: RecordFormat,
    decimal_comma: bool,
    /// Where the body starts in the first block, and its file line.
    body: usize,
    body_line: u32,
}

impl Head {
    /// The header of the first block; `None` when the general path must read the file (a
    /// blank or broken header, missing or duplicate columns: its messages).
    fn read(path: &Path, cfg: &DataConfig, first: &str, fast_rows: bool) -> Option<Self> {
        let text = strip_bom(first);
        if text.trim().is_empty() {
            return None;
        }
        let (delim, detected) = delimiter_of(text, cfg.delimiter);
        let mut raw = RawData {
            path: path.to_path_buf(),
            delimiter: delim,
            delimiter_detected: detected,
            ..RawData::default()
        };
        let Ok(LongHeader::Found {
            cols,
            body,
            body_line,
        }) = long_header(&mut raw, cfg, text)
        else {
            return None;
        };
        let mode = if fast_rows {
            Body::PlainFast
        } else {
            Body::Plain
        };
        let n_cols = raw.header.len();
        Some(Self {
            raw,
            format: RecordFormat::new(delim, mode, cols, n_cols),
            decimal_comma: decimal_comma_of(cfg, delim),
            body: first.len() - text.len() + body,
            body_line,
        })
    }
}
