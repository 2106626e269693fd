//! Sends now: `POST /messages/send` (a message with its content), the trigger sends of an
//! API-triggered campaign or Canvas (`/campaigns/trigger/send`, `/canvas/trigger/send`),
//! send identifiers (`/sends/id/create`) and the transactional email
//! (`/transactional/v1/campaigns/{campaign_id}/send`).
//!
//! The builders are those of the schedule creates without a schedule: [`SendMessages`]
//! shares its users, segment, audience, campaign and messages with
//! [`CreateMessageSchedule`](crate::CreateMessageSchedule), and [`TriggerSend`] its owner
//! markers and recipients with [`CreateTriggerSchedule`](crate::CreateTriggerSchedule).
//!
//! None of the four first has an idempotency key: a send that may have reached Braze
//! (a timeout, a connection broken after the body was written, a 5xx) is never retried,
//! and its error says the send may or may not have happened ([`Error::hint`]). The
//! transactional send with an `external_send_id` is retried, with the key kept: Braze
//! sends once per key within 24 hours. A `notice` in a send's answer (Braze answers
//! success and sends nothing, e.g. for a paused Canvas) is logged as a warning and read
//! with [`Response::notice`].

use braze_api::operations::{BodyFact, Bound, OperationSpec, shapes};
use braze_api::rules::Check;
use braze_api::types::{self, SendResponse};
use serde_json::{Map, Value};

use crate::client::Outgoing;
use crate::messages::{MessageSet, message_setters};
use crate::request::{impl_request, impl_request_from_inherent, spec_of};
use crate::targeting::{
    MessageTargeting, Targeting, message_targeting_setters, trigger_targeting_setters,
    wire_properties,
};
use crate::trigger_schedules::TriggerOwner;
use crate::{
    Campaign, CampaignId, Canvas, Client, Error, Recipient, RequestPreview, Response, validate,
};

impl Client {
    /// Sends a message with its content now: `POST /messages/send` (permission
    /// `messages.send`).
    ///
    /// Target users ([`external_user_id`](SendMessages::external_user_id) or
    /// [`user_alias`](SendMessages::user_alias), at most
    /// [`rules::MAX_USERS`](crate::rules::MAX_USERS) in all, who must already exist in
    /// Braze; with a [`segment_id`](SendMessages::segment_id) or an
    /// [`audience`](SendMessages::audience), those of them in it), or a whole segment or
    /// audience with [`broadcast(true)`](SendMessages::broadcast); give at least one
    /// channel. The answer has the `dispatch_id`.
    ///
    /// Braze has no idempotency key for it, so a send is retried only when it cannot have
    /// reached Braze (connection refused) or was refused for the rate limit: never twice.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::messages::ApplePush;
    ///
    /// let sent = client
    ///     .send_messages()
    ///     .external_user_id("user-42")
    ///     .apple_push(ApplePush::new("Your table is ready"))
    ///     .await?;
    /// println!("dispatch {:?}", sent.dispatch_id());
    /// # Ok(()) }
    /// ```
    pub fn send_messages(&self) -> SendMessages {
        SendMessages {
            client: self.clone(),
            targeting: MessageTargeting::default(),
            override_frequency_capping: None,
            messages: MessageSet::default(),
            extra: Map::new(),
        }
    }

    /// Sends an API-triggered campaign now: `POST /campaigns/trigger/send` (permission
    /// `campaigns.trigger.send`). The content is the campaign's, from the dashboard.
    ///
    /// Target [`recipients`](TriggerCampaignSend::recipients) (at most
    /// [`rules::MAX_USERS`](crate::rules::MAX_USERS)), an
    /// [`audience`](TriggerCampaignSend::audience), or the campaign's whole segment with
    /// [`broadcast(true)`](TriggerCampaignSend::broadcast). Never retried once it may have
    /// reached Braze (no idempotency key). A paused or archived campaign may answer success
    /// and send nothing: see [`Response::notice`].
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::{Attachment, Recipient};
    /// use serde_json::json;
    ///
    /// let sent = client
    ///     .trigger_campaign_send("campaign_identifier")
    ///     .recipient(Recipient::external_user_id("user-42"))
    ///     .trigger_properties(json!({"order": "12345"}))
    ///     .attachment(Attachment::new("invoice", "https://example.com/invoice.pdf"))
    ///     .await?;
    /// if let Some(notice) = sent.notice() {
    ///     eprintln!("nothing was sent: {notice}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn trigger_campaign_send(&self, campaign_id: impl Into<CampaignId>) -> TriggerCampaignSend {
        TriggerSend::new(self, campaign_id.into())
    }

    /// Sends users into an API-triggered Canvas now: `POST /canvas/trigger/send`
    /// (permission `canvas.trigger.send`).
    ///
    /// Target [`recipients`](TriggerCanvasSend::recipients) (at most
    /// [`rules::MAX_USERS`](crate::rules::MAX_USERS)), an
    /// [`audience`](TriggerCanvasSend::audience), or the Canvas's whole segment with
    /// [`broadcast(true)`](TriggerCanvasSend::broadcast). Never retried once it may have
    /// reached Braze (no idempotency key). A paused or archived Canvas answers 201 success
    /// with a `notice` and sends nothing: see [`Response::notice`].
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::Recipient;
    /// use serde_json::json;
    ///
    /// let sent = client
    ///     .trigger_canvas_send("canvas_identifier")
    ///     .recipient(Recipient::external_user_id("user-42"))
    ///     .context(json!({"product_name": "shoes"}))
    ///     .await?;
    /// assert!(sent.notice().is_none(), "the Canvas is not active");
    /// # Ok(()) }
    /// ```
    pub fn trigger_canvas_send(&self, canvas_id: impl Into<crate::CanvasId>) -> TriggerCanvasSend {
        TriggerSend::new(self, canvas_id.into())
    }

    /// Creates a send identifier for a campaign, to track sends by: `POST
    /// /sends/id/create` (permission `sends.id.create`). Braze allows 100 per day per
    /// workspace; without [`send_id`](CreateSendId::send_id), Braze makes one up (the
    /// answer's `send_id`).
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// let created = client
    ///     .create_send_id("campaign_identifier")
    ///     .send_id("spring-sale-2030")
    ///     .await?;
    /// println!("{:?}", created.send_id);
    /// # Ok(()) }
    /// ```
    pub fn create_send_id(&self, campaign_id: impl Into<CampaignId>) -> CreateSendId {
        CreateSendId {
            client: self.clone(),
            campaign_id: campaign_id.into(),
            send_id: None,
            extra: Map::new(),
        }
    }

    /// Sends a transactional email to one user now: `POST
    /// /transactional/v1/campaigns/{campaign_id}/send` (permission `transactional.send`).
    ///
    /// Give it an [`external_send_id`](SendTransactionalEmail::external_send_id): Braze
    /// sends once per value within 24 hours, so the client retries such a send after a
    /// timeout or a 5xx, and so can you. Without one it is never retried once it may have
    /// reached Braze.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::TransactionalRecipient;
    /// use serde_json::json;
    ///
    /// let sent = client
    ///     .send_transactional_email(
    ///         "campaign_identifier",
    ///         TransactionalRecipient::external_user_id("user-42"),
    ///     )
    ///     .external_send_id("b3JkZXItMTIzNDU=")
    ///     .trigger_properties(json!({"order": "12345"}))
    ///     .await?;
    /// println!("dispatch {:?}", sent.dispatch_id);
    /// # Ok(()) }
    /// ```
    pub fn send_transactional_email(
        &self,
        campaign_id: impl Into<CampaignId>,
        recipient: TransactionalRecipient,
    ) -> SendTransactionalEmail {
        SendTransactionalEmail {
            client: self.clone(),
            campaign_id: campaign_id.into(),
            recipient,
            external_send_id: None,
            trigger_properties: None,
            extra: Map::new(),
        }
    }
}

