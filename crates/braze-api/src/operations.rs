//! What the spec says of each operation beyond what progenitor generates: its permission
//! and whether it may be repeated. The table itself, [`OPERATIONS`], is generated from the
//! spec's `x-braze-permission` and `x-braze-idempotent` extensions.

pub use crate::generated::OPERATIONS;

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationSpec {
    /// The `operationId`, e.g. `delete_campaign_schedule`.
    pub id: &'static str,
    /// The HTTP method, uppercase.
    pub method: &'static str,
    /// The path, e.g. `/campaigns/trigger/schedule/delete`.
    pub path: &'static str,
    /// The API-key permission Braze requires, e.g. `campaigns.trigger.schedule.delete`.
    pub permission: &'static str,
    /// Whether repeating the request after it may have reached Braze is harmless.
    pub idempotent: bool,
}

/// Looks an operation up by its `operationId`.
pub fn find(id: &str) -> Option<&'static OperationSpec> {
    OPERATIONS.iter().find(|op| op.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_operation_is_in_the_table() {
        let delete = find("delete_campaign_schedule").expect("seed operation");
        assert_eq!(delete.method, "POST");
        assert_eq!(delete.path, "/campaigns/trigger/schedule/delete");
        assert_eq!(delete.permission, "campaigns.trigger.schedule.delete");
        assert!(delete.idempotent);
        assert!(!find("create_campaign_schedule").unwrap().idempotent);
        assert!(!find("create_canvas_schedule").unwrap().idempotent);
        assert_eq!(OPERATIONS.len(), 7);
        assert!(find("nope").is_none());
    }
}
