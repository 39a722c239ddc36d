//! Chinese text analysis shared by indexing, querying and matching: one jieba instance (with a
//! vocabulary of the trade added), normalisation, and the tantivy tokenizer built on them.
//!
//! Indexing and querying must cut text the same way or terms will not meet, so everything
//! goes through [`analyze`].

use jieba_rs::{Jieba, KeywordExtract, TfIdf};
use std::sync::LazyLock;

/// The name the word tokenizer is registered under in tantivy.
pub const TOKENIZER_NAME: &str = "zh_jieba";
/// The name the character-pair tokenizer is registered under in tantivy.
pub const BIGRAM_TOKENIZER_NAME: &str = "zh_bigram";

/// Words of the trade jieba's general dictionary lacks (see the file's header).
const TRADE_WORDS: &str = include_str!("trade_words.txt");

/// Words that carry no topic, dropped from queries (never from the index, so a search for
/// only them still works): function words, an owner's filler (`希望`, `全靠`), and words every
/// product says (`系统`, `平台`, `管理`), which would rank products by how often they say them.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "或", "在", "是", "我", "我们", "你", "你们", "他", "他们", "这",
    "那", "这个", "那个", "一个", "有", "也", "都", "就", "还", "又", "要", "想", "能", "会",
    "可以", "希望", "需要", "现在", "目前", "一些", "什么", "怎么", "没有", "不", "很", "比较",
    "非常", "已经", "因为", "所以", "但是", "而且", "如果", "对", "把", "被", "让", "给", "从",
    "到", "用", "上", "下", "里", "中", "个", "等", "着", "过", "吗", "呢", "吧", "啊", "每", "各",
    "多", "少", "大", "小", "好", "家", "时", "后", "前", "经常", "总是", "一下", "一直", "其实",
    "只能", "只", "靠", "全靠", "找", "做", "搞", "弄", "太", "别", "能够", "还是", "以及", "并且",
    "这样", "那样", "自己", "公司", "企业", "我司", "厂里", "工厂", "系统", "平台", "软件", "方案",
    "产品", "管理", "问题", "情况", "方面", "时候",
];

struct Analyzer {
    jieba: Jieba,
    tfidf: TfIdf,
}

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    let trade = TRADE_WORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let thesaurus = crate::synonyms::SYNONYM_GROUPS
        .iter()
        .chain(crate::synonyms::RELATED_GROUPS)
        .flat_map(|g| g.iter().copied());
    // Only Chinese words: jieba cuts text where ASCII meets Chinese anyway, so `AI检测` is
    // `ai` + `检测` everywhere (its phrase finds it) and `MES` needs no entry.
    for w in trade
        .chain(thesaurus)
        .filter(|w| !w.chars().any(|c| c.is_ascii()))
    {
        // The same normalisation as the text the words are looked for in (full-width forms).
        // `None`: jieba suggests a frequency just high enough to keep the word whole.
        jieba.add_word(&normalize_term(w), None, Some("n"));
    }
    Analyzer {
        jieba,
        tfidf: TfIdf::default(),
    }
});

/// Loads the dictionary now rather than on the first request (it takes a moment).
pub fn warm_up() {
    LazyLock::force(&ANALYZER);
}

/// One token of analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Normalised text (ASCII lowercased, full-width folded to half-width).
    pub text: String,
    /// Character index in the text; tokens that overlap (search mode) share positions, so a
    /// phrase query can use character offsets.
    pub position: usize,
    /// Byte offsets in the original text.
    pub from: usize,
    pub to: usize,
}

/// Folds full-width ASCII (`ＭＥＳ`, `１２`) to half-width and lowercases, remembering for each
/// byte of the result the byte of the original it came from.
pub(crate) fn normalize(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        };
        for l in c.to_lowercase() {
            let before = out.len();
            out.push(l);
            origin.extend(std::iter::repeat_n(at, out.len() - before));
        }
    }
    origin.push(text.len());
    (out, origin)
}

/// A term as the index holds it: normalised and trimmed.
#[must_use]
pub fn normalize_term(term: &str) -> String {
    normalize(term).0.trim().to_owned()
}

