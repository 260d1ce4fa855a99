//! A PDF beside each factsheet page, printed by headless Chromium (Debian's `chromium`): one
//! browser for the whole pack, driven over the DevTools protocol (a WebSocket on 127.0.0.1,
//! spoken here with the standard library), each page loaded from its file and printed with
//! `Page.printToPDF` at the page's CSS size (A4, `@page` in factsheet.css), its print CSS, no
//! header or footer lines, backgrounds kept, tagged for screen readers.
//!
//! Same export, same bytes: Chromium writes the time of printing (`/CreationDate`, `/ModDate`)
//! and the browser's DOM node numbers (the `/ID` of each tagged element) into the file. Both are
//! fixed after printing without changing any length (so the cross-reference offsets stay
//! right): the dates become 1970-01-01 00:00:00 (the reproducible-builds convention for "no
//! date"), and the node numbers are renumbered 1, 2, 3… in the order the tagged elements come
//! in the file (the structure tree's order; Chromium's own numbers follow the DOM's creation
//! order, which can differ between two runs), after which the ID name tree's keys are sorted
//! again. The rest of the file depends only on the page and the Chromium version.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{FactsheetError, Result};

/// How long Chromium may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one page may take to load and print.
const PAGE_TIMEOUT: Duration = Duration::from_secs(120);
/// The browsers looked for on the PATH, in this order.
pub const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Whether to write PDFs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PdfMode {
    /// When Chromium is on the PATH; without it the HTML pack is written and a note says why
    /// there are no PDFs.
    #[default]
    Auto,
    /// Always: no Chromium is an error (and nothing is published).
    Always,
    /// Never (HTML only).
    Never,
}

/// The headless browser on the PATH, if any.
#[must_use]
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| BROWSERS.iter().map(|b| dir.join(b)).find(|p| p.is_file()))
}

/// The sentence a pack without PDFs carries.
#[must_use]
pub fn missing_note() -> String {
    format!(
        "no PDFs: none of {} is on the PATH (install Debian's chromium: apt-get install chromium); the HTML pages print to A4 from a browser",
        BROWSERS.join(", ")
    )
}

