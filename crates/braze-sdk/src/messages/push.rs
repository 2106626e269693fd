//! The push channels: `apple_push`, `android_push`, `kindle_push`, `web_push`, and their
//! buttons.

use std::num::NonZeroU64;

use braze_api::operations::shapes;
use braze_api::types::{self, builder};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::Extras;
use crate::Error;

/// What a push button does (`OPEN_APP`, `URI`, `DEEP_LINK`, `CLOSE`); web pushes take no
/// `DEEP_LINK`.
pub use braze_api::types::PushButtonAction;

/// An iOS push (`messages.apple_push`): from its alert text in one line, with every other
/// field of Braze's Apple push object as a setter.
///
/// ```
/// use braze_sdk::messages::{AppleAlert, ApplePush};
///
/// let simple = ApplePush::new("Your table is ready");
/// let rich = ApplePush::with_alert(AppleAlert::new("Table 12 is ready").title("Chez Ada"))
///     .badge(1)
///     .sound("default")
///     .extra("table", serde_json::json!(12));
/// let background = ApplePush::background().extra("sync", serde_json::json!(true));
/// # let _ = (simple, rich, background);
/// ```
///
/// Checked before sending: an `alert` unless it is a background push, `asset_file_type`
/// with `asset_url` (one setter gives both), no `ab` or `aps` key in `extra`, the payload
/// within Braze's 1,912 bytes, `apns_priority` from 1 to 10, `relevance_score` from 0 to 1.
#[derive(Debug, Clone)]
#[must_use]
pub struct ApplePush {
    inner: builder::ApplePush,
    apns_priority: Option<u8>,
    buttons: Vec<AppleButton>,
    extras: Extras,
    /// An alert object that could not be made, reported when the request is checked.
    problem: Option<String>,
}

impl ApplePush {
    fn empty() -> Self {
        Self {
            inner: types::ApplePush::builder(),
            apns_priority: None,
            buttons: Vec::new(),
            extras: Extras::default(),
            problem: None,
        }
    }

    /// A push with this alert text.
    pub fn new(alert: impl Into<String>) -> Self {
        let alert = types::ApplePushAlert::Text(alert.into().into());
        let mut push = Self::empty();
        push.inner = push.inner.alert(Some(alert));
        push
    }

    /// A push with an alert object (title, localisation keys...).
    pub fn with_alert(alert: AppleAlert) -> Self {
        let mut push = Self::empty();
        match alert.into_wire() {
            Ok(alert) => push.inner = push.inner.alert(Some(types::ApplePushAlert::Object(alert))),
            Err(problem) => push.problem = Some(problem),
        }
        push
    }

    /// A background push (`content-available`), which may have no alert.
    pub fn background() -> Self {
        Self::empty().content_available(true)
    }

    optional_setters! {
        /// The badge count after this message.
        badge / set_badge: i64,
        /// A sound file of the app, or `default`.
        sound / set_sound: String,
        /// Sets the `content-available` flag (sent with its hyphen).
        content_available / set_content_available: bool,
        /// How the push interrupts (iOS 15 and later).
        interruption_level / set_interruption_level: types::ApplePushInterruptionLevel,
        /// 0 to 1, for notification summaries (iOS 15 and later).
        relevance_score / set_relevance_score: f64,
        /// A web URL or deep link opened on click.
        custom_uri / set_custom_uri: String,
        /// Whether a web URL opens inside the app (Braze's default: true).
        use_webview / set_use_webview: bool,
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
        /// The notification thread.
        notification_group_thread_id / set_notification_group_thread_id: String,
        /// Replaces an earlier notification with the same id.
        collapse_id / set_collapse_id: String,
        /// Sets `mutable-content` (always set for rich notifications).
        mutable_content / set_mutable_content: bool,
        /// Only the user's most recent device.
        send_to_most_recent_device_only / set_send_to_most_recent_device_only: bool,
        /// The notification category, which shows its action buttons.
        category / set_category: String,
    }

    /// Rich-notification content (iOS 10 and later) and its file type, which Braze
    /// requires with it.
    pub fn asset(
        mut self,
        url: impl Into<String>,
        file_type: types::ApplePushAssetFileType,
    ) -> Self {
        self.inner = self
            .inner
            .asset_url(Some(url.into()))
            .asset_file_type(Some(file_type));
        self
    }

    /// APNs priority: 10 immediate, 5 power-aware, 1 minimal.
    pub fn apns_priority(self, priority: u8) -> Self {
        self.set_apns_priority(Some(priority))
    }

    /// Sets or clears [`apns_priority`](Self::apns_priority).
    pub fn set_apns_priority(mut self, priority: Option<u8>) -> Self {
        self.apns_priority = priority;
        self
    }

    /// Adds an action button (only to override the click actions of `category`'s).
    pub fn button(mut self, button: AppleButton) -> Self {
        self.buttons.push(button);
        self
    }

