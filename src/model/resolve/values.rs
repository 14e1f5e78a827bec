//! Typed values: a property's value read as its schema type. The scalar
//! readers are pure functions returning `Result<T, ValueError>`, a
//! diagnostic without a span; the caller ties it to the value's location
//! (`Resolver::value`). Block values (latency, rate limits, replication,
//! shards, lists) report each field at its own span.

use super::*;

/// What is wrong with a value, without where: an `invalid-value`
/// diagnostic's message, label and help. The caller ties it to the value's
/// span ([`Resolver::at`]), so these readers know nothing of locations.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ValueError {
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
}

/// `name` expects a value of type `ty` and found `found`.
pub(super) fn type_error(name: &str, found: &ValueKind, ty: schema::ValueType) -> ValueError {
    let help = match (ty, found) {
        (schema::ValueType::Duration, ValueKind::Quantity(quantity)) if quantity.unit == Unit::None => {
            format!("durations need a unit: {0}ms, {0}s, {0}m or {0}h", quantity.text)
        }
        (schema::ValueType::Percentage, ValueKind::Quantity(quantity)) if quantity.unit == Unit::None => {
            format!("write a percentage with `%`, like {}%", quantity.text)
        }
        _ => format!("write {}", ty.describe()),
    };
    ValueError {
        message: format!("`{name}` expects {}, found {}", ty.describe(), found.describe()),
        label: Some(format!("expected {}", short_type(ty))),
        help: Some(help),
    }
}

pub(super) fn out_of_range(name: &str, ty: schema::ValueType, message: String) -> ValueError {
    ValueError {
        message,
        label: Some("out of range".to_string()),
        help: Some(format!("`{name}` takes {}", ty.describe())),
    }
}

fn quantity<'v>(name: &str, value: &'v ValueKind, ty: schema::ValueType) -> Result<&'v Quantity, ValueError> {
    match value {
        ValueKind::Quantity(quantity) => Ok(quantity),
        _ => Err(type_error(name, value, ty)),
    }
}

pub(super) fn count(name: &str, value: &ValueKind, min: u32) -> Result<u32, ValueError> {
    let ty = schema::ValueType::Count { min };
    let quantity = quantity(name, value, ty)?;
    if quantity.unit != Unit::None || quantity.value.fract() != 0.0 {
        return Err(type_error(name, value, ty));
    }
    if quantity.value < f64::from(min) {
        let text = &quantity.text;
        return Err(out_of_range(
            name,
            ty,
            format!("`{name}` must be at least {min}, found {text}"),
        ));
    }
    if quantity.value > f64::from(u32::MAX) {
        let text = &quantity.text;
        return Err(out_of_range(name, ty, format!("`{name}` is too large: {text}")));
    }
    Ok(quantity.value as u32)
}

pub(super) fn ratio(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let ty = schema::ValueType::Ratio;
    let quantity = quantity(name, value, ty)?;
    if !matches!(quantity.unit, Unit::None | Unit::Percent) || quantity.si {
        return Err(type_error(name, value, ty));
    }
    if !(0.0..=1.0).contains(&quantity.value) {
        let text = &quantity.text;
        return Err(out_of_range(
            name,
            ty,
            format!("`{name}` must be between 0 and 1, found {text}"),
        ));
    }
    Ok(quantity.value)
}

pub(super) fn percentage(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let ty = schema::ValueType::Percentage;
    let quantity = quantity(name, value, ty)?;
    let fraction = match quantity.unit {
        Unit::Percent => quantity.value,
        // A fraction like 0.999 is accepted; 99.9 without `%` is not.
        Unit::None if (0.0..=1.0).contains(&quantity.value) && !quantity.si => quantity.value,
        _ => return Err(type_error(name, value, ty)),
    };
    if !(0.0..=1.0).contains(&fraction) {
        let text = &quantity.text;
        return Err(out_of_range(
            name,
            ty,
            format!("`{name}` must be between 0% and 100%, found {text}"),
        ));
    }
    Ok(fraction)
}

