//! API keys and their permissions, checked the way Braze does: `Authorization: Bearer <key>`,
//! one permission per endpoint (Braze API basics, "REST API key permissions").
//!
//! Keys are compared in constant time against every configured key, so that neither the
//! position of a matching key nor the length of a matching prefix shows in the timing.

use std::fmt;
use std::str::FromStr;

use http::HeaderValue;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// One API-key permission, named as in Braze's dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Permission {
    /// `campaigns.trigger.schedule.create`
    CampaignsTriggerScheduleCreate,
    /// `campaigns.trigger.schedule.update`
    CampaignsTriggerScheduleUpdate,
    /// `campaigns.trigger.schedule.delete`
    CampaignsTriggerScheduleDelete,
    /// `canvas.trigger.schedule.create`
    CanvasTriggerScheduleCreate,
    /// `canvas.trigger.schedule.update`
    CanvasTriggerScheduleUpdate,
    /// `canvas.trigger.schedule.delete`
    CanvasTriggerScheduleDelete,
    /// `messages.schedule_broadcasts`
    MessagesScheduleBroadcasts,
}

impl Permission {
    /// Every permission the fake knows, one per endpoint it serves.
    pub const ALL: [Permission; 7] = [
        Permission::CampaignsTriggerScheduleCreate,
        Permission::CampaignsTriggerScheduleUpdate,
        Permission::CampaignsTriggerScheduleDelete,
        Permission::CanvasTriggerScheduleCreate,
        Permission::CanvasTriggerScheduleUpdate,
        Permission::CanvasTriggerScheduleDelete,
        Permission::MessagesScheduleBroadcasts,
    ];

    /// The name Braze gives the permission, e.g. `campaigns.trigger.schedule.delete`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::CampaignsTriggerScheduleCreate => "campaigns.trigger.schedule.create",
            Permission::CampaignsTriggerScheduleUpdate => "campaigns.trigger.schedule.update",
            Permission::CampaignsTriggerScheduleDelete => "campaigns.trigger.schedule.delete",
            Permission::CanvasTriggerScheduleCreate => "canvas.trigger.schedule.create",
            Permission::CanvasTriggerScheduleUpdate => "canvas.trigger.schedule.update",
            Permission::CanvasTriggerScheduleDelete => "canvas.trigger.schedule.delete",
            Permission::MessagesScheduleBroadcasts => "messages.schedule_broadcasts",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A permission name the fake does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPermission {
    /// The name as given.
    pub name: String,
}

impl fmt::Display for UnknownPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown permission `{}`; known: ", self.name)?;
        for (i, permission) in Permission::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(permission.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownPermission {}

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|permission| permission.as_str() == name.trim())
            .ok_or_else(|| UnknownPermission {
                name: name.to_owned(),
            })
    }
}

/// The set of permissions an API key carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permissions {
    bits: u8,
}

impl Permissions {
    /// Every permission: the key may call every endpoint.
    pub const fn all() -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < Permission::ALL.len() {
            bits |= Permission::ALL[i].bit();
            i += 1;
        }
        Self { bits }
    }

    /// No permission: every call is refused with 403.
    pub const fn none() -> Self {
        Self { bits: 0 }
    }

    /// Exactly these permissions.
    pub fn only(permissions: impl IntoIterator<Item = Permission>) -> Self {
        permissions.into_iter().collect()
    }

    /// These permissions and one more.
    pub const fn with(self, permission: Permission) -> Self {
        Self {
            bits: self.bits | permission.bit(),
        }
    }

    /// Whether the key may do what `permission` allows.
    pub const fn allows(self, permission: Permission) -> bool {
        self.bits & permission.bit() != 0
    }

    /// The permissions in the set, in [`Permission::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.allows(*p))
    }
}

impl Default for Permissions {
    /// All permissions, as a key given without a list has.
    fn default() -> Self {
        Self::all()
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(Self::none(), Self::with)
    }
}

impl From<Permission> for Permissions {
    fn from(permission: Permission) -> Self {
        Self::none().with(permission)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Permissions {
    /// `all`, `none`, or the names separated by commas (the syntax [`FromStr`] reads).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::all() {
            return f.write_str("all");
        }
        if *self == Self::none() {
            return f.write_str("none");
        }
        for (i, permission) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(permission.as_str())?;
        }
        Ok(())
    }
}

impl FromStr for Permissions {
    type Err = UnknownPermission;

    /// Reads `all`, `none`, or permission names separated by commas.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        match list.trim() {
            "all" => Ok(Self::all()),
            "none" => Ok(Self::none()),
            names => names
                .split(',')
                .filter(|name| !name.trim().is_empty())
                .map(Permission::from_str)
                .collect(),
        }
    }
}