/// A running headless Chromium with one tab, attached over the DevTools protocol.
pub struct Browser {
    binary: PathBuf,
    child: Child,
    _profile: tempfile::TempDir,
    ws: TcpStream,
    session: String,
    next_id: u64,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pdf_err(page: &Path, binary: &Path, message: impl Into<String>) -> FactsheetError {
    FactsheetError::Pdf { page: page.to_owned(), browser: binary.to_owned(), message: message.into() }
}

impl Browser {
    /// Start `binary` headless, with a fresh profile, and open a tab.
    pub fn start(binary: &Path) -> Result<Self> {
        let profile = tempfile::Builder::new().prefix("kohort-chromium").tempdir()?;
        let child = Command::new(binary)
            .args([
                "--headless=new",
                // The sandbox needs user namespaces, which containers and root often lack; the
                // browser only opens kohort's own static pages (no scripts, no network).
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| pdf_err(Path::new("(start)"), binary, format!("could not start: {e}")))?;
        let mut child = child;
        let ws = match handshake(binary, profile.path(), &mut child) {
            Ok(ws) => ws,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let mut b =
            Self { binary: binary.to_owned(), child, _profile: profile, ws, session: String::new(), next_id: 0 };
        b.attach()?;
        Ok(b)
    }

    /// Open a tab and attach to it.
    fn attach(&mut self) -> Result<()> {
        let start = Path::new("(start)");
        let deadline = Instant::now() + START_TIMEOUT;
        let target = self.call(start, None, "Target.createTarget", &json!({"url": "about:blank"}), deadline)?;
        let target = target["targetId"].as_str().unwrap_or_default().to_owned();
        let attached =
            self.call(start, None, "Target.attachToTarget", &json!({"targetId": target, "flatten": true}), deadline)?;
        attached["sessionId"].as_str().unwrap_or_default().clone_into(&mut self.session);
        let session = self.session.clone();
        self.call(start, Some(&session), "Page.enable", &json!({}), deadline)?;
        Ok(())
    }

    /// Load the HTML file `page` and print it; the PDF's bytes, made deterministic.
    pub fn print(&mut self, page: &Path) -> Result<Vec<u8>> {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        let abs = std::path::absolute(page)?;
        let url = format!("file://{}", percent_path(&abs.to_string_lossy()));
        let session = self.session.clone();
        let s = Some(session.as_str());
        let nav = self.call(page, s, "Page.navigate", &json!({"url": url}), deadline)?;
        if let Some(e) = nav["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(pdf_err(page, &self.binary, format!("could not load the page: {e}")));
        }
        self.wait_event(page, &session, "Page.loadEventFired", deadline)?;
        let params = json!({
            "preferCSSPageSize": true,
            "paperWidth": 8.27,
            "paperHeight": 11.69,
            "printBackground": true,
            "displayHeaderFooter": false,
            "generateTaggedPDF": true,
        });
        let printed = self.call(page, s, "Page.printToPDF", &params, deadline)?;
        let data = printed["data"].as_str().ok_or_else(|| pdf_err(page, &self.binary, "no PDF data"))?;
        let bytes = base64_decode(data).ok_or_else(|| pdf_err(page, &self.binary, "PDF data is not base64"))?;
        if !bytes.starts_with(b"%PDF-") {
            return Err(pdf_err(page, &self.binary, "what came back is not a PDF"));
        }
        Ok(normalise(bytes))
    }

    /// Send a command and wait for its answer (events in between are dropped).
    fn call(
        &mut self,
        page: &Path,
        session: Option<&str>,
        method: &str,
        params: &Value,
        deadline: Instant,
    ) -> Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.send(&msg.to_string()).map_err(|e| pdf_err(page, &self.binary, format!("{method}: {e}")))?;
        loop {
            let m = self.receive(page, method, deadline)?;
            if m["id"].as_u64() == Some(id) {
                if let Some(e) = m.get("error") {
                    return Err(pdf_err(page, &self.binary, format!("{method}: {e}")));
                }
                return Ok(m["result"].clone());
            }
        }
    }

    /// Wait for an event of the session.
    fn wait_event(&mut self, page: &Path, session: &str, method: &str, deadline: Instant) -> Result<()> {
        loop {
            let m = self.receive(page, method, deadline)?;
            if m["method"] == method && m["sessionId"] == session {
                return Ok(());
            }
        }
    }

    /// One whole message (text frames, continuations joined; pings answered).
    fn receive(&mut self, page: &Path, waiting_for: &str, deadline: Instant) -> Result<Value> {
        let mut payload = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(pdf_err(
                    page,
                    &self.binary,
                    format!("timed out after {PAGE_TIMEOUT:?} waiting for {waiting_for}"),
                ));
            }
            self.ws.set_read_timeout(Some(left))?;
            let (fin, opcode, data) = self.frame().map_err(|e| {
                let why = if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) {
                    format!("timed out after {PAGE_TIMEOUT:?} waiting for {waiting_for}")
                } else {
                    format!("DevTools connection lost waiting for {waiting_for}: {e}")
                };
                pdf_err(page, &self.binary, why)
            })?;
            match opcode {
                0x8 => return Err(pdf_err(page, &self.binary, "the browser closed the connection")),
                0x9 => self.send_frame(0xA, &data).map_err(|e| pdf_err(page, &self.binary, e.to_string()))?,
                0xA => {}
                _ => {
                    payload.extend_from_slice(&data);
                    if fin {
                        return serde_json::from_slice(&payload)
                            .map_err(|e| pdf_err(page, &self.binary, format!("DevTools message: {e}")));
                    }
                }
            }
        }
    }

    /// Read one frame: (final, opcode, payload).
    fn frame(&mut self) -> std::io::Result<(bool, u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.ws.read_exact(&mut head)?;
        let mut len = u64::from(head[1] & 0x7f);
        if len == 126 {
            let mut b = [0u8; 2];
            self.ws.read_exact(&mut b)?;
            len = u64::from(u16::from_be_bytes(b));
        } else if len == 127 {
            let mut b = [0u8; 8];
            self.ws.read_exact(&mut b)?;
            len = u64::from_be_bytes(b);
        }
        let mask = if head[1] & 0x80 == 0 {
            None
        } else {
            let mut m = [0u8; 4];
            self.ws.read_exact(&mut m)?;
            Some(m)
        };
        let mut data = vec![0u8; usize::try_from(len).map_err(std::io::Error::other)?];
        self.ws.read_exact(&mut data)?;
        if let Some(m) = mask {
            data.iter_mut().enumerate().for_each(|(i, b)| *b ^= m[i % 4]);
        }
        Ok((head[0] & 0x80 != 0, head[0] & 0x0f, data))
    }

    fn send(&mut self, text: &str) -> std::io::Result<()> {
        self.send_frame(0x1, text.as_bytes())
    }

    /// Write one final, masked frame (a client must mask; the key need not be secret here).
    fn send_frame(&mut self, opcode: u8, data: &[u8]) -> std::io::Result<()> {
        let mask: [u8; 4] = rand::random();
        let mut out = vec![0x80 | opcode];
        match data.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xffff => {
                out.push(0x80 | 0x7e);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 0x7f);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(data.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.ws.write_all(&out)
    }
}