pub(super) fn duration(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let ty = schema::ValueType::Duration;
    let quantity = quantity(name, value, ty)?;
    if quantity.unit != Unit::Duration && !(quantity.unit == Unit::None && quantity.value == 0.0) {
        return Err(type_error(name, value, ty));
    }
    if quantity.value < 0.0 {
        let text = &quantity.text;
        return Err(out_of_range(
            name,
            ty,
            format!("`{name}` cannot be negative, found {text}"),
        ));
    }
    Ok(quantity.value)
}

pub(super) fn rate(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let ty = schema::ValueType::Rate;
    let quantity = quantity(name, value, ty)?;
    if !matches!(quantity.unit, Unit::Rate | Unit::None) {
        return Err(type_error(name, value, ty));
    }
    if quantity.value < 0.0 {
        let text = &quantity.text;
        return Err(out_of_range(
            name,
            ty,
            format!("`{name}` cannot be negative, found {text}"),
        ));
    }
    Ok(quantity.value)
}

pub(super) fn positive_rate(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let rate = rate(name, value)?;
    if rate <= 0.0 {
        return Err(out_of_range(
            name,
            schema::ValueType::Rate,
            format!("`{name}` must be more than 0"),
        ));
    }
    Ok(rate)
}

pub(super) fn size(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let ty = schema::ValueType::Size;
    let quantity = quantity(name, value, ty)?;
    if quantity.unit != Unit::Size || quantity.value < 0.0 {
        return Err(type_error(name, value, ty));
    }
    Ok(quantity.value)
}

pub(super) fn bandwidth(name: &str, value: &ValueKind) -> Result<f64, ValueError> {
    let ty = schema::ValueType::Bandwidth;
    let quantity = quantity(name, value, ty)?;
    if quantity.unit != Unit::Bandwidth || quantity.value <= 0.0 {
        return Err(type_error(name, value, ty));
    }
    Ok(quantity.value)
}

pub(super) fn layer(value: &ValueKind) -> Result<u8, ValueError> {
    match value {
        ValueKind::Quantity(quantity)
            if quantity.unit == Unit::None && (quantity.value == 4.0 || quantity.value == 7.0) =>
        {
            Ok(quantity.value as u8)
        }
        _ => Err(type_error("layer", value, schema::ValueType::Layer)),
    }
}

pub(super) fn boolean(name: &str, value: &ValueKind) -> Result<bool, ValueError> {
    match value {
        ValueKind::Word(word) if word == "true" => Ok(true),
        ValueKind::Word(word) if word == "false" => Ok(false),
        _ => Err(type_error(name, value, schema::ValueType::Bool)),
    }
}

pub(super) fn word(name: &str, value: &ValueKind) -> Result<String, ValueError> {
    match value {
        ValueKind::Word(word) => Ok(word.clone()),
        _ => Err(type_error(name, value, schema::ValueType::Name)),
    }
}

pub(super) fn string(name: &str, value: &ValueKind) -> Result<String, ValueError> {
    match value {
        ValueKind::String(text) => Ok(text.clone()),
        _ => Err(type_error(name, value, schema::ValueType::String)),
    }
}

/// "did you mean `x`? `name` is one of ...": the help of an unknown word.
fn one_of_help<T: Keyword>(name: &str, word: &str) -> String {
    match did_you_mean(word, T::NAMES.iter().copied()) {
        Some(suggestion) => format!("did you mean `{suggestion}`? `{name}` is one of {}", one_of(T::NAMES)),
        None => format!("`{name}` is one of {}", one_of(T::NAMES)),
    }
}

pub(super) fn keyword<T: Keyword>(name: &str, value: &ValueKind) -> Result<T, ValueError> {
    let word = match value {
        ValueKind::Word(word) | ValueKind::RuleName(word) => word.as_str(),
        ValueKind::String(text) => text.as_str(),
        _ => return Err(type_error(name, value, schema::ValueType::Enum(T::NAMES))),
    };
    T::parse(word).ok_or_else(|| ValueError {
        message: format!("unknown {name} `{word}`"),
        label: Some("not allowed here".to_string()),
        help: Some(one_of_help::<T>(name, word)),
    })
}

/// The tag of a tagged block (`token_bucket { ... }`), one of `T`.
fn tag<T: Keyword>(name: &str, tag: &str) -> Result<T, ValueError> {
    T::parse(tag).ok_or_else(|| ValueError {
        message: format!("unknown {name} `{tag}`"),
        label: Some("not allowed here".to_string()),
        help: Some(one_of_help::<T>(name, tag)),
    })
}