/// Logs a send's `notice` (Braze answered success but may have sent nothing) as a
/// warning, and gives the response back.
pub(crate) fn warn_notice(
    spec: &'static OperationSpec,
    response: Response<SendResponse>,
) -> Response<SendResponse> {
    if let Some(notice) = response.notice() {
        tracing::warn!(
            operation = spec.id,
            notice,
            dispatch_id = ?response.dispatch_id(),
            "Braze answered success with a notice: the send may have reached nobody"
        );
    }
    response
}

/// A message sent now with its content, built by [`Client::send_messages`]. Send it with
/// [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct SendMessages {
    client: Client,
    targeting: MessageTargeting,
    override_frequency_capping: Option<bool>,
    messages: MessageSet,
    extra: Map<String, Value>,
}

impl SendMessages {
    message_targeting_setters!("send");

    /// Ignores frequency capping for campaigns (Braze's default: false).
    pub fn override_frequency_capping(self, yes: bool) -> Self {
        self.set_override_frequency_capping(Some(yes))
    }

    /// Sets or clears `override_frequency_capping`.
    pub fn set_override_frequency_capping(mut self, yes: Option<bool>) -> Self {
        self.override_frequency_capping = yes;
        self
    }

    message_setters!();

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body. Every rule is checked here, before anything is sent.
    pub fn body(&self) -> Result<types::MessagesSendRequest, Error> {
        let targeting = self.targeting.to_wire(&self.extra)?;
        let messages = self.messages.to_wire()?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        types::MessagesSendRequest::builder()
            .broadcast(targeting.broadcast)
            .external_user_ids(targeting.external_user_ids)
            .user_aliases(targeting.user_aliases)
            .segment_id(targeting.segment_id)
            .audience(targeting.audience)
            .campaign_id(targeting.campaign_id)
            .send_id(targeting.send_id)
            .override_frequency_capping(self.override_frequency_capping)
            .recipient_subscription_state(targeting.recipient_subscription_state)
            .messages(messages)
            .extra(targeting.extra)
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }
}

impl_request!(SendMessages, send_messages, then warn_notice);

/// What a trigger send goes to, at the type level: an API-triggered campaign
/// ([`Campaign`]) or Canvas ([`Canvas`]). Sealed (through [`TriggerOwner`]); it picks the
/// generated body and call of the send for the owner.
pub trait TriggerSendOwner: TriggerOwner {
    #[doc(hidden)]
    type SendBody: serde::Serialize + Check + Send + 'static;
    #[doc(hidden)]
    type SendGenerated<'a>: Bound<'a, Answer = SendResponse>;
    /// The body without its recipients, every check made but Braze's rules on the whole
    /// body ([`TriggerSend::take_body`] moves the recipients in, then applies them).
    #[doc(hidden)]
    fn send_body_but_recipients(request: &TriggerSend<Self>) -> Result<Self::SendBody, Error>;
    #[doc(hidden)]
    fn recipients(body: &mut Self::SendBody) -> &mut Vec<types::Recipient>;
    #[doc(hidden)]
    fn send_generated(api: &braze_api::Client, body: Self::SendBody) -> Self::SendGenerated<'_>;
}

/// A send of an API-triggered campaign ([`Client::trigger_campaign_send`]) or Canvas
/// ([`Client::trigger_canvas_send`]). Send it with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct TriggerSend<O: TriggerSendOwner> {
    client: Client,
    owner_id: O::Id,
    targeting: Targeting,
    /// `trigger_properties` of a campaign, `context` of a Canvas.
    properties: Option<Value>,
    /// A Canvas's legacy `canvas_entry_properties`.
    legacy_entry_properties: Option<Value>,
    /// A campaign's `send_id`.
    send_id: Option<String>,
    /// A campaign's `attachments`.
    attachments: Vec<Attachment>,
    extra: Map<String, Value>,
}

