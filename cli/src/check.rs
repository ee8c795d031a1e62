//! `mailroom check`: fault drills on Kafka `.properties` files (the engine is `mailroom-check`).
//!
//! Exit codes: 0 no drill warns, 1 some drill found loss, duplicates or reordering, 2 bad input
//! (every error printed, one per line, on stderr).

use std::io::Read;
use std::path::PathBuf;

use base64::Engine;
use clap::Args;
use mailroom_check::{check_drills, CheckInput, CheckReport, Drill};

/// `mailroom check` arguments.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The producer's .properties file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub producer: Option<PathBuf>,
    /// The consumer's .properties file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub consumer: Option<PathBuf>,
    /// The topic's .properties file: topic configs, plus num.partitions / replication.factor,
    /// the broker settings the model uses, and `brokers` (default 3) (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub topic: Option<PathBuf>,
    /// Records per simulated second the drills' producer sends (default 1000).
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// One JSON object per drill, one per line, with a `link` to open it on the page.
    #[arg(long)]
    pub json: bool,
    /// Run only this drill (repeatable; default: all of them): leader-crash,
    /// follower-lag-then-leader-crash, broker-isolated, rolling-restart,
    /// consumer-crash-before-commit, consumer-crash-after-commit, consumer-stall,
    /// coordinator-crash.
    #[arg(long = "drill", value_name = "ID")]
    pub drills: Vec<String>,
}

/// The page's share fragment for a drill: `#z=` + base64url (no padding) of the raw-DEFLATE
/// compressed session `{scenario, inputs: [], at_ms}`, exactly as `www/js/share.js` writes it.
pub fn share_fragment(scenario_json: &str, at_ms: u64) -> String {
    let scenario: serde_json::Value =
        serde_json::from_str(scenario_json).unwrap_or(serde_json::Value::Null);
    let session = serde_json::json!({ "scenario": scenario, "inputs": [], "at_ms": at_ms });
    let bytes = miniz_oxide::deflate::compress_to_vec(session.to_string().as_bytes(), 9);
    format!(
        "#z={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn read_file(path: &Option<PathBuf>, stdin_used: &mut bool) -> Result<Option<String>, String> {
    let Some(p) = path else { return Ok(None) };
    if p.as_os_str() == "-" {
        if *stdin_used {
            return Err("only one file can be read from stdin (-)".into());
        }
        *stdin_used = true;
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("-: {e}"))?;
        return Ok(Some(s));
    }
    std::fs::read_to_string(p)
        .map(Some)
        .map_err(|e| format!("{}: {e}", p.display()))
}

/// Runs the check and prints it; returns the exit code.
pub fn run(args: &CheckArgs) -> i32 {
    let mut stdin_used = false;
    let mut texts = Vec::new();
    let mut io_errors = Vec::new();
    for p in [&args.producer, &args.consumer, &args.topic] {
        match read_file(p, &mut stdin_used) {
            Ok(t) => texts.push(t),
            Err(e) => {
                io_errors.push(e);
                texts.push(None);
            }
        }
    }
    if !io_errors.is_empty() {
        io_errors
            .iter()
            .for_each(|e| eprintln!("mailroom check: {e}"));
        return 2;
    }
    let input = CheckInput {
        producer: texts[0].as_deref(),
        consumer: texts[1].as_deref(),
        topic: texts[2].as_deref(),
        rate: args.rate,
    };
    let ids: Vec<&str> = if args.drills.is_empty() {
        mailroom_check::drills::IDS.to_vec()
    } else {
        args.drills.iter().map(String::as_str).collect()
    };
    let report = match check_drills(&input, &ids) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "mailroom check: {} bad value{}; nothing was run",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            return 2;
        }
    };
    if args.json {
        for d in &report.drills {
            println!("{}", drill_json(d));
        }
    } else {
        print!("{}", table(&report));
    }
    if report.warnings > 0 {
        1
    } else {
        0
    }
}

/// One drill as its `--json` line: the engine's fields plus `link`.
pub fn drill_json(d: &Drill) -> serde_json::Value {
    let mut v = serde_json::to_value(d).expect("a drill serializes");
    v["link"] = serde_json::json!(share_fragment(&d.scenario, d.at_ms));
    v
}

/// The report for people: ignored keys, an aligned table, then each drill's advice and link.
pub fn table(r: &CheckReport) -> String {
    let mut out = String::new();
    for i in &r.ignored {
        out.push_str(&format!("ignored  {}: {}: {}\n", i.file, i.key, i.reason));
    }
    if !r.ignored.is_empty() {
        out.push('\n');
    }
    let head = [
        "drill",
        "acked_lost",
        "log_dups",
        "duplicates",
        "lost",
        "reordered",
        "prod_down_s",
        "cons_down_s",
    ];
    let rows: Vec<[String; 8]> = r
        .drills
        .iter()
        .map(|d| {
            [
                format!("{} {}", if d.warn { "!" } else { " " }, d.id),
                d.acked_lost.to_string(),
                d.log_duplicates.to_string(),
                d.duplicates.to_string(),
                d.lost.to_string(),
                d.reordered.to_string(),
                format!("{:.1}", d.producer_unavailable_s),
                format!("{:.1}", d.consumer_unavailable_s),
            ]
        })
        .collect();
    let mut width = head.map(str::len);
    width[0] += 2;
    for row in &rows {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = format!("{:<w$}", cells[0], w = width[0]);
        for (c, w) in cells[1..].iter().zip(&width[1..]) {
            s.push_str(&format!("  {c:>w$}"));
        }
        s.push('\n');
        s
    };
    let mut h = vec![""; 8];
    let first = format!("  {}", head[0]);
    h[0] = &first;
    h[1..].copy_from_slice(&head[1..]);
    out.push_str(&line(h));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out.push('\n');
    for d in &r.drills {
        out.push_str(&format!(
            "{} {}: {}\n  {}\n  open it: {}\n",
            if d.warn { "!" } else { " " },
            d.id,
            d.title,
            d.advice,
            share_fragment(&d.scenario, d.at_ms)
        ));
    }
    out.push_str(&format!(
        "\n{} of {} drills warn\n",
        r.warnings,
        r.drills.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_fragment_is_raw_deflate_base64url_of_the_session_the_page_reads() {
        let scenario = r#"{"seed":1,"topics":[{"name":"t","partitions":1}]}"#;
        let frag = share_fragment(scenario, 1234);
        let b64 = frag.strip_prefix("#z=").expect("a #z= fragment");
        assert!(!b64.contains(['+', '/', '=']), "base64url without padding");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64)
            .unwrap();
        let json = miniz_oxide::inflate::decompress_to_vec(&bytes).expect("raw deflate");
        let session: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(session["at_ms"], 1234);
        assert_eq!(session["inputs"], serde_json::json!([]));
        assert_eq!(session["scenario"]["topics"][0]["name"], "t");
    }
}
