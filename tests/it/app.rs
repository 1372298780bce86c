//! `retrotrial app` (issue 23): the server started as a child on a random port and spoken to
//! over raw HTTP: the security checks (token, Host, Origin, unknown paths, upload limit,
//! loopback-only bind), concurrent runs in separate folders, and the app's run giving the same
//! records.json as `retrotrial analyze` with the study TOML the app saved.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{bin, dataset, root};

/// A running `retrotrial app`, killed (by its own pid) when dropped.
struct App {
    child: Child,
    port: u16,
    token: String,
}

/// The exit status of `child`, which must end within `secs` seconds (else the test fails with
/// `what`).
fn exit_within(child: &mut Child, secs: u64, what: &str) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        assert!(t.elapsed() < Duration::from_secs(secs), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl App {
    fn start(extra: &[&str]) -> App {
        let mut child = Command::new(env!("CARGO_BIN_EXE_retrotrial"))
            .args(["app", "--no-open"])
            .args(extra)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("app starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("app prints its URL");
        let url = line.trim().strip_prefix("retrotrial app: ").expect(&line);
        let rest = url.strip_prefix("http://127.0.0.1:").expect(url);
        let (port, token) = rest.split_once("/?token=").expect(url);
        App {
            child,
            port: port.parse().expect("port"),
            token: token.to_string(),
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A request with the right Host and the token in the query.
    fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let p = format!("{path}{sep}token={}", self.token);
        raw(self.port, method, &p, &[("Host", &self.host())], body)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let (s, b) = self.call(method, path, body.to_string().as_bytes());
        (s, serde_json::from_slice(&b).expect("JSON answer"))
    }

    /// Starts an analysis, polls its progress until it ends and returns the status and result
    /// (the percentages seen never go down and end at 100).
    fn analyze(&self, req: &Value) -> (u16, Value) {
        let (s, started) = self.json("POST", "/api/analyze", req);
        if s != 202 {
            return (s, started);
        }
        let link = started["progress"]
            .as_str()
            .expect("a progress link")
            .to_string();
        let mut last = 0;
        let t = Instant::now();
        loop {
            let (s, p) = self.json("GET", &link, &json!(null));
            assert_eq!(s, 200, "{p}");
            assert_eq!(p["run"], started["run"], "{p}");
            let pct = p["percent"].as_u64().expect("percent");
            assert!(pct >= last && pct <= 100, "{last} then {pct}");
            last = pct;
            if p["state"] != "running" {
                assert_eq!(pct, 100, "{p}");
                assert_eq!(p["state"] == "done", p["status"] == 200, "{p}");
                return (p["status"].as_u64().unwrap() as u16, p["result"].clone());
            }
            assert!(pct < 100, "{p}");
            assert!(
                t.elapsed() < Duration::from_secs(300),
                "the run never ended"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Uploads a file as it is; its upload id.
    fn upload(&self, file: &std::path::Path) -> u64 {
        let bytes = std::fs::read(file).expect("file");
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let (s, b) = self.call("POST", &format!("/api/upload?name={name}"), &bytes);
        let v: Value = serde_json::from_slice(&b).expect("JSON answer");
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["bytes"], bytes.len(), "{v}");
        v["upload"].as_u64().expect("an id")
    }

    fn inspect(&self, file: &std::path::Path) -> Value {
        let bytes = std::fs::read(file).expect("data file");
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let (s, b) = self.call("POST", &format!("/api/inspect?name={name}"), &bytes);
        let v: Value = serde_json::from_slice(&b).expect("JSON answer");
        assert_eq!(s, 200, "{v}");
        v
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and body of the answer.
fn raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading the body; a refused write is then fine.
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let at = text.find("\r\n\r\n").expect("head ends") + 4;
    (status, out[at..].to_vec())
}

#[test]
fn requests_without_token_right_host_or_origin_or_outside_the_app_are_refused() {
    let app = App::start(&[]);
    let host = app.host();
    let tok = format!("token={}", app.token);
    let ok_host = [("Host", host.as_str())];
    // The right request works…
    assert_eq!(
        raw(app.port, "GET", &format!("/?{tok}"), &ok_host, b"").0,
        200
    );
    // …without the token, or with a wrong one, it does not.
    assert_eq!(raw(app.port, "GET", "/", &ok_host, b"").0, 403);
    assert_eq!(raw(app.port, "GET", "/api/reproduce", &ok_host, b"").0, 403);
    let wrong = format!("/api/reproduce?token={}", "0".repeat(32));
    assert_eq!(raw(app.port, "GET", &wrong, &ok_host, b"").0, 403);
    assert_eq!(
        raw(
            app.port,
            "POST",
            "/api/inspect?name=a.csv",
            &ok_host,
            b"x,y\n"
        )
        .0,
        403
    );
    // A foreign Origin (another web page calling the API) is refused even with the token.
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let h = [("Host", host.as_str()), ("Origin", origin)];
        let (s, b) = raw(app.port, "GET", &format!("/api/reproduce?{tok}"), &h, b"");
        assert_eq!(s, 403, "{origin}: {}", String::from_utf8_lossy(&b));
    }
    let own = format!("http://{host}");
    let h = [("Host", host.as_str()), ("Origin", own.as_str())];
    assert_eq!(raw(app.port, "GET", &format!("/?{tok}"), &h, b"").0, 200);
    // A Host that is not this server (DNS rebinding) is refused, and so is none.
    for bad in ["evil.example", "evil.example:80", "127.0.0.1:1"] {
        let (s, _) = raw(app.port, "GET", &format!("/?{tok}"), &[("Host", bad)], b"");
        assert_eq!(s, 403, "{bad}");
    }
    assert_eq!(raw(app.port, "GET", &format!("/?{tok}"), &[], b"").0, 403);
    let lh = format!("localhost:{}", app.port);
    assert_eq!(
        raw(app.port, "GET", &format!("/?{tok}"), &[("Host", &lh)], b"").0,
        200
    );
    // Paths outside the app's routes are 404, with or without the token.
    for p in [
        "/etc/passwd",
        "/api/runs/1/../../../etc/passwd",
        "/api/runs/1/results.csv",
        "/api",
        "/app.js/x",
    ] {
        assert_eq!(
            raw(app.port, "GET", &format!("{p}?{tok}"), &ok_host, b"").0,
            404,
            "{p}"
        );
    }
    // Chunked bodies are not spoken: 411, not a body read as empty.
    let h = [("Host", host.as_str()), ("Transfer-Encoding", "chunked")];
    assert_eq!(
        raw(app.port, "POST", &format!("/api/inspect?{tok}"), &h, b"").0,
        411
    );
    // A run that does not exist is 404, the wrong method 405.
    assert_eq!(app.call("GET", "/api/runs/99/records.json", b"").0, 404);
    assert_eq!(app.call("GET", "/api/runs/99/progress", b"").0, 404);
    assert_eq!(app.call("GET", "/api/analyze", b"").0, 405);
    // Every endpoint of issue 23's later forms refuses a missing token and a foreign Origin.
    for (method, path) in [
        ("POST", "/api/upload?name=a.txt"),
        ("POST", "/api/check"),
        ("POST", "/api/meta"),
        ("POST", "/api/power"),
        ("GET", "/api/runs/1/progress"),
        ("GET", "/api/runs/1/power_curve.svg"),
        ("GET", "/api/runs/1/check.json"),
        ("GET", "/api/reproduce/report.html"),
    ] {
        let body = br#"{"n": 20, "delta": 1}"#;
        assert_eq!(raw(app.port, method, path, &ok_host, body).0, 403, "{path}");
        let sep = if path.contains('?') { '&' } else { '?' };
        let with_tok = format!("{path}{sep}{tok}");
        let h = [("Host", host.as_str()), ("Origin", "http://evil.example")];
        assert_eq!(raw(app.port, method, &with_tok, &h, body).0, 403, "{path}");
        let wrong = if method == "GET" { "POST" } else { "GET" };
        assert_eq!(
            raw(app.port, wrong, &with_tok, &ok_host, b"").0,
            405,
            "{path}"
        );
    }
}

#[test]
fn an_upload_over_the_limit_gets_413_with_a_clear_error() {
    let app = App::start(&["--max-upload", "1000"]);
    let (s, b) = app.call("POST", "/api/inspect?name=big.csv", &vec![b'1'; 200_000]);
    assert_eq!(s, 413);
    let v: Value = serde_json::from_slice(&b).unwrap();
    let e = v["error"].as_str().unwrap();
    assert!(
        e.contains("200000 bytes") && e.contains("limit of 1000") && e.contains("--max-upload"),
        "{e}"
    );
    // Under the limit it is read.
    let (s, _) = app.call(
        "POST",
        "/api/inspect?name=small.csv",
        b"participant_id,arm,timepoint,outcome,value\n",
    );
    assert_ne!(s, 413);
    // The same limit holds for the paper and table uploads and the forms' JSON bodies.
    for path in [
        "/api/upload?name=paper.txt",
        "/api/check",
        "/api/meta",
        "/api/power",
        "/api/analyze",
    ] {
        let (s, b) = app.call("POST", path, &vec![b' '; 5000]);
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(s, 413, "{path}: {v}");
        assert!(v["error"].as_str().unwrap().contains("--max-upload"), "{v}");
    }
    let (s, _) = app.call(
        "POST",
        "/api/upload?name=paper.txt",
        b"t(38) = 2.45, p = .019",
    );
    assert_eq!(s, 200);
}

#[test]
fn binding_a_non_loopback_address_is_refused() {
    for addr in ["0.0.0.0", "::", "192.0.2.1"] {
        bin()
            .args(["app", "--no-open", "--bind", addr])
            .timeout(Duration::from_secs(30))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("not a loopback address"));
    }
}

#[test]
fn a_broken_file_lists_its_problems_with_lines() {
    let app = App::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(dataset("example/trial.csv")).unwrap();
    text = text.replacen(
        "P000001,backward,baseline,pain_nrs,5",
        "P000001,backward,baseline,pain_nrs,five",
        1,
    );
    let f = crate::common::write(dir.path(), "broken.csv", &text);
    let v = app.inspect(&f);
    assert!(v["errors"].as_u64().unwrap() >= 1, "{v}");
    let issue = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["severity"] == "error")
        .expect("an error");
    assert_eq!(issue["line"], 2, "{issue}");
    assert!(
        issue["message"].as_str().unwrap().contains("five"),
        "{issue}"
    );
}

#[test]
fn the_apps_run_equals_analyze_with_the_saved_study_toml_and_concurrent_runs_do_not_mix() {
    let app = App::start(&[]);
    let trial = dataset("example/trial.csv");
    let inspected = app.inspect(&trial);
    assert_eq!(inspected["errors"], 0, "{inspected}");
    assert_eq!(inspected["arms"], json!(["backward", "forward", "control"]));
    assert_eq!(inspected["layout"], "long");
    // Rename an arm in the form, as the page does.
    let (s, edited) = app.json(
        "POST",
        "/api/study",
        &json!({
            "study_toml": inspected["study_toml"],
            "arms": [{ "from": "control", "to": "usual_care" }],
            "reference_arm": "forward",
        }),
    );
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["arms"], json!(["backward", "forward", "usual_care"]));
    let req = json!({ "upload": inspected["upload"], "study_toml": edited["study_toml"] });
    // Two runs at once, each polled to 100 % through its own progress.
    let runs: Vec<Value> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2).map(|_| sc.spawn(|| app.analyze(&req))).collect();
        hs.into_iter()
            .map(|h| {
                let (s, v) = h.join().unwrap();
                assert_eq!(s, 200, "{v}");
                v
            })
            .collect()
    });
    assert_ne!(runs[0]["run"], runs[1]["run"]);
    assert_ne!(runs[0]["links"]["records"], runs[1]["links"]["records"]);
    let get = |link: &Value| {
        let (s, b) = app.call("GET", link.as_str().unwrap(), b"");
        assert_eq!(s, 200);
        b
    };
    let records: Vec<Vec<u8>> = runs.iter().map(|r| get(&r["links"]["records"])).collect();
    assert_eq!(
        records[0], records[1],
        "same input, same seed: same records"
    );
    let text = String::from_utf8(records[0].clone()).unwrap();
    assert!(
        text.contains("usual_care"),
        "the renamed arm is in the records"
    );
    // The CLI with the study TOML the app saved gives byte-identical records.json.
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study.toml");
    std::fs::write(&study, get(&runs[0]["links"]["study"])).unwrap();
    let out = dir.path().join("out");
    bin()
        .arg("analyze")
        .arg(&trial)
        .arg("--study")
        .arg(&study)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let cli = std::fs::read(out.join("records.json")).unwrap();
    assert!(
        cli == records[0],
        "records.json differs between the app and the CLI"
    );
    // The report is served for the page's iframe, self-contained.
    let (s, html) = app.call("GET", runs[0]["links"]["report"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(html.contains("usual_care"));
    // Its provenance names the file as uploaded, never the session folder.
    assert!(
        html.contains("trial.csv"),
        "the upload's name is in the report"
    );
    assert!(
        !html.contains("retrotrial-app-"),
        "the session folder shows in the report"
    );
    // Saving needs a full path and writes only there.
    let target = dir.path().join("saved");
    let save = format!("/api/runs/{}/save", runs[0]["run"]);
    let (s, v) = app.json("POST", &save, &json!({ "folder": "relative/dir" }));
    assert_eq!(s, 400, "{v}");
    let (s, v) = app.json("POST", &save, &json!({ "folder": target }));
    assert_eq!(s, 200, "{v}");
    assert_eq!(std::fs::read(target.join("records.json")).unwrap(), cli);
    assert!(target.join("study.toml").is_file() && target.join("report.html").is_file());
}

/// The check, meta and power forms run the commands: their outputs equal the CLI's, byte for
/// byte, and their files show the uploaded names, never the session folder.
#[test]
fn check_meta_and_power_in_the_app_equal_the_cli() {
    let app = App::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let papers = root().join("datasets/papers");
    // A paper: check.json as `retrotrial check example.txt` writes it in the paper's folder.
    let up = app.upload(&papers.join("example.txt"));
    let (s, v) = app.json("POST", "/api/check", &json!({ "upload": up }));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kind"], "paper");
    let cli_out = dir.path().join("check");
    bin()
        .current_dir(&papers)
        .arg("check")
        .arg("example.txt")
        .arg("--out")
        .arg(&cli_out)
        .assert()
        .success();
    let cli = std::fs::read(cli_out.join("check.json")).unwrap();
    let (s, ours) = app.call("GET", v["links"]["checks"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    assert!(
        ours == cli,
        "check.json differs between the app and the CLI"
    );
    let rows: Vec<Value> = serde_json::from_slice(&cli).unwrap();
    assert_eq!(v["results"], rows.len());
    assert!(v["verdicts"]["inconsistent"].as_u64() >= Some(1), "{v}");
    let (s, html) = app.call("GET", v["links"]["report"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(
        html.contains("<h2>example.txt</h2>"),
        "the paper by its name"
    );
    assert!(!html.contains("retrotrial-app-"));
    // A summary table with its reported results: the text the command prints.
    let lit = root().join("datasets/literature");
    let up = app.upload(&lit.join("summary_stats.csv"));
    let rep = app.upload(&lit.join("reported_results.csv"));
    let (s, v) = app.json(
        "POST",
        "/api/check",
        &json!({ "upload": up, "reported": rep }),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kind"], "table");
    let out = bin()
        .arg("check")
        .arg(lit.join("summary_stats.csv"))
        .arg("--reported")
        .arg(lit.join("reported_results.csv"))
        .output()
        .unwrap();
    assert_eq!(
        v["text"].as_str().unwrap(),
        String::from_utf8(out.stdout).unwrap()
    );
    // Meta: records.json as `retrotrial meta` writes it.
    let studies = dataset("golden/meta8.csv");
    let up = app.upload(&studies);
    let form =
        json!({ "upload": up, "measure": "md", "method": "dl", "test": "hk", "better": "lower" });
    let (s, v) = app.json("POST", "/api/meta", &form);
    assert_eq!(s, 200, "{v}");
    let meta_out = dir.path().join("meta");
    bin()
        .arg("meta")
        .arg(&studies)
        .args([
            "--measure",
            "md",
            "--method",
            "dl",
            "--test",
            "hk",
            "--better",
            "lower",
        ])
        .arg("--out")
        .arg(&meta_out)
        .assert()
        .success();
    let (s, ours) = app.call("GET", v["links"]["records"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    assert!(
        ours == std::fs::read(meta_out.join("records.json")).unwrap(),
        "meta records.json differs between the app and the CLI"
    );
    let (s, html) = app.call("GET", v["links"]["report"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(
        html.contains("<svg") && html.contains("meta8.csv") && !html.contains("retrotrial-app-")
    );
    // A broken studies table: the error names the uploaded file, not the session folder.
    let bad = crate::common::write(dir.path(), "broken_studies.csv", "study_id,arm,n\nS1,a,x\n");
    let up = app.upload(&bad);
    let (s, v) = app.json("POST", "/api/meta", &json!({ "upload": up }));
    assert_eq!(s, 422, "{v}");
    let e = v["error"].as_str().unwrap();
    assert!(
        e.contains("broken_studies.csv") && !e.contains("retrotrial-app-"),
        "{e}"
    );
    // Power: power.json as `retrotrial power --out` writes it, and the curve.
    let form = json!({ "design": "ancova", "delta": "1", "sd": "2", "rho": "0.5", "power": "0.8" });
    let (s, v) = app.json("POST", "/api/power", &form);
    assert_eq!(s, 200, "{v}");
    let power_out = dir.path().join("power");
    let out = bin()
        .args([
            "power", "--design", "ancova", "--delta", "1", "--sd", "2", "--rho", "0.5",
        ])
        .args(["--power", "0.8", "--out"])
        .arg(&power_out)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        v["table"].as_str().unwrap(),
        String::from_utf8(out.stdout).unwrap()
    );
    let (s, ours) = app.call("GET", v["links"]["json"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    assert!(ours == std::fs::read(power_out.join("power.json")).unwrap());
    let (s, svg) = app.call("GET", v["links"]["figure"].as_str().unwrap(), b"");
    assert_eq!(s, 200);
    assert!(svg == std::fs::read(power_out.join("power_curve.svg")).unwrap());
    // A form clap refuses gets clap's message; fields outside the form are never passed on.
    let (s, v) = app.json(
        "POST",
        "/api/power",
        &json!({ "design": "sideways", "n": 20 }),
    );
    assert_eq!(s, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("sideways"), "{v}");
    let (s, v) = app.json(
        "POST",
        "/api/power",
        &json!({ "n": 20, "delta": 1, "out": dir.path().join("escaped") }),
    );
    assert_eq!(s, 200, "{v}");
    assert!(!dir.path().join("escaped").exists());
    let (s, v) = app.json("POST", "/api/power", &json!({ "n": 20 }));
    assert_eq!(s, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("give two of"), "{v}");
    // A check without an upload.
    assert_eq!(
        app.json("POST", "/api/check", &json!({ "upload": 999 })).0,
        400
    );
}

/// A browser keeps spare connections open without sending anything on them: the app must not
/// wait for their first byte (up to its 60 s read timeout) before it stops.
#[test]
fn an_idle_connection_does_not_keep_the_app_running() {
    let mut app = App::start(&[]);
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(app.host()).expect("connects"))
        .collect();
    // Let the workers take the idle connections.
    std::thread::sleep(Duration::from_millis(300));
    let (s, _) = app.call("POST", "/api/shutdown?now=1", b"");
    assert_eq!(s, 200);
    let st = exit_within(
        &mut app.child,
        10,
        "the app waited for the idle connections",
    );
    assert!(st.success(), "{st}");
    drop(idle);
}

#[test]
fn the_claims_tab_gets_the_packs_claims_and_shutdown_stops_the_server() {
    let mut app = App::start(&[]);
    let (s, v) = app.json("GET", "/api/reproduce", &json!(null));
    assert_eq!(s, 200, "{v}");
    let claims = v.as_array().unwrap();
    assert!(claims.len() >= 5);
    assert!(
        claims
            .iter()
            .all(|c| c["verdict"].is_string() && c["summary"].is_string())
    );
    // Every checked number of the pack, in the reproduction report.
    let (s, html) = app.call("GET", "/api/reproduce/report.html", b"");
    assert_eq!(s, 200);
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(html.contains("<svg"), "the forest plot");
    let (s, _) = app.call("POST", "/api/shutdown?now=1", b"");
    assert_eq!(s, 200);
    let st = exit_within(&mut app.child, 30, "the app did not stop");
    assert!(st.success(), "{st}");
}

/// The page in headless Chromium, driven by npm's playwright-core (tests/e2e/app.e2e.mjs): the
/// example trial uploaded, an arm renamed, run with the progress reaching 100 %, the primary
/// result found in the report; a broken file's validation error; a paper's check verdicts; the
/// sample-size form's number and curve; a meta-analysis report; the claims tab with their
/// numbers; no request outside the app; closing the page stops the server. Screenshots go to `target/tmp/app-e2e/`. Needs `node`, `/usr/bin/chromium` (or
/// `CHROMIUM`) and `npm ci` in tests/e2e; without them it is skipped, except under `.ci/run` or
/// `CI`, which install them, where their absence fails.
#[test]
fn app_in_headless_chromium() {
    let e2e = root().join("tests/e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = e2e.join("node_modules/playwright-core").is_dir()
        && std::path::Path::new(&chromium).exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        let set =
            |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        assert!(
            !set("CI") && !set("RETROTRIAL_REQUIRE_CHROMIUM"),
            "the app's browser test needs node, chromium and `npm ci` in tests/e2e"
        );
        eprintln!(
            "skipped: node, chromium or tests/e2e/node_modules missing (run `npm ci` in tests/e2e)"
        );
        return;
    }
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("app-e2e");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(e2e.join("app.e2e.mjs"))
        .env("RETROTRIAL_BIN", env!("CARGO_BIN_EXE_retrotrial"))
        .env("REPO", root())
        .env("SHOTS_DIR", &shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    assert!(log.contains("e2e: all scenarios passed"), "{log}");
    for shot in [
        "app-analyse.png",
        "app-report.png",
        "app-validation.png",
        "app-check.png",
        "app-power.png",
        "app-meta.png",
        "app-claims.png",
    ] {
        let len = std::fs::metadata(shots.join(shot))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 10_000, "{shot} missing or empty");
    }
}

/// Every trial file of the bad-input corpus (tests/data/bad, the `validate`/`analyze` cases)
/// uploaded to the app gets a JSON answer (200 with its problems, or 422 with the reason), never
/// a server error or a hang; a file the CLI finds invalid without a study file shows errors.
#[test]
fn every_bad_input_file_gets_a_clear_answer_from_the_app() {
    let app = App::start(&[]);
    let bad = root().join("tests/data/bad");
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(bad.join("manifest.toml")).unwrap()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for case in manifest["case"].as_array().unwrap() {
        let cmd = case["cmd"].as_str().unwrap();
        let file = case["file"].as_str().unwrap();
        if !["validate", "analyze"].contains(&cmd) || !seen.insert(file.to_string()) {
            continue;
        }
        // `does_not_exist.csv` is a case of the CLI only: there is no file to upload.
        let Ok(bytes) = std::fs::read(bad.join(file)) else {
            continue;
        };
        let (s, b) = app.call("POST", &format!("/api/inspect?name={file}"), &bytes);
        let v: Value = serde_json::from_slice(&b)
            .unwrap_or_else(|_| panic!("{file}: not JSON: {}", String::from_utf8_lossy(&b)));
        assert!(s == 200 || s == 422, "{file}: {s} {v}");
        if s == 422 {
            assert!(
                v["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{file}: {v}"
            );
        }
        let invalid_alone = cmd == "validate"
            && case.get("study").is_none()
            && case["exit"].as_integer() == Some(1);
        if invalid_alone {
            assert!(
                s == 422 || v["errors"].as_u64() > Some(0),
                "{file}: the CLI finds errors, the app none: {v}"
            );
        }
    }
    assert!(seen.len() > 50, "{} corpus files", seen.len());
    // The server still answers.
    assert_eq!(app.call("GET", "/", b"").0, 200);
}

/// Every `check` case of the bad-input corpus dropped on the check tab: a paper or table the
/// CLI cannot read (exit 2) gets a 422 whose error holds the CLI's message fragments, naming the
/// file as uploaded, never the session folder; one it reads (exit 0) gets its verdicts, and
/// markup in it stays out of the served report.
#[test]
fn every_bad_check_input_gets_the_clis_message_from_the_app() {
    let app = App::start(&[]);
    let bad = root().join("tests/data/bad");
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(bad.join("manifest.toml")).unwrap()).unwrap();
    let mut n = 0;
    for case in manifest["case"].as_array().unwrap() {
        if case["cmd"].as_str() != Some("check") {
            continue;
        }
        let file = case["file"].as_str().unwrap();
        let up = app.upload(&bad.join(file));
        let (s, v) = app.json("POST", "/api/check", &json!({ "upload": up }));
        n += 1;
        if case["exit"].as_integer() == Some(2) {
            assert_eq!(s, 422, "{file}: {v}");
            let e = v["error"].as_str().unwrap();
            assert!(!e.contains("retrotrial-app-"), "{file}: {e}");
            let frags = match &case["message"] {
                toml::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                toml::Value::String(m) => vec![m.as_str()],
                _ => Vec::new(),
            };
            for f in frags {
                assert!(e.contains(f), "{file}: `{f}` not in {e}");
            }
            continue;
        }
        assert_eq!(s, 200, "{file}: {v}");
        if let Some(not_in) = case.get("not_in_files").and_then(|x| x.get("report.html")) {
            let (_, html) = app.call("GET", v["links"]["report"].as_str().unwrap(), b"");
            let html = String::from_utf8_lossy(&html).to_string();
            for bad in not_in.as_array().unwrap() {
                assert!(!html.contains(bad.as_str().unwrap()), "{file}: {bad}");
            }
        }
    }
    assert!(n >= 12, "{n} check cases");
}

/// Ctrl-C (SIGINT) stops the server cleanly: exit 0 and the session folder it named removed.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_and_removes_its_session_folder() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retrotrial"))
        .args(["app", "--no-open"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("app starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let session = first
        .split("session folder ")
        .nth(1)
        .expect(&first)
        .trim()
        .to_string();
    assert!(std::path::Path::new(&session).is_dir(), "{session}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = exit_within(&mut child, 30, "the app did not stop on SIGINT");
    assert!(status.success(), "{status}");
    assert!(
        !std::path::Path::new(&session).exists(),
        "{session} left behind"
    );
}

/// The library call under the app's run: `analyze_watched` counts every task of the plan into
/// its own progress, names the file as shown (in the report, not the records), and gives the
/// records `analyze` gives.
#[test]
fn analyze_watched_counts_every_task_and_changes_no_record() {
    use retrotrial::config::{Config, Overrides};
    use retrotrial::run::{Phase, Progress};
    let dir = tempfile::tempdir().unwrap();
    let study = dataset("example/study.toml");
    let data = dataset("example/trial.csv");
    let cfg_for = |out: &str| {
        let o = Overrides {
            out_dir: Some(dir.path().join(out)),
            quiet: true,
            ..Overrides::default()
        };
        Config::resolve(Some(&study), &o).unwrap()
    };
    let (_, plain) = retrotrial::app::analyze(&data, &cfg_for("plain")).unwrap();
    let progress = Progress::default();
    assert_eq!(progress.tasks(), (0, 0));
    let (summary, watched) = retrotrial::app::analyze_watched(
        &data,
        Some("my trial.csv"),
        &cfg_for("watched"),
        &progress,
    )
    .unwrap();
    let (done, total) = progress.tasks();
    assert!(total > 0 && done == total, "{done} of {total} tasks");
    assert_eq!(progress.phase(), Phase::Reports);
    assert_eq!(summary.records, watched.records.len());
    assert_eq!(watched.provenance.input, "my trial.csv");
    assert_eq!(plain.provenance.input, data.display().to_string());
    let read = |d: &str, f: &str| std::fs::read(dir.path().join(d).join(f)).unwrap();
    assert!(read("plain", "records.json") == read("watched", "records.json"));
    let html = String::from_utf8(read("watched", "report.html")).unwrap();
    assert!(html.contains("my trial.csv") && !html.contains(&data.display().to_string()));
}
