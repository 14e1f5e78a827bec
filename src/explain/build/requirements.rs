//! Requirements and scale (section 1 of the full reference): the clients and their load, the system SLO, the
//! read/write mix and every flow with its estimate and verdict.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn requirements(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = Vec::new();
        let clients = self.ids_of(|component| component.kind == Kind::Client);
        let offered: f64 = clients
            .iter()
            .filter_map(|id| self.component(*id).rps)
            .filter(|rps| rps.is_finite())
            .sum();
        // The title is the system's label, the user's words: plain text,
        // whatever backticks it has.
        let mut intro = Text::new().plain(self.title()).rich(&format!(
            " has {} ({}) offering {} requests per second in all, and declares {}.",
            count(clients.len(), "client"),
            names(design, &clients),
            grouped(offered),
            count(design.flows.len(), "flow")
        ));
        if clients.is_empty() {
            intro = Text::new().plain(self.title()).rich(&format!(
                " declares no client, so no load reaches it, and {}.",
                count(design.flows.len(), "flow")
            ));
        }
        blocks.push(Block::Paragraph(intro));
        if !clients.is_empty() {
            let rows = clients
                .iter()
                .map(|id| {
                    let component = self.component(*id);
                    let flows: Vec<FlowId> = design
                        .flow_ids()
                        .filter(|flow| design.flow(*flow).client() == Some(*id))
                        .collect();
                    vec![
                        component.id.clone(),
                        component.label.clone().unwrap_or_default(),
                        component.rps.map_or_else(|| "not declared".to_string(), rate),
                        if flows.is_empty() {
                            "none".to_string()
                        } else {
                            flow_names(design, &flows)
                        },
                    ]
                })
                .collect();
            blocks.push(table(
                &["client", "who", "rps", "flows"],
                &[false, false, true, false],
                rows,
            ));
        }
        blocks.push(Block::Paragraph(match design.slo.is_empty() {
            true => Text::new().rich("The system sets no SLO; flows are held only to their own."),
            false => Text::new()
                .rich("The system's objective for every flow that sets no other: ")
                .strong(slo_text(&design.slo))
                .rich("."),
        }));
        if design.flows.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "No flow is declared, so there are no per-request figures: declare a `flow` for each kind of request.",
            )));
            return blocks;
        }
        let (mut reads, mut writes, mut both) = (0.0, 0.0, 0.0);
        for flow in &design.flows {
            match flow.op {
                Op::Read => reads += flow.rps,
                Op::Write => writes += flow.rps,
                Op::ReadWrite => both += flow.rps,
            }
        }
        let total = reads + writes + both;
        if total > 0.0 {
            let share = |x: f64| percent_figure(100.0 * x / total);
            let parts: Vec<String> = [(reads, "read"), (writes, "write"), (both, "both read and write")]
                .iter()
                .filter(|(rate_of, _)| *rate_of > 0.0)
                .map(|(rate_of, what)| format!("{} ({}) {what}", rate(*rate_of), share(*rate_of)))
                .collect();
            blocks.push(Block::Paragraph(Text::new().rich(&format!(
                "Of the {} requests per second the flows carry, {}.",
                grouped(total),
                join_all(&parts)
            ))));
        }
        let rows = design
            .flow_ids()
            .map(|id| {
                let flow = design.flow(id);
                let verdict = match self.flow_estimate(id).and_then(|estimate| estimate.slo.as_ref()) {
                    None => "no SLO".to_string(),
                    Some(verdict) if verdict.met => "met".to_string(),
                    Some(_) => "missed".to_string(),
                };
                let figures = self.flow_estimate(id).map_or_else(String::new, |estimate| {
                    format!(
                        "p99 {}, {}",
                        ms(estimate.latency.p99_ms),
                        percent(estimate.availability)
                    )
                });
                vec![
                    flow.id.clone(),
                    flow.label.clone().unwrap_or_default(),
                    flow.op.to_string(),
                    rate(flow.rps),
                    slo_text(&flow.slo),
                    figures,
                    verdict,
                ]
            })
            .collect();
        blocks.push(table(
            &["flow", "request", "op", "rps", "SLO", "estimate", "verdict"],
            &[false, false, false, true, false, false, false],
            rows,
        ));
        blocks
    }

    pub(super) fn title(&self) -> String {
        self.design.label.clone().unwrap_or_else(|| self.design.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{URL_SHORTENER, section};
    use crate::explain::SectionKind;

    #[test]
    fn lists_the_clients_the_slo_the_mix_and_every_flow() {
        let text = section(URL_SHORTENER, SectionKind::Requirements);
        assert!(text.contains("2 clients (visitors and creators)"), "{text}");
        assert!(text.contains("p99 ≤ 150 ms, availability ≥ 99.95%"), "{text}");
        for flow in ["redirect", "shorten", "record_click"] {
            assert!(text.contains(flow), "{flow}: {text}");
        }
        assert!(text.contains(" read"), "{text}");
    }
}
