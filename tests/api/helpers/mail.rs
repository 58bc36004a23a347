//! An SMTP server for tests: plain SMTP on a random loopback port that keeps every message it
//! accepts. No TLS and no AUTH; point the app at [`MailServer::url`] and read
//! [`MailServer::messages`].

use std::sync::{Arc, Mutex, MutexGuard};

use mail_parser::{HeaderForm, Message, MessageParser};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{
        tcp::{OwnedReadHalf, OwnedWriteHalf},
        TcpListener, TcpStream,
    },
    task::{JoinHandle, JoinSet},
};

/// A running SMTP server. It stops, with all its connections, when dropped.
pub struct MailServer {
    port: u16,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    messages: Vec<Mail>,
    refuse: usize,
}

/// One message as it arrived: the envelope and the bytes after DATA (dot-stuffing undone).
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl MailServer {
    /// Starts listening on `127.0.0.1:0`.
    pub async fn start() -> MailServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().expect("a local address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let task = tokio::spawn(accept(listener, state.clone()));
        MailServer { port, state, task }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far, in the order they were accepted.
    pub fn messages(&self) -> Vec<Mail> {
        lock(&self.state).messages.clone()
    }

    /// Refuses the next `n` messages at the end of DATA with a temporary error (451).
    pub fn refuse_next(&self, n: usize) {
        lock(&self.state).refuse = n;
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        // The connections live in the accept task's JoinSet, so they go with it.
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A test that panicked while holding the lock must not hide the messages from the others.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn accept(listener: TcpListener, state: Arc<Mutex<State>>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        connections.spawn(async move {
            // A client that misbehaves or goes away just loses its connection.
            let _ = session(stream, state).await;
        });
    }
}

/// The envelope of the message being sent on a connection.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

const EHLO_REPLY: &str =
    "250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n";

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut envelope = Envelope::default();
    let mut line = Vec::new();
    write
        .write_all(b"220 localhost ESMTP test server\r\n")
        .await?;
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end_matches(['\r', '\n']);
        let (verb, arg) = command.split_once(' ').unwrap_or((command, ""));
        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                envelope = Envelope::default();
                EHLO_REPLY.into()
            }
            "HELO" => {
                envelope = Envelope::default();
                "250 localhost\r\n".into()
            }
            "MAIL" if envelope.from.is_some() => "503 5.5.1 nested MAIL command\r\n".into(),
            "MAIL" => match path(arg, "FROM:") {
                Some(from) => {
                    envelope.from = Some(from);
                    "250 2.1.0 OK\r\n".into()
                }
                None => "501 5.5.4 syntax: MAIL FROM:<address>\r\n".into(),
            },
            "RCPT" if envelope.from.is_none() => "503 5.5.1 need MAIL first\r\n".into(),
            "RCPT" => match path(arg, "TO:") {
                Some(to) if !to.is_empty() => {
                    envelope.to.push(to);
                    "250 2.1.5 OK\r\n".into()
                }
                _ => "501 5.5.4 syntax: RCPT TO:<address>\r\n".into(),
            },
            "DATA" if envelope.to.is_empty() => "503 5.5.1 need RCPT first\r\n".into(),
            "DATA" => {
                write
                    .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let raw = data(&mut read).await?;
                let envelope = std::mem::take(&mut envelope);
                deliver(&state, envelope, raw).into()
            }
            "RSET" => {
                envelope = Envelope::default();
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.1 command not implemented\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// The address in `FROM:<a@b> PARAMS` (or `TO:`), without the angle brackets.
fn path(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let address = match rest.strip_prefix('<') {
        Some(inner) => &inner[..inner.find('>')?],
        None => rest.split_whitespace().next()?,
    };
    Some(address.to_owned())
}

/// Reads the message after DATA up to the lone dot, undoing the dot-stuffing.
async fn data(read: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(raw);
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        raw.extend_from_slice(unstuffed);
    }
}

/// Keeps the message, or refuses it when a refusal is due; returns the reply.
fn deliver(state: &Mutex<State>, envelope: Envelope, raw: Vec<u8>) -> &'static str {
    let mut state = lock(state);
    if state.refuse > 0 {
        state.refuse -= 1;
        return "451 4.3.0 try again later\r\n";
    }
    state.messages.push(Mail {
        from: envelope.from.unwrap_or_default(),
        to: envelope.to,
        raw,
    });
    "250 2.0.0 OK queued\r\n"
}

