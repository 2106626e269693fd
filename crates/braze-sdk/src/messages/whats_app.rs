//! The WhatsApp channel: `messages.whats_app`, one type per Braze message type
//! (`message_type`), each made from what that type requires and with the setters of that
//! type only.
//!
//! ```
//! use braze_sdk::messages::whats_app::{self, ListRow, ListSection};
//!
//! let template = whats_app::Template::new("app_identifier", "subscription_group_identifier", "table_ready", "en_US")
//!     .body_variables(["Ada", "12"]);
//! let text = whats_app::Text::new("app_identifier", "subscription_group_identifier", "Your table is ready")
//!     .preview_url(true);
//! let replies = whats_app::QuickReply::new("app_identifier", "subscription_group_identifier", "Coming?", ["Yes", "No"]);
//! let menu = whats_app::List::new("app_identifier", "subscription_group_identifier", "Tonight's menu", "See dishes")
//!     .section(ListSection::new("Mains").row(ListRow::new("Risotto").description("Mushrooms")));
//! # let _ = (template, text, replies, menu);
//! ```
//!
//! Braze documents `whats_app` for `/messages/send`; its schedule page does not list it,
//! and whether scheduling accepts it is not verified.

use std::collections::BTreeMap;

use braze_api::types;
use serde_json::Map;

use crate::Error;

/// A WhatsApp message of any of Braze's types: what
/// [`CreateMessageSchedule::whats_app`](crate::CreateMessageSchedule::whats_app) takes
/// (each type converts into it).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WhatsApp {
    /// `template_message`.
    Template(Template),
    /// `text_response_message`.
    Text(Text),
    /// `text_image_response_message`.
    Image(Image),
    /// `quick_reply_response_message`.
    QuickReply(QuickReply),
    /// `list_response_message`.
    List(List),
    /// `flow_response_message`.
    Flow(Flow),
    /// `carousel_response_message`.
    Carousel(Carousel),
}

impl WhatsApp {
    pub(crate) fn into_wire(self, path: &str) -> Result<types::WhatsApp, Error> {
        match self {
            WhatsApp::Template(m) => m.into_wire(path),
            WhatsApp::Text(m) => m.into_wire(path),
            WhatsApp::Image(m) => m.into_wire(path),
            WhatsApp::QuickReply(m) => m.into_wire(path),
            WhatsApp::List(m) => m.into_wire(path),
            WhatsApp::Flow(m) => m.into_wire(path),
            WhatsApp::Carousel(m) => m.into_wire(path),
        }
    }
}

/// What every type's envelope carries besides its message.
#[derive(Debug, Clone)]
struct Envelope {
    app_id: String,
    subscription_group_id: String,
    message_variation_id: Option<String>,
}

impl Envelope {
    fn new(app_id: impl Into<String>, subscription_group_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            subscription_group_id: subscription_group_id.into(),
            message_variation_id: None,
        }
    }
}

/// What a message type has besides its own setters: `message_variation_id`, the
/// conversion into [`WhatsApp`], and its wire envelope, whose `message_type` is the
/// generated enum's one value (`$kind::$variant`), never a name written here. The type's
/// `finish` gives its envelope and its message's generated builder (or what is wrong with
/// a part of it).
macro_rules! message_type {
    ($name:ident => $envelope:ident, $kind:ident :: $variant:ident) => {
        impl $name {
            /// The campaign variation this message is (required with a `campaign_id`).
            pub fn message_variation_id(self, id: impl Into<String>) -> Self {
                self.set_message_variation_id(Some(id.into()))
            }

            /// Sets or clears [`message_variation_id`](Self::message_variation_id).
            pub fn set_message_variation_id(mut self, id: Option<String>) -> Self {
                self.envelope.message_variation_id = id;
                self
            }

            fn into_wire(self, path: &str) -> Result<types::WhatsApp, Error> {
                let refused =
                    |e: types::error::ConversionError| Error::invalid(path, e.to_string());
                let (envelope, message) = self.finish(path)?;
                let Envelope {
                    app_id,
                    subscription_group_id,
                    message_variation_id,
                } = envelope;
                let envelope = types::$envelope::try_from(
                    types::$envelope::builder()
                        .extra(Map::new())
                        .app_id(app_id)
                        .subscription_group_id(subscription_group_id)
                        .message_variation_id(message_variation_id)
                        .message_type(types::$kind::$variant)
                        .message(message),
                )
                .map_err(refused)?;
                Ok(types::WhatsApp::from(envelope))
            }
        }

        impl From<$name> for WhatsApp {
            fn from(message: $name) -> Self {
                WhatsApp::$name(message)
            }
        }
    };
}

