//! Whose schedules an operation acts on: the one model of "campaign, Canvas or message"
//! that the SDK, the fake and the CLI share: the kind ([`ScheduleKind`]) and one schedule
//! of it ([`ScheduleRef`]).

use crate::ids::{CampaignId, CanvasId, InvalidId, ScheduleId};
use crate::operations::{self, OperationSpec};

/// What a schedule sends: an API-triggered campaign or Canvas, or a message whose content
/// the create carried. Every fact that differs between them (the owner id field, the word
/// for it, the operations) is here, once.
///
/// The SDK's `Owner` marker types name the campaign and Canvas kinds at the type level for
/// their typed builders; the fake stores the kind with each schedule, and the CLI's bulk
/// deletes are driven by it. Message schedules have no owner: update and delete name them
/// by `schedule_id` alone ([`ScheduleKind::owner_field`] is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScheduleKind {
    /// Scheduled sends of an API-triggered campaign (`/campaigns/trigger/schedule/*`).
    Campaign,
    /// Scheduled entries of an API-triggered Canvas (`/canvas/trigger/schedule/*`).
    Canvas,
    /// Scheduled messages with their content (`/messages/schedule/*`).
    Message,
}

impl ScheduleKind {
    /// Every kind.
    pub const ALL: [ScheduleKind; 3] = [
        ScheduleKind::Campaign,
        ScheduleKind::Canvas,
        ScheduleKind::Message,
    ];

    /// The word for it in messages: `campaign`, `Canvas` or `message`.
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Campaign => "campaign",
            Self::Canvas => "Canvas",
            Self::Message => "message",
        }
    }

    /// The body field (and bulk-file column) that names the owner, with the schedule:
    /// `campaign_id` or `canvas_id`. `None` for a kind whose schedules are named by
    /// `schedule_id` alone.
    pub const fn owner_field(self) -> Option<&'static str> {
        match self {
            Self::Campaign => Some(CampaignId::FIELD),
            Self::Canvas => Some(CanvasId::FIELD),
            Self::Message => None,
        }
    }

    /// Its create operation.
    pub const fn create(self) -> &'static OperationSpec {
        match self {
            Self::Campaign => &operations::CREATE_CAMPAIGN_SCHEDULE,
            Self::Canvas => &operations::CREATE_CANVAS_SCHEDULE,
            Self::Message => &operations::CREATE_MESSAGE_SCHEDULE,
        }
    }

    /// Its update operation.
    pub const fn update(self) -> &'static OperationSpec {
        match self {
            Self::Campaign => &operations::UPDATE_CAMPAIGN_SCHEDULE,
            Self::Canvas => &operations::UPDATE_CANVAS_SCHEDULE,
            Self::Message => &operations::UPDATE_MESSAGE_SCHEDULE,
        }
    }

    /// Its delete operation.
    pub const fn delete(self) -> &'static OperationSpec {
        match self {
            Self::Campaign => &operations::DELETE_CAMPAIGN_SCHEDULE,
            Self::Canvas => &operations::DELETE_CANVAS_SCHEDULE,
            Self::Message => &operations::DELETE_MESSAGE_SCHEDULE,
        }
    }

    /// The kind whose bodies name their owner with `field`.
    pub fn of_owner_field(field: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.owner_field() == Some(field))
    }
}

/// One scheduled send, named the way its update and delete name it: a campaign's or a
/// Canvas's schedule by the owner's id and the `schedule_id`, a message schedule by its
/// `schedule_id` alone. The rule "an owner id exactly when the schedule is not a message"
/// is the shape of the type, not a convention to keep.
///
/// ```
/// use braze_api::{ScheduleKind, ScheduleRef};
///
/// let send = ScheduleRef::campaign("campaign_identifier", "schedule_identifier");
/// assert_eq!(send.kind(), ScheduleKind::Campaign);
/// assert_eq!(send.owner_id(), Some("campaign_identifier"));
/// assert_eq!(ScheduleRef::message("s-1").owner_id(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScheduleRef {
    /// A scheduled send of an API-triggered campaign.
    Campaign {
        /// The campaign.
        campaign_id: CampaignId,
        /// The schedule.
        schedule_id: ScheduleId,
    },
    /// A scheduled entry of an API-triggered Canvas.
    Canvas {
        /// The Canvas.
        canvas_id: CanvasId,
        /// The schedule.
        schedule_id: ScheduleId,
    },
    /// A scheduled message with its content.
    Message {
        /// The schedule.
        schedule_id: ScheduleId,
    },
}

impl ScheduleRef {
    /// A campaign's scheduled send.
    pub fn campaign(
        campaign_id: impl Into<CampaignId>,
        schedule_id: impl Into<ScheduleId>,
    ) -> Self {
        Self::Campaign {
            campaign_id: campaign_id.into(),
            schedule_id: schedule_id.into(),
        }
    }

