//! Declarations to syntax tree: runs the pest grammar on each range the
//! splitter found and turns pest's pairs (or its errors) into our own types.
//! No pest type leaves this module.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::ast::*;
use super::lexical;
use super::split::{self, Node};
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/hld.pest"]
struct HldGrammar;

/// A syntax error, in words (never a grammar rule name).
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// What stood where the error is, in words (`` `=` ``, "the end of the line").
    pub found: String,
    /// Set when a value was expected after `NAME =`: the model, which knows
    /// each property's type, words the expectation ("expected a duration such
    /// as 5ms").
    pub expected_value_for: Option<String>,
}

/// A parsed file: every declaration that parsed, and an error for each one
/// that did not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub ast: FileAst,
    pub errors: Vec<SyntaxError>,
}

pub fn parse(file: FileId, text: &str) -> Parsed {
    let split = split::split(text);
    let mut ctx = Ctx {
        file,
        text,
        errors: Vec::new(),
    };
    for error in split.errors {
        ctx.errors.push(SyntaxError {
            span: Span::new(file, error.range.start, error.range.end),
            message: error.message,
            label: error.label,
            help: error.help,
            found: String::new(),
            expected_value_for: None,
        });
    }
    let items = ctx.nodes(&split.nodes);
    ctx.errors.sort_by_key(|error| (error.span.start, error.span.end));
    Parsed {
        ast: FileAst { items },
        errors: ctx.errors,
    }
}

struct Ctx<'t> {
    file: FileId,
    text: &'t str,
    errors: Vec<SyntaxError>,
}

