//! Prints how long each stage of a conversion takes (a quick look; benchmarks live in benches/).
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).expect("usage: stage_times TEMPLATE");
    let text = std::fs::read_to_string(&path).unwrap();
    let opts = clowd2helm::mapping::Options::default();
    for _ in 0..3 {
        let t = Instant::now();
        let input = clowd2helm::source::template::parse(&path, &text).unwrap();
        let t1 = t.elapsed();
        let model = clowd2helm::mapping::map(input, &opts).unwrap();
        let t2 = t.elapsed();
        let chart = clowd2helm::chart::build(&model, "0.1.0");
        let t3 = t.elapsed();
        let cats = clowd2helm::report::categories::Categories::builtin();
        let r = clowd2helm::report::Report::build(&model, &cats);
        let md = clowd2helm::report::markdown::render_report(&r, &cats);
        let js = clowd2helm::report::json::render_report(&r);
        let t4 = t.elapsed();
        let bytes: usize = chart.values().map(|s| s.len()).sum::<usize>() + md.len() + js.len();
        println!("parse {:?} map {:?} chart {:?} report {:?} total {:?} ({} bytes)", t1, t2 - t1, t3 - t2, t4 - t3, t4, bytes);
    }
}
