//! API keys and their permissions, checked the way Braze does: `Authorization: Bearer <key>`,
//! one permission per endpoint (Braze API basics, "REST API key permissions"). The
//! permissions are the spec's (`x-braze-permission`, generated into
//! [`braze_api::operations::Permission`]), as many as it names.
//!
//! Keys are compared in constant time against every configured key, so that neither the
//! position of a matching key nor the length of a matching prefix shows in the timing.

use std::fmt;
use std::str::FromStr;
use std::sync::RwLock;

pub use braze_api::operations::{Permission, UnknownPermission};
use http::HeaderValue;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// How many 64-bit words hold one bit per permission of the spec, however many there are.
const WORDS: usize = Permission::ALL.len().div_ceil(64);

/// A set of bits numbered from 0, `WORDS` words long.
type Bits = [u64; WORDS];

/// The word and the bit of permission number `index` (its place in [`Permission::ALL`]).
const fn position(index: usize) -> (usize, u64) {
    (index / 64, 1 << (index % 64))
}

/// The place of `permission` in [`Permission::ALL`].
const fn index(permission: Permission) -> usize {
    let mut i = 0;
    while i < Permission::ALL.len() {
        if Permission::ALL[i] as usize == permission as usize {
            return i;
        }
        i += 1;
    }
    // `ALL` lists every variant (the generated table and its test say so).
    panic!("a permission missing from Permission::ALL")
}

/// The set of permissions an API key carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permissions {
    bits: Bits,
}

impl Permissions {
    /// Every permission: the key may call every endpoint.
    pub const fn all() -> Self {
        let mut set = Self::none();
        let mut i = 0;
        while i < Permission::ALL.len() {
            set = set.with(Permission::ALL[i]);
            i += 1;
        }
        set
    }

    /// No permission: every call is refused with 403.
    pub const fn none() -> Self {
        Self { bits: [0; WORDS] }
    }

    /// Exactly these permissions.
    pub fn only(permissions: impl IntoIterator<Item = Permission>) -> Self {
        permissions.into_iter().collect()
    }

    /// These permissions and one more.
    pub const fn with(mut self, permission: Permission) -> Self {
        let (word, bit) = position(index(permission));
        self.bits[word] |= bit;
        self
    }

    /// Whether the key may do what `permission` allows.
    pub const fn allows(self, permission: Permission) -> bool {
        let (word, bit) = position(index(permission));
        self.bits[word] & bit != 0
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

/// The configured API keys. The control API adds keys while the server runs, so they sit
/// behind a lock; a request takes it for reading, which costs one uncontended atomic
/// operation.
pub(crate) struct Keyring {
    keys: RwLock<Vec<(Box<[u8]>, Permissions)>>,
}

impl Keyring {
    pub(crate) fn new(keys: impl IntoIterator<Item = (String, Permissions)>) -> Self {
        let keyring = Self {
            keys: RwLock::new(Vec::new()),
        };
        keyring.replace(keys);
        keyring
    }

    /// Accepts `key` with these permissions from now on; a key already accepted gets
    /// these permissions instead of its own.
    pub(crate) fn add(&self, key: String, permissions: Permissions) {
        let key = key.into_bytes().into_boxed_slice();
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        match keys.iter_mut().find(|(known, _)| *known == key) {
            Some((_, known)) => *known = permissions,
            None => keys.push((key, permissions)),
        }
    }

    /// Accepts exactly these keys from now on (a key given twice has the permissions given
    /// last).
    pub(crate) fn replace(&self, keys: impl IntoIterator<Item = (String, Permissions)>) {
        self.keys.write().unwrap_or_else(|e| e.into_inner()).clear();
        for (key, permissions) in keys {
            self.add(key, permissions);
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
        let mut bits: Bits = [0; WORDS];
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        for (key, permissions) in keys.iter() {
            let matches = key.as_ref().ct_eq(token);
            for (word, theirs) in bits.iter_mut().zip(&permissions.bits) {
                word.conditional_assign(theirs, matches);
            }
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
    fn keys_added_later_are_accepted_and_a_known_key_changes_its_permissions() {
        let keyring = keyring();
        let header = |value: &str| HeaderValue::from_str(value).unwrap();
        assert_eq!(
            keyring.authenticate(Some(&header("Bearer late"))).outcome,
            AuthOutcome::Unknown
        );
        keyring.add("late".to_owned(), Permission::MessagesSend.into());
        let late = keyring.authenticate(Some(&header("Bearer late")));
        assert_eq!(late.outcome, AuthOutcome::Valid);
        assert_eq!(late.permissions, Permission::MessagesSend.into());
        keyring.add("full".to_owned(), Permissions::none());
        let full = keyring.authenticate(Some(&header("Bearer full")));
        assert_eq!(full.permissions, Permissions::none());
        keyring.replace([("only".to_owned(), Permissions::all())]);
        assert_eq!(
            keyring.authenticate(Some(&header("Bearer late"))).outcome,
            AuthOutcome::Unknown
        );
    }

    /// The set holds every permission of the spec, each on its own bit, including across
    /// the boundary of a 64-bit word.
    #[test]
    fn every_permission_has_its_own_bit() {
        for (i, permission) in Permission::ALL.into_iter().enumerate() {
            assert_eq!(index(permission), i);
            let alone = Permissions::from(permission);
            assert!(alone.allows(permission));
            assert_eq!(alone.iter().collect::<Vec<_>>(), [permission]);
            let all_but = Permission::ALL
                .into_iter()
                .filter(|p| *p != permission)
                .collect::<Permissions>();
            assert!(!all_but.allows(permission));
            assert_eq!(all_but.with(permission), Permissions::all());
        }
        // The word arithmetic itself, past the 64 permissions a word holds.
        assert_eq!(position(0), (0, 1));
        assert_eq!(position(63), (0, 1 << 63));
        assert_eq!(position(64), (1, 1));
        assert_eq!(position(130), (2, 1 << 2));
        assert!(WORDS * 64 >= Permission::ALL.len());
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
