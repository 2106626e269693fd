//! Whose schedules an operation acts on: the one model of "campaign or Canvas" that the
//! SDK, the fake and the CLI share.

use crate::ids::{CampaignId, CanvasId};
use crate::operations::{self, OperationSpec};

/// What a schedule sends: an API-triggered campaign or Canvas. Every fact that differs
/// between them (the id field, the word for it, the operations) is here, once.
///
/// The SDK's `Owner` marker types name a kind at the type level for its typed builders;
/// the fake stores it with each schedule, and the CLI's bulk deletes are driven by it.
/// Message schedules (`/messages/schedule/*`) have no owner id, which
/// [`ScheduleKind::owner_field`] allows for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScheduleKind {
    /// Scheduled sends of an API-triggered campaign (`/campaigns/trigger/schedule/*`).
    Campaign,
    /// Scheduled entries of an API-triggered Canvas (`/canvas/trigger/schedule/*`).
    Canvas,
}

impl ScheduleKind {
    /// Every kind.
    pub const ALL: [ScheduleKind; 2] = [ScheduleKind::Campaign, ScheduleKind::Canvas];

    /// The word for it in messages: `campaign` or `Canvas`.
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Campaign => "campaign",
            Self::Canvas => "Canvas",
        }
    }

    /// The body field (and bulk-file column) that names the owner, with the schedule:
    /// `campaign_id` or `canvas_id`. `None` for a kind whose schedules are named by
    /// `schedule_id` alone.
    pub const fn owner_field(self) -> Option<&'static str> {
        match self {
            Self::Campaign => Some(CampaignId::FIELD),
            Self::Canvas => Some(CanvasId::FIELD),
        }
    }

    /// How `GET /messages/scheduled_broadcasts` spells its `type`: `Campaign` or `Canvas`.
    pub const fn broadcast_type(self) -> &'static str {
        match self {
            Self::Campaign => "Campaign",
            Self::Canvas => "Canvas",
        }
    }

    /// Its create operation.
    pub const fn create(self) -> &'static OperationSpec {
        match self {
            Self::Campaign => &operations::CREATE_CAMPAIGN_SCHEDULE,
            Self::Canvas => &operations::CREATE_CANVAS_SCHEDULE,
        }
    }

    /// Its update operation.
    pub const fn update(self) -> &'static OperationSpec {
        match self {
            Self::Campaign => &operations::UPDATE_CAMPAIGN_SCHEDULE,
            Self::Canvas => &operations::UPDATE_CANVAS_SCHEDULE,
        }
    }

    /// Its delete operation.
    pub const fn delete(self) -> &'static OperationSpec {
        match self {
            Self::Campaign => &operations::DELETE_CAMPAIGN_SCHEDULE,
            Self::Canvas => &operations::DELETE_CANVAS_SCHEDULE,
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

    /// Each kind's operations carry its owner field in their bodies.
    #[test]
    fn the_operations_name_the_owner_field() {
        for kind in ScheduleKind::ALL {
            let field = kind
                .owner_field()
                .expect("campaigns and Canvases have owners");
            for spec in [kind.create(), kind.update(), kind.delete()] {
                let body = spec.request_body.expect("a body");
                assert!(body.declares(field), "{} lacks {field}", spec.id);
            }
            assert_eq!(ScheduleKind::of_owner_field(field), Some(kind));
        }
        assert_eq!(ScheduleKind::of_owner_field("schedule_id"), None);
    }
}
