//! The HTTP/1 front: every byte a client sends passes actix-http's own request decoder here once before
//! actix-http reads it, so that malformed requests get the service's JSON answer instead of actix's.
//!
//! When actix-http's decoder fails, its dispatcher writes a bare response itself (`400` or `431` with
//! `content-length: 0`, `408` for a slow first head), before any service or middleware runs, and logs an
//! ERROR line (`stream error: request parse error: …`); actix-web offers no hook for either. `Guarded`
//! wraps each accepted connection: it runs a copy of actix-http's public [`Codec`] over the incoming
//! bytes and hands actix only whole, well-formed request heads (and the bodies they announce). At the first
//! byte the decoder refuses, actix gets end-of-input instead: it finishes the requests it already has, then
//! shuts the connection down, and the shutdown writes the refusal — a JSON body with `X-Request-Id`
//! and `Connection: close` — after the answers to those requests. Refusals are logged at `debug` and
//! counted by the caller (`rca_http_protocol_errors_total`). After a request that closes the connection
//! (`Connection: close`, HTTP/1.0 without keep-alive) input ends too, without an answer: nothing after it
//! is processed.
//!
//! The decoder is actix-http's, so what is malformed is exactly what actix-http refuses. Two limits are the
//! front's own: a request head (request line, headers, blank line) longer than `MAX_HEAD` is refused with
//! 431 however the reads fall (actix-http's check depends on where a read ends, and at times lets a little
//! more through), and the first head must be complete within `HEAD_TIMEOUT` of the connection's start
//! (actix-http's `client_request_timeout`, which the server turns off: its 408 is empty). A later head
//! reaches actix only once complete, so it must be complete within actix's keep-alive time after the
//! previous answer, or actix closes the connection without an answer.

use std::fmt::Display;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_http::body::{BodySize, MessageBody};
use actix_http::error::ParseError;
use actix_http::h1::{Codec, Message, MessageType};
use actix_http::{ConnectionType, ServiceConfig};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{sleep, Sleep};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::json_response;

/// The longest request head accepted, in bytes: actix-http's read buffer limit (`MAX_BUFFER_SIZE`), beyond
/// which its decoder answers 431.
pub(crate) const MAX_HEAD: usize = 131_072;

/// How long a connection may take to send its first complete request head (actix-web's default
/// `client_request_timeout`).
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a refused connection keeps reading (and dropping) what the client still sends after the
/// answer: closing a socket with unread input sends a reset, which can destroy the answer before the
/// client reads it.
const LINGER: Duration = Duration::from_secs(2);

/// Bytes asked of the socket per read.
const READ_SIZE: usize = 16 * 1024;

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The decoder refused the bytes (bad request line, header, `Host`, framing, chunk, URI, method).
    BadRequest,
    /// More than 96 header lines, or a head longer than [`MAX_HEAD`].
    TooLarge,
    /// No complete first request head within [`HEAD_TIMEOUT`].
    Timeout,
}

impl Refusal {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// The `error` text of the JSON body.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Self::BadRequest => "Bad request",
            Self::TooLarge => "Request header fields too large",
            Self::Timeout => "Request timeout",
        }
    }

    fn of(error: &ParseError) -> Self {
        match error {
            ParseError::TooLarge => Self::TooLarge,
            _ => Self::BadRequest,
        }
    }
}

/// What the server does with each refusal (count it); called once per refused connection.
pub(crate) type OnRefusal = Rc<dyn Fn(Refusal)>;

/// The header that carries a request's id, in and out.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// A new random request id: 16 hexadecimal digits.
pub(crate) fn new_request_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The bytes of the answer to a refusal: the service's JSON error (its usual headers) with the request id
/// and `Connection: close`, serialized by actix-http's encoder as every other answer is.
fn answer(config: &ServiceConfig, refusal: Refusal, id: &str) -> BytesMut {
    let mut res = json_response(
        refusal.status(),
        &serde_json::json!({"success": false, "error": refusal.text()}),
    );
    if let Ok(value) = HeaderValue::from_str(id) {
        res.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
    }
    let res: actix_http::Response<_> = res.into();
    let (mut head, body) = res.into_parts();
    head.head_mut().set_connection_type(ConnectionType::Close);
    let body = body.try_into_bytes().unwrap_or_default();
    let mut out = BytesMut::with_capacity(512);
    // A fresh codec: HTTP/1.1, no HEAD request pending, whatever the refused connection sent before.
    let mut codec = Codec::new(config.clone());
    if codec
        .encode(Message::Item((head, BodySize::Sized(body.len() as u64))), &mut out)
        .is_err()
    {
        return BytesMut::new();
    }
    out.extend_from_slice(&body);
    out
}

