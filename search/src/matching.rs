//! Matching an enterprise's need to products: the need's text is the query, its industry,
//! budget, deployment time and stages are hard conditions, and a few facts of each product
//! (made for the industry, stages covered, proven in use, 小快轻准) adjust the text ranking.
//! Every match says why it was proposed, in words a manager reads.
//!
//! Engine-agnostic: it asks any [`SearchEngine`] for candidates and ranks them itself.
//!
//! How the text is matched, and why (each step was kept because it raised nDCG@10 and
//! recall@10 on the labelled needs, see `eval`):
//! - The need is cut by jieba (search mode); stop words and lone characters are dropped.
//!   Whole words weigh more than the parts search mode adds, the title's words and the need's
//!   TF-IDF keywords weigh more than the rest.
//! - Synonyms and related terms of the trade ([`synonyms`]) bridge an owner's words
//!   (`人眼看`, `开停机`) and a catalogue's (`视觉检测`, `稼动率`).
//! - The need's character pairs are matched too: where jieba cuts the two texts differently,
//!   shared characters still count.
//! - Feedback: the best product of a first pass describes the need in the catalogue's own
//!   words; its keywords and text are added to a second pass, which finds the neighbouring
//!   products a need rarely names (a gateway next to a machine-monitoring service).

use crate::engine::{
    Candidate, CandidateQuery, Filter, ProductDocument, SearchEngine, WeightedTerm,
};
use crate::{SearchError, synonyms, text};
use domain::values::{Industry, Stage};
use serde::Serialize;
use std::collections::HashSet;

/// A need as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NeedQuery {
    /// The need's title, a line break, its description (the first line weighs a little more).
    pub text: String,
    /// The enterprise's segment (`EnterpriseIndustry::segment`). `None` for an enterprise
    /// outside the five segments: only cross-industry (`general`) products are then proposed.
    pub industry: Option<Industry>,
    /// The stages the need concerns; a product must cover at least one of them.
    pub stages: Vec<Stage>,
    /// On the pilot price.
    pub budget_fen: i64,
    pub max_deploy_days: Option<i32>,
    pub limit: usize,
}

/// One proposed product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub product_id: String,
    /// Relative to the best match of the same need (1.0); not comparable across needs.
    pub score: f32,
    pub reasons: Vec<String>,
}

/// How many TF-IDF keywords of the need get extra weight.
const KEYWORDS: usize = 12;
/// The extra weight of the best keyword (others in proportion to their TF-IDF weight).
const KEYWORD_BOOST: f32 = 1.0;
/// The first line states the need in few words; its words weigh this much more.
const TITLE_BOOST: f32 = 0.25;
/// A part of a longer word (`报工` of `扫码报工`) says less than the word.
const PART_WEIGHT: f32 = 0.6;
/// A word said again matters a little more, not twice as much.
const REPEAT_WEIGHT: f32 = 0.3;
/// A synonym, or a related term, counts as the need's own word: how much any of them matters
/// is then the index's business (a term common in the catalogue scores little).
const THESAURUS_WEIGHT: f32 = 1.0;
/// The need's character pairs. They are many and each scores little, so the weight puts
/// their sum on the scale of the word terms.
const CHARACTER_PAIRS_WEIGHT: f32 = 10.0;
/// Feedback from the first pass's best product: its keywords, and its whole text as
/// character pairs.
const FEEDBACK_KEYWORDS: usize = 10;
const FEEDBACK_KEYWORD_WEIGHT: f32 = 3.0;
const FEEDBACK_TEXT_WEIGHT: f32 = 5.0;
/// Candidates fetched for re-ranking: the boosts never lift a product from further down.
const CANDIDATES_MIN: usize = 100;

/// Boosts, multiplying the text relevance so that text stays what ranks first.
/// Made for the segment: the labels' rule too (a general product is second choice where a
/// product for the segment serves the same purpose).
const BOOST_INDUSTRY_SPECIFIC: f32 = 0.25;
/// Times the share of the need's stages the product covers.
const BOOST_STAGE_COVERAGE: f32 = 0.1;
/// Times ln(1 + cases) / ln(1 + saturation): proven products a little first.
const BOOST_REFERENCES: f32 = 0.1;
const REFERENCES_SATURATION: f32 = 100.0;
/// Times the share of the four 小快轻准 marks met.
const BOOST_XKQZ: f32 = 0.05;

/// Where a query term comes from; reasons only cite the need's own words and synonyms.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    Need,
    /// A synonym of the need's word (the need's spelling kept for the reason).
    Synonym(String),
    Related,
    Feedback,
}

