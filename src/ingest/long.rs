//! The long layout's records: how a body is cut into records ([`RecordFormat`]), names interned
//! ([`Interner`]) and rows built ([`LongBuilder`]); and a file already in memory read in pieces
//! split on line ends, scanned and interned in parallel, merged in file order (`from_bytes`).

use hashbrown::HashTable;

use super::*;

/// Interns the names of one column: indices in order of first appearance. Consecutive rows of a
/// long file mostly repeat a name, so the last hit is tried before the hash table.
///
/// The table holds indices into the caller's name list (hashed by the name), not copies of the
/// names: a new name is stored once, and the interner borrows nothing from the text, so a file
/// can be read block by block ([`super::stream`]).
#[derive(Default)]
pub(super) struct Interner {
    table: NameIndex,
    pub(super) last: Option<u32>,
    /// For each name, the one that followed it last time it changed (`EMPTY` when none): a
    /// long file cycles through its outcomes (and timepoints) in a fixed order, so this
    /// predicts the next one (see [`LongBuilder::fast_rows`]).
    pub(super) follow: Vec<u32>,
}

impl Interner {
    /// The index of a cell's name. The common cases (the previous row's name again; one of a
    /// handful of arms, timepoints or outcomes) are answered here without hashing, comparing
    /// names with [`same_name`]; a new or rarely seen name goes to the table.
    #[inline]
    pub(super) fn get(&mut self, cell: &str, list: &mut Vec<String>) -> u32 {
        let s = trim(cell);
        if s.is_empty() {
            return EMPTY;
        }
        if let Some(i) = self.last
            && list
                .get(i as usize)
                .is_some_and(|n| same_name(n.as_bytes(), s.as_bytes()))
        {
            return i;
        }
        // Arms, timepoints and outcomes have a handful of names: a scan beats hashing.
        if list.len() <= 8
            && let Some(i) = list
                .iter()
                .position(|n| same_name(n.as_bytes(), s.as_bytes()))
        {
            self.note(i as u32);
            return i as u32;
        }
        self.hashed(s, list)
    }

    /// Makes `i` the last name seen, noting that it followed the one before.
    #[inline]
    pub(super) fn note(&mut self, i: u32) {
        if let Some(l) = self.last
            && l != i
            && let Some(f) = self.follow.get_mut(l as usize)
        {
            *f = i;
        }
        self.last = Some(i);
    }

    /// The table's answer, or a new index (kept out of line so that `get` stays small enough to
    /// inline into the row loop).
    #[inline(never)]
    fn hashed(&mut self, s: &str, list: &mut Vec<String>) -> u32 {
        let hash = hash_name(s);
        let i = match self.table.find(list, s, hash) {
            Some(i) => i,
            None => {
                list.push(s.to_string());
                self.follow.push(EMPTY);
                self.table.insert(list, (list.len() - 1) as u32, hash)
            }
        };
        self.note(i);
        i
    }
}

/// A hash table of indices into a list of names, hashed by the name: each name is stored once,
/// in the list (an [`Interner`]'s, or the file's in a [`Merger`]).
#[derive(Default)]
struct NameIndex(HashTable<u32>);

impl NameIndex {
    /// The index of the name `s` (whose [`hash_name`] is `hash`), if `list` holds it.
    fn find(&self, list: &[String], s: &str, hash: u64) -> Option<u32> {
        self.0
            .find(hash, |&i| {
                list.get(i as usize)
                    .is_some_and(|n| same_name(n.as_bytes(), s.as_bytes()))
            })
            .copied()
    }

    /// Adds name `i` of `list` (not in the table yet; its hash is `hash`); returns `i`.
    fn insert(&mut self, list: &[String], i: u32, hash: u64) -> u32 {
        self.0.insert_unique(hash, i, |&j| rehash(list, j));
        i
    }

    /// Makes room for `more` names.
    fn reserve(&mut self, list: &[String], more: usize) {
        self.0.reserve(more, |&j| rehash(list, j));
    }
}

/// The hash of name `j` of `list`, when the table grows.
fn rehash(list: &[String], j: u32) -> u64 {
    hash_name(list.get(j as usize).map_or("", String::as_str))
}

