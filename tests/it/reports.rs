//! Reports as a reader meets them: a Markdown snapshot and the HTML skeleton from a fixed run,
//! the figures (files, SVG, axis labels, arm names), byte-identical reruns, hostile names
//! escaped, and the HTML opened in headless Chromium with the network watched.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use retrotrial::config::Config;

use crate::common::{dataset, root};

fn run(data: &Path, out: &Path) {
    let mut cfg = Config::default();
    cfg.report.out_dir = out.to_path_buf();
    cfg.run.quiet = true;
    cfg.resampling.permutations = 2000;
    cfg.resampling.bootstrap = 1000;
    retrotrial::app::analyze(data, &cfg).unwrap();
}

/// The fixed run of the report tests: the committed ties_small cohort, with a relative path in
/// provenance so that the snapshot does not depend on where the repository is.
fn fixed_run() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_current_dir(root()).unwrap();
    run(Path::new("datasets/golden/ties_small.csv"), dir.path());
    dir
}

#[test]
fn markdown_report_snapshot() {
    let dir = fixed_run();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    insta::assert_snapshot!("report_md_ties_small", md);
}

/// The tag skeleton of the HTML: headings, tables, figures; text and SVG internals left out.
fn skeleton(html: &str) -> String {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len() - 1);
        let tag = &rest[..=end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect();
        if ["h1", "h2", "h3", "table", "figure", "/figure"].contains(&name.as_str()) {
            let text_end = rest[end + 1..].find('<').map_or(0, |j| j);
            let text = rest[end + 1..end + 1 + text_end].trim();
            out.push(if name.starts_with('h') {
                format!("{name}: {text}")
            } else {
                name
            });
        }
        rest = &rest[end + 1..];
    }
    out.join("\n")
}

#[test]
fn html_report_structure_snapshot() {
    let dir = fixed_run();
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assert!(!html.contains("<script"), "the report runs no script");
    for attr in ["src=", "href=", "url(", "@import"] {
        assert!(
            !html.contains(attr),
            "the report references a resource ({attr})"
        );
    }
    insta::assert_snapshot!("report_html_skeleton_ties_small", skeleton(&html));
}

#[test]
fn figures_exist_parse_and_carry_their_labels() {
    let dir = tempfile::tempdir().unwrap();
    run(&dataset("golden/trial300.csv"), dir.path());
    let plots = dir.path().join("plots");
    let mut names: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = vec!["flow.svg".to_string(), "forest_hedges_g.svg".to_string()];
    for o in ["pain_nrs", "womac_total", "tug_seconds", "quad_strength_kg"] {
        expected.push(format!("trajectory_{o}.svg"));
        expected.push(format!("change_{o}.svg"));
    }
    expected.sort();
    assert_eq!(names, expected);
    for name in &names {
        let svg = std::fs::read_to_string(plots.join(name)).unwrap();
        assert!(
            svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name} is not an SVG document"
        );
        assert!(
            svg.contains("font-family=\"sans-serif\""),
            "{name}: generic font family"
        );
        let balance = svg.matches("<text").count();
        assert!(balance > 3, "{name} has no text");
        if name.starts_with("trajectory") || name.starts_with("change") || name == "flow.svg" {
            for arm in ["backward", "forward", "control"] {
                assert!(svg.contains(arm), "{name} lacks arm {arm}");
            }
        }
    }
    let traj = std::fs::read_to_string(plots.join("trajectory_pain_nrs.svg")).unwrap();
    assert!(traj.contains("timepoint") && traj.contains("week6") && traj.contains("Pain"));
    let change = std::fs::read_to_string(plots.join("change_pain_nrs.svg")).unwrap();
    assert!(change.contains("change") && change.contains("arm"));
    let forest = std::fs::read_to_string(plots.join("forest_hedges_g.svg")).unwrap();
    assert!(forest.contains("favours the first arm") && forest.contains("backward-forward"));
    // The markdown report links every figure.
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for name in &names {
        assert!(
            md.contains(&format!("(plots/{name})")),
            "report.md does not link {name}"
        );
    }
}

