//! The Content Card channel: `messages.content_card`.

use std::time::Duration;

use braze_api::operations::shapes;
use braze_api::types::{self, builder};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::Extras;
use crate::Error;

/// When a Content Card expires: Braze needs exactly one of the two, at most 30 days away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardExpiry {
    /// After this long (`time_to_live`, in whole seconds).
    After(Duration),
    /// At this instant (`expire_at`, sent as ISO 8601 in UTC).
    At(DateTime<Utc>),
}

impl CardExpiry {
    /// After this long.
    pub fn after(duration: Duration) -> Self {
        Self::After(duration)
    }

    /// At this instant.
    pub fn at(time: DateTime<Utc>) -> Self {
        Self::At(time)
    }
}

/// A Content Card (`messages.content_card`), by its layout: each constructor takes what
/// that layout requires.
///
/// ```
/// use std::time::Duration;
/// use braze_sdk::messages::{CardExpiry, ContentCard};
///
/// let card = ContentCard::classic("Your table", "Table 12 is ready", CardExpiry::after(Duration::from_secs(3_600)))
///     .web_uri("https://example.com/tables/12");
/// let in_a_week = chrono::Utc::now() + chrono::Duration::days(7);
/// let banner = ContentCard::banner("https://example.com/banner.png", CardExpiry::at(in_a_week));
/// # let _ = (card, banner);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ContentCard {
    inner: builder::ContentCard,
    extras: Extras,
}

impl ContentCard {
    fn of(
        kind: types::ContentCardType,
        title: Option<String>,
        description: Option<String>,
        image_url: Option<String>,
        expiry: CardExpiry,
    ) -> Self {
        let mut inner = types::ContentCard::builder()
            .type_(kind)
            .title(title)
            .description(description)
            .image_url(image_url);
        inner = match expiry {
            CardExpiry::After(duration) => inner.time_to_live(Some(duration.as_secs())),
            CardExpiry::At(time) => {
                inner.expire_at(Some(time.to_rfc3339_opts(SecondsFormat::Secs, true)))
            }
        };
        Self {
            inner,
            extras: Extras::default(),
        }
    }

    /// A classic card: a title and a description.
    pub fn classic(
        title: impl Into<String>,
        description: impl Into<String>,
        expiry: CardExpiry,
    ) -> Self {
        Self::of(
            types::ContentCardType::Classic,
            Some(title.into()),
            Some(description.into()),
            None,
            expiry,
        )
    }

    /// A card with an image above its title and description.
    pub fn captioned_image(
        title: impl Into<String>,
        description: impl Into<String>,
        image_url: impl Into<String>,
        expiry: CardExpiry,
    ) -> Self {
        Self::of(
            types::ContentCardType::CaptionedImage,
            Some(title.into()),
            Some(description.into()),
            Some(image_url.into()),
            expiry,
        )
    }

    /// An image-only card (a card layout, not Braze's Banners channel).
    pub fn banner(image_url: impl Into<String>, expiry: CardExpiry) -> Self {
        Self::of(
            types::ContentCardType::Banner,
            None,
            None,
            Some(image_url.into()),
            expiry,
        )
    }

    optional_setters! {
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
        /// Pinned to the top of the feed.
        pinned / set_pinned: bool,
        /// Reads an [`CardExpiry::At`] time in the user's time zone.
        expire_in_local_time / set_expire_in_local_time: bool,
        /// Where a click leads on iOS.
        ios_uri / set_ios_uri: String,
        /// Where a click leads on Android.
        android_uri / set_android_uri: String,
        /// Where a click leads on the web.
        web_uri / set_web_uri: String,
        /// Whether a web URL opens inside the iOS app (Braze's default: true).
        ios_use_webview / set_ios_use_webview: bool,
        /// Whether a web URL opens inside the Android app (Braze's default: true).
        android_use_webview / set_android_use_webview: bool,
        /// The link text.
        uri_text / set_uri_text: String,
    }

    /// Adds a key-value pair to `extra`.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extras.extra.insert(key.into(), value);
        self
    }

    /// Adds a field of Braze's Content Card object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extras.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::ContentCard, Error> {
        self.inner
            .extra(self.extras.into_wire(&shapes::CONTENT_CARD, path)?)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}
