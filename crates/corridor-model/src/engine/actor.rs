//! Who applies a mutation ([`Authority`]) and who makes it ([`Actor`]): their role, regions
//! and what they may see ([`Access`], [`in_scope`], the audiences of [`Audience`]).

use crate::api::Role;
use uuid::Uuid;

use crate::timeline::Institution;
use crate::Region;

use super::Rejection;

/// Who applies the mutation: the rules that differ between the two are named here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// A device applying its user's change to its local copy (or re-applying a pending one
    /// after a pull). References stay provisional; field versions stay those last pulled.
    Device,
    /// The server applying a pushed mutation: it assigns final references and field versions,
    /// and keeps stale field edits aside as conflicts.
    Server,
}

/// What the actor may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A device not signed in to a server yet: its role and regions are unknown, so the rules
    /// of role and region wait for the server (which checks them at the first sync); every
    /// other rule applies. The institution is the one the profile was made for.
    Unsigned {
        /// The profile's institution.
        institution: Institution,
    },
    /// A signed-in user.
    Signed {
        /// Role.
        role: Role,
        /// Regions (for committee members and administrators: ignored, they see every region).
        regions: Vec<Region>,
    },
}

/// Who makes a mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Login name, recorded as the author.
    pub username: String,
    /// The device the mutation comes from (field edits of one device never conflict with each
    /// other).
    pub device: Uuid,
    /// Role and regions.
    pub access: Access,
}

impl Actor {
    /// The institution whose internal notes the actor writes and reads (`None`: the committee
    /// and administrators, who belong to neither side).
    pub fn institution(&self) -> Option<Institution> {
        match &self.access {
            Access::Unsigned { institution } => Some(*institution),
            Access::Signed { role, .. } => match role {
                Role::CgemOfficer => Some(Institution::Cgem),
                Role::CnssRep => Some(Institution::Cnss),
                Role::Committee | Role::Admin => None,
            },
        }
    }

    /// The side whose workflow steps the actor makes (`None`: no side is checked — the
    /// committee writes no case, and before sign-in the role is not known yet).
    pub fn side(&self) -> Option<Institution> {
        match &self.access {
            Access::Unsigned { .. } => None,
            Access::Signed { .. } => self.institution(),
        }
    }

    /// Whether the actor may see documents of `region` (`None`: of every region).
    pub fn sees(&self, region: Option<Region>) -> bool {
        match &self.access {
            Access::Unsigned { .. } => true,
            Access::Signed { role, regions } => in_scope(regions, *role, region),
        }
    }

    /// Whether the actor may see a document read by `audience`.
    pub fn reads(&self, audience: Audience) -> bool {
        match &self.access {
            Access::Unsigned { institution } => match audience {
                Audience::All => true,
                Audience::Cgem => *institution == Institution::Cgem,
                Audience::Cnss => *institution == Institution::Cnss,
            },
            Access::Signed { role, .. } => audiences(*role).contains(&audience.code()),
        }
    }

    /// Refuses roles that only read cases and meetings (the committee, administrators).
    pub(super) fn writes_cases(&self) -> Result<(), Rejection> {
        match &self.access {
            Access::Signed {
                role: Role::Committee | Role::Admin,
                ..
            } => Err(Rejection::read_only()),
            _ => Ok(()),
        }
    }
}

/// Whether a user of `role` and `user_regions` may see a region (`None`: documents of every
/// region).
pub fn in_scope(user_regions: &[Region], role: Role, region: Option<Region>) -> bool {
    match role {
        Role::Committee | Role::Admin => true,
        _ => region.is_none_or(|r| user_regions.contains(&r)),
    }
}

/// The audiences a role may read (codes of [`Audience`]).
pub fn audiences(role: Role) -> &'static [&'static str] {
    match role {
        Role::CgemOfficer => &["all", "cgem"],
        Role::CnssRep => &["all", "cnss"],
        // The committee is joint: it reads what both institutions share.
        Role::Committee | Role::Admin => &["all"],
    }
}

/// Who may read a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone with access to its region.
    All,
    /// CGEM staff only.
    Cgem,
    /// CNSS staff only.
    Cnss,
}

impl Audience {
    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Cgem => "cgem",
            Audience::Cnss => "cnss",
        }
    }
}
