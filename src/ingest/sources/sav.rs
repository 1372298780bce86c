//! SPSS system files (`.sav`), read from the published layout (GNU PSPP's "System File
//! Format" appendix): the file header, one variable record per 8-byte slot, value-label
//! records, the extension records that matter here (long variable names), then the cases,
//! uncompressed, bytecode-compressed, or in zlib blocks (`.zsav`, inflated by flate2, already in
//! the dependency tree through lopdf and png). The system-missing value is missing and each
//! variable's declared user-missing values (discrete values or a range) are recorded missing
//! values; value labels and variable labels go to [`ColumnMeta`]. String values longer than 255
//! bytes are refused with what to do.

use std::collections::HashMap;

use super::{BinError, Bytes, ColumnMeta, Columns, bin_error, count, number, text};
use crate::ingest::DECLARED_MISSING;

/// One variable (its first slot) as declared.
struct Var {
    /// 0 for numeric, else the string width in bytes.
    width: usize,
    /// Index of the first 8-byte slot in a case.
    slot: usize,
    name: String,
    label: String,
    missing: Missing,
}

/// Declared user-missing values.
#[derive(Default)]
enum Missing {
    #[default]
    None,
    Values(Vec<[u8; 8]>),
    Range {
        lo: f64,
        hi: f64,
        also: Option<f64>,
    },
}

impl Missing {
    fn numeric(&self, v: f64, big: bool) -> bool {
        let f = |b: &[u8; 8]| {
            f64::from_bits(if big {
                u64::from_be_bytes(*b)
            } else {
                u64::from_le_bytes(*b)
            })
        };
        match self {
            Missing::None => false,
            Missing::Values(vs) => vs.iter().any(|b| f(b) == v),
            Missing::Range { lo, hi, also } => (*lo <= v && v <= *hi) || *also == Some(v),
        }
    }

    fn text(&self, s: &str) -> bool {
        match self {
            Missing::Values(vs) => vs.iter().any(|b| text(b).trim() == s),
            _ => false,
        }
    }
}

/// The dictionary: variables, value labels by first slot, long names, the case layout.
struct Dict {
    vars: Vec<Var>,
    slots: usize,
    labels: HashMap<usize, Vec<(String, String)>>,
    long_names: HashMap<String, String>,
}

fn variable(b: &mut Bytes<'_>, slot: usize, vars: &mut Vec<Var>) -> Result<(), BinError> {
    let at = b.pos;
    let ty = b.i32()?;
    let has_label = b.i32()?;
    let n_missing = b.i32()?;
    b.take(8)?; // print and write formats
    let name = text(b.take(8)?);
    let label = if has_label == 1 {
        let len = count(
            u64::try_from(b.i32()?).unwrap_or(u64::MAX),
            1,
            b,
            "label bytes",
        )?;
        let s = text(b.take(len)?);
        b.take((4 - len % 4) % 4)?;
        s
    } else {
        String::new()
    };
    let mut raw = Vec::new();
    for _ in 0..n_missing.unsigned_abs() {
        raw.push(b.array::<8>()?);
    }
    if ty == -1 {
        return Ok(()); // the continuation slot of a long string
    }
    let width = usize::try_from(ty)
        .map_err(|_| bin_error(at, format!("variable `{name}` has type {ty}")))?;
    if width > 255 {
        return Err(bin_error(
            at,
            format!(
                "variable `{name}` is a string of {width} bytes; strings over 255 bytes are not read, shorten it"
            ),
        ));
    }
    let f = |x: &[u8; 8]| {
        f64::from_bits(if b.big_endian {
            u64::from_be_bytes(*x)
        } else {
            u64::from_le_bytes(*x)
        })
    };
    let missing = match n_missing {
        0 => Missing::None,
        1..=3 => Missing::Values(raw),
        -2 | -3 if width == 0 => Missing::Range {
            lo: f(&raw[0]),
            hi: f(&raw[1]),
            also: raw.get(2).map(f),
        },
        _ => {
            return Err(bin_error(
                at,
                format!("variable `{name}` declares {n_missing} missing values"),
            ));
        }
    };
    vars.push(Var {
        width,
        slot,
        name,
        label,
        missing,
    });
    Ok(())
}

