//! Matching an enterprise's need to products: the need's text is the query, its industry,
//! budget, deployment time and stages are hard conditions, and a few facts of each product
//! (made for the industry, stages covered, proven in use, 小快轻准) adjust the text ranking.
//! Every match says why it was proposed, in words a manager reads.
//!
//! Engine-agnostic: it asks any [`SearchEngine`] for candidates and ranks them itself.

use crate::engine::{
    Candidate, CandidateQuery, Filter, ProductDocument, SearchEngine, WeightedTerm,
};
use crate::{SearchError, synonyms, text};
use domain::values::{Industry, Stage};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A need as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedQuery {
    /// The need's title and description (a title first weighs a little more: see
    /// [`crate::tune::knob("TITLE_WEIGHT", 0.5)`]); put a line break between them.
    pub text: String,
    /// The enterprise's segment. `None` for an enterprise outside the five segments: only
    /// cross-industry (`general`) products are then proposed.
    pub industry: Option<Industry>,
    /// The stages the need concerns; a product must cover one of them.
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
/// The first line (the title) states the need in few words; its words weigh this much more.
pub const TITLE_WEIGHT: f32 = 0.5;
/// A part of a longer word (`报工` of `扫码报工`) says less than the word.
const PART_WEIGHT: f32 = 0.6;
/// Synonyms stand for the need's own word, a little less surely.
const SYNONYM_WEIGHT: f32 = 0.7;
/// Candidates fetched for re-ranking: the boosts never lift a product from further down.
const CANDIDATES_MIN: usize = 100;

/// Boosts (multiplying the text relevance, so text stays what ranks first).
const BOOST_INDUSTRY_SPECIFIC: f32 = 0.25;
const BOOST_STAGE_COVERAGE: f32 = 0.1;
const BOOST_REFERENCES: f32 = 0.1;
const BOOST_XKQZ: f32 = 0.05;
/// Reference cases beyond this count add nothing more.
const REFERENCES_SATURATION: f32 = 100.0;

/// The weighted terms of a need: every word (search mode, so parts of long words too), the
/// title's words and the TF-IDF keywords weighing more, then synonyms.
fn need_terms(text: &str) -> Vec<WeightedTerm> {
    let title = text.lines().next().unwrap_or_default();
    let title_words: HashSet<String> = text::analyze(title).into_iter().map(|p| p.text).collect();
    let whole_words: HashSet<String> = text::words(text).into_iter().collect();

    let mut weights: HashMap<String, f32> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for p in text::analyze(text) {
        let w = p.text;
        if text::is_stop_word(&w) || text::is_single_cjk(&w) {
            continue;
        }
        let base = if whole_words.contains(&w) {
            1.0
        } else {
            crate::tune::knob("PART_WEIGHT", 0.6)
        };
        match weights.get_mut(&w) {
            // A word said again matters a little more, not twice as much.
            Some(x) => *x += crate::tune::knob("REPEAT", 0.3) * base,
            None => {
                weights.insert(w.clone(), base);
                order.push(w);
            }
        }
    }
    let keywords = text::keywords(text, crate::tune::knob("KEYWORDS", 12.0) as usize);
    let best = keywords.first().map_or(1.0, |(_, w)| *w).max(f64::EPSILON);
    let nonkw = crate::tune::knob("NONKW", 1.0);
    for (w, x) in weights.iter_mut() {
        if !keywords.iter().any(|(k, _)| k == w) {
            *x *= nonkw;
        }
    }
    for (k, kw) in &keywords {
        if let Some(x) = weights.get_mut(k) {
            *x *= 1.0 + crate::tune::knob("KEYWORD_BOOST", 1.0) * (kw / best) as f32;
        }
    }
    for w in &order {
        if title_words.contains(w)
            && let Some(x) = weights.get_mut(w)
        {
            *x *= 1.0 + crate::tune::knob("TITLE_WEIGHT", 0.5);
        }
    }
    let mut terms: Vec<WeightedTerm> = order
        .iter()
        .map(|w| WeightedTerm {
            text: w.clone(),
            weight: weights.get(w).copied().unwrap_or(1.0),
        })
        .collect();
    let mut expanded: Vec<WeightedTerm> = Vec::new();
    for t in &terms {
        for s in synonyms::synonyms_of(&t.text) {
            let s = text::normalize_term(s);
            if !weights.contains_key(&s) && !expanded.iter().any(|e| e.text == s) {
                expanded.push(WeightedTerm {
                    text: s,
                    weight: t.weight * crate::tune::knob("SYNONYM_WEIGHT", 0.7),
                });
            }
        }
    }
    let rw = crate::tune::knob("RELATED", 0.0);
    if rw > 0.0 {
        for t in &terms {
            for s in synonyms::related_of(&t.text) {
                let s = text::normalize_term(s);
                if weights.contains_key(&s) {
                    continue;
                }
                let w = t.weight * rw;
                match expanded.iter_mut().find(|e| e.text == s) {
                    Some(e) => e.weight = e.weight.max(w),
                    None => expanded.push(WeightedTerm { text: s, weight: w }),
                }
            }
        }
    }
    terms.extend(expanded);
    terms
}

/// The need's hard conditions.
fn need_filter(need: &NeedQuery) -> Filter {
    Filter {
        industries_any: need
            .industry
            .into_iter()
            .chain([Industry::General])
            .collect(),
        stages_any: if crate::tune::knob("STAGE_PENALTY", 0.0) > 0.0 {
            Vec::new()
        } else {
            need.stages.clone()
        },
        max_pilot_price_fen: Some(need.budget_fen),
        max_deploy_days: need.max_deploy_days,
        ..Filter::default()
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
    let terms = need_terms(&need.text);
    let query = CandidateQuery {
        texts: vec![WeightedTerm {
            text: need.text.clone(),
            weight: crate::tune::knob("GRAMS", 0.0),
        }],
        terms: terms.clone(),
        filter: need_filter(need),
        limit: need.limit.saturating_mul(5).max(CANDIDATES_MIN),
    };
    let mut c1 = fused(engine, &query).await?;
    local_scores(&mut c1, &terms);
    let mut ranked = rank(c1, need);
    let prf_docs = crate::tune::knob("PRF_DOCS", 0.0) as usize;
    if prf_docs > 0
        && let Some(best) = ranked.first().map(|(s, _)| *s)
    {
        let mut feedback: HashMap<String, f32> = HashMap::new();
        for (s, c) in ranked.iter().take(prf_docs) {
            let r = s / best.max(f32::EPSILON);
            if r < crate::tune::knob("PRF_MIN_REL", 0.3) {
                break;
            }
            for (t, w) in feedback_terms(&c.document) {
                *feedback.entry(t).or_default() += r * w;
            }
        }
        let pw = crate::tune::knob("PRF_WEIGHT", 0.5);
        let mut terms2 = terms.clone();
        for (t, w) in feedback {
            match terms2.iter_mut().find(|x| x.text == t) {
                Some(x) => x.weight += pw * w * crate::tune::knob("PRF_EXISTING", 1.0),
                None => terms2.push(WeightedTerm {
                    text: t,
                    weight: pw * w,
                }),
            }
        }
        let mut texts2 = query.texts.clone();
        let pg = crate::tune::knob("PRF_GRAMS", 0.0);
        if pg > 0.0
            && let Some((_, c)) = ranked.first()
        {
            let d = &c.document;
            let mut t = format!("{}\n{}\n{}", d.name, d.summary, d.tags.join("，"));
            if crate::tune::knob("PRF_GRAMS_DESC", 1.0) > 0.0 {
                t = format!("{}\n{}", t, d.description);
            }
            texts2.push(WeightedTerm {
                text: t,
                weight: pg,
            });
        }
        let q2 = CandidateQuery {
            terms: terms2.clone(),
            texts: texts2,
            ..query
        };
        let mut c2 = fused(engine, &q2).await?;
        local_scores(&mut c2, &terms2);
        ranked = rank(c2, need);
    }
    ranked.truncate(need.limit);
    let best = ranked.first().map_or(1.0, |(s, _)| *s).max(f32::EPSILON);
    Ok(ranked
        .into_iter()
        .map(|(s, c)| Match {
            reasons: reasons(&c.document, need, &terms),
            product_id: c.document.id,
            score: s / best,
        })
        .collect())
}

/// EXPERIMENT: fused candidates.
async fn fused(
    engine: &dyn SearchEngine,
    q: &CandidateQuery,
) -> Result<Vec<Candidate>, SearchError> {
    let f = crate::tune::knob("FUSION", 0.0);
    if f <= 0.0 {
        return engine.candidates(q).await;
    }
    let words = engine
        .candidates(&CandidateQuery {
            texts: Vec::new(),
            ..q.clone()
        })
        .await?;
    let grams = engine
        .candidates(&CandidateQuery {
            terms: Vec::new(),
            ..q.clone()
        })
        .await?;
    let wmax = words
        .iter()
        .map(|c| c.score)
        .fold(0f32, f32::max)
        .max(f32::EPSILON);
    let gmax = grams
        .iter()
        .map(|c| c.score)
        .fold(0f32, f32::max)
        .max(f32::EPSILON);
    let mut by_id: HashMap<String, Candidate> = HashMap::new();
    for c in words {
        let s = (1.0 - f) * c.score / wmax;
        by_id.insert(c.document.id.clone(), Candidate { score: s, ..c });
    }
    for c in grams {
        let s = f * c.score / gmax;
        match by_id.get_mut(&c.document.id) {
            Some(x) => x.score += s,
            None => {
                by_id.insert(c.document.id.clone(), Candidate { score: s, ..c });
            }
        }
    }
    Ok(by_id.into_values().collect())
}

/// EXPERIMENT: BM25 with IDF over the candidate pool.
fn local_scores(candidates: &mut [Candidate], terms: &[WeightedTerm]) {
    let mix = crate::tune::knob("LOCAL", 0.0);
    if mix <= 0.0 || candidates.is_empty() {
        return;
    }
    let fields: Vec<Vec<HashMap<String, f32>>> = candidates
        .iter()
        .map(|c| {
            let d = &c.document;
            let tags = d.tags.join("，");
            [
                d.name.as_str(),
                tags.as_str(),
                d.summary.as_str(),
                d.description.as_str(),
            ]
            .iter()
            .map(|t| {
                let mut m: HashMap<String, f32> = HashMap::new();
                for p in text::analyze(t) {
                    *m.entry(p.text).or_default() += 1.0;
                }
                m
            })
            .collect()
        })
        .collect();
    let n = candidates.len() as f32;
    let boosts = [
        crate::tune::knob("lName", 3.0),
        crate::tune::knob("lTags", 2.2),
        crate::tune::knob("lSummary", 1.6),
        crate::tune::knob("lDescription", 1.0),
    ];
    let k1 = crate::tune::knob("K1", 1.2);
    let b = crate::tune::knob("B", 0.75);
    let mut avg = [0f32; 4];
    for f in &fields {
        for i in 0..4 {
            avg[i] += f[i].values().sum::<f32>() / n;
        }
    }
    let mut local = vec![0f32; candidates.len()];
    for t in terms {
        let df = fields
            .iter()
            .filter(|f| f.iter().any(|m| m.contains_key(&t.text)))
            .count() as f32;
        if df == 0.0 {
            continue;
        }
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        for (j, f) in fields.iter().enumerate() {
            for i in 0..4 {
                if let Some(tf) = f[i].get(&t.text) {
                    let len: f32 = f[i].values().sum();
                    let norm = tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg[i].max(1.0)));
                    local[j] += t.weight * idf * boosts[i] * norm;
                }
            }
        }
    }
    let lmax = local.iter().copied().fold(0f32, f32::max).max(f32::EPSILON);
    let emax = candidates
        .iter()
        .map(|c| c.score)
        .fold(0f32, f32::max)
        .max(f32::EPSILON);
    for (c, l) in candidates.iter_mut().zip(local) {
        c.score = (1.0 - mix) * c.score / emax + mix * l / lmax;
    }
}

