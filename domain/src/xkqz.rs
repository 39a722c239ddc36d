//! The 小快轻准 check: whether a product is small (cheap to start), fast (quick to deploy),
//! light (little IT burden on the enterprise) and precise (aimed at a narrow, proven scenario).
//!
//! The thresholds are a policy the organisers may tune (`XKQZ_*` variables); the defaults are
//! set from the pilot's catalogue so that a typical SaaS tool passes and a full ERP roll-out
//! does not. The README explains each default.

use crate::values::enums::{Delivery, Industry, PriceUnit, Stage};
use serde::{Deserialize, Serialize};

/// Thresholds of the 小快轻准 check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct XkqzPolicy {
    /// 小: the first year's cost at the pilot price must not exceed this (fen).
    pub small_max_first_year_fen: i64,
    /// Users assumed when a price is per user and year.
    pub assumed_users: i64,
    /// 快: deployment must take at most this many days.
    pub fast_max_deploy_days: i32,
    /// 轻: on-premise or hardware delivery counts as light only when deployed within this many days
    /// (SaaS and services always count: the enterprise runs no servers).
    pub light_max_onsite_deploy_days: i32,
    /// 准: a product may cover at most this many stages...
    pub precise_max_stages: usize,
    /// ...and must have at least this many reference cases...
    pub precise_min_reference_cases: i32,
    /// ...and a cross-industry (`general`) product needs at least this many.
    pub precise_min_reference_cases_general: i32,
}

impl Default for XkqzPolicy {
    fn default() -> Self {
        Self {
            small_max_first_year_fen: 20_000_000, // 20 万元
            assumed_users: 20,
            fast_max_deploy_days: 30,
            light_max_onsite_deploy_days: 15,
            precise_max_stages: 2,
            precise_min_reference_cases: 3,
            precise_min_reference_cases_general: 20,
        }
    }
}

/// The facts of a product the check looks at.
#[derive(Debug, Clone)]
pub struct XkqzFacts<'a> {
    pub pilot_price_fen: i64,
    pub price_unit: PriceUnit,
    pub deploy_days: i32,
    pub delivery: Delivery,
    pub industries: &'a [Industry],
    pub stages: &'a [Stage],
    pub reference_cases: i32,
}

/// The result of the check, one flag per character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Xkqz {
    pub small: bool,
    pub fast: bool,
    pub light: bool,
    pub precise: bool,
}

impl XkqzPolicy {
    /// What one year of use costs at the pilot price, in fen (saturating: never overflows).
    #[must_use]
    pub fn first_year_fen(&self, pilot_price_fen: i64, unit: PriceUnit) -> i64 {
        match unit {
            PriceUnit::OneTime | PriceUnit::PerYear => pilot_price_fen,
            PriceUnit::PerMonth => pilot_price_fen.saturating_mul(12),
            PriceUnit::PerUserYear => pilot_price_fen.saturating_mul(self.assumed_users),
        }
    }

    #[must_use]
    pub fn check(&self, p: &XkqzFacts<'_>) -> Xkqz {
        let general = p.industries.contains(&Industry::General);
        let min_cases = if general {
            self.precise_min_reference_cases_general
        } else {
            self.precise_min_reference_cases
        };
        Xkqz {
            small: self.first_year_fen(p.pilot_price_fen, p.price_unit)
                <= self.small_max_first_year_fen,
            fast: p.deploy_days <= self.fast_max_deploy_days,
            light: match p.delivery {
                Delivery::Saas | Delivery::Service => true,
                Delivery::OnPremise | Delivery::Hardware => {
                    p.deploy_days <= self.light_max_onsite_deploy_days
                }
            },
            precise: !p.stages.is_empty()
                && p.stages.len() <= self.precise_max_stages
                && p.reference_cases >= min_cases,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(industries: &'a [Industry], stages: &'a [Stage]) -> XkqzFacts<'a> {
        XkqzFacts {
            pilot_price_fen: 3_000_000,
            price_unit: PriceUnit::PerYear,
            deploy_days: 7,
            delivery: Delivery::Saas,
            industries,
            stages,
            reference_cases: 12,
        }
    }

    #[test]
    fn policy_table() {
        let p = XkqzPolicy::default();
        let pcb = [Industry::Pcb];
        let general = [Industry::General];
        let one = [Stage::Manufacturing];
        let three = [Stage::Manufacturing, Stage::Supply, Stage::Sales];
        let all = |small, fast, light, precise| Xkqz {
            small,
            fast,
            light,
            precise,
        };

        let cases: Vec<(&str, XkqzFacts<'_>, Xkqz)> = vec![
            (
                "typical SaaS tool",
                facts(&pcb, &one),
                all(true, true, true, true),
            ),
            (
                "20 万 a year is still small",
                XkqzFacts {
                    pilot_price_fen: 20_000_000,
                    ..facts(&pcb, &one)
                },
                all(true, true, true, true),
            ),
            (
                "one fen over is not",
                XkqzFacts {
                    pilot_price_fen: 20_000_001,
                    ..facts(&pcb, &one)
                },
                all(false, true, true, true),
            ),
            (
                "monthly price is annualised",
                XkqzFacts {
                    pilot_price_fen: 2_000_000,
                    price_unit: PriceUnit::PerMonth,
                    ..facts(&pcb, &one)
                },
                all(false, true, true, true),
            ),
            (
                "per-user price times 20 users",
                XkqzFacts {
                    pilot_price_fen: 1_000_000,
                    price_unit: PriceUnit::PerUserYear,
                    ..facts(&pcb, &one)
                },
                all(true, true, true, true),
            ),
            (
                "per-user price over the line",
                XkqzFacts {
                    pilot_price_fen: 1_000_001,
                    price_unit: PriceUnit::PerUserYear,
                    ..facts(&pcb, &one)
                },
                all(false, true, true, true),
            ),
            (
                "30 days is fast",
                XkqzFacts {
                    deploy_days: 30,
                    ..facts(&pcb, &one)
                },
                all(true, true, true, true),
            ),
            (
                "31 days is not",
                XkqzFacts {
                    deploy_days: 31,
                    ..facts(&pcb, &one)
                },
                all(true, false, true, true),
            ),
            (
                "quick on-premise is light",
                XkqzFacts {
                    delivery: Delivery::OnPremise,
                    deploy_days: 15,
                    ..facts(&pcb, &one)
                },
                all(true, true, true, true),
            ),
            (
                "slow hardware is not light",
                XkqzFacts {
                    delivery: Delivery::Hardware,
                    deploy_days: 16,
                    ..facts(&pcb, &one)
                },
                all(true, true, false, true),
            ),
            (
                "three stages are not precise",
                facts(&pcb, &three),
                all(true, true, true, false),
            ),
            (
                "no stages are not precise",
                facts(&pcb, &[]),
                all(true, true, true, false),
            ),
            (
                "too few cases",
                XkqzFacts {
                    reference_cases: 2,
                    ..facts(&pcb, &one)
                },
                all(true, true, true, false),
            ),
            (
                "general needs 20 cases",
                facts(&general, &one),
                all(true, true, true, false),
            ),
            (
                "general with 20 cases",
                XkqzFacts {
                    reference_cases: 20,
                    ..facts(&general, &one)
                },
                all(true, true, true, true),
            ),
            (
                "huge price saturates",
                XkqzFacts {
                    pilot_price_fen: i64::MAX,
                    price_unit: PriceUnit::PerUserYear,
                    ..facts(&pcb, &one)
                },
                all(false, true, true, true),
            ),
        ];
        for (name, f, want) in cases {
            assert_eq!(p.check(&f), want, "{name}");
        }
    }
}