/// A message type whose message is one generated builder: the struct, and its `finish`.
macro_rules! simple_message_type {
    ($(#[$doc:meta])* $name:ident($message:ty) => $envelope:ident, $kind:ident :: $variant:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[must_use]
        pub struct $name {
            envelope: Envelope,
            message: $message,
        }

        impl $name {
            fn finish(self, _path: &str) -> Result<(Envelope, $message), Error> {
                Ok((self.envelope, self.message))
            }
        }

        message_type!($name => $envelope, $kind::$variant);
    };
}

/// A template message (`template_message`): a template approved by WhatsApp, with its
/// variables.
#[derive(Debug, Clone)]
#[must_use]
pub struct Template {
    envelope: Envelope,
    message: types::builder::WhatsAppTemplateMessage,
    cards: Vec<TemplateCard>,
}
message_type!(Template => WhatsAppTemplate, WhatsAppTemplateMessageType::TemplateMessage);
simple_message_type!(
    /// A text response (`text_response_message`).
    Text(types::builder::WhatsAppTextMessage)
        => WhatsAppText, WhatsAppTextMessageType::TextResponseMessage
);
simple_message_type!(
    /// An image response (`text_image_response_message`).
    Image(types::builder::WhatsAppTextImageMessage)
        => WhatsAppTextImage, WhatsAppTextImageMessageType::TextImageResponseMessage
);
/// A response with reply buttons, shown in order (`quick_reply_response_message`).
#[derive(Debug, Clone)]
#[must_use]
pub struct QuickReply {
    envelope: Envelope,
    message: types::builder::WhatsAppQuickReplyMessage,
    buttons: Vec<String>,
}
message_type!(
    QuickReply => WhatsAppQuickReply, WhatsAppQuickReplyMessageType::QuickReplyResponseMessage
);
/// A response that opens a WhatsApp Flow (`flow_response_message`).
#[derive(Debug, Clone)]
#[must_use]
pub struct Flow {
    envelope: Envelope,
    message: types::builder::WhatsAppFlowMessage,
    caption: String,
    flow_id: String,
}
message_type!(Flow => WhatsAppFlow, WhatsAppFlowMessageType::FlowResponseMessage);

/// A response with a list to pick from, in sections (`list_response_message`).
#[derive(Debug, Clone)]
#[must_use]
pub struct List {
    envelope: Envelope,
    message: types::builder::WhatsAppListMessage,
    button_text: String,
    sections: Vec<ListSection>,
}
message_type!(List => WhatsAppList, WhatsAppListMessageType::ListResponseMessage);

/// A carousel of cards (`carousel_response_message`), whose buttons are quick replies
/// ([`Carousel::quick_replies`]) or a link each ([`Carousel::links`]).
#[derive(Debug, Clone)]
#[must_use]
pub struct Carousel {
    envelope: Envelope,
    message: types::builder::WhatsAppCarouselMessage,
    cards: Vec<CarouselCard>,
}
message_type!(Carousel => WhatsAppCarousel, WhatsAppCarouselMessageType::CarouselResponseMessage);

/// A part of the message the generated types refuse, named under the message.
fn invalid(path: &str, reason: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{path}.message"), reason.to_string())
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

/// The variable of the call-to-action URL button at `button_index`.
fn button_variable(button_index: usize, value: impl Into<String>) -> types::WhatsAppVariables {
    types::WhatsAppVariables(BTreeMap::from([(button_index.to_string(), value.into())]))
}

impl Template {
    /// A template by its name and language code.
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        template_name: impl Into<String>,
        language_code: impl Into<String>,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppTemplateMessage::builder()
                .extra(Map::new())
                .template_name(template_name.into())
                .template_language_code(language_code.into()),
            cards: Vec::new(),
        }
    }

    /// The header's variable (a TEXT header has at most one).
    pub fn header_variable(mut self, value: impl Into<String>) -> Self {
        self.message = self.message.header_variables(Some(indexed([value])));
        self
    }

    /// The body's variables, in order (`{"0": .., "1": ..}`).
    pub fn body_variables(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.message = self.message.body_variables(Some(indexed(values)));
        self
    }

    /// The variable path of the call-to-action URL button at `button_index` (only one
    /// button can vary).
    pub fn button_variable(mut self, button_index: usize, value: impl Into<String>) -> Self {
        self.message = self
            .message
            .button_variables(Some(button_variable(button_index, value)));
        self
    }

    optional_setters! { message =>
        /// The image of an IMAGE header.
        header_media_uri / set_header_media_uri: String,
    }

    /// The cards of a carousel template (2 to 10, matching the template).
    pub fn carousel_cards(mut self, cards: impl IntoIterator<Item = TemplateCard>) -> Self {
        self.cards.extend(cards);
        self
    }

    fn finish(
        self,
        path: &str,
    ) -> Result<(Envelope, types::builder::WhatsAppTemplateMessage), Error> {
        let cards = self
            .cards
            .into_iter()
            .map(|card| types::WhatsAppTemplateCard::try_from(card.0).map_err(|e| invalid(path, e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((self.envelope, self.message.carousel_cards(cards)))
    }
}

/// A card of a carousel template: its media, and its variables.
#[derive(Debug, Clone)]
#[must_use]
pub struct TemplateCard(types::builder::WhatsAppTemplateCard);

impl TemplateCard {
    fn of(media_type: types::WhatsAppMediaType, uri: String) -> Self {
        Self(
            types::WhatsAppTemplateCard::builder()
                .extra(Map::new())
                .header_media_type(media_type)
                .header_media_uri(uri),
        )
    }

    /// A card with an image header (hosted in Braze's media library).
    pub fn image(uri: impl Into<String>) -> Self {
        Self::of(types::WhatsAppMediaType::Image, uri.into())
    }

    /// A card with a video header (hosted in Braze's media library).
    pub fn video(uri: impl Into<String>) -> Self {
        Self::of(types::WhatsAppMediaType::Video, uri.into())
    }

    /// The card body's variables, in order.
    pub fn body_variables(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0 = self.0.body_variables(Some(indexed(values)));
        self
    }

    /// The variable of the card's call-to-action URL button at `button_index`.
    pub fn button_variable(mut self, button_index: usize, value: impl Into<String>) -> Self {
        self.0 = self
            .0
            .button_variables(Some(button_variable(button_index, value)));
        self
    }
}

impl Text {
    /// A text response.
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppTextMessage::builder()
                .extra(Map::new())
                .body(body.into()),
        }
    }

    optional_setters! { message =>
        /// Shows a preview of the first link of the body.
        preview_url / set_preview_url: bool,
    }
}

impl Image {
    /// An image response.
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        image_uri: impl Into<String>,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppTextImageMessage::builder()
                .extra(Map::new())
                .image_uri(image_uri.into()),
        }
    }

    optional_setters! { message =>
        /// The image's caption.
        caption / set_caption: String,
    }
}

