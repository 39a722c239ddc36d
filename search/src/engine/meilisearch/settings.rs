//! The index settings, applied on every start (the same settings again change nothing), so a
//! new version's settings reach an existing index without a manual step.

use super::fields;
use crate::synonyms::SYNONYM_GROUPS;
use crate::text::normalize_term;
use meilisearch_sdk::settings::{
    MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use std::collections::HashMap;

/// Searched in this order of importance, as the embedded engine's field boosts: the name says
/// what a product is, tags are the supplier's keywords, the summary one sentence of purpose,
/// the description long and mentions much in passing.
pub(super) const SEARCHABLE: [&str; 4] = [
    fields::NAME,
    fields::TAGS,
    fields::SUMMARY,
    fields::DESCRIPTION,
];

/// `sort` right after `words`: a listing sorted by price shows the matches by price (every
/// match has all the words, so `words` never reorders them), and without a sort the text
/// rules decide.
const RANKING_RULES: [&str; 6] = [
    "words",
    "sort",
    "typo",
    "proximity",
    "attribute",
    "exactness",
];

/// ASCII words shorter than this are acronyms (`MES`, `ERP`): one edit turns them into another
/// acronym. Meilisearch cuts Chinese into words of three characters at most, so they never
/// reach it either: a typo in Chinese is a different word.
const ONE_TYPO_FROM: u8 = 4;
/// The embedded engine forgives one edit, never two.
const TWO_TYPOS_FROM: u8 = u8::MAX;

/// Listing totals must be exact, and Meilisearch counts no further than this. A city's
/// catalogue stays far below it.
const MAX_TOTAL_HITS: usize = 100_000;

/// Each member of a group stands for the others, written as the query side normalises them.
fn synonyms() -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for group in SYNONYM_GROUPS {
        let members: Vec<String> = group.iter().map(|m| normalize_term(m)).collect();
        for m in &members {
            let others = map.entry(m.clone()).or_default();
            for o in members.iter().filter(|o| *o != m) {
                if !others.contains(o) {
                    others.push(o.clone());
                }
            }
        }
    }
    map
}

pub(super) fn settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(SEARCHABLE)
        .with_filterable_attributes([
            fields::ID,
            fields::INDUSTRIES,
            fields::STAGES,
            fields::DELIVERY,
            fields::PILOT_PRICE,
            fields::DEPLOY_DAYS,
            fields::AI_POWERED,
            fields::SUPPLIER_ID,
        ])
        .with_sortable_attributes([
            fields::ID,
            fields::PILOT_PRICE,
            fields::DEPLOY_DAYS,
            fields::CREATED_AT,
        ])
        .with_ranking_rules(RANKING_RULES)
        .with_synonyms(synonyms())
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(Vec::new()),
            disable_on_words: Some(Vec::new()),
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(ONE_TYPO_FROM),
                two_typos: Some(TWO_TYPOS_FROM),
            }),
            // Digits are model numbers (`RS485`): a typo there is another model.
            disable_on_numbers: Some(true),
        })
        .with_pagination(PaginationSetting {
            max_total_hits: MAX_TOTAL_HITS,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonym_groups_become_symmetric_lowercase_entries() {
        let s = synonyms();
        let mes = s.get("mes").expect("mes");
        assert!(mes.contains(&"制造执行系统".to_owned()), "{mes:?}");
        assert!(!mes.contains(&"mes".to_owned()), "{mes:?}");
        let zh = s.get("制造执行系统").expect("制造执行系统");
        assert!(zh.contains(&"mes".to_owned()), "{zh:?}");
    }
}
