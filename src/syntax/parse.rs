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
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    parse_on(file, text, threads)
}

/// `parse` on at most `threads` threads; the result does not depend on it.
pub fn parse_on(file: FileId, text: &str, threads: usize) -> Parsed {
    let split = split::split(text);
    let mut ctx = Ctx {
        file,
        text,
        threads,
        errors: Vec::new(),
        steps_allowed: false,
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

/// Declarations parsed in one pest call.
const BATCH: usize = 256;
/// Runs of at least this many batches are parsed on several threads.
const PARALLEL_BATCHES: usize = 8;
const MAX_THREADS: usize = 8;

struct Ctx<'t> {
    file: FileId,
    text: &'t str,
    threads: usize,
    errors: Vec<SyntaxError>,
    /// Whether the next block read may hold `call` lines and `parallel`
    /// blocks (a flow's block and a `parallel` block in it); read and reset
    /// by [`Ctx::block`].
    steps_allowed: bool,
}

impl<'t> Ctx<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn nodes(&mut self, nodes: &[Node]) -> Vec<Item> {
        let mut items = Vec::with_capacity(nodes.len());
        let mut idx = 0;
        while idx < nodes.len() {
            match &nodes[idx] {
                Node::Decl(_) => {
                    // A run of declarations is parsed in one pest call (pest's
                    // per-call setup dominated parse time); only when the run
                    // has an error is it parsed declaration by declaration,
                    // to report each error on its own.
                    let run_end = nodes[idx..]
                        .iter()
                        .position(|node| !matches!(node, Node::Decl(_)))
                        .map_or(nodes.len(), |len| idx + len);
                    let batches: Vec<&[Node]> = nodes[idx..run_end].chunks(BATCH).collect();
                    self.batches(&batches, &mut items);
                    idx = run_end;
                }
                Node::Container { header, body, close } => {
                    let body_items = self.nodes(body);
                    if let Some(mut container) = self.header(header.start, header.end) {
                        let end = close.map_or(self.text.len(), |close| close + 1);
                        container.span = self.span(header.start, end);
                        container.items = body_items;
                        items.push(Item::Container(Box::new(container)));
                    }
                    idx += 1;
                }
            }
        }
        items
    }

    /// Parses batches in order; a long run is split over the machine's
    /// cores (declarations are independent), and the results joined in
    /// source order, so the output does not depend on the thread count.
    fn batches(&mut self, batches: &[&[Node]], items: &mut Vec<Item>) {
        let threads = self.threads;
        if threads < 2 || batches.len() < PARALLEL_BATCHES {
            for batch in batches {
                self.batch(batch, items);
            }
            return;
        }
        let per_thread = batches.len().div_ceil(threads);
        let (file, text) = (self.file, self.text);
        let results: Vec<Option<(Vec<Item>, Vec<SyntaxError>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batches
                .chunks(per_thread)
                .map(|share| {
                    scope.spawn(move || {
                        let mut ctx = Ctx {
                            file,
                            text,
                            threads: 1,
                            errors: Vec::new(),
                            steps_allowed: false,
                        };
                        let mut share_items = Vec::new();
                        for batch in share {
                            ctx.batch(batch, &mut share_items);
                        }
                        (share_items, ctx.errors)
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().ok()).collect()
        });
        for (share, result) in batches.chunks(per_thread).zip(results) {
            match result {
                Some((share_items, errors)) => {
                    items.extend(share_items);
                    self.errors.extend(errors);
                }
                // A thread that failed (a bug) costs speed, not output.
                None => {
                    for batch in share {
                        self.batch(batch, items);
                    }
                }
            }
        }
    }

    /// Parses consecutive declarations together; falls back to one at a
    /// time when any of them has a syntax error.
    fn batch(&mut self, batch: &[Node], items: &mut Vec<Item>) {
        let ranges: Vec<std::ops::Range<usize>> = batch
            .iter()
            .filter_map(|node| match node {
                Node::Decl(range) => Some(range.clone()),
                Node::Container { .. } => None,
            })
            .collect();
        let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
            return;
        };
        let (start, end) = (first.start, last.end);
        if ranges.len() > 1
            && let Some(raw) = self.text.get(start..end)
        {
            let blanked = blank_comments(raw);
            let input = blanked.as_deref().unwrap_or(raw);
            if let Ok(mut pairs) = HldGrammar::parse(Rule::members, input)
                && let Some(members) = pairs.next()
            {
                let before = items.len();
                for pair in members.into_inner() {
                    if pair.as_rule() == Rule::EOI {
                        continue;
                    }
                    if let Some(item) = self.build_declaration(pair, start) {
                        items.push(item);
                    }
                }
                // Each range parsed as one declaration: the batch agrees with
                // the splitter, as it must.
                if items.len() - before == ranges.len() {
                    return;
                }
                items.truncate(before);
            }
        }
        for range in ranges {
            if let Some(item) = self.declaration(range.start, range.end) {
                items.push(item);
            }
        }
    }

    fn run<'i>(&mut self, rule: Rule, start: usize, input: &'i str) -> Option<Pair<'i, Rule>> {
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
        let raw = self.text.get(start..end)?;
        let blanked = blank_comments(raw);
        let input = blanked.as_deref().unwrap_or(raw);
        let pair = self.run(Rule::header, start, input)?;
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
        let raw = self.text.get(start..end)?;
        let blanked = blank_comments(raw);
        let input = blanked.as_deref().unwrap_or(raw);
        let Some(member) = self.run(Rule::member, start, input) else {
            return self.recover_component(start, end);
        };
        let pair = member.into_inner().find(|pair| pair.as_rule() != Rule::EOI)?;
        self.build_declaration(pair, start)
    }

    /// One declaration's pair to its syntax tree; `offset` is where the
    /// parsed text starts in the file.
    fn build_declaration(&mut self, pair: Pair<'_, Rule>, offset: usize) -> Option<Item> {
        let span = self.pair_span(&pair, offset);
        match pair.as_rule() {
            Rule::import_decl => {
                let string = pair.into_inner().find(|p| p.as_rule() == Rule::string)?;
                let path = self.string(string, offset)?;
                Some(Item::Import(Box::new(ImportDecl { path, span })))
            }
            Rule::rtt_decl => {
                let mut parts = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_rtt);
                let a = self.ident(parts.next()?, offset);
                let b = self.ident(parts.next()?, offset);
                let value = self.value(parts.next()?, offset)?;
                Some(Item::Rtt(Box::new(RttDecl { a, b, value, span })))
            }
            Rule::slo_decl => {
                let block = pair.into_inner().find(|p| p.as_rule() == Rule::block)?;
                let block = self.block(block, offset)?;
                Some(Item::Slo(Box::new(SloDecl { block, span })))
            }
            Rule::flow_decl => {
                let mut id = None;
                let mut label = None;
                let mut block = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::ident => id = Some(self.ident(part, offset)),
                        Rule::string => label = self.string(part, offset),
                        Rule::block => {
                            self.steps_allowed = true;
                            block = self.block(part, offset);
                        }
                        _ => {}
                    }
                }
                Some(Item::Flow(Box::new(FlowDecl {
                    id: id?,
                    label,
                    block: block?,
                    span,
                })))
            }
            Rule::link_decl => {
                let (nodes, block) = self.chain(pair, offset);
                Some(Item::Link(Box::new(LinkDecl { nodes, block, span })))
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
                Some(Item::Component(Box::new(ComponentDecl {
                    kind: idents.next()?,
                    id: idents.next()?,
                    label,
                    technology,
                    block,
                    span,
                    recovered: false,
                })))
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
        Some(Item::Component(Box::new(ComponentDecl {
            kind: ident(kind_start, kind_end),
            id: ident(id_start, id_end),
            label: None,
            technology: None,
            block: None,
            span: self.span(start, end),
            recovered: true,
        })))
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
        let steps_allowed = std::mem::replace(&mut self.steps_allowed, false);
        let span = self.pair_span(&pair, offset);
        let inner = pair.into_inner();
        // Exact capacity: blocks are most of a syntax tree's memory.
        let mut properties = Vec::with_capacity(inner.len());
        let mut steps = Vec::new();
        let mut ok = true;
        for entry in inner {
            match entry.as_rule() {
                Rule::call_line | Rule::parallel_block => {
                    let entry_span = self.pair_span(&entry, offset);
                    if !steps_allowed {
                        let what = if entry.as_rule() == Rule::call_line {
                            "a `call` line"
                        } else {
                            "a `parallel` block"
                        };
                        self.errors.push(SyntaxError {
                            span: entry_span,
                            message: format!("{what} belongs in a flow"),
                            label: "not allowed here".to_string(),
                            help: Some(
                                "write `call A -> B` and `parallel { call A -> B; call A -> C }` directly inside `flow NAME { ... }`"
                                    .to_string(),
                            ),
                            found: String::new(),
                            expected_value_for: None,
                        });
                        continue;
                    }
                    if let Some(step) = self.step(entry, offset) {
                        steps.push(step);
                    }
                    continue;
                }
                _ => {}
            }
            let mut parts = entry.into_inner();
            let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                continue;
            };
            let name = self.ident(name, offset);
            // `name { ... }` is `name = { ... }`.
            let value = if value.as_rule() == Rule::block {
                let span = self.pair_span(&value, offset);
                self.block(value, offset).map(|block| Value {
                    kind: ValueKind::Block(Box::new(block)),
                    span,
                })
            } else {
                self.value(value, offset)
            };
            match value {
                Some(value) => properties.push(Property {
                    // From the name to the end of the value, without the
                    // blanks pest may have skipped after it.
                    span: name.span.to(value.span),
                    name,
                    value,
                }),
                None => ok = false,
            }
        }
        // A property whose value had a lexical error is reported already;
        // keep the others so their errors are found too.
        let _ = ok;
        Some(Block {
            properties,
            steps: (!steps.is_empty()).then(|| Box::new(steps)),
            span,
        })
    }

    /// A `call` line or a `parallel` block of a flow (language.md §5).
    /// The names and optional block of a chain: a link declaration or a
    /// `call` line.
    fn chain(&mut self, pair: Pair<'_, Rule>, offset: usize) -> (Vec<Ident>, Option<Block>) {
        let mut nodes = Vec::new();
        let mut block = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::ident => nodes.push(self.ident(part, offset)),
                Rule::block => block = self.block(part, offset),
                _ => {}
            }
        }
        (nodes, block)
    }

    fn step(&mut self, pair: Pair<'_, Rule>, offset: usize) -> Option<StepDecl> {
        let span = self.pair_span(&pair, offset);
        match pair.as_rule() {
            Rule::call_line => {
                let (nodes, block) = self.chain(pair, offset);
                Some(StepDecl::Call(Box::new(CallDecl { nodes, block, span })))
            }
            Rule::parallel_block => {
                let mut keyword_span = span;
                let mut block = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::kw_parallel => keyword_span = self.pair_span(&part, offset),
                        Rule::block => {
                            self.steps_allowed = true;
                            block = self.block(part, offset);
                        }
                        _ => {}
                    }
                }
                Some(StepDecl::Parallel(Box::new(ParallelDecl {
                    block: block?,
                    keyword_span,
                    span,
                })))
            }
            _ => None,
        }
    }

    fn value(&mut self, pair: Pair<'_, Rule>, offset: usize) -> Option<Value> {
        // `value` wraps exactly one alternative.
        let pair = if pair.as_rule() == Rule::value {
            pair.into_inner().next()?
        } else {
            pair
        };
        let mut span = self.pair_span(&pair, offset);
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
            Rule::rule_name => ValueKind::RuleName(pair.as_str().to_string()),
            Rule::named => {
                let mut parts = pair.into_inner();
                let name = parts.next()?;
                match parts.next() {
                    None => {
                        // pest's span of `named` takes in the blanks it
                        // skipped looking for a path or a block.
                        span = self.pair_span(&name, offset);
                        ValueKind::Word(name.as_str().to_string())
                    }
                    Some(rest) if rest.as_rule() == Rule::path_rest => {
                        let mut nodes = vec![self.ident(name, offset)];
                        nodes.extend(rest.into_inner().map(|part| self.ident(part, offset)));
                        ValueKind::Chain(nodes)
                    }
                    Some(block) => {
                        let tag = self.ident(name, offset);
                        ValueKind::Tagged(Box::new((tag, self.block(block, offset)?)))
                    }
                }
            }
            Rule::list => {
                let items = pair.into_inner();
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.value(item, offset)?);
                }
                ValueKind::List(values)
            }
            Rule::block => ValueKind::Block(Box::new(self.block(pair, offset)?)),
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
                    let token = token.to_string();
                    expected.add_literal(single_char_range(&token).unwrap_or(&token));
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
        let mut message = if words.is_empty() {
            format!("unexpected {}", found.text)
        } else {
            format!("expected {words}, found {}", found.text)
        };
        let mut help = expected.help(&found.text, property.as_deref());
        // `import` alone parses as far as a component kind would: say what an
        // import takes instead.
        let first_word = input
            .trim_start()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next();
        if first_word == Some("import") && expected.string {
            message = format!("expected a quoted path after `import`, found {}", found.text);
            help = Some("write `import \"common.hld\"` (relative to this file)".to_string());
        }
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

