//! Both engines against the one contract: Chinese text, synonyms, typos, every filter and
//! sort, pages, facets, writes, a reopened index and candidates. One body per behaviour, run
//! on each engine (see [`on_both_engines`]).

use super::testing::{EmbeddedIndex, MeiliIndex, TestIndex, doc};
use crate::engine::{CandidateQuery, Filter, ProductDocument, SearchEngine, WeightedTerm};
use crate::{ProductQuery, ProductSort};
use domain::services::PageRequest;
use domain::values::{Delivery, Industry, Stage};

/// A small catalogue where each product differs from the others in one respect.
fn catalogue() -> Vec<ProductDocument> {
    let mut mes = doc(
        "p1",
        "家电总装MES",
        "总装线工位扫码报工，条码追溯和线体看板",
    );
    mes.industries = vec![Industry::SmartAppliances];
    mes.delivery = Delivery::OnPremise;
    mes.pilot_price_fen = 30_000_000;
    mes.deploy_days = 90;
    mes.created_at = 1_700_000_100;
    mes.tags = vec!["MES".into(), "报工".into()];

    let mut gerber = doc("p2", "PCB在线计价", "客户上传Gerber文件自动计价下单");
    gerber.industries = vec![Industry::Pcb];
    gerber.stages = vec![Stage::Sales];
    gerber.pilot_price_fen = 3_000_000;
    gerber.deploy_days = 20;
    gerber.created_at = 1_700_000_300;
    gerber.supplier_id = "s2".into();

    let mut aoi = doc("p3", "AOI缺陷复判", "自动光学检测的假点复判，深度学习识别");
    aoi.industries = vec![Industry::Pcb];
    aoi.ai_powered = true;
    aoi.delivery = Delivery::Hardware;
    aoi.pilot_price_fen = 8_000_000;
    aoi.deploy_days = 30;
    aoi.created_at = 1_700_000_200;
    aoi.supplier_id = "s2".into();

    let mut wms = doc("p4", "轻仓储", "仓储管理与扫码出入库，库存实时可查");
    wms.stages = vec![Stage::Supply, Stage::Manufacturing];
    wms.pilot_price_fen = 500_000;
    wms.deploy_days = 5;
    wms.created_at = 1_700_000_400;

    let mut energy = doc("p5", "能源管理云", "分项计量电表接入，能耗报表与峰谷分析");
    energy.industries = vec![Industry::SmartGrid, Industry::SmartAppliances];
    energy.stages = vec![Stage::Management];
    energy.pilot_price_fen = 500_000;
    energy.deploy_days = 15;
    energy.created_at = 1_700_000_050;
    vec![mes, gerber, aoi, wms, energy]
}

/// An engine on the test's index, holding the catalogue.
async fn engine(index: &dyn TestIndex) -> Box<dyn SearchEngine> {
    let e = index.open().await;
    e.upsert(catalogue()).await.expect("upsert");
    e
}

fn query(q: Option<&str>) -> ProductQuery {
    ProductQuery {
        q: q.map(str::to_owned),
        ..ProductQuery::default()
    }
}

async fn ids(e: &dyn SearchEngine, q: &ProductQuery) -> Vec<String> {
    e.search(q)
        .await
        .expect("search")
        .page
        .items
        .into_iter()
        .map(|h| h.id)
        .collect()
}

async fn chinese_words_are_found_inside_longer_text(index: &dyn TestIndex) {
    let e = engine(index).await;
    // `报工` is inside `扫码报工`; `出入库` inside `扫码出入库`.
    assert_eq!(ids(&*e, &query(Some("报工"))).await, ["p1"]);
    assert_eq!(ids(&*e, &query(Some("出入库"))).await, ["p4"]);
    // Every word must match: the WMS has `扫码` but not `报工`.
    assert_eq!(ids(&*e, &query(Some("扫码报工"))).await, ["p1"]);
    // Stop words and punctuation do not narrow the result.
    assert_eq!(ids(&*e, &query(Some("我们的库存！"))).await, ["p4"]);
    // A word the dictionary lacks (`线体`, cut into single characters) is still found, as
    // its characters in a row, and only in a row.
    assert_eq!(ids(&*e, &query(Some("线体"))).await, ["p1"]);
    assert!(ids(&*e, &query(Some("体线"))).await.is_empty());
    // Nothing but punctuation is no text at all: everything, newest first.
    assert_eq!(ids(&*e, &query(Some("，。"))).await.len(), 5);
}