    /// A Canvas's scheduled entry.
    pub fn canvas(canvas_id: impl Into<CanvasId>, schedule_id: impl Into<ScheduleId>) -> Self {
        Self::Canvas {
            canvas_id: canvas_id.into(),
            schedule_id: schedule_id.into(),
        }
    }

    /// A scheduled message.
    pub fn message(schedule_id: impl Into<ScheduleId>) -> Self {
        Self::Message {
            schedule_id: schedule_id.into(),
        }
    }

    /// A schedule of `kind`: `owner_id` is the campaign's or Canvas's id, and is not used
    /// for a message schedule.
    pub fn of_kind(
        kind: ScheduleKind,
        owner_id: impl Into<String>,
        schedule_id: impl Into<ScheduleId>,
    ) -> Self {
        match kind {
            ScheduleKind::Campaign => Self::campaign(owner_id.into(), schedule_id),
            ScheduleKind::Canvas => Self::canvas(owner_id.into(), schedule_id),
            ScheduleKind::Message => Self::message(schedule_id),
        }
    }

    /// Its kind.
    pub const fn kind(&self) -> ScheduleKind {
        match self {
            Self::Campaign { .. } => ScheduleKind::Campaign,
            Self::Canvas { .. } => ScheduleKind::Canvas,
            Self::Message { .. } => ScheduleKind::Message,
        }
    }

    /// The `schedule_id`.
    pub fn schedule_id(&self) -> &ScheduleId {
        match self {
            Self::Campaign { schedule_id, .. }
            | Self::Canvas { schedule_id, .. }
            | Self::Message { schedule_id } => schedule_id,
        }
    }

    /// The owner's id (campaign or Canvas); `None` for a message schedule.
    pub fn owner_id(&self) -> Option<&str> {
        match self {
            Self::Campaign { campaign_id, .. } => Some(campaign_id.as_str()),
            Self::Canvas { canvas_id, .. } => Some(canvas_id.as_str()),
            Self::Message { .. } => None,
        }
    }

    /// Its ids, taken apart: the owner's (`None` for a message schedule) and the
    /// schedule's.
    pub fn into_ids(self) -> (Option<String>, ScheduleId) {
        match self {
            Self::Campaign {
                campaign_id,
                schedule_id,
            } => (Some(campaign_id.into_string()), schedule_id),
            Self::Canvas {
                canvas_id,
                schedule_id,
            } => (Some(canvas_id.into_string()), schedule_id),
            Self::Message { schedule_id } => (None, schedule_id),
        }
    }

    /// Refuses a blank id, naming its field (the owner's first).
    pub fn check(&self) -> Result<(), InvalidId> {
        match self {
            Self::Campaign { campaign_id, .. } => campaign_id.check()?,
            Self::Canvas { canvas_id, .. } => canvas_id.check()?,
            Self::Message { .. } => {}
        }
        self.schedule_id().check()
    }
}

/// `campaign_id C, schedule_id S`; `schedule_id S` for a message schedule.
impl std::fmt::Display for ScheduleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let (Some(field), Some(owner)) = (self.kind().owner_field(), self.owner_id()) {
            write!(f, "{field} {owner}, ")?;
        }
        write!(f, "schedule_id {}", self.schedule_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind's update and delete name its owner, if it has one, and the schedule.
    #[test]
    fn the_operations_name_the_owner_field() {
        for kind in ScheduleKind::ALL {
            for spec in [kind.update(), kind.delete()] {
                let body = spec.request_body.expect("a body");
                assert!(body.declares("schedule_id"), "{}", spec.id);
                if let Some(field) = kind.owner_field() {
                    assert!(body.declares(field), "{} lacks {field}", spec.id);
                }
            }
            if let Some(field) = kind.owner_field() {
                assert!(kind.create().request_body.unwrap().declares(field));
                assert_eq!(ScheduleKind::of_owner_field(field), Some(kind));
            }
        }
        assert_eq!(ScheduleKind::Message.owner_field(), None);
        assert_eq!(ScheduleKind::of_owner_field("schedule_id"), None);
    }

    #[test]
    fn a_reference_names_its_owner_exactly_when_it_has_one() {
        for kind in ScheduleKind::ALL {
            let reference = ScheduleRef::of_kind(kind, "owner", "s-1");
            assert_eq!(reference.kind(), kind);
            assert_eq!(reference.schedule_id().as_str(), "s-1");
            assert_eq!(reference.owner_id().is_some(), kind.owner_field().is_some());
            let owner = kind.owner_field().map(|_| "owner".to_owned());
            assert_eq!(reference.into_ids(), (owner, ScheduleId::from("s-1")));
        }
        assert_eq!(
            ScheduleRef::canvas("v", "s").to_string(),
            "canvas_id v, schedule_id s"
        );
        assert_eq!(ScheduleRef::message("s").to_string(), "schedule_id s");
        assert_eq!(
            ScheduleRef::campaign(" ", "s").check().unwrap_err().field,
            "campaign_id"
        );
        assert_eq!(
            ScheduleRef::message("").check().unwrap_err().field,
            "schedule_id"
        );
    }
}