/// A send of an API-triggered campaign.
pub type TriggerCampaignSend = TriggerSend<Campaign>;
/// A send of an API-triggered Canvas.
pub type TriggerCanvasSend = TriggerSend<Canvas>;

impl<O: TriggerSendOwner> TriggerSend<O> {
    fn new(client: &Client, owner_id: O::Id) -> Self {
        Self {
            client: client.clone(),
            owner_id,
            targeting: Targeting::default(),
            properties: None,
            legacy_entry_properties: None,
            send_id: None,
            attachments: Vec::new(),
            extra: Map::new(),
        }
    }

    trigger_targeting_setters!();

    /// The checked wire body. Every rule is checked here, before anything is sent.
    pub fn body(&self) -> Result<O::SendBody, Error> {
        self.clone().take_body()
    }

    /// The checked wire body, the recipients moved into it from the request; on a
    /// problem, the request is as it was.
    fn take_body(&mut self) -> Result<O::SendBody, Error> {
        let mut body = O::send_body_but_recipients(self)?;
        *O::recipients(&mut body) = self.targeting.take_wire_recipients();
        match validate::problem(&body) {
            None => Ok(body),
            Some(error) => {
                self.targeting
                    .give_back(std::mem::take(O::recipients(&mut body)));
                Err(error)
            }
        }
    }

    /// The operation it calls.
    fn spec(&self) -> &'static OperationSpec {
        spec_of_send::<O>()
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(&self.client, self.spec(), &self.body()?)
    }

    /// Builds and checks the body now, for a send later that checks nothing again: a bulk
    /// sender checks each batch before it records the batch as in flight, then sends it.
    /// [`try_check`](Self::try_check) gives the request back when it is refused.
    pub fn check(self) -> Result<CheckedTriggerSend<O>, Error> {
        self.try_check().map_err(RefusedTriggerSend::into_error)
    }

    /// [`check`](Self::check), giving the request back, recipients included, with the
    /// error when a rule refuses it: a bulk sender takes out the recipient the error names
    /// (`recipients[i]...`) and checks the rest again, without a copy of the recipients
    /// kept in case of refusal.
    ///
    /// ```
    /// use braze_sdk::{Error, Recipient};
    ///
    /// # fn run(client: braze_sdk::Client) -> Result<(), Error> {
    /// let mut recipients = vec![
    ///     Recipient::external_user_id("user-1"),
    ///     // An email needs a prioritization: refused as `recipients[1].prioritization`.
    ///     Recipient::email("ada@example.com", std::iter::empty::<&str>()),
    ///     Recipient::external_user_id("user-3"),
    /// ];
    /// let checked = loop {
    ///     let request = client
    ///         .trigger_campaign_send("campaign-id")
    ///         .recipients(recipients);
    ///     let refused = match request.try_check() {
    ///         Ok(checked) => break checked,
    ///         Err(refused) => refused,
    ///     };
    ///     let bad = match refused.error() {
    ///         Error::InvalidRequest { field, .. } => field
    ///             .strip_prefix("recipients[")
    ///             .and_then(|rest| rest.split(']').next()?.parse::<usize>().ok()),
    ///         _ => None,
    ///     };
    ///     let Some(bad) = bad else {
    ///         return Err(refused.into_error());
    ///     };
    ///     recipients = refused.into_recipients();
    ///     recipients.remove(bad);
    /// };
    /// assert_eq!(checked.body().recipients.len(), 2);
    /// # Ok(()) }
    /// # run(braze_sdk::Client::new("key", braze_sdk::Instance::Us01).unwrap()).unwrap();
    /// ```
    // The refused request is moved back whole, as large as the request itself (the
    // `Ok` side, the checked body, is about as large); boxing it would only add an
    // allocation to each refusal.
    #[allow(clippy::result_large_err)]
    pub fn try_check(mut self) -> Result<CheckedTriggerSend<O>, RefusedTriggerSend<O>> {
        // Whether the body lists users is known here: the hooks are told, and need not
        // read the body for its rate-limit class.
        let fact = (!self.targeting.recipients.is_empty()).then_some(BodyFact::ListsUsers);
        match self.take_body() {
            Ok(body) => Ok(CheckedTriggerSend {
                client: self.client,
                body,
                fact,
            }),
            Err(error) => Err(RefusedTriggerSend {
                error,
                request: self,
            }),
        }
    }

    /// Checks and sends the request. A `notice` in the answer is logged as a warning.
    pub async fn send(self) -> Result<Response<SendResponse>, Error> {
        self.check()?.send().await
    }
}

/// A trigger send whose body is built and checked ([`TriggerSend::check`]).
///
/// ```no_run
/// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
/// use braze_sdk::Recipient;
///
/// let checked = client
///     .trigger_campaign_send("campaign-id")
///     .recipient(Recipient::external_user_id("user-1"))
///     .check()?; // every rule is checked here
/// // ... record that the send is about to go ...
/// let response = checked.send().await?;
/// println!("dispatch {:?}", response.dispatch_id());
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct CheckedTriggerSend<O: TriggerSendOwner> {
    client: Client,
    body: O::SendBody,
    /// What the hooks are told of the body, known from how it was built.
    fact: Option<BodyFact>,
}

impl<O: TriggerSendOwner> CheckedTriggerSend<O> {
    /// The checked wire body.
    pub fn body(&self) -> &O::SendBody {
        &self.body
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(&self.client, spec_of_send::<O>(), &self.body)
    }

    /// Sends the request as checked. A `notice` in the answer is logged as a warning.
    pub async fn send(self) -> Result<Response<SendResponse>, Error> {
        let client = self.client;
        client
            .call(Outgoing::knowing(
                O::send_generated(&client.api, self.body),
                self.fact,
            ))
            .await
            .map(|response| warn_notice(spec_of_send::<O>(), response))
    }
}