/// Candidates ordered by boosted relevance, ties by id.
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

/// What a product is about, as weighted terms: its tags and the TF-IDF keywords of its text.
fn feedback_terms(d: &ProductDocument) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let tw = crate::tune::knob("PRF_TAGS", 1.0);
    if tw > 0.0 {
        for t in &d.tags {
            out.push((text::normalize_term(t), tw));
        }
    }
    let n = crate::tune::knob("PRF_TERMS", 10.0) as usize;
    let desc = if crate::tune::knob("PRF_DESC", 1.0) > 0.0 {
        d.description.as_str()
    } else {
        ""
    };
    let kws = text::keywords(&format!("{}\n{}\n{}", d.name, d.summary, desc), n);
    let best = kws.first().map_or(1.0, |(_, w)| *w).max(f64::EPSILON);
    for (k, w) in kws {
        if text::is_single_cjk(&k) {
            continue;
        }
        let w = (w / best) as f32;
        match out.iter_mut().find(|(t, _)| *t == k) {
            Some((_, x)) => *x = x.max(w),
            None => out.push((k, w)),
        }
    }
    out
}

/// The factor a product's text relevance is multiplied by.
fn boost(d: &ProductDocument, need: &NeedQuery) -> f32 {
    let mut b = 1.0;
    // The labels' rule too: a general product is second choice where a product made for the
    // segment serves the same purpose.
    if need.industry.is_some_and(|i| d.industries.contains(&i)) {
        b += crate::tune::knob("BOOST_INDUSTRY_SPECIFIC", 0.25);
    }
    if !need.stages.is_empty() {
        let covered = need.stages.iter().filter(|s| d.stages.contains(s)).count();
        if covered == 0 {
            b *= crate::tune::knob("STAGE_PENALTY", 0.0);
        }
        b += crate::tune::knob("BOOST_STAGE_COVERAGE", 0.1) * covered as f32
            / need.stages.len() as f32;
    }
    let refs = d.reference_cases.max(0) as f32;
    b += crate::tune::knob("BOOST_REFERENCES", 0.1) * (1.0 + refs.min(REFERENCES_SATURATION)).ln()
        / (1.0 + REFERENCES_SATURATION).ln();
    if let Some(x) = d.xkqz {
        let n = [x.small, x.fast, x.light, x.precise]
            .into_iter()
            .filter(|f| *f)
            .count();
        b += crate::tune::knob("BOOST_XKQZ", 0.05) * n as f32 / 4.0;
    }
    b
}

