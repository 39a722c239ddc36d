//! Plain SMTP over our own pooled connections, for `smtp://host:port` URLs (no TLS, no
//! credentials: a relay on the same host or network).
//!
//! Why not lettre's pooled transport, which the TLS URLs still use: it writes a mail's body and
//! its closing "." in two writes on a socket without `TCP_NODELAY`, so Nagle's algorithm holds
//! the "." until the server acknowledges the body, and the server, waiting for the ".", delays
//! that acknowledgement (40 ms on Linux). Every mail took 40 ms whatever the machine did: 16
//! connections could not pass 400 mails/s. It also sends a NOOP before every reuse of a pooled
//! connection; here only a connection idle for a while is checked.

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A whole SMTP transaction, connecting included, gives up after this: below the 25 s after
/// which another worker may take over a mail still marked in flight.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// A connection idle longer than this is checked (NOOP) before use: servers close idle ones.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(2);

pub struct PlainSmtp {
    addr: String,
    hello: ClientId,
    /// Idle connections and since when. At most as many as sessions may be open at once (the
    /// mailer's semaphore), so it needs no bound of its own.
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl PlainSmtp {
    /// Whether `url` is plain SMTP this transport can take: `smtp://host[:port][/]`.
    #[must_use]
    pub fn accepts(url: &str) -> bool {
        url.strip_prefix("smtp://")
            .map(|rest| rest.trim_end_matches('/'))
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(['@', '?', '/', '#']))
    }

    /// For a URL `accepts` took.
    #[must_use]
    pub fn new(url: &str) -> Self {
        let rest = url
            .strip_prefix("smtp://")
            .unwrap_or(url)
            .trim_end_matches('/');
        // No port: SMTP's. An IPv6 address is bracketed, so its colons end in "]".
        let addr = if rest.rsplit_once(':').is_some_and(|(_, p)| !p.contains(']')) {
            rest.to_owned()
        } else {
            format!("{rest}:25")
        };
        Self {
            addr,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let tcp = tokio::net::TcpStream::connect(&self.addr)
            .await
            .map_err(|e| format!("SMTP {}: {e}", self.addr))?;
        tcp.set_nodelay(true)
            .map_err(|e| format!("SMTP {}: {e}", self.addr))?;
        AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
            .await
            .map_err(|e| format!("SMTP {}: {e}", self.addr))
    }

    /// An idle connection that still works, or a new one.
    async fn take(&self) -> Result<AsyncSmtpConnection, String> {
        loop {
            let pooled = self.idle.lock().await.pop();
            let Some((mut conn, since)) = pooled else {
                return self.connect().await;
            };
            if since.elapsed() < CHECK_AFTER_IDLE || conn.test_connected().await {
                return Ok(conn);
            }
            conn.abort().await;
        }
    }

    /// Sends one mail; the connection goes back to the pool unless it broke.
    ///
    /// # Errors
    /// The connection's or the server's error, as text (the caller retries later).
    pub async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), String> {
        let attempt = async {
            let mut conn = self.take().await?;
            let sent = conn.send(envelope, raw).await;
            if conn.has_broken() {
                conn.abort().await;
            } else {
                self.idle.lock().await.push((conn, Instant::now()));
            }
            sent.map(|_| ()).map_err(|e| e.to_string())
        };
        tokio::time::timeout(SEND_TIMEOUT, attempt)
            .await
            .map_err(|_| format!("SMTP {}: no answer within {SEND_TIMEOUT:?}", self.addr))?
    }
}

#[cfg(test)]
mod tests {
    use super::PlainSmtp;

    #[test]
    fn takes_only_plain_urls() {
        assert!(PlainSmtp::accepts("smtp://127.0.0.1:1025"));
        assert!(PlainSmtp::accepts("smtp://mail.local/"));
        assert!(!PlainSmtp::accepts("smtp://user:pass@mail.local:587"));
        assert!(!PlainSmtp::accepts("smtp://mail.local:587?tls=required"));
        assert!(!PlainSmtp::accepts("smtps://mail.local"));
        assert_eq!(
            PlainSmtp::new("smtp://127.0.0.1:1025").addr,
            "127.0.0.1:1025"
        );
        assert_eq!(PlainSmtp::new("smtp://mail.local/").addr, "mail.local:25");
        assert_eq!(PlainSmtp::new("smtp://[::1]").addr, "[::1]:25");
        assert_eq!(PlainSmtp::new("smtp://[::1]:2525").addr, "[::1]:2525");
    }
}