/// A value-label record (type 3) and its variable-index record (type 4).
fn value_labels(b: &mut Bytes<'_>, dict: &mut Dict) -> Result<(), BinError> {
    let n = count(
        u64::try_from(b.i32()?).unwrap_or(u64::MAX),
        9,
        b,
        "value labels",
    )?;
    let mut raw = Vec::with_capacity(n);
    for _ in 0..n {
        let value = b.array::<8>()?;
        let len = usize::from(b.take(1)?[0]);
        let label = text(b.take(len)?);
        b.take((8 - (len + 1) % 8) % 8)?;
        raw.push((value, label));
    }
    let at = b.pos;
    if b.i32()? != 4 {
        return Err(bin_error(
            at,
            "a value-label record is not followed by its variable list",
        ));
    }
    let nv = count(
        u64::try_from(b.i32()?).unwrap_or(u64::MAX),
        4,
        b,
        "variables",
    )?;
    for _ in 0..nv {
        let at = b.pos;
        let idx = b.i32()?;
        let slot = usize::try_from(idx - 1)
            .map_err(|_| bin_error(at, "a value label names variable 0"))?;
        let var = dict.vars.iter().find(|v| v.slot == slot).ok_or_else(|| {
            bin_error(
                at,
                format!("a value label names slot {idx}, which starts no variable"),
            )
        })?;
        let table = raw
            .iter()
            .map(|(v, l)| {
                let key = if var.width == 0 {
                    let bits = if b.big_endian {
                        u64::from_be_bytes(*v)
                    } else {
                        u64::from_le_bytes(*v)
                    };
                    number(f64::from_bits(bits))
                } else {
                    text(v).trim().to_string()
                };
                (key, l.clone())
            })
            .collect();
        dict.labels.insert(slot, table);
    }
    Ok(())
}

/// The dictionary, up to and including the termination record.
fn dictionary(b: &mut Bytes<'_>) -> Result<Dict, BinError> {
    let mut dict = Dict {
        vars: Vec::new(),
        slots: 0,
        labels: HashMap::new(),
        long_names: HashMap::new(),
    };
    loop {
        let at = b.pos;
        match b.i32()? {
            2 => {
                let slot = dict.slots;
                variable(b, slot, &mut dict.vars)?;
                dict.slots += 1;
            }
            3 => value_labels(b, &mut dict)?,
            6 => {
                let n = count(
                    u64::try_from(b.i32()?).unwrap_or(u64::MAX),
                    80,
                    b,
                    "document lines",
                )?;
                b.take(n * 80)?;
            }
            7 => {
                let subtype = b.i32()?;
                let size = u64::try_from(b.i32()?).unwrap_or(u64::MAX);
                let n = u64::try_from(b.i32()?).unwrap_or(u64::MAX);
                let len = count(size.saturating_mul(n), 1, b, "extension bytes")?;
                let data = b.take(len)?;
                if subtype == 13 {
                    for pair in text(data).split('\t') {
                        if let Some((short, long)) = pair.split_once('=') {
                            dict.long_names.insert(short.to_string(), long.to_string());
                        }
                    }
                }
            }
            999 => {
                b.i32()?;
                return Ok(dict);
            }
            other => {
                return Err(bin_error(
                    at,
                    format!("unknown record type {other}; the file is corrupt"),
                ));
            }
        }
    }
}

/// The cases as 8-byte slots: uncompressed, or decoded from SPSS bytecode.
fn slots(
    b: &mut Bytes<'_>,
    compression: i32,
    bias: f64,
    width: usize,
) -> Result<Vec<[u8; 8]>, BinError> {
    let mut out: Vec<[u8; 8]> = Vec::new();
    let big = b.big_endian;
    let enc = |x: f64| {
        if big {
            x.to_bits().to_be_bytes()
        } else {
            x.to_bits().to_le_bytes()
        }
    };
    if compression == 0 {
        while b.pos < b.data.len() {
            out.push(b.array::<8>()?);
        }
    } else {
        'outer: while b.pos < b.data.len() {
            let block = b.array::<8>()?;
            for code in block {
                match code {
                    0 => {}
                    1..=251 => out.push(enc(f64::from(code) - bias)),
                    252 => break 'outer,
                    253 => out.push(b.array::<8>()?),
                    254 => out.push([b' '; 8]),
                    255 => out.push(enc(f64::MIN)),
                }
            }
        }
    }
    if width > 0 && !out.len().is_multiple_of(width) {
        return Err(bin_error(
            b.pos,
            "the last case is incomplete; the file is truncated",
        ));
    }
    Ok(out)
}

