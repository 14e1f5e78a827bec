//! The `premature-sharding` rule: a sharded database is small enough for one server.

use crate::analysis::{Context, Finding};
use crate::format;
use crate::model::Kind;
use crate::units::SIZE_UNITS;

declare_rule! {
    /// ## What it checks
    ///
    /// A sharded database whose declared `size` is under the size one server
    /// holds comfortably: 1TB (10¹² bytes; sizes are SI, 1GB = 10⁹ bytes) by
    /// default. A database without `size` is not judged.
    ///
    /// ## Why it matters
    ///
    /// Sharding adds routing, cross-shard queries (scatter-gather), rebalancing
    /// and operational cost. Data that fits one server gains nothing from it.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system links {
    ///   database urls : postgres {
    ///     shard = hash { key = code, count = 4 }
    ///     size = 300GB
    ///   }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system links {
    ///   database urls : postgres {
    ///     size = 300GB
    ///   }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Only size is judged, not write throughput, which may justify sharding
    /// on its own; suppress the finding then. No authoritative size
    /// threshold is published: 1TB is a round figure.
    ///
    /// ## Configuration
    ///
    /// ```yaml
    /// rules:
    ///   premature-sharding: { min_size: 500GB }
    /// ```
    ///
    /// ## References
    ///
    /// The costs of sharding and scatter-gather queries; [MONGO-DISTQ].
    pub static PREMATURE_SHARDING = {
        name: "premature-sharding",
        severity: Info,
        category: Partitioning,
        summary: "a sharded database is small enough for one server",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let min_size = cx.config.min_shard_size();
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Database {
            continue;
        }
        let component = design.component(id);
        if component.kind != Kind::Database {
            continue;
        }
        let (Some(shard), Some(size)) = (&component.shard, component.size_bytes) else {
            continue;
        };
        if size >= min_size {
            continue;
        }
        let mut finding = Finding::component(
            design,
            id,
            format!(
                "{} is sharded {} ways but holds {}, which fits one server (under {})",
                component.id,
                shard.count,
                format::size(size, SIZE_UNITS),
                format::size(min_size, SIZE_UNITS)
            ),
        )
        .at(shard.span)
        .label(format!("{} shards", shard.count))
        .help(format!(
            "remove shard from {} until it outgrows one server",
            component.id
        ));
        if let Some(span) = component.property_span("size") {
            finding = finding.secondary(span, format::size(size, SIZE_UNITS));
        }
        out.push(finding);
    }
}