impl QuickReply {
    /// A response with these reply buttons, shown in order (at least one).
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
        buttons: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppQuickReplyMessage::builder()
                .extra(Map::new())
                .body(body.into()),
            buttons: buttons.into_iter().map(Into::into).collect(),
        }
    }

    fn finish(
        self,
        path: &str,
    ) -> Result<(Envelope, types::builder::WhatsAppQuickReplyMessage), Error> {
        let buttons = self
            .buttons
            .into_iter()
            .map(|text| {
                let button = types::WhatsAppReplyButton::builder()
                    .extra(Map::new())
                    .text(text);
                types::WhatsAppReplyButton::try_from(button).map_err(|e| invalid(path, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((self.envelope, self.message.buttons(buttons)))
    }

    optional_setters! { message =>
        /// A text header (not with an image header).
        header_text / set_header_text: String,
        /// An image header (not with a text header).
        header_image_uri / set_header_image_uri: String,
        /// A footer.
        footer / set_footer: String,
    }
}

impl List {
    /// A list response: its body and the text of the button that opens the list; add its
    /// [`section`](Self::section)s (at least one, at most 10 rows in all).
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
        button_text: impl Into<String>,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppListMessage::builder()
                .extra(Map::new())
                .body(body.into()),
            button_text: button_text.into(),
            sections: Vec::new(),
        }
    }

    /// Adds a section.
    pub fn section(mut self, section: ListSection) -> Self {
        self.sections.push(section);
        self
    }

    optional_setters! { message =>
        /// A header.
        header / set_header: String,
        /// A footer.
        footer / set_footer: String,
    }

    fn finish(self, path: &str) -> Result<(Envelope, types::builder::WhatsAppListMessage), Error> {
        let sections = self
            .sections
            .into_iter()
            .map(ListSection::finish)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(path, e))?;
        let list = types::WhatsAppListContent::builder()
            .extra(Map::new())
            .list_button_text(self.button_text)
            .list_sections(sections);
        let list = types::WhatsAppListContent::try_from(list).map_err(|e| invalid(path, e))?;
        Ok((self.envelope, self.message.list(list)))
    }
}

