//! Mermaid sequence diagrams of one flow (templates/sequence.mmd), in the
//! style of the system-design guide's CDN and queue diagrams: each request
//! labelled with its link's round trip, each answer with the component's
//! latency, an `alt`/`else` block per cdn or cache (hit / miss), and the
//! background work after an async hop as async messages.
//!
//! Figures come from the estimate layer (link round trips, component
//! latencies, hit ratios); this module only lays them out.

use askama::Template;

use super::RenderError;
use super::mermaid::node_id;
use crate::estimate::latency::link_round_trip;
use crate::format;
use crate::model::{ComponentId, Design, Fanout, Flow, Kind, LinkId};

#[derive(Template)]
#[template(path = "sequence.mmd")]
struct Sequence {
    participants: Vec<Participant>,
    lines: Vec<Line>,
}

struct Participant {
    id: String,
    label: String,
}

/// One statement: indentation and head (`n_a->>n_b: `, `alt `) are fixed
/// text, `text` is escaped.
struct Line {
    indent: String,
    head: String,
    text: String,
}

struct Builder<'a> {
    design: &'a Design,
    /// The flow's operation, what each request of the synchronous part does.
    op: crate::model::Op,
    lines: Vec<Line>,
}

impl Builder<'_> {
    fn push(&mut self, depth: usize, head: String, text: String) {
        self.lines.push(Line {
            indent: "  ".repeat(depth),
            head,
            text,
        });
    }

    fn id(&self, component: ComponentId) -> String {
        node_id(&self.design.component(component).id)
    }

    fn request(&mut self, depth: usize, link_id: LinkId, arrow: &str) {
        let link = self.design.link(link_id);
        let (ms, _) = link_round_trip(self.design, link_id);
        let mut text = format!("{} · {} round trip", self.op, format::ms(ms));
        if link.fanout == Fanout::All
            && let Some(shard) = &self.design.component(link.to).shard
        {
            text.push_str(&format!(" · to all {} shards", shard.count));
        }
        let head = format!("{}{arrow}{}: ", self.id(link.from), self.id(link.to));
        self.push(depth, head, text);
    }

    /// The answer of `component` to `caller`, labelled with its latency.
    fn answer(&mut self, depth: usize, component: ComponentId, caller: ComponentId, what: &str) {
        let answering = self.design.component(component);
        let latency = latency_text(answering);
        let head = format!("{}-->>{}: ", self.id(component), self.id(caller));
        self.push(depth, head, format!("{what} · {} {latency}", answering.id));
    }

    /// The synchronous part from node `idx` on (iteratively nested: each
    /// cache opens an `alt` that its miss branch continues).
    /// `background_hops[i]` is the flow's hop into `background[i]`.
    fn sync_part(
        &mut self,
        nodes: &[ComponentId],
        links: &[LinkId],
        background: &[ComponentId],
        background_hops: &[LinkId],
    ) {
        let mut depth = 0;
        let mut pending_answers: Vec<(usize, ComponentId, ComponentId, bool)> = Vec::new();
        for (idx, &node) in nodes.iter().enumerate().skip(1) {
            let caller = nodes[idx - 1];
            let Some(&link_id) = links.get(idx - 1) else {
                break;
            };
            let is_async = self.design.link(link_id).mode.is_async();
            self.request(depth, link_id, if is_async { "-)" } else { "->>" });
            let component = self.design.component(node);
            let is_last = idx + 1 == nodes.len() && links.len() < nodes.len();
            let hit_ratio = component.hit_ratio();
            if component.kind.is_cache_like() && !is_last && hit_ratio > 0.0 {
                let hit = format!("{} hit ({})", component.id, format::ratio_percent(hit_ratio));
                self.push(depth, "alt ".to_string(), hit);
                self.answer(depth + 1, node, caller, "hit");
                let miss = format!("miss ({})", format::ratio_percent(1.0 - hit_ratio));
                self.push(depth, "else ".to_string(), miss);
                pending_answers.push((depth, node, caller, true));
                depth += 1;
            } else if is_last {
                let what = if component.kind == Kind::Queue {
                    "acknowledged"
                } else {
                    "response"
                };
                self.answer(depth, node, caller, what);
            } else {
                pending_answers.push((depth, node, caller, false));
            }
        }
        // A fire-and-forget hop: its own round trip, nothing back.
        if links.len() >= nodes.len()
            && let Some(&link_id) = links.last()
        {
            self.request(depth, link_id, "-)");
        }
        // Answers travel back up, closing each cache's `alt`.
        while let Some((answer_depth, node, caller, closes_alt)) = pending_answers.pop() {
            self.answer(answer_depth + usize::from(closes_alt), node, caller, "response");
            if closes_alt {
                self.push(answer_depth, "end".to_string(), String::new());
            }
        }
        self.background(nodes, links, background, background_hops);
    }

    /// Work after the async hop, as async messages along the flow's path,
    /// each over the flow's own hop.
    fn background(
        &mut self,
        nodes: &[ComponentId],
        links: &[LinkId],
        background: &[ComponentId],
        background_hops: &[LinkId],
    ) {
        let Some(&last_sync) = nodes.last() else {
            return;
        };
        // After a fire-and-forget call the first background component is
        // the call's target, whose message is already drawn.
        let from_caller = links.len() >= nodes.len();
        let skip = usize::from(from_caller);
        if background.len() <= skip {
            return;
        }
        let mut previous = if from_caller { background[0] } else { last_sync };
        let text = if from_caller {
            "background work after the fire-and-forget call"
        } else {
            "background work (not in the response time)"
        };
        self.push(0, format!("Note over {}: ", self.id(previous)), text.to_string());
        for (&next, &link_id) in background.iter().zip(background_hops).skip(skip) {
            let (ms, _) = link_round_trip(self.design, link_id);
            let verb = if self.design.component(previous).kind == Kind::Queue {
                "deliver"
            } else {
                "call"
            };
            let label = format!(
                "{verb} · {} round trip · {}",
                format::ms(ms),
                latency_text(self.design.component(next))
            );
            let head = format!("{}-){}: ", self.id(previous), self.id(next));
            self.push(0, head, label);
            previous = next;
        }
    }
}