/// The data of a `.zsav`: the zlib header (offsets of itself and of the trailer), the trailer's
/// block table, and each block inflated (no more than the size the table declares).
fn zlib_blocks(b: &mut Bytes<'_>) -> Result<Vec<u8>, BinError> {
    use std::io::Read;
    let at = b.pos;
    let _header_at = b.u64()?;
    let trailer_at = usize::try_from(b.u64()?).unwrap_or(usize::MAX);
    let _trailer_len = b.u64()?;
    b.seek(trailer_at)?;
    b.take(16)?; // bias and zero, as 64-bit integers
    let _block_size = b.i32()?;
    let n = count(
        u64::try_from(b.i32()?).unwrap_or(u64::MAX),
        24,
        b,
        "zlib blocks",
    )?;
    let mut out = Vec::new();
    for _ in 0..n {
        let _uncompressed_at = b.u64()?;
        let compressed_at = usize::try_from(b.u64()?).unwrap_or(usize::MAX);
        let size = u64::from(b.u32()?);
        let compressed = b.u32()? as usize;
        let block = compressed_at
            .checked_add(compressed)
            .and_then(|end| b.data.get(compressed_at..end))
            .ok_or_else(|| {
                bin_error(at, "a zlib block lies past the end; the file is truncated")
            })?;
        let before = out.len();
        flate2::read::ZlibDecoder::new(block)
            .take(size)
            .read_to_end(&mut out)
            .map_err(|e| bin_error(compressed_at, format!("a zlib block does not inflate: {e}")))?;
        if (out.len() - before) as u64 != size {
            return Err(bin_error(
                compressed_at,
                "a zlib block inflates to fewer bytes than declared; the file is corrupt",
            ));
        }
    }
    Ok(out)
}

/// Reads an uncompressed, bytecode-compressed or zlib-compressed (`.zsav`) system file.
pub(super) fn read(data: &[u8]) -> Result<Columns, BinError> {
    let mut b = Bytes::new(data);
    let magic = b.take(4)?;
    if magic != b"$FL2" && magic != b"$FL3" {
        return Err(bin_error(
            0,
            "not an SPSS system file (it does not start with $FL2)",
        ));
    }
    b.take(60)?;
    let layout = b.array::<4>()?;
    b.big_endian = !matches!(i32::from_le_bytes(layout), 2 | 3);
    b.i32()?; // nominal case size: recomputed from the variable records
    let compression = b.i32()?;
    if !(0..=2).contains(&compression) {
        return Err(bin_error(72, format!("unknown compression {compression}")));
    }
    b.i32()?;
    b.i32()?;
    let bias = b.f64()?;
    b.take(9 + 8 + 64 + 3)?;
    let dict = dictionary(&mut b)?;
    let slots = if compression == 2 {
        // .zsav: zlib blocks that inflate to the bytecode stream.
        let stream = zlib_blocks(&mut b)?;
        let mut z = Bytes::new(&stream);
        z.big_endian = b.big_endian;
        slots(&mut z, 1, bias, dict.slots)?
    } else {
        slots(&mut b, compression, bias, dict.slots)?
    };
    let big = b.big_endian;
    let f = |x: &[u8; 8]| {
        f64::from_bits(if big {
            u64::from_be_bytes(*x)
        } else {
            u64::from_le_bytes(*x)
        })
    };
    let rows = slots
        .chunks(dict.slots.max(1))
        .map(|case| {
            dict.vars
                .iter()
                .map(|v| {
                    if v.width == 0 {
                        let x = f(&case[v.slot]);
                        if x == f64::MIN {
                            String::new()
                        } else if v.missing.numeric(x, big) {
                            DECLARED_MISSING.to_string()
                        } else {
                            number(x)
                        }
                    } else {
                        let n = v.width.div_ceil(8);
                        let bytes: Vec<u8> =
                            case[v.slot..v.slot + n].iter().flatten().copied().collect();
                        let s = text(&bytes[..v.width]).trim().to_string();
                        if v.missing.text(&s) { String::new() } else { s }
                    }
                })
                .collect()
        })
        .collect();
    Ok(Columns {
        names: dict
            .vars
            .iter()
            .map(|v| {
                dict.long_names
                    .get(&v.name)
                    .cloned()
                    .unwrap_or_else(|| v.name.clone())
            })
            .collect(),
        meta: dict
            .vars
            .iter()
            .map(|v| ColumnMeta {
                label: v.label.clone(),
                value_labels: dict.labels.get(&v.slot).cloned().unwrap_or_default(),
            })
            .collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_missing_values_match() {
        let m = Missing::Values(vec![(-99.0f64).to_bits().to_le_bytes()]);
        assert!(m.numeric(-99.0, false));
        assert!(!m.numeric(99.0, false));
        let r = Missing::Range {
            lo: 90.0,
            hi: 99.0,
            also: Some(-1.0),
        };
        assert!(r.numeric(95.0, false) && r.numeric(-1.0, false) && !r.numeric(5.0, false));
    }

    #[test]
    fn other_files_and_cut_files_are_errors() {
        let e = read(b"PK\x03\x04").unwrap_err();
        assert!(e.message.contains("not an SPSS"), "{e}");
        for cut in [&b"$FL3...."[..], b"$FL2@(#) IBM SPSS"] {
            let e = read(cut).unwrap_err();
            assert!(e.message.contains("truncated"), "{e}");
        }
    }
}