#[derive(Debug, Clone, PartialEq)]
struct QueryTerm {
    text: String,
    weight: f32,
    origin: Origin,
}

/// The weighted terms of a need (see the module comment).
fn need_terms(text: &str) -> Vec<QueryTerm> {
    let title = text.lines().next().unwrap_or_default();
    let title_words: HashSet<String> = text::analyze(title).into_iter().map(|p| p.text).collect();
    let whole_words: HashSet<String> = text::words(text).into_iter().collect();

    let mut terms: Vec<QueryTerm> = Vec::new();
    for p in text::analyze(text) {
        let w = p.text;
        if text::is_stop_word(&w) || text::is_single_cjk(&w) {
            continue;
        }
        let base = if whole_words.contains(&w) {
            1.0
        } else {
            PART_WEIGHT
        };
        match terms.iter_mut().find(|t| t.text == w) {
            Some(t) => t.weight += REPEAT_WEIGHT * base,
            None => terms.push(QueryTerm {
                text: w,
                weight: base,
                origin: Origin::Need,
            }),
        }
    }
    let keywords = text::keywords(text, KEYWORDS);
    let best = keywords.first().map_or(1.0, |(_, w)| *w).max(f64::EPSILON);
    for t in &mut terms {
        if let Some((_, k)) = keywords.iter().find(|(k, _)| *k == t.text) {
            t.weight *= 1.0 + KEYWORD_BOOST * (k / best) as f32;
        }
        if title_words.contains(&t.text) {
            t.weight *= 1.0 + TITLE_BOOST;
        }
    }

    let mut expanded: Vec<QueryTerm> = Vec::new();
    let add = |expanded: &mut Vec<QueryTerm>, word: &str, weight: f32, origin: Origin| {
        let word = text::normalize_term(word);
        if terms.iter().any(|t| t.text == word) {
            return;
        }
        match expanded.iter_mut().find(|e| e.text == word) {
            // The strongest reason to search a term sets its weight; a synonym keeps its
            // origin for the reasons.
            Some(e) => {
                if weight > e.weight {
                    e.weight = weight;
                    if !matches!(e.origin, Origin::Synonym(_)) {
                        e.origin = origin;
                    }
                }
            }
            None => expanded.push(QueryTerm {
                text: word,
                weight,
                origin,
            }),
        }
    };
    for t in &terms {
        for s in synonyms::synonyms_of(&t.text) {
            add(
                &mut expanded,
                s,
                t.weight * THESAURUS_WEIGHT,
                Origin::Synonym(t.text.clone()),
            );
        }
    }
    for t in &terms {
        for r in synonyms::related_of(&t.text) {
            add(
                &mut expanded,
                r,
                t.weight * THESAURUS_WEIGHT,
                Origin::Related,
            );
        }
    }
    terms.extend(expanded);
    terms
}

/// A product's own description of what it does: the TF-IDF keywords of its text, the best
/// weighing 1.
fn feedback_terms(d: &ProductDocument) -> Vec<(String, f32)> {
    let kws = text::keywords(
        &format!("{}\n{}\n{}", d.name, d.summary, d.description),
        FEEDBACK_KEYWORDS,
    );
    let best = kws.first().map_or(1.0, |(_, w)| *w).max(f64::EPSILON);
    kws.into_iter()
        .filter(|(k, _)| !text::is_single_cjk(k))
        .map(|(k, w)| (k, (w / best) as f32))
        .collect()
}

/// The need's hard conditions.
pub(crate) fn need_filter(need: &NeedQuery) -> Filter {
    Filter {
        industries_any: need
            .industry
            .into_iter()
            .chain([Industry::General])
            .collect(),
        stages_any: need.stages.clone(),
        max_pilot_price_fen: Some(need.budget_fen),
        max_deploy_days: need.max_deploy_days,
        ..Filter::default()
    }
}

fn candidate_query(
    terms: &[QueryTerm],
    texts: Vec<WeightedTerm>,
    need: &NeedQuery,
) -> CandidateQuery {
    CandidateQuery {
        terms: terms
            .iter()
            .map(|t| WeightedTerm {
                text: t.text.clone(),
                weight: t.weight,
            })
            .collect(),
        texts,
        filter: need_filter(need),
        limit: need.limit.saturating_mul(5).max(CANDIDATES_MIN),
    }
}

