//! `miniapp run`'s host UI: the dialogs the app opens are answered from
//! `--answer`, in order, and what the host drew (toasts, the loading toast,
//! the bars, the dialogs) is printed with the step that drew it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use miniapp_runtime::providers::{
    ActionSheet, Asked, Drawn, HostUi, HostUiProvider, Modal, ModalAnswer, ProviderError,
    ScriptedAnswer, ScriptedUi,
};
use serde_json::{Value, json};

use crate::{Failure, out};

/// What `--answer` takes.
const ANSWER_FORMS: &str = "modal=confirm, modal=cancel, modal=TEXT (an editable modal's \
                            typed text, confirmed), action-sheet=N (the item, from 0) or \
                            action-sheet=cancel";

/// One `--answer`, read.
pub fn parse_answer(text: &str) -> Result<ScriptedAnswer, Failure> {
    let bad = |why: String| Failure::input(format!("--answer `{text}`: {why}"));
    let Some((dialog, answer)) = text.split_once('=') else {
        return Err(bad(format!("expected {ANSWER_FORMS}")));
    };
    match dialog {
        "modal" => Ok(ScriptedAnswer::Modal(match answer {
            "confirm" => ModalAnswer {
                confirm: true,
                content: None,
            },
            "cancel" => ModalAnswer {
                confirm: false,
                content: None,
            },
            typed => ModalAnswer {
                confirm: true,
                content: Some(typed.to_string()),
            },
        })),
        "action-sheet" => match answer {
            "cancel" => Ok(ScriptedAnswer::ActionSheet(None)),
            item => match item.parse::<u32>() {
                Ok(index) if index < 6 => Ok(ScriptedAnswer::ActionSheet(Some(index))),
                _ => Err(bad(format!(
                    "`{item}` is not an action sheet's item: an index from 0 to 5, or `cancel`"
                ))),
            },
        },
        other => Err(bad(format!(
            "`{other}` is not a dialog the host draws: expected {ANSWER_FORMS}"
        ))),
    }
}

/// The host UI of one run: a [`ScriptedUi`] answering from `--answer`, whose
/// refusal when the script runs out names the flag.
#[derive(Clone)]
pub struct RunUi {
    script: ScriptedUi,
    /// The answers given.
    given: usize,
    /// The answers the app's dialogs took.
    taken: Arc<AtomicUsize>,
}

impl RunUi {
    /// A host UI giving `answers` to the app's dialogs, in order.
    pub fn answering(answers: Vec<ScriptedAnswer>) -> RunUi {
        RunUi {
            given: answers.len(),
            script: ScriptedUi::answering(answers),
            taken: Arc::default(),
        }
    }

    /// How many answers no dialog took.
    pub fn unused(&self) -> usize {
        self.given - self.taken.load(Ordering::Relaxed)
    }

    /// `asked`, counted when it takes an answer; `kind` and `flag` name a
    /// dialog left without one.
    fn counted<T: Send + 'static>(
        &self,
        asked: Asked<T>,
        kind: &'static str,
        flag: &'static str,
    ) -> Asked<T> {
        let taken = self.taken.clone();
        Box::pin(async move {
            let answer = asked.await.map_err(|_| unanswered(kind, flag))?;
            taken.fetch_add(1, Ordering::Relaxed);
            Ok(answer)
        })
    }

    /// The provider for the runtime.
    pub fn provider(&self) -> Arc<dyn HostUiProvider> {
        Arc::new(self.clone())
    }

    /// What the host drew since the last call, as JSON (each with its kind
    /// in `ui`, as the protocol's `host-ui` frame).
    pub fn take_drawn(&self) -> Vec<Value> {
        let drawn = self.script.take_drawn().into_iter();
        drawn.map(|d| drawn_json(&d)).collect()
    }
}

/// No answer left for a dialog: the app's call fails with this.
fn unanswered(kind: &str, flag: &str) -> ProviderError {
    ProviderError(format!(
        "miniapp run has no --answer left for this {kind}: add `--answer {flag}` in the order \
         the app opens its dialogs"
    ))
}

impl HostUiProvider for RunUi {
    fn show(&self, app_id: &str, ui: HostUi) {
        self.script.show(app_id, ui);
    }

    fn can_ask(&self) -> bool {
        true
    }

    fn ask_modal(&self, app_id: &str, modal: Modal) -> Asked<ModalAnswer> {
        let asked = self.script.ask_modal(app_id, modal);
        self.counted(asked, "modal", "modal=confirm|cancel|TEXT")
    }

    fn ask_action_sheet(&self, app_id: &str, sheet: ActionSheet) -> Asked<Option<u32>> {
        let asked = self.script.ask_action_sheet(app_id, sheet);
        self.counted(asked, "action sheet", "action-sheet=N|cancel")
    }
}

/// One thing the host drew, as JSON.
fn drawn_json(drawn: &Drawn) -> Value {
    let tagged = |ui: &str, value: Value| {
        let mut value = value;
        value["ui"] = json!(ui);
        value
    };
    match drawn {
        Drawn::Shown(ui) => serde_json::to_value(ui).unwrap_or_default(),
        Drawn::Modal(modal) => tagged("modal", serde_json::to_value(modal).unwrap_or_default()),
        Drawn::ActionSheet(sheet) => tagged(
            "action-sheet",
            serde_json::to_value(sheet).unwrap_or_default(),
        ),
    }
}

/// Print what the host drew, one line each (text): its kind, then its
/// fields as JSON; app text in it is escaped as every line is.
pub fn print_drawn(drawn: &[Value]) {
    for ui in drawn {
        let kind = ui["ui"].as_str().unwrap_or("");
        let mut fields = ui.clone();
        if let Some(fields) = fields.as_object_mut() {
            fields.remove("ui");
        }
        out::labelled_json(&format!("   host  {kind} "), &fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> ScriptedAnswer {
        parse_answer(text).unwrap_or_else(|e| panic!("{text}: {}", e.message))
    }

    #[test]
    fn answers_read_as_the_dialogs_take_them() {
        let typed = read("modal=Ada Lovelace");
        let ScriptedAnswer::Modal(answer) = typed else {
            panic!("a modal's answer")
        };
        assert!(answer.confirm);
        assert_eq!(answer.content.as_deref(), Some("Ada Lovelace"));
        let cancel = read("modal=cancel");
        assert_eq!(
            cancel,
            ScriptedAnswer::Modal(ModalAnswer {
                confirm: false,
                content: None
            })
        );
        let sheet = read("action-sheet=2");
        assert_eq!(sheet, ScriptedAnswer::ActionSheet(Some(2)));
        let no_item = read("action-sheet=cancel");
        assert_eq!(no_item, ScriptedAnswer::ActionSheet(None));
    }

    #[test]
    fn a_bad_answer_is_refused_by_name() {
        let message = |text| parse_answer(text).err().unwrap().message;
        assert!(message("toast=ok").contains("`toast` is not a dialog"));
        assert!(message("action-sheet=6").contains("`6` is not an action sheet's item"));
        assert!(message("action-sheet=-1").contains("from 0 to 5"));
        assert!(message("confirm").contains("expected modal=confirm"));
    }
}
