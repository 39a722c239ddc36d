//! A [`Filter`] in Meilisearch's filter syntax.

use super::fields;
use crate::engine::Filter;

/// What a filter asks of Meilisearch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Expression {
    /// Every document.
    All,
    /// The documents meeting this expression.
    Where(String),
    /// No document can meet the filter (a supplier id no document can have): nothing to ask.
    Nothing,
}

impl Expression {
    /// The expression as a search takes it.
    pub(super) fn as_filter(&self) -> Option<&str> {
        match self {
            Self::Where(e) => Some(e),
            Self::All | Self::Nothing => None,
        }
    }
}

/// Whether `s` can be a document id: Meilisearch allows only these characters in one, so
/// anything else is written into a filter as it is, with no quoting to get wrong.
pub(super) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 511
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `field IN ["a", "b"]`; the values are codes or ids (see [`is_id`]), never user text.
pub(super) fn any_of<'a>(field: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = values.into_iter().map(|v| format!("\"{v}\"")).collect();
    format!("{field} IN [{}]", quoted.join(", "))
}

pub(super) fn expression(f: &Filter) -> Expression {
    let mut parts: Vec<String> = Vec::new();
    if !f.industries_any.is_empty() {
        parts.push(any_of(
            fields::INDUSTRIES,
            f.industries_any.iter().map(|i| i.code()),
        ));
    }
    if !f.stages_any.is_empty() {
        parts.push(any_of(
            fields::STAGES,
            f.stages_any.iter().map(|s| s.code()),
        ));
    }
    if let Some(d) = f.delivery {
        parts.push(format!("{} = \"{}\"", fields::DELIVERY, d.code()));
    }
    if let Some(p) = f.max_pilot_price_fen {
        parts.push(format!("{} <= {p}", fields::PILOT_PRICE));
    }
    if let Some(d) = f.max_deploy_days {
        parts.push(format!("{} <= {d}", fields::DEPLOY_DAYS));
    }
    if let Some(a) = f.ai_powered {
        parts.push(format!("{} = {a}", fields::AI_POWERED));
    }
    if let Some(s) = &f.supplier_id {
        if !is_id(s) {
            return Expression::Nothing;
        }
        parts.push(format!("{} = \"{s}\"", fields::SUPPLIER_ID));
    }
    if parts.is_empty() {
        Expression::All
    } else {
        Expression::Where(parts.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::values::{Delivery, Industry, Stage};

    #[test]
    fn every_condition_is_written_and_joined() {
        let f = Filter {
            industries_any: vec![Industry::Pcb, Industry::General],
            stages_any: vec![Stage::Supply],
            delivery: Some(Delivery::Saas),
            max_pilot_price_fen: Some(100),
            max_deploy_days: Some(7),
            ai_powered: Some(false),
            supplier_id: Some("0190-ab_c".into()),
        };
        assert_eq!(
            expression(&f),
            Expression::Where(
                "industries IN [\"pcb\", \"general\"] AND stages IN [\"supply\"] AND \
                 delivery = \"saas\" AND pilot_price_fen <= 100 AND deploy_days <= 7 AND \
                 ai_powered = false AND supplier_id = \"0190-ab_c\""
                    .into()
            )
        );
        assert_eq!(expression(&Filter::default()), Expression::All);
    }

    #[test]
    fn a_supplier_id_no_document_can_have_matches_nothing() {
        for s in ["a\" OR supplier_id EXISTS", "", "x\\"] {
            let f = Filter {
                supplier_id: Some(s.into()),
                ..Filter::default()
            };
            assert_eq!(expression(&f), Expression::Nothing, "{s}");
        }
    }
}
