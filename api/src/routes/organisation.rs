//! The organisation a user belongs to, in either of its two shapes.

use domain::services::enterprises::EnterpriseView;
use domain::services::suppliers::SupplierView;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Organisation {
    Enterprise(EnterpriseView),
    Supplier(SupplierView),
}