#[test]
fn png_figures_have_drawn_text_and_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.report.out_dir = dir.path().to_path_buf();
    cfg.run.quiet = true;
    cfg.report.png = true;
    cfg.analyses.run = vec![retrotrial::results::Analysis::Descriptives];
    retrotrial::app::analyze(&dataset("golden/ties_small.csv"), &cfg).unwrap();
    let (w, h, pixels) = decode_png(&dir.path().join("plots/flow.png"));
    assert!(w > 100 && h > 100);
    // The flow diagram is boxes and text: a missing font would leave only boxes, so count the
    // dark pixels of glyphs.
    let dark = pixels
        .chunks(3)
        .filter(|p| p[0] < 90 && p[1] < 90 && p[2] < 90)
        .count();
    assert!(dark > 2000, "only {dark} dark pixels: text not drawn?");
}

fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let rgb: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        _ => buf,
    };
    (info.width, info.height, rgb)
}

#[test]
fn reruns_are_byte_identical() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run(&dataset("golden/ties_small.csv"), a.path());
    run(&dataset("golden/ties_small.csv"), b.path());
    let mut files = vec![
        PathBuf::from("report.md"),
        PathBuf::from("report.html"),
        PathBuf::from("records.json"),
        PathBuf::from("results.json"),
    ];
    for e in std::fs::read_dir(a.path().join("plots")).unwrap() {
        files.push(PathBuf::from("plots").join(e.unwrap().file_name()));
    }
    for f in files {
        assert_eq!(
            std::fs::read(a.path().join(&f)).unwrap(),
            std::fs::read(b.path().join(&f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
}

#[test]
fn hostile_names_are_escaped_in_html_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "<script>alert(1)</script>";
    let src = std::fs::read_to_string(dataset("golden/ties_small.csv")).unwrap();
    let data = dir.path().join("evil.csv");
    std::fs::write(&data, src.replace(",forward,", &format!(",{evil},"))).unwrap();
    let out = dir.path().join("out");
    run(&data, &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains(evil), "raw script tag in report.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for e in std::fs::read_dir(out.join("plots")).unwrap() {
        let svg = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(!svg.contains("<script"), "raw script tag in an SVG");
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!md.contains(evil), "raw script tag in report.md");
    // A name shaped like a Markdown link must not become one.
    let link = "[click](javascript:alert(1))";
    let data2 = dir.path().join("link.csv");
    std::fs::write(&data2, src.replace(",forward,", &format!(",\"{link}\","))).unwrap();
    let out2 = dir.path().join("out2");
    run(&data2, &out2);
    let md2 = std::fs::read_to_string(out2.join("report.md")).unwrap();
    assert!(
        !md2.contains("](javascript"),
        "a link was injected into report.md"
    );
}

/// Opens `page` in headless Chromium with every request routed to a local proxy; returns the
/// request lines the proxy saw (Chromium's own service calls removed) and the screenshot.
fn chromium_visit(chromium: &str, page: &Path, shot: &Path) -> Vec<String> {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let port = proxy.local_addr().unwrap().port();
    // The proxy answers every connection by closing it (so the browser does not wait) and
    // records its first line, until the browser has exited.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            loop {
                match proxy.accept() {
                    Ok((mut s, _)) => {
                        s.set_nonblocking(false).ok();
                        s.set_read_timeout(Some(Duration::from_millis(300))).ok();
                        let mut buf = [0u8; 256];
                        let n = s.read(&mut buf).unwrap_or(0);
                        seen.push(
                            String::from_utf8_lossy(&buf[..n])
                                .lines()
                                .next()
                                .unwrap_or("")
                                .to_string(),
                        );
                    }
                    Err(_) if stop.load(std::sync::atomic::Ordering::SeqCst) => return seen,
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        })
    };
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--no-pings",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
            "--hide-scrollbars",
            "--window-size=1000,2400",
        ])
        .arg(format!("--proxy-server=http://127.0.0.1:{port}"))
        .arg("--proxy-bypass-list=<-loopback>")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // A bounded wait: a browser that hangs fails the test instead of the CI run.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed");
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut attempts = watcher.join().unwrap();
    // Chromium's own services (component updater, network time, sign-in) call home whatever
    // page is open; no page resource can target these hosts, so they are not the page's.
    const BROWSER_SERVICES: [&str; 4] = [
        "update.googleapis.com",
        "accounts.google.com",
        "clients2.google.com",
        "edgedl.me.gvt1.com",
    ];
    attempts.retain(|line| {
        !BROWSER_SERVICES
            .iter()
            .any(|h| line.contains(&format!(" {h}:")) || line.contains(&format!("//{h}/")))
    });
    attempts
}