impl<O: TriggerSendOwner> std::fmt::Debug for CheckedTriggerSend<O>
where
    O::SendBody: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedTriggerSend")
            .field("client", &self.client)
            .field("body", &self.body)
            .finish()
    }
}

/// A trigger send that a rule refused ([`TriggerSend::try_check`]): the error, and the
/// request as it was, recipients included, to mend and check again.
#[must_use = "the refused request holds its recipients"]
pub struct RefusedTriggerSend<O: TriggerSendOwner> {
    error: Error,
    request: TriggerSend<O>,
}

impl<O: TriggerSendOwner> RefusedTriggerSend<O> {
    /// Why it was refused: [`Error::InvalidRequest`] naming the field at fault, as
    /// [`TriggerSend::check`] returns it.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The request, as it was before the check.
    pub fn request(&self) -> &TriggerSend<O> {
        &self.request
    }

    /// The error alone.
    pub fn into_error(self) -> Error {
        self.error
    }

    /// The request alone, as it was before the check.
    pub fn into_request(self) -> TriggerSend<O> {
        self.request
    }

    /// The request's recipients, in the order they were added: the index of
    /// `recipients[i]` in an error's field.
    pub fn into_recipients(self) -> Vec<Recipient> {
        self.request.targeting.recipients
    }
}

impl<O: TriggerSendOwner> std::fmt::Debug for RefusedTriggerSend<O>
where
    TriggerSend<O>: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefusedTriggerSend")
            .field("error", &self.error)
            .field("request", &self.request)
            .finish()
    }
}

/// The operation a trigger send to `O` calls, from the generated builder its send is
/// bound to.
fn spec_of_send<O: TriggerSendOwner>() -> &'static OperationSpec {
    <O::SendGenerated<'static> as Bound<'static>>::SPEC
}

impl TriggerSend<Campaign> {
    /// A send identifier for tracking (not an idempotency key): ASCII, at most
    /// [`rules::MAX_SEND_ID_CHARS`](crate::rules::MAX_SEND_ID_CHARS) characters, created
    /// beforehand with [`Client::create_send_id`].
    pub fn send_id(self, send_id: impl Into<String>) -> Self {
        self.set_send_id(Some(send_id.into()))
    }

    /// Sets or clears the `send_id`.
    pub fn set_send_id(mut self, send_id: Option<String>) -> Self {
        self.send_id = send_id;
        self
    }

    /// Personalisation for every user of the send (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn trigger_properties(self, properties: Value) -> Self {
        self.set_trigger_properties(Some(properties))
    }

    /// Sets or clears the `trigger_properties`.
    pub fn set_trigger_properties(mut self, properties: Option<Value>) -> Self {
        self.properties = properties;
        self
    }

    /// Attaches a file to the campaign's email (not allowed with a broadcast).
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    /// Attaches files to the campaign's email (not allowed with a broadcast).
    pub fn attachments(mut self, attachments: impl IntoIterator<Item = Attachment>) -> Self {
        self.attachments.extend(attachments);
        self
    }
}

impl TriggerSend<Canvas> {
    /// Context for every user entering the Canvas (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn context(self, context: Value) -> Self {
        self.set_context(Some(context))
    }

    /// Sets or clears the `context`.
    pub fn set_context(mut self, context: Option<Value>) -> Self {
        self.properties = context;
        self
    }

    /// The legacy name of [`context`](Self::context), still accepted by Braze.
    #[deprecated(note = "Braze renamed canvas_entry_properties to context; use `context`")]
    pub fn canvas_entry_properties(mut self, properties: Value) -> Self {
        self.legacy_entry_properties = Some(properties);
        self
    }
}

impl TriggerSendOwner for Campaign {
    type SendBody = types::CampaignTriggerSendRequest;
    type SendGenerated<'a> = braze_api::builder::TriggerCampaignSend<'a>;

    fn send_body_but_recipients(request: &TriggerSend<Self>) -> Result<Self::SendBody, Error> {
        validate::id(request.owner_id.check())?;
        // Reported after the targeting's problems, as in the other builders.
        let extra = validate::extra(request.spec().request_body, "", &request.extra);
        let targeting = request
            .targeting
            .to_wire_but_recipients(request.extra.clone())?;
        let properties = wire_properties("trigger_properties", request.properties.as_ref())?;
        let attachments = request
            .attachments
            .iter()
            .enumerate()
            .map(|(index, attachment)| attachment.to_wire(index))
            .collect::<Result<Vec<_>, _>>()?;
        extra?;
        Self::SendBody::builder()
            .campaign_id(request.owner_id.clone())
            .send_id(request.send_id.clone())
            .audience(targeting.audience)
            .broadcast(targeting.broadcast)
            .trigger_properties(properties)
            .attachments(attachments)
            .extra(targeting.extra)
            .try_into()
            .map_err(Error::conversion)
    }

    fn recipients(body: &mut Self::SendBody) -> &mut Vec<types::Recipient> {
        &mut body.recipients
    }

    fn send_generated(api: &braze_api::Client, body: Self::SendBody) -> Self::SendGenerated<'_> {
        braze_api::builder::TriggerCampaignSend::new_with_body(api, body)
    }
}

impl TriggerSendOwner for Canvas {
    type SendBody = types::CanvasTriggerSendRequest;
    type SendGenerated<'a> = braze_api::builder::TriggerCanvasSend<'a>;