/// Values made of several parts (a latency block, lists, tagged blocks):
/// each part is read by the functions above and its error reported at the
/// part's own span, so these report as they go.
impl Resolver {
    pub(super) fn latency(&mut self, value: &Value) -> Option<(f64, f64)> {
        match &value.kind {
            ValueKind::Quantity(_) => {
                // A duration alone sets p50; p99 is p50 × the tail factor of
                // the kind, applied by the caller below.
                let p50 = self.at(value.span, duration("latency", &value.kind))?;
                Some((p50, f64::NAN))
            }
            ValueKind::Block(block) => {
                let mut p50 = None;
                let mut p99 = None;
                let mut seen = Vec::new();
                for property in &block.properties {
                    if !self.check_duplicate(&mut seen, property) {
                        continue;
                    }
                    match property.name.name.as_str() {
                        "p50" => p50 = self.at(property.value.span, duration("p50", &property.value.kind)),
                        "p99" => p99 = self.at(property.value.span, duration("p99", &property.value.kind)),
                        other => {
                            let help = did_you_mean_help(other, ["p50", "p99"])
                                .unwrap_or_else(|| "a latency block takes `p50` and `p99`".to_string());
                            self.error(
                                codes::UNKNOWN_PROPERTY,
                                property.name.span,
                                format!("unknown latency field `{other}`"),
                            )
                            .help = Some(help);
                        }
                    }
                }
                let Some(p50) = p50 else {
                    self.error(codes::INVALID_VALUE, value.span, "a latency block needs `p50`")
                        .help = Some("write { p50 = 5ms, p99 = 20ms }".to_string());
                    return None;
                };
                let p99 = p99.unwrap_or(f64::NAN);
                if p99 < p50 {
                    self.error(codes::INVALID_VALUE, value.span, "`p99` is below `p50`")
                        .help = Some("the 99th percentile is at least the median".to_string());
                    return None;
                }
                Some((p50, p99))
            }
            _ => {
                self.report(
                    value.span,
                    type_error("latency", &value.kind, schema::ValueType::Latency),
                );
                None
            }
        }
    }

    pub(super) fn tags(&mut self, name: &str, value: &Value) -> Option<Vec<String>> {
        let ValueKind::List(items) = &value.kind else {
            self.report(value.span, type_error(name, &value.kind, schema::ValueType::Tags));
            return None;
        };
        let mut tags = Vec::new();
        for item in items {
            match &item.kind {
                ValueKind::String(text) | ValueKind::Word(text) | ValueKind::RuleName(text) => tags.push(text.clone()),
                ValueKind::Quantity(quantity) => tags.push(quantity.text.to_string()),
                _ => self.report(item.span, type_error(name, &item.kind, schema::ValueType::String)),
            }
        }
        Some(tags)
    }

    /// Rule names are checked against the rule catalog by `analysis`, which
    /// knows the rules; here they are only collected.
    pub(super) fn rule_list(&mut self, name: &str, value: &Value) -> Option<Vec<Allow>> {
        let ValueKind::List(items) = &value.kind else {
            self.report(value.span, type_error(name, &value.kind, schema::ValueType::RuleList));
            return None;
        };
        let mut rules = Vec::new();
        for item in items {
            match &item.kind {
                ValueKind::RuleName(rule) | ValueKind::Word(rule) | ValueKind::String(rule) => rules.push(Allow {
                    rule: rule.clone(),
                    span: item.span,
                }),
                _ => self.report(item.span, type_error(name, &item.kind, schema::ValueType::RuleList)),
            }
        }
        Some(rules)
    }