/// The hash of a name in an [`Interner`]'s table.
#[inline]
fn hash_name(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Byte equality of two names, inline: ids and labels are short, and for them two overlapping
/// word compares beat the call into `memcmp` that `==` makes (a fifth of the row loop's time).
#[inline]
pub(super) fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1 => a.first() == b.first(),
        2..=3 => {
            a.first_chunk::<2>() == b.first_chunk::<2>()
                && a.last_chunk::<2>() == b.last_chunk::<2>()
        }
        4..=7 => {
            a.first_chunk::<4>() == b.first_chunk::<4>()
                && a.last_chunk::<4>() == b.last_chunk::<4>()
        }
        8..=16 => {
            a.first_chunk::<8>() == b.first_chunk::<8>()
                && a.last_chunk::<8>() == b.last_chunk::<8>()
        }
        _ => a == b,
    }
}

/// As [`load`], from bytes already in memory (tests, fuzzing).
///
/// # Errors
/// As [`load`].
pub fn from_bytes(path: &Path, bytes: Vec<u8>, config: &Config) -> Result<RawData, IngestError> {
    from_bytes_with(path, bytes, config, FileDigest::Bytes)
}

/// As [`from_bytes`], with the file's digest on its way (see [`FileDigest`]).
pub(super) fn from_bytes_with(
    path: &Path,
    bytes: Vec<u8>,
    config: &Config,
    digest: FileDigest,
) -> Result<RawData, IngestError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    from_bytes_in_pieces(
        path,
        bytes,
        config,
        Pieces {
            min_bytes: 4 << 20,
            most: threads.min(8),
            fast_rows: true,
        },
        digest,
    )
}

/// How the body of a large plain CSV is cut for parallel reading.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pieces {
    /// Smallest piece worth a thread.
    pub(super) min_bytes: usize,
    /// Most pieces.
    pub(super) most: usize,
    /// Whether plain records may take the fast path ([`LongBuilder::fast_rows`]); off only in
    /// tests that compare it with the general path.
    pub(super) fast_rows: bool,
}

/// What the header record of a long file's text gives.
pub(super) enum LongHeader {
    /// No record at all.
    Empty,
    /// Missing or duplicate columns (the [`RawData`] says which): no row is read.
    Broken,
    /// The columns of participant, arm, timepoint, outcome and value, and where the body starts
    /// (a byte offset into the text, and its file line).
    Found {
        cols: [usize; 5],
        body: usize,
        body_line: u32,
    },
}

/// Reads the header record of `text` (split by `raw.delimiter`) into `raw`: what the whole-file
/// reader and the block reader ([`super::stream`]) both start with.
pub(super) fn long_header(
    raw: &mut RawData,
    cfg: &DataConfig,
    text: &str,
) -> Result<LongHeader, Unterminated> {
    let mut scanner = Scanner::new(text, raw.delimiter);
    let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(8);
    if scanner.next_record(&mut cells)?.is_none() {
        return Ok(LongHeader::Empty);
    }
    raw.header = cells.iter().map(|c| c.trim().to_string()).collect();
    let cols = locate(raw, cfg);
    if !raw.missing_columns.is_empty() || !raw.duplicate_columns.is_empty() {
        return Ok(LongHeader::Broken);
    }
    Ok(LongHeader::Found {
        cols,
        body: scanner.offset(),
        body_line: scanner.line(),
    })
}

