//! Mail: one pooled transport built at start-up (SMTP, or `.eml` files in the embedded mode),
//! templates as files, multipart plain text + HTML, Chinese first.

pub mod ics;
mod plain;
pub mod templates;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::Path;

pub enum Transport {
    /// `smtp://host:port` with neither TLS nor credentials (a relay on the host or next to it).
    Plain(plain::PlainSmtp),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// SMTP transactions at once. lettre's pool bounds only the connections it keeps idle, not
    /// those it opens: without this, a batch of mails opened a connection each and closed those
    /// beyond the pool's size afterwards.
    sessions: tokio::sync::Semaphore,
}

/// SMTP connections one process opens at most: mail batches come much bigger, and a relay
/// (Postfix: 50 per client by default) refuses a client with too many.
pub const MAX_SMTP_SESSIONS: u32 = 16;

/// A mail ready to send.
pub struct Outgoing {
    /// What makes this mail this mail (its delivery key). Its `Message-ID` is derived from it,
    /// so a copy sent again after a crash is the same message, which mail stores de-duplicate.
    pub key: String,
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// An iCalendar invitation to attach.
    pub ics: Option<String>,
}

impl Mailer {
    /// SMTP from `smtp_url` (pooled, up to `connections` open, at most `MAX_SMTP_SESSIONS`;
    /// TLS per the URL), or files under `mail_dir`.
    ///
    /// # Errors
    /// A message naming `SMTP_URL` or `MAIL_FROM` when they are malformed.
    pub fn new(
        smtp_url: Option<&str>,
        mail_from: &str,
        mail_dir: &Path,
        connections: u32,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        let connections = connections.clamp(1, MAX_SMTP_SESSIONS);
        let transport = match smtp_url {
            Some(url) if plain::PlainSmtp::accepts(url) => {
                Transport::Plain(plain::PlainSmtp::new(url))
            }
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    // As many as may be open at once: with fewer (lettre keeps 10) every send
                    // beyond them opened a connection and closed it afterwards.
                    .pool_config(PoolConfig::new().max_size(connections))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(mail_dir).map_err(|e| {
                    anyhow::anyhow!("DATA_DIR: cannot create {}: {e}", mail_dir.display())
                })?;
                Transport::File(AsyncFileTransport::new(mail_dir))
            }
        };
        Ok(Self {
            transport,
            from,
            sessions: tokio::sync::Semaphore::new(connections as usize),
        })
    }

    /// # Errors
    /// The transport's error, as text (the caller retries).
    pub async fn send(&self, m: Outgoing) -> Result<(), String> {
        let to = Mailbox::new(
            Some(m.to_name.clone()),
            m.to.parse()
                .map_err(|e| format!("bad recipient {}: {e}", m.to))?,
        );
        let body = MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.text),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(m.html),
            );
        let body = match m.ics {
            Some(ics) => {
                let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                    .map_err(|e| e.to_string())?;
                MultiPart::mixed()
                    .multipart(body)
                    .singlepart(Attachment::new("event.ics".into()).body(ics, calendar))
            }
            None => body,
        };
        let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, m.key.as_bytes());
        let message = Message::builder()
            .message_id(Some(format!(
                "<{}@{}>",
                id.simple(),
                self.from.email.domain()
            )))
            .from(self.from.clone())
            .to(to)
            .subject(m.subject)
            .multipart(body)
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Plain(t) => {
                let _session = self.sessions.acquire().await.map_err(|e| e.to_string())?;
                t.send(message.envelope(), &message.formatted()).await
            }
            Transport::Smtp(t) => {
                let _session = self.sessions.acquire().await.map_err(|e| e.to_string())?;
                t.send(message).await.map(|_| ()).map_err(|e| e.to_string())
            }
            Transport::File(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}
