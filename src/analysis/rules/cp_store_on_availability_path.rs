//! The `cp-store-on-availability-path` rule: a link that prefers availability goes straight into a CP store.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Cap, LinkMode, Prefers};

declare_rule! {
    /// ## What it checks
    ///
    /// A synchronous link that `prefers = availability` and goes straight
    /// into a CP store (`cap = CP`, declared or from its technology:
    /// postgres, mysql, mongodb, etcd, zookeeper, spanner, ...).
    ///
    /// ## Why it matters
    ///
    /// Under a network partition a CP store refuses the requests it cannot
    /// serve consistently. The link says the caller would rather get an
    /// answer than an error, and it will get the error.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system feed {
    ///   service api { replicas = 2 }
    ///   database posts : postgres {
    ///     replication = primary_replica { replicas = 2, mode = sync, failover = auto }
    ///   }
    ///
    ///   api -> posts { op = read, prefers = availability }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system feed {
    ///   service api { replicas = 2 }
    ///   database posts : cassandra { replication = quorum { n = 3, r = 1, w = 1 } }
    ///
    ///   api -> posts { op = read, prefers = availability }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Only the link straight into the store is judged; a cache in between
    /// is taken as the answer to the partition.
    ///
    /// ## References
    ///
    /// CAP and PACELC classes; [ABADI12],
    /// [BREWER17].
    pub static CP_STORE_ON_AVAILABILITY_PATH = {
        name: "cp-store-on-availability-path",
        severity: Warning,
        category: Consistency,
        summary: "a link that prefers availability goes straight into a CP store",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for link_id in design.link_ids() {
        let link = design.link(link_id);
        if link.mode != LinkMode::Sync || link.prefers != Some(Prefers::Availability) {
            continue;
        }
        let store = design.component(link.to);
        if store.cap() != Some(Cap::Cp) {
            continue;
        }
        let source = match (store.cap_declared, store.technology_id()) {
            (Some(_), _) | (None, None) => "declared".to_string(),
            (None, Some(technology)) => technology.to_string(),
        };
        let mut finding = Finding::link(
            design,
            link_id,
            format!(
                "{} prefers availability but goes straight into {}, a CP store ({source}) that refuses requests under a partition",
                design.link_subject(link_id),
                store.id
            ),
        )
        .label("CP store")
        .help(format!(
            "set prefers = consistency on the link, or read {} through an AP replica or a cache",
            store.id
        ))
        .fix_set(design, Target::Link(link_id), "prefers", "consistency");
        if let Some(span) = link.property_span("prefers") {
            finding = finding.secondary(span, "prefers availability");
        }
        out.push(finding);
    }
}