/// Whether a token is worth indexing: it holds a letter, digit or CJK character.
fn is_wordlike(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// Cuts text in jieba's search mode (each long word also yields the shorter dictionary words
/// inside it), normalised, punctuation dropped, ordered by position. ASCII runs (`MES`,
/// `RS485`) stay whole because jieba never cuts inside them.
///
/// Without jieba's HMM: it guesses words for runs the dictionary lacks, and guesses them
/// differently in different sentences, so a need and a product would disagree on the same
/// characters. Unknown runs become single characters instead, and the character-pair field
/// (see [`bigrams`]) matches them.
#[must_use]
pub fn analyze(text: &str) -> Vec<Piece> {
    let (norm, origin) = normalize(text);
    let mut pieces: Vec<Piece> = ANALYZER
        .jieba
        .cut_for_search(&norm, false)
        .into_iter()
        .filter(|t| is_wordlike(t.word))
        .map(|t| Piece {
            text: t.word.trim().to_owned(),
            position: t.start,
            from: origin.get(t.byte_start).copied().unwrap_or(0),
            to: origin.get(t.byte_end).copied().unwrap_or(text.len()),
        })
        .filter(|p| !p.text.is_empty())
        .collect();
    // tantivy wants positions that never go back; search mode emits a word's parts before it.
    pieces.sort_by(|a, b| a.position.cmp(&b.position).then(a.to.cmp(&b.to)));
    pieces
}

/// Overlapping pairs of CJK characters (a lone character stays single) and whole ASCII
/// words: a second, segmentation-free view of the text. Where jieba cuts a need and a product
/// differently (`开停机` and `开机率`), their shared characters still meet here.
#[must_use]
pub fn bigrams(text: &str) -> Vec<Piece> {
    let (norm, origin) = normalize(text);
    let from = |b: usize| origin.get(b).copied().unwrap_or(0);
    let mut out = Vec::new();
    // (char index, byte start, byte end) of the current run's characters.
    let mut run: Vec<(usize, usize, usize)> = Vec::new();
    let mut ascii_start: Option<(usize, usize)> = None;
    let flush_cjk = |run: &mut Vec<(usize, usize, usize)>, out: &mut Vec<Piece>| {
        if run.len() == 1 {
            let (pos, b, e) = run[0];
            out.push(Piece {
                text: norm[b..e].to_owned(),
                position: pos,
                from: from(b),
                to: from(e),
            });
        }
        for w in run.windows(2) {
            let ((pos, b, _), (_, _, e)) = (w[0], w[1]);
            out.push(Piece {
                text: norm[b..e].to_owned(),
                position: pos,
                from: from(b),
                to: from(e),
            });
        }
        run.clear();
    };
    for (chars, (b, c)) in norm.char_indices().enumerate() {
        let e = b + c.len_utf8();
        if c.is_ascii_alphanumeric() {
            flush_cjk(&mut run, &mut out);
            ascii_start.get_or_insert((chars, b));
        } else {
            if let Some((pos, start)) = ascii_start.take() {
                out.push(Piece {
                    text: norm[start..b].to_owned(),
                    position: pos,
                    from: from(start),
                    to: from(b),
                });
            }
            if c.is_alphanumeric() {
                run.push((chars, b, e));
            } else {
                flush_cjk(&mut run, &mut out);
            }
        }
    }
    if let Some((pos, start)) = ascii_start {
        out.push(Piece {
            text: norm[start..].to_owned(),
            position: pos,
            from: from(start),
            to: text.len(),
        });
    }
    flush_cjk(&mut run, &mut out);
    out
}

/// The words of a text in jieba's default (non-overlapping) cut, normalised, without
/// punctuation (no HMM, as in [`analyze`]). A user's query is a list of such words.
#[must_use]
pub fn words(text: &str) -> Vec<String> {
    let (norm, _) = normalize(text);
    ANALYZER
        .jieba
        .cut(&norm, false)
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|w| is_wordlike(w))
        .map(str::to_owned)
        .collect()
}

/// How `word` is cut (dictionary words and single characters), with the character offset of
/// each part: the parts a phrase query for it is made of.
#[must_use]
pub fn parts(word: &str) -> Vec<(usize, String)> {
    ANALYZER
        .jieba
        .cut(word, false)
        .into_iter()
        .filter(|t| is_wordlike(t.word))
        .map(|t| (t.start, t.word.to_owned()))
        .collect()
}

/// Whether a query should ignore this word.
#[must_use]
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Whether the word is a single CJK character: too ambiguous to search on by itself when a
/// query has other words.
#[must_use]
pub fn is_single_cjk(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_ascii())
}

/// The `top_k` keywords of a text by TF-IDF (jieba's IDF table of general Chinese), with their
/// weights, normalised and without stop words.
#[must_use]
pub fn keywords(text: &str, top_k: usize) -> Vec<(String, f64)> {
    let (norm, _) = normalize(text);
    ANALYZER
        .tfidf
        .extract_keywords(&ANALYZER.jieba, &norm, top_k, Vec::new())
        .into_iter()
        .filter(|k| !is_stop_word(&k.keyword) && is_wordlike(&k.keyword))
        .map(|k| (k.keyword, k.weight))
        .collect()
}

