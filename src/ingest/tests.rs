//! Tests of reading trial files: the long layout, pieces, quotes, bad values.

use super::*;

fn read(text: &str) -> RawData {
    from_bytes(
        Path::new("t.csv"),
        text.as_bytes().to_vec(),
        &Config::default(),
    )
    .unwrap()
}

#[test]
fn reads_rows_with_bom_crlf_and_missing_codes() {
    let raw = read(
        "\u{feff}participant_id,arm,timepoint,outcome,value\r\nP1,backward,baseline,pain,5\r\nP1,backward,week6,pain,\r\nP2,forward,baseline,pain,NA\r\n",
    );
    assert_eq!(raw.rows.len(), 3);
    assert_eq!(raw.rows[0].value.get(), RawValue::Number(5.0));
    assert_eq!(raw.rows[1].value.get(), RawValue::Missing);
    assert_eq!(raw.rows[2].value.get(), RawValue::Missing);
    assert_eq!(raw.line(2), 4);
    assert_eq!(raw.arms, vec!["backward", "forward"]);
    assert!(raw.missing_columns.is_empty());
}

#[test]
fn invalid_values_are_kept_for_validation() {
    let raw = read(
        "participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,abc\nP1,a,baseline,o,inf\nP1,a,baseline,o,1e999\nP1,a,baseline,o,NaN\n",
    );
    assert!(
        raw.rows
            .iter()
            .all(|r| matches!(r.value.get(), RawValue::Invalid(_)))
    );
    assert_eq!(raw.bad_values, vec!["abc", "inf", "1e999", "NaN"]);
}

#[test]
fn header_problems_and_empty_files_are_reported_not_errors() {
    let raw = read("participant_id,arm,time,outcome,value,site\n");
    assert_eq!(raw.missing_columns, vec!["timepoint"]);
    assert_eq!(raw.extra_columns, vec!["time", "site"]);
    assert!(read("").empty);
    assert!(read("\u{feff}\n").empty);
}

#[test]
fn columns_may_come_in_any_order() {
    let raw = read("value,outcome,timepoint,arm,participant_id\n3.5,pain,baseline,forward,P9\n");
    assert_eq!(raw.rows[0].value.get(), RawValue::Number(3.5));
    assert_eq!(raw.participants, vec!["P9"]);
}

