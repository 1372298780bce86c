//! The row fast path of a plain long file (issue 24): a run of one-line records read and
//! interned without the general scanner.
//!
//! The general path ([`Scanner::next_plain_record`]) looks at every byte three times (delimiter,
//! line end, visible) with a branch each, and keeps a `Cow` per cell. Here the leading fields a
//! record shares byte for byte with the record before keep its names unread (found by comparing
//! eight bytes at a time), a short name is recognised where it stands, and the other fields are
//! cut by one comparison per byte. In the spec's column order, a record that repeats the
//! participant, arm and timepoint of the one before (three in four of a long file) is read in
//! one step: those bytes, the predicted next outcome, the value. A record is taken only when it is a single line with exactly
//! the header's field count; anything else (a blank line, a ragged record, more columns than
//! [`MAX_FIELDS`]) stops the run and the caller reads that record through the general path, so
//! messages, line numbers and names are the general path's.
//!
//! Exactness: cells are cut exactly where the general path cuts them (at each delimiter; the
//! last one at the line end, without the `\r` of a CRLF) and handed to the same interner and
//! value parser; a name is taken from the record before or from a candidate only when the bytes
//! are equal, which is what the interner would answer. A record is interned only after its
//! shape is known to be right, so a ragged record adds no name (as in the general path, which
//! skips it). Tests compare both paths on fixed and random files. (One `memchr2` search per
//! block for the separators was measured and was no faster: six separators in 38 bytes make
//! each step restart a SIMD search.)

use super::long::{LongBuilder, same_name};
use super::*;

/// Records with more fields than this take the general path.
pub(super) const MAX_FIELDS: usize = 16;

/// What a column of a long file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The participant, arm, timepoint or outcome (index into the builder's name lists).
    Name(usize),
    /// The value.
    Value,
    /// A column retrotrial does not read.
    Skip,
}

/// The columns of the file by role, and its delimiter.
#[derive(Debug, Clone)]
pub(super) struct RowShape {
    roles: Vec<Role>,
    delim: u8,
    /// How many leading fields a record may share with the one before (those before the value
    /// column, and never the last field).
    shareable: usize,
    /// The spec's column order, `participant_id,arm,timepoint,outcome,value` and no other
    /// column: records that repeat the first three fields take [`LongBuilder::cycle_record`].
    spec_order: bool,
}

impl RowShape {
    /// The shape of a file whose header has `n_cols` columns, with the five spec columns at
    /// `cols` (participant, arm, timepoint, outcome, value). `None` when the fast path does not
    /// apply (too many columns).
    pub(super) fn new(cols: &[usize; 5], n_cols: usize, delim: u8) -> Option<Self> {
        if !(2..=MAX_FIELDS).contains(&n_cols) {
            return None;
        }
        let mut roles = vec![Role::Skip; n_cols];
        for (k, &c) in cols.iter().enumerate() {
            *roles.get_mut(c)? = if k == 4 { Role::Value } else { Role::Name(k) };
        }
        let shareable = cols[4].min(n_cols - 1);
        Some(Self {
            spec_order: *cols == [0, 1, 2, 3, 4] && n_cols == 5,
            roles,
            delim,
            shareable,
        })
    }
}