/// The declaration with its comments (and byte order marks) turned into
/// spaces, byte for byte, so offsets stay the same and the grammar needs no
/// comment rule: implicit comment skipping between every two tokens was a
/// large share of parse time. `None` when there is nothing to blank.
fn blank_comments(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if !(text.contains("//") || text.contains("/*") || text.contains('\u{FEFF}')) {
        return None;
    }
    let mut out = bytes.to_vec();
    let mut changed = false;
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'"' => {
                // Strings keep their text; the splitter made sure they close.
                idx += 1;
                while idx < bytes.len() && bytes[idx] != b'"' && bytes[idx] != b'\n' {
                    idx += if bytes[idx] == b'\\' { 2 } else { 1 };
                }
                idx += 1;
            }
            b'/' if bytes.get(idx + 1) == Some(&b'/') => {
                while idx < bytes.len() && bytes[idx] != b'\n' && bytes[idx] != b'\r' {
                    out[idx] = b' ';
                    idx += 1;
                }
                changed = true;
            }
            b'/' if bytes.get(idx + 1) == Some(&b'*') => {
                let end = bytes[idx + 2..]
                    .windows(2)
                    .position(|window| window == b"*/")
                    .map_or(bytes.len(), |pos| idx + 2 + pos + 2);
                for byte in &mut out[idx..end] {
                    *byte = b' ';
                }
                idx = end;
                changed = true;
            }
            0xEF if bytes.get(idx + 1..idx + 3) == Some(&[0xBB, 0xBF]) => {
                out[idx..idx + 3].copy_from_slice(b"   ");
                idx += 3;
                changed = true;
            }
            _ => idx += 1,
        }
    }
    // Only whole comments and whole marks were replaced by ASCII spaces, so
    // the bytes are still UTF-8.
    changed.then(|| String::from_utf8(out).ok()).flatten()
}