    /// Reads a tagged block's fields by a table of names; reports unknown and
    /// missing fields. Returns the properties by name.
    fn fields<'b>(
        &mut self,
        what: &str,
        block: &'b Block,
        required: &[&str],
        optional: &[&str],
    ) -> Option<HashMap<&'b str, &'b Value>> {
        let mut fields = HashMap::default();
        let mut ok = true;
        let mut seen = Vec::new();
        for property in &block.properties {
            let name = property.name.name.as_str();
            if !self.check_duplicate(&mut seen, property) {
                ok = false;
                continue;
            }
            if required.contains(&name) || optional.contains(&name) {
                fields.insert(name, &property.value);
            } else {
                let all: Vec<&str> = required.iter().chain(optional).copied().collect();
                let help = did_you_mean_help(name, all.iter().copied()).unwrap_or_else(|| {
                    if name == "hot_share" {
                        // A hot key skews a hashed spread only.
                        format!(
                            "`{what}` takes {}; `hot_share` is for `hash` and `consistent_hash`",
                            one_of(&all)
                        )
                    } else {
                        format!("`{what}` takes {}", one_of(&all))
                    }
                });
                let diagnostic = self.error(
                    codes::UNKNOWN_PROPERTY,
                    property.name.span,
                    format!("unknown field `{name}` in `{what}`"),
                );
                diagnostic.help = Some(help);
                diagnostic.label = Some("unknown field".to_string());
                ok = false;
            }
        }
        for name in required {
            if !fields.contains_key(name) {
                let all: Vec<&str> = required.to_vec();
                self.error(codes::INVALID_VALUE, block.span, format!("`{what}` needs `{name}`"))
                    .help = Some(format!("`{what}` takes {}", one_of(&all)));
                ok = false;
            }
        }
        ok.then_some(fields)
    }

    fn tagged<'v>(
        &mut self,
        name: &str,
        value: &'v Value,
        ty: schema::ValueType,
    ) -> Option<(&'v ast::Ident, &'v Block)> {
        match &value.kind {
            ValueKind::Tagged(tagged) => Some((&tagged.0, &tagged.1)),
            _ => {
                self.report(value.span, type_error(name, &value.kind, ty));
                None
            }
        }
    }

    /// A load balancer's `algorithm`: a word, or `consistent_hash { key = K }`
    /// (which needs its key).
    pub(super) fn algorithm(&mut self, value: &Value) -> Option<(Algorithm, Option<String>)> {
        if let ValueKind::Tagged(tagged) = &value.kind {
            let (tag, block) = (&tagged.0, &tagged.1);
            let algorithm: Algorithm = self.at(tag.span, keyword("algorithm", &ValueKind::Word(tag.name.clone())))?;
            if algorithm != Algorithm::ConsistentHash {
                let diagnostic = self.error(codes::INVALID_VALUE, tag.span, format!("`{}` takes no block", tag.name));
                diagnostic.help = Some(format!("write `algorithm = {}`", tag.name));
                return None;
            }
            let fields = self.fields("consistent_hash", block, &["key"], &[])?;
            let key = fields.get("key").and_then(|value| match &value.kind {
                ValueKind::Word(word) | ValueKind::String(word) => Some(word.clone()),
                _ => {
                    self.report(value.span, type_error("key", &value.kind, schema::ValueType::Name));
                    None
                }
            })?;
            return Some((algorithm, Some(key)));
        }
        let algorithm: Algorithm = self.at(value.span, keyword("algorithm", &value.kind))?;
        if algorithm == Algorithm::ConsistentHash {
            let diagnostic = self.error(
                codes::INVALID_VALUE,
                value.span,
                "`consistent_hash` needs the key that picks the instance",
            );
            diagnostic.help = Some("write `algorithm = consistent_hash { key = user_id }`".to_string());
            return None;
        }
        Some((algorithm, None))
    }

    pub(super) fn rate_limit(&mut self, value: &Value) -> Option<RateLimit> {
        let (tag, block) = self.tagged("rate_limit", value, schema::ValueType::RateLimit)?;
        let algorithm: RateLimitAlgorithm = self.at(tag.span, self::tag("rate_limit", &tag.name))?;
        let (required, amount) = if algorithm.is_window() {
            (["limit", "window", "per"], "limit")
        } else {
            (["capacity", "refill", "per"], "capacity")
        };
        let fields = self.fields(algorithm.as_str(), block, &required, &[])?;
        let limit = fields
            .get(amount)
            .and_then(|value| self.at(value.span, count(amount, &value.kind, 1)));
        let per = fields
            .get("per")
            .and_then(|value| self.at(value.span, keyword::<RateLimitScope>("per", &value.kind)));
        let (window_ms, refill_per_s) = if algorithm.is_window() {
            let window = fields
                .get("window")
                .and_then(|value| self.at(value.span, duration("window", &value.kind)));
            if window == Some(0.0) {
                self.error(codes::INVALID_VALUE, value.span, "`window` must be longer than 0");
                return None;
            }
            (Some(window?), None)
        } else {
            (
                None,
                Some(
                    fields
                        .get("refill")
                        .and_then(|value| self.at(value.span, positive_rate("refill", &value.kind)))?,
                ),
            )
        };
        Some(RateLimit {
            algorithm,
            limit: f64::from(limit?),
            window_ms,
            refill_per_s,
            per: per?,
            span: value.span,
        })
    }

    pub(super) fn replication(&mut self, value: &Value) -> Option<Replication> {
        if let ValueKind::Word(word) = &value.kind
            && word == "none"
        {
            return Some(Replication::None);
        }
        let (tag, block) = self.tagged("replication", value, schema::ValueType::Replication)?;
        match tag.name.as_str() {
            "primary_replica" => {
                let fields = self.fields("primary_replica", block, &["replicas"], &["mode", "failover"])?;
                let replicas = fields
                    .get("replicas")
                    .and_then(|value| self.at(value.span, count("replicas", &value.kind, 1)));
                let mode = match fields.get("mode") {
                    Some(value) => Some(self.at(value.span, keyword::<ReplicationMode>("mode", &value.kind))?),
                    None => Some(ReplicationMode::Async),
                };
                let failover = match fields.get("failover") {
                    Some(value) => Some(self.at(value.span, keyword::<Failover>("failover", &value.kind))?),
                    None => Some(Failover::Manual),
                };
                Some(Replication::PrimaryReplica {
                    replicas: replicas?,
                    mode: mode?,
                    failover: failover?,
                })
            }
            "multi_primary" => {
                let fields = self.fields("multi_primary", block, &["primaries"], &["conflict"])?;
                let primaries = fields
                    .get("primaries")
                    .and_then(|value| self.at(value.span, count("primaries", &value.kind, 2)));
                let conflict = match fields.get("conflict") {
                    Some(value) => Some(self.at(value.span, keyword::<Conflict>("conflict", &value.kind))?),
                    None => None,
                };
                Some(Replication::MultiPrimary {
                    primaries: primaries?,
                    conflict,
                })
            }
            "quorum" => {
                let fields = self.fields("quorum", block, &["n", "r", "w"], &[])?;
                let n = fields
                    .get("n")
                    .and_then(|value| self.at(value.span, count("n", &value.kind, 1)));
                let r = fields
                    .get("r")
                    .and_then(|value| self.at(value.span, count("r", &value.kind, 1)));
                let w = fields
                    .get("w")
                    .and_then(|value| self.at(value.span, count("w", &value.kind, 1)));
                let (n, r, w) = (n?, r?, w?);
                for (field, count) in [("r", r), ("w", w)] {
                    if count > n {
                        if let Some(value) = fields.get(field) {
                            let error = out_of_range(
                                field,
                                schema::ValueType::Count { min: 1 },
                                format!("`{field}` = {count} is more than the {n} nodes of the quorum"),
                            );
                            self.report(value.span, error);
                        }
                        return None;
                    }
                }
                Some(Replication::Quorum { n, r, w })
            }
            other => {
                let names = ["none", "primary_replica", "multi_primary", "quorum"];
                let help = match did_you_mean(other, names) {
                    Some(suggestion) => format!(
                        "did you mean `{suggestion}`? `replication` is one of {}",
                        one_of(&names)
                    ),
                    None => format!("`replication` is one of {}", one_of(&names)),
                };
                let diagnostic = self.error(codes::INVALID_VALUE, tag.span, format!("unknown replication `{other}`"));
                diagnostic.help = Some(help);
                None
            }
        }
    }

    pub(super) fn shard(&mut self, value: &Value) -> Option<Shard> {
        let (tag, block) = self.tagged("shard", value, schema::ValueType::Shard)?;
        let strategy: ShardStrategy = self.at(tag.span, self::tag("shard", &tag.name))?;
        // A hot key only skews a hashed spread: range, geo and directory
        // place keys on purpose.
        let optional: &[&str] = match strategy {
            ShardStrategy::Hash | ShardStrategy::ConsistentHash => &["hot_share"],
            _ => &[],
        };
        let fields = self.fields(strategy.as_str(), block, &["key", "count"], optional)?;
        let key = fields.get("key").and_then(|value| match &value.kind {
            ValueKind::Word(word) | ValueKind::String(word) => Some(word.clone()),
            _ => {
                self.report(value.span, type_error("key", &value.kind, schema::ValueType::Name));
                None
            }
        });
        let count = fields
            .get("count")
            .and_then(|value| self.at(value.span, count("count", &value.kind, 1)));
        let hot_share = match fields.get("hot_share") {
            Some(value) => Some(Some(self.at(value.span, ratio("hot_share", &value.kind))?)),
            None => Some(None),
        };
        Some(Shard {
            strategy,
            key: key?,
            count: count?,
            hot_share: hot_share?,
            span: value.span,
        })
    }
}

