//! Runs `check` on files given as `producer=FILE consumer=FILE topic=FILE [rate=N]` and prints
//! each drill's figures with its wall time (a development aid; `mailroom check` is the tool).
fn main() {
    let mut files: [Option<String>; 3] = [None, None, None];
    let mut rate = None;
    for a in std::env::args().skip(1) {
        let (k, v) = a.split_once('=').expect("key=value");
        match k {
            "producer" => files[0] = Some(std::fs::read_to_string(v).unwrap()),
            "consumer" => files[1] = Some(std::fs::read_to_string(v).unwrap()),
            "topic" => files[2] = Some(std::fs::read_to_string(v).unwrap()),
            "rate" => rate = Some(v.parse().unwrap()),
            _ => panic!("unknown {k}"),
        }
    }
    let read = mailroom_check::config::read(
        files[0].as_deref(),
        files[1].as_deref(),
        files[2].as_deref(),
        rate,
    );
    if !read.errors.is_empty() {
        for e in read.errors {
            eprintln!("{e}");
        }
        std::process::exit(2);
    }
    if std::env::var("REPORT").is_ok() {
        report(&mailroom_check::CheckInput {
            producer: files[0].as_deref(),
            consumer: files[1].as_deref(),
            topic: files[2].as_deref(),
            rate,
        });
        return;
    }
    if let Ok(id) = std::env::var("DEBUG2") {
        debug2(&read.resolved, &id);
        return;
    }
    if let Ok(id) = std::env::var("DEBUG") {
        debug(&read.resolved, &id);
        return;
    }
    for id in mailroom_check::drills::IDS {
        let t = std::time::Instant::now();
        let (p, f) = mailroom_check::drills::figures(&read.resolved, id).unwrap();
        println!(
            "{id:32} {:?} at {} end {} wall {} ms",
            f,
            p.at_ms,
            p.end_ms,
            t.elapsed().as_millis()
        );
    }
}
#[allow(dead_code)]
fn debug(r: &mailroom_check::config::Resolved, id: &str) {
    let p = mailroom_check::drills::plan(r, id).unwrap();
    let mut sim = mailroom_core::Sim::from_json(&p.scenario.to_string()).unwrap();
    let mut t = 0;
    while t < p.end_ms {
        t += 1000;
        sim.advance(t);
        println!(
            "{t} leader {:?} isr {:?} states {:?} steps {}",
            sim.partition_leader((0, 0)),
            sim.isr((0, 0)),
            (0..r.brokers)
                .map(|b| sim.broker_state(b))
                .collect::<Vec<_>>(),
            sim.steps()
        );
    }
}
#[allow(dead_code)]
fn debug2(r: &mailroom_check::config::Resolved, id: &str) {
    let p = mailroom_check::drills::plan(r, id).unwrap();
    let mut sim = mailroom_core::Sim::from_json(&p.scenario.to_string()).unwrap();
    sim.set_event_level(mailroom_core::EventLevel::Off);
    let mut t = 0;
    while t < p.end_ms {
        t += 100;
        sim.advance(t);
        if t % 1000 == 0 {
            println!(
                "{t} leader {:?} isr {:?} states {:?} steps {}",
                sim.partition_leader((0, 0)),
                sim.isr((0, 0)),
                (0..r.brokers)
                    .map(|b| sim.broker_state(b))
                    .collect::<Vec<_>>(),
                sim.steps()
            );
        }
    }
}
#[allow(dead_code)]
fn report(input: &mailroom_check::CheckInput) {
    match mailroom_check::check(input) {
        Ok(rep) => {
            for d in rep.drills {
                println!("{:32} warn={} {}", d.id, d.warn, d.advice);
            }
        }
        Err(e) => {
            for e in e {
                println!("{e}");
            }
        }
    }
}