impl<'t> Ctx<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn nodes(&mut self, nodes: &[Node]) -> Vec<Item> {
        let mut items = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                Node::Decl(range) => {
                    if let Some(item) = self.declaration(range.start, range.end) {
                        items.push(item);
                    }
                }
                Node::Container { header, body, close } => {
                    let body_items = self.nodes(body);
                    if let Some(mut container) = self.header(header.start, header.end) {
                        let end = close.map_or(self.text.len(), |close| close + 1);
                        container.span = self.span(header.start, end);
                        container.items = body_items;
                        items.push(Item::Container(container));
                    }
                }
            }
        }
        items
    }

    fn run(&mut self, rule: Rule, start: usize, end: usize) -> Option<Pair<'t, Rule>> {
        let input = self.text.get(start..end)?;
        match HldGrammar::parse(rule, input) {
            Ok(mut pairs) => pairs.next(),
            Err(_) => {
                // Parse again with pest's attempt tracking on, which says which
                // tokens were expected. It is off for the first try because it
                // slows every parse; once on it stays on, so the wording of an
                // error never depends on what was parsed before.
                pest::set_error_detail(true);
                if let Err(error) = HldGrammar::parse(rule, input) {
                    let error = self.describe(*error_box(error), start, input);
                    self.errors.push(error);
                }
                None
            }
        }
    }

    fn header(&mut self, start: usize, end: usize) -> Option<ContainerDecl> {
        let pair = self.run(Rule::header, start, end)?;
        let offset = start;
        let mut inner = pair.into_inner();
        let keyword = inner.next()?;
        let kind = if keyword.as_str() == "system" {
            ContainerKind::System
        } else {
            ContainerKind::Region
        };
        let id = self.ident(inner.next()?, offset);
        let mut label = None;
        for part in inner {
            if part.as_rule() == Rule::string {
                label = self.string(part, offset);
            }
        }
        Some(ContainerDecl {
            kind,
            id,
            label,
            items: Vec::new(),
            span: self.span(start, end),
            header_span: self.span(start, end),
        })
    }

    fn declaration(&mut self, start: usize, end: usize) -> Option<Item> {
        let Some(member) = self.run(Rule::member, start, end) else {
            return self.recover_component(start, end);
        };
        let offset = start;
        let pair = member.into_inner().find(|pair| pair.as_rule() != Rule::EOI)?;
        let span = self.pair_span(&pair, offset);
        match pair.as_rule() {
            Rule::import_decl => {
                let string = pair.into_inner().find(|p| p.as_rule() == Rule::string)?;
                let path = self.string(string, offset)?;
                Some(Item::Import(ImportDecl { path, span }))
            }
            Rule::rtt_decl => {
                let mut parts = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_rtt);
                let a = self.ident(parts.next()?, offset);
                let b = self.ident(parts.next()?, offset);
                let value = self.value(parts.next()?, offset)?;
                Some(Item::Rtt(RttDecl { a, b, value, span }))
            }
            Rule::slo_decl => {
                let block = pair.into_inner().find(|p| p.as_rule() == Rule::block)?;
                let block = self.block(block, offset)?;
                Some(Item::Slo(SloDecl { block, span }))
            }
            Rule::flow_decl => {
                let mut id = None;
                let mut label = None;
                let mut block = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::ident => id = Some(self.ident(part, offset)),
                        Rule::string => label = self.string(part, offset),
                        Rule::block => block = self.block(part, offset),
                        _ => {}
                    }
                }
                Some(Item::Flow(FlowDecl {
                    id: id?,
                    label,
                    block: block?,
                    span,
                }))
            }
            Rule::link_decl => {
                let mut nodes = Vec::new();
                let mut block = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::ident => nodes.push(self.ident(part, offset)),
                        Rule::block => block = self.block(part, offset),
                        _ => {}
                    }
                }
                Some(Item::Link(LinkDecl { nodes, block, span }))
            }
            Rule::component_decl => {
                let mut idents = Vec::new();
                let mut label = None;
                let mut technology = None;
                let mut block = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::ident => idents.push(self.ident(part, offset)),
                        Rule::string => label = self.string(part, offset),
                        Rule::technology => {
                            let name = part.into_inner().next()?;
                            technology = Some(self.ident(name, offset));
                        }
                        Rule::block => block = self.block(part, offset),
                        _ => {}
                    }
                }
                let mut idents = idents.into_iter();
                Some(Item::Component(ComponentDecl {
                    kind: idents.next()?,
                    id: idents.next()?,
                    label,
                    technology,
                    block,
                    span,
                    recovered: false,
                }))
            }
            _ => None,
        }
    }

    /// After a syntax error in `KIND ID ...`, keeps the kind and id so the
    /// rest of the file can refer to the component without a second error.
    fn recover_component(&self, start: usize, end: usize) -> Option<Item> {
        let text = self.text.get(start..end)?;
        let word = |from: usize| -> Option<(usize, usize)> {
            let rest = text.get(from..)?;
            let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let word_start = from + skipped;
            let word_len = text
                .get(word_start..)?
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - word_start);
            let starts_with_letter = text
                .get(word_start..)?
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            (word_len > 0 && starts_with_letter).then_some((word_start, word_start + word_len))
        };
        let (kind_start, kind_end) = word(0)?;
        let (id_start, id_end) = word(kind_end)?;
        if kind_end == id_start {
            return None;
        }
        let after = text.get(id_end..)?.trim_start_matches([' ', '\t']);
        if !(after.is_empty() || after.starts_with(['{', '"', ':'])) {
            return None;
        }
        let kind = text.get(kind_start..kind_end)?;
        if ["flow", "import", "rtt", "slo", "system", "region"].contains(&kind) {
            return None;
        }
        let ident = |from: usize, to: usize| Ident {
            name: text.get(from..to).unwrap_or_default().to_string(),
            span: self.span(start + from, start + to),
        };
        Some(Item::Component(ComponentDecl {
            kind: ident(kind_start, kind_end),
            id: ident(id_start, id_end),
            label: None,
            technology: None,
            block: None,
            span: self.span(start, end),
            recovered: true,
        }))
    }

    fn pair_span(&self, pair: &Pair<'_, Rule>, offset: usize) -> Span {
        let span = pair.as_span();
        self.span(offset + span.start(), offset + span.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>, offset: usize) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.pair_span(&pair, offset),
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>, offset: usize) -> Option<StringLit> {
        let span = self.pair_span(&pair, offset);
        let inner = pair.into_inner().next()?;
        let inner_start = offset + inner.as_span().start();
        match lexical::unescape(inner.as_str()) {
            Ok(value) => Some(StringLit { value, span }),
            Err(error) => {
                let at = inner_start + error.offset;
                self.errors.push(SyntaxError {
                    span: self.span(at, at + 2),
                    message: error.message,
                    label: "unknown escape".to_string(),
                    help: error.help,
                    found: String::new(),
                    expected_value_for: None,
                });
                None
            }
        }
    }

    fn block(&mut self, pair: Pair<'_, Rule>, offset: usize) -> Option<Block> {
        let span = self.pair_span(&pair, offset);
        let mut properties = Vec::new();
        let mut ok = true;
        for property in pair.into_inner() {
            let property_span = self.pair_span(&property, offset);
            let mut parts = property.into_inner();
            let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                continue;
            };
            let name = self.ident(name, offset);
            // `name { ... }` is `name = { ... }`.
            let value = if value.as_rule() == Rule::block {
                let span = self.pair_span(&value, offset);
                self.block(value, offset).map(|block| Value {
                    kind: ValueKind::Block(block),
                    span,
                })
            } else {
                self.value(value, offset)
            };
            match value {
                Some(value) => properties.push(Property {
                    name,
                    value,
                    span: property_span,
                }),
                None => ok = false,
            }
        }
        // A property whose value had a lexical error is reported already;
        // keep the others so their errors are found too.
        let _ = ok;
        Some(Block { properties, span })
    }

    fn value(&mut self, pair: Pair<'_, Rule>, offset: usize) -> Option<Value> {
        // `value` wraps exactly one alternative.
        let pair = if pair.as_rule() == Rule::value {
            pair.into_inner().next()?
        } else {
            pair
        };
        let span = self.pair_span(&pair, offset);
        let kind = match pair.as_rule() {
            Rule::quantity => {
                let text = pair.as_str();
                match lexical::parse_quantity(text) {
                    Ok(quantity) => ValueKind::Quantity(quantity),
                    Err(error) => {
                        let at = span.start as usize + error.offset;
                        self.errors.push(SyntaxError {
                            span: self.span(at, span.end as usize),
                            message: error.message,
                            label: "here".to_string(),
                            help: error.help,
                            found: String::new(),
                            expected_value_for: None,
                        });
                        return None;
                    }
                }
            }
            Rule::string => ValueKind::String(self.string(pair, offset)?.value),
            Rule::ident => ValueKind::Word(pair.as_str().to_string()),
            Rule::rule_name => ValueKind::RuleName(pair.as_str().to_string()),
            Rule::chain => ValueKind::Chain(pair.into_inner().map(|p| self.ident(p, offset)).collect()),
            Rule::list => {
                let mut values = Vec::new();
                for item in pair.into_inner() {
                    values.push(self.value(item, offset)?);
                }
                ValueKind::List(values)
            }
            Rule::block => ValueKind::Block(self.block(pair, offset)?),
            Rule::tagged_block => {
                let mut parts = pair.into_inner();
                let tag = self.ident(parts.next()?, offset);
                let block = self.block(parts.next()?, offset)?;
                ValueKind::Tagged(tag, block)
            }
            _ => return None,
        };
        Some(Value { kind, span })
    }

    /// Turns a pest error into words: what was expected, what was found.
    fn describe(&self, error: pest::error::Error<Rule>, start: usize, input: &str) -> SyntaxError {
        let pos = match error.location {
            InputLocation::Pos(pos) => pos,
            InputLocation::Span((pos, _)) => pos,
        };
        let mut pos = pos.min(input.len());
        let mut expected = Expected::default();
        match error.parse_attempts() {
            // The attempts know the furthest position reached and the literal
            // tokens tried there; the plain error often stops earlier.
            Some(attempts) if attempts.max_position >= pos && attempts.max_position <= input.len() => {
                pos = attempts.max_position;
                for token in attempts.expected_tokens() {
                    expected.add_literal(&token.to_string());
                }
                for stack in attempts.call_stacks() {
                    // A stack whose deepest entry is a rule means that rule
                    // failed right there; a token failure is named by the
                    // literals above.
                    if let Some(rule) = stack.deepest.get_rule()
                        && !matches!(rule, Rule::block | Rule::list | Rule::string)
                    {
                        expected.add_rule(*rule);
                    }
                }
            }
            _ => {
                if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
                    for rule in positives {
                        expected.add_rule(*rule);
                    }
                }
            }
        }
        let found = found_at(input, pos);
        let property = if expected.value {
            property_before(input, pos)
        } else {
            None
        };
        let words = expected.words();
        let message = if words.is_empty() {
            format!("unexpected {}", found.text)
        } else {
            format!("expected {words}, found {}", found.text)
        };
        let help = expected.help(&found.text, property.as_deref());
        let at = start + pos;
        SyntaxError {
            span: self.span(at, at + found.len),
            message,
            label: if found.len == 0 {
                "here".to_string()
            } else {
                "unexpected".to_string()
            },
            help,
            found: found.text,
            expected_value_for: property,
        }
    }
}

