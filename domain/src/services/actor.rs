//! Who is doing something.

use crate::values::Role;

/// The authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    /// The enterprise or supplier of an enterprise/supplier user.
    pub organisation_id: Option<String>,
}

impl Actor {
    #[must_use]
    pub fn is_organiser(&self) -> bool {
        self.role == Role::Organiser
    }

    /// Organisers and the reviewers they appoint may review and see unlisted items.
    #[must_use]
    pub fn can_review(&self) -> bool {
        matches!(self.role, Role::Organiser | Role::Reviewer)
    }

    /// True when the actor is a member of the supplier `supplier_id`.
    #[must_use]
    pub fn is_supplier_member(&self, supplier_id: &str) -> bool {
        self.role == Role::Supplier && self.organisation_id.as_deref() == Some(supplier_id)
    }

    /// True when the actor is a member of the enterprise `enterprise_id`.
    #[must_use]
    pub fn is_enterprise_member(&self, enterprise_id: &str) -> bool {
        self.role == Role::Enterprise && self.organisation_id.as_deref() == Some(enterprise_id)
    }
}