fn short_type(ty: schema::ValueType) -> &'static str {
    match ty {
        schema::ValueType::Count { .. } => "a whole number",
        schema::ValueType::Ratio => "a ratio",
        schema::ValueType::Percentage => "a percentage",
        schema::ValueType::Duration | schema::ValueType::Latency => "a duration",
        schema::ValueType::Rate => "a rate",
        schema::ValueType::Size => "a size",
        schema::ValueType::Bandwidth => "a bandwidth",
        schema::ValueType::Bool => "true or false",
        schema::ValueType::Enum(_) => "a keyword",
        schema::ValueType::Layer => "4 or 7",
        schema::ValueType::Region => "a region",
        schema::ValueType::String => "a string",
        schema::ValueType::Tags | schema::ValueType::RuleList => "a list",
        schema::ValueType::RateLimit
        | schema::ValueType::Replication
        | schema::ValueType::Shard
        | schema::ValueType::Slo => "a block",
        schema::ValueType::DeadLetter => "true, false or a queue",
        schema::ValueType::Path => "a path",
        schema::ValueType::Name => "a name",
    }
}

#[cfg(test)]
mod tests {
    use crate::model::load::test_design as design;

    #[test]
    fn values_read_without_a_location() {
        use super::{ValueError, count, duration, keyword, percentage};
        use crate::syntax::ast::{Quantity, Unit, ValueKind};
        let quantity = |value: f64, unit: Unit, text: &str| {
            ValueKind::Quantity(Quantity {
                value,
                unit,
                si: false,
                fractional: text.contains('.'),
                text: text.into(),
            })
        };
        assert_eq!(count("replicas", &quantity(3.0, Unit::None, "3"), 1), Ok(3));
        assert_eq!(
            count("replicas", &quantity(0.0, Unit::None, "0"), 1),
            Err(ValueError {
                message: "`replicas` must be at least 1, found 0".to_string(),
                label: Some("out of range".to_string()),
                help: Some("`replicas` takes a whole number of at least 1, such as 3".to_string()),
            })
        );
        let error = duration("ttl", &quantity(5.0, Unit::None, "5")).unwrap_err();
        assert_eq!(error.help.as_deref(), Some("durations need a unit: 5ms, 5s, 5m or 5h"));
        assert_eq!(
            percentage("availability", &quantity(0.999, Unit::None, "0.999")),
            Ok(0.999)
        );
        let error = keyword::<crate::model::Op>("op", &ValueKind::Word("reed".to_string())).unwrap_err();
        assert_eq!(error.message, "unknown op `reed`");
        assert_eq!(error.label.as_deref(), Some("not allowed here"));
    }

    #[test]
    fn a_latency_alone_sets_p50_and_the_kind_sets_the_tail() {
        let design =
            design("system s {\n  service a { latency = 4ms }\n  service b { latency = { p50 = 1ms, p99 = 3ms } }\n}");
        assert_eq!(
            (design.components[0].latency.p50_ms, design.components[0].latency.p99_ms),
            (4.0, 20.0)
        );
        assert_eq!(
            (design.components[1].latency.p50_ms, design.components[1].latency.p99_ms),
            (1.0, 3.0)
        );
    }
}
