//! Inputs of the newer group types (KIP-848 subscription changes, share consumers), checked
//! against the running model and applied; kept apart from the classic inputs in `mod.rs`.

use crate::input::Input;
use crate::scenario::ScenarioError;

use super::Sim;

impl Sim {
    /// `SetStrategy` names client-side assignors, which a KIP-848 group does not have.
    pub(super) fn check_not_consumer_protocol(
        &self,
        g: u32,
        path: &str,
    ) -> Result<(), ScenarioError> {
        if self.is_kip848(g) {
            return Err(ScenarioError::new(
                format!("{path}.group"),
                "group.protocol \"consumer\" has no client-side assignors: the broker assigns",
            ));
        }
        Ok(())
    }

    /// Checks a KIP-848 or share-group input against the current model.
    pub(super) fn check_group_input(&self, input: &Input, path: &str) -> Result<(), ScenarioError> {
        let refuse =
            |field: &str, why: String| Err(ScenarioError::new(format!("{path}.{field}"), why));
        let share = |g: u32| {
            self.share_groups.get(g as usize).ok_or_else(|| {
                ScenarioError::new(
                    format!("{path}.share_group"),
                    format!("no share group {g} (there are {})", self.share_groups.len()),
                )
            })
        };
        let share_member = |g: u32, m: u32| {
            let grp = share(g)?;
            grp.members.get(m as usize).ok_or_else(|| {
                ScenarioError::new(
                    format!("{path}.member"),
                    format!(
                        "no share consumer slot {m} in share group {g} (there are {})",
                        grp.members.len()
                    ),
                )
            })
        };
        match input {
            Input::ChangeSubscription {
                group,
                member,
                topics,
            } => {
                let Some(grp) = self.groups.get(*group as usize) else {
                    return refuse(
                        "group",
                        format!("no group {group} (there are {})", self.groups.len()),
                    );
                };
                if grp.kip848.is_none() {
                    return refuse(
                        "group",
                        "subscription changes are modelled for group.protocol \"consumer\" groups only".into(),
                    );
                }
                let Some(c) = grp.slots.get(*member as usize) else {
                    return refuse(
                        "member",
                        format!(
                            "no consumer slot {member} in group {group} (there are {})",
                            grp.slots.len()
                        ),
                    );
                };
                if !c.alive {
                    return refuse("member", format!("consumer-{} is not running", member + 1));
                }
                crate::scenario::groups::check_subscription(
                    self.topics.iter().map(|t| t.name.as_str()),
                    &grp.cfg,
                    topics,
                    path,
                )
            }
            Input::AddShareConsumer { share_group } => {
                if share(*share_group)?.members.len()
                    >= crate::scenario::limits::CONSUMERS_MAX as usize
                {
                    return refuse(
                        "share_group",
                        format!("share group {share_group} already has the maximum of consumers"),
                    );
                }
                Ok(())
            }
            Input::CrashShareConsumer {
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
            } => {
                let m = share_member(*share_group, *member)?;
                if !m.alive {
                    return refuse(
                        "member",
                        format!("share-consumer-{} is not running", member + 1),
                    );
                }
                if matches!(input, Input::PauseShareConsumer { .. }) && m.paused {
                    return refuse(
                        "member",
                        format!("share-consumer-{} is already paused", member + 1),
                    );
                }
                Ok(())
            }
            Input::ResumeShareConsumer {
                share_group,
                member,
            } => {
                let m = share_member(*share_group, *member)?;
                if !m.alive || !m.paused {
                    return refuse(
                        "member",
                        format!("share-consumer-{} is not paused", member + 1),
                    );
                }
                Ok(())
            }
            Input::RestartShareConsumer {
                share_group,
                member,
            } => {
                if share_member(*share_group, *member)?.alive {
                    return refuse(
                        "member",
                        format!("share-consumer-{} is still running", member + 1),
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Applies a checked KIP-848 or share-group input.
    pub(super) fn apply_group_input(&mut self, input: Input) {
        match input {
            Input::ChangeSubscription {
                group,
                member,
                topics,
            } => self.k848_change_subscription(group, member, topics),
            Input::AddShareConsumer { share_group } => self.add_share_consumer(share_group),
            Input::CrashShareConsumer {
                share_group,
                member,
            } => self.crash_share_consumer(share_group, member),
            Input::RestartShareConsumer {
                share_group,
                member,
            } => self.start_share_consumer(share_group, member),
            Input::LeaveShareGroup {
                share_group,
                member,
            } => self.leave_share_group(share_group, member),
            Input::PauseShareConsumer {
                share_group,
                member,
            } => self.pause_share_consumer(share_group, member),
            Input::ResumeShareConsumer {
                share_group,
                member,
            } => self.resume_share_consumer(share_group, member),
            _ => {}
        }
    }
}