pub(super) fn from_bytes_in_pieces(
    path: &Path,
    bytes: Vec<u8>,
    config: &Config,
    pieces: Pieces,
    digest: FileDigest,
) -> Result<RawData, IngestError> {
    let cfg = &config.data;
    let mut raw = RawData {
        path: path.to_path_buf(),
        delimiter: b',',
        ..RawData::default()
    };
    let text = text_of(path, &bytes)?;
    if text.trim().is_empty() {
        raw.empty = true;
        raw.sha256 = digest.finish(&bytes);
        return Ok(raw);
    }
    let (delim, detected) = delimiter_of(text, cfg.delimiter);
    raw.delimiter = delim;
    raw.delimiter_detected = detected;
    let decimal_comma = decimal_comma_of(cfg, delim);
    if cfg.layout != Layout::Long {
        // One row per participant: small enough to hold as text, then reshape.
        let mut table = scan_table(path, text, delim)?;
        let width = table.header.len();
        let (mut ragged, mut count) = (Vec::new(), 0);
        table.rows.retain(|(line, cells)| {
            let fits = cells.len() == width;
            if !fits {
                let row = RaggedRow {
                    line: *line,
                    fields: cells.len(),
                };
                note_ragged(&mut ragged, &mut count, row);
            }
            fits
        });
        let mut wide = from_table(&table, config, decimal_comma)?;
        wide.sha256 = digest.finish(&bytes);
        wide.delimiter = delim;
        wide.delimiter_detected = detected;
        (wide.ragged, wide.ragged_count) = (ragged, count);
        return Ok(wide);
    }
    let (cols, body, body_line) =
        match long_header(&mut raw, cfg, text).map_err(unterminated(path))? {
            LongHeader::Found {
                cols,
                body,
                body_line,
            } => (cols, &text[body..], body_line),
            header => {
                raw.empty = matches!(header, LongHeader::Empty);
                raw.sha256 = digest.finish(&bytes);
                return Ok(raw);
            }
        };
    let n_cols = raw.header.len();
    let (chunks, plain) = split_body(body, body_line, pieces);
    let mode = match (plain, pieces.fast_rows) {
        (false, _) => Body::Quoted,
        (true, false) => Body::Plain,
        (true, true) => Body::PlainFast,
    };
    let format = RecordFormat::new(delim, mode, cols, n_cols);
    let read = |&(piece, line): &(&str, u32)| read_chunk(piece, line, &format, cfg, decimal_comma);
    // The SHA-256 (about 40 ms per 45 MB, when not already streamed) and the chunks are computed
    // side by side.
    let (sha, results) = std::thread::scope(|s| {
        let sha = s.spawn(|| digest.finish(&bytes));
        let rest: Vec<_> = chunks[1..]
            .iter()
            .map(|c| s.spawn(move || read(c)))
            .collect();
        let mut results = vec![read(&chunks[0])];
        // A panic in a reader thread is a bug: let it surface as one.
        let join = std::panic::resume_unwind;
        results.extend(
            rest.into_iter()
                .map(|h| h.join().unwrap_or_else(|e| join(e))),
        );
        (sha.join().unwrap_or_else(|e| join(e)), results)
    });
    raw.sha256 = sha;
    let mut parts = Vec::with_capacity(results.len());
    for r in results {
        parts.push(r.map_err(unterminated(path))?);
    }
    // The pieces own their names: the file's bytes can go before the merge, which is the peak
    // (1 M participants: 465 MB of text, 274 MB of rows).
    drop(bytes);
    merge_chunks(&mut raw, parts);
    layout::apply_labels(&mut raw, &config.design);
    Ok(raw)
}

/// The body split into pieces read in parallel, each with the file line it starts on, and
/// whether the body is plain (no quote, no lone CR: every record is one line). Only a plain body
/// is split, so every piece boundary is a record boundary and line numbers are newline counts.
pub(super) fn split_body(body: &str, first_line: u32, pieces: Pieces) -> (Vec<(&str, u32)>, bool) {
    let b = body.as_bytes();
    let n = (b.len() / pieces.min_bytes.max(1)).clamp(1, pieces.most.max(1));
    let plain = plain(b);
    if n == 1 || !plain {
        return (vec![(body, first_line)], plain);
    }
    let mut pieces = Vec::with_capacity(n);
    let (mut start, mut line) = (0, first_line);
    for k in 1..=n {
        let end = if k == n {
            b.len()
        } else {
            let at = (k * b.len() / n).max(start);
            memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i + 1)
        };
        if end > start {
            pieces.push((&body[start..end], line));
            line += memchr::memchr_iter(b'\n', &b[start..end]).count() as u32;
        }
        start = end;
    }
    if pieces.is_empty() {
        pieces.push((body, first_line));
    }
    (pieces, plain)
}

/// How the records of a piece are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Body {
    /// Quotes or lone CRs: the general scanner.
    Quoted,
    /// One record per line: the quote-free scanner.
    Plain,
    /// One record per line, the usual records through [`LongBuilder::fast_rows`].
    PlainFast,
}

/// What one piece of the body holds, with names interned locally.
#[derive(Debug, Default)]
pub(super) struct Chunk {
    pub(super) rows: Vec<RawRow>,
    /// The rows' lines.
    pub(super) lines: RowLines,
    /// participants, arms, timepoints, outcomes
    pub(super) names: [Vec<String>; 4],
    pub(super) bad_values: Vec<String>,
    pub(super) ragged: Vec<RaggedRow>,
    pub(super) ragged_count: usize,
    pub(super) decimal_commas: usize,
}