/// Whether a missing Chromium may skip the browser test: not in CI (`CI` set, as CI services
/// do) and not under `.ci/run` (`RETROTRIAL_REQUIRE_CHROMIUM`), which installs it; there its
/// absence is a failure, never an "ok".
fn chromium_may_be_missing(env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    !set("CI") && !set("RETROTRIAL_REQUIRE_CHROMIUM")
}

#[test]
fn a_missing_chromium_fails_in_ci() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert!(chromium_may_be_missing(env(&[])));
    assert!(!chromium_may_be_missing(env(&[("CI", "true")])));
    assert!(!chromium_may_be_missing(env(&[(
        "RETROTRIAL_REQUIRE_CHROMIUM",
        "1"
    )])));
    assert!(chromium_may_be_missing(env(&[("CI", "false")])));
}

/// Headless Chromium opens report.html with the network watched: the screenshot must not be
/// blank and no request may leave. A control page with one external image proves the watcher
/// sees requests. CI installs Chromium (`.ci/run`) and there the test fails without it;
/// elsewhere it is skipped without it.
#[test]
fn html_report_renders_offline_in_chromium() {
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        assert!(
            chromium_may_be_missing(|k| std::env::var(k).ok()),
            "no chromium: CI must install it (.ci/run)"
        );
        eprintln!("skipped: no chromium on this machine");
        return;
    };
    let dir = fixed_run();
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        "<html><body><img src=\"http://retrotrial.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let seen = chromium_visit(chromium, &control, &dir.path().join("control.png"));
    assert!(
        seen.iter().any(|l| l.contains("retrotrial.invalid")),
        "the proxy did not see the control request: {seen:?}"
    );
    let shot = dir.path().join("shot.png");
    let attempts = chromium_visit(chromium, &dir.path().join("report.html"), &shot);
    assert!(
        attempts.is_empty(),
        "the report made network requests: {attempts:?}"
    );
    let (w, h, rgb) = decode_png(&shot);
    assert_eq!((w, h), (1000, 2400));
    let non_white = rgb.chunks(3).filter(|p| p.iter().any(|c| *c < 235)).count();
    assert!(
        non_white > 20_000,
        "screenshot looks blank ({non_white} non-white pixels)"
    );
    let blue = rgb.chunks(3).filter(|p| p[2] > 150 && p[0] < 60).count();
    assert!(
        blue > 200,
        "no figure colours in the screenshot ({blue} blue pixels)"
    );
}

#[test]
fn responder_figures_appear_when_an_mcid_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::from_file(&root().join("tests/golden/ties_small/study.toml")).unwrap();
    cfg.report.out_dir = dir.path().to_path_buf();
    cfg.run.quiet = true;
    cfg.analyses.run = vec![
        retrotrial::results::Analysis::Descriptives,
        retrotrial::results::Analysis::Responders,
    ];
    retrotrial::app::analyze(&dataset("golden/ties_small.csv"), &cfg).unwrap();
    for o in ["pain_nrs", "womac_total"] {
        let svg =
            std::fs::read_to_string(dir.path().join(format!("plots/responders_{o}.svg"))).unwrap();
        assert!(
            svg.contains("backward") && svg.contains("forward") && svg.contains("Wilson"),
            "{o}"
        );
    }
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("(plots/responders_pain_nrs.svg)") && md.contains("Responders (improvement")
    );
}

