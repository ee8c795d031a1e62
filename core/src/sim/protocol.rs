//! The messages of Kafka's classic group protocol as the model exchanges them
//! (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, and the KIP-447
//! TxnOffsetCommit + EndTxn pair folded into one `EndTxn`).

use crate::assignor::Strategy;
use crate::event::{CommitError, Tp};

/// A client process endpoint: group, slot, and the incarnation of the process in the slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub group: u32,
    pub slot: u32,
    pub inc: u32,
}

/// A member's subscription as the leader sees it (Kafka's `Subscription`, with the owned
/// partitions and generation that sticky assignors carry in user data).
#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub slot: u32,
    pub owned: Vec<Tp>,
    pub generation: i32,
    /// The member rebalances eagerly: it revoked everything, so its `ownedPartitions` field is
    /// empty and `owned` is only the StickyAssignor user data (its previous assignment).
    pub eager: bool,
}

/// Client → coordinator.
#[derive(Clone, Debug)]
pub(crate) enum Request {
    /// `seq` numbers the client's join attempts; answers echo it so that an answer to an
    /// attempt abandoned by a generation reset is dropped (`resetJoinGroupFuture`).
    Join {
        member_id: String,
        /// The coordinator never accepted `member_id` (Kafka: an empty member id).
        fresh: bool,
        instance_id: Option<String>,
        protocols: Vec<Strategy>,
        owned: Vec<Tp>,
        generation: i32,
        eager: bool,
        seq: u64,
    },
    Sync {
        member_id: String,
        generation: i32,
        assignment: Option<Vec<(String, Vec<Tp>)>>,
        seq: u64,
    },
    Heartbeat {
        member_id: String,
        generation: i32,
    },
    Leave {
        member_id: String,
    },
    Commit {
        member_id: String,
        generation: i32,
        offsets: Vec<(Tp, u64)>,
        purpose: CommitPurpose,
    },
    EndTxn {
        member_id: String,
        generation: i32,
        txn: u64,
        offsets: Vec<(Tp, u64)>,
    },
}

impl Request {
    /// The kind, for drawing.
    pub fn kind(&self) -> crate::event::RequestKind {
        use crate::event::RequestKind as K;
        match self {
            Request::Join { .. } => K::Join,
            Request::Sync { .. } => K::Sync,
            Request::Heartbeat { .. } => K::Heartbeat,
            Request::Leave { .. } => K::Leave,
            Request::Commit { .. } | Request::EndTxn { .. } => K::Commit,
        }
    }
}

/// Why a client commits; echoed in the response so the client knows what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CommitPurpose {
    /// `commitSync()` after processing a batch (at-least-once).
    AfterBatch,
    /// `commitSync()` before processing a batch (at-most-once).
    BeforeBatch,
    /// Auto-commit inside `poll()` (`commitAsync`, nobody waits).
    Auto,
    /// Auto-commit in `onJoinPrepare` before an eager revocation (sync).
    Revoke,
    /// Auto-commit in `close()` (sync).
    Close,
}

/// A JoinGroup answer.
#[derive(Clone, Debug)]
pub(crate) struct JoinOk {
    pub generation: i32,
    pub protocol: Strategy,
    /// Only the leader gets the members' subscriptions.
    pub members: Option<Vec<Subscription>>,
}

/// Errors the group coordinator answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProtoError {
    RebalanceInProgress,
    UnknownMember,
    IllegalGeneration,
    InconsistentProtocol,
    /// The transaction was already aborted (timeout or fencing): `ProducerFencedException`.
    ProducerFenced,
}

impl From<ProtoError> for CommitError {
    fn from(e: ProtoError) -> Self {
        match e {
            ProtoError::RebalanceInProgress => CommitError::RebalanceInProgress,
            ProtoError::UnknownMember | ProtoError::InconsistentProtocol => {
                CommitError::UnknownMember
            }
            ProtoError::IllegalGeneration => CommitError::IllegalGeneration,
            ProtoError::ProducerFenced => CommitError::ProducerFenced,
        }
    }
}

/// Coordinator → client.
#[derive(Clone, Debug)]
pub(crate) enum Response {
    Join {
        seq: u64,
        result: Result<JoinOk, ProtoError>,
    },
    Sync {
        seq: u64,
        generation: i32,
        result: Result<Vec<Tp>, ProtoError>,
    },
    /// `generation` echoes the request's, so a late error about an old generation is ignored.
    Heartbeat {
        generation: i32,
        result: Result<(), ProtoError>,
    },
    Commit {
        purpose: CommitPurpose,
        generation: i32,
        result: Result<(), ProtoError>,
    },
    EndTxn(Result<(), ProtoError>),
}
