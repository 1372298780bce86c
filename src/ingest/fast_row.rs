//! The row fast path of a plain long file (issue 24): one pass over a record's bytes that
//! finds its fields and interns its names together, for the usual record whose names are the
//! previous row's or one of a handful.
//!
//! The general path ([`Scanner::next_plain_record`] then [`Interner::get`]) looks at every byte
//! three times (delimiter, line end, visible) and then compares each name again. Here a name
//! cell is first tried against the names it most likely is, where it stands: `P000123,` is
//! recognised by one word compare and a delimiter test, without scanning it. A record is taken
//! only when it is a single line with exactly the header's field count; anything else (a blank
//! line, a ragged record, more columns than [`MAX_FIELDS`]) returns `None` and the caller reads
//! it through the general path, so messages, line numbers and names are the general path's.
//!
//! Exactness: a name is accepted from a candidate only when the cell's bytes equal the name, in
//! which case the general path (which trims the cell, then looks it up) gives the same index;
//! other cells are cut exactly where the general path cuts them (at each delimiter; the last
//! one at the line end, without the `\r` of a CRLF) and handed to the same interner and value
//! parser. Names are interned only after the record's shape is known to be right, so a ragged
//! record adds no name (as in the general path, which skips it).

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
        Some(Self { roles, delim })
    }
}

/// Where a field of the record lies, and the name index when a candidate matched.
#[derive(Debug, Clone, Copy, Default)]
struct Field {
    start: usize,
    end: usize,
    id: Option<u32>,
}

impl LongBuilder<'_> {
    /// Reads the record starting at byte `pos` of `text` if it has the usual shape, pushing its
    /// row (with `line`); returns the offset of the next record, or `None` (nothing pushed,
    /// nothing interned) when the general path must read it.
    pub(super) fn fast_row(
        &mut self,
        text: &str,
        pos: usize,
        line: u32,
        shape: &RowShape,
    ) -> Option<usize> {
        let b = text.as_bytes();
        let delim = shape.delim;
        let n = shape.roles.len();
        let mut fields = [Field::default(); MAX_FIELDS];
        let mut p = pos;
        for (c, (role, field)) in shape.roles.iter().zip(fields.iter_mut()).enumerate() {
            let last = c + 1 == n;
            field.start = p;
            field.end = match *role {
                Role::Name(k) => match self.candidate(k, b, p, delim, last) {
                    Some((id, len)) => {
                        field.id = Some(id);
                        p + len
                    }
                    None => field_end(b, p, delim),
                },
                _ => field_end(b, p, delim),
            };
            let end = field.end;
            match b.get(end) {
                Some(&d) if d == delim => {
                    if last {
                        return None; // more fields than the header
                    }
                    p = end + 1;
                }
                // A line end (or the end of the text) before the last field: too few fields,
                // or a blank line.
                _ if !last => return None,
                Some(b'\r') => {
                    // In a plain body a CR is always part of a CRLF.
                    p = end + 2;
                }
                Some(_) => p = end + 1,
                None => p = end,
            }
        }
        // The record is well formed: intern and push it.
        let mut ids = [EMPTY; 4];
        let mut value = RawValue::Missing;
        for (role, field) in shape.roles.iter().zip(fields.iter()) {
            match *role {
                Role::Name(k) => {
                    ids[k] = match field.id {
                        Some(id) => {
                            self.interners[k].last = Some(id);
                            id
                        }
                        None => {
                            let cell = &text[field.start..field.end];
                            self.interners[k].get(cell, &mut self.chunk.names[k])
                        }
                    };
                }
                Role::Value => value = self.value(&text[field.start..field.end]),
                Role::Skip => {}
            }
        }
        self.chunk.rows.push(RawRow {
            line,
            participant: ids[0],
            arm: ids[1],
            timepoint: ids[2],
            outcome: ids[3],
            value: value.into(),
        });
        Some(p)
    }

    /// The index and length of the name that stands at `p` followed by the field's end (the delimiter, or
    /// for the last field a line end or the end of the text): the previous row's name, then,
    /// for a short list, each name. `None` when no candidate matches (the cell may still be a
    /// known name with spaces around it, or a new one: the interner decides).
    #[inline]
    fn candidate(
        &self,
        k: usize,
        b: &[u8],
        p: usize,
        delim: u8,
        last: bool,
    ) -> Option<(u32, usize)> {
        let list = &self.chunk.names[k];
        let fits = |name: &String| {
            let n = name.len();
            b.get(p..p + n)
                .is_some_and(|cell| same_name(cell, name.as_bytes()))
                && match b.get(p + n) {
                    Some(&d) if d == delim => !last,
                    Some(b'\n' | b'\r') | None => last,
                    Some(_) => false,
                }
        };
        if let Some(i) = self.interners[k].last
            && let Some(name) = list.get(i as usize)
            && fits(name)
        {
            return Some((i, name.len()));
        }
        if list.len() <= 8 {
            return list
                .iter()
                .position(fits)
                .map(|i| (i as u32, list[i].len()));
        }
        None
    }
}

/// The end of the field starting at `p`: the next delimiter or line end (a CR only ever comes
/// before a LF in a plain body, and is left out of the cell as the general path does).
#[inline]
fn field_end(b: &[u8], p: usize, delim: u8) -> usize {
    let mut i = p;
    while let Some(&c) = b.get(i) {
        if c == delim || c == b'\n' || c == b'\r' {
            return i;
        }
        i += 1;
    }
    i
}
