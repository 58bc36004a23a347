//! Who may do what: roles on a shared account, what each role allows, sign-in methods and
//! invitations, as the pages show them.

use serde::{Deserialize, Serialize};

/// A person's role on a connected account. Ordered: a higher role allows everything a lower one
/// does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees the media, comments and insights.
    Viewer,
    /// A viewer who also replies to, hides and deletes comments and publishes.
    Editor,
    /// An editor who also renews and disconnects the account and shares it.
    Owner,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Owner];

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "viewer" => Self::Viewer,
            "editor" => Self::Editor,
            "owner" => Self::Owner,
            _ => return None,
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Owner => "owner",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Viewer => "Viewer",
            Self::Editor => "Editor",
            Self::Owner => "Owner",
        }
    }

    /// What the role allows, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            Self::Viewer => "sees the media, comments and insights",
            Self::Editor => "also replies to, hides and deletes comments, and publishes",
            Self::Owner => "also renews and disconnects the account, and shares it",
        }
    }

    /// Whether the role allows `what`.
    pub fn allows(self, what: Capability) -> bool {
        self >= what.least_role()
    }
}

/// Something a person may do with a connected account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// See its media, comments and insights.
    View,
    /// Reply to, hide and delete comments.
    Moderate,
    /// Publish posts.
    Publish,
    /// Renew its access now.
    Refresh,
    /// Disconnect it.
    Disconnect,
    /// Share it, change who may do what, make it a way to sign in.
    Share,
}

impl Capability {
    /// The lowest role that may do it.
    pub fn least_role(self) -> Role {
        match self {
            Self::View => Role::Viewer,
            Self::Moderate | Self::Publish => Role::Editor,
            Self::Refresh | Self::Disconnect | Self::Share => Role::Owner,
        }
    }

    /// Whether an admin may do it to any account: admins look after every connection (see,
    /// renew, disconnect), but never act in an account's name or share it.
    pub fn for_admins(self) -> bool {
        matches!(self, Self::View | Self::Refresh | Self::Disconnect)
    }

    /// What it is, for a refusal ("… needs the editor role").
    pub fn label(self) -> &'static str {
        match self {
            Self::View => "seeing this account",
            Self::Moderate => "managing comments",
            Self::Publish => "publishing",
            Self::Refresh => "renewing the access",
            Self::Disconnect => "disconnecting the account",
            Self::Share => "sharing the account",
        }
    }
}

/// How a person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// An Instagram account they made a way to sign in.
    Instagram,
    /// A passkey.
    Passkey,
}

impl MethodKind {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "instagram" => Some(Self::Instagram),
            "passkey" => Some(Self::Passkey),
            _ => None,
        }
    }
}

/// A sign-in method, as its person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInMethod {
    /// ID.
    pub id: String,
    /// Instagram or passkey.
    pub kind: MethodKind,
    /// `@handle`, or the passkey's name.
    pub label: String,
    /// The Instagram account (IG user ID) of an Instagram method.
    pub instagram_id: Option<String>,
    /// Added at (Unix seconds).
    pub created_at: i64,
    /// Last sign-in through it.
    pub last_used_at: Option<i64>,
    /// Whether this session was opened through it.
    pub current: bool,
}

impl SignInMethod {
    /// "with @bakery", "with the passkey “Laptop”".
    pub fn phrase(&self) -> String {
        match self.kind {
            MethodKind::Instagram => format!("with Instagram ({})", self.label),
            MethodKind::Passkey if self.label.is_empty() => "with a passkey".to_owned(),
            MethodKind::Passkey => format!("with the passkey “{}”", self.label),
        }
    }
}

/// Someone with a role on an account, as its owners see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// The person's ID.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Whether this is the person looking.
    pub you: bool,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// It can be used.
    Open,
    /// Someone used it.
    Used,
    /// It ran out.
    Expired,
    /// Its maker revoked it.
    Revoked,
}

impl InvitationState {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Waiting",
            Self::Used => "Accepted",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

/// An invitation its maker sees (never its secret, which is shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    /// ID.
    pub id: String,
    /// The role it grants.
    pub role: Role,
    /// The accounts, as `@handle`.
    pub accounts: Vec<String>,
    /// Where it stands.
    pub state: InvitationState,
    /// Made at.
    pub created_at: i64,
    /// Unusable after.
    pub expires_at: i64,
    /// Who accepted it.
    pub used_by: Option<String>,
}

/// An account its owner may share, with who has which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedAccount {
    /// Integration ID.
    pub id: String,
    /// Handle.
    pub username: String,
    /// Everyone with a role, owners first.
    pub members: Vec<MemberView>,
}

/// The sharing page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingView {
    /// The accounts the person owns.
    pub accounts: Vec<SharedAccount>,
    /// The invitations they made.
    pub invitations: Vec<InvitationView>,
    /// A link just made, shown once.
    pub new_link: Option<String>,
    /// The server's time (Unix seconds).
    pub now: i64,
}

/// What an invitation link offers, as the person opening it sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationOffer {
    /// Accounts with a role.
    Share {
        /// Who invites.
        from: String,
        /// The role.
        role: Role,
        /// The accounts, as `@handle`.
        accounts: Vec<String>,
    },
    /// Admin rights, made by an operator.
    Admin,
}

/// The invitation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationPage {
    /// The link can be used.
    Open {
        /// What it offers.
        offer: InvitationOffer,
        /// Whether someone is signed in (they accept as themselves).
        signed_in_as: Option<String>,
        /// Whether passkeys work on this site (its address is a domain name).
        passkeys: bool,
    },
    /// The link cannot be used, and why.
    Closed(InvitationState),
    /// No such link.
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_roles_allow_everything_lower_ones_do() {
        use Capability::*;
        let all = [View, Moderate, Publish, Refresh, Disconnect, Share];
        for cap in all {
            for (a, b) in [(Role::Viewer, Role::Editor), (Role::Editor, Role::Owner)] {
                assert!(
                    !a.allows(cap) || b.allows(cap),
                    "{b:?} can do what {a:?} can"
                );
            }
        }
        assert!(Role::Viewer.allows(View) && !Role::Viewer.allows(Moderate));
        assert!(Role::Editor.allows(Publish) && !Role::Editor.allows(Refresh));
        assert!(Role::Owner.allows(Share));
        assert!(!Share.for_admins() && !Publish.for_admins() && Refresh.for_admins());
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