/// The products that fit a need, best first, at most `need.limit`.
///
/// # Errors
/// The engine's.
pub async fn match_need(
    engine: &dyn SearchEngine,
    need: &NeedQuery,
) -> Result<Vec<Match>, SearchError> {
    if need.limit == 0 {
        return Ok(Vec::new());
    }
    let mut terms = need_terms(&need.text);
    let mut texts = vec![WeightedTerm {
        text: need.text.clone(),
        weight: CHARACTER_PAIRS_WEIGHT,
    }];
    let first = rank(
        engine
            .candidates(&candidate_query(&terms, texts.clone(), need))
            .await?,
        need,
    );
    let Some((_, top)) = first.first() else {
        return Ok(Vec::new());
    };

    // Feedback from the best product (see the module comment).
    let d = &top.document;
    for (k, w) in feedback_terms(d) {
        let w = FEEDBACK_KEYWORD_WEIGHT * w;
        match terms.iter_mut().find(|t| t.text == k) {
            Some(t) => t.weight += w,
            None => terms.push(QueryTerm {
                text: k,
                weight: w,
                origin: Origin::Feedback,
            }),
        }
    }
    texts.push(WeightedTerm {
        text: format!(
            "{}\n{}\n{}\n{}",
            d.name,
            d.summary,
            d.tags.join("，"),
            d.description
        ),
        weight: FEEDBACK_TEXT_WEIGHT,
    });
    let mut ranked = rank(
        engine
            .candidates(&candidate_query(&terms, texts, need))
            .await?,
        need,
    );

    ranked.truncate(need.limit);
    let best = ranked.first().map_or(1.0, |(s, _)| *s).max(f32::EPSILON);
    Ok(ranked
        .into_iter()
        .map(|(s, c)| Match {
            reasons: reasons(&c.document, need, &terms),
            product_id: c.document.id.clone(),
            score: s / best,
        })
        .collect())
}

/// Candidates by boosted relevance, ties by id (stable pages, reproducible evaluations).
fn rank(candidates: Vec<Candidate>, need: &NeedQuery) -> Vec<(f32, Candidate)> {
    let mut ranked: Vec<(f32, Candidate)> = candidates
        .into_iter()
        .map(|c| (c.score * boost(&c.document, need), c))
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.document.id.cmp(&b.1.document.id))
    });
    ranked
}

/// The factor a product's text relevance is multiplied by.
fn boost(d: &ProductDocument, need: &NeedQuery) -> f32 {
    let mut b = 1.0;
    if need.industry.is_some_and(|i| d.industries.contains(&i)) {
        b += BOOST_INDUSTRY_SPECIFIC;
    }
    if !need.stages.is_empty() {
        let covered = need.stages.iter().filter(|s| d.stages.contains(s)).count();
        b += BOOST_STAGE_COVERAGE * covered as f32 / need.stages.len() as f32;
    }
    let refs = (d.reference_cases.max(0) as f32).min(REFERENCES_SATURATION);
    b += BOOST_REFERENCES * refs.ln_1p() / REFERENCES_SATURATION.ln_1p();
    if let Some(x) = d.xkqz {
        let n = [x.small, x.fast, x.light, x.precise]
            .into_iter()
            .filter(|f| *f)
            .count();
        b += BOOST_XKQZ * n as f32 / 4.0;
    }
    b
}

/// Money for people: `8.6 万元`, `4800 元`.
pub(crate) fn money(fen: i64) -> String {
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_owned();
    let yuan = fen as f64 / 100.0;
    if yuan >= 10_000.0 {
        format!("{} 万元", trim(format!("{:.2}", yuan / 10_000.0)))
    } else {
        format!("{} 元", trim(format!("{yuan:.2}")))
    }
}

/// How a term is shown: as the need wrote it (`UDI`, not the index's `udi`).
fn as_written(need_text: &str, term: &str) -> String {
    if term.is_ascii() {
        let lower = need_text.to_ascii_lowercase();
        if let Some(at) = lower.find(term)
            && let Some(s) = need_text.get(at..at + term.len())
        {
            return s.to_owned();
        }
    }
    term.to_owned()
}

/// The need's words (or their synonyms) the product's text holds, most important first.
fn matched_words(d: &ProductDocument, need_text: &str, terms: &[QueryTerm]) -> Vec<String> {
    let mut product_terms: HashSet<String> = HashSet::new();
    for t in [&d.name, &d.summary, &d.description]
        .into_iter()
        .chain(d.tags.iter())
    {
        product_terms.extend(text::analyze(t).into_iter().map(|p| p.text));
    }
    let mut hits: Vec<&QueryTerm> = terms
        .iter()
        .filter(|t| matches!(t.origin, Origin::Need | Origin::Synonym(_)))
        .filter(|t| product_terms.contains(&t.text))
        .collect();
    hits.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let mut shown: Vec<String> = Vec::new();
    let mut covered: Vec<&str> = Vec::new();
    for h in hits {
        // `扫码报工` says all that `报工` would, and a synonym what its word would: one
        // mention per word.
        let overlaps = |w: &str| covered.iter().any(|c| c.contains(w) || w.contains(c));
        if overlaps(&h.text) {
            continue;
        }
        if let Origin::Synonym(of) = &h.origin {
            if overlaps(of) {
                continue;
            }
            covered.push(of);
        }
        covered.push(&h.text);
        shown.push(match &h.origin {
            Origin::Synonym(of) => format!(
                "{}（{}）",
                synonym_spelling(&h.text),
                as_written(need_text, of)
            ),
            _ => as_written(need_text, &h.text),
        });
        if shown.len() == 4 {
            break;
        }
    }
    shown
}

