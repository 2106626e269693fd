//! The WhatsApp channel: `messages.whats_app`, one envelope per message type.

use std::collections::BTreeMap;

use crate::Error;
use braze_api::types;
use serde_json::Map;

/// A WhatsApp message (`messages.whats_app`): each constructor makes one of Braze's
/// message types, from what that type requires.
///
/// ```
/// use braze_sdk::messages::WhatsApp;
///
/// let template = WhatsApp::template("app_identifier", "subscription_group_identifier", "table_ready", "en_US")
///     .body_variables(["Ada", "12"]);
/// let text = WhatsApp::text("app_identifier", "subscription_group_identifier", "Your table is ready")
///     .preview_url(true);
/// let replies = WhatsApp::quick_reply("app_identifier", "subscription_group_identifier", "Coming?", ["Yes", "No"]);
/// # let _ = (template, text, replies);
/// ```
///
/// A setter that does not apply to the message's type (a caption on a template, say) makes
/// the request fail its checks, naming the field: nothing is sent.
///
/// Braze documents `whats_app` for `/messages/send`; its schedule page does not list it,
/// and whether scheduling accepts it is not verified.
#[derive(Debug, Clone)]
#[must_use]
pub struct WhatsApp {
    app_id: String,
    subscription_group_id: String,
    message_variation_id: Option<String>,
    message: Message,
    /// A setter that does not fit the message type: (field, reason).
    problem: Option<(String, String)>,
}

/// The message of each type, as far as the constructors and setters build it.
#[derive(Debug, Clone)]
enum Message {
    Template(types::builder::WhatsAppTemplateMessage),
    Text(types::builder::WhatsAppTextMessage),
    Image(types::builder::WhatsAppTextImageMessage),
    QuickReply(types::builder::WhatsAppQuickReplyMessage),
    List(types::WhatsAppListMessage),
    Flow(types::builder::WhatsAppFlowMessage),
    Carousel(types::WhatsAppCarouselMessage),
}

impl Message {
    /// Braze's name for the type.
    fn type_name(&self) -> &'static str {
        match self {
            Message::Template(_) => "template_message",
            Message::Text(_) => "text_response_message",
            Message::Image(_) => "text_image_response_message",
            Message::QuickReply(_) => "quick_reply_response_message",
            Message::List(_) => "list_response_message",
            Message::Flow(_) => "flow_response_message",
            Message::Carousel(_) => "carousel_response_message",
        }
    }
}

/// Template variables given by position: `["Ada", "12"]` is `{"0": "Ada", "1": "12"}`.
fn indexed(values: impl IntoIterator<Item = impl Into<String>>) -> types::WhatsAppVariables {
    types::WhatsAppVariables(
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| (i.to_string(), value.into()))
            .collect::<BTreeMap<_, _>>(),
    )
}

impl WhatsApp {
    fn of(app_id: String, subscription_group_id: String, message: Message) -> Self {
        Self {
            app_id,
            subscription_group_id,
            message_variation_id: None,
            message,
            problem: None,
        }
    }