/// A section of a [`List`]: a title and its rows.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListSection {
    title: String,
    rows: Vec<ListRow>,
}

impl ListSection {
    /// A section with this title; add its [`row`](Self::row)s.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(mut self, row: ListRow) -> Self {
        self.rows.push(row);
        self
    }

    fn finish(self) -> Result<types::WhatsAppListSection, String> {
        let rows = self
            .rows
            .into_iter()
            .map(|row| types::WhatsAppListRow::try_from(row.0).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        types::WhatsAppListSection::try_from(
            types::WhatsAppListSection::builder()
                .extra(Map::new())
                .section_title(self.title)
                .list_rows(rows),
        )
        .map_err(|e| e.to_string())
    }
}

/// A row of a [`ListSection`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ListRow(types::builder::WhatsAppListRow);

impl ListRow {
    /// A row with this title.
    pub fn new(title: impl Into<String>) -> Self {
        Self(
            types::WhatsAppListRow::builder()
                .extra(Map::new())
                .row_title(title.into()),
        )
    }

    /// The row's description.
    pub fn description(self, description: impl Into<String>) -> Self {
        self.set_description(Some(description.into()))
    }

    /// Sets or clears [`description`](Self::description).
    pub fn set_description(mut self, description: Option<String>) -> Self {
        self.0 = self.0.row_description(description);
        self
    }
}

impl Flow {
    /// A response that opens the published Flow `flow_id` from a button with this caption
    /// (the spec bounds its length; a longer one is refused, naming it).
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
        caption: impl Into<String>,
        flow_id: impl Into<String>,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppFlowMessage::builder()
                .extra(Map::new())
                .body(body.into()),
            caption: caption.into(),
            flow_id: flow_id.into(),
        }
    }

    fn finish(self, path: &str) -> Result<(Envelope, types::builder::WhatsAppFlowMessage), Error> {
        // The spec's bound on the caption, said by its generated type.
        let caption = types::WhatsAppFlowButtonCaption::try_from(self.caption).map_err(|e| {
            Error::invalid(
                format!("{path}.message.flow_button.caption"),
                format!("is {e}"),
            )
        })?;
        let button = types::WhatsAppFlowButton::builder()
            .extra(Map::new())
            .caption(caption)
            .flow_id(self.flow_id);
        let button = types::WhatsAppFlowButton::try_from(button).map_err(|e| invalid(path, e))?;
        Ok((self.envelope, self.message.flow_button(button)))
    }

    optional_setters! { message =>
        /// A text header.
        header_text / set_header_text: String,
        /// A footer.
        footer / set_footer: String,
        /// Whether Braze stores the Flow's answers in a custom attribute.
        generate_custom_attribute / set_generate_custom_attribute: bool,
    }
}