/// What is left to draw of a call tree.
enum Task {
    Visit(usize, usize),
    Line(usize, String, String),
    Answer(usize, ComponentId, ComponentId, &'static str),
}

impl Builder<'_> {
    /// A flow that branches (language.md §5): the calls in order, a `par`
    /// block per parallel step, an `alt` (hit / miss) per cdn or cache visit
    /// with calls, then the background work as async messages.
    fn tree(&mut self, flow: &Flow) {
        let states = flow.visit_sync(self.design);
        let mut stack: Vec<Task> = vec![Task::Visit(0, 0)];
        while let Some(task) = stack.pop() {
            let (idx, depth) = match task {
                Task::Visit(idx, depth) => (idx, depth),
                Task::Line(depth, head, text) => {
                    self.push(depth, head, text);
                    continue;
                }
                Task::Answer(depth, node, caller, what) => {
                    self.answer(depth, node, caller, what);
                    continue;
                }
            };
            let visit = &flow.visits[idx];
            let caller = visit.parent.map(|parent| flow.visits[parent].component);
            self.op = visit.op;
            if let Some(link_id) = visit.link {
                let is_async = self.design.link(link_id).mode.is_async();
                self.request(depth, link_id, if is_async { "-)" } else { "->>" });
            }
            match states[idx] {
                crate::model::VisitSync::Background => continue,
                crate::model::VisitSync::SyncEnd => {
                    if let Some(caller) = caller {
                        self.answer(depth, visit.component, caller, "acknowledged");
                    }
                    continue;
                }
                crate::model::VisitSync::Sync => {}
            }
            let component = self.design.component(visit.component);
            let hit_ratio = component.hit_ratio();
            let alt = caller.is_some() && component.kind.is_cache_like() && !visit.steps.is_empty() && hit_ratio > 0.0;
            let mut after: Vec<Task> = Vec::new();
            let inner = if alt {
                if let Some(caller) = caller {
                    let hit = format!("{} hit ({})", component.id, format::ratio_percent(hit_ratio));
                    self.push(depth, "alt ".to_string(), hit);
                    self.answer(depth + 1, visit.component, caller, "hit");
                    self.push(
                        depth,
                        "else ".to_string(),
                        format!("miss ({})", format::ratio_percent(1.0 - hit_ratio)),
                    );
                }
                depth + 1
            } else {
                depth
            };
            for step in &visit.steps {
                if step.calls.len() > 1 {
                    for (number, call) in step.calls.iter().enumerate() {
                        let head = if number == 0 { "par " } else { "and " };
                        let callee = &self.design.component(flow.visits[*call].component).id;
                        after.push(Task::Line(inner, head.to_string(), format!("call {callee}")));
                        after.push(Task::Visit(*call, inner + 1));
                    }
                    after.push(Task::Line(inner, "end".to_string(), String::new()));
                } else {
                    for call in &step.calls {
                        after.push(Task::Visit(*call, inner));
                    }
                }
            }
            if let Some(caller) = caller {
                after.push(Task::Answer(inner, visit.component, caller, "response"));
            }
            if alt {
                after.push(Task::Line(depth, "end".to_string(), String::new()));
            }
            stack.extend(after.into_iter().rev());
        }
        // Background work: every call made after an async hop.
        let mut noted = false;
        for (idx, visit) in flow.visits.iter().enumerate() {
            let (Some(parent), Some(link_id)) = (visit.parent, visit.link) else {
                continue;
            };
            if states[idx] != crate::model::VisitSync::Background || states[parent] == crate::model::VisitSync::Sync {
                continue;
            }
            let previous = flow.visits[parent].component;
            if !noted {
                self.push(
                    0,
                    format!("Note over {}: ", self.id(previous)),
                    "background work (not in the response time)".to_string(),
                );
                noted = true;
            }
            let (ms, _) = link_round_trip(self.design, link_id);
            let verb = if self.design.component(previous).kind == Kind::Queue {
                "deliver"
            } else {
                "call"
            };
            let label = format!(
                "{verb} · {} round trip · {}",
                format::ms(ms),
                latency_text(self.design.component(visit.component))
            );
            let head = format!("{}-){}: ", self.id(previous), self.id(visit.component));
            self.push(0, head, label);
        }
    }
}