    /// Adds a key-value pair to `extra`, the data handed to the app (not `ab` or `aps`).
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extras.extra.insert(key.into(), value);
        self
    }

    /// When the push expires (sent as ISO 8601 in UTC).
    pub fn expiry(self, at: DateTime<Utc>) -> Self {
        self.set_expiry(Some(at))
    }

    /// Sets or clears [`expiry`](Self::expiry).
    pub fn set_expiry(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.inner = self
            .inner
            .expiry(at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)));
        self
    }

    /// Adds a field of Braze's Apple push object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extras.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::ApplePush, Error> {
        if let Some(problem) = self.problem {
            return Err(Error::invalid(format!("{path}.alert"), problem));
        }
        let apns_priority = match self.apns_priority {
            None => None,
            Some(p) => Some(NonZeroU64::new(u64::from(p)).ok_or_else(|| {
                Error::invalid(format!("{path}.apns_priority"), "must be 1 to 10, not 0")
            })?),
        };
        let buttons = self
            .buttons
            .into_iter()
            .enumerate()
            .map(|(i, b)| b.into_wire(&format!("{path}.buttons[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        self.inner
            .apns_priority(apns_priority)
            .buttons(buttons)
            .extra(self.extras.into_wire(&shapes::APPLE_PUSH, path)?)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}

/// An Apple alert object, for [`ApplePush::with_alert`]: the body, and optionally a title
/// and localisation keys.
#[derive(Debug, Clone)]
#[must_use]
pub struct AppleAlert {
    inner: builder::ApplePushAlertObject,
    fields: serde_json::Map<String, Value>,
}

impl AppleAlert {
    /// An alert with this body text.
    pub fn new(body: impl Into<String>) -> Self {
        Self {
            inner: types::ApplePushAlertObject::builder().body(Some(body.into())),
            fields: serde_json::Map::new(),
        }
    }

    optional_setters! {
        /// The title (also shown on Apple Watch).
        title / set_title: String,
        /// A key into the app's `Localizable.strings` for the title.
        title_loc_key / set_title_loc_key: String,
        /// The localised right-button title.
        action_loc_key / set_action_loc_key: String,
        /// A key into the app's `Localizable.strings` for the body.
        loc_key / set_loc_key: String,
        /// The sound, for Live Activities.
        sound / set_sound: String,
    }

    /// Arguments of `title_loc_key`.
    pub fn title_loc_args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.inner = self
            .inner
            .title_loc_args(args.into_iter().map(Into::into).collect::<Vec<String>>());
        self
    }

    /// Arguments of `loc_key`.
    pub fn loc_args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.inner = self
            .inner
            .loc_args(args.into_iter().map(Into::into).collect::<Vec<String>>());
        self
    }

    /// Adds a field of Braze's alert object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    fn into_wire(self) -> Result<types::ApplePushAlertObject, String> {
        self.inner
            .extra(self.fields)
            .try_into()
            .map_err(|e: types::error::ConversionError| e.to_string())
    }
}

/// An Apple push action button, by its action id.
///
/// With Braze's default categories (`ab_cat_*`), the action is optional; with categories of
/// the app, it must be [`uri`](Self::uri) or [`deep_link`](Self::deep_link).
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct AppleButton {
    action_id: String,
    action: Option<PushButtonAction>,
    uri: Option<String>,
    use_webview: Option<bool>,
}

impl AppleButton {
    /// The button with this action id (e.g. `ab_pb_accept`).
    pub fn new(action_id: impl Into<String>) -> Self {
        Self {
            action_id: action_id.into(),
            action: None,
            uri: None,
            use_webview: None,
        }
    }

    /// Opens the app.
    pub fn open_app(mut self) -> Self {
        self.action = Some(PushButtonAction::OpenApp);
        self
    }

    /// Opens a web URL.
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.action = Some(PushButtonAction::Uri);
        self.uri = Some(uri.into());
        self
    }

    /// Opens a deep link.
    pub fn deep_link(mut self, uri: impl Into<String>) -> Self {
        self.action = Some(PushButtonAction::DeepLink);
        self.uri = Some(uri.into());
        self
    }

    /// Closes the notification.
    pub fn close(mut self) -> Self {
        self.action = Some(PushButtonAction::Close);
        self
    }

    /// Whether a web URL opens inside the app (Braze's default: true).
    pub fn use_webview(self, yes: bool) -> Self {
        self.set_use_webview(Some(yes))
    }

    /// Sets or clears [`use_webview`](Self::use_webview).
    pub fn set_use_webview(mut self, yes: Option<bool>) -> Self {
        self.use_webview = yes;
        self
    }

    fn into_wire(self, path: &str) -> Result<types::ApplePushButton, Error> {
        types::ApplePushButton::builder()
            .extra(serde_json::Map::new())
            .action_id(self.action_id)
            .action(self.action)
            .uri(self.uri)
            .use_webview(self.use_webview)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}

