//! Real servers on loopback for the tests: a `keyctl serve`/`keyctl signer` child process
//! that is killed when dropped, and a tiny HTTP/1.1 client over `TcpStream` (one request
//! per connection), so tests can also send what no proper client would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::Sandbox;

/// A keyctl server process on 127.0.0.1 and a free port.
pub struct Server {
    child: Child,
    pub addr: String,
    /// What the server printed on stderr before its listening line (warnings).
    pub before_listening: String,
}

impl Server {
    /// Starts `keyctl ARGS --listen 127.0.0.1:0` in `sandbox` and waits for its address.
    pub fn start(sandbox: &Sandbox, args: &[&str]) -> Server {
        Server::start_with_env(sandbox, args, &[])
    }

    /// [`Server::start`] with the environment variables `env` set too.
    pub fn start_with_env(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = sandbox
            .command()
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("KEYCTL_LOG", "off")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start keyctl");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut stderr = BufReader::new(stderr);
        let mut before_listening = String::new();
        let mut line = String::new();
        while stderr
            .read_line(&mut line)
            .expect("read the listening line")
            > 0
            && !line.contains("listening on http://")
        {
            before_listening.push_str(&line);
            line.clear();
        }
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .filter(|a| a.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {line:?} after {before_listening:?}"))
            .to_owned();
        Server {
            child,
            addr,
            before_listening,
        }
    }

    /// `keyctl serve` over the sandbox's store.
    pub fn serve(sandbox: &Sandbox, extra: &[&str]) -> Server {
        let mut args = vec!["serve"];
        args.extend_from_slice(extra);
        Server::start(sandbox, &args)
    }

    /// Sends `signal` and waits for the exit code (None: killed by a signal).
    pub fn stop(mut self, signal: &str) -> Option<i32> {
        let pid = self.child.id().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("run kill");
        assert!(status.success());
        self.child.wait().expect("wait for the server").code()
    }

    pub fn get(&self, path: &str) -> Response {
        request(&self.addr, "GET", path, &[], b"")
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Response {
        request(
            &self.addr,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    pub fn post_form(&self, path: &str, body: &str) -> Response {
        request(
            &self.addr,
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What came back.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// Asserts the status and the JSON body exactly.
    #[track_caller]
    pub fn expect(&self, status: u16, body: Value) {
        assert_eq!(
            (self.status, self.json()),
            (status, body),
            "status and body differ"
        );
    }
}

/// One request on a fresh connection (`Connection: close`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    parse(&exchange(
        addr,
        &raw_request(addr, method, path, headers, body),
    ))
}

/// [`request`], or `None` when nothing listens or the connection ends before a whole
/// response head (the server was killed).
pub fn try_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Response> {
    let raw = try_exchange(addr, &raw_request(addr, method, path, headers, body))?;
    raw.windows(4)
        .any(|w| w == b"\r\n\r\n")
        .then(|| parse(&raw))
}

/// The bytes of a request with `Connection: close`.
fn raw_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// Sends raw bytes and reads until the server closes.
pub fn exchange(addr: &str, raw: &[u8]) -> Vec<u8> {
    try_exchange(addr, raw).expect("connect")
}

/// [`exchange`], or `None` when nothing listens (any more).
pub fn try_exchange(addr: &str, raw: &[u8]) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(raw).ok()?;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    Some(out)
}

/// Parses a whole HTTP/1.1 response (Content-Length bodies).
pub fn parse(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}
