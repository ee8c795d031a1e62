//! `mailroom`: the command line. One module per subcommand.

use clap::{Parser, Subcommand};

mod check;

/// Kafka's moving parts, simulated.
#[derive(Parser)]
#[command(name = "mailroom", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run fault drills on Kafka producer, consumer and topic .properties files.
    Check(check::CheckArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
    };
    std::process::exit(code);
}
