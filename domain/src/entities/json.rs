//! List columns stored as JSON (portable between SQLite and PostgreSQL).

use crate::values::{Industry, Stage};
use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct IndustryList(pub Vec<Industry>);

#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StageList(pub Vec<Stage>);

#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);
