//! Parties (SPEC §6, FORMAT): `account:ID`, `staff:ID`, `workgroup:ID`.

use crate::error::{Error, Result};

/// Who acts on a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    /// A patient-side account.
    Account(String),
    /// A staff member.
    Staff(String),
}

impl Actor {
    /// Reads an acting party. A `workgroup:` party cannot act, and anything
    /// that is not a party is `invalid_argument` (§15 "Unknown actors").
    pub fn parse(party: &str) -> Result<Actor> {
        match party.split_once(':') {
            Some(("account", id)) if !id.is_empty() => Ok(Actor::Account(id.to_string())),
            Some(("staff", id)) if !id.is_empty() => Ok(Actor::Staff(id.to_string())),
            Some(("workgroup", id)) if !id.is_empty() => Err(Error::InvalidArgument(format!(
                "{party:?} is a workgroup; only an account or a staff member can act (§15)"
            ))),
            _ => Err(Error::InvalidArgument(format!(
                "{party:?} is not a party: write account:ID or staff:ID"
            ))),
        }
    }

    /// The party string, e.g. `staff:s-ng`.
    pub fn party(&self) -> String {
        match self {
            Actor::Account(id) => format!("account:{id}"),
            Actor::Staff(id) => format!("staff:{id}"),
        }
    }
}

/// `account:ID`.
pub(crate) fn account(id: &str) -> String {
    format!("account:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workgroups_and_malformed_parties_cannot_act() {
        assert_eq!(
            Actor::parse("staff:s-ng").unwrap(),
            Actor::Staff("s-ng".into())
        );
        assert_eq!(
            Actor::parse("account:a:b").unwrap(),
            Actor::Account("a:b".into())
        );
        for p in ["workgroup:wg", "staff:", "s-ng", "", "patient:x"] {
            assert_eq!(
                Actor::parse(p).unwrap_err().code(),
                "invalid_argument",
                "{p:?}"
            );
        }
    }
}