/// A synonym as the table spells it (`MES`, not `mes`).
fn synonym_spelling(term: &str) -> String {
    synonyms::SYNONYM_GROUPS
        .iter()
        .flat_map(|g| g.iter())
        .find(|m| m.eq_ignore_ascii_case(term))
        .map_or_else(|| term.to_owned(), |m| (*m).to_owned())
}

fn reasons(d: &ProductDocument, need: &NeedQuery, terms: &[QueryTerm]) -> Vec<String> {
    let mut out = Vec::new();
    let words = matched_words(d, &need.text, terms);
    if words.is_empty() {
        out.push("与需求所述业务相近".to_owned());
    } else {
        out.push(format!("匹配词：{}", words.join("、")));
    }
    let covered: Vec<&str> = need
        .stages
        .iter()
        .filter(|s| d.stages.contains(s))
        .map(|s| s.label_zh())
        .collect();
    if !covered.is_empty() {
        out.push(format!("覆盖环节：{}", covered.join("、")));
    }
    match need.industry {
        Some(i) if d.industries.contains(&i) => {
            out.push(format!("专为{}行业设计", i.label_zh()));
        }
        _ if d.is_general() => out.push("通用产品，各行业适用".to_owned()),
        _ => {}
    }
    if d.pilot_price_fen == 0 {
        out.push("试点免费".to_owned());
    } else {
        out.push(format!(
            "试点价 {}，在预算 {} 内",
            money(d.pilot_price_fen),
            money(need.budget_fen)
        ));
    }
    match need.max_deploy_days {
        Some(max) => out.push(format!(
            "约 {} 天部署上线，满足 {max} 天内上线的要求",
            d.deploy_days
        )),
        None => out.push(format!("约 {} 天部署上线", d.deploy_days)),
    }
    if d.reference_cases > 0 {
        out.push(format!("已有 {} 个落地案例", d.reference_cases));
    }
    if let Some(x) = d.xkqz {
        let marks: Vec<&str> = [
            (x.small, "小"),
            (x.fast, "快"),
            (x.light, "轻"),
            (x.precise, "准"),
        ]
        .into_iter()
        .filter_map(|(on, c)| on.then_some(c))
        .collect();
        match marks.len() {
            4 => out.push("符合“小快轻准”".to_owned()),
            0 => {}
            _ => out.push(format!("“小快轻准”中符合：{}", marks.join("、"))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EmbeddedEngine;
    use domain::values::Delivery;
    use domain::xkqz::Xkqz;

    #[test]
    fn money_reads_naturally() {
        assert_eq!(money(8_600_000), "8.6 万元");
        assert_eq!(money(30_000_000), "30 万元");
        assert_eq!(money(480_000), "4800 元");
        assert_eq!(money(123_456), "1234.56 元");
    }

    #[test]
    fn need_terms_weigh_keywords_and_expand_the_thesaurus() {
        let t = need_terms("想上MES\n车间报工全靠纸质单据，报工数据统计慢");
        let find = |s: &str| t.iter().find(|x| x.text == s);
        assert!(find("报工").is_some_and(|x| x.weight > 1.0), "{t:?}");
        assert!(
            find("制造执行系统").is_some_and(|x| x.origin == Origin::Synonym("mes".into())),
            "{t:?}"
        );
        assert!(find("工单报工").is_some(), "{t:?}");
        assert!(
            find("生产进度").is_some_and(|x| x.origin == Origin::Related),
            "{t:?}"
        );
        assert!(
            t.iter().all(|x| x.text != "的" && x.text != "全靠"),
            "{t:?}"
        );
    }

    fn product(
        id: &str,
        name: &str,
        industries: Vec<Industry>,
        stages: Vec<Stage>,
    ) -> ProductDocument {
        ProductDocument {
            id: id.into(),
            supplier_id: "s1".into(),
            name: name.into(),
            summary: format!("{name}，工人扫码报工，老板手机看进度"),
            description: "支持设备数据采集与电子看板。".into(),
            tags: vec!["报工".into()],
            industries,
            stages,
            delivery: Delivery::Saas,
            pilot_price_fen: 8_600_000,
            price_fen: 9_000_000,
            deploy_days: 15,
            reference_cases: 12,
            ai_powered: false,
            created_at: 1,
            xkqz: Some(Xkqz {
                small: true,
                fast: true,
                light: true,
                precise: false,
            }),
        }
    }

    fn need(text: &str) -> NeedQuery {
        NeedQuery {
            text: text.into(),
            industry: Some(Industry::Pcb),
            stages: vec![Stage::Manufacturing],
            budget_fen: 10_000_000,
            max_deploy_days: Some(30),
            limit: 10,
        }
    }

    #[tokio::test]
    async fn hard_conditions_hold_and_the_segment_comes_first() {
        let engine = EmbeddedEngine::in_memory().expect("engine");
        let mut over_budget = product(
            "p3",
            "报工系统旗舰版",
            vec![Industry::Pcb],
            vec![Stage::Manufacturing],
        );
        over_budget.pilot_price_fen = 20_000_000;
        let mut slow = product(
            "p4",
            "报工系统本地版",
            vec![Industry::Pcb],
            vec![Stage::Manufacturing],
        );
        slow.deploy_days = 90;
        engine
            .upsert(vec![
                product(
                    "p1",
                    "通用扫码报工",
                    vec![Industry::General],
                    vec![Stage::Manufacturing],
                ),
                product(
                    "p2",
                    "线路板扫码报工",
                    vec![Industry::Pcb],
                    vec![Stage::Manufacturing],
                ),
                over_budget,
                slow,
                product(
                    "p5",
                    "家电扫码报工",
                    vec![Industry::SmartAppliances],
                    vec![Stage::Manufacturing],
                ),
                product("p6", "报工与销售", vec![Industry::Pcb], vec![Stage::Sales]),
            ])
            .await
            .expect("upsert");
        let m = match_need(&engine, &need("车间报工靠纸质单据\n想让工人扫码报工"))
            .await
            .expect("match");
        let ids: Vec<&str> = m.iter().map(|x| x.product_id.as_str()).collect();
        assert_eq!(ids, ["p2", "p1"], "{m:?}");
        assert!((m[0].score - 1.0).abs() < 1e-6);
        let r = &m[0].reasons;
        assert!(
            r.iter()
                .any(|x| x.starts_with("匹配词：") && x.contains("扫码报工")),
            "{r:?}"
        );
        assert!(r.contains(&"覆盖环节：生产管控".to_owned()), "{r:?}");
        assert!(r.contains(&"专为印刷电路板行业设计".to_owned()), "{r:?}");
        assert!(
            r.contains(&"试点价 8.6 万元，在预算 10 万元 内".to_owned()),
            "{r:?}"
        );
        assert!(
            r.contains(&"“小快轻准”中符合：小、快、轻".to_owned()),
            "{r:?}"
        );
        assert!(m[1].reasons.contains(&"通用产品，各行业适用".to_owned()));
    }

    #[tokio::test]
    async fn an_enterprise_outside_the_segments_gets_general_products_only() {
        let engine = EmbeddedEngine::in_memory().expect("engine");
        engine
            .upsert(vec![
                product(
                    "p1",
                    "通用扫码报工",
                    vec![Industry::General],
                    vec![Stage::Manufacturing],
                ),
                product(
                    "p2",
                    "线路板扫码报工",
                    vec![Industry::Pcb],
                    vec![Stage::Manufacturing],
                ),
            ])
            .await
            .expect("upsert");
        let mut q = need("扫码报工");
        q.industry = None;
        let m = match_need(&engine, &q).await.expect("match");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].product_id, "p1");
        q.limit = 0;
        assert!(match_need(&engine, &q).await.expect("match").is_empty());
    }

    #[test]
    fn synonyms_are_cited_with_the_needs_word() {
        let d = product(
            "p1",
            "制造执行系统",
            vec![Industry::General],
            vec![Stage::Manufacturing],
        );
        let terms = need_terms("想上MES");
        let w = matched_words(&d, "想上MES", &terms);
        assert_eq!(w, ["制造执行系统（MES）"]);
        // The word itself found: its synonym adds nothing.
        let d = product(
            "p2",
            "制造执行系统MES",
            vec![Industry::General],
            vec![Stage::Manufacturing],
        );
        assert_eq!(matched_words(&d, "想上MES", &terms), ["MES"]);
    }
}