fn error_box(error: pest::error::Error<Rule>) -> Box<pest::error::Error<Rule>> {
    Box::new(error)
}

struct Found {
    text: String,
    len: usize,
}

fn found_at(input: &str, pos: usize) -> Found {
    let rest = input.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return Found {
            text: "the end of the line".to_string(),
            len: 0,
        };
    };
    if first == '\n' || first == '\r' {
        return Found {
            text: "a line break".to_string(),
            len: 0,
        };
    }
    let word_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(idx, _)| idx);
    let len = if word_len > 0 {
        word_len.min(60)
    } else {
        for token in ["<->", "->", "/*", "//"] {
            if rest.starts_with(token) {
                return Found {
                    text: format!("`{token}`"),
                    len: token.len(),
                };
            }
        }
        first.len_utf8()
    };
    let shown = rest.get(..len).unwrap_or("");
    let shown: String = shown
        .chars()
        .map(|c| if c.is_control() { char::REPLACEMENT_CHARACTER } else { c })
        .collect();
    Found {
        text: format!("`{shown}`"),
        len,
    }
}

/// The property name when the error sits right after `NAME =`.
fn property_before(input: &str, pos: usize) -> Option<String> {
    let before = input.get(..pos)?.trim_end_matches([' ', '\t']);
    let before = before.strip_suffix('=')?.trim_end_matches([' ', '\t']);
    let name_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(0, |(idx, c)| idx + c.len_utf8());
    let name = before.get(name_start..)?;
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then(|| name.to_string())
}

