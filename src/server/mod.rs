//! `retrotrial app`: a local HTTP server on a loopback address that puts the library behind a
//! page in the user's browser. It owns the listener, the bounded worker pool, the per-launch
//! token, the `Host`/`Origin` checks and the session folder (a private temporary folder where
//! uploads and runs live, removed on exit). It computes nothing itself: every analysis goes
//! through the [`Backend`] functions, the same ones the commands run.

mod api;
mod http;
mod page;
mod runs;
mod tools;

use std::io::Read;
use std::net::{IpAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::cli::{AppArgs, CheckArgs, MetaArgs, PowerArgs, ReproduceArgs};
use crate::config::{Config, ConfigError};
use crate::error::Error;
use crate::output::OutputError;
use crate::results::ResultSet;

/// Requests handled at once; further connections queue (up to [`QUEUE`]), then get 503.
const WORKERS: usize = 4;
/// Connections waiting for a worker.
const QUEUE: usize = 32;
/// How long a closing page's shutdown waits for a reload to cancel it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The library functions the server calls, passed in by `app` (which owns the commands), so
/// that the server cannot grow a second implementation of any of them.
#[derive(Clone, Copy)]
pub struct Backend {
    /// `init`: the study TOML inferred from a data file.
    pub infer: fn(&Path) -> Result<String, Error>,
    /// `analyze`: the whole pipeline into `cfg.report.out_dir`, the data file shown by the
    /// name the user uploaded it under, its tasks counted into the progress.
    pub analyze: fn(&Path, &str, &Config, &crate::run::Progress) -> Result<ResultSet, Error>,
    /// `reproduce`: the literature pack's checks and claims into `args.out`.
    pub reproduce: fn(&ReproduceArgs) -> Result<(), Error>,
    /// `check`: a paper's statistics into `args.out` (returns the summary line), or a summary
    /// table's checks (returns the text the command prints); the file shown by the given name.
    pub check: fn(&CheckArgs, &str) -> Result<String, Error>,
    /// `meta`: the pooled models, figures and reports into `args.out`; the summary line.
    pub meta: fn(&MetaArgs, &str) -> Result<String, Error>,
    /// `power` (closed form): the table it prints; `power.json` and the curve into `args.out`.
    pub power: fn(&PowerArgs) -> Result<String, Error>,
}

/// What every request handler shares.
pub(crate) struct State {
    token: String,
    port: u16,
    max_upload: u64,
    session: PathBuf,
    literature: PathBuf,
    backend: Backend,
    next_id: AtomicU64,
    /// The open pages and, when the last one closed, when to stop.
    pages: Mutex<Pages>,
    /// Set by Ctrl-C (SIGINT/SIGTERM).
    interrupted: Arc<AtomicBool>,
    /// The claims of the literature pack, computed once.
    claims: Mutex<Option<Vec<u8>>>,
    /// The analyses started, by run id, each with its own progress.
    runs: Mutex<std::collections::BTreeMap<u64, Arc<runs::Run>>>,
    /// Connections whose request head has arrived and that are being answered.
    busy: std::sync::atomic::AtomicUsize,
}

/// Counts a connection as being answered while it lives ([`State::busy`]).
struct Busy<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Busy<'a> {
    fn enter(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Busy(count)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl State {
    fn fresh_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn stopping(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
            || lock(&self.pages)
                .stop_at
                .is_some_and(|t| Instant::now() >= t)
    }
}

/// The pages open in a browser, by the random id each page picks when it loads. Closing the
/// last one stops the server after [`SHUTDOWN_GRACE`], unless a page says hello before (a
/// reload: its new page may say hello before or after the old page's goodbye arrives).
#[derive(Debug, Default)]
pub(crate) struct Pages {
    open: std::collections::BTreeSet<String>,
    stop_at: Option<Instant>,
}

impl Pages {
    /// A page loaded: the server stays.
    pub(crate) fn hello(&mut self, id: &str) {
        self.open.insert(id.to_string());
        self.stop_at = None;
    }

    /// A page closed (`None`: an unnamed request to stop); `now` stops at once.
    pub(crate) fn goodbye(&mut self, id: Option<&str>, now: bool) {
        if let Some(id) = id {
            self.open.remove(id);
        }
        if now {
            self.stop_at = Some(Instant::now());
        } else if self.open.is_empty() {
            self.stop_at = Some(Instant::now() + SHUTDOWN_GRACE);
        }
    }
}

/// A mutex's value even after a panicking holder (the data are plain values, never half-written).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The address to bind: a loopback address only, so nothing off this machine can connect.
///
/// # Errors
/// Not an IP address, or not a loopback one (exit 2).
pub fn loopback(addr: &str) -> Result<IpAddr, Error> {
    let ip: IpAddr = addr.parse().map_err(|_| {
        ConfigError::Invalid(format!(
            "--bind `{addr}` is not an IP address; use 127.0.0.1 (the default)"
        ))
    })?;
    if !ip.is_loopback() {
        return Err(ConfigError::Invalid(format!(
            "--bind {addr} is not a loopback address: the app serves patient data and only \
listens on this machine (127.0.0.1 or ::1)"
        ))
        .into());
    }
    Ok(ip)
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    OutputError::Write {
        path: path.to_path_buf(),
        source,
    }
    .into()
}

/// A 128-bit random token from the operating system's generator.
fn new_token() -> String {
    use rand::RngExt;
    let v: u128 = rand::rng().random();
    format!("{v:032x}")
}

/// The private session folder: `$TMPDIR/retrotrial-app-PID-RANDOM`, mode 0700 on Unix.
fn session_dir() -> Result<PathBuf, Error> {
    let dir = std::env::temp_dir().join(format!(
        "retrotrial-app-{}-{}",
        std::process::id(),
        &new_token()[..12]
    ));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&dir).map_err(|e| io_error(&dir, e))?;
    Ok(dir)
}

/// The largest accepted upload unless `--max-upload` says otherwise (1 GiB).
pub const DEFAULT_MAX_UPLOAD: u64 = 1 << 30;

/// Runs the app until Ctrl-C or the page asks it to stop; removes the session folder on exit.
///
/// # Errors
/// A non-loopback `--bind`, a port that cannot be bound, or no temporary folder (exit 2).
pub fn serve(a: &AppArgs, backend: &Backend) -> Result<(), Error> {
    let bind = a.bind.clone().unwrap_or_else(|| "127.0.0.1".into());
    let port = a.port.unwrap_or(0);
    let ip = loopback(&bind)?;
    let listener = TcpListener::bind((ip, port)).map_err(|e| {
        ConfigError::Invalid(format!(
            "cannot listen on {ip} port {port}: {e}; choose another --port (0 picks a free one)"
        ))
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| io_error(Path::new("socket"), e))?
        .port();
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Without the handler Ctrl-C still stops the server, only the session folder stays.
        let _ = signal_hook::flag::register(sig, Arc::clone(&interrupted));
    }
    let state = Arc::new(State {
        token: new_token(),
        port,
        max_upload: a.max_upload.unwrap_or(DEFAULT_MAX_UPLOAD),
        session: session_dir()?,
        literature: a
            .literature
            .clone()
            .unwrap_or_else(|| crate::config::DEFAULT_LITERATURE.into()),
        backend: *backend,
        next_id: AtomicU64::new(0),
        pages: Mutex::new(Pages::default()),
        interrupted,
        claims: Mutex::new(None),
        runs: Mutex::new(std::collections::BTreeMap::new()),
        busy: std::sync::atomic::AtomicUsize::new(0),
    });
    let host = match ip {
        IpAddr::V4(v) => v.to_string(),
        IpAddr::V6(v) => format!("[{v}]"),
    };
    let url = format!("http://{host}:{port}/?token={}", state.token);
    println!("retrotrial app: {url}");
    eprintln!(
        "retrotrial: serving on {host}:{port} only, files in the session folder {}",
        state.session.display()
    );
    eprintln!("retrotrial: stop with Ctrl-C or close the page");
    if !a.no_open {
        open_browser(&url);
    }
    let result = accept_loop(&listener, &state);
    if let Err(e) = std::fs::remove_dir_all(&state.session) {
        eprintln!(
            "retrotrial: could not remove {}: {e}",
            state.session.display()
        );
    }
    result
}

/// Opens the URL in the default browser when a known opener exists; never fails.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!("retrotrial: could not start `{opener}`; open the URL above in your browser");
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<State>) -> Result<(), Error> {
    // Non-blocking accept, polled, so Ctrl-C and a shutdown request are seen within 50 ms.
    listener
        .set_nonblocking(true)
        .map_err(|e| io_error(Path::new("socket"), e))?;
    let (tx, rx) = mpsc::sync_channel::<TcpStream>(QUEUE);
    let rx = Arc::new(Mutex::new(rx));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let rx = Arc::clone(&rx);
            let st = Arc::clone(state);
            std::thread::spawn(move || {
                loop {
                    let next = lock(&rx).recv();
                    match next {
                        Ok(s) => handle(&st, s),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    while !state.stopping() {
        match listener.accept() {
            Ok((s, _)) => {
                if let Err(mpsc::TrySendError::Full(mut s)) = tx.try_send(s) {
                    let _ =
                        http::Response::error(503, "the app is busy; try again").write_to(&mut s);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    drop(tx);
    // Wait for the requests being answered, not for a connection that has sent nothing: a
    // browser keeps spare connections open, and a worker waiting for their first byte (up to
    // the 60 s read timeout) kept the app running long after its page closed. Such a worker is
    // left behind; the process ends when `main` returns.
    while !workers.iter().all(std::thread::JoinHandle::is_finished)
        && state.busy.load(Ordering::SeqCst) > 0
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("retrotrial: app stopped");
    Ok(())
}

/// One connection: read the head, check it, route it, answer, close.
fn handle(st: &State, mut s: TcpStream) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(60)));
    let (req, prefix) = match http::read_head(&mut s) {
        Ok(x) => x,
        Err(http::HeadError::TooLarge) => {
            let _ = http::Response::error(431, "request head too large").write_to(&mut s);
            return;
        }
        Err(http::HeadError::Malformed(why)) => {
            let _ = http::Response::error(400, why).write_to(&mut s);
            return;
        }
        Err(http::HeadError::Closed) => return,
    };
    let _busy = Busy::enter(&st.busy);
    if req.header("transfer-encoding").is_some() {
        let _ = http::Response::error(411, "send the body with a Content-Length").write_to(&mut s);
        return;
    }
    let len = match req.content_length() {
        Ok(n) => n.unwrap_or(0),
        Err(()) => {
            let _ = http::Response::error(400, "bad Content-Length").write_to(&mut s);
            return;
        }
    };
    let reader = s.try_clone();
    let resp = match reader {
        Ok(r) => {
            let rest = len.saturating_sub(prefix.len() as u64);
            let mut body = std::io::Cursor::new(prefix).take(len).chain(r.take(rest));
            let resp = match guard(st, &req) {
                Err(refused) => refused,
                Ok(()) => api::route(st, &req, len, &mut body),
            };
            // Unread body bytes would make closing reset the connection before the client
            // reads the answer (a 413 on a large upload): drain briefly after answering.
            let unread = body.get_ref().1.limit() > 0;
            let _ = resp.write_to(&mut s);
            if unread {
                let _ = s.shutdown(std::net::Shutdown::Write);
                let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                let _ = std::io::copy(&mut body.take(64 << 20), &mut std::io::sink());
            }
            return;
        }
        Err(_) => http::Response::error(500, "socket error"),
    };
    let _ = resp.write_to(&mut s);
}

/// The checks every request passes before routing: a `Host` naming this server (against DNS
/// rebinding), no `Origin` but this server's own (against other web pages), a known path, and
/// the token on everything but the static assets.
fn guard(st: &State, req: &http::Request) -> Result<(), http::Response> {
    let hosts = [
        format!("127.0.0.1:{}", st.port),
        format!("localhost:{}", st.port),
        format!("[::1]:{}", st.port),
    ];
    let ok_host = req
        .header("host")
        .is_some_and(|h| hosts.iter().any(|x| x.eq_ignore_ascii_case(h)));
    if !ok_host {
        return Err(http::Response::error(
            403,
            "Host must be 127.0.0.1 or localhost with this server's port",
        ));
    }
    if let Some(o) = req.header("origin")
        && !hosts
            .iter()
            .any(|x| o.eq_ignore_ascii_case(&format!("http://{x}")))
    {
        return Err(http::Response::error(
            403,
            "requests from other sites are refused",
        ));
    }
    let route = api::Route::of(&req.path).ok_or_else(|| http::Response::error(404, "not found"))?;
    if route.is_public() {
        return Ok(());
    }
    let given = req
        .header("x-retrotrial-token")
        .or_else(|| req.query("token"))
        .unwrap_or_default();
    if !same(given.as_bytes(), st.token.as_bytes()) {
        return Err(http::Response::error(
            403,
            "missing or wrong token: open the URL `retrotrial app` printed",
        ));
    }
    Ok(())
}

/// Equality whose time does not depend on where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_bound() {
        assert!(loopback("127.0.0.1").is_ok());
        assert!(loopback("::1").is_ok());
        for bad in ["0.0.0.0", "192.168.1.2", "::", "localhost-ish"] {
            let e = loopback(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn the_server_stops_when_the_last_page_closes_and_a_reload_keeps_it() {
        let mut p = Pages::default();
        p.hello("a");
        p.hello("b");
        p.goodbye(Some("a"), false);
        assert!(p.stop_at.is_none(), "another page is open");
        p.goodbye(Some("b"), false);
        assert!(p.stop_at.is_some(), "the last page closed");
        p.hello("c");
        assert!(p.stop_at.is_none(), "a reload's hello after the goodbye");
        // The reload's hello before the old page's goodbye.
        p.hello("d");
        p.goodbye(Some("c"), false);
        assert!(p.stop_at.is_none());
        p.goodbye(None, true);
        assert!(p.stop_at.is_some_and(|t| t <= Instant::now()));
    }

    #[test]
    fn tokens_are_random_hex_and_compared_exactly() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same(a.as_bytes(), a.as_bytes()));
        assert!(!same(a.as_bytes(), b.as_bytes()));
        assert!(!same(&a.as_bytes()[..31], a.as_bytes()));
    }
}
