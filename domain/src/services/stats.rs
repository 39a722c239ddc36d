//! Programme figures for organisers (/stats).

use super::Actor;
use crate::entities::{enterprise, product, product_industry, supplier};
use crate::error::{DomainError, DomainResult};
use crate::values::{ListingStatus, SupplierStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
    RelationTrait,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The pilot's targets (珠海市中小企业数字化转型城市试点工作方案).
pub const EVENTS_TARGET: u64 = 5;
pub const DIGITAL_LEVEL_TARGET: u64 = 500;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct IndustryCounts {
    pub enterprises: u64,
    pub enterprises_digital_level_2_plus: u64,
    pub vetted_suppliers: u64,
    pub listed_products: u64,
    /// Orders placed by enterprises of this industry.
    pub orders: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub actual: u64,
    pub target: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Keyed by industry code (`other` for enterprises outside the five segments, `general`
    /// for cross-industry suppliers and products).
    pub by_industry: BTreeMap<String, IndustryCounts>,
    pub totals: IndustryCounts,
    /// Orders by status; filled once ordering exists.
    /// Every status is listed, 0 when none.
    pub orders_by_status: BTreeMap<String, u64>,
    /// Sum of `total_fen` of contracted and completed orders: the value of signed work.
    pub contracted_value_fen: i64,
    pub events_held: Progress,
    pub enterprises_digital_level_2_plus: Progress,
}

/// # Errors
/// 403 for anyone but organisers.
pub async fn programme<C: ConnectionTrait>(db: &C, actor: &Actor) -> DomainResult<Stats> {
    if !actor.is_organiser() {
        return Err(DomainError::Forbidden);
    }
    let mut by: BTreeMap<String, IndustryCounts> = BTreeMap::new();
    let mut totals = IndustryCounts::default();

    let enterprises: Vec<(String, i32)> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Industry)
        .column(enterprise::Column::DigitalLevel)
        .into_tuple()
        .all(db)
        .await?;
    for (industry, level) in enterprises {
        let e = by.entry(industry).or_default();
        e.enterprises += 1;
        totals.enterprises += 1;
        if level >= 2 {
            e.enterprises_digital_level_2_plus += 1;
            totals.enterprises_digital_level_2_plus += 1;
        }
    }

    let vetted = supplier::Entity::find()
        .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
        .all(db)
        .await?;
    totals.vetted_suppliers = vetted.len() as u64;
    for s in vetted {
        for i in s.industries.0 {
            by.entry(i.code().to_owned()).or_default().vetted_suppliers += 1;
        }
    }

    let listed = || {
        product::Entity::find()
            .join(JoinType::InnerJoin, product::Relation::Supplier.def())
            .filter(product::Column::Status.eq(ListingStatus::Listed))
            .filter(supplier::Column::Status.eq(SupplierStatus::Vetted))
    };
    totals.listed_products = listed().count(db).await?;
    let per_industry: Vec<(String, i64)> = listed()
        .join_rev(
            JoinType::InnerJoin,
            product_industry::Entity::belongs_to(product::Entity)
                .from(product_industry::Column::ProductId)
                .to(product::Column::Id)
                .into(),
        )
        .select_only()
        .column(product_industry::Column::Industry)
        .column_as(
            Expr::col((product::Entity, product::Column::Id)).count(),
            "n",
        )
        .group_by(product_industry::Column::Industry)
        .into_tuple()
        .all(db)
        .await?;
    for (industry, n) in per_industry {
        by.entry(industry).or_default().listed_products = n.unsigned_abs();
    }

    let order_figures = super::orders::figures(db).await?;
    for (industry, n) in &order_figures.by_industry {
        by.entry(industry.clone()).or_default().orders = *n;
        totals.orders += n;
    }

    Ok(Stats {
        by_industry: by,
        orders_by_status: order_figures.by_status,
        contracted_value_fen: order_figures.contracted_value_fen,
        events_held: Progress {
            actual: super::events::held(db).await?,
            target: EVENTS_TARGET,
        },
        enterprises_digital_level_2_plus: Progress {
            actual: totals.enterprises_digital_level_2_plus,
            target: DIGITAL_LEVEL_TARGET,
        },
        totals,
    })
}
