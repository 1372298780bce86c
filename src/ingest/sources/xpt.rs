//! SAS transport files, version 5 (`.xpt`, the FDA's required exchange format), read from the
//! published layout (SAS technical support document TS-140, "The record layout of a data set in
//! SAS transport (XPORT) format"): 80-byte header records, one 140-byte NAMESTR per variable,
//! then fixed-width rows. Numbers are IBM System/370 hexadecimal floats, converted exactly (a
//! double written by SAS or haven has at most 53 significant bits, which the 56-bit IBM
//! fraction holds). SAS missing values (`.`, `._`, `.A`-`.Z`) are missing. Only the first
//! member of a library is read. Version 8 files (`LIBV8`) are refused with what to do.

use super::{BinError, Bytes, ColumnMeta, Columns, bin_error, count, number, text};
use crate::ingest::DECLARED_MISSING;

const LIBRARY: &[u8] = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!";
const LIBV8: &[u8] = b"HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!";
const MEMBER: &[u8] = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!";
const NAMESTR: &[u8] = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!";
const OBS: &[u8] = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!";

/// One variable's NAMESTR: what the reader needs of it.
struct Var {
    numeric: bool,
    length: usize,
    position: usize,
    name: String,
    label: String,
}

/// A numeric cell as text: the number, `""` for SAS's `.`, [`DECLARED_MISSING`] for the
/// special missing values `._` and `.A`-`.Z`.
fn cell_text(bytes: &[u8]) -> String {
    match ibm(bytes) {
        Some(x) => number(x),
        None if bytes[0] == b'.' => String::new(),
        None => DECLARED_MISSING.to_string(),
    }
}

/// An IBM hexadecimal double (big-endian, 2 to 8 bytes, zero-padded) as an f64; `None` for a
/// SAS missing value (first byte `.`, `_` or `A`-`Z`, the rest zero).
fn ibm(bytes: &[u8]) -> Option<f64> {
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    if b[1..].iter().all(|&x| x == 0) && matches!(b[0], b'.' | b'_' | b'A'..=b'Z') {
        return None;
    }
    let fraction = b[1..].iter().fold(0u64, |m, &x| (m << 8) | u64::from(x));
    if fraction == 0 {
        return Some(0.0);
    }
    // value = fraction / 2^56 * 16^(exponent - 64); the scale is a power of two built from
    // its bits, so the product is exact.
    let e2 = 4 * (i32::from(b[0] & 0x7f) - 64) - 56;
    let scale = f64::from_bits(((e2 + 1023) as u64) << 52);
    let v = fraction as f64 * scale;
    Some(if b[0] & 0x80 != 0 { -v } else { v })
}

fn header(b: &mut Bytes<'_>, expect: &[u8], what: &str) -> Result<[u8; 80], BinError> {
    let at = b.pos;
    let rec = b.array::<80>()?;
    if !rec.starts_with(expect) {
        return Err(bin_error(
            at,
            format!(
                "expected the {what} header record; this is not a SAS transport file or it is corrupt"
            ),
        ));
    }
    Ok(rec)
}

fn namestr(rec: &[u8], size: usize) -> Result<Var, String> {
    let be16 = |i: usize| usize::from(u16::from_be_bytes([rec[i], rec[i + 1]]));
    let ntype = be16(0);
    let length = be16(4);
    let position = u32::from_be_bytes([rec[84], rec[85], rec[86], rec[87]]) as usize;
    let name = text(&rec[8..16]);
    if ntype != 1 && ntype != 2 {
        return Err(format!(
            "variable `{name}` has type {ntype} (1 or 2 expected)"
        ));
    }
    if length == 0 || (ntype == 1 && !(2..=8).contains(&length)) {
        return Err(format!("variable `{name}` has length {length}"));
    }
    debug_assert!(size >= 88);
    Ok(Var {
        numeric: ntype == 1,
        length,
        position,
        name,
        label: text(&rec[16..56]),
    })
}

