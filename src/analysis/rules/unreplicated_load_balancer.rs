//! The `unreplicated-load-balancer` rule: a load balancer or gateway has one instance.

use crate::analysis::{Context, Finding, wording};
use crate::analysis::{Edit, Fix, Target};
use crate::model::{Component, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A `load_balancer` or `gateway` with one instance: `replicas = 1`, the
    /// default. A managed technology (aws_alb, aws_api_gateway, ...) counts
    /// as redundant unless `replicas` is written.
    ///
    /// ## Why it matters
    ///
    /// A load balancer is there to take away single points of failure; a
    /// single one is itself one, in front of everything. Three replicas at
    /// 99.9% behind one load balancer at 99.9% give about 99.9%, not
    /// 99.9999%.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system web {
    ///   client users
    ///   load_balancer lb : nginx
    ///   service app { replicas = 3 }
    ///
    ///   users -> lb -> app
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system web {
    ///   client users
    ///   load_balancer lb : nginx { replicas = 2, mode = active_passive }
    ///   service app { replicas = 3 }
    ///
    ///   users -> lb -> app
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `single-point-of-failure` does not report a component this rule
    /// reports, even when this finding is suppressed.
    ///
    /// ## References
    ///
    /// Availability in sequence and in parallel; [SDP].
    pub static UNREPLICATED_LOAD_BALANCER = {
        name: "unreplicated-load-balancer",
        severity: Error,
        category: Availability,
        summary: "a load balancer or gateway has one instance",
    };
}

/// Whether the rule fires on a component (the single point of failure rule
/// asks too, to report each cause once).
pub fn applies(component: &Component) -> bool {
    matches!(component.kind, Kind::LoadBalancer | Kind::Gateway) && !component.is_redundant()
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if !matches!(cx.graph.kind(id), Kind::LoadBalancer | Kind::Gateway) {
            continue;
        }
        let component = design.component(id);
        if !applies(component) {
            continue;
        }
        let what = if component.kind == Kind::Gateway {
            "gateway"
        } else {
            "load balancer"
        };
        let flows = cx.graph.flows_through(id);
        let message = if flows.is_empty() {
            format!("{what} {} has 1 instance", component.id)
        } else {
            format!(
                "{what} {} has 1 instance and {} {} through it",
                component.id,
                wording::flows(design, flows),
                if flows.len() == 1 { "passes" } else { "pass" }
            )
        };
        let mut finding = Finding::component(design, id, message)
            .label("1 instance")
            .help(format!(
                "set replicas = 2 and mode = active_passive on {}",
                component.id
            ))
            .fix(Fix::new(vec![
                Edit::set(design, Target::Component(id), "replicas", "2"),
                Edit::set(design, Target::Component(id), "mode", "active_passive"),
            ]));
        if let Some(span) = component.property_span("replicas") {
            finding = finding.secondary(span, "one replica");
        }
        out.push(finding);
    }
}
