//! Store readers on their own threads, one store each, so that channels
//! are read while messages are published, and several channels at once
//! (`--parallel`). A store reader is not shared between threads: each
//! thread opens its own and keeps it.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::model::{Message, MessageRange};
use crate::open::OpenError;
use crate::store::StoreReader;

use super::error::{JetStreamError, Result};

/// Opens one more reader of the store being exported.
pub type OpenStore<'a> = &'a (dyn Fn() -> Result<Box<dyn StoreReader>, OpenError> + Sync);

/// Messages sent to the publisher in chunks of this many.
const CHUNK: usize = 512;
/// Chunks read ahead of the publisher, per channel.
const AHEAD: usize = 4;

type Chunk = Result<Vec<Message>>;

struct Request {
    channel: String,
    range: MessageRange,
    out: tokio::sync::mpsc::Sender<Chunk>,
}

/// The reader threads; dropping it lets them end.
pub struct Readers {
    requests: mpsc::Sender<Request>,
}

impl Readers {
    /// Start `n` reader threads in `scope`, each opening a store with
    /// `open` (a failure is answered to every read it gets).
    pub fn start<'scope, 'env: 'scope>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        open: OpenStore<'env>,
        n: usize,
    ) -> Readers {
        let (requests, rx) = mpsc::channel::<Request>();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..n.max(1) {
            let rx = Arc::clone(&rx);
            scope.spawn(move || {
                let mut store = open().map_err(Arc::new);
                loop {
                    // Hold the lock only to take a request.
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(req) = next else { return };
                    match &mut store {
                        Ok(store) => serve(store.as_mut(), req),
                        Err(e) => {
                            let _ = req
                                .out
                                .blocking_send(Err(JetStreamError::OpenStore(Arc::clone(e))));
                        }
                    }
                }
            });
        }
        Readers { requests }
    }

    /// The messages of `channel` within `range`, read ahead on a reader
    /// thread.
    pub fn messages(&self, channel: &str, range: MessageRange) -> Result<ChannelMessages> {
        let (out, rx) = tokio::sync::mpsc::channel(AHEAD);
        self.requests
            .send(Request {
                channel: channel.to_string(),
                range,
                out,
            })
            .map_err(|_| JetStreamError::ReadersStopped)?;
        Ok(ChannelMessages {
            rx,
            buf: Vec::new().into_iter(),
        })
    }
}

/// Read one channel into `req.out` until it ends, fails, or nobody listens.
fn serve(store: &mut dyn StoreReader, req: Request) {
    let iter = match store.messages(&req.channel, req.range) {
        Ok(iter) => iter,
        Err(e) => {
            let _ = req.out.blocking_send(Err(e.into()));
            return;
        }
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    for item in iter {
        match item {
            Ok(m) => chunk.push(m),
            Err(e) => {
                if !chunk.is_empty() {
                    let _ = req.out.blocking_send(Ok(std::mem::take(&mut chunk)));
                }
                let _ = req.out.blocking_send(Err(e.into()));
                return;
            }
        }
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if req.out.blocking_send(Ok(full)).is_err() {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = req.out.blocking_send(Ok(chunk));
    }
}

/// One channel's messages as a reader thread sends them.
pub struct ChannelMessages {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    buf: std::vec::IntoIter<Message>,
}

impl ChannelMessages {
    pub async fn next_message(&mut self) -> Option<Result<Message>> {
        loop {
            if let Some(m) = self.buf.next() {
                return Some(Ok(m));
            }
            match self.rx.recv().await? {
                Ok(chunk) => self.buf = chunk.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