/// What the parser would have accepted, gathered from pest's rules and
/// literal tokens and named in words.
#[derive(Default)]
struct Expected {
    value: bool,
    name: bool,
    block_open: bool,
    block_close: bool,
    list_close: bool,
    separator: bool,
    equals: bool,
    arrow: bool,
    double_arrow: bool,
    colon: bool,
    string: bool,
    property: bool,
    declaration: bool,
    end: bool,
}

impl Expected {
    fn add_rule(&mut self, rule: Rule) {
        match rule {
            Rule::value
            | Rule::quantity
            | Rule::number
            | Rule::unit
            | Rule::chain
            | Rule::tagged_block
            | Rule::list
            | Rule::rule_name => self.value = true,
            Rule::ident => self.name = true,
            Rule::block => self.block_open = true,
            Rule::property => self.property = true,
            Rule::technology => self.colon = true,
            Rule::string | Rule::string_inner => self.string = true,
            Rule::EOI => self.end = true,
            Rule::import_decl
            | Rule::rtt_decl
            | Rule::slo_decl
            | Rule::flow_decl
            | Rule::link_decl
            | Rule::component_decl
            | Rule::member
            | Rule::kw_import
            | Rule::kw_rtt
            | Rule::kw_slo
            | Rule::kw_flow => self.declaration = true,
            Rule::header | Rule::container_keyword => self.declaration = true,
            _ => {}
        }
    }

    fn add_literal(&mut self, token: &str) {
        match token {
            "{" => self.block_open = true,
            "}" => self.block_close = true,
            "]" => self.list_close = true,
            "," | "\n" | "\r\n" | "\r" => self.separator = true,
            "=" => self.equals = true,
            "->" => self.arrow = true,
            "<->" => self.double_arrow = true,
            ":" => self.colon = true,
            "\"" => self.string = true,
            "[" | "-" => self.value = true,
            _ => {}
        }
    }

    fn words(&self) -> String {
        let mut words: Vec<&str> = Vec::new();
        if self.value {
            words.push("a value");
        } else {
            if self.property && !self.equals {
                words.push("a property such as `replicas = 2`");
            }
            if self.name && !self.property {
                words.push("a name");
            }
            if self.string {
                words.push("a \"label\"");
            }
            if self.equals {
                words.push("`=`");
            }
            if self.block_open {
                words.push("`{`");
            }
        }
        if self.value && self.equals {
            words.push("`=`");
        }
        if self.arrow {
            words.push("`->`");
        }
        if self.double_arrow {
            words.push("`<->`");
        }
        if self.colon && !self.value {
            words.push("`: technology`");
        }
        if self.separator {
            words.push("a comma or a line break");
        }
        if self.block_close {
            words.push("`}`");
        }
        if self.list_close {
            words.push("`]`");
        }
        if words.is_empty() && self.declaration {
            words.push("a declaration");
        }
        if words.is_empty() && self.end {
            words.push("the end of the declaration");
        }
        match words.len() {
            0 => String::new(),
            1 => words[0].to_string(),
            n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
        }
    }