async fn synonyms_find_the_other_spelling(index: &dyn TestIndex) {
    let e = engine(index).await;
    assert_eq!(ids(&*e, &query(Some("制造执行系统"))).await, ["p1"]);
    // The AOI product says `自动光学检测`, and `aoi` (any case) means the same.
    assert_eq!(ids(&*e, &query(Some("aoi"))).await, ["p3"]);
    assert_eq!(ids(&*e, &query(Some("能耗"))).await, ["p5"]);
    assert_eq!(ids(&*e, &query(Some("仓储管理"))).await, ["p4"]);
}

async fn an_ascii_typo_is_forgiven_but_not_in_short_acronyms(index: &dyn TestIndex) {
    let e = engine(index).await;
    assert_eq!(ids(&*e, &query(Some("Gerbr"))).await, ["p2"]);
    assert_eq!(ids(&*e, &query(Some("gerber"))).await, ["p2"]);
    // One edit away from `MES`, but three letters are an acronym, not a typo.
    assert!(ids(&*e, &query(Some("MEX"))).await.is_empty());
}

async fn every_filter_holds(index: &dyn TestIndex) {
    let e = engine(index).await;
    let with = |f: &dyn Fn(&mut ProductQuery)| {
        let mut q = query(None);
        q.sort = ProductSort::PriceAsc;
        f(&mut q);
        q
    };
    let mut cases: Vec<(ProductQuery, Vec<&str>)> = vec![
        // A product's industries contain the one asked for (general ones do not count).
        (
            with(&|q| q.industry = Some(Industry::SmartAppliances)),
            vec!["p5", "p1"],
        ),
        (with(&|q| q.industry = Some(Industry::General)), vec!["p4"]),
        (with(&|q| q.stage = Some(Stage::Supply)), vec!["p4"]),
        (with(&|q| q.delivery = Some(Delivery::Hardware)), vec!["p3"]),
        // On the pilot price, bound included.
        (
            with(&|q| q.max_price_fen = Some(3_000_000)),
            vec!["p4", "p5", "p2"],
        ),
        (with(&|q| q.max_deploy_days = Some(15)), vec!["p4", "p5"]),
        (with(&|q| q.ai_powered = Some(true)), vec!["p3"]),
        (
            with(&|q| q.ai_powered = Some(false)),
            vec!["p4", "p5", "p2", "p1"],
        ),
        (
            with(&|q| q.supplier_id = Some("s2".into())),
            vec!["p2", "p3"],
        ),
    ];
    // Conditions combine, with text too.
    cases.push((
        with(&|q| {
            q.industry = Some(Industry::Pcb);
            q.max_deploy_days = Some(25);
        }),
        vec!["p2"],
    ));
    cases.push((
        with(&|q| {
            q.q = Some("扫码".into());
            q.stage = Some(Stage::Manufacturing);
            q.max_price_fen = Some(1_000_000);
        }),
        vec!["p4"],
    ));
    for (q, expected) in cases {
        assert_eq!(ids(&*e, &q).await, expected, "{q:?}");
    }
}

async fn every_sort_orders_and_ties_go_by_id(index: &dyn TestIndex) {
    let e = engine(index).await;
    let sorted = |sort| ProductQuery {
        sort,
        ..ProductQuery::default()
    };
    // p4 and p5 cost the same: by id.
    assert_eq!(
        ids(&*e, &sorted(ProductSort::PriceAsc)).await,
        ["p4", "p5", "p2", "p3", "p1"]
    );
    assert_eq!(
        ids(&*e, &sorted(ProductSort::PriceDesc)).await,
        ["p1", "p3", "p2", "p4", "p5"]
    );
    assert_eq!(
        ids(&*e, &sorted(ProductSort::Newest)).await,
        ["p4", "p2", "p3", "p1", "p5"]
    );
    assert_eq!(
        ids(&*e, &sorted(ProductSort::DeployDays)).await,
        ["p4", "p5", "p2", "p3", "p1"]
    );
    // Relevance without text: the newest first, as in the database listing.
    assert_eq!(
        ids(&*e, &sorted(ProductSort::Relevance)).await,
        ["p4", "p2", "p3", "p1", "p5"]
    );
    // Relevance with text: the name outweighs the summary.
    let mut q = query(Some("扫码"));
    let mut named = doc("p6", "扫码枪", "条码采集");
    named.created_at = 1;
    e.upsert(vec![named]).await.expect("upsert");
    let hits = e.search(&q).await.expect("search").page.items;
    assert_eq!(hits.first().map(|h| h.id.as_str()), Some("p6"));
    assert!(hits.iter().all(|h| h.score.is_some()));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    // Text with another sort: only the matches, in that order, without scores.
    q.sort = ProductSort::PriceDesc;
    let r = e.search(&q).await.expect("search");
    let got: Vec<&str> = r.page.items.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(got, ["p1", "p6", "p4"]);
    assert!(r.page.items.iter().all(|h| h.score.is_none()));
}

