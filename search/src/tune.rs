//! TEMPORARY tuning knobs (removed before hand-off).
use std::collections::HashMap;
use std::sync::LazyLock;

static KNOBS: LazyLock<HashMap<String, f32>> = LazyLock::new(|| {
    std::env::var("KNOBS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().parse().ok()?))
        })
        .collect()
});

pub fn knob(name: &str, default: f32) -> f32 {
    KNOBS.get(name).copied().unwrap_or(default)
}
