//! Shows why a product was found: the words of a `q` search (and their synonyms) marked in the
//! product's name and summary, as the engines read the query ([`text::query_words`], plus the
//! shorter words jieba finds inside them). Done here, on the texts, so both engines mark alike.

use crate::{synonyms, text};
use serde::Serialize;

/// The name and summary of a found product, HTML-escaped, the query's words in `<em>…</em>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Highlight {
    pub name: String,
    pub summary: String,
}

/// The terms of one query, ready to mark any number of texts.
#[derive(Debug, Clone)]
pub struct Highlighter {
    /// Normalised (see [`text::normalize_term`]), longest first.
    terms: Vec<String>,
}

impl Highlighter {
    #[must_use]
    pub fn new(q: &str) -> Self {
        let mut terms: Vec<String> = text::query_words(q);
        terms.extend(
            text::analyze(q)
                .into_iter()
                .map(|p| p.text)
                .filter(|w| !text::is_stop_word(w) && !text::is_single_cjk(w)),
        );
        let synonyms: Vec<String> = terms
            .iter()
            .flat_map(|t| synonyms::synonyms_of(t))
            .map(text::normalize_term)
            .collect();
        terms.extend(synonyms);
        terms.retain(|t| !t.is_empty());
        terms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        terms.dedup();
        Self { terms }
    }

    /// Both texts of a product, marked.
    #[must_use]
    pub fn highlight(&self, name: &str, summary: &str) -> Highlight {
        Highlight {
            name: self.mark(name),
            summary: self.mark(summary),
        }
    }

    /// `text` HTML-escaped, each stretch that holds one of the terms in `<em>…</em>`
    /// (overlapping and touching stretches as one).
    #[must_use]
    pub fn mark(&self, original: &str) -> String {
        let (norm, origin) = text::normalize(original);
        let mut found: Vec<(usize, usize)> = Vec::new();
        for t in &self.terms {
            for (at, m) in norm.match_indices(t.as_str()) {
                let (from, to) = (origin[at], origin[at + m.len()]);
                // A character that lowercases to two (`İ`) can hold a match's edge inside it:
                // such a stretch would mark nothing.
                if to > from && whole_latin_word(&norm, at, at + m.len()) {
                    found.push((from, to));
                }
            }
        }
        found.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (from, to) in found {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        let mut out = String::with_capacity(original.len() + merged.len() * 9);
        let mut at = 0;
        for (from, to) in merged {
            escape_into(&mut out, original.get(at..from).unwrap_or_default());
            out.push_str("<em>");
            escape_into(&mut out, original.get(from..to).unwrap_or_default());
            out.push_str("</em>");
            at = to;
        }
        escape_into(&mut out, original.get(at..).unwrap_or_default());
        out
    }
}

/// Latin words and numbers are whole tokens to both engines (`ai` does not find `maintain`), so
/// a stretch that starts or ends with one must not run on into more letters or digits. Chinese
/// has no such edges.
fn whole_latin_word(text: &str, from: usize, to: usize) -> bool {
    let latin = |c: char| c.is_ascii_alphanumeric();
    let starts = text[from..].chars().next().is_some_and(latin);
    let ends = text[..to].chars().next_back().is_some_and(latin);
    let runs_on_before = starts && text[..from].chars().next_back().is_some_and(latin);
    let runs_on_after = ends && text[to..].chars().next().is_some_and(latin);
    !(runs_on_before || runs_on_after)
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_words_parts_and_synonyms_and_escapes_the_rest() {
        let h = Highlighter::new("扫码报工");
        assert_eq!(
            h.mark("工人扫码报工，老板看报工进度"),
            "工人<em>扫码报工</em>，老板看<em>报工</em>进度"
        );
        // A synonym is marked too, in the text's own spelling and case.
        let h = Highlighter::new("mes");
        assert_eq!(
            h.mark("轻量MES（制造执行系统）"),
            "轻量<em>MES</em>（<em>制造执行系统</em>）"
        );
        // Full-width letters match their half-width query.
        assert_eq!(h.mark("ＭＥＳ"), "<em>ＭＥＳ</em>");
        // Everything is escaped, marked or not.
        let h = Highlighter::new("a<b");
        assert_eq!(
            h.mark("x<y & \"a<b\""),
            "x&lt;y &amp; &quot;<em>a</em>&lt;<em>b</em>&quot;"
        );
        // Latin words only whole, as the engines match them.
        let h = Highlighter::new("AI");
        assert_eq!(h.mark("AI质检，maintain"), "<em>AI</em>质检，maintain");
        // Nothing found: the text, escaped.
        assert_eq!(
            Highlighter::new("区块链").mark("财务<记账>"),
            "财务&lt;记账&gt;"
        );
    }

    #[test]
    fn a_match_inside_one_character_marks_nothing() {
        // `İ` lowercases to `i` and a combining dot: `i` ends inside it.
        assert_eq!(Highlighter::new("i").mark("İ"), "İ");
    }

    #[test]
    fn overlapping_stretches_are_one_mark() {
        let h = Highlighter::new("设备数据采集");
        let m = h.mark("支持设备数据采集");
        assert_eq!(m.matches("<em>").count(), 1, "{m}");
        assert!(m.contains("<em>设备数据采集</em>"), "{m}");
    }
}
