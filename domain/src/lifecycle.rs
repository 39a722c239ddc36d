//! State machines: the listing life of products and bundles, and supplier vetting.

use crate::error::DomainError;
use crate::values::{ListingStatus, SupplierStatus};
use serde::{Deserialize, Serialize};

/// What can happen to a product or bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingAction {
    Edit,
    Submit,
    Approve,
    Reject,
    Delist,
    /// Back to a draft, to be edited and submitted again: a delisted listing is not lost.
    Revise,
}

impl ListingAction {
    const fn verb_zh(self) -> &'static str {
        match self {
            Self::Edit => "修改",
            Self::Submit => "提交审核",
            Self::Approve => "审核通过",
            Self::Reject => "驳回",
            Self::Delist => "下架",
            Self::Revise => "重新编辑",
        }
    }
}

impl ListingStatus {
    /// The status after `action`, or a 409 naming the current status.
    ///
    /// # Errors
    /// `Conflict` with code `invalid_state` when the action is not allowed from here.
    pub fn transition(self, action: ListingAction) -> Result<Self, DomainError> {
        use ListingAction as A;
        use ListingStatus as S;
        let next = match (self, action) {
            (S::Draft | S::Rejected, A::Edit) => Some(self),
            (S::Draft | S::Rejected, A::Submit) => Some(S::Submitted),
            (S::Submitted, A::Approve) => Some(S::Listed),
            (S::Submitted, A::Reject) => Some(S::Rejected),
            (S::Listed, A::Delist) => Some(S::Delisted),
            (S::Delisted, A::Revise) => Some(S::Draft),
            _ => None,
        };
        next.ok_or_else(|| {
            DomainError::conflict(
                "invalid_state",
                format!("当前状态为“{}”，不能{}", self.label_zh(), action.verb_zh()),
            )
        })
    }
}

/// An organiser's vetting decision on a supplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VettingDecision {
    Approve,
    Suspend,
    Reinstate,
    Remove,
}

impl SupplierStatus {
    /// # Errors
    /// `Conflict` with code `invalid_state` when the decision does not apply to this status.
    pub fn transition(self, decision: VettingDecision) -> Result<Self, DomainError> {
        use SupplierStatus as S;
        use VettingDecision as D;
        let next = match (self, decision) {
            (S::Pending, D::Approve) => Some(S::Vetted),
            (S::Vetted, D::Suspend) => Some(S::Suspended),
            (S::Suspended, D::Reinstate) => Some(S::Vetted),
            (S::Pending | S::Vetted | S::Suspended, D::Remove) => Some(S::Removed),
            _ => None,
        };
        next.ok_or_else(|| {
            DomainError::conflict(
                "invalid_state",
                format!("服务商当前状态为“{}”，不能执行该操作", self.label_zh()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ListingAction as A;
    use ListingStatus as S;

    #[test]
    fn listing_table() {
        let all_actions = [
            A::Edit,
            A::Submit,
            A::Approve,
            A::Reject,
            A::Delist,
            A::Revise,
        ];
        let allowed = [
            (S::Draft, A::Edit, S::Draft),
            (S::Draft, A::Submit, S::Submitted),
            (S::Rejected, A::Edit, S::Rejected),
            (S::Rejected, A::Submit, S::Submitted),
            (S::Submitted, A::Approve, S::Listed),
            (S::Submitted, A::Reject, S::Rejected),
            (S::Listed, A::Delist, S::Delisted),
            (S::Delisted, A::Revise, S::Draft),
        ];
        for from in [S::Draft, S::Submitted, S::Listed, S::Rejected, S::Delisted] {
            for action in all_actions {
                let want = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (from.transition(action), want) {
                    (Ok(got), Some(want)) => assert_eq!(got, want),
                    (Err(DomainError::Conflict { code, .. }), None) => {
                        assert_eq!(code, "invalid_state");
                    }
                    (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn vetting_table() {
        use SupplierStatus as V;
        use VettingDecision as D;
        assert_eq!(V::Pending.transition(D::Approve).unwrap(), V::Vetted);
        assert_eq!(V::Vetted.transition(D::Suspend).unwrap(), V::Suspended);
        assert_eq!(V::Suspended.transition(D::Reinstate).unwrap(), V::Vetted);
        assert_eq!(V::Vetted.transition(D::Remove).unwrap(), V::Removed);
        assert!(V::Vetted.transition(D::Approve).is_err());
        assert!(V::Pending.transition(D::Suspend).is_err());
        assert!(V::Vetted.transition(D::Reinstate).is_err());
        assert!(V::Removed.transition(D::Reinstate).is_err());
        assert!(V::Removed.transition(D::Remove).is_err());
    }
}