/// An Android or web push action button, by its text.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct PushButton {
    text: String,
    action: Option<PushButtonAction>,
    uri: Option<String>,
    use_webview: Option<bool>,
}

impl PushButton {
    /// A button with this text; it opens the app unless told otherwise.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            action: None,
            uri: None,
            use_webview: None,
        }
    }

    /// Opens the app (Braze's default).
    pub fn open_app(mut self) -> Self {
        self.action = Some(PushButtonAction::OpenApp);
        self
    }

    /// Opens a web URL.
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.action = Some(PushButtonAction::Uri);
        self.uri = Some(uri.into());
        self
    }

    /// Opens a deep link (not on web pushes).
    pub fn deep_link(mut self, uri: impl Into<String>) -> Self {
        self.action = Some(PushButtonAction::DeepLink);
        self.uri = Some(uri.into());
        self
    }

    /// Closes the notification.
    pub fn close(mut self) -> Self {
        self.action = Some(PushButtonAction::Close);
        self
    }

    /// Whether a web URL opens inside the app (Android only; Braze's default: true).
    pub fn use_webview(self, yes: bool) -> Self {
        self.set_use_webview(Some(yes))
    }

    /// Sets or clears [`use_webview`](Self::use_webview).
    pub fn set_use_webview(mut self, yes: Option<bool>) -> Self {
        self.use_webview = yes;
        self
    }

    fn into_android(self, path: &str) -> Result<types::AndroidPushButton, Error> {
        types::AndroidPushButton::builder()
            .extra(serde_json::Map::new())
            .text(self.text)
            .action(self.action)
            .uri(self.uri)
            .use_webview(self.use_webview)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }

    fn into_web(self, path: &str) -> Result<types::WebPushButton, Error> {
        if self.use_webview.is_some() {
            return Err(Error::invalid(
                format!("{path}.use_webview"),
                "does not apply to web push buttons",
            ));
        }
        types::WebPushButton::builder()
            .extra(serde_json::Map::new())
            .text(self.text)
            .action(self.action)
            .uri(self.uri)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}

/// An Android push (`messages.android_push`): from its title and alert in one line, or a
/// silent push (`send_to_sync`), with every other field as a setter.
///
/// ```
/// use braze_sdk::messages::{AndroidPush, PushButton};
///
/// let push = AndroidPush::new("Chez Ada", "Your table is ready")
///     .notification_channel_id("tables")
///     .button(PushButton::new("Menu").uri("https://example.com/menu"));
/// # let _ = push;
/// ```
///
/// Checked before sending: the alert and title with exactly the pushes that are not silent,
/// `priority` from -2 to 2, `time_to_live` at most 28 days, the alert and `extra` within
/// Braze's 4,000 bytes.
#[derive(Debug, Clone)]
#[must_use]
pub struct AndroidPush {
    inner: builder::AndroidPush,
    buttons: Vec<PushButton>,
    extras: Extras,
}

impl AndroidPush {
    fn empty() -> Self {
        Self {
            inner: types::AndroidPush::builder(),
            buttons: Vec::new(),
            extras: Extras::default(),
        }
    }

    /// A push with this title and alert text.
    pub fn new(title: impl Into<String>, alert: impl Into<String>) -> Self {
        let mut push = Self::empty();
        push.inner = push
            .inner
            .title(Some(title.into()))
            .alert(Some(alert.into()));
        push
    }

    /// A silent push (`send_to_sync`), which has no title or alert.
    pub fn silent() -> Self {
        let mut push = Self::empty();
        push.inner = push.inner.send_to_sync(Some(true));
        push
    }

    optional_setters! {
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
        /// The notification channel (the dashboard's fallback channel otherwise).
        notification_channel_id / set_notification_channel_id: String,
        /// -2 (min) to 2 (max); 0 by default.
        priority / set_priority: i64,
        /// FCM sender priority (the workspace's push settings by default).
        android_priority / set_android_priority: types::AndroidPushAndroidPriority,
        /// FCM collapse key (use at most 3 per device).
        collapse_key / set_collapse_key: String,
        /// A sound of the app, or `default`.
        sound / set_sound: String,
        /// A web URL or deep link opened on click.
        custom_uri / set_custom_uri: String,
        /// Whether a web URL opens inside the app (Braze's default: false).
        use_webview / set_use_webview: bool,
        /// The summary text.
        summary_text / set_summary_text: String,
        /// Seconds the push may wait for delivery, at most 2,419,200.
        time_to_live / set_time_to_live: i64,
        /// The notification id.
        notification_id / set_notification_id: i64,
        /// A large icon, square, at least 40 by 40 pixels.
        push_icon_image_url / set_push_icon_image_url: String,
        /// An RGB colour as an integer.
        accent_color / set_accent_color: i64,
        /// Only the user's most recent device.
        send_to_most_recent_device_only / set_send_to_most_recent_device_only: bool,
    }