/// The words of a user's query worth searching (both engines read a query through this): stop words and lone CJK characters are
/// dropped when something else is left (a query of only `的` still searches `的`).
#[must_use]
pub fn query_words(q: &str) -> Vec<String> {
    // Characters jieba leaves single are rejoined when they stand together: `云控` is a word
    // the dictionary lacks, not the two topics `云` and `控` (its character pair finds it).
    let mut all: Vec<String> = Vec::new();
    let mut run = String::new();
    for w in words(q) {
        if is_single_cjk(&w) && !is_stop_word(&w) {
            run.push_str(&w);
            continue;
        }
        if !run.is_empty() {
            all.push(std::mem::take(&mut run));
        }
        all.push(w);
    }
    if !run.is_empty() {
        all.push(run);
    }
    let mut seen = std::collections::HashSet::new();
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !is_stop_word(w) && !is_single_cjk(w))
        .filter(|w| seen.insert((*w).clone()))
        .cloned()
        .collect();
    if kept.is_empty() { all } else { kept }
}

/// A tantivy tokenizer made of one of this module's analyses ([`analyze`], [`bigrams`]).
#[derive(Clone)]
pub struct PieceTokenizer(fn(&str) -> Vec<Piece>);

/// The word tokenizer: jieba's search mode.
#[must_use]
pub fn word_tokenizer() -> PieceTokenizer {
    PieceTokenizer(analyze)
}

/// The character-pair tokenizer.
#[must_use]
pub fn bigram_tokenizer() -> PieceTokenizer {
    PieceTokenizer(bigrams)
}

/// The tokens of one text, computed up front (jieba needs the whole text anyway).
pub struct PieceTokenStream {
    tokens: std::vec::IntoIter<tantivy::tokenizer::Token>,
    current: tantivy::tokenizer::Token,
}

impl tantivy::tokenizer::Tokenizer for PieceTokenizer {
    type TokenStream<'a> = PieceTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PieceTokenStream {
        let tokens: Vec<_> = (self.0)(text)
            .into_iter()
            .map(|p| tantivy::tokenizer::Token {
                offset_from: p.from,
                offset_to: p.to,
                position: p.position,
                text: p.text,
                position_length: 1,
            })
            .collect();
        PieceTokenStream {
            tokens: tokens.into_iter(),
            current: tantivy::tokenizer::Token::default(),
        }
    }
}

impl tantivy::tokenizer::TokenStream for PieceTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        analyze(s).into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn keeps_ascii_whole_and_lowercases() {
        let t = texts("ＭＥＳ系统和RS485网关");
        assert!(t.contains(&"mes".to_owned()), "{t:?}");
        assert!(t.contains(&"rs485".to_owned()), "{t:?}");
    }

    #[test]
    fn search_mode_gives_parts_of_long_words() {
        let t = texts("制造执行系统");
        assert!(t.contains(&"制造执行系统".to_owned()), "{t:?}");
        assert!(t.contains(&"制造".to_owned()), "{t:?}");
        assert!(t.contains(&"执行".to_owned()), "{t:?}");
    }

    #[test]
    fn trade_words_stay_whole() {
        assert!(words("工人扫码报工").contains(&"扫码报工".to_owned()));
        assert!(texts("工人扫码报工").contains(&"报工".to_owned()));
    }

    #[test]
    fn positions_never_go_back_and_offsets_point_into_the_original() {
        let s = "ＡＯＩ自动光学检测，设备联网";
        let p = analyze(s);
        assert!(p.windows(2).all(|w| w[0].position <= w[1].position));
        for x in &p {
            assert!(
                s.is_char_boundary(x.from) && s.is_char_boundary(x.to),
                "{x:?}"
            );
        }
    }

    #[test]
    fn bigrams_pair_cjk_and_keep_ascii_words() {
        let b: Vec<String> = bigrams("扫码报工, MES系统。码")
            .into_iter()
            .map(|p| p.text)
            .collect();
        assert_eq!(b, ["扫码", "码报", "报工", "mes", "系统", "码"]);
    }

    #[test]
    fn keywords_skip_stop_words() {
        let k = keywords("我们想要一个扫码报工的系统，报工数据实时汇总", 5);
        assert!(k.iter().any(|(w, _)| w == "报工"), "{k:?}");
        assert!(k.iter().all(|(w, _)| w != "我们"), "{k:?}");
    }
}