    fn help(&self, found: &str, property: Option<&str>) -> Option<String> {
        if let Some(property) = property {
            return Some(format!(
                "write `{property} = VALUE`, e.g. a number (3), a duration (5ms), a rate (100/s), a percentage (99.9%) or a name"
            ));
        }
        if self.value {
            return Some(
                "a value is a number (3), a duration (5ms), a rate (100/s), a percentage (99.9%), a size (20GB), a name, a \"string\", a [list] or a { block }".to_string(),
            );
        }
        if self.separator || self.block_close {
            return Some("put each property on its own line, or separate them with commas".to_string());
        }
        if self.declaration {
            return Some(
                "a declaration is a component (`service api { replicas = 2 }`), a link (`a -> b`), a `flow`, an `slo`, an `rtt` or an `import`"
                    .to_string(),
            );
        }
        if self.end && found.starts_with('`') {
            return Some("one declaration per line: start the next one on a new line".to_string());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> FileAst {
        let parsed = parse(FileId(0), text);
        assert_eq!(parsed.errors, vec![], "{text}");
        parsed.ast
    }

    fn errors(text: &str) -> Vec<String> {
        parse(FileId(0), text).errors.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn parses_every_declaration_form() {
        let ast = parse_ok(
            r#"import "common.hld"
system twitter "Twitter-like" {
  slo { availability = 99.95%, p99 = 300ms }
  client users "Mobile" { rps = 50k }
  database tweets : cassandra { shard = hash { key = user_id, count = 16 } }
  service api {
    replicas = 3
    allow = [missing-rate-limit, deep-sync-chain]
  }
  users -> api -> tweets { op = read, latency = 1ms }
  region us_east "N. Virginia" { service x { replicas = 2 } }
  rtt us_east <-> eu = 75ms
  flow read "GET /" {
    path = users -> api -> tweets
    slo = { p99 = 200ms }
  }
}
"#,
        );
        assert!(matches!(&ast.items[0], Item::Import(import) if import.path.value == "common.hld"));
        let Item::Container(system) = &ast.items[1] else {
            panic!()
        };
        assert_eq!(system.id.name, "twitter");
        assert_eq!(system.items.len(), 8);
        let Item::Link(link) = &system.items[4] else { panic!() };
        assert_eq!(link.nodes.len(), 3);
        let Item::Container(region) = &system.items[5] else {
            panic!()
        };
        assert_eq!(region.kind, ContainerKind::Region);
        let Item::Flow(flow) = &system.items[7] else { panic!() };
        assert!(matches!(&flow.block.properties[0].value.kind, ValueKind::Chain(nodes) if nodes.len() == 3));
    }

    #[test]
    fn spans_point_into_the_file() {
        let text = "system s {\n  service api { replicas = 3 }\n}";
        let ast = parse_ok(text);
        let Item::Container(system) = &ast.items[0] else {
            panic!()
        };
        let Item::Component(component) = &system.items[0] else {
            panic!()
        };
        assert_eq!(&text[component.id.span.range()], "api");
        let property = &component.block.as_ref().unwrap().properties[0];
        assert_eq!(&text[property.value.span.range()], "3");
    }

    #[test]
    fn a_syntax_error_says_what_was_expected_in_words() {
        let parsed = parse(FileId(0), "system b {\n  service api { replicas = = 2 }\n}");
        assert_eq!(parsed.errors.len(), 1);
        let error = &parsed.errors[0];
        assert_eq!(error.message, "expected a value, found `=`");
        assert_eq!(error.expected_value_for.as_deref(), Some("replicas"));
    }

    #[test]
    fn two_broken_declarations_report_two_errors() {
        let messages = errors("system b {\n  service a { x = }\n  service b { y 2 }\n  service c\n}");
        assert_eq!(messages.len(), 2, "{messages:?}");
    }

    #[test]
    fn properties_need_separators() {
        let messages = errors("system b {\n  service a { x = 1 y = 2 }\n}");
        assert_eq!(messages, vec!["expected a comma or a line break or `}`, found `y`"]);
    }

    #[test]
    fn crlf_tabs_and_bom() {
        parse_ok("\u{FEFF}system s {\r\n\tservice a {\r\n\t\treplicas = 2\r\n\t}\r\n}\r\n");
    }
}