async fn pages_slice_the_result_and_keep_the_total(index: &dyn TestIndex) {
    let e = engine(index).await;
    let page = |page, per_page| ProductQuery {
        sort: ProductSort::PriceAsc,
        page: PageRequest { page, per_page },
        ..ProductQuery::default()
    };
    let r = e.search(&page(2, 2)).await.expect("search");
    assert_eq!(r.page.total, 5);
    assert_eq!((r.page.page, r.page.per_page), (2, 2));
    let got: Vec<&str> = r.page.items.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(got, ["p2", "p3"]);
    assert_eq!(ids(&*e, &page(3, 2)).await, ["p1"]);
    let beyond = e.search(&page(9, 2)).await.expect("search");
    assert!(beyond.page.items.is_empty());
    assert_eq!(beyond.page.total, 5);
    // The farthest page a request may ask for costs nothing (no room reserved for it).
    let farthest = e.search(&page(1_000_000, 100)).await.expect("search");
    assert!(farthest.page.items.is_empty());
    assert_eq!(farthest.page.total, 5);
    // The hit carries the document as indexed.
    let first = e.search(&page(1, 1)).await.expect("search");
    assert_eq!(
        first.page.items.first().map(|h| &*h.document),
        catalogue().get(3)
    );
}

async fn facets_count_the_whole_result(index: &dyn TestIndex) {
    let e = engine(index).await;
    let all = e.search(&query(None)).await.expect("search").facets;
    assert_eq!(all.industry.get(&Industry::Pcb), Some(&2));
    assert_eq!(all.industry.get(&Industry::SmartAppliances), Some(&2));
    assert_eq!(all.industry.get(&Industry::General), Some(&1));
    assert_eq!(all.industry.get(&Industry::Biomedicine), None);
    assert_eq!(all.stage.get(&Stage::Manufacturing), Some(&3));
    assert_eq!(all.stage.get(&Stage::Supply), Some(&1));
    assert_eq!(all.delivery.get(&Delivery::Saas), Some(&3));
    // Of the filtered result, all pages included.
    let mut q = query(None);
    q.industry = Some(Industry::Pcb);
    q.page = PageRequest {
        page: 1,
        per_page: 1,
    };
    let r = e.search(&q).await.expect("search");
    assert_eq!(r.page.items.len(), 1);
    assert_eq!(r.facets.industry.get(&Industry::Pcb), Some(&2));
    assert_eq!(r.facets.stage.get(&Stage::Sales), Some(&1));
    assert_eq!(r.facets.delivery.get(&Delivery::Hardware), Some(&1));
    assert_eq!(r.facets.delivery.get(&Delivery::OnPremise), None);
}

async fn writes_replace_delete_and_clear(index: &dyn TestIndex) {
    let e = engine(index).await;
    assert_eq!(e.count().await.expect("count"), 5);
    // Same id: replaced, not duplicated.
    let mut renamed = doc("p4", "云仓", "仓库盘点");
    renamed.created_at = 1_700_000_400;
    e.upsert(vec![renamed]).await.expect("upsert");
    assert_eq!(e.count().await.expect("count"), 5);
    assert!(ids(&*e, &query(Some("出入库"))).await.is_empty());
    assert_eq!(ids(&*e, &query(Some("盘点"))).await, ["p4"]);

    e.delete(vec!["p2".into(), "nope".into()])
        .await
        .expect("delete");
    assert!(ids(&*e, &query(Some("Gerber"))).await.is_empty());
    assert_eq!(e.count().await.expect("count"), 4);

    e.replace_all(catalogue()).await.expect("replace");
    assert_eq!(ids(&*e, &query(Some("Gerber"))).await, ["p2"]);
    assert_eq!(e.count().await.expect("count"), 5);

    e.clear().await.expect("clear");
    assert_eq!(e.count().await.expect("count"), 0);
    assert!(ids(&*e, &query(None)).await.is_empty());
}

