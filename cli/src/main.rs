//! `mailroom`: the command line. One module per subcommand; exit status 0 ok, 1 the run found
//! loss, duplicates or reordering (what `check` warns about), 2 bad input.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod check;
mod common;
mod conformance;
mod explain;
mod keys;
mod run;
mod soak;
mod sweep;

/// Kafka's moving parts, simulated: run scenarios, sweep a setting, check your configs.
#[derive(Parser)]
#[command(
    name = "mailroom",
    version,
    about,
    after_help = "Exit status: 0 ok, 1 the run lost, duplicated or reordered records, 2 bad input.\n\
                  Scenarios are JSON (docs/scenario.md); `-` reads one from stdin.\n\n\
                  Examples:\n  \
                  mailroom simulate scenarios/at-least-once-crash-before-commit.json\n  \
                  mailroom check --producer producer.properties --consumer consumer.properties\n  \
                  mailroom partition --partitions 12 user-42"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario to its end and print its delivery totals.
    #[command(after_help = "Examples:\n  \
        mailroom simulate scenarios/acks-1-leader-crash-loses-acked.json\n  \
        mailroom simulate scenarios/user-activity.json --until 60000 --json\n  \
        mailroom simulate bench/scenarios/p256-50k.json --events off\n\n\
        Exit status 1 when a group lost or duplicated records, or a producer's records were \
        acknowledged and lost, duplicated in the log or reordered.")]
    Simulate(run::SimulateArgs),
    /// Run a scenario many times with one field varied; a table of each value's figures.
    #[command(after_help = "Examples:\n  \
        mailroom sweep scenarios/user-activity.json --vary 'groups[0].consumers=1..8'\n  \
        mailroom sweep scenarios/acks-1-leader-crash-loses-acked.json --vary 'producers[0].acks=0,1,all' --seeds 5\n\n\
        The vary syntax: docs/sweep.md.")]
    Sweep(sweep::SweepArgs),
    /// Why each duplicate, loss, acknowledged loss, log duplicate, redelivery and archived record happened.
    #[command(after_help = "Examples:\n  \
        mailroom explain scenarios/at-least-once-crash-before-commit.json\n  \
        mailroom explain scenarios/acks-1-leader-crash-loses-acked.json --kind acked-lost --first 1\n  \
        mailroom explain scenarios/poison-message-delivery-limit.json --json | jq .steps\n\n\
        Each case is a chain of facts with their simulated times. Per kind, the records of the \
        cases add up to the figures `mailroom simulate` prints. Exit status 1 when there was \
        anything to explain.")]
    Explain(explain::ExplainArgs),
    /// Print a scenario's events as JSON lines.
    #[command(after_help = "Examples:\n  \
        mailroom trace scenarios/static-membership-restart.json | head\n  \
        mailroom trace scenarios/eager-vs-cooperative.json --all --until 5000")]
    Trace(run::TraceArgs),
    /// Run a scenario the way the page's player does (frames, story, checkpoints).
    #[command(after_help = "Example:\n  mailroom play bench/scenarios/p6-hour.json --frame 16")]
    Play(run::PlayArgs),
    /// A group's assignment for a strategy (Kafka's assignors, bit-exact).
    #[command(after_help = "Examples:\n  \
        mailroom assign --strategy range --topic orders=6 --members 4\n  \
        mailroom assign -s cooperative-sticky -t orders=6 --member a --member b --member c \\\n    \
        --owned a=orders-0,orders-1,orders-2 --owned b=orders-3,orders-4,orders-5\n  \
        mailroom assign -s uniform -t orders=6 -t audit=2 --member a:orders --member b:orders,audit")]
    Assign(keys::AssignArgs),
    /// Which partition each key goes to (Kafka's murmur2 partitioner, bit-exact).
    #[command(after_help = "Examples:\n  \
        mailroom partition --partitions 12 user-42\n  \
        mailroom partition -p 12 user-1 user-2 user-3\n  \
        cut -d, -f1 orders.csv | mailroom partition -p 6 --json")]
    Partition(keys::PartitionArgs),
    /// Replay Kafka's own answers (made by Kafka's Java) against Mailroom's partitioner and assignors.
    #[command(
        after_help = "Examples:\n  mailroom conformance\n  mailroom conformance my-vectors/assign-range.json --verbose"
    )]
    Conformance(conformance::ConformanceArgs),
    /// Run fault drills on Kafka producer, consumer and topic .properties files.
    #[command(after_help = "Examples:\n  \
        mailroom check --producer producer.properties --consumer consumer.properties --topic topic.properties\n  \
        mailroom check --producer - --json < producer.properties\n  \
        mailroom check --producer p.properties --drill leader-crash --drill rolling-restart\n\n\
        Exit status: 0 no drill warns, 1 some drill found loss, duplicates or reordering, 2 bad input.")]
    Check(check::CheckArgs),
    /// Soak the whole model: seeded random scenarios and faults, Kafka's guarantees checked.
    #[command(after_help = "Examples:\n  \
        mailroom soak --seeds 1000\n  \
        mailroom soak --seeds 100000 --from 1 --jobs 8 --json\n  \
        mailroom soak --replay soak-failure-807.json\n\n\
        Exit status: 0 no violation, 1 a violation (its shrunk scenario is written), 2 bad arguments.")]
    Soak(soak::SoakArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Example:\n  mailroom completions bash > ~/.local/share/bash-completion/completions/mailroom"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write man pages (mailroom.1 and one per subcommand) into a directory.
    #[command(
        after_help = "Example:\n  mailroom man --out target/man && man target/man/mailroom.1"
    )]
    Man {
        /// Where to write the pages (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Writes `mailroom.1` and `mailroom-SUB.1` for every subcommand (clap_mangen: generated from
/// the same definitions as `--help`, so they never disagree).
fn write_man(dir: &std::path::Path) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let cmd = Cli::command();
    let mut pages = vec![("mailroom".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("mailroom-{}", sub.get_name());
        // A one-shot process: leaking the few page names is simpler than clap's `string` feature.
        let page_name: &'static str = Box::leak(name.clone().into_boxed_str());
        pages.push((name, sub.clone().name(page_name)));
    }
    for (name, page) in &pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(page.clone())
            .render(&mut buf)
            .map_err(|e| e.to_string())?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, buf).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(pages.len())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Simulate(args) => run::simulate(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Trace(args) => run::trace(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Play(args) => run::play(&args),
        Command::Assign(args) => keys::assign(&args),
        Command::Partition(args) => keys::partition(&args),
        Command::Conformance(args) => conformance::run(&args),
        Command::Check(args) => check::run(&args) as u8,
        Command::Soak(args) => soak::run(&args),
        Command::Completions { shell } => {
            let mut out = std::io::stdout();
            clap_complete::generate(shell, &mut Cli::command(), "mailroom", &mut out);
            let _ = out.flush();
            common::OK
        }
        Command::Man { out } => match write_man(&out) {
            Ok(n) => {
                eprintln!("wrote {n} man pages into {}", out.display());
                common::OK
            }
            Err(e) => common::bad_input(e),
        },
    };
    ExitCode::from(code)
}