impl LongBuilder<'_> {
    /// Reads records from byte `pos` of `text` (file line `line`) for as long as they have the
    /// usual shape, pushing their rows; returns the offset and line of the first record it
    /// declines (nothing of it pushed or interned), or of the end of the text.
    ///
    /// Consecutive records of a long file mostly repeat their first fields (the participant,
    /// arm and timepoint of `P000123,backward,week6,pain_nrs,5`): the bytes a record shares with
    /// the one before are found by comparing eight bytes at a time, and every field that lies
    /// with its delimiter inside them has the previous record's name, unread. The other fields
    /// are cut by a byte loop (they are short) and interned.
    pub(super) fn fast_rows(
        &mut self,
        text: &str,
        pos: usize,
        line: u32,
        shape: &RowShape,
    ) -> (usize, u32) {
        let (to, end) = self.fast_run(text, pos, line, shape);
        // One row a line from `line` on: the lines of the whole run at once.
        self.chunk.lines.extend(line, 1, end - line);
        (to, end)
    }

    /// [`LongBuilder::fast_rows`] without the rows' lines.
    fn fast_run(
        &mut self,
        text: &str,
        mut pos: usize,
        mut line: u32,
        shape: &RowShape,
    ) -> (usize, u32) {
        let b = text.as_bytes();
        let n = shape.roles.len();
        let delim = shape.delim;
        // The previous record read here (its start), and where each of its fields ends
        // (offsets from its start). `ids` keeps its names.
        let mut prev: Option<usize> = None;
        let mut prev_ends = [0usize; MAX_FIELDS];
        let mut ends = [0usize; MAX_FIELDS];
        let mut ids = [EMPTY; 4];
        while pos < b.len() {
            if shape.spec_order
                && let Some(p0) = prev
                && let Some((outcome, value, end)) =
                    self.cycle_record(text, p0, pos, prev_ends[2] + 1, delim)
            {
                ids[3] = outcome;
                self.chunk.rows.push(RawRow {
                    participant: ids[0],
                    arm: ids[1],
                    timepoint: ids[2],
                    outcome,
                    value,
                });
                prev_ends[3] = end.0 - pos;
                prev_ends[4] = end.1 - pos;
                prev = Some(pos);
                pos = (end.1 + 1).min(b.len());
                line += 1;
                continue;
            }
            let mut shared = 0;
            if let Some(p0) = prev {
                let common = common_prefix(&b[p0..pos], b.get(pos..).unwrap_or_default());
                while shared < shape.shareable && prev_ends[shared] < common {
                    ends[shared] = prev_ends[shared];
                    shared += 1;
                }
            }
            // The other fields: a delimiter after each but the last, then a line end or the end
            // of the text. Anything else (a blank line, too few or too many fields) is the
            // general path's.
            // Where the first field not shared starts.
            let first = if shared == 0 {
                pos
            } else {
                pos + ends[shared - 1] + 1
            };
            let mut start = first;
            let mut known = [EMPTY; MAX_FIELDS];
            for (c, end) in ends.iter_mut().enumerate().take(n).skip(shared) {
                let last = c + 1 == n;
                let mut i = start;
                // A name that is one of a handful (an arm, timepoint, outcome) is recognised
                // where it stands, without scanning it: its bytes, then the delimiter.
                if let Some(Role::Name(k)) = shape.roles.get(c)
                    && !last
                    && let Some((id, len)) = self.candidate(*k, b, start, delim)
                {
                    known[c] = id;
                    i = start + len;
                }
                while let Some(&x) = b.get(i) {
                    if x == delim || x == b'\n' {
                        break;
                    }
                    i += 1;
                }
                match b.get(i) {
                    Some(&x) if x == delim && !last => {}
                    Some(b'\n') | None if last => {}
                    _ => return (pos, line),
                }
                *end = i - pos;
                start = i + 1;
            }
            let mut value = PackedValue::from(RawValue::Missing);
            let mut start = first;
            for (c, (role, &end)) in shape.roles.iter().zip(&ends).enumerate().skip(shared) {
                let end = pos + end;
                // The CR of a CRLF is not part of the last cell (a plain body has no other CR).
                let stop = if c + 1 == n && end > start && b.get(end - 1) == Some(&b'\r') {
                    end - 1
                } else {
                    end
                };
                let cell = text.get(start..stop).unwrap_or_default();
                match *role {
                    Role::Name(k) if known[c] != EMPTY => {
                        ids[k] = known[c];
                        if let Some(names) = self.interners.get_mut(k) {
                            names.note(known[c]);
                        }
                    }
                    Role::Name(k) => {
                        ids[k] = self.interners[k].get(cell, &mut self.chunk.names[k]);
                    }
                    Role::Value => value = self.packed_value(cell),
                    Role::Skip => {}
                }
                start = end + 1;
            }
            self.chunk.rows.push(RawRow {
                participant: ids[0],
                arm: ids[1],
                timepoint: ids[2],
                outcome: ids[3],
                value,
            });
            prev = Some(pos);
            prev_ends = ends;
            pos = start.min(b.len());
            line += 1;
        }
        (pos, line)
    }
}

