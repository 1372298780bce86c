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
    assert_eq!(raw.rows[0].value, RawValue::Number(5.0));
    assert_eq!(raw.rows[1].value, RawValue::Missing);
    assert_eq!(raw.rows[2].value, RawValue::Missing);
    assert_eq!(raw.rows[2].line, 4);
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
            .all(|r| matches!(r.value, RawValue::Invalid(_)))
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
    assert_eq!(raw.rows[0].value, RawValue::Number(3.5));
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
    assert_eq!(raw.rows[0].value, RawValue::Number(4.5));
    assert_eq!(raw.decimal_commas, 1);
    // -0 is read as +0, so it prints like 0.
    let RawValue::Number(z) = raw.rows[1].value else {
        panic!()
    };
    assert!(z == 0.0 && z.is_sign_positive());
    // In a comma-separated file a quoted "4,5" is not a number (declare decimal = "comma").
    let raw = read("participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,\"4,5\"\n");
    assert!(matches!(raw.rows[0].value, RawValue::Invalid(_)));
    let mut cfg = Config::default();
    cfg.data.decimal = Decimal::Comma;
    let raw = from_bytes(
        Path::new("t.csv"),
        b"participant_id,arm,timepoint,outcome,value\nP1,a,baseline,o,\"4,5\"\n".to_vec(),
        &cfg,
    )
    .unwrap();
    assert_eq!(raw.rows[0].value, RawValue::Number(4.5));
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
    assert_eq!(
        raw.rows[0].line, 5,
        "the blank line 4 is skipped and counted"
    );
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
        },
        FileDigest::Bytes,
    )
    .unwrap();
    for most in [2, 3, 7] {
        let many = from_bytes_in_pieces(
            Path::new("t.csv"),
            text.clone(),
            &cfg,
            Pieces { min_bytes: 1, most },
            FileDigest::Bytes,
        )
        .unwrap();
        assert_eq!(many.rows, one.rows, "{most} pieces");
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
}

#[test]
fn a_large_file_is_hashed_while_it_is_read_and_gives_the_digest_of_its_bytes() {
    let mut text = String::from("participant_id,arm,timepoint,outcome,value\n");
    let mut i = 0;
    while text.len() <= FileDigest::STREAM_FROM as usize {
        text.push_str(&format!(
            "P{i:07},backward,baseline,pain_nrs,{}.5\n",
            i % 10
        ));
        i += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &text).unwrap();
    assert!(matches!(
        FileDigest::start(&path),
        FileDigest::Streaming { .. }
    ));
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

proptest::proptest! {
    /// The interner's inline comparison is byte equality, for every length it special-cases.
    #[test]
    fn same_name_is_byte_equality(a in "[ab]{0,20}", b in "[ab]{0,20}") {
        proptest::prop_assert_eq!(long::same_name(a.as_bytes(), b.as_bytes()), a == b);
        proptest::prop_assert!(long::same_name(a.as_bytes(), a.as_bytes()));
    }
}