/// `--docx` (issue 19): a Word package whose parts are where Word looks for them, with the
/// report's sections as Heading1 paragraphs, its tables as Word tables and its figures as
/// embedded PNGs; byte-identical on a rerun; no plots/*.png without `--png`.
#[test]
fn table1_of_three_arms_puts_the_smds_in_a_table_of_their_own() {
    // Three arms: the value table and the SMDs apart (seven columns of numbers overflowed a
    // printed page); two arms: one table with the SMD column.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("consort", "datasets/golden/consort.csv", true),
        ("two", "datasets/golden/two_arm_shuffled.csv", false),
    ];
    for (name, data, apart) in cases {
        let mut cfg = Config::default();
        if apart {
            let study = root().join("tests/golden/consort/study.toml");
            cfg = Config::resolve(Some(&study), &Default::default()).unwrap();
        }
        cfg.report.out_dir = dir.path().join(name);
        cfg.run.quiet = true;
        retrotrial::app::analyze(&root().join(data), &cfg).unwrap();
        let md = std::fs::read_to_string(dir.path().join(name).join("report.md")).unwrap();
        let html = std::fs::read_to_string(dir.path().join(name).join("report.html")).unwrap();
        let table1 = md
            .lines()
            .skip_while(|l| !l.starts_with("**Baseline characteristics by arm**"))
            .find(|l| l.starts_with("| characteristic"))
            .unwrap_or_else(|| panic!("{name}: no Table 1 in\n{md}"));
        let smd_table = md.contains("**Standardised mean differences (SMD) between arms**");
        assert_eq!(smd_table, apart, "{name}");
        assert_eq!(table1.contains("SMD"), !apart, "{name}: {table1}");
        if apart {
            assert!(md.contains(
                "| characteristic | backward-forward | backward-control | forward-control |"
            ));
            assert!(md.contains("| sex | 0.043 | 0.372 | 0.417 |"), "{md}");
        }
        // An interval stays whole when a narrow column wraps; the break comes before it.
        assert!(html.contains(" [5.00,&nbsp;7.00]"), "{name}");
    }
}

#[test]
fn docx_report_has_word_parts_sections_tables_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let study = root().join("tests/golden/consort/study.toml");
    let data = root().join("datasets/golden/consort.csv");
    let mut cfg = Config::resolve(Some(&study), &Default::default()).unwrap();
    cfg.report.out_dir = dir.path().join("a");
    cfg.report.docx = true;
    cfg.run.quiet = true;
    retrotrial::app::analyze(&data, &cfg).unwrap();
    let bytes = std::fs::read(dir.path().join("a/report.docx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} is in the package"))
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    assert!(part("[Content_Types].xml").contains("wordprocessingml.document.main+xml"));
    assert!(part("_rels/.rels").contains("word/document.xml"));
    assert!(part("word/styles.xml").contains("w:styleId=\"Heading1\""));
    let doc = part("word/document.xml");
    for heading in [
        "Baseline characteristics (Table 1)",
        "Harms",
        "Subgroup analyses (exploratory)",
        "CONSORT flow with reasons",
        "CONSORT 2025 checklist",
        "Statistical methods",
    ] {
        let p = format!(
            "<w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t xml:space=\"preserve\">{heading}</w:t>"
        );
        assert!(doc.contains(&p), "no Heading1 `{heading}`");
    }
    assert!(doc.matches("<w:tbl>").count() >= 5);
    let rels = part("word/_rels/document.xml.rels");
    let images = rels.matches("relationships/image").count();
    assert!(images >= 2, "figures are embedded ({images})");
    for k in 1..=images {
        assert!(doc.contains(&format!("r:embed=\"rIdImg{k}\"")));
        let mut png = Vec::new();
        zip.by_name(&format!("word/media/image{k}.png"))
            .unwrap()
            .read_to_end(&mut png)
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    assert!(!dir.path().join("a/plots/flow.png").exists());
    // Deterministic: the same run gives the same bytes.
    cfg.report.out_dir = dir.path().join("b");
    retrotrial::app::analyze(&data, &cfg).unwrap();
    assert!(std::fs::read(dir.path().join("b/report.docx")).unwrap() == bytes);
}