    fn send_body_but_recipients(request: &TriggerSend<Self>) -> Result<Self::SendBody, Error> {
        validate::id(request.owner_id.check())?;
        // Reported after the targeting's problems, as in the other builders.
        let extra = validate::extra(request.spec().request_body, "", &request.extra);
        let targeting = request
            .targeting
            .to_wire_but_recipients(request.extra.clone())?;
        let context = wire_properties("context", request.properties.as_ref())?;
        let legacy = wire_properties(
            "canvas_entry_properties",
            request.legacy_entry_properties.as_ref(),
        )?;
        extra?;
        Self::SendBody::builder()
            .canvas_id(request.owner_id.clone())
            .audience(targeting.audience)
            .broadcast(targeting.broadcast)
            .context(context)
            .canvas_entry_properties(legacy)
            .extra(targeting.extra)
            .try_into()
            .map_err(Error::conversion)
    }

    fn recipients(body: &mut Self::SendBody) -> &mut Vec<types::Recipient> {
        &mut body.recipients
    }

    fn send_generated(api: &braze_api::Client, body: Self::SendBody) -> Self::SendGenerated<'_> {
        braze_api::builder::TriggerCanvasSend::new_with_body(api, body)
    }
}

impl_request_from_inherent!(generic O: TriggerSendOwner; TriggerSend<O> => SendResponse);

/// A file attached to a campaign trigger send's email
/// ([`TriggerCampaignSend::attachment`]): at most 2 MB, its extension taken from the URL,
/// which must answer with the right `Content-Type`.
///
/// ```
/// use braze_sdk::Attachment;
///
/// let invoice = Attachment::new("invoice", "https://example.com/invoice.pdf")
///     .basic_auth_credential("company_basic_auth_credential_name");
/// # let _ = invoice;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    wire: types::Attachment,
}

impl Attachment {
    /// A file by name (without its extension) and the URL it is downloaded from.
    pub fn new(file_name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            wire: types::Attachment {
                basic_auth_credential: None,
                file_name: file_name.into(),
                url: url.into(),
                extra: Map::new(),
            },
        }
    }

    /// The name of a basic-auth credential stored in the dashboard, for a URL that needs
    /// one.
    pub fn basic_auth_credential(mut self, name: impl Into<String>) -> Self {
        self.wire.basic_auth_credential = Some(name.into());
        self
    }

    /// Adds a field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.wire.extra.insert(key.into(), value);
        self
    }

    /// In wire form, its extra fields checked not to be documented ones.
    fn to_wire(&self, index: usize) -> Result<types::Attachment, Error> {
        validate::extra(
            Some(&shapes::ATTACHMENT),
            &format!("attachments[{index}]"),
            &self.wire.extra,
        )?;
        Ok(self.wire.clone())
    }
}

/// Attachments read from JSON are checked like built ones when sent.
impl From<types::Attachment> for Attachment {
    fn from(wire: types::Attachment) -> Self {
        Self { wire }
    }
}

/// A send identifier create, built by [`Client::create_send_id`]. Send it with
/// [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateSendId {
    client: Client,
    campaign_id: CampaignId,
    send_id: Option<String>,
    extra: Map<String, Value>,
}

impl CreateSendId {
    /// The identifier to create: ASCII, at most
    /// [`rules::MAX_SEND_ID_CHARS`](crate::rules::MAX_SEND_ID_CHARS) characters (left out,
    /// Braze makes one up).
    pub fn send_id(self, send_id: impl Into<String>) -> Self {
        self.set_send_id(Some(send_id.into()))
    }

    /// Sets or clears the `send_id`.
    pub fn set_send_id(mut self, send_id: Option<String>) -> Self {
        self.send_id = send_id;
        self
    }

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body.
    pub fn body(&self) -> Result<types::SendIdCreateRequest, Error> {
        validate::id(self.campaign_id.check())?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        types::SendIdCreateRequest::builder()
            .campaign_id(self.campaign_id.clone())
            .send_id(self.send_id.clone())
            .extra(self.extra.clone())
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }
}

impl_request!(CreateSendId, create_send_id);

/// The one user of a transactional email ([`Client::send_transactional_email`]),
/// identified by external id or user alias; [`attributes`](Self::attributes) are set on
/// the user before the send.
///
/// ```
/// use braze_sdk::TransactionalRecipient;
/// use serde_json::json;
///
/// let user = TransactionalRecipient::external_user_id("user-42")
///     .attributes(json!({"first_name": "Ada"}));
/// # let _ = user;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionalRecipient {
    wire: types::TransactionalRecipient,
    /// A setter's input that cannot be sent (a non-object where an object belongs),
    /// reported with its field when the request is checked.
    problem: Option<(&'static str, String)>,
}

impl TransactionalRecipient {
    fn with(set: impl FnOnce(&mut types::TransactionalRecipient)) -> Self {
        let mut wire = types::TransactionalRecipient {
            attributes: Map::new(),
            external_user_id: None,
            user_alias: None,
            extra: Map::new(),
        };
        set(&mut wire);
        Self {
            wire,
            problem: None,
        }
    }

    /// A user by external id.
    pub fn external_user_id(id: impl Into<String>) -> Self {
        Self::with(|r| r.external_user_id = Some(id.into()))
    }

    /// A user by alias (name and label).
    pub fn user_alias(alias_name: impl Into<String>, alias_label: impl Into<String>) -> Self {
        Self::with(|r| {
            r.user_alias = Some(types::UserAlias {
                alias_name: alias_name.into(),
                alias_label: alias_label.into(),
            })
        })
    }

    /// Attributes to set on the user before the send (a JSON object; anything else is
    /// refused when the request is checked).
    pub fn attributes(mut self, attributes: Value) -> Self {
        match attributes {
            Value::Object(map) => {
                self.wire.attributes = map;
                self.problem = None;
            }
            other => self.problem = Some(("attributes", validate::not_an_object(&other))),
        }
        self
    }

    /// Adds a field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.wire.extra.insert(key.into(), value);
        self
    }

    /// In wire form, or the first problem of its setters' input.
    fn to_wire(&self) -> Result<types::TransactionalRecipient, Error> {
        if let Some((name, reason)) = &self.problem {
            return Err(Error::invalid(format!("recipient.{name}"), reason.clone()));
        }
        validate::extra(
            Some(&shapes::TRANSACTIONAL_RECIPIENT),
            "recipient",
            &self.wire.extra,
        )?;
        Ok(self.wire.clone())
    }
}

