//! The core's `tracing` events → Python's `logging` (logger `m2mauth`).
//!
//! Only events at or above the `m2mauth` logger's effective level are
//! formatted at all (by default WARNING: TRACE-level HTTP/2 frames never
//! cost anything nor crowd out warnings). The level is read from Python
//! whenever the binding holds the GIL anyway (creating a source, a fetch
//! that must wait) and every half second by the forwarding thread.
//!
//! An event is formatted where it happens and queued without blocking; a
//! thread of its own hands the queue to Python. So the runtime's threads
//! never wait for the GIL (a Python thread may hold it while it waits for
//! them), and a full queue drops records rather than slowing fetches. The
//! events carry no secrets: the core never puts one in them.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const QUEUE: usize = 1024;
/// How often the forwarding thread re-reads the logger's level.
const LEVEL_REFRESH: Duration = Duration::from_millis(500);
/// Python's level number for WARNING, the default effective level.
const WARNING: u8 = 30;

/// The `m2mauth` logger's effective level, as Python numbers it.
static PYTHON_LEVEL: AtomicU8 = AtomicU8::new(WARNING);

/// Python's number for a tracing level.
fn python_level(level: Level) -> u8 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// Re-reads the `m2mauth` logger's effective level (the caller holds the GIL).
pub(crate) fn refresh_level(py: Python<'_>) {
    let level = py
        .import("logging")
        .and_then(|logging| logging.call_method1("getLogger", ("m2mauth",)))
        .and_then(|logger| logger.call_method0("getEffectiveLevel"))
        .and_then(|level| level.extract::<u32>());
    if let Ok(level) = level {
        PYTHON_LEVEL.store(u8::try_from(level).unwrap_or(u8::MAX), Ordering::Relaxed);
    }
}

struct Record {
    level: u8,
    message: String,
}

/// The queue's sending end, and the process it belongs to: after `fork()`
/// the forwarding thread is gone, so a child starts its own.
struct Sink {
    pid: u32,
    sender: SyncSender<Record>,
}

struct ToPythonLogging {
    sink: Mutex<Option<Sink>>,
}

impl ToPythonLogging {
    fn sender(&self) -> Option<SyncSender<Record>> {
        let pid = std::process::id();
        // Through the fork gate: a child forked meanwhile finds it unlocked.
        let mut sink = m2mauth::runtime::fork::lock(&self.sink);
        if let Some(s) = sink.as_ref().filter(|s| s.pid == pid) {
            return Some(s.sender.clone());
        }
        let (sender, receiver) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("m2mauth-logging".to_owned())
            .spawn(move || forward(&receiver))
            .ok()?;
        *sink = Some(Sink {
            pid,
            sender: sender.clone(),
        });
        Some(sender)
    }
}

/// Runs on the forwarding thread until the process ends.
fn forward(records: &Receiver<Record>) {
    loop {
        let record = match records.recv_timeout(LEVEL_REFRESH) {
            Ok(record) => Some(record),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // try_attach: during interpreter shutdown there is no one to tell.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            refresh_level(py);
            if let Some(record) = record {
                let logger = py
                    .import("logging")?
                    .call_method1("getLogger", ("m2mauth",))?;
                logger.call_method1("log", (record.level, "%s", record.message))?;
            }
            Ok(())
        });
    }
}

impl<S: Subscriber> Layer<S> for ToPythonLogging {
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> Interest {
        // The level can change at any time: ask `enabled` every time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _context: Context<'_, S>) -> bool {
        python_level(*metadata.level()) >= PYTHON_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let level = python_level(*event.metadata().level());
        let mut text = Message::default();
        event.record(&mut text);
        if let Some(sender) = self.sender() {
            let _ = sender.try_send(Record {
                level,
                message: text.finish(),
            });
        }
    }
}

/// "message key=value …" from an event's fields.
#[derive(Default)]
struct Message {
    message: String,
    fields: String,
}

impl Message {
    fn finish(self) -> String {
        let message = self.message.trim_start_matches("m2mauth: ");
        format!("{message}{}", self.fields)
    }
}

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

/// Sends the core's events to Python logging, unless the process already
/// has a `tracing` subscriber (another extension installed one).
pub(crate) fn install(py: Python<'_>) {
    refresh_level(py);
    let layer = ToPythonLogging {
        sink: Mutex::new(None),
    };
    // Start the forwarding thread now, so that the level is kept fresh even
    // while no event passes it.
    drop(layer.sender());
    let subscriber = tracing_subscriber::registry().with(layer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}