/// How the records of a long file's body are cut and which of their cells are read.
#[derive(Debug, Clone)]
pub(super) struct RecordFormat {
    pub(super) delim: u8,
    pub(super) mode: Body,
    /// The header columns of participant, arm, timepoint, outcome and value.
    pub(super) cols: [usize; 5],
    /// The header's field count.
    pub(super) n_cols: usize,
    shape: Option<RowShape>,
}

impl RecordFormat {
    pub(super) fn new(delim: u8, mode: Body, cols: [usize; 5], n_cols: usize) -> Self {
        let shape = (mode == Body::PlainFast)
            .then(|| RowShape::new(&cols, n_cols, delim))
            .flatten();
        Self {
            delim,
            mode,
            cols,
            n_cols,
            shape,
        }
    }

    /// Reads every record of `piece`, whose first line is file line `first_line`, into `b`;
    /// returns the file line after the piece.
    ///
    /// The usual records of a plain body go through the fast path ([`LongBuilder::fast_rows`]);
    /// whatever it declines (blank lines, ragged records) is read here by the general path, from
    /// the same byte and line.
    pub(super) fn read_into(
        &self,
        b: &mut LongBuilder<'_>,
        piece: &str,
        first_line: u32,
    ) -> Result<u32, Unterminated> {
        let mut scanner = Scanner::starting_at(piece, self.delim, first_line);
        let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(self.n_cols);
        let plain = self.mode != Body::Quoted;
        let cols = &self.cols;
        let (mut pos, mut at_line) = (0, first_line);
        loop {
            if let Some(shape) = &self.shape {
                (pos, at_line) = b.fast_rows(piece, pos, at_line, shape);
                scanner.seek(pos, at_line);
            }
            let next = if plain {
                scanner.next_plain_record(&mut cells)
            } else {
                scanner.next_record(&mut cells)?
            };
            let Some(line) = next else { break };
            (pos, at_line) = (scanner.offset(), scanner.line());
            if cells.len() != self.n_cols {
                b.ragged(line, cells.len());
                continue;
            }
            b.push(
                line,
                [
                    &cells[cols[0]],
                    &cells[cols[1]],
                    &cells[cols[2]],
                    &cells[cols[3]],
                ],
                &cells[cols[4]],
            );
        }
        // The scanner is past any blank lines at the end; the fast path, past its last record.
        Ok(at_line.max(scanner.line()))
    }
}

/// One piece of the body read into its own [`Chunk`].
pub(super) fn read_chunk(
    piece: &str,
    first_line: u32,
    format: &RecordFormat,
    cfg: &DataConfig,
    decimal_comma: bool,
) -> Result<Chunk, Unterminated> {
    // A long file has about 40 bytes per row; reserving avoids regrowing a million-row Vec.
    let mut b = LongBuilder::new(cfg, decimal_comma, piece.len() / 36);
    format.read_into(&mut b, piece, first_line)?;
    Ok(b.finish())
}

/// Interns rows into a [`Chunk`].
pub(super) struct LongBuilder<'a> {
    pub(super) interners: [Interner; 4],
    pub(super) chunk: Chunk,
    pub(super) cfg: &'a DataConfig,
    pub(super) decimal_comma: bool,
    /// No declared missing-value code is a plain decimal (see [`LongBuilder::value`]).
    plain_numbers: bool,
}

impl<'a> LongBuilder<'a> {
    pub(super) fn new(cfg: &'a DataConfig, decimal_comma: bool, rows: usize) -> Self {
        Self::reusing(cfg, decimal_comma, rows, Vec::new())
    }

    /// As [`LongBuilder::new`], the rows written into `buffer` (emptied first): a block reader
    /// hands back the buffers of chunks already appended, whose pages are faulted in.
    pub(super) fn reusing(
        cfg: &'a DataConfig,
        decimal_comma: bool,
        rows: usize,
        mut buffer: Vec<RawRow>,
    ) -> Self {
        let mut chunk = Chunk::default();
        buffer.clear();
        chunk.rows = buffer;
        chunk.rows.reserve(rows);
        // A long file has about ten rows per participant: sizing the participant table for that
        // saves regrowing it (rehashing every id) a dozen times on a large file.
        let mut interners: [Interner; 4] = Default::default();
        interners[0].table.reserve(&[], rows / 10);
        let plain_numbers = cfg
            .missing_values
            .iter()
            .all(|m| simple_decimal(trim(m).as_bytes(), b'.').is_none());
        Self {
            plain_numbers,
            interners,
            chunk,
            cfg,
            decimal_comma,
        }
    }