/// What the `Authorization` header of a request amounted to, as kept in the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOutcome {
    /// No `Authorization: Bearer <key>` header, or an empty key.
    Missing,
    /// A key that is not one of the configured keys.
    Unknown,
    /// A configured key (whether it has the permission the call needs is another matter).
    Valid,
}

/// The result of checking a request's key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Authentication {
    pub(crate) outcome: AuthOutcome,
    /// The permissions of the matching key (none unless the outcome is `Valid`).
    pub(crate) permissions: Permissions,
    /// The key was wrapped in quotes, a mistake Braze's docs warn about.
    pub(crate) quoted: bool,
}

/// The configured API keys.
pub(crate) struct Keyring {
    keys: Vec<(Box<[u8]>, Permissions)>,
}

impl Keyring {
    pub(crate) fn new(keys: impl IntoIterator<Item = (String, Permissions)>) -> Self {
        Self {
            keys: keys
                .into_iter()
                .map(|(key, permissions)| (key.into_bytes().into_boxed_slice(), permissions))
                .collect(),
        }
    }

    /// Checks the `Authorization` header against every key.
    pub(crate) fn authenticate(&self, header: Option<&HeaderValue>) -> Authentication {
        let missing = Authentication {
            outcome: AuthOutcome::Missing,
            permissions: Permissions::none(),
            quoted: false,
        };
        let Some(token) = header.and_then(|value| bearer_token(value.as_bytes())) else {
            return missing;
        };
        let quoted = token.len() >= 2
            && matches!(
                (token[0], token[token.len() - 1]),
                (b'"', b'"') | (b'\'', b'\'')
            );

        // Every key is compared whatever the earlier ones gave, so the time taken does not
        // tell which key matched. A length difference does end a single comparison early
        // (subtle compares lengths first); key lengths are not secret here.
        let mut found = Choice::from(0);
        let mut bits = 0u8;
        for (key, permissions) in &self.keys {
            let matches = key.as_ref().ct_eq(token);
            bits.conditional_assign(&permissions.bits, matches);
            found |= matches;
        }
        if bool::from(found) {
            Authentication {
                outcome: AuthOutcome::Valid,
                permissions: Permissions { bits },
                quoted,
            }
        } else {
            Authentication {
                outcome: AuthOutcome::Unknown,
                permissions: Permissions::none(),
                quoted,
            }
        }
    }
}

/// The key of `Bearer <key>`; the scheme is matched case-insensitively as HTTP asks.
fn bearer_token(header: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    if header.len() < SCHEME.len() || !header[..SCHEME.len()].eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let token = header[SCHEME.len()..].trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring() -> Keyring {
        Keyring::new([
            ("full".to_owned(), Permissions::all()),
            (
                "delete-only".to_owned(),
                Permission::CampaignsTriggerScheduleDelete.into(),
            ),
        ])
    }

    fn check(header: &str) -> Authentication {
        keyring().authenticate(Some(&HeaderValue::from_str(header).unwrap()))
    }

    #[test]
    fn finds_the_matching_key_and_its_permissions() {
        let auth = check("Bearer delete-only");
        assert_eq!(auth.outcome, AuthOutcome::Valid);
        assert!(
            auth.permissions
                .allows(Permission::CampaignsTriggerScheduleDelete)
        );
        assert!(
            !auth
                .permissions
                .allows(Permission::CanvasTriggerScheduleDelete)
        );
        assert_eq!(check("bearer  full ").permissions, Permissions::all());
    }

    #[test]
    fn tells_missing_from_unknown_and_spots_quotes() {
        assert_eq!(keyring().authenticate(None).outcome, AuthOutcome::Missing);
        assert_eq!(check("Basic full").outcome, AuthOutcome::Missing);
        assert_eq!(check("Bearer ").outcome, AuthOutcome::Missing);
        assert_eq!(check("Bearer ful").outcome, AuthOutcome::Unknown);
        let quoted = check("Bearer \"full\"");
        assert_eq!(quoted.outcome, AuthOutcome::Unknown);
        assert!(quoted.quoted);
        assert_eq!(
            check("Bearer full").permissions.bits,
            Permissions::all().bits
        );
    }

    #[test]
    fn permission_lists_round_trip() {
        let set: Permissions = "campaigns.trigger.schedule.delete, messages.schedule_broadcasts"
            .parse()
            .unwrap();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [
                Permission::CampaignsTriggerScheduleDelete,
                Permission::MessagesScheduleBroadcasts
            ]
        );
        assert_eq!(set.to_string().parse::<Permissions>().unwrap(), set);
        assert_eq!("all".parse::<Permissions>().unwrap(), Permissions::all());
        let err = "campaigns.trigger.schedule.delet"
            .parse::<Permissions>()
            .unwrap_err();
        assert!(err.to_string().contains("unknown permission"), "{err}");
    }
}