fn latency_text(component: &crate::model::Component) -> String {
    let latency = &component.latency;
    if component.kind == Kind::Client {
        return "0 ms".to_string();
    }
    if latency.p99_ms > latency.p50_ms {
        format!(
            "p50 {} · p99 {}",
            format::ms(latency.p50_ms),
            format::ms(latency.p99_ms)
        )
    } else {
        format::ms(latency.p50_ms)
    }
}

/// The sequence diagram of one flow.
pub fn flow(design: &Design, flow: &Flow) -> Result<String, RenderError> {
    let part = flow.sync_part(design);
    let mut participants = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in flow.visits.iter().map(|visit| visit.component) {
        if seen.insert(id) {
            let component = design.component(id);
            let label = match &component.technology_name {
                Some((technology, _)) => format!("{} ({} · {technology})", component.id, component.kind),
                None => format!("{} ({})", component.id, component.kind),
            };
            participants.push(Participant {
                id: node_id(&component.id),
                label,
            });
        }
    }
    let mut builder = Builder {
        design,
        op: flow.op,
        lines: Vec::new(),
    };
    let title = match &flow.label {
        Some(label) => format!("flow {}: {label}", flow.id),
        None => format!("flow {}", flow.id),
    };
    if let Some(&first) = flow.path.first() {
        builder.push(
            0,
            format!("Note over {}: ", node_id(&design.component(first).id)),
            title,
        );
    }
    if !flow.is_path_only() {
        builder.tree(flow);
        return render(participants, builder.lines);
    }
    // The hops into the background components: the path's last hops.
    let background_hops = flow
        .hops
        .get(flow.hops.len().saturating_sub(part.background.len())..)
        .unwrap_or(&[]);
    builder.sync_part(&part.nodes, &part.links, &part.background, background_hops);
    render(participants, builder.lines)
}

fn render(participants: Vec<Participant>, lines: Vec<Line>) -> Result<String, super::RenderError> {
    let sequence = Sequence { participants, lines };
    let mut text = super::rendered("sequence.mmd", sequence.render())?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fire-and-forget call is drawn once, then the work after it along
    /// the flow's own hops.
    #[test]
    fn a_fire_and_forget_call_is_drawn_once() {
        let design = crate::estimate::test_design(
            "system s {\n  client u { rps = 10 }\n  service api { replicas = 2 }\n  service mailer { replicas = 2 }\n  external smtp\n  u -> api\n  api -> mailer { mode = async }\n  mailer -> smtp\n  flow f { path = u -> api -> mailer -> smtp }\n}\n",
        );
        let text = flow(&design, &design.flows[0]).unwrap();
        assert_eq!(text.matches("n_api-)n_mailer").count(), 1, "{text}");
        assert_eq!(text.matches("n_mailer-)n_smtp").count(), 1, "{text}");
        assert!(
            text.contains("Note over n_mailer: background work after the fire-and-forget call"),
            "{text}"
        );
    }
}