/// Reads the first member of a version 5 transport file.
pub(super) fn read(data: &[u8]) -> Result<Columns, BinError> {
    let mut b = Bytes::new(data);
    b.big_endian = true;
    if data.starts_with(LIBV8) {
        return Err(bin_error(
            0,
            "this is a SAS transport version 8 file; write version 5 (SAS: the XPORT engine; R: haven::write_xpt(version = 5))",
        ));
    }
    if !data.len().is_multiple_of(80) {
        return Err(bin_error(
            data.len(),
            "the file is not a whole number of 80-byte records; it is truncated",
        ));
    }
    header(&mut b, LIBRARY, "LIBRARY")?;
    b.take(160)?;
    let member = header(&mut b, MEMBER, "MEMBER")?;
    // The NAMESTR size is written at columns 75-77: 140, or 136 on VAX/VMS.
    let size: usize = std::str::from_utf8(&member[74..78])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&s| s == 140 || s == 136)
        .ok_or_else(|| {
            bin_error(
                b.pos - 80,
                "the MEMBER header gives no NAMESTR size of 140 or 136",
            )
        })?;
    b.take(80 * 3)?; // DSCRPTR header and the two member descriptor records
    let at = b.pos;
    let ns = header(&mut b, NAMESTR, "NAMESTR")?;
    let nvars: u64 = std::str::from_utf8(&ns[54..58])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| bin_error(at, "the NAMESTR header gives no variable count"))?;
    let nvars = count(nvars, size, &b, "variables")?;
    let mut vars = Vec::with_capacity(nvars);
    for _ in 0..nvars {
        let at = b.pos;
        let rec = b.take(size)?;
        vars.push(namestr(rec, size).map_err(|m| bin_error(at, m))?);
    }
    let pad = (80 - (nvars * size) % 80) % 80;
    b.take(pad)?;
    header(&mut b, OBS, "OBS")?;
    let row_len = vars
        .iter()
        .map(|v| v.position + v.length)
        .max()
        .unwrap_or(0);
    if let Some(v) = vars.iter().find(|v| v.position + v.length > row_len) {
        return Err(bin_error(
            at,
            format!("variable `{}` lies outside the row", v.name),
        ));
    }
    // The observations run to the end of the file or to the next member's header.
    let start = b.pos;
    let mut end = data.len();
    let mut off = start;
    while off + 80 <= data.len() {
        if data[off..].starts_with(MEMBER) {
            end = off;
            break;
        }
        off += 80;
    }
    let body = &data[start..end];
    let mut n = body.len().checked_div(row_len).unwrap_or(0);
    // The last record is padded with blanks to 80 bytes: blank rows that start inside that
    // padding are not observations.
    while n > 0 {
        let row = &body[(n - 1) * row_len..n * row_len];
        if (n - 1) * row_len + 80 > body.len() && row.iter().all(|&c| c == b' ') {
            n -= 1;
        } else {
            break;
        }
    }
    let rows = (0..n)
        .map(|i| {
            let row = &body[i * row_len..(i + 1) * row_len];
            vars.iter()
                .map(|v| {
                    let cell = &row[v.position..v.position + v.length];
                    if v.numeric {
                        cell_text(cell)
                    } else {
                        text(cell).trim().to_string()
                    }
                })
                .collect()
        })
        .collect();
    Ok(Columns {
        names: vars.iter().map(|v| v.name.clone()).collect(),
        meta: vars
            .iter()
            .map(|v| ColumnMeta {
                label: v.label.clone(),
                value_labels: Vec::new(),
            })
            .collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibm_doubles_convert_exactly() {
        // 1.0 = 0x41 10 00.. (1/16 * 16^1); -118.625 = 0xC2 76 A0 00.. (TS-140's example).
        assert_eq!(ibm(&[0x41, 0x10, 0, 0, 0, 0, 0, 0]), Some(1.0));
        assert_eq!(ibm(&[0xC2, 0x76, 0xA0, 0, 0, 0, 0, 0]), Some(-118.625));
        assert_eq!(ibm(&[0; 8]), Some(0.0));
        // 0.1 as IBM: 0x40 19 99 99 99 99 99 9A is the double nearest 0.1 (R: sprintf("%a", 0.1)).
        assert_eq!(
            ibm(&[0x40, 0x19, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A]),
            Some(0.1)
        );
        // Missing: `.`, `.A`, `._`; a shortened length is zero-padded.
        assert_eq!(ibm(&[b'.', 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(ibm(&[b'A', 0, 0]), None);
        assert_eq!(ibm(&[b'_', 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(ibm(&[0x41, 0x10, 0]), Some(1.0));
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        assert!(read(b"not a transport file").is_err());
        assert!(read(&[b' '; 400]).is_err());
        let mut lib = LIBRARY.to_vec();
        lib.resize(100, b'0');
        let e = read(&lib).unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
    }
}
