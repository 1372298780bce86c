//! Criterion bench of `check PAPER` (issue 21): a 30-page PDF built in memory (text extraction
//! by lopdf, then finding and checking the results), and a folder of 100 text papers read and
//! checked in parallel as the command does (reports not written). The folder is written to
//! `$CARGO_TARGET_DIR/bench-textcheck/papers` (or `target/…`), where `benches/textcheck_peer.sh`
//! times `retrotrial check` against statcheck on the same files.
//! Run by hand: `cargo bench --bench textcheck`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::Criterion;
use rayon::prelude::*;
use retrotrial::ingest::paper::{self, PaperFormat};
use retrotrial::summary::textcheck::{self, Options};

/// A deterministic pseudo-random stream (an LCG; no dependence on rand's versions).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

const FILLER: [&str; 6] = [
    "Participants walked backwards on a treadmill three times a week for six weeks.",
    "Pain was rated on a numeric scale from 0 to 10 before and after each session.",
    "Knee flexion angles were recorded with a motion capture system at 100 Hz.",
    "Adverse events were rare and none was judged related to the intervention (see p. 12-15).",
    "The forward walking group followed the same schedule (Smith et al., 2019).",
    "Outcome assessors did not know the allocation of the participants.",
];

/// One paragraph: filler sentences and one reported result.
fn paragraph(rng: &mut Lcg) -> String {
    let mut s = String::new();
    for _ in 0..4 {
        s.push_str(FILLER[rng.next(6) as usize]);
        s.push(' ');
    }
    let df = 10 + rng.next(90);
    let x = 1.0 + rng.next(300) as f64 / 100.0;
    let p = [".001", ".01", ".03", ".04", ".05", ".12", ".36"][rng.next(7) as usize];
    let result = match rng.next(5) {
        0 => format!("t({df}) = {x:.2}, p = {p}"),
        1 => format!("F(1, {df}) = {:.2}, p = {p}", x * x),
        2 => format!("r({df}) = .{:02}, p = {p}", 10 + rng.next(80)),
        3 => format!("χ2(2, N = {}) = {:.2}, p = {p}", df + 2, 2.0 * x),
        _ => format!("z = {x:.2}, p = {p}"),
    };
    s.push_str(&format!("The groups differed, {result}.\n\n"));
    s
}

/// A paper of about `bytes` bytes.
fn paper_text(seed: u64, bytes: usize) -> String {
    let mut rng = Lcg(seed);
    let mut s = String::new();
    while s.len() < bytes {
        s.push_str(&paragraph(&mut rng));
    }
    s
}

/// A PDF of `pages` pages, each with about 3,000 characters of `paper_text` in lines of 90.
fn pdf(pages: usize) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for page in 0..pages {
        // WinAnsi has no χ: the PDF's χ² results are written X2, as a PDF may give them.
        let text = paper_text(page as u64, 3000).replace('χ', "X");
        let mut ops = Vec::new();
        let mut line = String::new();
        let mut y = 800.0_f32;
        let flush = |line: &mut String, y: &mut f32, ops: &mut Vec<Operation>| {
            ops.push(Operation::new("BT", vec![]));
            ops.push(Operation::new("Tf", vec!["F1".into(), 8.into()]));
            ops.push(Operation::new("Td", vec![40.into(), (*y).into()]));
            ops.push(Operation::new(
                "Tj",
                vec![Object::string_literal(line.as_str())],
            ));
            ops.push(Operation::new("ET", vec![]));
            line.clear();
            *y -= 10.0;
        };
        for w in text.split_whitespace() {
            if line.len() + w.len() + 1 > 90 {
                flush(&mut line, &mut y, &mut ops);
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        flush(&mut line, &mut y, &mut ops);
        let content = Content { operations: ops };
        let bytes = content.encode().expect("INVARIANT: the operations encode");
        let content_id = doc.add_object(Stream::new(dictionary! {}, bytes));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = i64::try_from(kids.len()).expect("INVARIANT: a few pages");
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut buf = Vec::new();
    doc.save_to(&mut buf)
        .expect("INVARIANT: writing to memory works");
    buf
}

/// The folder of 100 papers of about 20 kB each, written once.
fn folder() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let dir = target.join("bench-textcheck/papers");
    std::fs::create_dir_all(&dir).expect("INVARIANT: the target dir is writable");
    for i in 0..100 {
        let p = dir.join(format!("paper{i:03}.txt"));
        let text = paper_text(1000 + i, 20_000);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&p, text).expect("INVARIANT: the target dir is writable");
        }
    }
    dir
}

fn check_folder(dir: &Path) -> usize {
    let files = paper::list_papers(dir).expect("INVARIANT: the folder has papers");
    files
        .par_iter()
        .map(|p| {
            let paper = paper::load(p).expect("INVARIANT: written above");
            textcheck::check_text(&paper.text, None, &Options::default())
                .findings
                .len()
        })
        .sum()
}

fn benches(c: &mut Criterion) {
    let bytes = pdf(30);
    let mut group = c.benchmark_group("textcheck");
    group.sample_size(10);
    group.bench_function("pdf_30_pages", |b| {
        b.iter(|| {
            let p = paper::from_bytes(Path::new("bench.pdf"), PaperFormat::Pdf, black_box(&bytes))
                .expect("INVARIANT: the PDF built above reads");
            textcheck::check_text(&p.text, Some(&p.page_starts), &Options::default())
        });
    });
    let dir = folder();
    group.bench_function("folder_100_text_papers", |b| {
        b.iter(|| check_folder(black_box(&dir)));
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