/// A recipient read from JSON is checked like a built one when sent.
impl From<types::TransactionalRecipient> for TransactionalRecipient {
    fn from(wire: types::TransactionalRecipient) -> Self {
        Self {
            wire,
            problem: None,
        }
    }
}

/// A transactional email, built by [`Client::send_transactional_email`]. Send it with
/// [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct SendTransactionalEmail {
    client: Client,
    campaign_id: CampaignId,
    recipient: TransactionalRecipient,
    external_send_id: Option<String>,
    trigger_properties: Option<Value>,
    extra: Map<String, Value>,
}

impl SendTransactionalEmail {
    /// Your key for this send (letters, digits and `-_+/=`, e.g. Base64), echoed in
    /// Braze's postbacks: Braze sends once per key within 24 hours, so a send with a key
    /// is retried after a timeout or a 5xx, and repeating it yourself is safe.
    pub fn external_send_id(self, key: impl Into<String>) -> Self {
        self.set_external_send_id(Some(key.into()))
    }

    /// Sets or clears the `external_send_id`.
    pub fn set_external_send_id(mut self, key: Option<String>) -> Self {
        self.external_send_id = key;
        self
    }

    /// Personalisation for the email (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn trigger_properties(self, properties: Value) -> Self {
        self.set_trigger_properties(Some(properties))
    }

    /// Sets or clears the `trigger_properties`.
    pub fn set_trigger_properties(mut self, properties: Option<Value>) -> Self {
        self.trigger_properties = properties;
        self
    }

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body (the campaign id goes in the path). Every rule is checked
    /// here, before anything is sent.
    pub fn body(&self) -> Result<types::TransactionalSendRequest, Error> {
        validate::id(self.campaign_id.check())?;
        let recipient = self.recipient.to_wire()?;
        let properties = wire_properties("trigger_properties", self.trigger_properties.as_ref())?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        types::TransactionalSendRequest::builder()
            .external_send_id(self.external_send_id.clone())
            .recipient(recipient)
            .trigger_properties(properties)
            .extra(self.extra.clone())
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }

    /// The operation it calls.
    fn spec(&self) -> &'static OperationSpec {
        spec_of::<braze_api::builder::SendTransactionalEmail<'static>>()
    }

    /// The request as it would be sent, key redacted (for a dry run); its URL has the
    /// campaign id in the path.
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        let body = self.body()?;
        RequestPreview::of_body_with_path(
            &self.client,
            self.spec(),
            &[self.campaign_id.as_str()],
            &body,
        )
    }

    /// Checks and sends the request. An error after a send with an `external_send_id`
    /// says that repeating it with the same key is safe.
    pub async fn send(self) -> Result<Response<types::TransactionalSendResponse>, Error> {
        let body = self.body()?;
        let key = self.spec().idempotency_key.filter(|_| {
            body.external_send_id
                .as_deref()
                .is_some_and(|k| !k.is_empty())
        });
        let client = self.client;
        client
            .call(Outgoing::of(
                client
                    .api
                    .send_transactional_email()
                    .campaign_id(self.campaign_id)
                    .body(body),
            ))
            .await
            .map_err(|error| match key {
                Some(key) => error.with_idempotency_key(key),
                None => error,
            })
    }
}

impl_request_from_inherent!(SendTransactionalEmail => types::TransactionalSendResponse);

#[cfg(test)]
mod tests {
    use braze_api::call::CallRecord;
    use http::{HeaderMap, StatusCode};
    use serde_json::json;

    use super::*;
    use crate::messages::ApplePush;
    use crate::{Instance, Request};
    use braze_api::rate_limit::LimitClass;

    fn client() -> Client {
        Client::new("test-key", Instance::Us01).unwrap()
    }

    fn json_of(body: &impl serde::Serialize) -> Value {
        serde_json::to_value(body).unwrap()
    }

    fn invalid_field(error: Error) -> String {
        match error {
            Error::InvalidRequest { field, .. } => field,
            other => panic!("not an invalid request: {other}"),
        }
    }

    #[test]
    fn send_messages_body_has_the_users_and_the_message() {
        let send = client()
            .send_messages()
            .external_user_id("u1")
            .external_user_ids(["u2"])
            .user_alias("name", "label")
            .override_frequency_capping(true)
            .recipient_subscription_state(crate::messages::RecipientSubscriptionState::All)
            .apple_push(ApplePush::new("Hi"));
        assert_eq!(
            json_of(&send.body().unwrap()),
            json!({
                "external_user_ids": ["u1", "u2"],
                "user_aliases": [{"alias_name": "name", "alias_label": "label"}],
                "override_frequency_capping": true,
                "recipient_subscription_state": "all",
                "messages": {"apple_push": {"alert": "Hi"}},
            })
        );
        let preview = send.preview().unwrap();
        assert_eq!(preview.url, "https://rest.iad-01.braze.com/messages/send");
        assert_eq!(preview.operation, "send_messages");
    }

    #[test]
    fn send_messages_setter_twins_clear() {
        let send = client()
            .send_messages()
            .segment_id("segment")
            .broadcast(true)
            .campaign_id("campaign")
            .send_id("send")
            .override_frequency_capping(true)
            .apple_push(ApplePush::new("Hi"))
            .set_campaign_id(None)
            .set_send_id(None)
            .set_override_frequency_capping(None)
            .set_audience(None)
            .set_recipient_subscription_state(None);
        // Nothing cleared is left in the body.
        let body = json_of(&send.body().unwrap());
        assert_eq!(
            body,
            json!({
                "broadcast": true,
                "segment_id": "segment",
                "messages": {"apple_push": {"alert": "Hi"}},
            })
        );
        let cleared = send
            .set_segment_id(None)
            .set_broadcast(None)
            .set_apple_push(None)
            .external_user_id("u1");
        assert_eq!(invalid_field(cleared.body().unwrap_err()), "messages");
    }

