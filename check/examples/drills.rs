//! Runs every drill on files given as `producer=FILE consumer=FILE topic=FILE [rate=N]` and
//! prints each drill's figures with its wall time (a development aid for timing the drills;
//! `mailroom check` is the tool). `REPORT=1` prints the advice lines instead.
//!
//! `cargo run --release -p mailroom-check --example drills -- producer=p.properties`

fn main() {
    let mut files: [Option<String>; 3] = [None, None, None];
    let mut rate = None;
    for a in std::env::args().skip(1) {
        let Some((k, v)) = a.split_once('=') else {
            eprintln!("expected producer=FILE, consumer=FILE, topic=FILE or rate=N, got {a}");
            std::process::exit(2);
        };
        let text = || std::fs::read_to_string(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        match k {
            "producer" => files[0] = Some(text()),
            "consumer" => files[1] = Some(text()),
            "topic" => files[2] = Some(text()),
            "rate" => rate = Some(v.parse().expect("rate=N")),
            _ => panic!("unknown {k}"),
        }
    }
    let (p, c, t) = (
        files[0].as_deref(),
        files[1].as_deref(),
        files[2].as_deref(),
    );
    if std::env::var("REPORT").is_ok() {
        let input = mailroom_check::CheckInput {
            producer: p,
            consumer: c,
            topic: t,
            rate,
        };
        match mailroom_check::check(&input) {
            Ok(rep) => rep
                .drills
                .iter()
                .for_each(|d| println!("{:32} warn={} {}", d.id, d.warn, d.advice)),
            Err(errors) => errors.iter().for_each(|e| eprintln!("{e}")),
        }
        return;
    }
    let read = mailroom_check::config::read(p, c, t, rate);
    if !read.errors.is_empty() {
        read.errors.iter().for_each(|e| eprintln!("{e}"));
        std::process::exit(2);
    }
    for id in mailroom_check::drills::IDS {
        let started = std::time::Instant::now();
        let (plan, f) = mailroom_check::drills::figures(&read.resolved, id).expect("drill runs");
        println!(
            "{id:32} {f:?} at {} end {} wall {} ms",
            plan.at_ms,
            plan.end_ms,
            started.elapsed().as_millis()
        );
    }
}