impl Mail {
    fn parsed(&self) -> Message<'_> {
        MessageParser::default()
            .parse(&self.raw)
            .expect("a message mail-parser can read")
    }

    /// The subject, decoded; empty when there is none.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The first header called `name` (any case), decoded as text.
    pub fn header(&self, name: &str) -> Option<String> {
        let message = self.parsed();
        let value = message
            .header_as(name, HeaderForm::Text)
            .into_iter()
            .next()?;
        Some(value.into_text().unwrap_or_default().into_owned())
    }

    /// The text/plain body, decoded; empty when there is none.
    pub fn text(&self) -> String {
        let message = self.parsed();
        let part = message
            .text_bodies()
            .find(|part| part.is_text() && !part.is_text_html());
        part.and_then(|part| part.text_contents())
            .unwrap_or_default()
            .to_owned()
    }

    /// The text/html body, decoded, if there is one.
    pub fn html(&self) -> Option<String> {
        let message = self.parsed();
        let part = message.html_bodies().find(|part| part.is_text_html())?;
        part.text_contents().map(str::to_owned)
    }

    /// Every `http://` and `https://` URL in the text body, in order.
    pub fn links(&self) -> Vec<String> {
        let text = self.text();
        let mut links = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("http") {
            let tail = &rest[start..];
            if !(tail.starts_with("http://") || tail.starts_with("https://")) {
                rest = &tail["http".len()..];
                continue;
            }
            let end = tail
                .find(|c: char| c.is_whitespace() || matches!(c, '>' | ')' | '"'))
                .unwrap_or(tail.len());
            links.push(tail[..end].to_owned());
            rest = &tail[end..];
        }
        links
    }
}

/// Sends `lines` and returns the whole reply, continuation lines included.
async fn say(
    read: &mut BufReader<OwnedReadHalf>,
    write: &mut OwnedWriteHalf,
    lines: &str,
) -> String {
    write.write_all(lines.as_bytes()).await.unwrap();
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        read.read_line(&mut line).await.unwrap();
        reply.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return reply;
        }
    }
}

#[tokio::test]
async fn the_test_smtp_server_receives_a_message() {
    let server = MailServer::start().await;
    let address = server.url().replace("smtp://", "");
    let (read, mut write) = TcpStream::connect(address).await.unwrap().into_split();
    let mut read = BufReader::new(read);
    let message = "From: App <app@example.com>\r\n\
        To: Ada <ada@example.com>\r\n\
        Subject: =?UTF-8?Q?Caf=C3=A9_=C3=A0_Paris?=\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\
        \r\n\
        Caf=C3=A9 ouvert. Confirm: https://app.example/c?t=3Db (soon)\r\n\
        ..leading dot\r\n\
        .\r\n";

    let greeting = say(&mut read, &mut write, "").await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    let ehlo = say(&mut read, &mut write, "EHLO client.test\r\n").await;
    assert!(
        ehlo.starts_with("250-") && ehlo.contains("8BITMIME"),
        "{ehlo}"
    );
    assert!(
        !ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
        "{ehlo}"
    );
    // The first message is refused, as a retry test would have it; the second is kept.
    server.refuse_next(1);
    for (expected, kept) in [("451 4.3.0 try again later\r\n", 0), ("250 ", 1)] {
        let lines = [
            "MAIL FROM:<app@example.com> BODY=8BITMIME\r\n",
            "RCPT TO:<ada@example.com>\r\n",
            "rcpt to: <bob@example.com>\r\n",
        ];
        for line in lines {
            let reply = say(&mut read, &mut write, line).await;
            assert!(reply.starts_with("250 "), "{line} -> {reply}");
        }
        assert!(say(&mut read, &mut write, "DATA\r\n")
            .await
            .starts_with("354 "));
        let reply = say(&mut read, &mut write, message).await;
        assert!(reply.starts_with(expected), "{reply}");
        assert_eq!(server.messages().len(), kept);
    }
    assert!(say(&mut read, &mut write, "QUIT\r\n")
        .await
        .starts_with("221 "));

    let mail = &server.messages()[0];
    assert_eq!(mail.from, "app@example.com");
    assert_eq!(mail.to, ["ada@example.com", "bob@example.com"]);
    assert_eq!(mail.subject(), "Café à Paris");
    assert_eq!(mail.header("TO").as_deref(), Some("Ada <ada@example.com>"));
    assert_eq!(
        mail.text(),
        "Café ouvert. Confirm: https://app.example/c?t=b (soon)\r\n.leading dot\r\n"
    );
    assert_eq!(mail.links(), ["https://app.example/c?t=b"]);
    assert_eq!(mail.html(), None);
}
