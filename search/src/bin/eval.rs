//! Matching quality on the labelled needs:
//!
//! ```text
//! cargo run -p search --release --bin eval -- [--engine embedded|meilisearch]
//!     [--data search/fixtures] [--index-dir DIR] [--index-uid UID] [--verbose] [--ranks]
//!     [--explain NEED_KEY]
//! ```
//!
//! `--engine meilisearch` uses the server at `MEILI_URL` (key in `MEILI_MASTER_KEY`) and
//! replaces the content of the index `--index-uid` (default `eval_products`), never the
//! application's. `--index-dir` is the embedded engine's directory (default: in memory).
//!
//! Prints nDCG@10 and recall@10 (as the data README defines them), the time to index the
//! catalogue and the mean and p99 time of one match. `--verbose` adds one line per need;
//! `--ranks` the rank (of 60) of every labelled product; `--explain` one need's matches with
//! their labels and reasons. These are for understanding failures of the method: a change
//! is worth keeping when it helps needs in general, not one need.

use search::eval::{self, BASELINE_NDCG, BASELINE_RECALL, Fixtures, K};
use search::{EmbeddedEngine, MeiliEngine, SearchEngine, match_need};
use std::path::PathBuf;
use std::process::ExitCode;

struct Args {
    engine: String,
    data: PathBuf,
    index_dir: Option<PathBuf>,
    index_uid: String,
    verbose: bool,
    ranks: bool,
    explain: Option<String>,
}

const USAGE: &str = "usage: eval [--engine embedded|meilisearch] [--data DIR] [--index-dir DIR] \
                     [--index-uid UID] [--verbose] [--ranks] [--explain NEED_KEY]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        engine: "embedded".to_owned(),
        // The crate's own copy, wherever the command is run from.
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        index_dir: None,
        index_uid: "eval_products".to_owned(),
        verbose: false,
        ranks: false,
        explain: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--engine" => args.engine = value("--engine")?,
            "--data" => args.data = PathBuf::from(value("--data")?),
            "--index-dir" => args.index_dir = Some(PathBuf::from(value("--index-dir")?)),
            "--index-uid" => args.index_uid = value("--index-uid")?,
            "--explain" => args.explain = Some(value("--explain")?),
            "--verbose" | "-v" => args.verbose = true,
            "--ranks" => args.ranks = true,
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // With I/O and timers: the Meilisearch client needs them.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eval failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    // A relative --data is taken from where the command runs; `search/fixtures` from the
    // workspace root is the crate's copy.
    let fixtures = Fixtures::load(&args.data)?;
    let engine: Box<dyn SearchEngine> = match args.engine.as_str() {
        "embedded" => match &args.index_dir {
            Some(dir) => Box::new(EmbeddedEngine::open(dir)?),
            None => Box::new(EmbeddedEngine::in_memory()?),
        },
        "meilisearch" => {
            let url = std::env::var("MEILI_URL")
                .map_err(|_| "--engine meilisearch needs MEILI_URL (and MEILI_MASTER_KEY)")?;
            let key = std::env::var("MEILI_MASTER_KEY").ok();
            Box::new(MeiliEngine::connect(&url, key.as_deref(), &args.index_uid).await?)
        }
        other => {
            return Err(format!("unknown engine {other} (known: embedded, meilisearch)").into());
        }
    };
    let report = eval::run(engine.as_ref(), &fixtures).await?;

    if args.verbose {
        for n in &report.needs {
            println!(
                "{}  nDCG@{K} {:.3}  recall@{K} {:.3}  {:>7.2} ms",
                n.key,
                n.ndcg,
                n.recall,
                n.latency.as_secs_f64() * 1e3
            );
        }
    }
    if args.ranks {
        ranks(engine.as_ref(), &fixtures).await?;
    }
    if let Some(key) = &args.explain {
        explain(engine.as_ref(), &fixtures, key).await?;
    }

    println!("engine            {}", report.engine);
    println!(
        "data              {} ({} products, {} needs)",
        args.data.display(),
        report.products,
        report.needs.len()
    );
    println!(
        "nDCG@{K}           {:.4}   (baseline {BASELINE_NDCG})",
        report.ndcg()
    );
    println!(
        "recall@{K}         {:.4}   (baseline {BASELINE_RECALL})",
        report.recall()
    );
    println!(
        "indexing          {:.1} ms for {} products",
        report.index_time.as_secs_f64() * 1e3,
        report.products
    );
    println!(
        "match latency     mean {:.2} ms, p99 {:.2} ms",
        report.mean_latency().as_secs_f64() * 1e3,
        report.p99_latency().as_secs_f64() * 1e3
    );
    Ok(())
}

/// Where each labelled product lands among a need's first 60 matches (`-`: not among them,
/// usually because a hard condition excludes it).
async fn ranks(
    engine: &dyn SearchEngine,
    fixtures: &Fixtures,
) -> Result<(), Box<dyn std::error::Error>> {
    for need in &fixtures.needs {
        let matches = match_need(engine, &fixtures.need_query(need, 60)).await?;
        let mut labelled: Vec<(&String, &u8)> = need.relevant.iter().collect();
        labelled.sort();
        let mut line = need.key.clone();
        for (p, g) in labelled {
            let at = matches
                .iter()
                .position(|m| &m.product_id == p)
                .map_or_else(|| "-".to_owned(), |r| (r + 1).to_string());
            line.push_str(&format!("  {p}:{g}@{at}"));
        }
        println!("{line}");
    }
    Ok(())
}

/// One need's matches against its labels, for understanding a failure of the method.
async fn explain(
    engine: &dyn SearchEngine,
    fixtures: &Fixtures,
    key: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let need = fixtures
        .needs
        .iter()
        .find(|n| n.key == key)
        .ok_or_else(|| format!("no need {key}"))?;
    let query = fixtures.need_query(need, 60);
    println!("== {} {}", need.key, need.title);
    println!("   {}", need.description);
    println!(
        "   industry {:?}, stages {:?}, budget {}, max days {:?}",
        query.industry, query.stages, query.budget_fen, query.max_deploy_days
    );
    let names: std::collections::HashMap<&str, &str> = fixtures
        .catalogue
        .products
        .iter()
        .map(|p| (p.key.as_str(), p.name.as_str()))
        .collect();
    let matches = match_need(engine, &query).await?;
    for (i, m) in matches.iter().enumerate() {
        if i >= K && !need.relevant.contains_key(&m.product_id) {
            continue;
        }
        let grade = need.relevant.get(&m.product_id).copied().unwrap_or(0);
        println!(
            "{:>2}. [{grade}] {} {:.3} {}  | {}",
            i + 1,
            m.product_id,
            m.score,
            names.get(m.product_id.as_str()).unwrap_or(&"?"),
            m.reasons.join("；")
        );
    }
    for (p, g) in &need.relevant {
        if !matches.iter().any(|m| &m.product_id == p) {
            println!(
                "   missed [{g}] {p} {}",
                names.get(p.as_str()).unwrap_or(&"?")
            );
        }
    }
    Ok(())
}