    pub(super) fn ragged(&mut self, line: u32, fields: usize) {
        let c = &mut self.chunk;
        note_ragged(
            &mut c.ragged,
            &mut c.ragged_count,
            RaggedRow { line, fields },
        );
    }

    #[inline]
    pub(super) fn value(&mut self, cell: &str) -> RawValue {
        self.packed_value(cell).get()
    }

    /// [`LongBuilder::value`] packed: the row loops store it so, and a plain decimal (finite)
    /// then needs no test for NaN.
    #[inline]
    pub(super) fn packed_value(&mut self, cell: &str) -> PackedValue {
        // The usual cell, a plain decimal, read here without the missing-code checks when no
        // code could be one (the same double `parse_value` gives: its first step for such a
        // cell is this one).
        if self.plain_numbers
            && let Some(x) = simple_decimal(cell.as_bytes(), b'.')
        {
            return PackedValue::finite(x + 0.0);
        }
        self.other_value(cell).into()
    }

    /// Every other cell (kept out of line so that [`LongBuilder::value`] inlines into the row
    /// loops).
    #[inline(never)]
    fn other_value(&mut self, cell: &str) -> RawValue {
        let c = &mut self.chunk;
        match parse_value(cell, self.cfg, self.decimal_comma) {
            Parsed::Value(v) => v,
            Parsed::DecimalComma(v) => {
                c.decimal_commas += 1;
                v
            }
            Parsed::Bad(text) => {
                c.bad_values.push(text);
                RawValue::Invalid((c.bad_values.len() - 1) as u32)
            }
        }
    }

    /// One row: participant, arm, timepoint, outcome cells and the value cell.
    pub(super) fn push(&mut self, line: u32, ids: [&str; 4], value: &str) {
        let value = self.value(value);
        self.push_value(line, ids, value);
    }

    /// As [`LongBuilder::push`], but a missing value gives no row.
    pub(super) fn push_present(&mut self, line: u32, ids: [&str; 4], value: &str) {
        let declared = value == DECLARED_MISSING;
        let value = self.value(value);
        if value != RawValue::Missing || declared {
            self.push_value(line, ids, value);
        }
    }

    pub(super) fn push_value(&mut self, line: u32, ids: [&str; 4], value: RawValue) {
        let [ip, ia, it, io] = &mut self.interners;
        let [np, na, nt, no] = &mut self.chunk.names;
        self.chunk.lines.note(line);
        self.chunk.rows.push(RawRow {
            participant: ip.get(ids[0], np),
            arm: ia.get(ids[1], na),
            timepoint: it.get(ids[2], nt),
            outcome: io.get(ids[3], no),
            value: value.into(),
        });
    }

    pub(super) fn finish(self) -> Chunk {
        self.chunk
    }
}

/// Joins the pieces in file order: names keep their order of first appearance in the file, so
/// the result does not depend on how the body was split.
pub(super) fn merge_chunks(raw: &mut RawData, parts: Vec<Chunk>) {
    let total: usize = parts.iter().map(|p| p.rows.len()).sum();
    let mut merger = Merger::default();
    for (k, part) in parts.into_iter().enumerate() {
        let _ = merger.push(raw, part, 0);
        if k == 0 {
            // The first piece's rows became the file's: growing them in place (a large
            // allocation is remapped, not copied) saves copying a third of the rows.
            raw.rows.reserve_exact(total - raw.rows.len());
        }
    }
    raw.rows.shrink_to_fit();
}

/// Appends chunks, in file order, to a [`RawData`]: each chunk's names are looked up in (or
/// added to) the file's lists, its rows renumbered to them. A name is stored once (the tables
/// hold indices into the lists, hashed by the name), so merging costs a lookup per name of a
/// chunk and a pass over its rows.
#[derive(Default)]
pub(super) struct Merger {
    /// participants, arms, timepoints, outcomes
    names: [Names; 4],
}

