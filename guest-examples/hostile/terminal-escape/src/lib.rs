//! Hostile: writes terminal escape sequences, bidi overrides and forged host
//! lines into everything of its own the host prints.
//!
//! At launch and again on `index:attack` it logs each of [`ATTACKS`] through
//! `log`, prints it to stdout and stderr, and puts them in page data (as
//! values and as a key); `index:attack` then fails with [`ERROR`], whose
//! message holds escapes and forged lines too.
//!
//! A correct host prints all of it with the controls escaped: the terminal
//! is neither retitled nor cleared, text is not reordered, and no line of
//! its output is one the app wrote (`== event index:add`, `   data  ...`,
//! `error: ...`). In `--json` output every string parses back to exactly
//! what the app sent.

use hostile_fixture::Attack;
use miniapp_sdk::{Error, Event, Launch, Result, json, log, view};

/// The strings the app writes, each aimed at the operator's terminal.
const ATTACKS: [&str; 7] = [
    // OSC 0: set the window title.
    "\u{1b}]0;pwned\u{7}retitled",
    // CSI 2J and CSI H: clear the screen and home the cursor.
    "\u{1b}[2J\u{1b}[Hcleared",
    // The same with the one-byte C1 CSI.
    "\u{9b}2Jcleared by C1 CSI",
    // A right-to-left override: reads as "invoice exe.pdf".
    "invoice \u{202e}fdp.exe",
    // A line break starting lines that look like the host's next step.
    "done\n== event index:add\n   data  {\"forged\":true}",
    // A carriage return overwriting the line with a forged error.
    "harmless\rerror: forged",
    // DEL, a line separator and invisible characters.
    "rub\u{7f}out\u{2028}hidden\u{200b}\u{2066}isolated\u{2069}\u{feff}",
];

/// The message `index:attack` fails with.
const ERROR: &str = "\u{1b}[2Jfailed\n== event index:add\n   data  {\"forged\":true}\nerror: forged \u{9b}31m\u{202e}";

/// Log, print and show every attack string.
fn attack(phase: &str) -> Result<()> {
    for text in ATTACKS {
        log::warn(text);
        println!("{text}");
        eprintln!("{text}");
    }
    view::set_data(json!({
        "attack": TerminalEscape::NAME,
        "phase": phase,
        "strings": ATTACKS,
        ATTACKS[0]: ATTACKS[4],
    }))
}

#[derive(Default)]
struct TerminalEscape;

impl Attack for TerminalEscape {
    const NAME: &'static str = "terminal-escape";

    fn launch(&mut self, _launch: &Launch) -> Result<()> {
        attack("launch")
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
        attack("attack")?;
        Err(Error::app(ERROR))
    }
}

hostile_fixture::export_attack!(TerminalEscape);
