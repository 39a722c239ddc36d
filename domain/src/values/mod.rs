//! Values that can only be built valid.

pub mod credit_code;
pub mod email;
pub mod enums;

pub use credit_code::CreditCode;
pub use email::Email;
pub use enums::*;