#[test]
fn non_utf8_is_an_error_with_the_line() {
    let err = from_bytes(
        Path::new("x.csv"),
        b"participant_id\n\xff\n".to_vec(),
        &Config::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn semicolon_files_with_decimal_commas_are_detected() {
    let raw =
        read("participant_id;arm;timepoint;outcome;value\nP1;a;baseline;o;4,5\nP1;a;week6;o;-0\n");
    assert_eq!(raw.delimiter, b';');
    assert!(raw.delimiter_detected);
    assert_eq!(raw.rows[0].value.get(), RawValue::Number(4.5));
    assert_eq!(raw.decimal_commas, 1);
    // -0 is read as +0, so it prints like 0.
    let RawValue::Number(z) = raw.rows[1].value.get() else {
        panic!()
    };
    assert!(z == 0.0 && z.is_sign_positive());
    // In a comma-separated file a quoted "4,5" is not a number (declare decimal = "comma").
    let raw = read("participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,\"4,5\"\n");
    assert!(matches!(raw.rows[0].value.get(), RawValue::Invalid(_)));
    let mut cfg = Config::default();
    cfg.data.decimal = Decimal::Comma;
    let raw = from_bytes(
        Path::new("t.csv"),
        b"participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,\"4,5\"\n".to_vec(),
        &cfg,
    )
    .unwrap();
    assert_eq!(raw.rows[0].value.get(), RawValue::Number(4.5));
}

#[test]
fn ragged_rows_duplicate_columns_and_quotes_are_structural_facts() {
    let raw = read(
        "participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,5,5\nP1,a,week6,o\n\n\"P\n2\",a,baseline,o,1\n",
    );
    assert_eq!(
        raw.ragged,
        vec![
            RaggedRow { line: 2, fields: 6 },
            RaggedRow { line: 3, fields: 4 }
        ]
    );
    assert_eq!(raw.rows.len(), 1);
    assert_eq!(raw.line(0), 5, "the blank line 4 is skipped and counted");
    let raw = read("participant_id,arm,timepoint,outcome,value,value\nP1,a,baseline,o,5,6\n");
    assert_eq!(raw.duplicate_columns, vec!["value"]);
    let err = from_bytes(
        Path::new("q.csv"),
        b"participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,5\nP1,\"a,week6,o,5\n"
            .to_vec(),
        &Config::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, IngestError::UnterminatedQuote { line: 3, .. }),
        "{err}"
    );
}

#[test]
fn reading_in_pieces_gives_what_one_piece_gives() {
    // 90 participants x 3 timepoints x 2 outcomes, every tenth value empty, rows in a
    // scrambled order (a fixed permutation: 7 is coprime with the row count).
    let mut lines = Vec::new();
    for p in 0..90 {
        let arm = ["backward", "forward", "control"][p % 3];
        for (t, tp) in ["baseline", "week3", "week6"].iter().enumerate() {
            for (o, oc) in ["pain_nrs", "tug_seconds"].iter().enumerate() {
                let k = (p * 6 + t * 2 + o) as f64;
                let v = if lines.len() % 10 == 3 {
                    String::new()
                } else {
                    format!("{}", 3.0 + (k * 0.37) % 5.0)
                };
                lines.push(format!("P{p:03},{arm},{tp},{oc},{v}\n"));
            }
        }
    }
    let n = lines.len();
    let mut text = b"participant_id,arm,timepoint,outcome,value\n".to_vec();
    for i in 0..n {
        text.extend_from_slice(lines[(i * 7) % n].as_bytes());
    }
    // A bad value and a ragged row late in the file exercise the index shifts of the merge.
    text.extend_from_slice(
        b"P999,backward,week6,pain_nrs,abc\nP999,backward\n\nP998,lateArm,baseline,newOutcome,1\n",
    );
    let cfg = Config::default();
    let one = from_bytes_in_pieces(
        Path::new("t.csv"),
        text.clone(),
        &cfg,
        Pieces {
            min_bytes: usize::MAX,
            most: 1,
            fast_rows: true,
        },
        FileDigest::Bytes,
    )
    .unwrap();
    for most in [2, 3, 7] {
        let many = from_bytes_in_pieces(
            Path::new("t.csv"),
            text.clone(),
            &cfg,
            Pieces {
                min_bytes: 1,
                most,
                fast_rows: true,
            },
            FileDigest::Bytes,
        )
        .unwrap();
        assert_eq!(many.rows, one.rows, "{most} pieces");
        assert_eq!(many.lines, one.lines, "{most} pieces");
        for (a, b) in [
            (&many.participants, &one.participants),
            (&many.arms, &one.arms),
            (&many.timepoints, &one.timepoints),
            (&many.outcomes, &one.outcomes),
            (&many.bad_values, &one.bad_values),
        ] {
            assert_eq!(a, b, "{most} pieces");
        }
        assert_eq!(many.ragged, one.ragged);
        assert_eq!(many.sha256, one.sha256);
    }
    assert_eq!(one.ragged.len(), 1);
    assert_eq!(one.bad_values, vec!["abc"]);
    // The header, 540 rows, the bad value, the ragged record and a blank line: the last row
    // is on line 545, the one before on 542.
    let last = one.rows.len() - 1;
    assert_eq!((one.line(last - 1), one.line(last)), (542, 545));
    assert_eq!(one.line(last + 1), 0);
}

/// A long CSV (the spec header, one row per participant) of more than `min_bytes` bytes.
fn large_long_csv(min_bytes: u64) -> String {
    let mut text = String::from("participant_id,arm,timepoint,outcome,value\n");
    let mut i = 0;
    while text.len() as u64 <= min_bytes {
        text.push_str(&format!(
            "P{i:07},backward,baseline,pain_nrs,{}.5\n",
            i % 10
        ));
        i += 1;
    }
    text
}

#[test]
fn a_large_file_is_hashed_while_it_is_read_and_gives_the_digest_of_its_bytes() {
    let text = large_long_csv(FileDigest::STREAM_FROM);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &text).unwrap();
    assert!(matches!(FileDigest::start(&path), FileDigest::Streaming(_)));
    let loaded = load(&path, &Config::default()).unwrap();
    let from_memory = from_bytes(&path, text.clone().into_bytes(), &Config::default()).unwrap();
    assert_eq!(loaded.sha256, hex(&Sha256::digest(text.as_bytes())));
    assert_eq!(loaded.sha256, from_memory.sha256);
    assert_eq!(loaded.rows, from_memory.rows);
    // A thread that hashed other bytes than the caller holds is not believed.
    assert_eq!(
        FileDigest::start(&path).finish(b"other"),
        hex(&Sha256::digest(b"other"))
    );
}

