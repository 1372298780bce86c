//! The file line of every row of a [`super::RawData`], kept as runs instead of a number per row
//! (issue 24).
//!
//! Why: a long file's rows stand on consecutive lines, so "row r is on line r + 2" describes a
//! million rows, with an exception at each blank line, ragged record or quoted line break; a
//! wide file's rows come a dozen to a line. Keeping the line in each row made a row 32 bytes
//! instead of 24, a quarter of the memory a large file's rows touch (and fault in) while
//! reading, and made the merge of a block read on another thread rewrite every row's line.
//! Lines are looked up only to report a problem, by binary search.
//!
//! The runs are canonical: the same lines give the same runs however they were added (row by
//! row, in runs, or by appending the runs of blocks read apart), so two readings of one file
//! compare equal.

/// Rows on lines `line, line + step, line + 2 * step, …` from row `row` to the next run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    row: u32,
    line: u32,
    /// 0 (the rows share a line: a wide record) or 1 (one row a line).
    step: u32,
}

/// The line of each row, as runs (see the module header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowLines {
    runs: Vec<Run>,
    /// Rows noted so far.
    rows: u32,
}

impl RowLines {
    /// The 1-based file line of row `row`; 0 for a row never noted.
    pub fn line(&self, row: usize) -> u32 {
        let Ok(row) = u32::try_from(row) else {
            return 0;
        };
        if row >= self.rows {
            return 0;
        }
        let k = self.runs.partition_point(|r| r.row <= row);
        self.runs.get(k.wrapping_sub(1)).map_or(0, |r| {
            r.line.saturating_add(r.step.saturating_mul(row - r.row))
        })
    }

    /// How many rows have a line.
    pub fn len(&self) -> usize {
        self.rows as usize
    }

    /// Whether no row has a line.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The next row is on `line`.
    #[inline]
    pub(crate) fn note(&mut self, line: u32) {
        let row = self.rows;
        self.rows = self.rows.saturating_add(1);
        if let Some(last) = self.runs.last_mut() {
            let k = row - last.row;
            // A run of one row takes the step its second row gives it.
            if k == 1 && (line == last.line || Some(line) == last.line.checked_add(1)) {
                last.step = line - last.line;
                return;
            }
            if k > 1
                && u64::from(last.line) + u64::from(last.step) * u64::from(k) == u64::from(line)
            {
                return;
            }
        }
        self.runs.push(Run { row, line, step: 1 });
    }

    /// The next `count` rows are on `line, line + step, …` (`step` 0 or 1): what noting them one
    /// by one gives.
    pub(crate) fn extend(&mut self, line: u32, step: u32, count: u32) {
        if count == 0 {
            return;
        }
        self.note(line);
        let rest = count - 1;
        if rest == 0 {
            return;
        }
        let row = self.rows - 1;
        if let Some(last) = self.runs.last_mut() {
            if last.row == row {
                last.step = step;
            } else if last.step != step {
                // A run of one row keeps the step `note` gives it.
                self.runs.push(Run {
                    row: row + 1,
                    line: line.saturating_add(step),
                    step: if rest == 1 { 1 } else { step },
                });
            }
        }
        self.rows = self.rows.saturating_add(rest);
    }

    /// Appends the lines of rows read apart, whose lines were counted `line_offset` short.
    pub(crate) fn append(&mut self, other: &RowLines, line_offset: u32) {
        for (k, run) in other.runs.iter().enumerate() {
            let end = other.runs.get(k + 1).map_or(other.rows, |r| r.row);
            self.extend(
                run.line.saturating_add(line_offset),
                run.step,
                end - run.row,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_by_one(lines: &[u32]) -> RowLines {
        let mut l = RowLines::default();
        for &x in lines {
            l.note(x);
        }
        l
    }

    #[test]
    fn lines_are_looked_up_as_noted() {
        let lines = [2, 3, 4, 6, 7, 7, 7, 8, 8, 10, 11, 11];
        let l = one_by_one(&lines);
        for (r, &x) in lines.iter().enumerate() {
            assert_eq!(l.line(r), x, "row {r}");
        }
        assert_eq!(l.line(lines.len()), 0);
        assert_eq!(l.len(), lines.len());
        // 2-4, 6-7, 7-7, 8-8, 10-11, 11
        assert_eq!(l.runs.len(), 6);
    }

    #[test]
    fn runs_are_canonical_however_added() {
        // Every split of a sequence into runs and appended parts gives the same value.
        let lines: Vec<u32> = vec![2, 3, 4, 5, 5, 5, 6, 8, 9, 9, 10, 11, 12, 12, 14];
        let whole = one_by_one(&lines);
        for cut in 0..=lines.len() {
            let mut a = one_by_one(&lines[..cut]);
            let b = one_by_one(&lines[cut..].iter().map(|x| x - 1).collect::<Vec<_>>());
            a.append(&b, 1);
            assert_eq!(a, whole, "cut at {cut}");
        }
        let mut runs = RowLines::default();
        runs.extend(2, 1, 4);
        runs.extend(5, 0, 2);
        runs.extend(6, 1, 1);
        runs.extend(8, 1, 2);
        runs.extend(9, 1, 4);
        runs.extend(12, 0, 1);
        runs.extend(14, 1, 1);
        assert_eq!(runs, whole);
    }
}
