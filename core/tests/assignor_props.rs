//! Property tests for the assignors over random groups: subscriptions, owned partitions,
//! generations and racks. Each property is a rule Kafka's assignors guarantee.

use mailroom_core::assignor::{assign, MemberSpec, Strategy as Assignor, TopicSpec};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const RACKS: [&str; 3] = ["rack-a", "rack-b", "rack-c"];

fn topics_strategy() -> impl proptest::strategy::Strategy<Value = Vec<TopicSpec>> {
    prop::collection::vec(
        (
            0u32..10,
            any::<bool>(),
            prop::collection::vec(prop::collection::vec(0usize..3, 0..3), 10),
        ),
        1..5,
    )
    .prop_map(|ts| {
        ts.into_iter()
            .enumerate()
            .map(|(i, (partitions, racked, racks))| TopicSpec {
                name: format!("t{i}"),
                partitions,
                partition_racks: if racked {
                    racks
                        .into_iter()
                        .take(partitions as usize)
                        .map(|rs| rs.into_iter().map(|r| RACKS[r].to_string()).collect())
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect()
    })
}

/// Random members: subscriptions may name unknown topics (index 5), owned partitions may be out
/// of range, generations and racks vary. With `same_topics`, everyone subscribes to all topics.
fn group_strategy(
    same_topics: bool,
) -> impl proptest::strategy::Strategy<Value = (Vec<TopicSpec>, Vec<MemberSpec>)> {
    topics_strategy().prop_flat_map(move |topics| {
        let n_topics = topics.len() as u32;
        let member = (
            0u32..40,
            prop::collection::vec(0u32..=n_topics, 0..4),
            prop::collection::vec((0u32..=n_topics, 0u32..12), 0..8),
            prop::option::of(-1i32..4),
            prop::option::of(0usize..3),
            prop::option::of(0u32..3),
        )
            .prop_map(
                move |(id, topics, owned, generation, rack, instance)| MemberSpec {
                    member_id: format!("consumer-{id}"),
                    group_instance_id: instance.map(|i| format!("instance-{i}-{id}")),
                    topics: if same_topics {
                        (0..n_topics).collect()
                    } else {
                        topics
                    },
                    owned,
                    generation,
                    rack: rack.map(|r| RACKS[r].to_string()),
                },
            );
        (Just(topics), prop::collection::vec(member, 0..8))
    })
}

/// Members with distinct ids, everyone on all topics, owning disjoint partitions, no racks.
fn clean_group_strategy(
) -> impl proptest::strategy::Strategy<Value = (Vec<TopicSpec>, Vec<MemberSpec>)> {
    (
        prop::collection::vec(1u32..12, 1..4),
        1usize..8,
        any::<u64>(),
    )
        .prop_map(|(parts, n, seed)| {
            let topics: Vec<TopicSpec> = parts
                .iter()
                .enumerate()
                .map(|(i, &p)| TopicSpec {
                    name: format!("t{i}"),
                    partitions: p,
                    partition_racks: Vec::new(),
                })
                .collect();
            let mut members: Vec<MemberSpec> = (0..n)
                .map(|i| MemberSpec {
                    member_id: format!("consumer-{i}"),
                    topics: (0..topics.len() as u32).collect(),
                    generation: Some(3),
                    ..MemberSpec::default()
                })
                .collect();
            // Deal partitions to owners (or to nobody) with a small LCG.
            let mut x = seed | 1;
            for (t, &p) in parts.iter().enumerate() {
                for q in 0..p {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let who = (x >> 33) as usize % (n + 1);
                    if who < n {
                        members[who].owned.push((t as u32, q));
                    }
                }
            }
            (topics, members)
        })
}

fn distinct_ids(members: &[MemberSpec]) -> Vec<MemberSpec> {
    let mut seen = HashSet::new();
    members
        .iter()
        .filter(|m| seen.insert(m.member_id.clone()))
        .cloned()
        .collect()
}

/// Partitions of existing topics subscribed by somebody.
fn subscribed_partitions(topics: &[TopicSpec], members: &[MemberSpec]) -> HashSet<(u32, u32)> {
    let subscribed: HashSet<u32> = members
        .iter()
        .flat_map(|m| m.topics.iter().copied())
        .collect();
    subscribed
        .into_iter()
        .filter(|&t| (t as usize) < topics.len())
        .flat_map(|t| (0..topics[t as usize].partitions).map(move |p| (t, p)))
        .collect()
}

/// Kafka's conflict rule: the unique claimer at the highest generation owns the partition.
fn valid_owner(members: &[MemberSpec], tp: (u32, u32)) -> Option<usize> {
    let claims: Vec<(usize, i32)> = members
        .iter()
        .enumerate()
        .flat_map(|(i, m)| {
            m.owned
                .iter()
                .filter(|&&o| o == tp)
                .map(move |_| (i, m.generation.unwrap_or(-1)))
        })
        .collect();
    let max = claims.iter().map(|c| c.1).max()?;
    let top: Vec<usize> = claims.iter().filter(|c| c.1 == max).map(|c| c.0).collect();
    (top.len() == 1).then(|| top[0])
}

fn owners(out: &[Vec<(u32, u32)>]) -> Result<HashMap<(u32, u32), usize>, String> {
    let mut owner = HashMap::new();
    for (m, parts) in out.iter().enumerate() {
        for &tp in parts {
            if let Some(o) = owner.insert(tp, m) {
                return Err(format!("{tp:?} owned by members {o} and {m}"));
            }
        }
    }
    Ok(owner)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_partition_has_two_owners_and_output_is_sorted((topics, members) in group_strategy(false)) {
        for s in Assignor::ALL {
            let out = assign(s, &topics, &members);
            prop_assert_eq!(out.len(), members.len());
            owners(&out).map_err(TestCaseError::fail)?;
            for parts in &out {
                prop_assert!(parts.windows(2).all(|w| w[0] < w[1]), "{s:?} output not sorted");
                for &(t, p) in parts {
                    prop_assert!((t as usize) < topics.len() && p < topics[t as usize].partitions, "{s:?} invented {t}-{p}");
                }
            }
            prop_assert_eq!(&out, &assign(s, &topics, &members), "{:?} is not deterministic", s);
        }
    }

    #[test]
    fn every_subscribed_partition_is_assigned((topics, members) in group_strategy(false)) {
        let members = distinct_ids(&members);
        let want = subscribed_partitions(&topics, &members);
        for s in [Assignor::Range, Assignor::RoundRobin, Assignor::Sticky] {
            let owner = owners(&assign(s, &topics, &members)).map_err(TestCaseError::fail)?;
            let got: HashSet<(u32, u32)> = owner.keys().copied().collect();
            prop_assert_eq!(&got, &want, "{:?}", s);
        }
        // Cooperative-sticky may only leave out partitions some member still owns (withheld).
        let owner = owners(&assign(Assignor::CooperativeSticky, &topics, &members)).map_err(TestCaseError::fail)?;
        for tp in want {
            prop_assert!(owner.contains_key(&tp) || members.iter().any(|m| m.owned.contains(&tp)), "{tp:?} neither assigned nor withheld");
        }
    }

    #[test]
    fn members_only_get_topics_they_subscribe_to((topics, members) in group_strategy(false)) {
        let members = distinct_ids(&members);
        // Kafka quirk kept on purpose: when a member with an empty subscription is iterated first,
        // the sticky assignors see "all subscriptions equal" and hand it partitions.
        let someone_empty = members.iter().any(|m| m.topics.is_empty());
        for s in Assignor::ALL {
            if someone_empty && matches!(s, Assignor::Sticky | Assignor::CooperativeSticky) {
                continue;
            }
            for (m, parts) in members.iter().zip(assign(s, &topics, &members)) {
                for (t, p) in parts {
                    prop_assert!(m.topics.contains(&t), "{s:?}: {} got {t}-{p} without subscribing", m.member_id);
                }
            }
        }
    }

    #[test]
    fn identical_subscriptions_are_balanced((topics, members) in group_strategy(true)) {
        let members = distinct_ids(&members);
        for s in [Assignor::RoundRobin, Assignor::Sticky] {
            let counts: Vec<usize> = assign(s, &topics, &members).iter().map(Vec::len).collect();
            if let (Some(max), Some(min)) = (counts.iter().max(), counts.iter().min()) {
                prop_assert!(max - min <= 1, "{s:?} counts {counts:?}");
            }
        }
        // Range balances each topic on its own.
        let out = assign(Assignor::Range, &topics, &members);
        for t in 0..topics.len() as u32 {
            let per: Vec<usize> = out.iter().map(|ps| ps.iter().filter(|tp| tp.0 == t).count()).collect();
            if let (Some(max), Some(min)) = (per.iter().max(), per.iter().min()) {
                prop_assert!(max - min <= 1, "range topic {t} counts {per:?}");
            }
        }
    }

    #[test]
    fn sticky_keeps_owned_partitions_up_to_quota((topics, members) in clean_group_strategy()) {
        let total: usize = topics.iter().map(|t| t.partitions as usize).sum();
        let min_quota = total / members.len();
        for s in [Assignor::Sticky, Assignor::CooperativeSticky] {
            let out = assign(s, &topics, &members);
            for (m, parts) in members.iter().zip(&out) {
                let kept = parts.iter().filter(|tp| m.owned.contains(tp)).count();
                prop_assert!(kept >= m.owned.len().min(min_quota), "{s:?}: {} kept {kept} of {} (quota {min_quota})", m.member_id, m.owned.len());
            }
        }
    }

    #[test]
    fn cooperative_never_hands_over_a_partition_still_being_revoked((topics, members) in group_strategy(false)) {
        let members = distinct_ids(&members);
        let out = assign(Assignor::CooperativeSticky, &topics, &members);
        for (i, parts) in out.iter().enumerate() {
            for &tp in parts {
                let owned_by_me = members[i].owned.contains(&tp);
                let valid = valid_owner(&members, tp);
                prop_assert!(owned_by_me || valid.is_none(),
                    "{tp:?} went to {} but {:?} still owns it", members[i].member_id, valid.map(|v| &members[v].member_id));
            }
        }
    }
}

#[test]
fn empty_and_degenerate_groups_do_not_panic() {
    let topics = vec![TopicSpec {
        name: "t".into(),
        partitions: 3,
        partition_racks: vec![vec![]; 5],
    }];
    let dup = MemberSpec {
        member_id: "x".into(),
        topics: vec![0, 0, 7],
        owned: vec![(0, 9), (9, 0), (0, 1), (0, 1)],
        ..MemberSpec::default()
    };
    for s in Assignor::ALL {
        assert!(assign(s, &[], &[]).is_empty());
        assert_eq!(assign(s, &topics, &[]).len(), 0);
        let out = assign(s, &topics, &[dup.clone(), dup.clone()]);
        assert_eq!(
            out[1],
            Vec::<(u32, u32)>::new(),
            "{s:?}: a repeated member id gets nothing"
        );
        let none = assign(s, &[], std::slice::from_ref(&dup));
        assert_eq!(none, vec![Vec::<(u32, u32)>::new()]);
    }
}

#[test]
fn strategy_names_round_trip() {
    for s in Assignor::ALL {
        assert_eq!(Assignor::from_name(s.name()), Some(s));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.name())
        );
    }
    assert!(Assignor::CooperativeSticky.is_cooperative());
    assert!(!Assignor::Sticky.is_cooperative());
    assert_eq!(Assignor::from_name("uniform"), None);
}