/// Wait for the browser's DevTools port file and open the WebSocket.
fn handshake(binary: &Path, profile: &Path, child: &mut Child) -> Result<TcpStream> {
    let start = Path::new("(start)");
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + START_TIMEOUT;
    let (port, path) = loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                break (port.to_owned(), path.to_owned());
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(pdf_err(start, binary, format!("exited at start ({status})")));
        }
        if Instant::now() > deadline {
            return Err(pdf_err(start, binary, format!("no DevTools port after {START_TIMEOUT:?}")));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let ws = TcpStream::connect(format!("127.0.0.1:{port}"))
        .map_err(|e| pdf_err(start, binary, format!("DevTools connection: {e}")))?;
    ws.set_read_timeout(Some(START_TIMEOUT))?;
    let mut w = &ws;
    write!(
        w,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: a29ob3J0LWZhY3RzaGVldA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )?;
    let mut reader = BufReader::new(&ws);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    if !status.contains(" 101 ") {
        return Err(pdf_err(start, binary, format!("DevTools refused the connection: {}", status.trim())));
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    if !reader.buffer().is_empty() {
        return Err(pdf_err(start, binary, "unexpected data after the WebSocket handshake"));
    }
    drop(reader);
    Ok(ws)
}

/// A file path as a URL path (bytes outside the unreserved set percent-encoded).
fn percent_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode standard base64 (padding optional); `None` on a character outside the alphabet.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Fix what Chromium writes differently each time, keeping every length (see the module
/// header): the dates, and the DOM node numbers of the tagged elements.
#[must_use]
pub fn normalise(pdf: Vec<u8>) -> Vec<u8> {
    let dates = regex::bytes::Regex::new(r"/(?:CreationDate|ModDate) \(D:(\d{14})").ok();
    let nodes = regex::bytes::Regex::new(r"\(node(\d{8})\)").ok();
    let own = regex::bytes::Regex::new(r"/ID\s*\(node(\d{8})\)").ok();
    let (Some(dates), Some(nodes), Some(own)) = (dates, nodes, own) else { return pdf };
    let mut pdf = pdf;
    let spans: Vec<_> = dates.captures_iter(&pdf).filter_map(|c| c.get(1)).map(|m| m.range()).collect();
    for r in spans {
        pdf[r].copy_from_slice(b"19700101000000");
    }
    // Numbered in document order of the elements' own `/ID`s (the structure tree's order, the
    // same every run), not by number: Chromium's node numbers follow the DOM's creation order,
    // which can differ between two runs of one page. Ids found only elsewhere come after.
    let found: Vec<_> = nodes.captures_iter(&pdf).filter_map(|c| c.get(1)).map(|m| m.range()).collect();
    let mut number = std::collections::HashMap::new();
    for r in own.captures_iter(&pdf).filter_map(|c| c.get(1)).map(|m| m.range()).chain(found.iter().cloned()) {
        let next = number.len() + 1;
        number.entry(pdf[r].to_vec()).or_insert(next);
    }
    for r in found {
        let new = format!("{:08}", number[&pdf[r.clone()]]);
        pdf[r].copy_from_slice(new.as_bytes());
    }
    sort_id_tree(pdf)
}

/// Put the ID name tree's keys back in order after renumbering (a name tree's keys must be
/// sorted): each `/Names [(nodeA) 12 0 R …]` leaf's pairs sorted by key, in place (only the
/// pairs move, the spaces between them stay, so the length is kept), and the `/Limits` of its
/// object set to the first and last key. Chromium (Skia) writes the whole tree as one leaf.
fn sort_id_tree(pdf: Vec<u8>) -> Vec<u8> {
    let leaves = regex::bytes::Regex::new(r"/Names\s*\[((?:\s*\(node\d{8}\)\s*\d+\s+\d+\s+R)+)\s*\]").ok();
    let pair = regex::bytes::Regex::new(r"\(node\d{8}\)\s*\d+\s+\d+\s+R").ok();
    let limits = regex::bytes::Regex::new(r"/Limits\s*\[\s*\(node(\d{8})\)\s*\(node(\d{8})\)\s*\]").ok();
    let (Some(leaves), Some(pair), Some(limits)) = (leaves, pair, limits) else { return pdf };
    let mut pdf = pdf;
    let arrays: Vec<_> = leaves.captures_iter(&pdf).filter_map(|c| c.get(1)).map(|m| m.range()).collect();
    for array in arrays {
        let inner = &pdf[array.clone()];
        let spans: Vec<_> = pair.find_iter(inner).map(|m| m.range()).collect();
        let Some(first) = spans.first() else { continue };
        let mut pairs: Vec<&[u8]> = spans.iter().map(|r| &inner[r.clone()]).collect();
        // A key is "(node" and 8 digits: its 14 bytes order the pairs.
        pairs.sort_by_key(|p| &p[..14]);
        let mut sorted = inner[..first.start].to_vec();
        for (i, p) in pairs.iter().enumerate() {
            sorted.extend_from_slice(p);
            let gap_end = spans.get(i + 1).map_or(inner.len(), |r| r.start);
            sorted.extend_from_slice(&inner[spans[i].end..gap_end]);
        }
        let (low, high) = (pairs[0][5..13].to_vec(), pairs[pairs.len() - 1][5..13].to_vec());
        pdf[array.clone()].copy_from_slice(&sorted);
        // The leaf's own object: from its "N G obj" to its "endobj".
        let start = pdf[..array.start].windows(4).rposition(|w| w == b" obj").unwrap_or(0);
        let end = pdf[array.end..].windows(6).position(|w| w == b"endobj").map_or(pdf.len(), |e| array.end + e);
        let bounds: Vec<_> = limits
            .captures_iter(&pdf[start..end])
            .filter_map(|c| Some((c.get(1)?.range(), c.get(2)?.range())))
            .collect();
        for (a, b) in bounds {
            pdf[start + a.start..start + a.end].copy_from_slice(&low);
            pdf[start + b.start..start + b.end].copy_from_slice(&high);
        }
    }
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_what_the_standard_alphabet_encodes() {
        assert_eq!(base64_decode("a29ob3J0").unwrap(), b"kohort");
        assert_eq!(base64_decode("a29ob3J0LQ==").unwrap(), b"kohort-");
        assert_eq!(base64_decode("a29ob3J0LWY=").unwrap(), b"kohort-f");
        assert!(base64_decode("a2*").is_none());
    }

    #[test]
    fn normalising_fixes_dates_and_renumbers_nodes_in_order_keeping_lengths() {
        let a = b"/CreationDate (D:20261203171619+00'00')\n/ID (node00000081) (node00000080) (node00000081)".to_vec();
        let b = b"/CreationDate (D:20251203171620+00'00')\n/ID (node00000091) (node00000090) (node00000091)".to_vec();
        let (na, nb) = (normalise(a.clone()), normalise(b));
        assert_eq!(na, nb);
        assert_eq!(na.len(), a.len());
        // Numbered in the order they come (the element's own `/ID` first), not by number.
        assert_eq!(
            String::from_utf8(na).unwrap(),
            "/CreationDate (D:19700101000000+00'00')\n/ID (node00000001) (node00000002) (node00000001)"
        );
    }

    /// Three tagged elements (a paragraph, a row header, a cell pointing at it) and the ID tree's
    /// one leaf, as Chromium writes them; `ids` are the elements' node numbers in file order.
    fn tagged(ids: [u32; 3]) -> Vec<u8> {
        let [p, th, td] = ids.map(|n| format!("(node{n:08})"));
        let mut leaf = [(p.clone(), 9), (th.clone(), 10), (td.clone(), 11)];
        leaf.sort();
        let names: Vec<_> = leaf.iter().map(|(k, r)| format!("{k} {r} 0 R")).collect();
        format!(
            "9 0 obj\n<</Type /StructElem\n/S /P\n/ID {p}>>\nendobj\n\
             10 0 obj\n<</Type /StructElem\n/S /TH\n/ID {th}>>\nendobj\n\
             11 0 obj\n<</Type /StructElem\n/S /TD\n/A [<</O /Table\n/Headers [{th}]>>]\n/ID {td}>>\nendobj\n\
             12 0 obj\n<</Limits [{} {}]\n/Names [{}]>>\nendobj\n",
            leaf[0].0,
            leaf[2].0,
            names.join(" ")
        )
        .into_bytes()
    }

    #[test]
    fn normalising_numbers_nodes_in_file_order_and_keeps_the_id_tree_sorted() {
        // The same page printed twice, its DOM nodes created in a different order each time.
        let (a, b) = (tagged([83, 81, 82]), tagged([71, 73, 72]));
        let (na, nb) = (normalise(a.clone()), normalise(b.clone()));
        assert_eq!(na, nb);
        assert_eq!((na.len(), nb.len()), (a.len(), b.len()));
        assert_eq!(na, tagged([1, 2, 3]));
        let leaf: &[u8] = b"<</Limits [(node00000001) (node00000003)]\n\
             /Names [(node00000001) 9 0 R (node00000002) 10 0 R (node00000003) 11 0 R]>>";
        assert!(na.windows(leaf.len()).any(|w| w == leaf));
    }
}