    /// Adds an action button.
    pub fn button(mut self, button: PushButton) -> Self {
        self.buttons.push(button);
        self
    }

    /// A conversation push (Android SDK 15.0.0 and later).
    pub fn conversation(self, conversation: types::AndroidConversation) -> Self {
        self.set_conversation(Some(conversation))
    }

    /// Sets or clears [`conversation`](Self::conversation).
    pub fn set_conversation(mut self, conversation: Option<types::AndroidConversation>) -> Self {
        self.inner = self.inner.conversation_data(conversation);
        self
    }

    /// Adds a key-value pair to `extra` (`appboy_image_url` gives a "Big Picture").
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extras.extra.insert(key.into(), value);
        self
    }

    /// Adds a field of Braze's Android push object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extras.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::AndroidPush, Error> {
        let buttons = self
            .buttons
            .into_iter()
            .enumerate()
            .map(|(i, b)| b.into_android(&format!("{path}.buttons[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        self.inner
            .buttons(buttons)
            .extra(self.extras.into_wire(&shapes::ANDROID_PUSH, path)?)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}

/// A Kindle or FireOS push (`messages.kindle_push`).
///
/// ```
/// let push = braze_sdk::messages::KindlePush::new("Chez Ada", "Your table is ready");
/// # let _ = push;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct KindlePush {
    inner: builder::KindlePush,
    extras: Extras,
}

impl KindlePush {
    /// A push with this title and alert text.
    pub fn new(title: impl Into<String>, alert: impl Into<String>) -> Self {
        Self {
            inner: types::KindlePush::builder()
                .title(title.into())
                .alert(alert.into()),
            extras: Extras::default(),
        }
    }

    optional_setters! {
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
        /// -2 (min) to 2 (max); 0 by default.
        priority / set_priority: i64,
        /// The collapse key.
        collapse_key / set_collapse_key: String,
        /// A sound of the app, or `default`.
        sound / set_sound: String,
        /// A web URL or deep link opened on click.
        custom_uri / set_custom_uri: String,
    }

    /// Adds a key-value pair to `extra`.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extras.extra.insert(key.into(), value);
        self
    }

    /// Adds a field of Braze's Kindle push object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extras.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::KindlePush, Error> {
        self.inner
            .extra(self.extras.into_wire(&shapes::KINDLE_PUSH, path)?)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}

/// A web push (`messages.web_push`).
///
/// ```
/// use braze_sdk::messages::{PushButton, WebPush};
///
/// let push = WebPush::new("Chez Ada", "Your table is ready")
///     .custom_uri("https://example.com/tables/12")
///     .button(PushButton::new("Dismiss").close());
/// # let _ = push;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebPush {
    inner: builder::WebPush,
    buttons: Vec<PushButton>,
    extras: Extras,
}

impl WebPush {
    /// A push with this title and alert text.
    pub fn new(title: impl Into<String>, alert: impl Into<String>) -> Self {
        Self {
            inner: types::WebPush::builder()
                .title(title.into())
                .alert(alert.into()),
            buttons: Vec::new(),
            extras: Extras::default(),
        }
    }

    optional_setters! {
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
        /// The web URL opened on click.
        custom_uri / set_custom_uri: String,
        /// An image, cropped square.
        image_url / set_image_url: String,
        /// A large image (Chrome on Windows and Android).
        large_image_url / set_large_image_url: String,
        /// The user must dismiss it.
        require_interaction / set_require_interaction: bool,
        /// Only the user's most recent device.
        send_to_most_recent_device_only / set_send_to_most_recent_device_only: bool,
    }

    /// Seconds the push may wait for delivery.
    pub fn time_to_live(self, seconds: u32) -> Self {
        self.set_time_to_live(Some(seconds))
    }

    /// Sets or clears [`time_to_live`](Self::time_to_live).
    pub fn set_time_to_live(mut self, seconds: Option<u32>) -> Self {
        self.inner = self.inner.time_to_live(seconds.map(u64::from));
        self
    }

    /// Adds an action button (no deep links on the web).
    pub fn button(mut self, button: PushButton) -> Self {
        self.buttons.push(button);
        self
    }

    /// Adds a key-value pair to `extra`.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extras.extra.insert(key.into(), value);
        self
    }

    /// Adds a field of Braze's web push object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extras.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::WebPush, Error> {
        let buttons = self
            .buttons
            .into_iter()
            .enumerate()
            .map(|(i, b)| b.into_web(&format!("{path}.buttons[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        self.inner
            .buttons(buttons)
            .extra(self.extras.into_wire(&shapes::WEB_PUSH, path)?)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}
