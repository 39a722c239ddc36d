//! sea-orm entities, one table per file.

pub mod bundle;
pub mod bundle_product;
pub mod delivery;
pub mod enterprise;
pub mod event;
pub mod event_registration;
pub mod idempotency_key;
pub mod job;
pub mod json;
pub mod need;
pub mod notification;
pub mod order;
pub mod order_item;
pub mod order_status_change;
pub mod preference;
pub mod product;
pub mod product_industry;
pub mod product_stage;
pub mod refresh_token;
pub mod supplier;
pub mod user;

pub mod prelude {
    pub use super::bundle::Entity as Bundle;
    pub use super::bundle_product::Entity as BundleProduct;
    pub use super::enterprise::Entity as Enterprise;
    pub use super::idempotency_key::Entity as IdempotencyKey;
    pub use super::need::Entity as Need;
    pub use super::order::Entity as Order;
    pub use super::order_item::Entity as OrderItem;
    pub use super::product::Entity as Product;
    pub use super::product_industry::Entity as ProductIndustry;
    pub use super::product_stage::Entity as ProductStage;
    pub use super::refresh_token::Entity as RefreshToken;
    pub use super::supplier::Entity as Supplier;
    pub use super::user::Entity as User;
}
