//! Whole-design checks, once every declaration is resolved: kind tail
//! factors, `fanout = all` targets, `rtt`s of links between regions, and
//! the `rps` a client leaves to its flows.

use super::*;

impl Resolver {
    pub(super) fn check_cross_references(&mut self) {
        // Kind defaults: a duration alone for `latency` sets p50; p99 is p50
        // times the kind's tail factor.
        let base = KnowledgeBase::get();
        for component in &mut self.design.components {
            if component.latency.p99_ms.is_nan() {
                component.latency.p99_ms = component.latency.p50_ms * base.kind(component.kind).tail();
            }
        }
        // `fanout = all` needs a sharded target; a hop between regions needs
        // an rtt unless the link sets its own latency.
        for link_idx in 0..self.design.links.len() {
            let link = &self.design.links[link_idx];
            let target = self.design.component(link.to);
            if link.fanout == Fanout::All && target.shard.is_none() {
                let span = link.property_span("fanout").unwrap_or(link.span);
                let message = format!("`fanout = all` into `{}`, which is not sharded", target.id);
                self.error(codes::INVALID_VALUE, span, message).help = Some(
                    "declare `shard = hash { key = K, count = N }` on the target, or remove `fanout = all`".to_string(),
                );
            }
            let link = &self.design.links[link_idx];
            let (from, to) = (self.design.component(link.from), self.design.component(link.to));
            if let (Some(a), Some(b), None) = (from.region, to.region, link.latency_ms)
                && a != b
                && self.design.rtt_ms(a, b).is_none()
            {
                let (a_name, b_name) = (self.design.region(a).id.clone(), self.design.region(b).id.clone());
                let span = link.span;
                let diagnostic = self.error(
                    codes::INVALID_VALUE,
                    span,
                    format!("no `rtt` between regions `{a_name}` and `{b_name}` for this link"),
                );
                diagnostic.help = Some(format!(
                    "declare `rtt {a_name} <-> {b_name} = 75ms`, or set `latency` on the link"
                ));
                diagnostic.label = Some("crosses regions".to_string());
            }
        }
    }

    /// Flows without `rps` share what their client's `rps` leaves after the
    /// flows that set one, evenly (language.md §2, "Flows").
    /// Each consumer's [`Component::partition_share`]: the partitions of
    /// every work queue it reads, each queue's shared evenly among its
    /// consumers (language.md §8: a partition is read by one instance of
    /// the consumer group; docs/estimate.md, "Partitions").
    pub(super) fn share_partitions(&mut self) {
        let design = &self.design;
        let mut consumers: Vec<Vec<ComponentId>> = vec![Vec::new(); design.components.len()];
        for link in &design.links {
            let queue = design.component(link.from);
            if queue.kind == Kind::Queue && queue.queue_pattern == QueuePattern::WorkQueue {
                let list = &mut consumers[link.from.index()];
                if !list.contains(&link.to) {
                    list.push(link.to);
                }
            }
        }
        // Per consumer: the partitions it gets, or None once one of its
        // queues has no limit.
        let mut share: Vec<Option<Option<f64>>> = vec![None; design.components.len()];
        for (queue_idx, list) in consumers.iter().enumerate() {
            let partitions = design.components[queue_idx].partitions;
            for consumer in list {
                let each = partitions.map(|p| f64::from(p) / list.len() as f64);
                let slot = &mut share[consumer.index()];
                *slot = Some(match (*slot, each) {
                    (None, each) => each,
                    (Some(Some(sum)), Some(each)) => Some(sum + each),
                    _ => None,
                });
            }
        }
        for (component, share) in self.design.components.iter_mut().zip(share) {
            component.partition_share = share.flatten();
        }
    }

    /// Each component's [`Component::held_connections`]: a client's
    /// `connections` are held by every component on the chains of
    /// `websocket` and `tcp` links from it, up to the first link that is
    /// neither (language.md §8). Where the contract is silent
    /// (docs/language.md, "Connections"): a load balancer spreads what it
    /// holds evenly over its targets on such links; a component reached
    /// twice from one client holds its connections once, as first reached
    /// (breadth first).
    pub(super) fn hold_connections(&mut self) {
        let design = &self.design;
        let n = design.components.len();
        let mut held = vec![0.0_f64; n];
        let mut holding: Vec<Vec<ComponentId>> = vec![Vec::new(); n];
        for link in &design.links {
            if link.protocol.holds_connections() && !holding[link.from.index()].contains(&link.to) {
                holding[link.from.index()].push(link.to);
            }
        }
        let mut reached = vec![false; n];
        let mut touched: Vec<usize> = Vec::new();
        for client in design.component_ids() {
            let component = design.component(client);
            let Some(connections) = component.connections.filter(|count| *count > 0) else {
                continue;
            };
            // Reset what the last client reached: work stays in the links
            // each client's chains cross, however many clients there are.
            for id in touched.drain(..) {
                reached[id] = false;
            }
            reached[client.index()] = true;
            touched.push(client.index());
            let mut queue = std::collections::VecDeque::from([(client, f64::from(connections))]);
            while let Some((at, amount)) = queue.pop_front() {
                let targets = &holding[at.index()];
                let each = if design.component(at).kind == Kind::LoadBalancer && !targets.is_empty() {
                    amount / targets.len() as f64
                } else {
                    amount
                };
                for target in targets {
                    if std::mem::replace(&mut reached[target.index()], true) {
                        continue;
                    }
                    touched.push(target.index());
                    held[target.index()] += each;
                    queue.push_back((*target, each));
                }
            }
        }
        for (component, held) in self.design.components.iter_mut().zip(held) {
            component.held_connections = held;
        }
    }

