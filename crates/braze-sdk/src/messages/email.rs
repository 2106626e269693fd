//! The email channel: `messages.email` and its attachments.

use braze_api::operations::shapes;
use braze_api::types::{self, builder};
use serde_json::{Map, Value};

use super::Extras;
use crate::Error;

/// An email (`messages.email`): from its HTML body, or from a template that supplies the
/// subject and body, in one line; every other field of Braze's email object as a setter.
///
/// ```
/// use braze_sdk::messages::Email;
///
/// let email = Email::html("app_identifier", "Chez Ada <table@example.com>", "<p>Your table is ready.</p>")
///     .subject("Your table")
///     .attachment("menu.pdf", "https://example.com/menu.pdf");
/// let from_template = Email::template("app_identifier", "Chez Ada <table@example.com>", "template_identifier");
/// # let _ = (email, from_template);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Email {
    inner: builder::Email,
    extras: Map<String, Value>,
    headers: std::collections::BTreeMap<String, String>,
    /// File name, URL and credential of each attachment.
    attachments: Vec<(String, String, Option<String>)>,
    fields: Map<String, Value>,
}

impl Email {
    fn with(inner: builder::Email) -> Self {
        Self {
            inner,
            extras: Map::new(),
            headers: Default::default(),
            attachments: Vec::new(),
            fields: Map::new(),
        }
    }

    /// An email with this HTML body. `app_id` may be any app of the workspace; `from` is
    /// `Display Name <address@example.com>`.
    pub fn html(
        app_id: impl Into<String>,
        from: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::with(
            types::Email::builder()
                .app_id(app_id.into())
                .from(from.into())
                .body(Some(body.into())),
        )
    }

    /// An email from a template, which supplies the subject, body and CSS inlining not
    /// given here.
    pub fn template(
        app_id: impl Into<String>,
        from: impl Into<String>,
        email_template_id: impl Into<String>,
    ) -> Self {
        Self::with(
            types::Email::builder()
                .app_id(app_id.into())
                .from(from.into())
                .email_template_id(Some(email_template_id.into())),
        )
    }

    optional_setters! {
        /// The subject.
        subject / set_subject: String,
        /// The reply-to address (the workspace's default otherwise; see
        /// [`no_reply_to`](Self::no_reply_to)).
        reply_to / set_reply_to: String,
        /// One of the workspace's BCC addresses (needs Braze's BCC feature).
        bcc / set_bcc: String,
        /// The HTML body (with a template, it replaces the template's).
        body / set_body: String,
        /// The plain-text body (made from the HTML otherwise).
        plaintext_body / set_plaintext_body: String,
        /// The preheader (50 to 100 characters are recommended).
        preheader / set_preheader: String,
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
        /// Whether to inline the CSS (the workspace's setting otherwise).
        should_inline_css / set_should_inline_css: bool,
        /// An AMP HTML part (under 100 KB; the HTML body is still sent).
        amp_body / set_amp_body: String,
    }

    /// Sends no reply-to address (Braze's `NO_REPLY_TO`).
    pub fn no_reply_to(self) -> Self {
        self.reply_to("NO_REPLY_TO")
    }

    /// Adds a key-value pair to `extras` (SendGrid passes them as unique arguments).
    pub fn extras(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extras.insert(key.into(), value);
        self
    }

    /// Adds a custom email header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Attaches the file at `url` (at most 2 MB; Braze reads its type from the answer).
    pub fn attachment(self, file_name: impl Into<String>, url: impl Into<String>) -> Self {
        self.attach(file_name.into(), url.into(), None)
    }

    /// Attaches a file fetched with a Connected Content basic-auth credential (by name).
    pub fn attachment_with_credential(
        self,
        file_name: impl Into<String>,
        url: impl Into<String>,
        basic_auth_credential: impl Into<String>,
    ) -> Self {
        self.attach(
            file_name.into(),
            url.into(),
            Some(basic_auth_credential.into()),
        )
    }

    fn attach(mut self, file_name: String, url: String, credential: Option<String>) -> Self {
        self.attachments.push((file_name, url, credential));
        self
    }

    /// Adds a field of Braze's email object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::Email, Error> {
        let fields = Extras {
            extra: Map::new(),
            fields: self.fields,
        }
        .into_wire(&shapes::EMAIL, path)?;
        let attachments = self
            .attachments
            .into_iter()
            .enumerate()
            .map(|(i, (file_name, url, credential))| {
                types::EmailAttachment::builder()
                    .extra(Map::new())
                    .file_name(file_name)
                    .url(url)
                    .basic_auth_credential(credential)
                    .try_into()
                    .map_err(|e: types::error::ConversionError| {
                        Error::invalid(format!("{path}.attachments[{i}]"), e.to_string())
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.inner
            .extras(self.extras)
            .headers(self.headers)
            .attachments(attachments)
            .extra(fields)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}
