//! Whose schedules an operation acts on: the one model of "campaign, Canvas or message"
//! that the SDK, the fake and the CLI share.

use crate::ids::{CampaignId, CanvasId};
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
}