    /// [`Design::roles`]: per role of several components, how many and
    /// where ("chat, 2 regions"; "chat, 3 deployments" in one region or
    /// none).
    pub(super) fn summarize_roles(&mut self) {
        let mut by_role: std::collections::BTreeMap<&str, (usize, std::collections::BTreeSet<RegionId>)> =
            Default::default();
        for component in &self.design.components {
            if let Some(role) = component.role.as_deref() {
                let entry = by_role.entry(role).or_default();
                entry.0 += 1;
                if let Some(region) = component.region {
                    entry.1.insert(region);
                }
            }
        }
        let roles = by_role
            .into_iter()
            .filter(|(_, (count, _))| *count > 1)
            .map(|(role, (count, regions))| {
                let summary = match regions.len() {
                    0 | 1 => format!("{role}, {count} deployments"),
                    n => format!("{role}, {n} regions"),
                };
                (role.to_string(), summary)
            })
            .collect();
        self.design.roles = roles;
    }

    /// An embedded cache has its caller's instances (language.md §8): a
    /// `replicas` of its own is an error.
    pub(super) fn check_embedded_caches(&mut self) {
        let spans: Vec<(Span, String)> = self
            .design
            .components
            .iter()
            .filter(|component| component.is_embedded() && component.replicas_declared)
            .filter_map(|component| {
                component
                    .property_span("replicas")
                    .map(|span| (span, component.id.clone()))
            })
            .collect();
        for (span, id) in spans {
            self.error(
                codes::INVALID_VALUE,
                span,
                format!("`{id}` is embedded: it runs in its caller's process and has its caller's instances"),
            )
            .help = Some(format!(
                "remove `replicas` from {id}, or set `embedded = false` for a cache of its own"
            ));
        }
    }

    pub(super) fn share_client_rps(&mut self) {
        let mut by_client: HashMap<ComponentId, Vec<FlowId>> = HashMap::default();
        for flow_id in self.design.flow_ids() {
            if let Some(client) = self.design.flow(flow_id).client() {
                by_client.entry(client).or_default().push(flow_id);
            }
        }
        let mut clients: Vec<_> = by_client.into_iter().collect();
        clients.sort();
        for (client_id, flows) in clients {
            let client = self.design.component(client_id);
            let explicit: f64 = flows
                .iter()
                .filter(|id| self.design.flow(**id).rps_origin == Origin::Declared)
                .map(|id| self.design.flow(*id).rps)
                .sum();
            let open: Vec<FlowId> = flows
                .iter()
                .copied()
                .filter(|id| self.design.flow(*id).rps_origin != Origin::Declared)
                .collect();
            let Some(total) = client.rps else {
                continue;
            };
            let left = total - explicit;
            if left < -1e-9 {
                let (span, name) = (client.span, client.id.clone());
                let flow_spans: Vec<Span> = flows.iter().map(|id| self.design.flow(*id).span).collect();
                let diagnostic = self.error(
                    codes::INVALID_VALUE,
                    span,
                    format!(
                        "the flows of `{name}` ask for {} rps, more than its {} rps",
                        fmt_rate(explicit),
                        fmt_rate(total)
                    ),
                );
                diagnostic.help = Some(format!("raise `rps` on `{name}` or lower the flows' `rps`"));
                for flow_span in flow_spans {
                    diagnostic.secondary.push(crate::diagnostics::Label {
                        span: flow_span,
                        message: "a flow of this client".to_string(),
                    });
                }
                continue;
            }
            if open.is_empty() {
                continue;
            }
            let share = left.max(0.0) / open.len() as f64;
            for id in open {
                self.design.flows[id.index()].rps = share;
            }
        }
    }
}

/// `1000`, `166.67`: a rate as people write it.
fn fmt_rate(rate: f64) -> String {
    if rate.fract() == 0.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.2}")
    }
}

#[cfg(test)]
mod tests {
    use crate::model::load::{compile_text, test_design as design};

    fn errors(text: &str) -> Vec<String> {
        compile_text(text).diagnostics.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn flows_without_rps_share_what_their_client_leaves() {
        let design = design(
            "system s {\n  client u { rps = 1k }\n  service a\n  service b\n  u -> a\n  u -> b\n  flow x { path = u -> a, rps = 400 }\n  flow y { path = u -> a }\n  flow z { path = u -> b }\n}",
        );
        let rps: Vec<f64> = design.flows.iter().map(|flow| flow.rps).collect();
        assert_eq!(rps, vec![400.0, 300.0, 300.0]);
        assert!(
            errors(
                "system s {\n  client u { rps = 10 }\n  service a\n  u -> a\n  flow x { path = u -> a, rps = 20 }\n}"
            )[0]
            .contains("more than its 10 rps")
        );
    }

    #[test]
    fn checks_cross_references() {
        let all = errors(
            "system s {\n  service a\n  database d\n  queue q { dead_letter = a }\n  a -> d { fanout = all }\n  a -> a\n}",
        );
        assert!(all.iter().any(|m| m.contains("which is not a queue")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("which is not sharded")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("links to itself")), "{all:?}");
    }
}