/// A connection whose input passes actix-http's request decoder before actix reads it (module docs).
pub(crate) struct Guarded<T> {
    io: T,
    config: ServiceConfig,
    /// The decoder, in the same state as the dispatcher's will be after the checked bytes.
    codec: Codec,
    /// Bytes read from `io` that actix has not taken yet; the first `checked` of them passed the decoder.
    pending: BytesMut,
    checked: usize,
    /// `pending[checked..]`, consumed by the decoder as it accepts messages.
    unchecked: BytesMut,
    /// No more input for actix: the client closed, the last request asked to close, or the connection is
    /// refused.
    input_ended: bool,
    /// The request being checked is the connection's last (`Connection: close`, HTTP/1.0).
    last_request: bool,
    /// Running until the first request head is complete.
    head_deadline: Option<Pin<Box<Sleep>>>,
    on_refusal: OnRefusal,
    closing: Closing,
}

/// The refusal's progress once actix shuts the connection down.
enum Closing {
    /// Not refused: shutting down is the socket's.
    Plain,
    /// Refused: the answer, and how much of it is written.
    Answer(BytesMut, usize),
    /// Answer written and the socket's write side shut: dropping the client's input until it closes.
    Linger(Pin<Box<Sleep>>),
    Done,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Guarded<T> {
    /// `config` serves the decoder (its keep-alive setting must be the server's) and the answers' `date`.
    pub(crate) fn new(io: T, config: ServiceConfig, on_refusal: OnRefusal) -> Self {
        Self {
            io,
            codec: Codec::new(config.clone()),
            config,
            pending: BytesMut::new(),
            checked: 0,
            unchecked: BytesMut::new(),
            input_ended: false,
            last_request: false,
            head_deadline: Some(Box::pin(sleep(HEAD_TIMEOUT))),
            on_refusal,
            closing: Closing::Plain,
        }
    }

    /// Runs the decoder over the unchecked bytes, moving what it accepts to the checked part.
    fn check(&mut self) {
        loop {
            let before = self.unchecked.len();
            match self.codec.decode(&mut self.unchecked) {
                Ok(Some(Message::Item(_))) => {
                    let head = before - self.unchecked.len();
                    if head > MAX_HEAD {
                        self.refuse(Refusal::TooLarge, format_args!("request head of {head} bytes"));
                        return;
                    }
                    self.checked += head;
                    self.head_deadline = None;
                    // `Connection: close`, or HTTP/1.0 without keep-alive: the server closes after its
                    // answer and processes no further request (RFC 9112 §9.6), so input ends with it.
                    self.last_request = !self.codec.keep_alive() && !self.codec.upgrade();
                    if self.last_request && self.codec.message_type() == MessageType::None {
                        self.end_input();
                        return;
                    }
                }
                Ok(Some(Message::Chunk(chunk))) => {
                    self.checked += before - self.unchecked.len();
                    if chunk.is_none() && self.last_request {
                        self.end_input();
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    self.refuse(Refusal::of(&e), e);
                    return;
                }
            }
        }
    }

    /// Actix reads the checked bytes, then end of input; the rest is dropped.
    fn end_input(&mut self) {
        self.pending.truncate(self.checked);
        self.unchecked = BytesMut::new();
        self.input_ended = true;
        self.head_deadline = None;
    }

    /// Ends actix's input at the checked bytes and prepares the answer written at shutdown.
    fn refuse(&mut self, refusal: Refusal, detail: impl Display) {
        self.end_input();
        let id = new_request_id();
        log::debug!(
            "malformed request ({detail}): answered {} request_id={id}",
            refusal.status().as_u16()
        );
        (self.on_refusal)(refusal);
        self.closing = Closing::Answer(answer(&self.config, refusal, &id), 0);
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.checked > 0 {
                let n = this.checked.min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.advance(n);
                this.checked -= n;
                return Poll::Ready(Ok(()));
            }
            if this.input_ended {
                return Poll::Ready(Ok(()));
            }
            if let Some(deadline) = this.head_deadline.as_mut() {
                if deadline.as_mut().poll(cx).is_ready() {
                    let after = HEAD_TIMEOUT.as_secs();
                    this.refuse(
                        Refusal::Timeout,
                        format_args!("no complete request head within {after} s"),
                    );
                    continue;
                }
            }
            let start = this.unchecked.len();
            if this.unchecked.capacity() - start < READ_SIZE / 4 {
                this.unchecked.reserve(READ_SIZE);
            }
            let n = ready!(tokio_util::io::poll_read_buf(
                Pin::new(&mut this.io),
                cx,
                &mut this.unchecked
            ))?;
            if n == 0 {
                // The client closed. An incomplete head stays unanswered, as actix-http leaves it.
                this.input_ended = true;
                continue;
            }
            this.pending.extend_from_slice(&this.unchecked[start..]);
            this.check();
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    /// Actix shuts down after its last answer; a refused connection writes its answer here, then lingers.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.closing {
                Closing::Plain => return Pin::new(&mut this.io).poll_shutdown(cx),
                Closing::Answer(bytes, written) => {
                    while *written < bytes.len() {
                        let n = ready!(Pin::new(&mut this.io).poll_write(cx, &bytes[*written..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *written += n;
                    }
                    ready!(Pin::new(&mut this.io).poll_flush(cx))?;
                    ready!(Pin::new(&mut this.io).poll_shutdown(cx))?;
                    this.closing = Closing::Linger(Box::pin(sleep(LINGER)));
                }
                Closing::Linger(until) => {
                    let mut scratch = [0u8; 4096];
                    loop {
                        if until.as_mut().poll(cx).is_ready() {
                            break;
                        }
                        let mut drop = ReadBuf::new(&mut scratch);
                        match Pin::new(&mut this.io).poll_read(cx, &mut drop) {
                            Poll::Pending => return Poll::Pending,
                            Poll::Ready(Ok(())) if !drop.filled().is_empty() => {}
                            Poll::Ready(_) => break,
                        }
                    }
                    this.closing = Closing::Done;
                }
                Closing::Done => return Poll::Ready(Ok(())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures::FutureExt;
    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt, DuplexStream};

    use super::*;

    /// A guarded end of an in-memory connection, the client's end, and the refusals counted.
    fn connection() -> (Guarded<DuplexStream>, DuplexStream, Rc<RefCell<Vec<Refusal>>>) {
        let (server, client) = duplex(1 << 20);
        let refusals = Rc::new(RefCell::new(Vec::new()));
        let seen = refusals.clone();
        let on_refusal: OnRefusal = Rc::new(move |r| seen.borrow_mut().push(r));
        (
            Guarded::new(server, ServiceConfig::default(), on_refusal),
            client,
            refusals,
        )
    }

    /// Everything actix would read, up to end of input.
    async fn actix_reads(guarded: &mut Guarded<DuplexStream>) -> Vec<u8> {
        let mut got = Vec::new();
        guarded.read_to_end(&mut got).await.unwrap();
        got
    }

    /// What the client receives after actix shuts the connection down.
    async fn answer_after_shutdown(guarded: &mut Guarded<DuplexStream>, client: &mut DuplexStream) -> String {
        client.shutdown().await.unwrap();
        guarded.shutdown().await.unwrap();
        let mut out = Vec::new();
        client.read_to_end(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    }

    #[actix_web::test]
    async fn well_formed_requests_pass_unchanged() {
        let (mut guarded, mut client, refusals) = connection();
        let input: &[u8] = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n\
            POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
            POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
            GET /c HTTP/1.0\r\n\r\n";
        client.write_all(input).await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(actix_reads(&mut guarded).await, input);
        assert!(refusals.borrow().is_empty());
        // Not refused: shutting down writes nothing.
        assert_eq!(answer_after_shutdown(&mut guarded, &mut client).await, "");
    }

    #[actix_web::test]
    async fn a_head_reaches_actix_only_once_complete() {
        let (mut guarded, mut client, _) = connection();
        let head = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut buf = [0u8; 256];
        for byte in &head[..head.len() - 1] {
            client.write_all(&[*byte]).await.unwrap();
            // The byte is there to read, yet the read is pending: a partial head never reaches actix.
            assert!(
                guarded.read(&mut buf).now_or_never().is_none(),
                "a partial head reached actix"
            );
        }
        client.write_all(&head[head.len() - 1..]).await.unwrap();
        let n = guarded.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], head);
    }

    #[actix_web::test]
    async fn a_malformed_request_ends_actixs_input_and_is_answered_at_shutdown() {
        let (mut guarded, mut client, refusals) = connection();
        let good: &[u8] = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        client.write_all(good).await.unwrap();
        client
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n")
            .await
            .unwrap();
        // Actix gets the good request, then end of input (the client has not closed).
        assert_eq!(actix_reads(&mut guarded).await, good);
        assert_eq!(*refusals.borrow(), [Refusal::BadRequest]);
        let answer = answer_after_shutdown(&mut guarded, &mut client).await;
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        let mut lines: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(lines.remove(0), "HTTP/1.1 400 Bad Request");
        lines.sort();
        let id = lines.iter().find_map(|l| l.strip_prefix("x-request-id: ")).unwrap();
        assert_eq!(id.len(), 16);
        let date = lines.iter().find(|l| l.starts_with("date: ")).unwrap();
        let expected = [
            "cache-control: no-store",
            "connection: close",
            "content-length: 39",
            "content-type: application/json",
            date,
            "pragma: no-cache",
            "x-content-type-options: nosniff",
            &format!("x-request-id: {id}"),
        ];
        assert_eq!(lines, expected);
        assert_eq!(body, r#"{"success":false,"error":"Bad request"}"#);
    }

    #[actix_web::test]
    async fn heads_longer_than_actixs_buffer_are_431() {
        for (size, refused) in [(MAX_HEAD, false), (MAX_HEAD + 1, true)] {
            let (mut guarded, mut client, refusals) = connection();
            let base = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \r\n\r\n".len();
            let head = format!(
                "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
                "a".repeat(size - base)
            );
            assert_eq!(head.len(), size);
            client.write_all(head.as_bytes()).await.unwrap();
            client.shutdown().await.unwrap();
            let got = actix_reads(&mut guarded).await;
            if refused {
                assert_eq!(got, b"");
                assert_eq!(*refusals.borrow(), [Refusal::TooLarge]);
                let answer = answer_after_shutdown(&mut guarded, &mut client).await;
                assert!(
                    answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
                    "{answer}"
                );
                assert!(answer.ends_with("\r\n\r\n{\"success\":false,\"error\":\"Request header fields too large\"}"));
            } else {
                assert_eq!(got, head.as_bytes());
                assert!(refusals.borrow().is_empty());
            }
        }
    }

    #[actix_web::test]
    async fn a_corrupt_chunked_body_ends_the_input_after_the_good_part() {
        let (mut guarded, mut client, refusals) = connection();
        let good: &[u8] = b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
        client.write_all(good).await.unwrap();
        client.write_all(b"zz\r\n").await.unwrap();
        // The chunk's closing CRLF belongs to the decoder's next step, which fails.
        assert_eq!(actix_reads(&mut guarded).await, &good[..good.len() - 2]);
        assert_eq!(*refusals.borrow(), [Refusal::BadRequest]);
    }

    #[actix_web::test]
    async fn input_ends_after_a_request_that_closes_the_connection() {
        for last in [
            &b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
            b"GET /a HTTP/1.0\r\n\r\n",
            b"POST /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nab",
            b"POST /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
        ] {
            let (mut guarded, mut client, refusals) = connection();
            let first: &[u8] = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
            client.write_all(first).await.unwrap();
            client.write_all(last).await.unwrap();
            client.write_all(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n").await.unwrap();
            assert_eq!(actix_reads(&mut guarded).await, [first, last].concat());
            assert!(refusals.borrow().is_empty());
            assert_eq!(answer_after_shutdown(&mut guarded, &mut client).await, "");
        }
    }

    #[actix_web::test]
    async fn an_incomplete_head_at_end_of_input_is_not_answered() {
        let (mut guarded, mut client, refusals) = connection();
        client.write_all(b"GET /health HTTP/1.1\r\nHo").await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(actix_reads(&mut guarded).await, b"");
        assert!(refusals.borrow().is_empty());
        assert_eq!(answer_after_shutdown(&mut guarded, &mut client).await, "");
    }
}
