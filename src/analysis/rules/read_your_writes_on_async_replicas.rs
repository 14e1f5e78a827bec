//! The `read-your-writes-on-async-replicas` rule: a read-write link may read its own writes back from lagging replicas.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Kind, Op, ReadFrom, Replication, ReplicationMode};

declare_rule! {
    /// ## What it checks
    ///
    /// A link with `op = read_write` (the default) and `read_from = any`
    /// (the default) into a database replicated `primary_replica` with
    /// `mode = async` or `semi_sync`, when the link states no `requires`
    /// (with one, `cap-mismatch` judges it).
    ///
    /// ## Why it matters
    ///
    /// The caller writes to the primary and may read back from a replica that
    /// has not applied the write yet: a user saves a profile and sees the
    /// old one.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system profiles {
    ///   service api { replicas = 2 }
    ///   database users : postgres {
    ///     replication = primary_replica { replicas = 2, mode = async, failover = auto }
    ///   }
    ///
    ///   api -> users
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system profiles {
    ///   service api { replicas = 2 }
    ///   database users : postgres {
    ///     replication = primary_replica { replicas = 2, mode = async, failover = auto }
    ///   }
    ///
    ///   api -> users { read_from = primary }
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `cap-mismatch` reports the same situation when the link `requires` a
    /// level; this rule stays quiet then.
    ///
    /// ## References
    ///
    /// Reads from asynchronous replicas; [PG-SYNC], [MONGO-DEF], [NEO-BM],
    /// [MYSQL-SEMI].
    pub static READ_YOUR_WRITES_ON_ASYNC_REPLICAS = {
        name: "read-your-writes-on-async-replicas",
        severity: Warning,
        category: Consistency,
        summary: "a read-write link may read its own writes back from lagging replicas",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for link_id in design.link_ids() {
        let link = design.link(link_id);
        if link.op != Op::ReadWrite || link.read_from != ReadFrom::Any || link.requires.is_some() {
            continue;
        }
        let database = design.component(link.to);
        if database.kind != Kind::Database {
            continue;
        }
        let Replication::PrimaryReplica { mode, .. } = database.replication else {
            continue;
        };
        if !matches!(mode, ReplicationMode::Async | ReplicationMode::SemiSync) {
            continue;
        }
        out.push(
            Finding::link(
                design,
                link_id,
                format!(
                    "{} reads and writes, but its reads may reach {mode} replicas of {} that miss its own writes",
                    design.link_subject(link_id),
                    database.id
                ),
            )
            .label(format!("reads may hit {mode} replicas"))
            .help("set read_from = primary on the link, or state requires = eventual if stale reads are fine")
            .fix_set(design, Target::Link(link_id), "read_from", "primary"),
        );
    }
}
