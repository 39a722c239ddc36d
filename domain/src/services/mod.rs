//! Services: rules as functions over `C: ConnectionTrait`, so they run inside a caller's
//! transaction. Each takes the `Actor` doing it and checks what that actor may see or change.

pub mod accounts;
pub mod actor;
pub mod bundles;
pub mod enterprises;
pub mod events;
pub mod needs;
pub mod notifications;
pub mod orders;
pub mod page;
pub mod passwords;
pub mod products;
pub mod stats;
pub mod suppliers;

pub use actor::Actor;
pub use page::{Page, PageRequest};
