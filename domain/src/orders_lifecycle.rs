//! The order workflow as a state machine: placed → accepted → contracted → completed, with
//! placed → rejected (by the supplier) and placed/accepted → cancelled (by the enterprise).
//!
//! `OrderStatus` mirrors the `code_enum!` vocabularies of `values::enums` (same derives, same
//! `code`/`label_zh`/`from_code`/`codes`); it is written out here because that macro is private
//! to its module.

use crate::error::DomainError;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[sea_orm(string_value = "placed")]
    Placed,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "contracted")]
    Contracted,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [Self; 6] = [
        Self::Placed,
        Self::Accepted,
        Self::Rejected,
        Self::Contracted,
        Self::Completed,
        Self::Cancelled,
    ];

    /// The code name used in the API and the database.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Contracted => "contracted",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// How far along the workflow the status lies: an order reaches its statuses in this order
    /// (the workflow has no loops, and the two ends, rejected and cancelled, are last).
    #[must_use]
    pub const fn step(self) -> u8 {
        match self {
            Self::Placed => 0,
            Self::Accepted => 1,
            Self::Contracted => 2,
            Self::Completed => 3,
            Self::Rejected | Self::Cancelled => 4,
        }
    }

    /// The Chinese label shown to people.
    #[must_use]
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Placed => "已下单",
            Self::Accepted => "已接单",
            Self::Rejected => "已拒绝",
            Self::Contracted => "已签约",
            Self::Completed => "已完成",
            Self::Cancelled => "已取消",
        }
    }

    /// Parses a code name, e.g. from a query string.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Every code name, for error messages.
    #[must_use]
    pub const fn codes() -> &'static [&'static str] {
        &[
            "placed",
            "accepted",
            "rejected",
            "contracted",
            "completed",
            "cancelled",
        ]
    }

    /// The status after `action`, or a 409 naming the current status.
    ///
    /// # Errors
    /// `Conflict` with code `invalid_state` when the action is not allowed from here.
    pub fn transition(self, action: OrderAction) -> Result<Self, DomainError> {
        use OrderAction as A;
        use OrderStatus as S;
        let next = match (self, action) {
            (S::Placed, A::Accept) => Some(S::Accepted),
            (S::Placed, A::Reject) => Some(S::Rejected),
            (S::Accepted, A::Contract) => Some(S::Contracted),
            (S::Contracted, A::Complete) => Some(S::Completed),
            // Once a contract is signed the enterprise can no longer walk away in the platform.
            (S::Placed | S::Accepted, A::Cancel) => Some(S::Cancelled),
            _ => None,
        };
        next.ok_or_else(|| {
            DomainError::conflict(
                "invalid_state",
                format!(
                    "订单当前状态为“{}”，不能{}",
                    self.label_zh(),
                    action.verb_zh()
                ),
            )
        })
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// What can happen to an order, and which side may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    Accept,
    Reject,
    Contract,
    Complete,
    Cancel,
}

/// The party whose members may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderParty {
    /// The supplier the order is addressed to.
    Supplier,
    /// The enterprise that placed the order.
    Enterprise,
}

impl OrderAction {
    pub const ALL: [Self; 5] = [
        Self::Accept,
        Self::Reject,
        Self::Contract,
        Self::Complete,
        Self::Cancel,
    ];

    /// Who may take this action.
    #[must_use]
    pub const fn party(self) -> OrderParty {
        match self {
            Self::Cancel => OrderParty::Enterprise,
            Self::Accept | Self::Reject | Self::Contract | Self::Complete => OrderParty::Supplier,
        }
    }

    const fn verb_zh(self) -> &'static str {
        match self {
            Self::Accept => "接单",
            Self::Reject => "拒绝",
            Self::Contract => "签订合同",
            Self::Complete => "确认完成",
            Self::Cancel => "取消",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderAction as A;
    use OrderStatus as S;

    #[test]
    fn order_table() {
        let allowed = [
            (S::Placed, A::Accept, S::Accepted),
            (S::Placed, A::Reject, S::Rejected),
            (S::Placed, A::Cancel, S::Cancelled),
            (S::Accepted, A::Contract, S::Contracted),
            (S::Accepted, A::Cancel, S::Cancelled),
            (S::Contracted, A::Complete, S::Completed),
        ];
        for from in S::ALL {
            for action in A::ALL {
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
    fn every_move_goes_to_a_later_step() {
        // What lets an order's history be ordered by step rather than by clock.
        for from in S::ALL {
            for action in A::ALL {
                if let Ok(to) = from.transition(action) {
                    assert!(to.step() > from.step(), "{from:?} {action:?} {to:?}");
                }
            }
        }
    }

    #[test]
    fn final_states_allow_nothing() {
        for from in [S::Rejected, S::Completed, S::Cancelled] {
            assert!(
                A::ALL.iter().all(|a| from.transition(*a).is_err()),
                "{from:?}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        assert_eq!(S::codes().len(), S::ALL.len());
        for s in S::ALL {
            assert_eq!(S::from_code(s.code()), Some(s));
            assert!(S::codes().contains(&s.code()));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.code())
            );
        }
        assert_eq!(S::from_code("shipped"), None);
    }

    #[test]
    fn only_cancel_is_the_enterprise_s() {
        for a in A::ALL {
            let want = if a == A::Cancel {
                OrderParty::Enterprise
            } else {
                OrderParty::Supplier
            };
            assert_eq!(a.party(), want);
        }
    }
}