async fn a_reopened_index_keeps_its_documents(index: &dyn TestIndex) {
    {
        let e = engine(index).await;
        e.delete(vec!["p5".into()]).await.expect("delete");
    }
    let e = index.open().await;
    assert_eq!(e.count().await.expect("count"), 4);
    // What the engine sets up on open (tokenizers, index settings) is in place again:
    // Chinese and synonyms still work.
    assert_eq!(ids(&*e, &query(Some("制造执行系统"))).await, ["p1"]);
    assert!(ids(&*e, &query(Some("能耗"))).await.is_empty());
    // And it can still be written.
    e.upsert(vec![doc("p7", "设备点检", "点检保养")])
        .await
        .expect("upsert");
    assert_eq!(ids(&*e, &query(Some("保养"))).await, ["p7"]);
}

async fn candidates_meet_the_filter_and_follow_the_weights(index: &dyn TestIndex) {
    let e = engine(index).await;
    let term = |text: &str, weight| WeightedTerm {
        text: text.into(),
        weight,
    };
    let mut q = CandidateQuery {
        terms: vec![term("扫码", 1.0), term("看板", 1.0)],
        texts: Vec::new(),
        filter: Filter::default(),
        limit: 10,
    };
    let got = e.candidates(&q).await.expect("candidates");
    let ids: Vec<&str> = got.iter().map(|c| c.document.id.as_str()).collect();
    assert_eq!(ids, ["p1", "p4"]);
    assert!(got.iter().all(|c| c.score > 0.0));

    // The filter is the need's: industry or general, budget, days, stages.
    q.filter = Filter {
        industries_any: vec![Industry::Pcb, Industry::General],
        max_pilot_price_fen: Some(1_000_000),
        max_deploy_days: Some(10),
        stages_any: vec![Stage::Supply],
        ..Filter::default()
    };
    let got = e.candidates(&q).await.expect("candidates");
    assert_eq!(got.len(), 1);
    assert!(got.iter().all(|c| q.filter.accepts(&c.document)));

    // Character pairs match what words miss: `出入` is no word, but a pair of `出入库`.
    let loose = CandidateQuery {
        terms: Vec::new(),
        texts: vec![term("出入", 1.0)],
        filter: Filter::default(),
        limit: 10,
    };
    let got = e.candidates(&loose).await.expect("candidates");
    assert_eq!(got.first().map(|c| c.document.id.as_str()), Some("p4"));

    // Nothing to look for: nothing found.
    let empty = CandidateQuery {
        terms: vec![term("，", 1.0)],
        texts: vec![term("。", 1.0)],
        ..loose
    };
    assert!(e.candidates(&empty).await.expect("candidates").is_empty());
}

/// Runs each behaviour on the embedded engine (`embedded::NAME`) and on Meilisearch
/// (`meilisearch::NAME`, when `MEILI_URL` is set), each on a scratch index of its own.
macro_rules! on_both_engines {
    ($($test:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(&super::EmbeddedIndex::new()).await;
                }
            )*
        }
        mod meilisearch {
            $(
                #[tokio::test]
                async fn $test() {
                    if let Some(index) = super::MeiliIndex::from_env(stringify!($test)) {
                        super::$test(&index).await;
                    }
                }
            )*
        }
    };
}

on_both_engines!(
    chinese_words_are_found_inside_longer_text,
    synonyms_find_the_other_spelling,
    an_ascii_typo_is_forgiven_but_not_in_short_acronyms,
    every_filter_holds,
    every_sort_orders_and_ties_go_by_id,
    pages_slice_the_result_and_keep_the_total,
    facets_count_the_whole_result,
    writes_replace_delete_and_clear,
    a_reopened_index_keeps_its_documents,
    candidates_meet_the_filter_and_follow_the_weights,
);

/// Meilisearch failures name the server and what to check, without a server too.
#[tokio::test]
async fn meilisearch_errors_say_what_failed() {
    use super::MeiliEngine;
    // Port 1 of the loopback: nothing listens there.
    let e = MeiliEngine::connect("http://127.0.0.1:1", None, "products")
        .await
        .expect_err("no server");
    assert!(
        e.to_string()
            .contains("Meilisearch at http://127.0.0.1:1 cannot be reached"),
        "{e}"
    );
    let e = MeiliEngine::connect("http://127.0.0.1:1", None, "no spaces")
        .await
        .expect_err("bad uid");
    assert!(e.to_string().contains("index uid"), "{e}");
    let Some(index) = MeiliIndex::from_env("meilisearch_errors_say_what_failed") else {
        return;
    };
    let url = std::env::var(super::testing::MEILI_URL).expect("MEILI_URL");
    if std::env::var(super::testing::MEILI_MASTER_KEY).is_ok() {
        let e = MeiliEngine::connect(&url, Some("not-the-key"), "products")
            .await
            .expect_err("wrong key");
        assert!(e.to_string().contains("refused the API key"), "{e}");
    }
    drop(index);
}
