//! Same input and seed ⇒ byte-identical `records.json`, whatever the thread count or the row
//! order; the committed golden inputs are exactly what `simulate` writes with their recorded
//! commands.

use std::path::Path;

use retrotrial::config::Config;

use crate::common::{bin, dataset, root};

fn records(data: &Path, threads: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.report.out_dir = dir.path().to_path_buf();
    cfg.run.threads = threads;
    cfg.run.quiet = true;
    cfg.resampling.permutations = 3000;
    cfg.resampling.bootstrap = 1500;
    retrotrial::app::analyze(data, &cfg).unwrap();
    std::fs::read(dir.path().join("records.json")).unwrap()
}

#[test]
fn thread_count_does_not_change_records() {
    let data = dataset("golden/trial300.csv");
    let one = records(&data, 1);
    assert_eq!(one, records(&data, 2), "1 vs 2 threads");
    assert_eq!(one, records(&data, 8), "1 vs 8 threads");
}

#[test]
fn row_order_does_not_change_records() {
    let data = dataset("golden/trial300.csv");
    let text = std::fs::read_to_string(&data).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    // A fixed, seed-free permutation: reverse, then interleave halves.
    lines.reverse();
    let (a, b) = lines.split_at(lines.len() / 2);
    let mixed: Vec<&str> = a
        .iter()
        .zip(b)
        .flat_map(|(x, y)| [*y, *x])
        .chain(b.iter().skip(a.len()).copied())
        .collect();
    assert_eq!(mixed.len(), lines.len());
    let dir = tempfile::tempdir().unwrap();
    let shuffled = dir.path().join("shuffled.csv");
    std::fs::write(&shuffled, format!("{header}\n{}\n", mixed.join("\n"))).unwrap();
    assert_eq!(records(&data, 2), records(&shuffled, 2));
}

#[test]
fn committed_inputs_are_reproduced_by_simulate() {
    let readme = std::fs::read_to_string(root().join("datasets/README.md")).unwrap();
    let mut checked = 0;
    for line in readme.lines() {
        // Lines of the form: `path` | `retrotrial simulate ...` | sha256
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        if cells.len() < 4 || !cells[2].starts_with("retrotrial simulate") {
            continue;
        }
        let args: Vec<&str> = cells[2].split_whitespace().skip(1).collect();
        let out = bin().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", cells[2]);
        let committed = std::fs::read(root().join("datasets").join(cells[1])).unwrap();
        assert!(
            out.stdout == committed,
            "{} differs from `{}`",
            cells[1],
            cells[2]
        );
        checked += 1;
    }
    assert!(
        checked >= 5,
        "datasets/README.md lists {checked} simulate commands"
    );
}
