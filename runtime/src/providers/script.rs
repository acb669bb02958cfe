//! The script of a scripted provider ([`ScriptedUi`](super::ScriptedUi),
//! [`ScriptedDevice`](super::ScriptedDevice)): the answers it gives, each
//! to the next question of its kind, and the record of what it was asked,
//! shared by its clones.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Asked, ProviderError};

/// Answers of type `A` and a record of entries of type `R`.
#[derive(Debug)]
pub(super) struct Script<A, R> {
    inner: Arc<Mutex<(VecDeque<A>, Vec<R>)>>,
}

impl<A, R> Clone for Script<A, R> {
    fn clone(&self) -> Self {
        Script {
            inner: self.inner.clone(),
        }
    }
}

impl<A, R> Default for Script<A, R> {
    fn default() -> Self {
        Script::new([])
    }
}

impl<A, R> Script<A, R> {
    /// A script giving `answers`, with nothing recorded yet.
    pub(super) fn new(answers: impl IntoIterator<Item = A>) -> Self {
        let script = (answers.into_iter().collect(), Vec::new());
        Script {
            inner: Arc::new(Mutex::new(script)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (VecDeque<A>, Vec<R>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record `entry`.
    pub(super) fn record(&self, entry: R) {
        self.lock().1.push(entry);
    }

    /// Everything recorded since the last call, in order.
    pub(super) fn take_record(&self) -> Vec<R> {
        std::mem::take(&mut self.lock().1)
    }
}

impl<A: Send + 'static, R: Send + 'static> Script<A, R> {
    /// When first polled: record `entry` and take the first answer `fits`
    /// accepts (an answer to a question of `kind`), or fail when none is
    /// left.
    pub(super) fn answer<T: Send + 'static>(
        &self,
        kind: &'static str,
        entry: R,
        fits: fn(&A) -> Option<T>,
    ) -> Asked<T> {
        let script = self.clone();
        Box::pin(async move {
            let mut script = script.lock();
            script.1.push(entry);
            let answers = &mut script.0;
            let found = (answers.iter().enumerate())
                .find_map(|(at, answer)| fits(answer).map(|answer| (at, answer)));
            let (at, answer) = found
                .ok_or_else(|| ProviderError(format!("no scripted answer left for the {kind}")))?;
            answers.remove(at);
            Ok(answer)
        })
    }
}
