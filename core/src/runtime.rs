//! The client's one tokio runtime and the handle of a task running on it.
//!
//! - **One runtime per client**, created at first use (multi-thread, 2 workers, threads named
//!   `loyalty-sync`): the sync's network calls and the listeners' tasks run on it, so the core
//!   never needs the caller's reactor. It is shut down without blocking when the client goes
//!   away, also from one of its own threads.
//! - [`TaskHandle`]: keeps a listener's task alive; dropping it (or [`TaskHandle::cancel`])
//!   stops it.
//! - [`run`] and [`run_blocking`]: every task the core spawns goes through these, boxed to one
//!   type. tokio compiles its task machinery (harness, cell, scheduler hooks, for both of its
//!   schedulers) once per spawned type; with a type per call site that was ~60 copies in the
//!   mobile library (issue #14).

use loyalty_domain::LoyaltyError;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Why the runtime is not there. Fixed sentences; mapped to an internal error at the facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    #[error("the sync runtime could not be started")]
    NotStarted,
    #[error("the sync runtime is gone")]
    Gone,
}

/// Mapped once into the public error (a runtime failure is a bug: `Internal`).
impl From<RuntimeError> for LoyaltyError {
    fn from(e: RuntimeError) -> Self {
        LoyaltyError::Internal {
            reason: e.to_string(),
        }
    }
}
/// The client's runtime, made at first use.
pub(crate) struct Runtime {
    runtime: Mutex<Option<OwnedRuntime>>,
}

impl Runtime {
    pub(crate) fn new() -> Self {
        Self {
            runtime: Mutex::new(None),
        }
    }

    /// The handle of the runtime (created at first use).
    pub(crate) fn handle(&self) -> Result<tokio::runtime::Handle, RuntimeError> {
        let mut rt = lock(&self.runtime);
        if rt.is_none() {
            let built = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(4)
                .thread_name("loyalty-sync")
                .enable_all()
                .build()
                .map_err(|_| RuntimeError::NotStarted)?;
            *rt = Some(OwnedRuntime(Some(built)));
        }
        rt.as_ref()
            .and_then(|r| r.0.as_ref())
            .map(|r| r.handle().clone())
            .ok_or(RuntimeError::Gone)
    }
}

/// The runtime, shut down without blocking when the client goes away (also from one of its own
/// threads, where dropping a runtime would panic).
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("loyalty-sync-drop".into())
                    .spawn(move || rt.shutdown_background());
            } else {
                rt.shutdown_background();
            }
        }
    }
}

/// What a task spawned through [`run`] or [`run_blocking`] answers, its type erased.
type Answer = Box<dyn Any + Send>;

/// Why a task spawned through [`run`] or [`run_blocking`] gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskFailed {
    Panicked,
    Stopped,
}

fn answer_of<T: 'static>(joined: Result<Answer, tokio::task::JoinError>) -> Result<T, TaskFailed> {
    match joined {
        Ok(answer) => answer
            .downcast::<T>()
            .map(|b| *b)
            .map_err(|_| TaskFailed::Stopped),
        Err(e) if e.is_panic() => Err(TaskFailed::Panicked),
        Err(_) => Err(TaskFailed::Stopped),
    }
}

/// Runs `fut` as a task on `runtime` and waits for its output.
pub(crate) async fn run<T: Send + 'static>(
    runtime: &tokio::runtime::Handle,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, TaskFailed> {
    let boxed: Pin<Box<dyn Future<Output = Answer> + Send>> =
        Box::pin(async move { Box::new(fut.await) as Answer });
    answer_of(runtime.spawn(boxed).await)
}

/// Runs `f` on the blocking pool of the current runtime and waits for its result.
pub(crate) async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TaskFailed> {
    let job: Box<dyn FnOnce() -> Answer + Send> = Box::new(move || Box::new(f()) as Answer);
    answer_of(tokio::task::spawn_blocking(job).await)
}

/// Keeps a listener registered; dropping it (or [`TaskHandle::cancel`]) unregisters it: no
/// call starts afterwards (one already running on another thread completes).
pub struct TaskHandle {
    task: Option<tokio::task::AbortHandle>,
    active: Arc<AtomicBool>,
}

impl TaskHandle {
    /// Spawns `task` on `runtime`; the task reads `active` (passed to it) before each call it
    /// makes, so a cancelled listener is never called again.
    pub(crate) fn spawn<F>(
        runtime: &tokio::runtime::Handle,
        task: impl FnOnce(Arc<AtomicBool>) -> F,
    ) -> Self
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let active = Arc::new(AtomicBool::new(true));
        // boxed, so every listener's task is of one type (see `run`)
        let boxed: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(task(active.clone()));
        let task = runtime.spawn(boxed);
        Self {
            task: Some(task.abort_handle()),
            active,
        }
    }

    pub fn cancel(&mut self) {
        self.active.store(false, Ordering::SeqCst);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl std::fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskHandle")
            .field("active", &self.task.is_some())
            .finish()
    }
}

/// Locks `m`, also after a panic elsewhere poisoned it (the data is plain settings and handles).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