impl LongBuilder<'_> {
    /// The usual record of a long file in the spec's column order: the participant, arm and
    /// timepoint of the record before (its first `key` bytes, delimiters included, again), the
    /// next outcome, a value, a line end. Returns the outcome's index, the value, and where the
    /// outcome and the value end; `None` (nothing read or noted) for any other record, which
    /// the general loop of [`LongBuilder::fast_rows`] then reads.
    ///
    /// Why: three records in four of such a file differ from the one before only in the
    /// outcome (the next in its cycle) and the value; this reads them with one compare of the
    /// repeated bytes and one of the predicted outcome, where the general loop goes field by
    /// field. The cells are those the general loop would cut (same bytes, same delimiters).
    #[inline]
    fn cycle_record(
        &mut self,
        text: &str,
        prev: usize,
        pos: usize,
        key: usize,
        delim: u8,
    ) -> Option<(u32, PackedValue, (usize, usize))> {
        let b = text.as_bytes();
        if !same_bytes(b, prev, pos, key) {
            return None;
        }
        let at = pos + key;
        let (outcome, len) = self
            .following(3, b, at, delim)
            .or_else(|| self.candidate(3, b, at, delim))?;
        let start = at + len + 1;
        let mut i = start;
        while let Some(&x) = b.get(i) {
            if x == delim || x == b'\n' {
                break;
            }
            i += 1;
        }
        if b.get(i) == Some(&delim) {
            return None; // a field too many: the general path's ragged record
        }
        // The CR of a CRLF is not part of the cell (a plain body has no other CR).
        let stop = if i > start && b.get(i - 1) == Some(&b'\r') {
            i - 1
        } else {
            i
        };
        let value = self.packed_value(text.get(start..stop).unwrap_or_default());
        if let Some(names) = self.interners.get_mut(3) {
            names.note(outcome);
        }
        Some((outcome, value, (at + len, i)))
    }

    /// The name of list `k` that followed the previous row's last time, when its bytes stand at
    /// `p` followed by the delimiter (see [`LongBuilder::candidate`]).
    #[inline]
    fn following(&self, k: usize, b: &[u8], p: usize, delim: u8) -> Option<(u32, usize)> {
        let names = self.interners.get(k)?;
        let f = *names.follow.get(names.last? as usize)?;
        let name = self.chunk.names.get(k)?.get(f as usize)?;
        stands_at(b, p, delim, name).then_some((f, name.len()))
    }

    /// The index and length of the name of list `k` whose bytes stand at `p`, followed by the
    /// delimiter: the previous row's name, the name that followed it last time, then, for a short
    /// list, each name. `None` when none
    /// does (the cell may still be a known name with spaces around it, or a new one: the
    /// interner decides). A name equal to the cell's bytes is what the interner would give.
    #[inline]
    fn candidate(&self, k: usize, b: &[u8], p: usize, delim: u8) -> Option<(u32, usize)> {
        let list = self.chunk.names.get(k)?;
        let fits = |name: &String| stands_at(b, p, delim, name);
        if let Some(i) = self.interners.get(k)?.last
            && let Some(name) = list.get(i as usize)
            && fits(name)
        {
            return Some((i, name.len()));
        }
        // The one that followed the last name last time (the next outcome of a cycle).
        if let Some(found) = self.following(k, b, p, delim) {
            return Some(found);
        }
        if list.len() <= 8 {
            let i = list.iter().position(fits)?;
            return Some((i as u32, list.get(i)?.len()));
        }
        None
    }
}

/// Whether `name`'s bytes stand at `p`, followed by the delimiter.
#[inline]
fn stands_at(b: &[u8], p: usize, delim: u8, name: &str) -> bool {
    let n = name.len();
    b.get(p + n) == Some(&delim)
        && b.get(p..p + n)
            .is_some_and(|cell| same_name(cell, name.as_bytes()))
}

/// Whether the `n` bytes at `p` and at `q` are equal, compared eight at a time.
#[inline]
fn same_bytes(b: &[u8], p: usize, q: usize, n: usize) -> bool {
    let (Some(x), Some(y)) = (b.get(p..p + n), b.get(q..q + n)) else {
        return false;
    };
    if n < 8 {
        return x == y;
    }
    let word = |s: &[u8], i: usize| s.get(i..).and_then(<[u8]>::first_chunk::<8>).copied();
    let mut i = 0;
    while i + 8 < n {
        if word(x, i) != word(y, i) {
            return false;
        }
        i += 8;
    }
    // The last eight bytes (overlapping the ones before when n is not a multiple of 8).
    word(x, n - 8) == word(y, n - 8)
}

/// The length of the common prefix of two byte strings, eight bytes at a time.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while let (Some(x), Some(y)) = (
        a.get(i..n).and_then(<[u8]>::first_chunk::<8>),
        b.get(i..n).and_then(<[u8]>::first_chunk::<8>),
    ) {
        let diff = u64::from_le_bytes(*x) ^ u64::from_le_bytes(*y);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a.get(i) == b.get(i) {
        i += 1;
    }
    i
}