impl Carousel {
    fn of(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
        buttons: types::WhatsAppCarouselMessageCarouselButtonType,
    ) -> Self {
        Self {
            envelope: Envelope::new(app_id, subscription_group_id),
            message: types::WhatsAppCarouselMessage::builder()
                .extra(Map::new())
                .body(body.into())
                .carousel_button_type(buttons),
            cards: Vec::new(),
        }
    }

    /// A carousel whose cards carry quick-reply buttons ([`CarouselCard::button`]).
    pub fn quick_replies(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::of(
            app_id,
            subscription_group_id,
            body,
            types::WhatsAppCarouselMessageCarouselButtonType::QuickReply,
        )
    }

    /// A carousel whose cards carry a link button each ([`CarouselCard::link`]).
    pub fn links(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self::of(
            app_id,
            subscription_group_id,
            body,
            types::WhatsAppCarouselMessageCarouselButtonType::Url,
        )
    }

    /// Adds a card (2 to 10 in all, of one media type, with as many buttons each).
    pub fn card(mut self, card: CarouselCard) -> Self {
        self.cards.push(card);
        self
    }

    fn finish(
        self,
        path: &str,
    ) -> Result<(Envelope, types::builder::WhatsAppCarouselMessage), Error> {
        let cards = self
            .cards
            .into_iter()
            .map(CarouselCard::finish)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(path, e))?;
        Ok((self.envelope, self.message.cards(cards)))
    }
}

/// A card of a [`Carousel`].
#[derive(Debug, Clone)]
#[must_use]
pub struct CarouselCard {
    card: types::builder::WhatsAppCarouselCard,
    body_text: Option<String>,
    buttons: Vec<String>,
    link: Option<(String, String)>,
}

impl CarouselCard {
    fn of(media_type: types::WhatsAppMediaType, uri: String) -> Self {
        Self {
            card: types::WhatsAppCarouselCard::builder()
                .extra(Map::new())
                .media_type(media_type)
                .media_uri(uri),
            body_text: None,
            buttons: Vec::new(),
            link: None,
        }
    }

    /// A card showing this image.
    pub fn image(uri: impl Into<String>) -> Self {
        Self::of(types::WhatsAppMediaType::Image, uri.into())
    }

    /// A card showing this video.
    pub fn video(uri: impl Into<String>) -> Self {
        Self::of(types::WhatsAppMediaType::Video, uri.into())
    }

    /// The card's text (the spec bounds its length; a longer one is refused, naming it).
    pub fn body_text(self, text: impl Into<String>) -> Self {
        self.set_body_text(Some(text.into()))
    }

    /// Sets or clears [`body_text`](Self::body_text).
    pub fn set_body_text(mut self, text: Option<String>) -> Self {
        self.body_text = text;
        self
    }

    /// Adds a quick-reply button with this label (in a [`Carousel::quick_replies`]).
    pub fn button(mut self, label: impl Into<String>) -> Self {
        self.buttons.push(label.into());
        self
    }

    /// The card's link button (in a [`Carousel::links`]).
    pub fn link(mut self, display_text: impl Into<String>, url: impl Into<String>) -> Self {
        self.link = Some((display_text.into(), url.into()));
        self
    }

    fn finish(self) -> Result<types::WhatsAppCarouselCard, String> {
        let body_text = self
            .body_text
            .map(|text| {
                types::WhatsAppCarouselCardBodyText::try_from(text)
                    .map_err(|e| format!("a card's body_text is {e}"))
            })
            .transpose()?;
        let link = self
            .link
            .map(|(display_text, url)| {
                let button = types::WhatsAppUrlButton::builder()
                    .extra(Map::new())
                    .display_text(display_text)
                    .url(url);
                types::WhatsAppUrlButton::try_from(button).map_err(|e| e.to_string())
            })
            .transpose()?;
        let card = self
            .card
            .body_text(body_text)
            .buttons(self.buttons)
            .cta_url_button(link);
        types::WhatsAppCarouselCard::try_from(card).map_err(|e| e.to_string())
    }
}