/// Reads `text` with the row fast path on or off (one piece, or `most` pieces).
fn read_with(text: &str, cfg: &Config, fast_rows: bool, most: usize) -> RawData {
    from_bytes_in_pieces(
        Path::new("t.csv"),
        text.as_bytes().to_vec(),
        cfg,
        Pieces {
            min_bytes: 1,
            most,
            fast_rows,
        },
        FileDigest::Bytes,
    )
    .unwrap()
}

/// The fast path gives exactly what the general path gives.
fn same_as_general(text: &str, cfg: &Config) -> Result<(), String> {
    let general = read_with(text, cfg, false, 1);
    for most in [1, 3] {
        let fast = read_with(text, cfg, true, most);
        let same = fast.rows == general.rows
            && fast.lines == general.lines
            && fast.participants == general.participants
            && fast.arms == general.arms
            && fast.timepoints == general.timepoints
            && fast.outcomes == general.outcomes
            && fast.bad_values == general.bad_values
            && fast.ragged == general.ragged
            && fast.ragged_count == general.ragged_count
            && fast.decimal_commas == general.decimal_commas;
        if !same {
            return Err(format!(
                "{text:?} ({most} pieces):\nfast {fast:?}\ngeneral {general:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_row_fast_path_gives_what_the_general_path_gives() {
    let header = "participant_id,arm,timepoint,outcome,value\n";
    let bodies = [
        // the usual file, CRLF line ends, no final line end
        "P1,back,baseline,pain,5\nP1,back,week6,pain,4.5\r\nP2,backward,baseline,pain,-3",
        // a name that is a prefix of another; spaces around names and values; empty cells
        "P1,backward,t0,pain,1\nP1,back,t0,pain,2\nP1, back ,t0,pain, 3 \nP1,back,,pain,\n,,,,\n",
        // blank lines, ragged records (too few, too many, trailing delimiter), then good rows
        "P1,a,t0,o,1\n\n   \nP1,a,t0\nP1,a,t0,o,1,9\nP1,a,t0,o,1,\nP9,new,t9,o9,2\n",
        // a name first seen in a ragged record is not interned by it
        "P1,a,t0,o,1\nP2,zz,t0\nP3,a,t0,o,NA\nP3,a,t0,o,abc\nP3,a,t0,o,1e3\n",
        // more than eight timepoints (the candidate scan stops), declared codes, a CR-only line
        "P1,a,t1,o,1\nP1,a,t2,o,1\nP1,a,t3,o,1\nP1,a,t4,o,1\nP1,a,t5,o,1\nP1,a,t6,o,1\n\
         P1,a,t7,o,1\nP1,a,t8,o,1\nP1,a,t9,o,1\nP1,a,t10,o,1\nP1,a,t1,o,-99\n\r\nP1,a,t9,o,1\n",
    ];
    let mut cfg = Config::default();
    cfg.data.missing_values = vec!["-99".into()];
    // Records that share bytes with the one before but not whole fields (`P1,` and `P12,`,
    // `a,` and `ab,`), identical records (the last field is never taken from the one before),
    // and a value column before the names.
    let shared = [
        "P1,a,t0,o,1\nP12,a,t0,o,1\nP12,a,t0,o2,2\nP12,ab,t0,o2,3\nP12,a,t0,o,4\nP12,a,t0,o,4\n\
         P12,a,t0,o,4\r\nP12,a,t0,o,45\nP12,a,t0,o,\n",
    ];
    for body in shared {
        same_as_general(&format!("{header}{body}"), &cfg).unwrap();
    }
    same_as_general(
        "value,participant_id,arm,timepoint,outcome\n1,P1,a,t0,o\n1,P1,a,t0,o\n2,P1,a,t0,o\n",
        &cfg,
    )
    .unwrap();
    for body in bodies {
        same_as_general(&format!("{header}{body}"), &cfg).unwrap();
    }
    // Columns in another order, with columns retrotrial does not read.
    let text = "site,value,outcome,note,timepoint,arm,participant_id\n\
                s1,1,pain,,t0,a,P1\ns1,2,pain,x,t1,a,P1\ns2,3,pain,,t0,b,P2\r\ns2,,pain\n";
    same_as_general(text, &cfg).unwrap();
    // A semicolon file with decimal commas.
    same_as_general(
        "participant_id;arm;timepoint;outcome;value\nP1;a;t0;o;4,5\nP1;a;t1;o;5\n",
        &cfg,
    )
    .unwrap();
}

/// `text` written to a file and read by the block reader with `block`-byte reads: `None` when
/// it declined the file. Otherwise the result must be exactly what reading it whole gives.
fn streamed(text: &[u8], cfg: &Config, block: usize) -> Option<RawData> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, text).unwrap();
    let got = stream::load(&path, cfg, block, true, stream::Hashing::WhileReading)
        .unwrap()?
        .raw;
    let whole = from_bytes(&path, text.to_vec(), cfg).unwrap();
    assert_eq!(
        format!("{got:?}"),
        format!("{whole:?}"),
        "{:?} in blocks of {block}",
        String::from_utf8_lossy(text)
    );
    Some(got)
}

#[test]
fn reading_block_by_block_gives_what_reading_whole_gives() {
    let mut cfg = Config::default();
    cfg.data.missing_values = vec!["-99".into()];
    let texts = [
        // BOM, CRLF, blank lines, ragged records, bad values, names that come back later,
        // no final line end
        "\u{feff}participant_id,arm,timepoint,outcome,value\r\nP1,a,t0,o,1\r\n\r\n  \n\
         P1,a,t0\nP2,b,t1,o,abc\nP2,b,t1,o,-99\nP3, a ,t0,o2,4.5\nP1,a,t1,o,2\nP4,c,t9,o,7",
        // columns in another order, one not read, a semicolon file with decimal commas
        "value;outcome;site;timepoint;arm;participant_id\n4,5;pain;s1;t0;a;P1\n5;pain;s2;t1;a;P1\n",
        // a header alone
        "participant_id,arm,timepoint,outcome,value\n",
    ];
    // Ids in sorted order for many blocks (the merge's shortcut), then one out of order that
    // is known, one that is new, and the sorted run going on.
    let mut sorted = String::from("participant_id,arm,timepoint,outcome,value\n");
    for p in (1..=20).chain([5, 0, 21, 22]) {
        for (t, o) in [("t0", "o1"), ("t0", "o2"), ("t1", "o1")] {
            sorted.push_str(&format!("P{p:02},a{},{t},{o},{p}\n", p % 3));
        }
    }
    for text in texts.iter().copied().chain([sorted.as_str()]) {
        for block in [1, 2, 7, 64, 4096] {
            assert!(streamed(text.as_bytes(), &cfg, block).is_some(), "{text:?}");
        }
    }
}

#[test]
fn the_block_reader_declines_what_the_general_path_must_read() {
    let cfg = Config::default();
    let head = "participant_id,arm,timepoint,outcome,value\n";
    let many = "P1,a,t0,o,1\n".repeat(50);
    let declined: [Vec<u8>; 6] = [
        format!("{head}{many}P2,\"b\",t0,o,1\n").into_bytes(), // a quote late in the file
        format!("{head}{many}P2,b,t0,o,1\rP3,b,t0,o,1\n").into_bytes(), // a lone CR
        [head.as_bytes(), many.as_bytes(), b"P2,\xff,t0,o,1\n"].concat(), // not UTF-8
        format!("participant_id,arm,outcome,value\n{many}").into_bytes(), // a missing column
        "   \n\n".repeat(20).into_bytes(),                     // blank
        Vec::new(),                                            // empty
    ];
    for text in &declined {
        for block in [3, 64, 1 << 20] {
            assert!(
                streamed(text, &cfg, block).is_none(),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }
    // `load` then reads such a file whole: a large file with a quote in its last line.
    let mut text = large_long_csv(stream::STREAM_FROM);
    text.push_str("\"P9\",backward,baseline,pain_nrs,1\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &text).unwrap();
    assert!(stream::applies(&path, &cfg));
    let loaded = load(&path, &cfg).unwrap();
    let whole = from_bytes(&path, text.clone().into_bytes(), &cfg).unwrap();
    assert_eq!(format!("{loaded:?}"), format!("{whole:?}"));
    assert_eq!(loaded.participants.last().map(String::as_str), Some("P9"));
}

#[test]
fn a_deferred_digest_is_the_hash_of_the_bytes_read_or_an_error() {
    let cfg = Config::default();
    let text = large_long_csv(stream::STREAM_FROM);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &text).unwrap();
    let whole = load(&path, &cfg).unwrap();
    assert_eq!(whole.sha256, hex(&Sha256::digest(text.as_bytes())));
    let (raw, digest) = load_deferred(&path, &cfg).unwrap();
    assert_eq!(raw.sha256, "", "the hash is left for later");
    assert_eq!(digest.unwrap().finish().unwrap(), whole.sha256);
    assert_eq!(format!("{:?}", raw.rows), format!("{:?}", whole.rows));
    // The file changes between the reading and the hash: an error, not the new file's hash.
    let (_, digest) = load_deferred(&path, &cfg).unwrap();
    std::fs::write(&path, format!("{text}P9,backward,week0,pain_nrs,1\n")).unwrap();
    let err = digest.unwrap().finish().unwrap_err();
    assert!(err.to_string().contains("cannot read data file"), "{err}");
    // A small file is hashed as it is read: nothing pending.
    let small = dir.path().join("small.csv");
    std::fs::write(
        &small,
        "participant_id,arm,timepoint,outcome,value\nP1,a,t0,o,1\n",
    )
    .unwrap();
    let (raw, digest) = load_deferred(&small, &cfg).unwrap();
    assert!(digest.is_none() && raw.sha256.len() == 64);
}

proptest::proptest! {
    /// Random bodies from an alphabet of delimiters, line ends, spaces and name pieces.
    #[test]
    fn the_row_fast_path_agrees_on_random_bodies(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "P1", "P2", "a", "ab", "t0", "t1", "o", ",", ",", ",", ",", "\n", "\n", "\r\n",
                " ", "", "1", "-2.5", "NA", "x", "\r",
            ]),
            0..80,
        )
    ) {
        let text = format!("participant_id,arm,timepoint,outcome,value\n{}", parts.concat());
        let cfg = Config::default();
        if let Err(e) = same_as_general(&text, &cfg) {
            return Err(proptest::test_runner::TestCaseError::fail(e));
        }
        // Read block by block: declined only for a quote, a lone CR, or a file without data.
        for block in [5, 64] {
            let got = streamed(text.as_bytes(), &cfg, block);
            let bytes = text.as_bytes();
            let lone_cr = bytes
                .iter()
                .enumerate()
                .any(|(i, &c)| c == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            proptest::prop_assert!(got.is_some() || text.contains('"') || lone_cr);
        }
    }
}

proptest::proptest! {
    /// Random records of the usual shape: few names (so that records repeat the ones before,
    /// and outcomes come round again), with spaces, empty cells, CRLF, blank lines and ragged
    /// records mixed in: the fast path (and its cycle step) gives what the general path gives.
    #[test]
    fn the_row_fast_path_agrees_on_random_records(
        records in proptest::collection::vec(
            (0..3usize, 0..3usize, 0..3usize, 0..6usize, 0..6usize, 0..8usize),
            0..60,
        )
    ) {
        let (ps, arms, tps) = (["P1", "P12", "P2"], ["a", "ab", " a"], ["t0", "t1", "t10"]);
        let outcomes = ["o", "o2", "oo", " o", "", "o2 "];
        let values = ["1", "-2.5", "", "NA", "x", "12.25"];
        let ends = ["\n", "\n", "\n", "\r\n", "\n\n", ",9\n", "\n,\n", ""];
        let mut text = String::from("participant_id,arm,timepoint,outcome,value\n");
        for (k, &(p, a, t, o, v, e)) in records.iter().enumerate() {
            // Runs of the same participant, arm and timepoint, the outcomes in a cycle.
            let (p, a, t) = if k % 4 == 0 { (p, a, t) } else { (0, 0, k / 8 % 3) };
            let o = if o < 3 { k % 3 } else { o };
            text.push_str(&format!(
                "{},{},{},{},{}{}",
                ps[p], arms[a], tps[t], outcomes[o], values[v], ends[e]
            ));
        }
        let cfg = Config::default();
        if let Err(e) = same_as_general(&text, &cfg) {
            return Err(proptest::test_runner::TestCaseError::fail(e));
        }
    }
}

proptest::proptest! {
    /// The interner's inline comparison is byte equality, for every length it special-cases.
    #[test]
    fn same_name_is_byte_equality(a in "[ab]{0,20}", b in "[ab]{0,20}") {
        proptest::prop_assert_eq!(long::same_name(a.as_bytes(), b.as_bytes()), a == b);
        proptest::prop_assert!(long::same_name(a.as_bytes(), a.as_bytes()));
    }
}

#[test]
fn a_row_takes_24_bytes_and_its_packed_value_round_trips() {
    assert_eq!(std::mem::size_of::<RawRow>(), 24);
    let values = [
        RawValue::Missing,
        RawValue::Invalid(0),
        RawValue::Invalid(u32::MAX),
        RawValue::Number(0.0),
        RawValue::Number(-1.5e-310),
        RawValue::Number(f64::MAX),
        RawValue::Number(f64::INFINITY),
    ];
    for v in values {
        assert_eq!(PackedValue::from(v).get(), v);
    }
    // A NaN stays a number (the canonical NaN), never missing or invalid.
    let nan = PackedValue::from(RawValue::Number(f64::NAN)).get();
    assert!(matches!(nan, RawValue::Number(x) if x.is_nan()));
}

proptest::proptest! {
    #[test]
    fn packed_values_round_trip(bits in proptest::num::u64::ANY, i in proptest::num::u32::ANY) {
        let x = f64::from_bits(bits);
        let back = PackedValue::from(RawValue::Number(x)).get();
        match back {
            RawValue::Number(y) => proptest::prop_assert!(
                y.to_bits() == x.to_bits() || (x.is_nan() && y.is_nan())
            ),
            other => proptest::prop_assert!(false, "{x} came back as {other:?}"),
        }
        proptest::prop_assert_eq!(
            PackedValue::from(RawValue::Invalid(i)).get(),
            RawValue::Invalid(i)
        );
    }
}

#[test]
fn a_numeric_missing_code_is_missing_and_other_numbers_are_read() {
    let text = "participant_id,arm,timepoint,outcome,value\nP1,a,t0,o,-99\nP1,a,t1,o,-99.5\n";
    let mut cfg = Config::default();
    cfg.data.missing_values = vec!["-99".into()];
    let raw = from_bytes(Path::new("t.csv"), text.as_bytes().to_vec(), &cfg).unwrap();
    assert_eq!(raw.rows[0].value.get(), RawValue::Missing);
    assert_eq!(raw.rows[1].value.get(), RawValue::Number(-99.5));
    // Without the code, -99 is a number.
    let raw = read(text);
    assert_eq!(raw.rows[0].value.get(), RawValue::Number(-99.0));
}
