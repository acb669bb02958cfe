//! The kinds of limit or fault that end a call, as usage figures, the
//! audit stream and the limits name them.

use std::fmt;

use serde::Serialize;

/// Why a call trapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrapKind {
    /// The call's wall-clock time limit.
    Time,
    /// The call's CPU budget.
    Cpu,
    /// The memory quota.
    Memory,
    /// The table quota.
    Table,
    /// The wasm stack.
    Stack,
    /// The live resource handle quota.
    Handles,
    /// The app exited (`std::process::exit`).
    Exit,
    /// Anything else: an unreachable, an out-of-bounds access, a host fault.
    Other,
}

impl TrapKind {
    /// Its name in usage figures and the audit stream (`time`, `cpu`...).
    pub fn name(self) -> &'static str {
        match self {
            TrapKind::Time => "time",
            TrapKind::Cpu => "cpu",
            TrapKind::Memory => "memory",
            TrapKind::Table => "table",
            TrapKind::Stack => "stack",
            TrapKind::Handles => "handles",
            TrapKind::Exit => "exit",
            TrapKind::Other => "other",
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