    /// A template message (`template_message`): the template's name and language code.
    pub fn template(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        template_name: impl Into<String>,
        language_code: impl Into<String>,
    ) -> Self {
        let message = types::WhatsAppTemplateMessage::builder()
            .extra(Map::new())
            .template_name(template_name.into())
            .template_language_code(language_code.into());
        Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::Template(message),
        )
    }

    /// A text response (`text_response_message`).
    pub fn text(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        let message = types::WhatsAppTextMessage::builder()
            .extra(Map::new())
            .body(body.into());
        Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::Text(message),
        )
    }

    /// An image response (`text_image_response_message`).
    pub fn image(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        image_uri: impl Into<String>,
    ) -> Self {
        let message = types::WhatsAppTextImageMessage::builder()
            .extra(Map::new())
            .image_uri(image_uri.into());
        Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::Image(message),
        )
    }

    /// A response with reply buttons, shown in order (`quick_reply_response_message`).
    pub fn quick_reply(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
        buttons: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let buttons: Vec<types::WhatsAppReplyButton> = buttons
            .into_iter()
            .map(|text| types::WhatsAppReplyButton {
                text: text.into(),
                extra: Map::new(),
            })
            .collect();
        let message = types::WhatsAppQuickReplyMessage::builder()
            .extra(Map::new())
            .body(body.into())
            .buttons(buttons);
        Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::QuickReply(message),
        )
    }

    /// A response with a list (`list_response_message`), given as Braze's list message
    /// object (sections of rows).
    pub fn list(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        message: types::WhatsAppListMessage,
    ) -> Self {
        Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::List(message),
        )
    }

    /// A response that opens a WhatsApp Flow (`flow_response_message`): its body, and the
    /// button's caption (at most 20 characters) and Flow id.
    pub fn flow(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
        caption: impl Into<String>,
        flow_id: impl Into<String>,
    ) -> Self {
        let caption: String = caption.into();
        // The spec bounds the caption (`maxLength`); its generated type says by how much.
        let refused = types::WhatsAppFlowButtonCaption::try_from(caption.as_str()).err();
        let button = types::WhatsAppFlowButton::builder()
            .extra(Map::new())
            .caption(caption)
            .flow_id(flow_id.into());
        let message = types::WhatsAppFlowMessage::builder()
            .extra(Map::new())
            .body(body.into())
            .flow_button(button);
        let mut flow = Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::Flow(message),
        );
        if let Some(refused) = refused {
            flow.problem = Some((
                "message.flow_button.caption".to_owned(),
                format!("is {refused}"),
            ));
        }
        flow
    }

    /// A carousel response (`carousel_response_message`), given as Braze's carousel
    /// message object (2 to 10 cards).
    pub fn carousel(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        message: types::WhatsAppCarouselMessage,
    ) -> Self {
        Self::of(
            app_id.into(),
            subscription_group_id.into(),
            Message::Carousel(message),
        )
    }

    /// The campaign variation this message is (required with a `campaign_id`).
    pub fn message_variation_id(mut self, id: impl Into<String>) -> Self {
        self.message_variation_id = Some(id.into());
        self
    }

    /// Records that `field` does not apply to this message's type.
    fn misfit(mut self, field: &str) -> Self {
        if self.problem.is_none() {
            let reason = format!("does not apply to a {}", self.message.type_name());
            self.problem = Some((format!("message.{field}"), reason));
        }
        self
    }

    /// A template's header variable (TEXT headers have at most one).
    pub fn header_variable(mut self, value: impl Into<String>) -> Self {
        match self.message {
            Message::Template(m) => {
                self.message = Message::Template(m.header_variables(Some(indexed([value]))));
                self
            }
            _ => self.misfit("header_variables"),
        }
    }

    /// A template's body variables, in order (`{"0": .., "1": ..}`).
    pub fn body_variables(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        match self.message {
            Message::Template(m) => {
                self.message = Message::Template(m.body_variables(Some(indexed(values))));
                self
            }
            _ => self.misfit("body_variables"),
        }
    }

    /// The variable path of a template's call-to-action URL button, at that button's
    /// index (only one button can vary).
    pub fn button_variable(mut self, button_index: usize, value: impl Into<String>) -> Self {
        match self.message {
            Message::Template(m) => {
                let variables = BTreeMap::from([(button_index.to_string(), value.into())]);
                self.message = Message::Template(
                    m.button_variables(Some(types::WhatsAppVariables(variables))),
                );
                self
            }
            _ => self.misfit("button_variables"),
        }
    }

    /// The image of a template's IMAGE header.
    pub fn header_media_uri(mut self, uri: impl Into<String>) -> Self {
        match self.message {
            Message::Template(m) => {
                self.message = Message::Template(m.header_media_uri(Some(uri.into())));
                self
            }
            _ => self.misfit("header_media_uri"),
        }
    }

    /// The cards of a carousel template (2 to 10, matching the template).
    pub fn carousel_cards(
        mut self,
        cards: impl IntoIterator<Item = types::WhatsAppTemplateCard>,
    ) -> Self {
        match self.message {
            Message::Template(m) => {
                self.message =
                    Message::Template(m.carousel_cards(cards.into_iter().collect::<Vec<_>>()));
                self
            }
            _ => self.misfit("carousel_cards"),
        }
    }

    /// Whether a text response shows a preview of its first URL.
    pub fn preview_url(mut self, yes: bool) -> Self {
        match self.message {
            Message::Text(m) => {
                self.message = Message::Text(m.preview_url(Some(yes)));
                self
            }
            _ => self.misfit("preview_url"),
        }
    }

    /// An image response's caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        match self.message {
            Message::Image(m) => {
                self.message = Message::Image(m.caption(Some(caption.into())));
                self
            }
            _ => self.misfit("caption"),
        }
    }

    /// A header text (quick-reply and Flow responses; not with a header image).
    pub fn header_text(mut self, text: impl Into<String>) -> Self {
        match self.message {
            Message::QuickReply(m) => {
                self.message = Message::QuickReply(m.header_text(Some(text.into())));
                self
            }
            Message::Flow(m) => {
                self.message = Message::Flow(m.header_text(Some(text.into())));
                self
            }
            _ => self.misfit("header_text"),
        }
    }

    /// A quick-reply response's header image (not with a header text).
    pub fn header_image_uri(mut self, uri: impl Into<String>) -> Self {
        match self.message {
            Message::QuickReply(m) => {
                self.message = Message::QuickReply(m.header_image_uri(Some(uri.into())));
                self
            }
            _ => self.misfit("header_image_uri"),
        }
    }

    /// A footer (quick-reply and Flow responses).
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        match self.message {
            Message::QuickReply(m) => {
                self.message = Message::QuickReply(m.footer(Some(footer.into())));
                self
            }
            Message::Flow(m) => {
                self.message = Message::Flow(m.footer(Some(footer.into())));
                self
            }
            _ => self.misfit("footer"),
        }
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::WhatsApp, Error> {
        if let Some((field, reason)) = self.problem {
            return Err(Error::invalid(format!("{path}.{field}"), reason));
        }
        let refused = |e: types::error::ConversionError| Error::invalid(path, e.to_string());
        let (app_id, group, variation) = (
            self.app_id,
            self.subscription_group_id,
            self.message_variation_id,
        );
        macro_rules! envelope {
            ($envelope:ident, $kind:ident :: $variant:ident, $message:expr) => {
                types::WhatsApp::from(
                    types::$envelope::try_from(
                        types::$envelope::builder()
                            .extra(Map::new())
                            .app_id(app_id)
                            .subscription_group_id(group)
                            .message_variation_id(variation)
                            .message_type(types::$kind::$variant)
                            .message($message),
                    )
                    .map_err(refused)?,
                )
            };
        }
        Ok(match self.message {
            Message::Template(m) => {
                envelope!(
                    WhatsAppTemplate,
                    WhatsAppTemplateMessageType::TemplateMessage,
                    m
                )
            }
            Message::Text(m) => {
                envelope!(
                    WhatsAppText,
                    WhatsAppTextMessageType::TextResponseMessage,
                    m
                )
            }
            Message::Image(m) => envelope!(
                WhatsAppTextImage,
                WhatsAppTextImageMessageType::TextImageResponseMessage,
                m
            ),
            Message::QuickReply(m) => envelope!(
                WhatsAppQuickReply,
                WhatsAppQuickReplyMessageType::QuickReplyResponseMessage,
                m
            ),
            Message::List(m) => {
                envelope!(
                    WhatsAppList,
                    WhatsAppListMessageType::ListResponseMessage,
                    m
                )
            }
            Message::Flow(m) => {
                envelope!(
                    WhatsAppFlow,
                    WhatsAppFlowMessageType::FlowResponseMessage,
                    m
                )
            }
            Message::Carousel(m) => envelope!(
                WhatsAppCarousel,
                WhatsAppCarouselMessageType::CarouselResponseMessage,
                m
            ),
        })
    }
}