/// The lookup of one of the file's name lists.
///
/// Participant ids usually come in sorted order (a long file is sorted by participant, and a
/// block holds about a thousand of them): while every new name is greater than the last one,
/// a name greater than the last is new and one equal to it is the last, which one comparison
/// with a string in cache tells, where the table would cost a cache miss per name. The names
/// are hashed into the table only when a name out of order first arrives.
#[derive(Default)]
struct Names {
    table: NameIndex,
    /// The first `hashed` names of the list are in the table.
    hashed: usize,
    /// A name out of order has arrived: every name is in the table.
    unsorted: bool,
    /// Room to make when the table is built.
    expect: usize,
}
impl Merger {
    /// Makes room for `more` participants: a large file read block by block learns its size
    /// late, and regrowing the table rehashes every id seen so far.
    pub(super) fn reserve_participants(&mut self, more: usize) {
        self.names[0].expect = more;
    }

    /// Appends `part`, whose rows (and ragged records) were numbered `line_offset` lines short
    /// of the file's lines. Returns the chunk's row buffer when the rows were copied out of it
    /// (empty, for reuse).
    pub(super) fn push(&mut self, raw: &mut RawData, part: Chunk, line_offset: u32) -> Vec<RawRow> {
        let Chunk {
            mut rows,
            lines,
            names,
            bad_values,
            ragged,
            ragged_count,
            decimal_commas,
        } = part;
        let lists = [
            &mut raw.participants,
            &mut raw.arms,
            &mut raw.timepoints,
            &mut raw.outcomes,
        ];
        let mut remap: [Vec<u32>; 4] = Default::default();
        let mut same = true;
        for ((list, known), (local, re)) in lists
            .into_iter()
            .zip(&mut self.names)
            .zip(names.into_iter().zip(&mut remap))
        {
            *re = local.into_iter().map(|n| known.intern(list, n)).collect();
            same &= re.iter().zip(0u32..).all(|(&a, b)| a == b);
        }
        raw.lines.append(&lines, line_offset);
        let offset = raw.bad_values.len() as u32;
        let renumber = !same || (offset != 0 && !bad_values.is_empty());
        let spent = if raw.rows.capacity() == 0 && !renumber {
            // The first chunk of a file keeps its numbers and becomes the file's rows.
            raw.rows = rows;
            Vec::new()
        } else {
            if renumber {
                // Renumbered as they are copied: one pass over the rows.
                let re = |m: &[u32], i: u32| m.get(i as usize).copied().unwrap_or(EMPTY);
                raw.rows.extend(rows.iter().map(|r| RawRow {
                    participant: re(&remap[0], r.participant),
                    arm: re(&remap[1], r.arm),
                    timepoint: re(&remap[2], r.timepoint),
                    outcome: re(&remap[3], r.outcome),
                    value: match r.value.get() {
                        RawValue::Invalid(i) => RawValue::Invalid(i + offset).into(),
                        _ => r.value,
                    },
                }));
            } else {
                raw.rows.extend_from_slice(&rows);
            }
            rows.clear();
            rows
        };
        raw.bad_values.extend(bad_values);
        let room = MAX_RAGGED - raw.ragged.len();
        raw.ragged
            .extend(ragged.into_iter().take(room).map(|r| RaggedRow {
                line: r.line + line_offset,
                ..r
            }));
        raw.ragged_count += ragged_count;
        raw.decimal_commas += decimal_commas;
        spent
    }
}

impl Names {
    /// The index of `name` in `list`, added at the end when new.
    fn intern(&mut self, list: &mut Vec<String>, name: String) -> u32 {
        if !self.unsorted {
            match list.last().map(|last| name.as_str().cmp(last)) {
                None | Some(std::cmp::Ordering::Greater) => {
                    list.push(name);
                    return (list.len() - 1) as u32;
                }
                Some(std::cmp::Ordering::Equal) => return (list.len() - 1) as u32,
                Some(std::cmp::Ordering::Less) => {
                    self.unsorted = true;
                    let room = self.expect.max(list.len()) + 1;
                    self.table.reserve(list, room);
                }
            }
        }
        // The names not yet in the table (all distinct: they came in increasing order).
        while let Some(n) = list.get(self.hashed) {
            self.table.insert(list, self.hashed as u32, hash_name(n));
            self.hashed += 1;
        }
        let hash = hash_name(&name);
        if let Some(i) = self.table.find(list, &name, hash) {
            return i;
        }
        list.push(name);
        self.hashed += 1;
        self.table.insert(list, (list.len() - 1) as u32, hash)
    }
}