/// Money for people: `8.6 万元`, `4800 元`.
fn money(fen: i64) -> String {
    let yuan = fen as f64 / 100.0;
    if yuan >= 10_000.0 {
        let wan = format!("{:.2}", yuan / 10_000.0);
        let wan = wan.trim_end_matches('0').trim_end_matches('.');
        format!("{wan} 万元")
    } else {
        let s = format!("{yuan:.2}");
        format!("{} 元", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// The need's words the product's text holds (its own or through a synonym), best first.
fn matched_words(d: &ProductDocument, terms: &[WeightedTerm]) -> Vec<String> {
    let mut product_terms: HashSet<String> = HashSet::new();
    for t in [&d.name, &d.summary, &d.description]
        .into_iter()
        .chain(d.tags.iter())
    {
        product_terms.extend(text::analyze(t).into_iter().map(|p| p.text));
    }
    let mut hits: Vec<&WeightedTerm> = terms
        .iter()
        .filter(|t| {
            // A term the index finds as a phrase (its parts in a row) also counts.
            product_terms.contains(&t.text)
                || d.name.to_lowercase().contains(&t.text)
                || d.summary.to_lowercase().contains(&t.text)
                || d.tags.iter().any(|g| g.to_lowercase().contains(&t.text))
        })
        .collect();
    hits.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let mut shown: Vec<String> = Vec::new();
    for h in hits {
        // `扫码报工` says all `报工` would; show the longer word once.
        if shown
            .iter()
            .any(|s| s.contains(h.text.as_str()) || h.text.contains(s.as_str()))
        {
            continue;
        }
        shown.push(h.text.clone());
        if shown.len() == 4 {
            break;
        }
    }
    shown
}

fn reasons(d: &ProductDocument, need: &NeedQuery, terms: &[WeightedTerm]) -> Vec<String> {
    let mut out = Vec::new();
    let words = matched_words(d, terms);
    if !words.is_empty() {
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
            "约 {} 天部署上线，满足 {max} 天内的要求",
            d.deploy_days
        )),
        None => out.push(format!("约 {} 天部署上线", d.deploy_days)),
    }
    if d.reference_cases > 0 {
        out.push(format!("已有 {} 个落地案例", d.reference_cases));
    }
    if let Some(x) = d.xkqz {
        let flags: Vec<&str> = [
            (x.small, "小"),
            (x.fast, "快"),
            (x.light, "轻"),
            (x.precise, "准"),
        ]
        .into_iter()
        .filter_map(|(on, c)| on.then_some(c))
        .collect();
        match flags.len() {
            4 => out.push("符合“小快轻准”".to_owned()),
            0 => {}
            _ => out.push(format!("“小快轻准”中符合：{}", flags.join("、"))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_naturally() {
        assert_eq!(money(8_600_000), "8.6 万元");
        assert_eq!(money(30_000_000), "30 万元");
        assert_eq!(money(480_000), "4800 元");
        assert_eq!(money(123_456), "1234.56 元");
    }

    #[test]
    fn need_terms_weigh_keywords_and_expand_synonyms() {
        let t = need_terms("想上MES\n车间报工全靠纸质单据，报工数据统计慢");
        let w = |s: &str| t.iter().find(|x| x.text == s).map(|x| x.weight);
        assert!(w("报工").is_some_and(|x| x > 1.0), "{t:?}");
        assert!(w("制造执行系统").is_some(), "{t:?}");
        assert!(w("工单报工").is_some(), "{t:?}");
        assert!(
            t.iter().all(|x| x.text != "的" && x.text != "全靠"),
            "{t:?}"
        );
    }
}