    #[test]
    fn send_messages_is_checked_by_the_rules() {
        let no_target = client().send_messages().apple_push(ApplePush::new("Hi"));
        assert!(no_target.body().is_err());
        let documented_extra = client()
            .send_messages()
            .external_user_id("u1")
            .apple_push(ApplePush::new("Hi"))
            .extra("segment_id", json!("s"));
        assert_eq!(
            invalid_field(documented_extra.body().unwrap_err()),
            "segment_id"
        );
    }

    #[test]
    fn a_refused_trigger_send_gives_the_request_back_as_it_was() {
        let user = Recipient::external_user_id;
        // Refused by Braze's rules on the built body, and by a setter's input before the
        // body is built.
        let no_prioritization = Recipient::email("ada@example.com", std::iter::empty::<&str>());
        let not_an_object = user("u2").trigger_properties(json!(1));
        for (bad, field) in [
            (no_prioritization, "recipients[1].prioritization"),
            (not_an_object, "recipients[1].trigger_properties"),
        ] {
            let request = client()
                .trigger_campaign_send("c")
                .trigger_properties(json!({"coupon": "X"}))
                .recipients([user("u1"), bad, user("u3")]);
            let refused = request.clone().try_check().unwrap_err();
            assert!(
                matches!(refused.error(), Error::InvalidRequest { field: f, .. } if f == field),
                "{:?}",
                refused.error()
            );
            assert_eq!(format!("{:?}", refused.request()), format!("{request:?}"));
            let mut recipients = refused.into_recipients();
            recipients.remove(1);
            let mended = client()
                .trigger_campaign_send("c")
                .trigger_properties(json!({"coupon": "X"}))
                .recipients(recipients)
                .try_check()
                .unwrap();
            assert_eq!(
                json_of(mended.body()),
                json!({
                    "campaign_id": "c",
                    "recipients": [{"external_user_id": "u1"}, {"external_user_id": "u3"}],
                    "trigger_properties": {"coupon": "X"},
                })
            );
        }
        // A problem that is no recipient's gives the request back too.
        let request = client()
            .trigger_canvas_send("v")
            .context(json!([1]))
            .recipient(user("u1"));
        let refused = request.clone().try_check().unwrap_err();
        assert_eq!(format!("{:?}", refused.request()), format!("{request:?}"));
        assert_eq!(invalid_field(refused.into_error()), "context");
    }

    /// What a checked trigger send tells the hooks, the class they take from it, and the
    /// class they would read from its body.
    fn classes<O: TriggerSendOwner>(
        checked: &CheckedTriggerSend<O>,
    ) -> (Option<BodyFact>, LimitClass, LimitClass) {
        let spec = spec_of_send::<O>();
        let body = serde_json::to_vec(checked.body()).unwrap();
        let told = LimitClass::of_told(spec, checked.fact, Some(&body));
        (checked.fact, told, LimitClass::of(spec, Some(&body)))
    }

    #[test]
    fn a_trigger_send_tells_the_hooks_that_it_lists_users() {
        let user = || Recipient::external_user_id("u1");
        let campaign = client().trigger_campaign_send("c").recipient(user());
        let (fact, told, read) = classes(&campaign.check().unwrap());
        assert_eq!((fact, told), (Some(BodyFact::ListsUsers), read));
        let canvas = client()
            .trigger_canvas_send("v")
            .recipients([user(), user()]);
        let (fact, told, read) = classes(&canvas.check().unwrap());
        assert_eq!((fact, told), (Some(BodyFact::ListsUsers), read));
        // A broadcast's class depends on its audience: the hooks read it.
        let broadcast = client().trigger_campaign_send("c").broadcast(true);
        let (fact, told, read) = classes(&broadcast.check().unwrap());
        assert_eq!(fact, None);
        assert_eq!(told, read);
        assert!(matches!(read, LimitClass::Broadcast { .. }), "{read:?}");
    }

    #[test]
    fn campaign_trigger_send_body() {
        let send = client()
            .trigger_campaign_send("campaign")
            .recipient(Recipient::external_user_id("u1"))
            .send_id("send")
            .trigger_properties(json!({"order": "1"}))
            .attachment(Attachment::new("invoice", "https://example.com/i.pdf"))
            .attachments([
                Attachment::new("terms", "https://example.com/t.pdf").basic_auth_credential("cred")
            ]);
        assert_eq!(
            json_of(&send.body().unwrap()),
            json!({
                "campaign_id": "campaign",
                "send_id": "send",
                "recipients": [{"external_user_id": "u1"}],
                "trigger_properties": {"order": "1"},
                "attachments": [
                    {"file_name": "invoice", "url": "https://example.com/i.pdf"},
                    {"file_name": "terms", "url": "https://example.com/t.pdf",
                     "basic_auth_credential": "cred"},
                ],
            })
        );
        assert_eq!(
            send.preview().unwrap().url,
            "https://rest.iad-01.braze.com/campaigns/trigger/send"
        );
        let cleared = send.set_send_id(None).set_trigger_properties(None);
        let body = json_of(&cleared.body().unwrap());
        assert!(body.get("send_id").is_none() && body.get("trigger_properties").is_none());
    }