fn error_box(error: pest::error::Error<Rule>) -> Box<pest::error::Error<Rule>> {
    Box::new(error)
}

struct Found {
    text: String,
    len: usize,
}

/// The character of a one-character range as pest names it (`{..{`): the
/// grammar writes single characters as ranges ('{'..'{'), which pest
/// matches faster than string literals.
fn single_char_range(token: &str) -> Option<&str> {
    let first = token.chars().next()?;
    let (start, rest) = token.split_at(first.len_utf8());
    (rest.strip_prefix("..")? == start).then_some(start)
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
            | Rule::named
            | Rule::path_rest
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
        if self.name || self.arrow || self.double_arrow {
            return Some(
                "a name starts with a letter or `_`, then letters, digits or `_` (`api`, `users_db`); links are `a -> b`, round trips `rtt a <-> b = 75ms`"
                    .to_string(),
            );
        }
        if self.block_open || self.colon || self.string {
            return Some(
                "a component is `KIND ID [\"label\"] [: technology] [{ properties }]`, e.g. `cache sessions : redis { ttl = 1h }`"
                    .to_string(),
            );
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
    fn one_character_ranges_are_named_as_their_character() {
        assert_eq!(single_char_range("{..{"), Some("{"));
        assert_eq!(single_char_range("...."), Some("."));
        assert_eq!(single_char_range("é..é"), Some("é"));
        assert_eq!(single_char_range("a..z"), None);
        assert_eq!(single_char_range("->"), None);
        assert_eq!(single_char_range(""), None);
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

#[cfg(test)]
mod comment_tests {
    use super::*;

    /// Long files are parsed on several threads; the syntax tree and the
    /// errors are the same as on one.
    #[test]
    fn parsing_on_threads_gives_the_same_result() {
        let mut text = String::from("system s {\n");
        for idx in 0..6_000 {
            match idx % 997 {
                13 => text.push_str(&format!("  service s{idx} {{ replicas = = 2 }}\n")),
                14 => text.push_str(&format!("  s{idx} -> \n")),
                _ => text.push_str(&format!(
                    "  service s{idx} {{ replicas = 2, latency = {}ms }} // c\n",
                    idx % 9
                )),
            }
        }
        text.push_str("}\n");
        let one = parse_on(FileId(0), &text, 1);
        let four = parse_on(FileId(0), &text, 4);
        assert_eq!(one.ast, four.ast);
        assert_eq!(one.errors, four.errors);
        let messages: Vec<_> = one.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(one.errors.len(), 14, "{messages:#?}");
    }

    #[test]
    fn comments_anywhere_in_a_declaration() {
        let text = "system s { // the system\n  service a { /* one */ replicas = 2 // two\n    capacity = 5k/s /* three\n */ }\n  a -> b // four\n  service b \"x // not a comment\"\n}";
        let parsed = parse(FileId(0), text);
        assert_eq!(parsed.errors, vec![]);
        let Item::Container(system) = &parsed.ast.items[0] else {
            panic!()
        };
        let Item::Component(b) = &system.items[2] else { panic!() };
        assert_eq!(b.label.as_ref().unwrap().value, "x // not a comment");
    }
}
