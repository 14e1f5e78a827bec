//! The syntax tree: declarations as written, with byte spans, before any name
//! is bound or any property is checked. `model::resolve` reads it; nothing
//! after `model` sees it.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

/// The declarations of one file, in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileAst {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
/// Declarations are boxed so that a file's vector of items stays small
/// (docs/performance.md, "Memory").
pub enum Item {
    Import(Box<ImportDecl>),
    /// `system ID ["label"] { ... }` or `region ID ["label"] { ... }`.
    Container(Box<ContainerDecl>),
    Component(Box<ComponentDecl>),
    Link(Box<LinkDecl>),
    Flow(Box<FlowDecl>),
    Slo(Box<SloDecl>),
    Rtt(Box<RttDecl>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    System,
    Region,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub path: StringLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerDecl {
    pub kind: ContainerKind,
    pub id: Ident,
    pub label: Option<StringLit>,
    pub items: Vec<Item>,
    /// From the keyword to the closing brace (or the end of the file when the
    /// brace is missing).
    pub span: Span,
    /// The header alone: `system twitter "label" {`.
    pub header_span: Span,
}

/// `KIND ID ["label"] [: TECHNOLOGY] [{ PROPERTIES }]`
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentDecl {
    pub kind: Ident,
    pub id: Ident,
    pub label: Option<StringLit>,
    pub technology: Option<Ident>,
    pub block: Option<Block>,
    pub span: Span,
    /// Rebuilt from the first two words of a declaration that did not parse:
    /// it declares the id (so links to it raise no second error) but its
    /// properties were not read.
    pub recovered: bool,
}

/// `A -> B [-> C ...] [{ PROPERTIES }]`
#[derive(Clone, Debug, PartialEq)]
pub struct LinkDecl {
    pub nodes: Vec<Ident>,
    pub block: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FlowDecl {
    pub id: Ident,
    pub label: Option<StringLit>,
    pub block: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SloDecl {
    pub block: Block,
    pub span: Span,
}

/// `rtt A <-> B = D`
#[derive(Clone, Debug, PartialEq)]
pub struct RttDecl {
    pub a: Ident,
    pub b: Ident,
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub properties: Vec<Property>,
    /// `call` lines and `parallel` blocks, in source order (only a flow's
    /// block, or a `parallel` block inside it, holds any; see
    /// [`Block::steps`]). Boxed, so the blocks of components and links,
    /// which never hold steps, stay one pointer larger, not three.
    pub steps: Option<Box<Vec<StepDecl>>>,
    pub span: Span,
}

impl Block {
    /// The `call` lines and `parallel` blocks, in source order.
    pub fn steps(&self) -> &[StepDecl] {
        self.steps.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// A step of a flow's call tree as written (language.md §5).
#[derive(Clone, Debug, PartialEq)]
pub enum StepDecl {
    /// `call A -> B [-> C ...] [{ op = ..., requires = ..., allow = [...] }]`
    Call(Box<CallDecl>),
    /// `parallel { call ...; call ... }`: the block's `steps` are its calls.
    Parallel(Box<ParallelDecl>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CallDecl {
    pub nodes: Vec<Ident>,
    pub block: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParallelDecl {
    pub block: Block,
    /// The `parallel` keyword.
    pub keyword_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    pub name: Ident,
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Quantity(Quantity),
    String(String),
    /// A bare identifier: an enum value, an id, `true` or `false`.
    Word(String),
    /// A kebab-case rule name (only meaningful inside `allow = [...]`).
    RuleName(String),
    /// `a -> b -> c`
    Chain(Vec<Ident>),
    List(Vec<Value>),
    /// Boxed, like `Tagged`: the rarer, larger variants live on the heap so
    /// that every property stays small (docs/performance.md, "Memory").
    Block(Box<Block>),
    /// `hash { key = user_id, count = 16 }`
    Tagged(Box<(Ident, Block)>),
}

impl ValueKind {
    /// What the value looks like, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            ValueKind::Quantity(quantity) => match quantity.unit {
                Unit::None if quantity.si => "a count".to_string(),
                Unit::None => "a number".to_string(),
                Unit::Duration => "a duration".to_string(),
                Unit::Rate => "a rate".to_string(),
                Unit::Percent => "a percentage".to_string(),
                Unit::Size => "a size".to_string(),
                Unit::Bandwidth => "a bandwidth".to_string(),
            },
            ValueKind::String(_) => "a string".to_string(),
            ValueKind::Word(word) => format!("`{word}`"),
            ValueKind::RuleName(name) => format!("`{name}`"),
            ValueKind::Chain(_) => "a path".to_string(),
            ValueKind::List(_) => "a list".to_string(),
            ValueKind::Block(_) => "a block".to_string(),
            ValueKind::Tagged(tagged) => format!("`{} {{ ... }}`", tagged.0.name),
        }
    }
}

/// Numbers with their units are the leaf `units`' (language.md §1).
pub use crate::units::{Quantity, Unit};