    #[test]
    fn campaign_trigger_send_rules_and_inputs() {
        // Attachments with a broadcast: Braze's rule, from braze_api::rules.
        let broadcast = client()
            .trigger_campaign_send("campaign")
            .broadcast(true)
            .attachment(Attachment::new("invoice", "https://example.com/i.pdf"));
        assert!(broadcast.body().is_err());
        let not_object = client()
            .trigger_campaign_send("campaign")
            .recipient(Recipient::external_user_id("u1"))
            .trigger_properties(json!([1]));
        assert_eq!(
            invalid_field(not_object.body().unwrap_err()),
            "trigger_properties"
        );
        let documented = client()
            .trigger_campaign_send("campaign")
            .recipient(Recipient::external_user_id("u1"))
            .attachment(
                Attachment::new("invoice", "https://example.com/i.pdf").extra("url", json!("x")),
            );
        assert_eq!(
            invalid_field(documented.body().unwrap_err()),
            "attachments[0].url"
        );
        let blank = client()
            .trigger_campaign_send(" ")
            .recipient(Recipient::external_user_id("u1"));
        assert!(blank.body().is_err());
    }

    #[test]
    #[allow(deprecated)]
    fn canvas_trigger_send_body() {
        let send = client()
            .trigger_canvas_send("canvas")
            .audience(json!({"custom_attribute": {
                "custom_attribute_name": "tier", "comparison": "equals", "value": "gold"}}))
            .broadcast(false)
            .context(json!({"product": "shoes"}));
        assert_eq!(
            json_of(&send.body().unwrap()),
            json!({
                "canvas_id": "canvas",
                "audience": {"custom_attribute": {
                    "custom_attribute_name": "tier", "comparison": "equals", "value": "gold"}},
                "broadcast": false,
                "context": {"product": "shoes"},
            })
        );
        assert_eq!(
            Request::preview(&send).unwrap().url,
            "https://rest.iad-01.braze.com/canvas/trigger/send"
        );
        let legacy = send
            .set_context(None)
            .set_broadcast(None)
            .set_audience(None)
            .recipients([Recipient::external_user_id("u1")])
            .canvas_entry_properties(json!({"product": "hat"}));
        assert_eq!(
            json_of(&legacy.body().unwrap()),
            json!({
                "canvas_id": "canvas",
                "recipients": [{"external_user_id": "u1"}],
                "canvas_entry_properties": {"product": "hat"},
            })
        );
    }

    #[test]
    fn create_send_id_body() {
        let create = client().create_send_id("campaign").send_id("spring");
        assert_eq!(
            json_of(&create.body().unwrap()),
            json!({"campaign_id": "campaign", "send_id": "spring"})
        );
        assert_eq!(
            json_of(&create.clone().set_send_id(None).body().unwrap()),
            json!({"campaign_id": "campaign"})
        );
        assert_eq!(
            create.preview().unwrap().url,
            "https://rest.iad-01.braze.com/sends/id/create"
        );
        // Over 64 characters: Braze's rule.
        assert!(
            client()
                .create_send_id("c")
                .send_id("x".repeat(65))
                .body()
                .is_err()
        );
    }

    #[test]
    fn transactional_send_body_and_preview_url() {
        let send = client()
            .send_transactional_email(
                "campaign 1",
                TransactionalRecipient::user_alias("name", "label")
                    .attributes(json!({"first_name": "Ada"})),
            )
            .external_send_id("b3JkZXI=")
            .trigger_properties(json!({"order": "1"}));
        assert_eq!(
            json_of(&send.body().unwrap()),
            json!({
                "external_send_id": "b3JkZXI=",
                "recipient": {
                    "user_alias": {"alias_name": "name", "alias_label": "label"},
                    "attributes": {"first_name": "Ada"},
                },
                "trigger_properties": {"order": "1"},
            })
        );
        let preview = send.preview().unwrap();
        assert_eq!(
            preview.url,
            "https://rest.iad-01.braze.com/transactional/v1/campaigns/campaign%201/send"
        );
        assert_eq!(preview.operation, "send_transactional_email");
        assert_eq!(Request::preview(&send).unwrap(), preview);
        let cleared = send.set_external_send_id(None).set_trigger_properties(None);
        assert_eq!(
            json_of(&cleared.body().unwrap()),
            json!({"recipient": {
                "user_alias": {"alias_name": "name", "alias_label": "label"},
                "attributes": {"first_name": "Ada"},
            }})
        );
    }

    #[test]
    fn transactional_send_refuses_bad_input() {
        let not_object = client().send_transactional_email(
            "campaign",
            TransactionalRecipient::external_user_id("u1").attributes(json!("Ada")),
        );
        assert_eq!(
            invalid_field(not_object.body().unwrap_err()),
            "recipient.attributes"
        );
        let bad_key = client()
            .send_transactional_email("campaign", TransactionalRecipient::external_user_id("u1"))
            .external_send_id("not a key!");
        assert!(bad_key.body().is_err());
        let blank =
            client().send_transactional_email("", TransactionalRecipient::external_user_id("u1"));
        assert!(blank.preview().is_err());
    }

    fn send_response(notice: Option<&str>) -> Response<SendResponse> {
        let body: SendResponse = serde_json::from_value(match notice {
            Some(notice) => json!({"dispatch_id": "d1", "message": "success", "notice": notice}),
            None => json!({"dispatch_id": "d1", "message": "success"}),
        })
        .unwrap();
        Response::new(
            braze_api::ResponseValue::new(body, StatusCode::CREATED, HeaderMap::new()),
            &CallRecord::default(),
        )
    }

    #[test]
    fn a_notice_is_there_to_see() {
        let noticed = warn_notice(
            &braze_api::operations::TRIGGER_CANVAS_SEND,
            send_response(Some("The Canvas is paused.")),
        );
        assert_eq!(noticed.notice(), Some("The Canvas is paused."));
        assert_eq!(noticed.dispatch_id(), Some("d1"));
        assert_eq!(
            crate::BrazeMessage::message(noticed.body()),
            Some("success")
        );
        let quiet = send_response(None);
        assert_eq!(quiet.notice(), None);
        assert_eq!(send_response(Some("  ")).notice(), None);
    }
}
