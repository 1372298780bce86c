//! Stata data files, formats 117, 118 and 119 (Stata 13 and later; what `haven::write_dta`
//! writes), read from Stata's published description (`help dta`): the tagged header, the map
//! of section offsets, fixed-width rows and the value-label tables. Stata's missing values
//! (`.` and the extended `.a`-`.z`, for every numeric type) are missing; value labels and
//! variable labels go to [`ColumnMeta`]. Long strings (`strL`) are read from the `<strls>`
//! section. Formats before 117 are refused with what to do.

use std::collections::HashMap;

use super::{BinError, Bytes, ColumnMeta, Columns, bin_error, count, number, text};
use crate::ingest::DECLARED_MISSING;

/// Sizes that differ between the formats: (name width, format width, label-name width,
/// variable-label width).
fn widths(release: u32) -> (usize, usize, usize, usize) {
    if release == 117 {
        (33, 49, 33, 81)
    } else {
        (129, 57, 129, 321)
    }
}

fn expect(b: &mut Bytes<'_>, tag: &str) -> Result<(), BinError> {
    let at = b.pos;
    if b.take(tag.len())? != tag.as_bytes() {
        return Err(bin_error(
            at,
            format!("expected `{tag}`; the file is corrupt"),
        ));
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Type {
    Str(usize),
    StrL,
    Double,
    Float,
    Long,
    Int,
    Byte,
}

impl Type {
    fn of(code: u16) -> Option<Type> {
        Some(match code {
            1..=2045 => Type::Str(usize::from(code)),
            32768 => Type::StrL,
            65526 => Type::Double,
            65527 => Type::Float,
            65528 => Type::Long,
            65529 => Type::Int,
            65530 => Type::Byte,
            _ => return None,
        })
    }

    fn width(self) -> usize {
        match self {
            Type::Str(w) => w,
            Type::StrL | Type::Double => 8,
            Type::Float | Type::Long => 4,
            Type::Int => 2,
            Type::Byte => 1,
        }
    }
}

/// One numeric cell; `None` for Stata's missing values (the top of each type's range).
fn numeric(t: Type, c: &[u8], big: bool) -> Option<f64> {
    macro_rules! get {
        ($ty:ty, $n:expr) => {{
            let mut a = [0u8; $n];
            a.copy_from_slice(c);
            if big {
                <$ty>::from_be_bytes(a)
            } else {
                <$ty>::from_le_bytes(a)
            }
        }};
    }
    match t {
        Type::Byte => {
            let v = c[0] as i8;
            (v <= 100).then_some(f64::from(v))
        }
        Type::Int => {
            let v = get!(i16, 2);
            (v <= 32740).then_some(f64::from(v))
        }
        Type::Long => {
            let v = get!(i32, 4);
            (v <= 2_147_483_620).then_some(f64::from(v))
        }
        Type::Float => {
            let bits = get!(u32, 4);
            let v = f32::from_bits(bits);
            // Missing: 2^127 and above (`.` is 0x7f000000); the shortest decimal of the float is
            // what Stata shows and what the CSV export holds.
            (v.is_finite() && v < 1.701_411_8e38)
                .then(|| format!("{v}").parse().unwrap_or(f64::NAN))
        }
        Type::Double => {
            let v = f64::from_bits(get!(u64, 8));
            (v.is_finite() && v < 8.988_465_674_311_579e307).then_some(v)
        }
        Type::Str(_) | Type::StrL => None,
    }
}

/// True for Stata's extended missing values `.a`-`.z` (above `.`, the first missing code of
/// each type).
fn extended(t: Type, c: &[u8], big: bool) -> bool {
    let word = |n: usize| {
        c[..n].iter().enumerate().fold(0u64, |acc, (i, &x)| {
            let shift = if big { 8 * (n - 1 - i) } else { 8 * i };
            acc | (u64::from(x) << shift)
        })
    };
    match t {
        Type::Byte => (c[0] as i8) > 101,
        Type::Int => (word(2) as u16 as i16) > 32741,
        Type::Long => (word(4) as u32 as i32) > 2_147_483_621,
        Type::Float => word(4) > 0x7f00_0000,
        Type::Double => word(8) > 0x7fe0_0000_0000_0000,
        Type::Str(_) | Type::StrL => false,
    }
}

/// The value-label tables: label name → (value text → label).
fn value_labels(
    b: &mut Bytes<'_>,
    release: u32,
    end: usize,
) -> Result<HashMap<String, Vec<(String, String)>>, BinError> {
    let (_, _, lbl_w, _) = widths(release);
    let mut out = HashMap::new();
    expect(b, "<value_labels>")?;
    while b.pos < end && b.data[b.pos..].starts_with(b"<lbl>") {
        expect(b, "<lbl>")?;
        let _len = b.i32()?;
        let name = text(b.take(lbl_w)?);
        b.take(3)?;
        let at = b.pos;
        let n = b.i32()?;
        let txtlen = b.i32()?;
        let n = count(u64::try_from(n).unwrap_or(u64::MAX), 8, b, "value labels")?;
        let mut offs = Vec::with_capacity(n);
        for _ in 0..n {
            offs.push(b.u32()? as usize);
        }
        let mut vals = Vec::with_capacity(n);
        for _ in 0..n {
            vals.push(b.i32()?);
        }
        let txtlen = count(
            u64::try_from(txtlen).unwrap_or(u64::MAX),
            1,
            b,
            "label bytes",
        )?;
        let txt = b.take(txtlen)?;
        let mut table = Vec::with_capacity(n);
        for (o, v) in offs.iter().zip(&vals) {
            let label = txt
                .get(*o..)
                .map(text)
                .ok_or_else(|| bin_error(at, format!("value label table `{name}` is corrupt")))?;
            table.push((number(f64::from(*v)), label));
        }
        expect(b, "</lbl>")?;
        out.insert(name, table);
    }
    Ok(out)
}

/// The `<strls>` section: (v, o) → text.
fn strls(
    b: &mut Bytes<'_>,
    release: u32,
    end: usize,
) -> Result<HashMap<(u64, u64), String>, BinError> {
    let mut out = HashMap::new();
    expect(b, "<strls>")?;
    while b.pos < end && b.data[b.pos..].starts_with(b"GSO") {
        b.take(3)?;
        let v = u64::from(b.u32()?);
        let o = if release == 117 {
            u64::from(b.u32()?)
        } else {
            b.u64()?
        };
        let _t = b.take(1)?;
        let len = b.u32()? as usize;
        let s = text(b.take(len)?);
        out.insert((v, o), s);
    }
    Ok(out)
}

/// Reads a format 117-119 file.
pub(super) fn read(data: &[u8]) -> Result<Columns, BinError> {
    let mut b = Bytes::new(data);
    if !data.starts_with(b"<stata_dta>") {
        return Err(bin_error(
            0,
            "not a Stata 13+ file (format 117-119); resave it in Stata 13 or later, or with haven::write_dta",
        ));
    }
    expect(&mut b, "<stata_dta><header><release>")?;
    let at = b.pos;
    let release: u32 = std::str::from_utf8(b.take(3)?)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|r| (117..=119).contains(r))
        .ok_or_else(|| {
            bin_error(
                at,
                "unknown Stata format release (117, 118 or 119 are read)",
            )
        })?;
    expect(&mut b, "</release><byteorder>")?;
    b.big_endian = b.take(3)? == b"MSF";
    expect(&mut b, "</byteorder><K>")?;
    let k = if release == 119 {
        b.u32()? as usize
    } else {
        usize::from(b.u16()?)
    };
    expect(&mut b, "</K><N>")?;
    let n = if release == 117 {
        u64::from(b.u32()?)
    } else {
        b.u64()?
    };
    expect(&mut b, "</N><label>")?;
    let label_len = if release == 117 {
        usize::from(b.take(1)?[0])
    } else {
        usize::from(b.u16()?)
    };
    b.take(label_len)?;
    expect(&mut b, "</label><timestamp>")?;
    let ts = usize::from(b.take(1)?[0]);
    b.take(ts)?;
    expect(&mut b, "</timestamp></header><map>")?;
    let mut map = [0usize; 14];
    for m in &mut map {
        *m = usize::try_from(b.u64()?).unwrap_or(usize::MAX);
    }
    let (name_w, fmt_w, lbl_w, var_w) = widths(release);
    let k = count(k as u64, 2, &b, "variables")?;
    b.seek(map[2])?;
    expect(&mut b, "<variable_types>")?;
    let mut types = Vec::with_capacity(k);
    for _ in 0..k {
        let at = b.pos;
        let code = b.u16()?;
        types.push(
            Type::of(code).ok_or_else(|| bin_error(at, format!("unknown variable type {code}")))?,
        );
    }
    b.seek(map[3])?;
    expect(&mut b, "<varnames>")?;
    let names: Vec<String> = (0..k)
        .map(|_| b.take(name_w).map(text))
        .collect::<Result<_, _>>()?;
    let _ = fmt_w;
    b.seek(map[6])?;
    expect(&mut b, "<value_label_names>")?;
    let lbl_names: Vec<String> = (0..k)
        .map(|_| b.take(lbl_w).map(text))
        .collect::<Result<_, _>>()?;
    b.seek(map[7])?;
    expect(&mut b, "<variable_labels>")?;
    let var_labels: Vec<String> = (0..k)
        .map(|_| b.take(var_w).map(text))
        .collect::<Result<_, _>>()?;
    b.seek(map[10])?;
    let strl = strls(&mut b, release, map[11])?;
    b.seek(map[11])?;
    let tables = value_labels(&mut b, release, map[12])?;
    b.seek(map[9])?;
    expect(&mut b, "<data>")?;
    let row_len: usize = types.iter().map(|t| t.width()).sum();
    let n = count(n, row_len, &b, "observations")?;
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let row = b.take(row_len)?;
        let mut off = 0;
        let mut cells = Vec::with_capacity(k);
        for t in &types {
            let w = t.width();
            let c = &row[off..off + w];
            off += w;
            cells.push(match t {
                Type::Str(_) => text(c).trim().to_string(),
                Type::StrL => {
                    let mut r = Bytes::new(c);
                    r.big_endian = b.big_endian;
                    let (v, o) = if release == 117 {
                        (u64::from(r.u32()?), u64::from(r.u32()?))
                    } else {
                        // v: 2 bytes, o: 6 bytes, in the file's byte order.
                        let v = u64::from(r.u16()?);
                        let six = r.take(6)?;
                        let mut o8 = [0u8; 8];
                        if b.big_endian {
                            o8[2..].copy_from_slice(six);
                            (v, u64::from_be_bytes(o8))
                        } else {
                            o8[..6].copy_from_slice(six);
                            (v, u64::from_le_bytes(o8))
                        }
                    };
                    strl.get(&(v, o)).cloned().unwrap_or_default()
                }
                _ => match numeric(*t, c, b.big_endian) {
                    Some(x) => number(x),
                    None if extended(*t, c, b.big_endian) => DECLARED_MISSING.to_string(),
                    None => String::new(),
                },
            });
        }
        rows.push(cells);
    }
    let meta = lbl_names
        .iter()
        .zip(&var_labels)
        .map(|(l, v)| ColumnMeta {
            label: v.clone(),
            value_labels: if l.is_empty() {
                Vec::new()
            } else {
                tables.get(l).cloned().unwrap_or_default()
            },
        })
        .collect();
    Ok(Columns { names, meta, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stata_missing_values_are_missing() {
        assert_eq!(numeric(Type::Byte, &[100], false), Some(100.0));
        assert_eq!(numeric(Type::Byte, &[101], false), None); // .
        assert_eq!(numeric(Type::Byte, &[102], false), None); // .a
        assert_eq!(numeric(Type::Int, &32741i16.to_le_bytes(), false), None);
        assert_eq!(
            numeric(Type::Long, &(-5i32).to_be_bytes(), true),
            Some(-5.0)
        );
        assert_eq!(
            numeric(Type::Double, &0x7fe0_0000_0000_0000u64.to_le_bytes(), false),
            None
        );
        assert_eq!(
            numeric(Type::Double, &0.1f64.to_le_bytes(), false),
            Some(0.1)
        );
        assert_eq!(
            numeric(Type::Float, &0x7f00_0000u32.to_le_bytes(), false),
            None
        );
        assert_eq!(
            numeric(Type::Float, &4.5f32.to_le_bytes(), false),
            Some(4.5)
        );
    }

    #[test]
    fn old_formats_and_truncation_are_errors() {
        assert!(
            read(&[114, 2, 1, 0])
                .unwrap_err()
                .message
                .contains("Stata 13")
        );
        let e = read(b"<stata_dta><header><release>118</release><byteorder>LSF").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
    }
}
