//! Validation of the scenario fields of Kafka 4.x's two newer group types
//! ([`crate::group_protocols`]): the consumer group protocol of KIP-848 on `groups[]` and the
//! share groups of KIP-932 (`share_groups[]`), and the inputs that name them. Every error names
//! the JSON path.

use crate::group_protocols::{defaults, AckMode, GroupProtocol, RemoteAssignor};
use crate::scenario::{GroupConfig, Scenario, ScenarioError};

fn err(path: String, reason: impl Into<String>) -> Result<(), ScenarioError> {
    Err(ScenarioError::new(path, reason))
}

fn range(v: u64, lo: u64, hi: u64, path: String) -> Result<(), ScenarioError> {
    if v < lo || v > hi {
        return err(path, format!("must be between {lo} and {hi}, got {v}"));
    }
    Ok(())
}

const DAY: u64 = crate::scenario::limits::DURATION_MS_MAX;

/// The protocol fields of consumer group `p` (`groups[i]`): a field of the other protocol
/// must keep its default, as Kafka's `ConsumerConfig` refuses it.
pub(crate) fn validate_group_protocol(g: &GroupConfig, p: &str) -> Result<(), ScenarioError> {
    use crate::scenario::defaults as classic;
    range(
        g.consumer_heartbeat_interval_ms,
        1,
        DAY,
        format!("{p}.group.consumer.heartbeat.interval.ms"),
    )?;
    range(
        g.consumer_session_timeout_ms,
        1,
        DAY,
        format!("{p}.group.consumer.session.timeout.ms"),
    )?;
    match g.group_protocol {
        GroupProtocol::Classic => {
            let consumer_only = [
                (
                    "group.remote.assignor",
                    g.remote_assignor != RemoteAssignor::default(),
                ),
                (
                    "group.consumer.heartbeat.interval.ms",
                    g.consumer_heartbeat_interval_ms != defaults::consumer_heartbeat_interval_ms(),
                ),
                (
                    "group.consumer.session.timeout.ms",
                    g.consumer_session_timeout_ms != defaults::consumer_session_timeout_ms(),
                ),
            ];
            for (field, set) in consumer_only {
                if set {
                    return err(
                        format!("{p}.{field}"),
                        "applies to group.protocol \"consumer\" only (this group is classic)",
                    );
                }
            }
        }
        GroupProtocol::Consumer => {
            let classic_only = [
                (
                    "partition.assignment.strategy",
                    g.strategies != classic::strategies(),
                    "client-side assignors are refused with group.protocol \"consumer\": the broker assigns (use group.remote.assignor)",
                ),
                (
                    "session.timeout.ms",
                    g.session_timeout_ms != classic::session_timeout_ms(),
                    "is not supported with group.protocol \"consumer\" (the broker's group.consumer.session.timeout.ms applies)",
                ),
                (
                    "heartbeat.interval.ms",
                    g.heartbeat_interval_ms != classic::heartbeat_interval_ms(),
                    "is not supported with group.protocol \"consumer\" (the broker's group.consumer.heartbeat.interval.ms applies)",
                ),
                (
                    "group.initial.rebalance.delay.ms",
                    g.initial_rebalance_delay_ms != classic::initial_rebalance_delay_ms(),
                    "applies to classic groups only: a consumer-protocol group assigns at the first heartbeat",
                ),
            ];
            for (field, set, why) in classic_only {
                if set {
                    return err(format!("{p}.{field}"), why);
                }
            }
            if g.consumer_heartbeat_interval_ms >= g.consumer_session_timeout_ms {
                return err(
                    format!("{p}.group.consumer.heartbeat.interval.ms"),
                    format!(
                        "must be lower than group.consumer.session.timeout.ms ({})",
                        g.consumer_session_timeout_ms
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Checks `share_groups[]`.
pub(crate) fn validate_share_groups(s: &Scenario) -> Result<(), ScenarioError> {
    use crate::scenario::limits::*;
    if s.share_groups.len() > GROUPS_MAX {
        return err(
            "share_groups".into(),
            format!("at most {GROUPS_MAX} share groups"),
        );
    }
    for (i, g) in s.share_groups.iter().enumerate() {
        let p = format!("share_groups[{i}]");
        crate::scenario::check_name_pub(&g.group_id, &format!("{p}.group.id"))?;
        if s.groups.iter().any(|o| o.group_id == g.group_id)
            || s.share_groups[..i].iter().any(|o| o.group_id == g.group_id)
        {
            return err(
                format!("{p}.group.id"),
                format!(
                    "duplicate group {:?} (consumer and share groups share one namespace)",
                    g.group_id
                ),
            );
        }
        if g.topics.is_empty() {
            return err(
                format!("{p}.topics"),
                "must subscribe to at least one topic",
            );
        }
        for (j, t) in g.topics.iter().enumerate() {
            if !s.topics.iter().any(|x| &x.name == t) {
                return err(format!("{p}.topics[{j}]"), format!("no topic named {t:?}"));
            }
            if s.groups
                .iter()
                .any(|o| o.output_topic.as_deref() == Some(t))
            {
                return err(
                    format!("{p}.topics[{j}]"),
                    "is a transactional output topic; share groups here read plain records only",
                );
            }
        }
        range(
            u64::from(g.consumers),
            0,
            u64::from(CONSUMERS_MAX),
            format!("{p}.consumers"),
        )?;
        range(
            g.lock_duration_ms,
            1_000,
            3_600_000,
            format!("{p}.group.share.record.lock.duration.ms"),
        )?;
        range(
            u64::from(g.delivery_count_limit),
            2,
            10,
            format!("{p}.group.share.delivery.count.limit"),
        )?;
        range(
            u64::from(g.max_record_locks),
            100,
            10_000,
            format!("{p}.group.share.partition.max.record.locks"),
        )?;
        range(
            g.heartbeat_interval_ms,
            1,
            DAY,
            format!("{p}.group.share.heartbeat.interval.ms"),
        )?;
        range(
            g.session_timeout_ms,
            1,
            DAY,
            format!("{p}.group.share.session.timeout.ms"),
        )?;
        if g.heartbeat_interval_ms >= g.session_timeout_ms {
            return err(
                format!("{p}.group.share.heartbeat.interval.ms"),
                format!(
                    "must be lower than group.share.session.timeout.ms ({})",
                    g.session_timeout_ms
                ),
            );
        }
        range(
            u64::from(g.max_poll_records),
            1,
            u64::from(MAX_POLL_RECORDS_MAX),
            format!("{p}.max.poll.records"),
        )?;
        range(g.processing_ms, 0, DAY, format!("{p}.processing_ms"))?;
        if g.poison.len() > 1_000 {
            return err(format!("{p}.poison"), "at most 1000 poison records");
        }
        if !g.poison.is_empty() && g.ack_mode == AckMode::Implicit {
            return err(
                format!("{p}.poison"),
                "a failing record needs share.acknowledgement.mode \"explicit\" (implicit mode ACCEPTs every delivered record at the next poll)",
            );
        }
        for (j, r) in g.poison.iter().enumerate() {
            let q = format!("{p}.poison[{j}]");
            if !g.topics.contains(&r.topic) {
                return err(
                    format!("{q}.topic"),
                    format!("{:?} is not one of the share group's topics", r.topic),
                );
            }
            let parts = s
                .topics
                .iter()
                .find(|t| t.name == r.topic)
                .map_or(0, |t| t.partitions);
            if r.partition >= parts {
                return err(
                    format!("{q}.partition"),
                    format!("topic {:?} has {parts} partitions", r.topic),
                );
            }
            range(r.offset, 0, u64::MAX >> 1, format!("{q}.offset"))?;
        }
    }
    Ok(())
}

/// Index checks of the inputs for KIP-848 and share groups before the simulation runs (and the
/// classic-only `SetStrategy` against a KIP-848 group).
pub(crate) fn check_static_input(
    s: &Scenario,
    input: &crate::input::Input,
    path: &str,
) -> Result<(), ScenarioError> {
    use crate::input::Input;
    let share_member = |g: u32, m: Option<u32>| -> Result<(), ScenarioError> {
        let Some(grp) = s.share_groups.get(g as usize) else {
            return Err(ScenarioError::new(
                format!("{path}.share_group"),
                format!("no share group {g} (there are {})", s.share_groups.len()),
            ));
        };
        if let Some(m) = m {
            let added = s
                .inputs
                .iter()
                .filter(|t| matches!(t.input, Input::AddShareConsumer { share_group } if share_group == g))
                .count() as u32;
            let most = grp.consumers + added;
            if m >= most {
                return Err(ScenarioError::new(
                    format!("{path}.member"),
                    format!("no share consumer slot {m}: share group {g} has at most {most}"),
                ));
            }
        }
        Ok(())
    };
    match input {
        Input::SetStrategy { group, .. } => {
            if s.groups.get(*group as usize).map(|g| g.group_protocol)
                == Some(GroupProtocol::Consumer)
            {
                return err(
                    format!("{path}.group"),
                    "group.protocol \"consumer\" has no client-side assignors: the broker assigns",
                );
            }
            Ok(())
        }
        Input::ChangeSubscription {
            group,
            member,
            topics,
        } => {
            let Some(g) = s.groups.get(*group as usize) else {
                return err(
                    format!("{path}.group"),
                    format!("no group {group} (there are {})", s.groups.len()),
                );
            };
            if g.group_protocol != GroupProtocol::Consumer {
                return err(
                    format!("{path}.group"),
                    "subscription changes are modelled for group.protocol \"consumer\" groups only",
                );
            }
            let added = s
                .inputs
                .iter()
                .filter(|t| matches!(t.input, Input::AddConsumer { group: x } if x == *group))
                .count() as u32;
            if *member >= g.consumers + added {
                return err(
                    format!("{path}.member"),
                    format!(
                        "no consumer slot {member}: group {group} has at most {}",
                        g.consumers + added
                    ),
                );
            }
            check_subscription(s.topics.iter().map(|t| t.name.as_str()), g, topics, path)
        }
        Input::AddShareConsumer { share_group } => share_member(*share_group, None),
        Input::CrashShareConsumer {
            share_group,
            member,
        }
        | Input::RestartShareConsumer {
            share_group,
            member,
        }
        | Input::LeaveShareGroup {
            share_group,
            member,
        }
        | Input::PauseShareConsumer {
            share_group,
            member,
        }
        | Input::ResumeShareConsumer {
            share_group,
            member,
        } => share_member(*share_group, Some(*member)),
        _ => Ok(()),
    }
}

/// A new subscription must name, without repeats, at least one of the group's own topics.
pub(crate) fn check_subscription<'a>(
    topic_names: impl Iterator<Item = &'a str>,
    g: &GroupConfig,
    topics: &[u32],
    path: &str,
) -> Result<(), ScenarioError> {
    let names: Vec<&str> = topic_names.collect();
    if topics.is_empty() {
        return err(format!("{path}.topics"), "must name at least one topic");
    }
    for (j, t) in topics.iter().enumerate() {
        let Some(name) = names.get(*t as usize) else {
            return err(format!("{path}.topics[{j}]"), format!("no topic {t}"));
        };
        if !g.topics.iter().any(|x| x == name) {
            return err(
                format!("{path}.topics[{j}]"),
                format!("{name:?} is not one of the group's topics"),
            );
        }
        if topics[..j].contains(t) {
            return err(
                format!("{path}.topics[{j}]"),
                format!("topic {t} is listed twice"),
            );
        }
    }
    Ok(())
}
